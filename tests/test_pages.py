"""The public pages in Chinese (/, /check, /notices/<id>, /articles), as HTML over HTTP."""

import re
import uuid
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from service import create_app
from service.domain.models import Notice
from service.infra.clock import utcnow
from service.web import formatting, views
from tests.builders import SHANGHAI, post_notice, publish_article, today, withdraw
from tests.conftest import serve

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HOSTILE = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "名" * 3000,
           "\x00", "\u202e", "' OR 1=1 --", "%", "_", "\\"]


# --- helpers -----------------------------------------------------------------------------------

class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes and text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)
        self.text = " ".join(" ".join(e["text"] for e in self.elements if e["tag"] == "body")
                             .split())

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("meta", "link", "input", "br", "img"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag: str, **attrs) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag
                and all(e["attrs"].get(k.rstrip("_")) == v for k, v in attrs.items())]

    def texts(self, tag: str, **attrs) -> list[str]:
        return [" ".join(e["text"].split()) for e in self.all(tag, **attrs)]

    def headings(self) -> list[int]:
        return [int(e["tag"][1]) for e in self.elements if re.fullmatch(r"h[1-6]", e["tag"])]

    def tel_links(self) -> dict[str, str]:
        return {" ".join(e["text"].split()): e["attrs"]["href"] for e in self.all("a")
                if e["attrs"].get("href", "").startswith("tel:")}

    def roster(self) -> list[str]:
        return [" ".join(e["text"].split()) for e in self.elements
                if "roster-name" in e["attrs"].get("class", "").split()]


def get_page(client, path, status=200, **params) -> Page:
    response = client.get(path, params=params or None)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return Page(response.text)


def make_notice(client, tokens, *, title="记者证核验人员名单公示", roster=("刘东", "张心怡"),
                start=date(2024, 1, 26), end=date(2024, 2, 5), publish=True, **extra) -> dict:
    return post_notice(client, tokens, {
        "title": title, "category": "press_credential_verification", "issuer": "中国电子报",
        "issued_on": start.isoformat(),
        "body": extra.pop("body", "现将通过人员名单进行公示。\n\n举报电话为：010-83138953。"),
        "window": {"start": start.isoformat(), "end": end.isoformat(),
                   "timezone": "Asia/Shanghai"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"},
                     {"number": "010-64081702", "label": "举报电话"}],
        "roster": [entry if isinstance(entry, dict) else {"name": entry} for entry in roster],
        **extra}, publish=publish)


def open_notice(client, tokens, **kwargs) -> dict:
    return make_notice(client, tokens, start=today() - timedelta(days=2),
                       end=today() + timedelta(days=5), **kwargs)


def scheduled_notice(client, tokens, **kwargs) -> dict:
    return make_notice(client, tokens, start=today() + timedelta(days=3),
                       end=today() + timedelta(days=12), **kwargs)


def make_article(client, tokens, **fields) -> dict:
    body = {"title": "广东力争2025年超高清视频产业收入破万亿元", "kind": "policy",
            "published_on": "2024-01-26", "region": "广东",
            "body": "日前，广东省印发行动计划。\n超高清视频产业主要包括设备制造、节目制作。",
            **fields}
    response = client.post("/api/v1/articles", token=tokens["editor"], json=body)
    assert response.status_code == 201, response.text
    return publish_article(client, tokens, response.json()["id"])


