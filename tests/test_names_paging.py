"""The name check's pages (20 matches per kind, `totals`, `next`), the notices' presentation kept
per data version, and one fixed query set answered identically on SQLite and PostgreSQL."""

import json

import pytest

from service import create_app
from service.domain.models import TABLES
from service.domain.namecheck import MATCHES_PER_PAGE
from service.infra.db import database
from service.migrations import migrate
from tests.builders import check, withdraw
from tests.conftest import serve, staff_tokens
from tests.test_names_api import make_notice, roster_ids

NAMES = "/api/v1/names"


def people(name: str, count: int, tag: str) -> list[dict]:
    """`count` people called `name`, told apart by their credential numbers."""
    return [{"name": name, "credential_no": f"{tag}{i:06d}"} for i in range(count)]


def follow(client, body: dict, kind: str) -> list[dict]:
    """Every match of `kind`: the first page's, then each page `next` leads to."""
    matches = [m for m in body["matches"] if m["match"] == kind]
    link = body["next"][kind]
    while link:
        response = client.get(link)
        assert response.status_code == 200, response.text
        page = response.json()
        assert {m["match"] for m in page["matches"]} <= {kind}
        assert len(page["matches"]) <= MATCHES_PER_PAGE
        assert page["totals"] == body["totals"] and page["verdict"] == body["verdict"]
        matches += page["matches"]
        link = page["next"][kind]
    return matches


def test_a_very_common_name_is_paged_per_kind_with_totals_and_next(client, tokens):
    older = make_notice(client, tokens, title="较早的公示", roster=[
        *people("王伟", 12, "A"), *people("王偉", 11, "B"), *people("汪伟", 11, "C")])
    newer = make_notice(client, tokens, title="较新的公示", roster=[
        *people("王伟", 13, "D"), *people("王偉", 11, "E"), *people("汪伟", 10, "F")])

    body = check(client, "王伟")

    assert body["totals"] == {"exact": 25, "variant": 22, "pinyin": 21}
    assert [m["match"] for m in body["matches"]] == ["exact"] * 20 + ["variant"] * 20 + [
        "pinyin"] * 20
    assert body["verdict"] == "listed"
    assert all(link.startswith(NAMES + "?") for link in body["next"].values())
    # Every entry once, in the answer's order: the newer notice first (both closed), then by
    # roster position; across all pages.
    for kind, name in (("exact", "王伟"), ("variant", "王偉"), ("pinyin", "汪伟")):
        expected = []
        for notice in (newer, older):
            items = client.get(f"/api/v1/notices/{notice['id']}/roster",
                               params={"page_size": 100}, token=tokens["editor"]).json()["items"]
            expected += [item["id"] for item in items if item["name"] == name]
        matches = follow(client, body, kind)
        assert [m["entry_id"] for m in matches] == expected
        assert len(matches) == body["totals"][kind]


def test_two_people_sharing_a_name_across_notices_are_both_shown(client, tokens):
    first = make_notice(client, tokens, title="第一份公示", roster=[
        {"name": "张伟", "organization": "中国电子报社"}])
    second = make_notice(client, tokens, title="第二份公示", roster=[
        {"name": "张伟", "organization": "人民邮电报社"},
        {"name": "张伟", "organization": "人民邮电报社", "credential_no": "11000012345678"}])

    body = check(client, "张伟")

    assert body["totals"] == {"exact": 3, "variant": 0, "pinyin": 0}
    assert body["next"] == {"exact": None, "variant": None, "pinyin": None}
    assert [(m["notice"]["id"], m["organization"], m["credential_last4"])
            for m in body["matches"]] == [
        (second["id"], "人民邮电报社", None), (second["id"], "人民邮电报社", "5678"),
        (first["id"], "中国电子报社", None)]
    assert {m["entry_id"] for m in body["matches"]} == {
        *roster_ids(client, tokens, first["id"]).values(),
        *{item["id"] for item in client.get(f"/api/v1/notices/{second['id']}/roster",
                                            token=tokens["editor"]).json()["items"]}}


