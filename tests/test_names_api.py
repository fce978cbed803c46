"""The public name check, GET /api/v1/names?q=, over HTTP."""

from datetime import datetime, timedelta
from importlib import import_module

import pytest

from service.domain import namecheck
from service.domain.models import RosterEntry
from service.infra.cache import bump_data_version
from service.infra.db import database, is_sqlite
from tests.builders import SHANGHAI, check, post_notice, withdraw

NAMES = "/api/v1/names"


def make_notice(client, tokens, *, title, roster, start="2024-01-26", end="2024-02-05",
                publish=True):
    return post_notice(client, tokens, {
        "title": title, "category": "press_credential_verification", "issuer": "中国电子报",
        "window": {"start": start, "end": end, "timezone": "Asia/Shanghai"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"},
                     {"number": "010-64081702", "label": "举报电话"}],
        "roster": [entry if isinstance(entry, dict) else {"name": entry} for entry in roster]},
        publish=publish)


def roster_ids(client, tokens, notice_id):
    items = client.get(f"/api/v1/notices/{notice_id}/roster",
                       token=tokens["editor"]).json()["items"]
    return {item["name"]: item["id"] for item in items}


def test_name_on_published_roster_is_an_exact_match_with_its_notice(client, tokens):
    notice = make_notice(client, tokens, title="《中国电子报》核验人员名单公示",
                         roster=["刘东", "胡春民", "张心怡"])
    body = check(client, "张心怡")
    assert body["query"] == "张心怡"
    assert body["normalized"] == "张心怡"
    [match] = body["matches"]
    assert match["name"] == "张心怡"
    assert match["match"] == "exact"
    assert match["entry_id"] == roster_ids(client, tokens, notice["id"])["张心怡"]
    assert set(match["notice"]) == {"id", "title", "issuer", "status", "window", "contacts",
                                    "withdrawal_reason"}
    assert match["notice"]["withdrawal_reason"] is None
    assert match["notice"]["id"] == notice["id"]
    assert match["notice"]["title"] == "《中国电子报》核验人员名单公示"
    assert match["notice"]["issuer"] == "中国电子报"
    assert match["notice"]["status"] == "closed"
    assert match["notice"]["window"]["start"] == "2024-01-26"
    assert match["notice"]["window"]["end"] == "2024-02-05"
    assert [c["e164"] for c in match["notice"]["contacts"]] == ["+861083138953",
                                                                "+861064081702"]


# --- the verdict, and what a reader compares with the person before them -----------------------

@pytest.mark.parametrize("q, verdict", [
    ("张心怡", "listed"),          # exact
    ("張心怡", "listed"),          # variant
    ("张欣怡", "similar_only"),    # same sound, other characters
    ("zhang xinyi", "similar_only"),
    ("刘备", "withdrawn_only"),    # only on a withdrawn roster
    ("李四", "not_found"),
])
def test_the_verdict_leads_the_answer(client, tokens, q, verdict):
    make_notice(client, tokens, title="公示", roster=["张心怡", "刘东"])
    withdrawn = make_notice(client, tokens, title="撤回的公示", roster=["刘备", "张心怡"])
    withdraw(client, tokens, withdrawn["id"])
    body = check(client, q)
    assert body["verdict"] == verdict
    assert list(body) == ["query", "normalized", "verdict", "matches", "totals", "next"]


def test_a_name_on_a_withdrawn_and_a_live_roster_is_listed(client, tokens):
    withdrawn = make_notice(client, tokens, title="撤回的公示", roster=["王伟"])
    withdraw(client, tokens, withdrawn["id"])
    assert check(client, "王伟")["verdict"] == "withdrawn_only"
    make_notice(client, tokens, title="公示", roster=["王偉"])
    assert check(client, "王伟")["verdict"] == "listed"


def test_homophones_on_live_rosters_do_not_lift_a_withdrawn_only_name(client, tokens):
    make_notice(client, tokens, title="公示", roster=["张心怡"])
    withdrawn = make_notice(client, tokens, title="撤回的公示", roster=["张欣怡"])
    withdraw(client, tokens, withdrawn["id"], "名单有误，将重新公示")
    body = check(client, "张欣怡")
    assert body["verdict"] == "withdrawn_only"
    assert [(m["name"], m["match"], m["notice"]["status"]) for m in body["matches"]] == [
        ("张欣怡", "exact", "withdrawn"), ("张心怡", "pinyin", "closed")]
    assert body["matches"][0]["notice"]["withdrawal_reason"] == "名单有误，将重新公示"