# --- the shell every page shares ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/check", "/articles"])
def test_pages_are_chinese_mobile_first_with_one_h1_and_ordered_headings(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    page = Page(response.text)
    assert page.all("meta", name="viewport")[0]["attrs"]["content"] == (
        "width=device-width, initial-scale=1")
    assert len(page.all("h1")) == 1
    levels = page.headings()
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert not page.all("script"), "the pages need no JavaScript"
    assert not [e for e in page.elements if "style" in e["attrs"]], "CSP forbids inline styles"


def test_every_input_has_a_label(client, tokens):
    notice = open_notice(client, tokens)
    for path in ("/", "/check", "/articles", f"/notices/{notice['id']}"):
        page = get_page(client, path)
        labelled = {label["attrs"]["for"] for label in page.all("label")}
        inputs = page.all("input")
        assert inputs
        assert all(field["attrs"]["id"] in labelled for field in inputs), path


def test_stylesheet_is_served_as_css_with_print_rules(client):
    page = get_page(client, "/")
    [link] = page.all("link", rel="stylesheet")
    response = client.get(link["attrs"]["href"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "@media print" in response.text
    assert ":focus-visible" in response.text


# --- headers: security and caching -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/check?name=张心怡", "/articles", "/no-such-page"])
def test_pages_send_security_headers(client, tokens, path):
    make_notice(client, tokens)
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def test_public_page_has_etag_and_answers_304_to_if_none_match(client, tokens):
    notice = make_notice(client, tokens)
    path = f"/notices/{notice['id']}"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etag_changes_when_the_notice_changes(client, tokens):
    notice = open_notice(client, tokens)
    path = f"/notices/{notice['id']}"
    before = client.get(path).headers["ETag"]
    withdraw(client, tokens, notice["id"], "名单有误")
    response = client.get(path, headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.headers["ETag"] != before


def test_name_check_results_are_not_kept_by_shared_caches(client, tokens):
    make_notice(client, tokens)
    response = client.get("/check", params={"name": "张心怡"})
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.headers["ETag"]


def test_api_keeps_its_own_errors_and_headers(client):
    response = client.get("/api/v1/notices/999")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "Content-Security-Policy" not in response.headers
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert client.get("/openapi.json").headers["Content-Type"] == "application/json"
    assert client.get("/healthz").status_code == 200


def test_api_docs_come_from_this_service_under_a_self_only_csp(client):
    response = client.get("/docs")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split(";"))
    # 'self', and images written into the stylesheet as data: URLs: no other host.
    assert all(set(sources.split()) <= {"'self'", "'none'", "data:"}
               for sources in policy.values()), policy
    assert policy["default-src"] == policy["script-src"] == "'self'"
    page = Page(response.text)
    references = [e["attrs"].get("src") or e["attrs"].get("href") for e in page.elements
                  if e["tag"] in ("script", "link", "img", "a", "iframe")]
    assert references and all(ref.startswith("/") and not ref.startswith("//")
                               for ref in references), references
    assert "//" not in re.sub(r"<!--.*?-->", "", response.text)
    assert not [e for e in page.all("script") if not e["attrs"].get("src")], "no inline script"
    for ref in references:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text


# --- errors in Chinese -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/no-such-page", "/notices/999", "/notices/abc",
                                  "/notices/0", "/notices/99999999999999999999999",
                                  "/articles/999", "/notices/1/roster"])
def test_unknown_pages_answer_a_chinese_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    page = Page(response.text)
    assert page.texts("h1") == ["页面不存在"]
    assert '<html lang="zh-CN">' in response.text


@pytest.mark.parametrize("path, message", [
    ("/notices/999", "这份公示不存在，或者尚未发布。"),
    ("/articles/999", "这篇文章不存在，或者尚未发布。"),
    ("/no-such-page", "您要找的页面不存在，请检查网址。"),
])
def test_a_404_says_what_was_not_found(client, path, message):
    page = get_page(client, path, status=404)
    assert message in page.text
    assert "公示" not in message or path.startswith("/notices")


def test_wrong_method_on_a_page_is_a_chinese_405(client):
    response = client.post("/check", data={"name": "张心怡"})
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "GET" in response.headers["Allow"]
    assert Page(response.text).texts("h1") == ["不支持这种访问方式"]


def test_an_error_in_a_page_is_a_chinese_500_not_a_traceback(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(views, "present", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert Page(response.text).texts("h1") == ["服务器出错了"]
    assert "secret detail" not in response.text
    assert response.headers["Content-Security-Policy"] == CSP


def test_database_trouble_on_a_page_is_a_chinese_503(client, monkeypatch):
    from peewee import OperationalError

    def unavailable(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(views, "present", unavailable)
    response = client.get("/")
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert Page(response.text).texts("h1") == ["服务暂时不可用"]


def test_too_many_page_requests_get_a_chinese_429(app, database_url):
    limited = create_app({"DATABASE_URL": database_url, "PUBLIC_RATE_LIMIT": "2/minute",
                          "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    with serve(limited) as client:
        assert [client.get("/check").status_code for _ in range(2)] == [200, 200]
        refused = client.get("/check", params={"name": "张心怡"})
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "text/html; charset=utf-8"
    wait = int(refused.headers["Retry-After"])
    assert wait > 0
    page = Page(refused.text)
    assert page.texts("h1") == ["访问太频繁"]
    assert f"请{formatting.wait_text(wait)}后再试。" in page.text


@pytest.mark.parametrize("seconds, text", [(1, "1 秒"), (59, "59 秒"), (60, "1 分钟"),
                                           (61, "2 分钟"), (3600, "60 分钟")])
def test_a_wait_is_said_in_seconds_or_whole_minutes(seconds, text):
    assert formatting.wait_text(seconds) == text


# --- home --------------------------------------------------------------------------------------

def test_home_has_a_large_labelled_name_check_form(client):
    page = get_page(client, "/")
    [form] = page.all("form", action="/check")
    assert form["attrs"]["method"] == "get"
    [field] = page.all("input", name="name")
    assert page.all("label", for_=field["attrs"]["id"])
    assert page.texts("button") == ["查询"]


def test_home_lists_open_and_recent_notices_but_never_drafts(client, tokens):
    open_notice(client, tokens, title="正在公示的名单")
    scheduled_notice(client, tokens, title="即将公示的名单")
    make_notice(client, tokens, title="已经结束的名单")
    make_notice(client, tokens, title="草稿名单", publish=False)
    withdrawn = open_notice(client, tokens, title="撤回的名单")
    withdraw(client, tokens, withdrawn["id"], "名单有误，重新核验")
    page = get_page(client, "/")
    sections = {e["attrs"]["id"]: e for e in page.all("h2")}
    assert set(sections) == {"open-title", "recent-title"}
    assert "正在公示的名单" in page.text
    open_part, recent_part = page.text.split("最近发布", 1)
    assert "正在公示的名单" in open_part and "距公示结束还有 6 天" in open_part
    for title in ("即将公示的名单", "已经结束的名单", "撤回的名单"):
        assert title in recent_part
    assert "公示尚未开始" in recent_part and "公示已结束" in recent_part
    assert "撤回原因：名单有误，重新核验" in recent_part
    assert "草稿名单" not in page.text


def test_home_without_notices_says_so(client):
    page = get_page(client, "/")
    assert "目前没有正在公示期内的公示。" in page.text


# --- /check ------------------------------------------------------------------------------------

def test_check_without_a_name_shows_the_form_and_the_explanations(client):
    page = get_page(client, "/check")
    assert page.all("input", name="name")
    for label in ("完全一致", "繁简或写法不同", "同音"):
        assert label in page.text


def test_exact_match_shows_notice_status_window_and_tel_links(client, tokens):
    notice = open_notice(client, tokens, title="《中国电子报》核验人员名单公示")
    page = get_page(client, "/check", name="张心怡")
    [match] = page.all("li", **{"class": "card match match-exact"})
    text = " ".join(match["text"].split())
    assert "完全一致" in text
    assert "名单上的姓名与您输入的完全相同" in text
    assert "公示中" in text
    assert "距公示结束还有 6 天" in text
    start, end = today() - timedelta(days=2), today() + timedelta(days=5)
    assert f"{start.year}年{start.month}月{start.day}日 至 {end.year}年{end.month}月{end.day}日" \
        in text
    assert page.tel_links() == {"010-83138953": "tel:+861083138953",
                                "010-64081702": "tel:+861064081702"}
    [link] = [a for a in page.all("a") if a["text"] == "《中国电子报》核验人员名单公示"]
    assert link["attrs"]["href"] == (
        f"/notices/{notice['id']}?q=%E5%BC%A0%E5%BF%83%E6%80%A1#roster")


def test_traditional_characters_are_a_variant_match(client, tokens):
    make_notice(client, tokens)
    page = get_page(client, "/check", name="張心怡")
    assert page.all("li", **{"class": "card match match-variant"})
    assert "繁简或写法不同" in page.texts("li", **{"class": "card match match-variant"})[0]
    assert "「張心怡」的核对结果" in page.texts("h1")[0]


def test_same_sound_is_said_to_be_possibly_someone_else(client, tokens):
    make_notice(client, tokens)
    page = get_page(client, "/check", name="张欣怡")
    [match] = page.texts("li", **{"class": "card match match-pinyin"})
    assert "张心怡 同音" in match
    assert "名单上是「张心怡」，与您输入的「张欣怡」读音相同、汉字不同：可能不是同一个人。" in match


def test_pinyin_typed_is_explained_as_pinyin(client, tokens):
    make_notice(client, tokens)
    page = get_page(client, "/check", name="zhang xinyi")
    [match] = page.texts("li", **{"class": "card match match-pinyin"})
    assert "张心怡 拼音相同" in match
    assert "「张心怡」的拼音与您输入的相同" in match
    assert "汉字不同" not in match and "读音相同" not in match


def verdict_of(page: Page) -> tuple[str, str]:
    """(the verdict's class, its text); the verdict comes before any match."""
    [box] = [e for e in page.elements if "verdict" in e["attrs"].get("class", "").split()]
    cards = [e for e in page.elements if "match" in e["attrs"].get("class", "").split()]
    assert not cards or page.elements.index(box) < page.elements.index(cards[0])
    return box["attrs"]["class"].split()[1], " ".join(box["text"].split())


def verdict_registry(client, tokens) -> None:
    """张心怡 on an open roster and a 2024 one; 张欣怡 only on a withdrawn roster."""
    open_notice(client, tokens, title="正在公示的名单", roster=["刘东", "张心怡"])
    make_notice(client, tokens, title="2024年的名单", roster=["张心怡", "章新宜"])
    withdrawn = open_notice(client, tokens, title="撤回的名单", roster=["张欣怡"])
    withdraw(client, tokens, withdrawn["id"], "名单有误，将重新公示")


@pytest.mark.parametrize("name, verdict, sentence", [
    ("张心怡", "verdict-listed", "「张心怡」在已发布的公示名单上：1 份正在公示，1 份已经结束。"),
    ("張心怡", "verdict-listed", "「張心怡」在已发布的公示名单上：1 份正在公示，1 份已经结束。"),
    ("张欣怡", "verdict-withdrawn_only",
     "「张欣怡」只出现在已撤回的公示名单上，不能据此确认身份。"),
    ("zhang xinyi", "verdict-similar_only", "名单上有 4 条拼音为「zhang xinyi」的记录。"),
    ("章欣怡", "verdict-similar_only",
     "名单上没有与「章欣怡」完全一致的姓名；有 4 条读音相同的记录，可能不是同一人。"),
    ("李四", "verdict-not_found", "已发布的公示名单中没有「李四」。"),
])
def test_the_check_leads_with_a_verdict_in_one_sentence(client, tokens, name, verdict,
                                                       sentence):
    verdict_registry(client, tokens)
    kind, text = verdict_of(get_page(client, "/check", name=name))
    assert (kind, text.split("。")[0] + "。") == (verdict, sentence)


def test_a_withdrawn_only_name_mentions_its_homophones(client, tokens):
    verdict_registry(client, tokens)
    _, text = verdict_of(get_page(client, "/check", name="张欣怡"))
    assert "另有 3 条读音相同的记录，可能不是同一人。" in text


def test_cards_show_what_to_compare_and_how_old_a_closed_notice_is(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "2024年的名单", "category": "other", "issuer": "某报社",
        "window": {"start": "2024-01-26", "end": "2024-02-05"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"}],
        "roster": [{"name": "张心怡", "organization": "中国电子报社",
                    "credential_no": "11000012345678"}]})
    client.post(f"/api/v1/notices/{response.json()['id']}/publish", token=tokens["publisher"],
                json={"backdated": True})
    page = get_page(client, "/check", name="张心怡")
    [card] = page.texts("li", **{"class": "card match match-exact"})
    assert "单位 中国电子报社" in card and "证件号后 4 位 5678" in card
    assert re.search(r"2024年已结束的公示（\d+ 年前结束）", card)
    assert "有异议" not in card and "举报电话：" not in card
    assert "如需核实，可拨打发布单位所列电话" in card
    assert "11000012345678" not in page.text


def test_two_people_of_one_name_on_one_roster_are_one_notice_and_two_cards(client, tokens):
    open_notice(client, tokens, roster=[
        {"name": "王伟", "organization": "中国电子报社", "credential_no": "B11000000001"},
        {"name": "王伟", "organization": "人民邮电报社", "credential_no": "B11000000002"}])
    page = get_page(client, "/check", name="王伟")
    _, text = verdict_of(page)
    assert text.startswith("「王伟」在已发布的公示名单上：1 份正在公示。")
    cards = page.texts("li", **{"class": "card match match-exact"})
    assert ["中国电子报社" in cards[0], "人民邮电报社" in cards[1]] == [True, True]


def test_only_an_open_notice_invites_a_report(client, tokens):
    open_notice(client, tokens, title="正在公示的名单")
    scheduled_notice(client, tokens, title="即将公示的名单")
    page = get_page(client, "/check", name="张心怡")
    cards = {text.split("出自：")[1].split()[0]: text
             for text in page.texts("li", **{"class": "card match match-exact"})}
    assert "有异议，请拨打举报电话" in cards["正在公示的名单"]
    assert "名单没有列出单位和证件号。" in cards["正在公示的名单"]
    assert "公示开始后，有异议可拨打举报电话" in cards["即将公示的名单"]
    assert "3 天后开始" in cards["即将公示的名单"]


def test_no_match_is_said_plainly(client, tokens):
    make_notice(client, tokens)
    page = get_page(client, "/check", name="李四")
    assert "已发布的公示名单中没有「李四」。 也没有繁简写法不同或同音的姓名。" in page.text
    assert not page.all("li", **{"class": "card match match-exact"})


def test_check_shows_withdrawn_notice_with_its_reason(client, tokens):
    notice = open_notice(client, tokens)
    withdraw(client, tokens, notice["id"], "名单有误，重新核验")
    page = get_page(client, "/check", name="张心怡")
    [match] = page.texts("li", **{"class": "card match match-exact match-withdrawn"})
    assert "完全一致（名单已撤回）" in match
    assert "已撤回" in match
    assert "原因：名单有误，重新核验" in match


def test_drafts_never_match_on_the_check_page(client, tokens):
    make_notice(client, tokens, title="草稿名单", roster=["王草稿"], publish=False)
    page = get_page(client, "/check", name="王草稿")
    assert "已发布的公示名单中没有「王草稿」。" in page.text
    assert "草稿名单" not in page.text


def test_hidden_rosters_do_not_match(client, tokens, db):
    notice = make_notice(client, tokens)
    Notice.update(roster_hidden_at=utcnow()).where(Notice.id == notice["id"]).execute()
    page = get_page(client, "/check", name="张心怡")
    assert "已发布的公示名单中没有「张心怡」。" in page.text


@pytest.mark.parametrize("name, message", [
    ("", "请输入要查询的姓名。"),
    ("   ", "请输入要查询的姓名。"),
    ("名" * 3000, "姓名最多 64 个字"),
    ("\x00张心怡", "控制字符"),
    ("张\u202e心怡", "控制字符"),
])
def test_invalid_names_get_a_friendly_400(client, name, message):
    page = get_page(client, "/check", status=400, name=name)
    [error] = page.texts("p", role="alert")
    assert message in error
    [field] = page.all("input", name="name")
    assert field["attrs"]["aria-invalid"] == "true"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_break_the_check_page(client, tokens, name):
    make_notice(client, tokens)
    response = client.get("/check", params={"name": name})
    assert response.status_code in (200, 400)
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert not Page(response.text).all("script")


def test_markup_in_a_name_is_shown_as_text(client, tokens):
    make_notice(client, tokens)
    response = client.get("/check", params={"name": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "已发布的公示名单中没有「<script>alert(1)</script>」。" in Page(response.text).text


# --- /notices/<id> -----------------------------------------------------------------------------

def test_notice_page_shows_the_notice_as_printed(client, tokens):
    notice = make_notice(
        client, tokens, title="《中国电子报》通过2023年度新闻记者证核验人员名单公示",
        body="现将通过人员名单进行公示，举报电话为：010-83138953，010-64081702。\n\n"
             "名单如下：刘东、张心怡。\n\n中国电子报\n\n2024年1月26日")
    page = get_page(client, f"/notices/{notice['id']}")
    title = "《中国电子报》通过2023年度新闻记者证核验人员名单公示"
    assert page.texts("h1") == [title]
    assert page.texts("title") == [f"{title} · 公示登记处"]
    assert "中国电子报" in page.text and "2024年1月26日" in page.text
    assert "2024年1月26日 至 2024年2月5日" in page.text
    assert "公示已结束" in page.text
    assert "共 8 个工作日" in page.text
    body = page.texts("p")
    assert "现将通过人员名单进行公示，举报电话为：010-83138953，010-64081702。" in body
    assert "名单如下：刘东、张心怡。" in body
    assert page.texts("p", **{"class": "signature"}) == ["中国电子报", "2024年1月26日"]
    assert page.tel_links() == {"010-83138953": "tel:+861083138953",
                                "010-64081702": "tel:+861064081702"}
    # The numbers in the printed text are links too.
    assert len([a for a in page.all("a") if a["attrs"].get("href") == "tel:+861083138953"]) == 2
    assert page.roster() == ["刘东", "张心怡"]
    assert "名单（共 2 人）" in page.texts("h2")


def test_open_notice_counts_the_days_left(client, tokens):
    notice = open_notice(client, tokens)
    page = get_page(client, f"/notices/{notice['id']}")
    assert "公示中" in page.text
    assert "距公示结束还有 6 天" in page.text


def test_scheduled_notice_has_not_started(client, tokens):
    notice = scheduled_notice(client, tokens)
    page = get_page(client, f"/notices/{notice['id']}")
    assert "尚未开始" in page.texts("span", **{"class": "badge badge-scheduled"})
    assert "公示尚未开始，3 天后开始" in page.text
    assert "距公示结束" not in page.text


@pytest.mark.parametrize("day, today, text", [
    (date(2024, 2, 5), date(2026, 12, 2), "2 年前"),
    (date(2024, 2, 5), date(2025, 2, 4), "11 个月前"),
    (date(2026, 11, 5), date(2026, 12, 2), "27 天前"),
    (date(2026, 12, 2), date(2026, 12, 2), "今天"),
])
def test_time_ago_counts_in_the_largest_whole_unit(day, today, text):
    assert formatting.time_ago(day, today) == text


def test_a_window_opening_today_says_at_what_time():
    now = datetime(2026, 12, 2, 1, 0, tzinfo=SHANGHAI)
    assert formatting.starts_in(now + timedelta(hours=8), now, "Asia/Shanghai") == "今天 09:00 开始"
    assert formatting.starts_in(now + timedelta(hours=23), now, "Asia/Shanghai") == "1 天后开始"


def test_window_given_as_instants_shows_times(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "按时刻公示", "category": "other", "issuer": "某单位",
        "window": {"opens_at": "2024-03-01T09:00:00+08:00",
                   "closes_at": "2024-03-08T17:30:00+08:00"},
        "contacts": [{"number": "010-83138953", "label": "咨询电话"}]})
    notice_id = response.json()["id"]
    client.post(f"/api/v1/notices/{notice_id}/publish", token=tokens["publisher"],
                json={"backdated": True})
    page = get_page(client, f"/notices/{notice_id}")
    assert "2024年3月1日 09:00 至 2024年3月8日 17:30（北京时间）" in page.text
    assert page.tel_links() == {"010-83138953": "tel:+861083138953"}
    assert "咨询电话" in page.text
    assert "名单为空。" in page.text


def test_withdrawn_notice_says_so_with_its_reason(client, tokens):
    notice = open_notice(client, tokens)
    withdraw(client, tokens, notice["id"], "名单有误，<b>重新</b>核验")
    response = client.get(f"/notices/{notice['id']}")
    page = Page(response.text)
    assert "已撤回" in page.texts("span", **{"class": "badge badge-withdrawn"})
    assert "本公示已撤回" in page.text
    assert "撤回原因：名单有误，<b>重新</b>核验" in page.text
    assert "&lt;b&gt;" in response.text
    assert "距公示结束" not in page.text


def test_draft_notice_is_a_404_even_for_staff(client, tokens):
    draft = make_notice(client, tokens, publish=False)
    assert client.get(f"/notices/{draft['id']}").status_code == 404
    response = client.get(f"/notices/{draft['id']}", token=tokens["admin"])
    assert response.status_code == 404
    assert "张心怡" not in response.text


def test_roster_filter_keeps_matching_names(client, tokens):
    notice = make_notice(client, tokens, roster=["刘东", "张心怡", "张维佳", "刘晶"])
    page = get_page(client, f"/notices/{notice['id']}", q="张")
    assert page.roster() == ["张心怡", "张维佳"]
    assert "包含「张」的姓名：2 个。" in page.text
    [field] = page.all("input", name="q")
    assert field["attrs"]["value"] == "张"
    assert page.all("label", for_=field["attrs"]["id"])
    assert get_page(client, f"/notices/{notice['id']}", q="  张心怡 ").roster() == ["张心怡"]
    assert "姓名或拼音包含「zhang」的姓名：2 个。" in get_page(
        client, f"/notices/{notice['id']}", q="zhang").text


def test_roster_filter_folds_traditional_characters_like_the_name_check(client, tokens):
    notice = make_notice(client, tokens, roster=["刘东", "张心怡", "Anna Müller"])
    assert get_page(client, f"/notices/{notice['id']}", q="張心").roster() == ["张心怡"]
    assert get_page(client, f"/notices/{notice['id']}", q="ＭÜＬ").roster() == ["Anna Müller"]


FILTER_ROSTER = ["刘东", "张心怡", "张维佳", "Anna Müller", "阿依古丽·买买提", "章晓"]


@pytest.mark.parametrize("q, names", [
    ("張心", ["张心怡"]),                        # traditional
    ("ＭÜＬ", ["Anna Müller"]),                  # full width
    ("阿依古丽•买", ["阿依古丽·买买提"]),          # another middle dot
    ("zhang", ["张心怡", "张维佳", "章晓"]),       # pinyin
    ("ZHANG XIN", ["张心怡"]),
    ("xinyi", ["张心怡"]),
    ("zhāng wéi", ["张维佳"]),
    ("晓", ["章晓"]),
    ("%", []),
])
def test_roster_filter_is_one_rule_for_the_page_and_the_api(client, tokens, q, names):
    notice = make_notice(client, tokens, roster=FILTER_ROSTER)
    assert get_page(client, f"/notices/{notice['id']}", q=q).roster() == names
    response = client.get(f"/api/v1/notices/{notice['id']}/roster", params={"q": q})
    assert response.status_code == 200, response.text
    assert [e["name"] for e in response.json()["items"]] == names
    assert response.json()["total"] == len(names)


@pytest.mark.parametrize("q", ["\x00张", "名" * 65, "   "])
def test_api_roster_filter_refuses_what_is_no_name_with_a_422(client, tokens, q):
    notice = make_notice(client, tokens)
    response = client.get(f"/api/v1/notices/{notice['id']}/roster", params={"q": q})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "q" in response.json()["errors"]


def test_roster_filter_without_hits_says_so(client, tokens):
    notice = make_notice(client, tokens)
    page = get_page(client, f"/notices/{notice['id']}", q="李四")
    assert page.roster() == []
    assert "名单中没有包含「李四」的姓名。" in page.text


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_roster_filters_never_break_the_notice_page(client, tokens, q):
    notice = make_notice(client, tokens, roster=["刘东", "张心怡"])
    response = client.get(f"/notices/{notice['id']}", params={"q": q})
    assert response.status_code in (200, 400), response.text[:500]
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = Page(response.text)
    assert page.texts("h1") == ["记者证核验人员名单公示"]
    if response.status_code == 400:
        assert page.all("p", role="alert")
    else:
        assert page.roster() == []  # the LIKE wildcards % and _ are plain characters


def test_roster_shows_masked_credential_numbers_and_organizations(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "名单", "category": "other", "issuer": "某单位",
        "window": {"start": "2024-01-26", "end": "2024-02-05"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"}],
        "roster": [{"name": "刘东", "organization": "中国电子报社",
                    "credential_no": "11000012345678"}]})
    notice_id = response.json()["id"]
    client.post(f"/api/v1/notices/{notice_id}/publish", token=tokens["publisher"],
                json={"backdated": True})
    response = client.get(f"/notices/{notice_id}")
    page = Page(response.text)
    assert page.roster() == ["刘东"]
    assert "中国电子报社" in page.text
    assert "**********5678" in page.text
    assert "11000012345678" not in response.text


def test_hidden_roster_is_not_shown_to_the_public(client, tokens, db):
    notice = make_notice(client, tokens)
    Notice.update(roster_hidden_at=utcnow()).where(Notice.id == notice["id"]).execute()
    response = client.get(f"/notices/{notice['id']}", params={"q": "张"})
    assert response.status_code == 200
    page = Page(response.text)
    assert page.roster() == []
    assert "张心怡" not in response.text
    assert "不再公开" in page.text
    assert not page.all("input", name="q")


def test_notice_lists_its_linked_articles(client, tokens):
    article = make_article(client, tokens, title="江西：构建现代化产业体系", kind="news")
    notice = make_notice(client, tokens, article_ids=[article["id"]])
    page = get_page(client, f"/notices/{notice['id']}")
    [link] = [a for a in page.all("a") if a["text"] == "江西：构建现代化产业体系"]
    assert link["attrs"]["href"] == f"/articles/{article['id']}"
    assert "新闻 · 2024年1月26日" in page.text


def test_long_roster_is_paginated(client, tokens):
    names = [f"王{chr(0x4E00 + i)}{chr(0x4E00 + i // 20)}" for i in range(520)]
    notice = make_notice(client, tokens, roster=names)
    first = get_page(client, f"/notices/{notice['id']}")
    assert len(first.roster()) == 500
    [next_link] = first.all("a", rel="next")
    second = get_page(client, next_link["attrs"]["href"].split("#")[0])
    assert second.roster() == names[500:]


# --- articles ----------------------------------------------------------------------------------

def test_article_page_shows_the_article_and_its_published_notices_only(client, tokens):
    published = make_notice(client, tokens, title="已发布的名单公示", publish=False)
    draft = make_notice(client, tokens, title="草稿名单公示", publish=False)
    article = make_article(client, tokens, notice_ids=[published["id"], draft["id"]])
    response = client.post(f"/api/v1/notices/{published['id']}/publish",
                           token=tokens["publisher"], json={"backdated": True})
    assert response.status_code == 200, response.text
    page = get_page(client, f"/articles/{article['id']}")
    assert page.texts("h1") == ["广东力争2025年超高清视频产业收入破万亿元"]
    assert "政策" in page.text and "广东" in page.text and "2024年1月26日" in page.text
    assert "日前，广东省印发行动计划。" in page.texts("p")
    assert "已发布的名单公示" in page.text
    assert "草稿名单公示" not in page.text
    [link] = [a for a in page.all("a") if a["text"] == "已发布的名单公示"]
    assert link["attrs"]["href"] == f"/notices/{published['id']}"


def test_article_search_marks_the_hit_in_an_escaped_snippet(client, tokens):
    make_article(client, tokens, body="<b>粗体</b>不应生效。超高清视频产业主要包括设备制造。")
    make_article(client, tokens, title="江西：构建现代化产业体系", kind="news",
                 body="江西省工业和信息化工作会议在南昌召开。")
    response = client.get("/articles", params={"q": "超高清"})
    assert response.status_code == 200
    page = Page(response.text)
    assert "找到 1 篇文章。" in page.text
    assert page.texts("mark") == ["超高清", "超高清"]  # in the title, and in the snippet
    assert "&lt;b&gt;粗体&lt;/b&gt;" in response.text
    assert "<b>粗体</b>" not in response.text
    assert "江西" not in " ".join(page.texts("h3"))


def test_article_search_marks_the_hit_in_the_title(client, tokens):
    make_article(client, tokens, title="<i>超高清</i>视频产业", body="日前，广东省印发行动计划。")
    response = client.get("/articles", params={"q": "超高清"})
    page = Page(response.text)
    assert page.texts("mark") == ["超高清"]
    assert "&lt;i&gt;<mark>超高清</mark>&lt;/i&gt;视频产业" in response.text
    assert get_page(client, "/articles").texts("h3") == ["<i>超高清</i>视频产业"]


def test_article_pages_have_their_own_description_and_footer(client, tokens):
    article = make_article(client, tokens)
    check_page = get_page(client, "/check")
    for path in (f"/articles/{article['id']}", "/articles"):
        page = get_page(client, path)
        [description] = page.all("meta", name="description")
        assert description["attrs"]["content"] != (
            check_page.all("meta", name="description")[0]["attrs"]["content"])
        assert "举报电话" not in page.texts("footer")[0]
        assert "文章按原刊登的来源和日期收录" in page.texts("footer")[0]
    [description] = get_page(client, f"/articles/{article['id']}").all("meta", name="description")
    assert description["attrs"]["content"] == "日前，广东省印发行动计划。"
    assert "举报电话" in check_page.texts("footer")[0]


def test_two_character_search_works(client, tokens):
    make_article(client, tokens, body="集成电路芯片产业加快发展。")
    page = get_page(client, "/articles", q="芯片")
    assert page.texts("mark") == ["芯片"]


def test_article_list_without_query_shows_all(client, tokens):
    make_article(client, tokens)
    make_article(client, tokens, title="江西：构建现代化产业体系", kind="news")
    page = get_page(client, "/articles")
    assert "共 2 篇文章。" in page.text
    assert not page.all("mark")


def test_article_search_without_hits_says_so(client, tokens):
    make_article(client, tokens)
    page = get_page(client, "/articles", q="量子")
    assert "没有找到包含「量子」的文章" in page.text


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_searches_never_break_the_article_page(client, tokens, q):
    make_article(client, tokens)
    response = client.get("/articles", params={"q": q})
    assert response.status_code in (200, 400), response.text[:500]
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    if response.status_code == 400:
        assert "搜索词最多 200 个字" in Page(response.text).text


@pytest.mark.parametrize("page_param", ["0", "-1", "abc", "99999999999"])
def test_bad_page_numbers_fall_back_to_the_first_page(client, tokens, page_param):
    make_article(client, tokens)
    page = get_page(client, "/articles", page=page_param)
    assert "共 1 篇文章。" in page.text