def test_an_entry_found_by_sound_and_by_name_counts_once_under_its_strongest_match(client,
                                                                                   tokens):
    make_notice(client, tokens, title="公示", roster=["张心怡", "張心怡", "章新宜"])
    body = check(client, "张心怡")
    assert body["totals"] == {"exact": 1, "variant": 1, "pinyin": 1}
    assert [m["match"] for m in body["matches"]] == ["exact", "variant", "pinyin"]


@pytest.mark.parametrize("params, field", [
    ({"q": "王伟", "kind": "exact"}, "cursor"),
    ({"q": "王伟", "cursor": "0.1.1.1"}, "kind"),
    ({"q": "王伟", "kind": "nickname", "cursor": "0.1.1.1"}, "kind"),
    ({"q": "王伟", "kind": "exact", "cursor": "0.1.1"}, "cursor"),
    ({"q": "王伟", "kind": "exact", "cursor": "0.1.1.x"}, "cursor"),
    ({"q": "王伟", "kind": "exact", "cursor": "1" * 19 + ".1.1.1"}, "cursor"),
    ({"q": "王伟", "kind": "exact", "cursor": "0.1.1.1\x00"}, "cursor"),
    ({"q": "王伟", "kind": "exact", "cursor": "０.1.1.1"}, "cursor"),
])
def test_a_cursor_not_given_by_the_service_is_422_naming_it(client, params, field):
    response = client.get(NAMES, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_paging_is_documented(client):
    spec = client.get("/openapi.json").json()
    parameters = {p["name"] for p in spec["paths"][NAMES]["get"]["parameters"]}
    assert {"q", "kind", "cursor"} <= parameters
    properties = spec["components"]["schemas"]["NameCheck"]["properties"]
    assert {"totals", "next"} <= set(properties)
    assert "20" in properties["matches"]["description"]


# --- the notices' presentation follows every write on the next request --------------------------

def test_a_kept_presentation_follows_publish_correct_and_withdraw(client, tokens):
    notice = make_notice(client, tokens, title="原来的标题", roster=["甲一", "乙二", "丙三"])
    assert check(client, "甲一")["matches"][0]["notice"]["title"] == "原来的标题"
    assert check(client, "丁四")["verdict"] == "not_found"

    # Correct: another name of the same notice (not a cached answer) shows the new title.
    response = client.patch(f"/api/v1/notices/{notice['id']}",
                            json={"title": "更正后的标题", "contacts": [
                                {"number": "010-12345678", "label": "举报电话"}],
                                "reason": "标题错字"}, token=tokens["admin"])  # closed
    assert response.status_code == 200, response.text
    shown = check(client, "乙二")["matches"][0]["notice"]
    assert shown["title"] == "更正后的标题"
    assert [c["e164"] for c in shown["contacts"]] == ["+861012345678"]

    # Withdraw: status and reason on the next request.
    withdraw(client, tokens, notice["id"], reason="名单有误")
    shown = check(client, "丙三")["matches"][0]["notice"]
    assert (shown["status"], shown["withdrawal_reason"]) == ("withdrawn", "名单有误")
    assert check(client, "甲一")["verdict"] == "withdrawn_only"

    # Publish: a new notice's names are found at once.
    make_notice(client, tokens, title="新的公示", roster=["丁四", "甲一"])
    assert check(client, "丁四")["matches"][0]["notice"]["title"] == "新的公示"
    assert check(client, "甲一")["verdict"] == "listed"


# --- the same answers on both databases ----------------------------------------------------------

# Exact, width and spaces, traditional forms, middle dots, pinyin typed every way, polyphonic and
# compound surnames, a common name over several pages, withdrawn and scheduled rosters, misses.
QUERIES = ("张心怡", "張心怡", "张 心怡", "ｚｈａｎｇ ｘｉｎｙｉ", "zhāng xīnyí", "ZhangXinyi",
           "章新宜", "王伟", "王偉", "wangwei", "wang wei", "单雄信", "shan xiongxin",
           "dan xiongxin",
           "曾国藩", "zeng guofan", "欧阳修", "ouyang xiu", "阿卜杜·热合曼", "阿卜杜•热合曼",
           "阿卜杜热合曼", "刘备", "liu bei", "吕布", "lv bu", "lu bu", "李四", "zzz", "王")
QUERY_ROSTERS = (
    ("中国电子报核验人员名单", "2024-01-26", "2024-02-05", False, [
        "张心怡", "章新宜", "張欣怡", "单雄信", "曾国藩", "欧阳修", "阿卜杜·热合曼",
        *people("王伟", 14, "A"), *people("王偉", 3, "B")]),
    ("撤回的名单", "2024-03-01", "2024-03-10", True, ["刘备", "张心怡", "吕布"]),
    ("尚未开始的名单", "2099-01-01", "2099-01-10", False, [
        "汪威", "单雄信", *people("王伟", 12, "C")]),
)


def answers_on(url: str, postgres: bool) -> dict:
    """Every answer of QUERIES (and each later page) on a fresh database at `url`."""
    app = create_app({"DATABASE_URL": url, "TESTING": True,
                      "PUBLIC_RATE_LIMIT": "100000/minute", "SEARCH_RATE_LIMIT": "100000/minute"})
    with database.connection_context():
        migrate()
        if postgres:
            tables = ", ".join(f'"{model._meta.table_name}"' for model in TABLES)
            database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        tokens = staff_tokens()
    answers = {}
    with serve(app) as client:
        for title, start, end, withdrawn, roster in QUERY_ROSTERS:
            notice = make_notice(client, tokens, title=title, roster=roster, start=start, end=end)
            if withdrawn:
                withdraw(client, tokens, notice["id"])
        for query in QUERIES:
            body = check(client, query)
            answers[query] = [body] + [client.get(link).json()
                                       for link in body["next"].values() if link]
    database.close()
    return answers


def test_a_fixed_query_set_gets_identical_answers_on_both_databases(tmp_path, postgres_url):
    on_sqlite = answers_on(f"sqlite:///{tmp_path / 'registry.db'}", postgres=False)
    on_postgres = answers_on(postgres_url, postgres=True)

    for query in QUERIES:
        assert json.dumps(on_sqlite[query], ensure_ascii=False) == json.dumps(
            on_postgres[query], ensure_ascii=False), query
    # Not vacuous: every verdict and every kind of match occurs, and a kind has a second page.
    verdicts = {pages[0]["verdict"] for pages in on_sqlite.values()}
    assert verdicts == {"listed", "withdrawn_only", "similar_only", "not_found"}
    assert {m["match"] for pages in on_sqlite.values() for m in pages[0]["matches"]} == {
        "exact", "variant", "pinyin"}
    assert on_sqlite["王伟"][0]["totals"]["exact"] == 26 and len(on_sqlite["王伟"]) == 2
    assert {m["notice"]["status"] for pages in on_sqlite.values() for page in pages
            for m in page["matches"]} == {"closed", "withdrawn", "scheduled"}


def test_the_check_page_says_how_many_matches_it_leaves_out(client, tokens):
    make_notice(client, tokens, title="公示", roster=people("王伟", 23, "A"))
    page = client.get("/check", params={"name": "王伟"})
    assert page.status_code == 200
    assert page.text.count('class="card match') == 20
    assert "还有 3 条记录没有列出" in page.text
    assert "没有列出" not in client.get("/check", params={"name": "李四"}).text


def test_answers_are_already_in_the_schemas_shape(app, client, tokens):
    """The route sends the domain's answer without dumping it through NameCheckSchema."""
    from schemas.names import NameCheckSchema

    make_notice(client, tokens, title="公示", roster=[
        {"name": "张心怡", "organization": "中国电子报社", "credential_no": "11000012345678"},
        "張心怡", "章新宜", *people("王伟", 21, "A")])
    for query in ("张心怡", "王伟", "李四"):
        body = check(client, query)
        assert NameCheckSchema().dump(body) == body
        assert body["matches"] or query == "李四"


def test_the_largest_cursor_is_an_empty_page_not_an_error(client, tokens):
    make_notice(client, tokens, title="公示", roster=people("王伟", 2, "A"))
    largest = ".".join(["9" * 18] * 4)
    response = client.get(NAMES, params={"q": "王伟", "kind": "exact", "cursor": largest})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["matches"] == [] and body["totals"]["exact"] == 2
    assert body["next"] == {"exact": None, "variant": None, "pinyin": None}
