"""Search over HTTP: name-check folding and ordering, article full-text search, unified search."""

from datetime import date, datetime, timedelta

import pytest

from service import create_app
from service.domain import article_search as search
from service.domain import articles
from service.domain.models import Article
from service.domain.organizations import ensure_organization
from service.domain.textsearch import index_tokens
from service.infra.db import database, is_sqlite
from service.migrations import MIGRATIONS, migrate
from tests.builders import SHANGHAI, check, post_notice, publish_article

NAMES = "/api/v1/names"
ARTICLES = "/api/v1/articles"
SEARCH = "/api/v1/search"
MIDDLE_DOT = "\u00b7"
ROSTER_DOT_NAME = f"阿依古丽{MIDDLE_DOT}买买提"


# --- helpers -----------------------------------------------------------------------------------

def make_notice(client, tokens, roster, *, title="核验人员名单公示", body="",
                start="2024-01-26", end="2024-02-05", publish=True):
    return post_notice(client, tokens, {
        "title": title, "body": body, "category": "press_credential_verification",
        "issuer": "中国电子报",
        "window": {"start": start, "end": end, "timezone": "Asia/Shanghai"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"}],
        "roster": [{"name": name} for name in roster]}, publish=publish)


def window_around_now():
    today = datetime.now(SHANGHAI).date()
    return {"start": (today - timedelta(days=2)).isoformat(),
            "end": (today + timedelta(days=10)).isoformat()}


def window_in_future():
    today = datetime.now(SHANGHAI).date()
    return {"start": (today + timedelta(days=20)).isoformat(),
            "end": (today + timedelta(days=30)).isoformat()}


def kinds_by_name(body):
    return [(m["name"], m["match"]) for m in body["matches"]]


def post_article(client, tokens, *, publish=True, **fields):
    """A new article's id; published unless `publish` is false."""
    data = {"title": "工业和信息化部召开会议", "kind": "news", "published_on": "2024-01-26",
            "body": "会议在北京召开。", **fields}
    response = client.post(ARTICLES, json=data, token=tokens["editor"])
    assert response.status_code == 201, response.text
    article_id = response.json()["id"]
    if publish:
        publish_article(client, tokens, article_id)
    return article_id


def search_articles(client, token=None, **params):
    response = client.get(ARTICLES, params=params, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def found_ids(client, token=None, **params):
    return [item["id"] for item in search_articles(client, token=token, **params)["items"]]


def assert_not_500(response):
    assert response.status_code != 500, response.text
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.headers["Content-Type"].startswith("application/problem+json")


# --- name check: folding -----------------------------------------------------------------------

@pytest.mark.parametrize("q", ["ＬＩ　ＮＡ", "ＬＩ ＮＡ", "ｌｉ\u3000ｎａ", "LI NA", "LiNa"])
def test_full_width_letters_spaces_and_case_are_an_exact_match(client, tokens, q):
    make_notice(client, tokens, ["Li Na", "刘东"])
    body = check(client, q)
    assert kinds_by_name(body) == [("Li Na", "exact")]


@pytest.mark.parametrize("q", ["张 心怡", "张 心 怡", "张\u3000心\u3000怡", "张　 心怡"])
def test_inner_spaces_are_an_exact_match(client, tokens, q):
    make_notice(client, tokens, ["张心怡", "刘东"])
    body = check(client, q)
    assert body["normalized"] == "张心怡"
    assert kinds_by_name(body) == [("张心怡", "exact")]


@pytest.mark.parametrize(
    "dot", ["\u2022", "\u2027", "\u30fb", "\uff65", "\uff0e", "."],
    ids=["U+2022", "U+2027", "U+30FB", "U+FF65", "U+FF0E", "full-stop"],
)
def test_each_middle_dot_variant_in_the_query_is_a_variant_match(client, tokens, dot):
    make_notice(client, tokens, [ROSTER_DOT_NAME, "刘东"])
    body = check(client, f"阿依古丽{dot}买买提")
    assert kinds_by_name(body) == [(ROSTER_DOT_NAME, "variant")]
    assert body["normalized"] == ROSTER_DOT_NAME


@pytest.mark.parametrize("dot", ["\u00b7", "\u0387"], ids=["U+00B7", "U+0387"])
def test_the_roster_dot_itself_or_its_canonical_equivalent_is_an_exact_match(client, tokens,
                                                                              dot):
    # U+0387 is canonically equivalent to U+00B7 (NFC and NFKC both turn it into U+00B7).
    make_notice(client, tokens, [ROSTER_DOT_NAME])
    assert kinds_by_name(check(client, f"阿依古丽{dot}买买提")) == [(ROSTER_DOT_NAME, "exact")]


def test_a_roster_name_written_with_another_dot_is_found_by_the_usual_dot(client, tokens):
    make_notice(client, tokens, ["阿依古丽\u30fb买买提"])
    body = check(client, ROSTER_DOT_NAME)
    assert kinds_by_name(body) == [("阿依古丽\u30fb买买提", "variant")]


def test_traditional_query_is_a_variant_match_and_normalized_to_simplified(client, tokens):
    make_notice(client, tokens, ["张心怡", "刘东"])
    body = check(client, "張心怡")
    assert body["query"] == "張心怡"
    assert body["normalized"] == "张心怡"
    assert kinds_by_name(body) == [("张心怡", "variant")]


def test_traditional_roster_name_is_a_variant_match_for_a_simplified_query(client, tokens):
    make_notice(client, tokens, ["劉東"])
    assert kinds_by_name(check(client, "刘东")) == [("劉東", "variant")]


@pytest.mark.parametrize(
    "q", ["zhang xinyi", "ZhangXinYi", "zhangxinyi", "Zhang Xin-yi", "ZHANG XINYI",
          "zhāng xīnyí", "ｚｈａｎｇ\u3000ｘｉｎｙｉ"],
)
def test_pinyin_query_finds_the_name_as_a_pinyin_match(client, tokens, q):
    make_notice(client, tokens, ["张心怡", "刘东", "胡春民"])
    assert kinds_by_name(check(client, q)) == [("张心怡", "pinyin")]


@pytest.mark.parametrize("q", ["lv fang", "lu fang", "lyu fang", "lǚ fāng"])
def test_pinyin_query_for_u_umlaut_accepts_every_usual_spelling(client, tokens, q):
    make_notice(client, tokens, ["吕芳"])
    assert kinds_by_name(check(client, q)) == [("吕芳", "pinyin")]


@pytest.mark.parametrize(
    ("name", "q"),
    [
        ("单田芳", "shan tianfang"),
        ("单田芳", "dan tianfang"),
        ("曾志伟", "zeng zhiwei"),
        ("区志强", "ou zhiqiang"),
        ("解晓东", "xie xiaodong"),
        ("仇英", "qiu ying"),
        ("朴树", "piao shu"),
        ("查良镛", "zha liangyong"),
        ("盖聂", "ge nie"),
        ("尉迟恭", "yuchi gong"),
        ("尉迟恭", "YuChiGong"),
    ],
)
def test_every_surname_reading_a_person_might_type_finds_the_name(client, tokens, name, q):
    make_notice(client, tokens, [name, "刘东"])
    assert kinds_by_name(check(client, q)) == [(name, "pinyin")]


@pytest.mark.parametrize(
    ("name", "q"),
    [
        ("单田芳", "善田芳"),
        ("曾志伟", "增志伟"),
        ("区志强", "欧志强"),
        ("解晓东", "谢晓东"),
        ("仇英", "邱英"),
        ("查良镛", "扎良镛"),
        ("盖聂", "葛聂"),
    ],
)
def test_a_chinese_homophone_of_a_surname_reading_is_a_pinyin_match(client, tokens, name, q):
    make_notice(client, tokens, [name])
    assert kinds_by_name(check(client, q)) == [(name, "pinyin")]


@pytest.mark.parametrize("q", ["张心怡", "張心怡", "张 心怡", "zhangxinyi"])
def test_a_homophone_on_the_roster_is_only_ever_a_pinyin_match(client, tokens, q):
    make_notice(client, tokens, ["章新宜"])
    assert kinds_by_name(check(client, q)) == [("章新宜", "pinyin")]


def test_a_homophone_query_is_only_a_pinyin_match(client, tokens):
    make_notice(client, tokens, ["张心怡"])
    body = check(client, "章新宜")
    assert body["normalized"] == "章新宜"
    assert kinds_by_name(body) == [("张心怡", "pinyin")]


def test_each_entry_appears_once_with_its_strongest_match(client, tokens):
    notice = make_notice(client, tokens, ["章新宜", "刘东", "张心怡"])
    body = check(client, "张心怡")
    assert kinds_by_name(body) == [("张心怡", "exact"), ("章新宜", "pinyin")]
    assert len({m["entry_id"] for m in body["matches"]}) == 2
    assert {m["notice"]["id"] for m in body["matches"]} == {notice["id"]}
    traditional = check(client, "張心怡")
    assert kinds_by_name(traditional) == [("张心怡", "variant"), ("章新宜", "pinyin")]
    typed = check(client, "zhang xinyi")
    assert sorted(kinds_by_name(typed)) == [("张心怡", "pinyin"), ("章新宜", "pinyin")]


def test_matches_are_ordered_by_kind_then_open_scheduled_closed(client, tokens):
    roster = ["章新宜", "刘东", "張心怡", "张心怡"]
    scheduled = make_notice(client, tokens, roster, title="未开始", **window_in_future())
    closed = make_notice(client, tokens, roster, title="已结束")
    opened = make_notice(client, tokens, roster, title="公示中", **window_around_now())
    assert [scheduled["status"], closed["status"], opened["status"]] == [
        "scheduled", "closed", "open"]
    body = check(client, "张心怡")
    order = [opened["id"], scheduled["id"], closed["id"]]
    assert [(m["name"], m["match"], m["notice"]["id"]) for m in body["matches"]] == [
        *[("张心怡", "exact", n) for n in order],
        *[("張心怡", "variant", n) for n in order],
        *[("章新宜", "pinyin", n) for n in order],
    ]
    assert [m["notice"]["status"] for m in body["matches"][:3]] == [
        "open", "scheduled", "closed"]


@pytest.mark.parametrize("q", ["张心怡", "張心怡", "zhang xinyi", "章新宜", "张 心怡"])
def test_drafts_never_match_by_any_kind(client, tokens, q):
    make_notice(client, tokens, ["张心怡", "刘东"], title="草稿", publish=False)
    make_notice(client, tokens, ["胡春民"], title="已发布")
    assert check(client, q)["matches"] == []


@pytest.mark.parametrize(
    "q",
    ["*", "张*", "*心怡", '"', "AND", "and", "张心怡 AND 刘东", "张心怡 OR 刘东",
     "NEAR(张心怡 刘东)", "张心_", "%怡", "\\", "\\%", "()", "^", ":"],
)
def test_wildcards_and_fts_operators_in_a_name_query_are_plain_text(client, tokens, q):
    make_notice(client, tokens, ["张心怡", "刘东", "安德"])
    response = client.get(NAMES, params={"q": q})
    assert_not_500(response)
    if response.status_code == 200:
        assert response.json()["matches"] == []


@pytest.mark.parametrize("q", ['"张心怡"', "'张心怡'", "张心怡*", "张心怡\\", "(张心怡)"])
def test_operators_around_a_name_never_make_it_an_exact_or_variant_match(client, tokens, q):
    make_notice(client, tokens, ["张心怡", "刘东"])
    response = client.get(NAMES, params={"q": q})
    assert_not_500(response)
    if response.status_code == 200:
        # The punctuation is text: at most a possible (pinyin) match of the same sound.
        assert kinds_by_name(response.json()) in ([], [("张心怡", "pinyin")])


# --- article search ----------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["芯", "芯片"])
def test_one_and_two_character_queries_find_the_article(client, tokens, q):
    chip = post_article(client, tokens, title="广东超高清",
                        body="支持企业加快超高清视频SoC芯片、数据传输芯片的研发。")
    post_article(client, tokens, title="江西产业", body="大力实施技术改造升级行动。")
    assert found_ids(client, q=q) == [chip]


def test_one_character_query_matches_inside_a_longer_run(client, tokens):
    first = post_article(client, tokens, title="甲", body="核心芯片", published_on="2024-01-02")
    second = post_article(client, tokens, title="乙", body="芯", published_on="2024-01-01")
    post_article(client, tokens, title="丙", body="核心技术")
    assert found_ids(client, q="芯") == [first, second]


def test_a_longer_phrase_must_be_adjacent(client, tokens):
    phrase = post_article(client, tokens, title="广东",
                          body="力争2025年超高清视频产业收入破万亿元。")
    post_article(client, tokens, title="江西",
                 body="超过预期，高清电视与清晰视频并举，频道增加。")
    post_article(client, tokens, title="两段", body="超高清，视频产业。")
    assert found_ids(client, q="超高清视频") == [phrase]
    assert found_ids(client, q="清视") == [phrase]


@pytest.mark.parametrize("q", ["AVS3", "avs3", "ＡＶＳ３", "1269", "4K", "4k"])
def test_latin_words_and_numbers_are_searchable(client, tokens, q):
    target = post_article(client, tokens, title="标准",
                          body="我国自主研发的AVS3标准已在4K电视中应用，1269家企业参与。")
    post_article(client, tokens, title="其他", body="8K电视与AVS2标准，1268家企业。")
    assert found_ids(client, q=q) == [target]


def test_title_hits_rank_above_newer_body_hits(client, tokens):
    in_body = post_article(client, tokens, title="集成电路产业", published_on="2024-06-01",
                           body="国产芯片产能持续提升。")
    in_title = post_article(client, tokens, title="芯片产业迎来新机遇", published_on="2023-01-01",
                            body="产能持续提升。")
    post_article(client, tokens, title="无关", published_on="2024-07-01", body="无关内容。")
    assert found_ids(client, q="芯片") == [in_title, in_body]
    # Without a query, newest first: the order above is due to the title hit.
    assert found_ids(client)[1:] == [in_body, in_title]


def test_title_ranking_holds_across_pages(client, tokens):
    body_hits = [post_article(client, tokens, title=f"报道{n}", published_on=f"2024-0{n}-01",
                              body="关于芯片的报道。") for n in range(1, 4)]
    title_hit = post_article(client, tokens, title="芯片", published_on="2020-01-01")
    first = found_ids(client, q="芯片", page=1, page_size=2)
    second = found_ids(client, q="芯片", page=2, page_size=2)
    assert first + second == [title_hit, *reversed(body_hits)]


def test_snippet_marks_the_hit(client, tokens):
    post_article(client, tokens, title="广东", body="支持企业加快数据传输芯片的研发。")
    [item] = search_articles(client, q="芯片")["items"]
    assert "<mark>芯片</mark>" in item["snippet"]


def test_snippet_is_html_escaped(client, tokens):
    post_article(client, tokens, title="转义",
                 body="<script>alert(1)</script> & 数据传输芯片的<b>研发</b>。")
    [item] = search_articles(client, q="芯片")["items"]
    snippet = item["snippet"]
    assert "&lt;script&gt;" in snippet
    assert "<script>" not in snippet
    assert "&amp;" in snippet
    assert "&lt;b&gt;研发&lt;/b&gt;" in snippet
    assert "<mark>芯片</mark>" in snippet


def test_facets_count_kind_region_and_year_over_the_filtered_results(client, tokens):
    post_article(client, tokens, title="政策一", kind="policy", region="广东",
                 published_on="2024-01-26", body="芯片政策。")
    post_article(client, tokens, title="政策二", kind="policy", region="江西",
                 published_on="2023-05-01", body="芯片产业政策。")
    post_article(client, tokens, title="新闻一", kind="news", region="广东",
                 published_on="2024-03-01", body="芯片新闻。")
    post_article(client, tokens, title="会议", kind="meeting", region="广东",
                 published_on="2022-01-01", body="会议纪要。")
    page = search_articles(client, q="芯片", page_size=1)
    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert page["facets"] == {
        "kind": {"policy": 2, "news": 1},
        "region": {"广东": 2, "江西": 1},
        "year": {"2024": 2, "2023": 1},
        "organization": [{"id": 1, "name": "中国电子报", "count": 3}],  # the editor's own
    }
    filtered = search_articles(client, q="芯片", region="广东")
    assert filtered["facets"] == {
        "kind": {"policy": 1, "news": 1},
        "region": {"广东": 2},
        "year": {"2024": 2},
        "organization": [{"id": 1, "name": "中国电子报", "count": 2}],
    }


def test_total_and_facets_equal_counts_of_the_filtered_matches(client, tokens):
    articles = [  # (kind, region, published_on, body)
        ("policy", "广东", "2024-01-26", "芯片政策。"),
        ("policy", "江西", "2023-05-01", "芯片产业政策。"),
        ("news", "广东", "2024-03-01", "芯片新闻。"),
        ("news", None, "2023-02-01", "芯片与显示。"),
        ("meeting", "江西", "2022-12-31", "芯片会议。"),
        ("meeting", "广东", "2024-06-01", "面板会议。"),
        ("news", "浙江", "2021-01-01", "芯片旧闻。"),
        ("policy", None, "2024-07-01", "芯片补贴。"),
    ]
    for n, (kind, region, published_on, body) in enumerate(articles):
        post_article(client, tokens, title=f"文章{n}", kind=kind, region=region,
                     published_on=published_on, body=body)
    expected = [a for a in articles if "芯片" in a[3] and a[2] >= "2022-06-01"]
    for kind in ("policy", "news"):
        page = search_articles(client, q="芯片", kind=kind, page_size=1,
                               **{"from": "2022-06-01"})
        matching = [a for a in expected if a[0] == kind]
        assert page["total"] == len(matching)
        assert page["facets"] == {
            "kind": {kind: len(matching)},
            "region": {r: sum(a[1] == r for a in matching)
                       for r in sorted({a[1] for a in matching if a[1]})},
            "year": {y: sum(a[2][:4] == y for a in matching)
                     for y in sorted({a[2][:4] for a in matching})},
            "organization": [{"id": 1, "name": "中国电子报", "count": len(matching)}],
        }
    nothing = search_articles(client, q="芯片", kind="meeting", region="浙江")
    assert (nothing["total"], nothing["items"]) == (0, [])
    assert nothing["facets"] == {"kind": {}, "region": {}, "year": {}, "organization": []}


def test_title_hits_then_newest_order_holds_on_every_page(client, tokens):
    made = []  # (id, title hit, published_on)
    for n in range(7):
        in_title = n % 3 == 0
        published_on = f"2024-0{n % 4 + 1}-1{n}"
        article = post_article(client, tokens, title="芯片专题" if in_title else f"报道{n}",
                               published_on=published_on, body="本期关于芯片。")
        made.append((article, in_title, published_on))
    post_article(client, tokens, title="无关", published_on="2025-01-01", body="面板。")
    expected = [a for a, _, _ in sorted(made, key=lambda m: (m[1], m[2], m[0]), reverse=True)]
    pages = [search_articles(client, q="芯片", page=page, page_size=3) for page in (1, 2, 3)]
    assert [p["total"] for p in pages] == [7, 7, 7]
    assert [[item["id"] for item in p["items"]] for p in pages] == [
        expected[:3], expected[3:6], expected[6:]]
    assert search_articles(client, q="芯片", page=4, page_size=3)["items"] == []


@pytest.mark.parametrize("bound", [2, 6, 7])
def test_pages_rank_every_match_when_the_total_is_bounded(client, tokens, monkeypatch, bound):
    monkeypatch.setattr(articles, "TOTAL_BOUND", bound)
    made = []  # (id, title hit, published_on, kind)
    for n in range(7):
        in_title = n % 3 == 0
        published_on, kind = f"2024-0{n % 4 + 1}-1{n}", ("news", "policy")[n % 2]
        article = post_article(client, tokens, title="芯片专题" if in_title else f"报道{n}",
                               published_on=published_on, kind=kind, body="本期关于芯片。")
        made.append((article, in_title, published_on, kind))
    expected = [a for a, *_ in sorted(made, key=lambda m: (m[1], m[2], m[0]), reverse=True)]
    pages = [search_articles(client, q="芯片", page=page, page_size=3) for page in (1, 2, 3)]
    assert [[item["id"] for item in p["items"]] for p in pages] == [
        expected[:3], expected[3:6], expected[6:]]
    counted = sorted(made, reverse=True)[:bound]  # the matches with the highest ids
    for page in pages:
        assert page["total"] == min(bound, 7)
        assert page["total_relation"] == ("gte" if bound < 7 else "eq")
        assert page["facets"]["kind"] == {
            kind: n for kind in ("news", "policy")
            if (n := sum(m[3] == kind for m in counted))}


def test_filters_combine_with_q(client, tokens):
    policy_gd = post_article(client, tokens, title="政策一", kind="policy", region="广东",
                             published_on="2024-01-26", body="芯片政策。")
    policy_jx = post_article(client, tokens, title="政策二", kind="policy", region="江西",
                             published_on="2023-05-01", body="芯片产业政策。")
    news_gd = post_article(client, tokens, title="新闻一", kind="news", region="广东",
                           published_on="2024-03-01", body="芯片新闻。")
    post_article(client, tokens, title="政策三", kind="policy", region="广东",
                 published_on="2024-02-01", body="显示面板政策。")
    assert found_ids(client, q="芯片", kind="policy") == [policy_gd, policy_jx]
    assert found_ids(client, q="芯片", region="广东") == [news_gd, policy_gd]
    assert found_ids(client, q="芯片", kind="policy", region="广东") == [policy_gd]
    assert found_ids(client, q="芯片", **{"from": "2024-01-01"}) == [news_gd, policy_gd]
    assert found_ids(client, q="芯片", to="2024-01-26") == [policy_gd, policy_jx]
    assert found_ids(client, q="芯片", kind="news", **{"from": "2024-01-01",
                                                      "to": "2024-12-31"}) == [news_gd]
    assert found_ids(client, q="芯片", kind="meeting") == []


def test_index_follows_a_body_edit(client, tokens):
    article = post_article(client, tokens, title="产业动态", body="国产芯片产能持续提升。")
    assert found_ids(client, q="芯片") == [article]
    response = client.patch(f"{ARTICLES}/{article}", token=tokens["publisher"],
                            json={"body": "显示面板出货量增长。", "reason": "正文有误"})
    assert response.status_code == 200, response.text
    assert found_ids(client, q="芯片") == []
    assert found_ids(client, q="芯") == []
    assert found_ids(client, q="显示面板") == [article]
    assert found_ids(client, q="板") == [article]


def test_index_follows_a_title_edit_and_keeps_the_body(client, tokens):
    article = post_article(client, tokens, title="芯片产业", body="显示面板出货量增长。")
    response = client.patch(f"{ARTICLES}/{article}", token=tokens["publisher"],
                            json={"title": "面板产业", "reason": "标题有误"})
    assert response.status_code == 200, response.text
    assert found_ids(client, q="芯片") == []
    assert found_ids(client, q="面板产业") == [article]
    assert found_ids(client, q="出货量") == [article]


def test_index_survives_an_edit_of_other_fields(client, tokens):
    article = post_article(client, tokens, title="产业动态", body="国产芯片产能持续提升。",
                           kind="news")
    response = client.patch(f"{ARTICLES}/{article}", token=tokens["publisher"],
                            json={"kind": "policy", "region": "广东", "reason": "分类有误"})
    assert response.status_code == 200, response.text
    assert found_ids(client, q="芯片") == [article]
    assert found_ids(client, q="芯片", kind="policy") == [article]
    assert found_ids(client, q="芯片", kind="news") == []


def test_index_holds_published_articles_only(client, tokens):
    kept = post_article(client, tokens, title="保留", body="芯片研发。", published_on="2023-01-01")
    gone = post_article(client, tokens, title="删除", body="芯片产能。", published_on="2024-01-01",
                        publish=False)
    assert found_ids(client, q="芯片") == [kept]
    assert found_ids(client, q="芯片", token=tokens["editor"]) == [kept]  # drafts: status=draft
    response = client.delete(f"{ARTICLES}/{gone}", token=tokens["editor"])
    assert response.status_code == 204
    page = search_articles(client, q="芯片")
    assert [item["id"] for item in page["items"]] == [kept]
    assert page["facets"]["year"] == {"2023": 1}
    assert found_ids(client, q="产能") == []
    # A new article may reuse nothing of the deleted one's index entry.
    again = post_article(client, tokens, title="新文", body="光伏组件。")
    assert found_ids(client, q="产能") == []
    assert found_ids(client, q="光伏") == [again]


def test_a_correction_moves_the_article_in_facets_filters_order_and_title_hits(client, tokens):
    older = post_article(client, tokens, title="显示面板", body="芯片出货量增长。",
                         published_on="2023-05-01")
    corrected = post_article(client, tokens, title="产业动态", body="芯片产能持续提升。",
                             kind="news", region="北京", published_on="2024-01-26")
    assert found_ids(client, q="芯片") == [corrected, older]
    response = client.patch(f"{ARTICLES}/{corrected}", token=tokens["publisher"], json={
        "title": "芯片产业动态", "kind": "policy", "region": "上海", "published_on": "2022-03-01",
        "reason": "多处有误"})
    assert response.status_code == 200, response.text

    page = search_articles(client, q="芯片")
    assert [item["id"] for item in page["items"]] == [corrected, older]  # now a title hit
    assert page["facets"]["kind"] == {"news": 1, "policy": 1}
    assert page["facets"]["region"] == {"上海": 1}
    assert page["facets"]["year"] == {"2022": 1, "2023": 1}
    assert found_ids(client, q="芯片", region="北京") == []
    assert found_ids(client, q="芯片", region="上海") == [corrected]
    assert found_ids(client, q="芯片", **{"from": "2024-01-01"}) == []
    assert found_ids(client) == [older, corrected]  # newest first, without q too
    assert found_ids(client, q="芯片产业") == [corrected]
    assert found_ids(client, q="动态", kind="news") == []


def test_the_search_table_holds_each_published_article_as_it_now_reads(client, tokens, db):
    def search_rows():
        return sorted(tuple(str(value) for value in row) for row in db.execute_sql(
            "SELECT id, kind, region, published_on, organization_id FROM article_search"))

    def published_rows():
        return sorted(tuple(str(value) for value in row) for row in db.execute_sql(
            "SELECT id, kind, region, published_on, organization_id FROM article "
            "WHERE published_at IS NOT NULL"))

    draft = post_article(client, tokens, title="草稿", body="芯片。", publish=False)
    kept = post_article(client, tokens, title="保留", body="芯片。", region="广东")
    assert [row[0] for row in search_rows()] == [str(kept)]
    response = client.patch(f"{ARTICLES}/{draft}", token=tokens["editor"],
                            json={"region": "湖北"})
    assert response.status_code == 200, response.text
    assert [row[0] for row in search_rows()] == [str(kept)]  # a draft's edit: still none
    publish_article(client, tokens, draft)
    response = client.patch(f"{ARTICLES}/{kept}", token=tokens["publisher"],
                            json={"kind": "policy", "published_on": "2021-02-03",
                                  "reason": "分类有误"})
    assert response.status_code == 200, response.text
    gone = post_article(client, tokens, title="删除", body="芯片。", publish=False)
    assert client.delete(f"{ARTICLES}/{gone}", token=tokens["editor"]).status_code == 204

    assert search_rows() == published_rows()
    assert len(search_rows()) == 2
    if is_sqlite():  # the full-text tables hold the same articles
        for table in ("article_fts", "article_title_fts"):
            ids = sorted(i for (i,) in db.execute_sql(f"SELECT rowid FROM {table}"))
            assert ids == sorted([draft, kept]), table


def test_public_answers_are_cached_until_a_write_and_staff_answers_never(app, db):
    chip = {"title": "芯片", "kind": "news", "source": "中国电子报",
            "published_on": date(2024, 1, 26), "body": "芯片。"}
    with app.app_context():
        chip["organization_id"] = ensure_organization("中国电子报", "test").id
        articles.publish_article(articles.create_article(chip, "test").id, "test")
        public = articles.search_page(q="芯片")
        assert articles.search_page(q="芯片") is public
        assert articles.search_page(q="芯片", page=2) is not public
        assert articles.search_page(q="芯片", staff=True) is not articles.search_page(q="芯片",
                                                                                   staff=True)
        draft = articles.create_article(chip, "test")
        assert articles.search_page(q="芯片") is not public  # any write: computed again
        assert articles.search_page(q="芯片")["total"] == 1  # but a draft is in no search
        articles.publish_article(draft.id, "test")
        assert articles.search_page(q="芯片")["total"] == 2


def test_a_repeated_search_sees_each_article_write_at_once(client, tokens):
    params = {"q": "芯片", "page_size": 5}

    def answers():
        listed = search_articles(client, **params)
        unified = client.get(SEARCH, params={"q": "芯片"}).json()["articles"]
        page = client.get("/articles", params={"q": "芯片"}).text
        return ([(item["id"], item["title"]) for item in listed["items"]], listed["total"],
                [item["id"] for item in unified], page)

    kept = post_article(client, tokens, title="芯片产业", published_on="2024-01-01", body="芯片。")
    assert answers()[:3] == ([(kept, "芯片产业")], 1, [kept])
    added = post_article(client, tokens, title="新闻", published_on="2024-02-01", body="论芯片。")
    items, total, unified, page = answers()
    assert (items, total, unified) == ([(kept, "芯片产业"), (added, "新闻")], 2, [kept, added])
    assert "新闻" in page
    response = client.patch(f"{ARTICLES}/{added}", json={"title": "芯片新闻", "reason": "标题"},
                            token=tokens["publisher"])
    assert response.status_code == 200, response.text
    items, total, unified, page = answers()  # now a title hit too, and the newer one
    assert (items, total, unified) == ([(added, "芯片新闻"), (kept, "芯片产业")], 2, [added, kept])
    assert "<mark>芯片</mark>新闻" in page  # the list marks title hits
    draft = post_article(client, tokens, title="芯片草稿", published_on="2024-03-01",
                         body="芯片。", publish=False)
    assert answers() == (items, total, unified, page)
    publish_article(client, tokens, draft)
    items, total, unified, page = answers()
    assert (items, total) == ([(draft, "芯片草稿"), (added, "芯片新闻"), (kept, "芯片产业")], 3)
    assert "<mark>芯片</mark>草稿" in page


def test_a_repeated_search_shows_a_link_once_its_notice_is_published(client, tokens):
    def notice_ids(token=None):
        response = client.get(ARTICLES, params={"q": "芯片"}, token=token)
        assert response.status_code == 200, response.text
        unified = client.get(SEARCH, params={"q": "芯片"}, token=token).json()["articles"]
        return [item["notice_ids"] for item in response.json()["items"]], [
            item["notice_ids"] for item in unified]

    notice = make_notice(client, tokens, ["刘东"], title="公示", publish=False)
    article = post_article(client, tokens, title="芯片", body="芯片。", publish=False)
    assert notice_ids() == ([], [])
    response = client.patch(f"{ARTICLES}/{article}", json={"notice_ids": [notice["id"]]},
                            token=tokens["editor"])
    assert response.status_code == 200, response.text
    publish_article(client, tokens, article)
    assert notice_ids(tokens["editor"]) == ([[notice["id"]]], [[notice["id"]]])
    assert notice_ids() == ([[]], [[]])  # the staff answer is not the public's
    response = client.post(f"/api/v1/notices/{notice['id']}/publish", token=tokens["publisher"],
                           json={"backdated": True})
    assert response.status_code == 200, response.text
    assert notice_ids() == ([[notice["id"]]], [[notice["id"]]])


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("q", ["发展", "产业发展报告", "5G 产业发展报告"])
def test_postgresql_searches_go_through_the_indexes(app, db, monkeypatch, q):
    # A sequential scan would de-TOAST every article's search_vector, and so would a title-first
    # ranking by weighted match on it; a phrase of 5 to 8 characters is one lexeme of the phrase
    # vectors' index, and no row's vector is read to check it.
    statements = []
    execute_sql = db.obj.execute_sql

    def spy(sql, params=None):
        statements.append((sql, params))
        return execute_sql(sql, params)

    monkeypatch.setattr(db.obj, "execute_sql", spy)
    with app.app_context():
        for bound in (10_000, 0):  # ranked in memory, and through the date index
            monkeypatch.setattr(articles, "TOTAL_BOUND", bound)
            articles.search_page(q=q, staff=True)
    monkeypatch.undo()
    searches = [(sql, params) for sql, params in statements if "@@" in sql]
    assert len(searches) >= 4
    with search.index_scans():
        for sql, params in searches:
            plan = "\n".join(line for (line,) in db.execute_sql("EXPLAIN " + sql, params))
            assert "Seq Scan" not in plan, plan
            if q == "产业发展报告":
                assert "search_vector" not in sql and "title_tokens" not in sql, sql
                assert "article_search_phrase" in plan or "article_search_newest" in plan, plan
            elif " " in q and "phrase_vector" in sql:  # beside other words: read alone
                assert "search_vector" not in sql and "title_tokens" not in sql, sql
                assert "article_search_phrase" in plan, plan
            elif "title_tokens" in sql:
                assert "article_title_tokens" in plan or "article_newest" in plan, plan
            elif "id = ANY(%s)" in sql:  # the phrases' articles, given: found by their key
                assert "article_search_pkey" in plan or "article_search_match" in plan, plan
            else:
                assert "article_search_match" in plan or "article_search_newest" in plan, plan


HOSTILE_ARTICLE_QUERIES = [
    '"', '""', '"芯片', '芯片"', "'", "芯片'", "AND", "芯片 AND", "AND 芯片", "OR", "NOT",
    "NEAR(", "NEAR(芯片 研发)", "NEAR(芯片, 2)", "*", "芯*", "^", "^芯片", ":", "title:芯片",
    "{title}:芯片", "(", ")", "(芯片", "芯片)", "()", "\\", "芯片\\", "\\'", "-芯片", "+",
    "&", "|", "!", "<->", "芯片 <-> 研发", "芯片 & 研发", "芯片 | 研发", "!芯片", "%", "_",
    "芯" * 200, "芯片" * 1500, "a" * 3000,
]


@pytest.mark.parametrize("q", HOSTILE_ARTICLE_QUERIES,
                         ids=[f"{i}:{q[:12]}" for i, q in enumerate(HOSTILE_ARTICLE_QUERIES)])
def test_hostile_article_queries_are_200_or_422_never_500(client, tokens, q):
    post_article(client, tokens, title="芯片", body="支持企业加快芯片的研发。")
    response = client.get(ARTICLES, params={"q": q})
    assert_not_500(response)
    if response.status_code == 200:
        assert set(response.json()) >= {"items", "total", "facets"}


@pytest.mark.parametrize("q", ['"', "*", "^", ":", "(", ")", "\\", "%", "_", "()", "<->"])
def test_queries_with_nothing_searchable_find_nothing(client, tokens, q):
    post_article(client, tokens, title="芯片", body="支持企业加快芯片的研发。")
    response = client.get(ARTICLES, params={"q": q})
    assert_not_500(response)
    if response.status_code == 200:
        assert response.json()["total"] == 0


def test_q_of_3000_characters_is_422_problem(client):
    response = client.get(ARTICLES, params={"q": "芯片" * 1500})
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "q" in response.json()["errors"]


def test_a_word_asked_again_costs_nothing_more_and_finds_the_same(client, tokens):
    # '的 ' × 99 (each spacing a new cache key) intersected and highlighted 99 copies of one word.
    for title in ("芯片的研发", "芯片产业", "研发投入"):
        post_article(client, tokens, title=title, body=f"{title}。")
    once = client.get(ARTICLES, params={"q": "芯片"}).json()
    again = client.get(ARTICLES, params={"q": " 芯片" * 66}).json()
    assert (again["total"], again["items"]) == (once["total"], once["items"]) and once["total"] == 2


def test_more_different_words_than_the_bound_are_a_422_on_q(client, tokens):
    # Each word is one more intersection of the index's lists: 66 common characters cost up to
    # 0.9 s at 100,000 articles.
    post_article(client, tokens, title="芯片", body="一二三四五六七八九")
    words = "一 二 三 四 五 六 七 八 九"
    assert client.get(ARTICLES, params={"q": words[:-2]}).json()["total"] == 1
    assert client.get(ARTICLES, params={"q": words[:-2] + " 八 一"}).status_code == 200
    response = client.get(ARTICLES, params={"q": words})
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "at most 8 different words" in response.json()["errors"]["q"][0]
    unified = client.get(SEARCH, params={"q": words})  # the other parts still answer
    assert unified.status_code == 200 and unified.json()["articles"] == []
    page = client.get("/articles", params={"q": words})
    assert page.status_code == 400 and "搜索词最多 8 个不同的词" in page.text


# --- unified search ----------------------------------------------------------------------------

def test_unified_search_returns_notices_names_and_articles(client, tokens):
    notice = make_notice(client, tokens, ["张心怡", "刘东"], title="关于张心怡等同志的核验公示")
    other = make_notice(client, tokens, ["胡春民"], title="其他公示")
    article = post_article(client, tokens, title="记者张心怡获表彰", body="本报记者张心怡。")
    post_article(client, tokens, title="无关", body="会议在北京召开。")
    response = client.get(SEARCH, params={"q": "张心怡"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == "张心怡"
    assert [n["id"] for n in body["notices"]] == [notice["id"]]
    assert [(m["name"], m["match"], m["notice"]["id"]) for m in body["names"]] == [
        ("张心怡", "exact", notice["id"])]
    assert [a["id"] for a in body["articles"]] == [article]
    assert "<mark>张心怡</mark>" in body["articles"][0]["snippet"]
    assert other["id"] not in [n["id"] for n in body["notices"]]


def test_unified_search_finds_names_by_variant_and_pinyin(client, tokens):
    notice = make_notice(client, tokens, ["张心怡"], title="核验公示")
    for q, kind in (("張心怡", "variant"), ("zhang xinyi", "pinyin")):
        response = client.get(SEARCH, params={"q": q})
        assert response.status_code == 200, response.text
        assert [(m["name"], m["match"], m["notice"]["id"]) for m in response.json()["names"]] == [
            ("张心怡", kind, notice["id"])]


def test_unified_search_excludes_drafts_for_the_public(client, tokens):
    make_notice(client, tokens, ["张心怡"], title="张心怡草稿公示", body="张心怡", publish=False)
    published = make_notice(client, tokens, ["刘东"], title="张心怡已发布公示")
    response = client.get(SEARCH, params={"q": "张心怡"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [n["id"] for n in body["notices"]] == [published["id"]]
    assert body["names"] == []
    assert all(n["status"] != "draft" for n in body["notices"])


def test_unified_search_does_not_show_public_links_to_drafts(client, tokens):
    draft = make_notice(client, tokens, ["刘东"], title="草稿", publish=False)
    response = client.post(ARTICLES, token=tokens["editor"], json={
        "title": "芯片", "kind": "news", "published_on": "2024-01-26", "body": "芯片。",
        "notice_ids": [draft["id"]]})
    assert response.status_code == 201, response.text
    body = client.get(SEARCH, params={"q": "芯片"}).json()
    assert body["articles"] == []  # a draft article: in no search
    publish_article(client, tokens, response.json()["id"])
    body = client.get(SEARCH, params={"q": "芯片"}).json()
    assert [a["notice_ids"] for a in body["articles"]] == [[]]


def test_unified_search_with_a_query_too_long_for_a_name_still_returns_articles(client, tokens):
    phrase = "各地工业和信息化主管部门要坚持稳中求进工作总基调完整准确全面贯彻新发展理念" * 2
    assert 64 < len(phrase) <= 200
    make_notice(client, tokens, ["张心怡"])
    article = post_article(client, tokens, title="长文", body=f"会议指出，{phrase}。")
    post_article(client, tokens, title="短文", body="各地工业和信息化主管部门。")
    response = client.get(SEARCH, params={"q": phrase})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["names"] == []
    assert [a["id"] for a in body["articles"]] == [article]


def test_unified_search_over_the_q_length_limit_is_422(client):
    response = client.get(SEARCH, params={"q": "芯片" * 1500})
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "q" in response.json()["errors"]


def test_unified_search_without_q_is_422_naming_q(client):
    response = client.get(SEARCH)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("q", ["%", "_", "张%", "*", '"', "AND", "NEAR(", "\\", "()"])
def test_unified_search_treats_wildcards_and_operators_as_plain_text(client, tokens, q):
    make_notice(client, tokens, ["张心怡"], title="张心怡核验公示", body="名单见附件。")
    post_article(client, tokens, title="芯片", body="报道芯片。")
    response = client.get(SEARCH, params={"q": q})
    assert_not_500(response)
    if response.status_code == 200:
        body = response.json()
        assert (body["notices"], body["names"], body["articles"]) == ([], [], [])


def test_migrations_tokenize_and_index_the_articles_already_there(empty_database_url):
    """An article of a registry from before migration 5 (bigrams only) is found by words of 3
    and 4 characters and by phrases once migrated: migration 5 tokenizes it again, and
    migration 8 fills the search's own tables from it."""
    app = create_app({"DATABASE_URL": empty_database_url, "TESTING": True})
    with app.app_context(), database.connection_context():
        migrate(up_to=4)
        param = database.param
        database.execute_sql(
            "INSERT INTO article (title, kind, source, published_on, body, title_tokens, "
            f"body_tokens, created_at, updated_at) VALUES ({', '.join([param] * 9)})",
            ("集成电路大会", "news", "中国电子报", "2024-01-26", "超高清视频产业。",
             "集成 成电 电路 电大 大会 集 成 电 路 大 会",
             "超高 高清 清视 视频 频产 产业 超 高 清 视 频 产 业",
             "2024-01-26 08:00:00", "2024-01-26 08:00:00"))
        if is_sqlite():  # as migration 3 left it
            database.execute_sql("INSERT INTO article_fts (rowid, title, body) "
                                 "SELECT id, title_tokens, body_tokens FROM article")

        assert migrate() == [v for v, _ in MIGRATIONS if v > 4]
        article = Article.get()
        assert (article.title_tokens, article.body_tokens) == (
            index_tokens("集成电路大会"), index_tokens("超高清视频产业。"))
        for q in ("集成电路", "超高清视频产业", "电路大", "高清", "大会"):
            answer = articles.search_page(q=q)
            assert [item["id"] for item in answer["items"]] == [article.id], q
        assert articles.search_page(q="大会")["facets"]["kind"] == {"news": 1}
        assert articles.search_page(q="视频")["total"] == 1
    database.close_all()