def test_a_match_shows_the_organization_and_last_four_of_the_credential(client, tokens):
    make_notice(client, tokens, title="公示", roster=[
        {"name": "张心怡", "organization": "中国电子报社", "credential_no": "11000012345678"},
        {"name": "章新宜", "credential_no": "1234"},
        {"name": "张馨怡"}])
    matches = {m["name"]: m for m in check(client, "张心怡")["matches"]}
    assert (matches["张心怡"]["organization"], matches["张心怡"]["credential_last4"]) == (
        "中国电子报社", "5678")
    # Four characters or fewer are the whole number: the public sees none of it.
    assert (matches["章新宜"]["organization"], matches["章新宜"]["credential_last4"]) == (
        None, None)
    assert matches["张馨怡"]["credential_last4"] is None
    assert "11000012345678" not in client.get(NAMES, params={"q": "张心怡"}).text


def test_the_verdict_is_documented(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    verdict = schemas["NameCheck"]["properties"]["verdict"]
    assert verdict["enum"] == ["listed", "withdrawn_only", "similar_only", "not_found"]
    assert "withdrawn" in verdict["description"]
    match = schemas["NameMatch"]["properties"]
    assert {"organization", "credential_last4"} <= set(match)
    assert "withdrawal_reason" in schemas["MatchedNotice"]["properties"]


def test_name_check_is_public_and_chinese_is_not_escaped(client, tokens):
    make_notice(client, tokens, title="公示", roster=["张心怡"])
    response = client.get(NAMES, params={"q": "张心怡"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "张心怡" in response.text


@pytest.mark.parametrize("q", ["  张心怡  ", "\u3000张心怡\u3000", " \u3000张心怡 \u3000 "])
def test_surrounding_ascii_and_full_width_spaces_are_trimmed(client, tokens, q):
    make_notice(client, tokens, title="公示", roster=["张心怡"])
    body = check(client, q)
    assert body["normalized"] == "张心怡"
    assert [m["name"] for m in body["matches"]] == ["张心怡"]
    assert body["matches"][0]["match"] == "exact"


def test_drafts_never_match(client, tokens):
    make_notice(client, tokens, title="草稿", roster=["张心怡", "徐恒"], publish=False)
    make_notice(client, tokens, title="已发布", roster=["徐恒"])
    assert check(client, "张心怡")["matches"] == []
    assert [m["notice"]["title"] for m in check(client, "徐恒")["matches"]] == ["已发布"]


def test_unknown_name_gives_an_empty_list(client, tokens):
    make_notice(client, tokens, title="公示", roster=["刘东"])
    body = check(client, "王小明")
    assert body["matches"] == []
    assert body["normalized"] == "王小明"


def test_missing_q_is_422_naming_q(client):
    response = client.get(NAMES)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "q" in response.json()["errors"]


def test_q_over_200_characters_is_422(client):
    response = client.get(NAMES, params={"q": "张" * 201})
    assert response.status_code == 422
    assert "q" in response.json()["errors"]


def test_q_of_200_characters_is_accepted(client):
    response = client.get(NAMES, params={"q": "张" * 200})
    assert response.status_code != 500
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("q", [" ", "   ", "\u3000\u3000"])
def test_q_of_only_spaces_is_422(client, q):
    response = client.get(NAMES, params={"q": q})
    assert response.status_code == 422
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("q", ["%", "张%", "张_怡", "__", "%心%"])
def test_percent_and_underscore_are_not_wildcards(client, tokens, q):
    make_notice(client, tokens, title="公示", roster=["张心怡", "刘东"])
    assert check(client, q)["matches"] == []



@pytest.mark.parametrize(("query", "fields"), [
    ("q=%FF", ["q"]), ("q=%E5%BC", ["q"]), ("q=%E5%BC%A0%FF", ["q"]),
    ("q=%E5%BC%A0&kind=%FE&cursor=1.2.3.4", ["kind"]),
])
def test_a_query_string_that_is_not_utf8_is_422_naming_each_parameter(client, query, fields):
    response = client.get(f"{NAMES}?{query}")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert sorted(errors) == fields
    assert all(errors[field] == ["is not UTF-8 once percent-decoded"] for field in fields)


def test_a_percent_sign_in_a_utf8_query_is_read_as_such(client):
    assert check(client, "张%E5")["query"] == "张%E5"

def test_open_notices_are_ordered_before_closed_ones(client, tokens):
    today = datetime.now(SHANGHAI).date()
    older_closed = make_notice(client, tokens, title="已结束一", roster=["王伟"])
    open_notice = make_notice(client, tokens, title="正在公示", roster=["王伟"],
                              start=(today - timedelta(days=1)).isoformat(),
                              end=(today + timedelta(days=10)).isoformat())
    newer_closed = make_notice(client, tokens, title="已结束二", roster=["王伟"],
                               start="2024-03-01", end="2024-03-10")
    matches = check(client, "王伟")["matches"]
    assert [m["notice"]["status"] for m in matches] == ["open", "closed", "closed"]
    assert matches[0]["notice"]["id"] == open_notice["id"]
    assert {m["notice"]["id"] for m in matches[1:]} == {older_closed["id"], newer_closed["id"]}


# --- answers are cached per process until the data changes -------------------------------------

def test_cached_answers_follow_publication_correction_and_withdrawal(client, tokens):
    draft = make_notice(client, tokens, title="公示", roster=["缓存测"], publish=False)
    assert check(client, "缓存测")["matches"] == []  # a draft never matches; now it is cached

    client.post(f"/api/v1/notices/{draft['id']}/publish", token=tokens["publisher"],
                json={"backdated": True})
    [match] = check(client, "缓存测")["matches"]
    assert match["notice"]["title"] == "公示"

    corrected = client.patch(f"/api/v1/notices/{draft['id']}",
                             json={"title": "更正后的公示", "reason": "标题有误"},
                             token=tokens["admin"])  # closed: an admin's
    assert corrected.status_code == 200, corrected.text
    assert check(client, "缓存测")["matches"][0]["notice"]["title"] == "更正后的公示"

    client.post(f"/api/v1/notices/{draft['id']}/withdraw", json={"reason": "名单有误"},
                token=tokens["admin"])
    assert check(client, "缓存测")["matches"][0]["notice"]["status"] == "withdrawn"


def test_answers_come_from_the_cache_until_the_data_version_moves(app, client, tokens):
    notice = make_notice(client, tokens, title="公示", roster=["缓存测"])
    assert check(client, "缓存测")["matches"][0]["name"] == "缓存测"
    with app.app_context():
        database.connect(reuse_if_open=True)
        # A change behind the service's back (no audit event, so no version bump) stays unseen...
        with database.atomic():
            RosterEntry.update(name="改名了").where(RosterEntry.notice == notice["id"]).execute()
        assert check(client, "缓存测")["matches"][0]["name"] == "缓存测"
        # ...until any write moves the version on.
        with database.atomic():
            bump_data_version()
        database.close()
    assert check(client, "缓存测")["matches"][0]["name"] == "改名了"


def publish_opening_soon(client, tokens, *, title: str, name: str) -> datetime:
    """Publish a notice with `name` whose window opens in 2 s; returns that instant."""
    opens_at = datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(seconds=2)
    post_notice(client, tokens, {
        "title": title, "category": "other", "issuer": "中国电子报",
        "window": {"opens_at": opens_at.isoformat(),
                   "closes_at": (opens_at + timedelta(days=5)).isoformat()},
        "contacts": [{"number": "010-83138953"}], "roster": [{"name": name}]}, publish=True)
    return opens_at


def test_a_cached_status_turns_when_the_window_opens(client, tokens, time_machine):
    opens_at = publish_opening_soon(client, tokens, title="即将开始的公示", name="缓存测")
    assert check(client, "缓存测")["matches"][0]["notice"]["status"] == "scheduled"

    time_machine.move_to(opens_at)  # the server runs in this process: its clock moves too

    assert check(client, "缓存测")["matches"][0]["notice"]["status"] == "open"


def test_exact_matches_are_not_crowded_out_by_variants(client, tokens, monkeypatch):
    monkeypatch.setattr(namecheck, "MATCHES_PER_PAGE", 2)
    older = make_notice(client, tokens, title="较早的公示", roster=["王伟"])
    for title in ("较新的公示一", "较新的公示二"):
        make_notice(client, tokens, title=title, roster=["王偉"])

    matches = check(client, "王伟")["matches"]

    assert [(m["match"], m["notice"]["title"]) for m in matches] == [
        ("exact", older["title"]), ("variant", "较新的公示二"), ("variant", "较新的公示一")]


def test_a_left_out_match_moves_in_when_its_notice_opens(client, tokens, monkeypatch,
                                                         time_machine):
    monkeypatch.setattr(namecheck, "MATCHES_PER_PAGE", 1)
    today = datetime.now(SHANGHAI).date()
    make_notice(client, tokens, title="正在公示", roster=["缓存测"],
                start=str(today - timedelta(days=1)), end=str(today + timedelta(days=1)))
    opens_at = publish_opening_soon(client, tokens, title="即将开始的公示", name="缓存测")
    assert [m["notice"]["title"] for m in check(client, "缓存测")["matches"]] == ["正在公示"]

    time_machine.move_to(opens_at)

    # Both open now; the newer notice comes first and is the one shown.
    assert [m["notice"]["title"] for m in check(client, "缓存测")["matches"]] == ["即将开始的公示"]


def test_migration_2_refolds_dots_left_in_variant_keys(app, client, tokens):
    make_notice(client, tokens, title="公示", roster=["阿卜杜·热合曼"])
    with app.app_context():
        database.connect(reuse_if_open=True)
        with database.atomic():
            # What folding before NFKC stored for "阿卜杜․热合曼" (U+2024 ONE DOT LEADER).
            RosterEntry.update(variant_key="阿卜杜.热合曼").execute()
        with database.atomic():
            import_module("service.migrations.v0002_search_speed").upgrade(database, is_sqlite())
        assert [e.variant_key for e in RosterEntry.select()] == ["阿卜杜·热合曼"]
        database.close()
