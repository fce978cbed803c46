"""Notices over HTTP: drafts, windows, status from the clock, lifecycle, corrections, ETags,
article links and the 422/400/413 answers to bad input (README.md, "The API in brief")."""

from datetime import datetime, timedelta

import pytest

from service.domain.models import Notice
from service.domain.notices import lock_notice
from tests.builders import SEED_TITLE, SHANGHAI, audit_events, notice_payload, post_notice
from tests.problems import assert_problem

NOTICES = "/api/v1/notices"
AUDIT = "/api/v1/audit"


def future_window(days_ahead: int = 30, length: int = 10) -> dict:
    today = datetime.now(SHANGHAI).date()
    start = today + timedelta(days=days_ahead)
    return {"start": start.isoformat(), "end": (start + timedelta(days=length)).isoformat()}


def window_around_now() -> dict:
    now = datetime.now(SHANGHAI).replace(microsecond=0)
    return {"opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(days=2)).isoformat()}


def create(client, tokens, **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides))


def publish(client, tokens, notice_id: int) -> dict:
    response = client.post(f"{NOTICES}/{notice_id}/publish", token=tokens["publisher"],
                           json={"backdated": True})
    assert response.status_code == 200, response.text
    return response.json()


def create_published(client, tokens, **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides), publish=True)


def get_staff(client, tokens, notice_id: int) -> dict:
    response = client.get(f"{NOTICES}/{notice_id}", token=tokens["editor"])
    assert response.status_code == 200, response.text
    return response.json()


# --- creating drafts and computing windows ------------------------------------------------------

def test_create_draft_computes_window_and_contacts(client, tokens):
    response = client.post(NOTICES, json=notice_payload(), token=tokens["editor"])

    assert response.status_code == 201, response.text
    notice = response.json()
    assert notice["status"] == "draft"
    assert notice["published_at"] is None
    assert notice["title"] == SEED_TITLE
    window = notice["window"]
    assert window["start"] == "2024-01-26"
    assert window["end"] == "2024-02-05"
    assert window["timezone"] == "Asia/Shanghai"
    assert window["opens_at"] == "2024-01-26T00:00:00+08:00"
    assert window["closes_at"] == "2024-02-06T00:00:00+08:00"
    assert window["working_days"] == 8
    assert notice["contacts"] == [
        {"number": "010-83138953", "label": "举报电话", "e164": "+861083138953"},
        {"number": "010-64081702", "label": "举报电话", "e164": "+861064081702"},
    ]


def test_create_draft_with_instants_derives_start_and_end(client, tokens):
    notice = create(client, tokens, window={
        "opens_at": "2024-03-01T09:00:00+08:00",
        # 16:00 UTC on the 3rd is midnight starting the 4th in Shanghai.
        "closes_at": "2024-03-03T16:00:00+00:00",
    })

    window = notice["window"]
    assert window["opens_at"] == "2024-03-01T09:00:00+08:00"
    assert window["closes_at"] == "2024-03-04T00:00:00+08:00"
    assert window["start"] == "2024-03-01"
    assert window["end"] == "2024-03-03"
    assert window["working_days"] == 1  # Friday; the 2nd and 3rd are a weekend


def test_window_dates_follow_the_given_timezone(client, tokens):
    in_utc = create(client, tokens, window={"start": "2024-03-01", "end": "2024-03-01",
                                            "timezone": "UTC"})["window"]
    in_shanghai = create(client, tokens, window={"start": "2024-03-01", "end": "2024-03-01",
                                                 "timezone": "Asia/Shanghai"})["window"]

    assert in_utc["timezone"] == "UTC"
    assert in_utc["opens_at"] == "2024-03-01T00:00:00+00:00"
    assert in_utc["closes_at"] == "2024-03-02T00:00:00+00:00"
    assert in_shanghai["opens_at"] == "2024-03-01T00:00:00+08:00"
    assert in_shanghai["closes_at"] == "2024-03-02T00:00:00+08:00"
    shift = (datetime.fromisoformat(in_utc["opens_at"])
             - datetime.fromisoformat(in_shanghai["opens_at"]))
    assert shift == timedelta(hours=8)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2024-02-04", "2024-02-04", 1),  # a Sunday made a workday for the Spring Festival
    ("2024-01-28", "2024-01-28", 0),  # an ordinary Sunday
    ("2024-02-12", "2024-02-16", 0),  # Monday to Friday of the Spring Festival holiday
    ("2024-01-26", "2024-02-05", 8),  # the seed notice's window
])
def test_working_days_follow_the_official_calendar(client, tokens, start, end, expected):
    notice = create(client, tokens, window={"start": start, "end": end})

    assert notice["window"]["working_days"] == expected


# --- listing -------------------------------------------------------------------------------------

def three_notices(client, tokens) -> dict:
    """A closed press-credential notice, a tender draft and a scheduled tender notice."""
    closed = create_published(client, tokens)
    draft = create(client, tokens, title="设备采购招标公告", category="tender",
                   issuer="工业和信息化部", body="采购超高清视频设备。")
    scheduled = create_published(client, tokens, title="超高清视频项目评审结果公示",
                                 category="tender", issuer="工业和信息化部",
                                 body="评审结果如下。", window=future_window())
    return {"closed": closed["id"], "draft": draft["id"], "scheduled": scheduled["id"]}


def listed_ids(client, params=None, token=None) -> set[int]:
    response = client.get(NOTICES, params=params or {}, token=token)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_list_filters_by_status(client, tokens):
    ids = three_notices(client, tokens)
    staff = tokens["editor"]

    assert listed_ids(client, {"status": "closed"}, staff) == {ids["closed"]}
    assert listed_ids(client, {"status": "draft"}, staff) == {ids["draft"]}
    assert listed_ids(client, {"status": "scheduled"}, staff) == {ids["scheduled"]}
    assert listed_ids(client, {"status": "open"}, staff) == set()
    assert listed_ids(client, {"status": "draft"}) == set()


def test_list_filters_by_category_issuer_and_text(client, tokens):
    ids = three_notices(client, tokens)
    staff = tokens["editor"]

    assert listed_ids(client, {"category": "tender"}, staff) == {ids["draft"], ids["scheduled"]}
    assert listed_ids(client, {"category": "tender"}) == {ids["scheduled"]}
    assert listed_ids(client, {"issuer": "中国电子报"}, staff) == {ids["closed"]}
    assert listed_ids(client, {"q": "记者证"}, staff) == {ids["closed"]}
    assert listed_ids(client, {"q": "超高清视频"}, staff) == {ids["draft"], ids["scheduled"]}


def test_list_filters_by_open_on_day(client, tokens):
    ids = three_notices(client, tokens)

    assert listed_ids(client, {"open_on": "2024-01-26"}) == {ids["closed"]}
    assert listed_ids(client, {"open_on": "2024-02-05"}) == {ids["closed"]}
    assert listed_ids(client, {"open_on": "2024-02-06"}) == set()
    assert listed_ids(client, {"open_on": "2024-01-25"}) == set()


def test_list_is_paginated_with_an_envelope(client, tokens):
    created = {create(client, tokens, title=f"公示 {n}")["id"] for n in range(3)}

    first = client.get(NOTICES, params={"page": 1, "page_size": 2}, token=tokens["editor"])
    second = client.get(NOTICES, params={"page": 2, "page_size": 2}, token=tokens["editor"])

    assert first.status_code == second.status_code == 200
    first_body, second_body = first.json(), second.json()
    assert {k: first_body[k] for k in ("page", "page_size", "total")} == {
        "page": 1, "page_size": 2, "total": 3}
    assert second_body["page"] == 2 and second_body["total"] == 3
    assert len(first_body["items"]) == 2 and len(second_body["items"]) == 1
    page_ids = [item["id"] for item in first_body["items"] + second_body["items"]]
    assert set(page_ids) == created and len(page_ids) == 3


def test_page_size_over_100_is_refused(client, tokens):
    assert client.get(NOTICES, params={"page_size": 100}).status_code == 200

    assert_problem(client.get(NOTICES, params={"page_size": 101}), 422, "page_size")


def test_public_does_not_see_drafts(client, tokens):
    draft = create(client, tokens)
    path = f"{NOTICES}/{draft['id']}"

    assert_problem(client.get(path), 404)
    assert draft["id"] not in listed_ids(client)
    assert client.get(path, token=tokens["editor"]).json()["status"] == "draft"
    assert draft["id"] in listed_ids(client, token=tokens["editor"])


def test_unknown_notice_is_404_problem(client, tokens):
    assert_problem(client.get(f"{NOTICES}/999999"), 404)
    assert_problem(client.get(f"{NOTICES}/999999", token=tokens["admin"]), 404)


# --- publishing and the status clock ------------------------------------------------------------

def test_publish_needs_a_window_and_a_contact(client, tokens):
    response = client.post(NOTICES, json={"title": "无公示期的公示", "category": "other",
                                          "issuer": "中国电子报"}, token=tokens["editor"])
    assert response.status_code == 201, response.text
    bare = response.json()

    result = client.post(f"{NOTICES}/{bare['id']}/publish", token=tokens["publisher"],
                         json={"backdated": True})

    assert_problem(result, 422, "window", "contacts")
    assert get_staff(client, tokens, bare["id"])["status"] == "draft"


def test_publish_twice_conflicts(client, tokens):
    notice = create_published(client, tokens)

    assert_problem(client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["publisher"],
                json={"backdated": True}),
                   409)


@pytest.mark.parametrize(("window", "status"), [
    ({"start": "2024-01-26", "end": "2024-02-05"}, "closed"),
    (future_window(), "scheduled"),
    (window_around_now(), "open"),
])
def test_status_is_computed_from_the_clock(client, tokens, window, status):
    notice = create(client, tokens, window=window)

    published = publish(client, tokens, notice["id"])

    assert published["published_at"] is not None
    assert published["status"] == status
    assert client.get(f"{NOTICES}/{notice['id']}").json()["status"] == status
    assert notice["id"] in listed_ids(client, {"status": status})


# --- extend -------------------------------------------------------------------------------------

def test_extend_to_a_later_end_is_audited(client, tokens):
    notice = create_published(client, tokens, window=future_window(length=10))
    new_end = (datetime.fromisoformat(notice["window"]["end"]) + timedelta(days=5)).date()

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={"end": new_end.isoformat()},
                           token=tokens["publisher"])

    assert response.status_code == 200, response.text
    window = response.json()["window"]
    assert window["end"] == new_end.isoformat()
    assert window["start"] == notice["window"]["start"]
    assert window["closes_at"] == f"{new_end + timedelta(days=1)}T00:00:00+08:00"
    events = audit_events(client, tokens, notice["id"], "notice.extended")
    assert len(events) == 1
    assert "closes_at" in events[0]["changes"]


def test_extend_an_open_notice_with_closes_at(client, tokens):
    notice = create_published(client, tokens, window=window_around_now())
    later = datetime.fromisoformat(notice["window"]["closes_at"]) + timedelta(days=3)

    response = client.post(f"{NOTICES}/{notice['id']}/extend",
                           json={"closes_at": later.isoformat()}, token=tokens["publisher"])

    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["window"]["closes_at"]) == later
    assert response.json()["status"] == "open"


def test_extend_to_an_earlier_end_is_refused(client, tokens):
    notice = create_published(client, tokens, window=future_window(length=10))
    earlier = (datetime.fromisoformat(notice["window"]["end"]) - timedelta(days=2)).date()

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={"end": earlier.isoformat()},
                           token=tokens["publisher"])

    assert_problem(response, 422, "end")
    assert get_staff(client, tokens, notice["id"])["window"] == notice["window"]
    assert audit_events(client, tokens, notice["id"], "notice.extended") == []


def test_extend_a_closed_notice_conflicts(client, tokens):
    notice = create_published(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={"end": "2024-03-01"},
                           token=tokens["publisher"])

    assert_problem(response, 409)
    assert get_staff(client, tokens, notice["id"])["window"]["end"] == "2024-02-05"


def test_extend_a_withdrawn_notice_conflicts(client, tokens):
    notice = create_published(client, tokens, window=future_window())
    withdrawn = client.post(f"{NOTICES}/{notice['id']}/withdraw", json={"reason": "名单有误"},
                            token=tokens["publisher"])
    assert withdrawn.status_code == 200, withdrawn.text
    later = (datetime.fromisoformat(notice["window"]["end"]) + timedelta(days=5)).date()

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={"end": later.isoformat()},
                           token=tokens["publisher"])

    assert_problem(response, 409)


def test_extend_with_both_end_and_closes_at_is_refused(client, tokens):
    notice = create_published(client, tokens, window=future_window(length=10))
    end = datetime.fromisoformat(notice["window"]["end"]).date() + timedelta(days=5)

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={
        "end": end.isoformat(), "closes_at": f"{end + timedelta(days=1)}T00:00:00+08:00",
    }, token=tokens["publisher"])

    assert_problem(response, 422)
    assert get_staff(client, tokens, notice["id"])["window"] == notice["window"]


# --- withdraw -----------------------------------------------------------------------------------

def test_withdrawn_notice_shows_its_reason_to_the_public(client, tokens):
    notice = create_published(client, tokens, window=window_around_now())
    reason = "名单有误，更正后重新公示"

    response = client.post(f"{NOTICES}/{notice['id']}/withdraw", json={"reason": reason},
                           token=tokens["publisher"])

    assert response.status_code == 200, response.text
    public = client.get(f"{NOTICES}/{notice['id']}")
    assert public.status_code == 200
    assert public.json()["status"] == "withdrawn"
    assert public.json()["withdrawal_reason"] == reason
    assert public.json()["withdrawn_at"] is not None
    assert notice["id"] in listed_ids(client, {"status": "withdrawn"})
    assert notice["id"] not in listed_ids(client, {"status": "open"})
    assert len(audit_events(client, tokens, notice["id"], "notice.withdrawn")) == 1


def test_withdraw_twice_conflicts(client, tokens):
    notice = create_published(client, tokens, window=future_window())
    path = f"{NOTICES}/{notice['id']}/withdraw"
    assert client.post(path, json={"reason": "撤回"}, token=tokens["publisher"]).status_code == 200

    assert_problem(client.post(path, json={"reason": "再次撤回"}, token=tokens["publisher"]), 409)
    assert client.get(f"{NOTICES}/{notice['id']}").json()["withdrawal_reason"] == "撤回"


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": "\u3000\n"}])
def test_withdraw_needs_a_reason(client, tokens, body):
    notice = create_published(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/withdraw", json=body,
                           token=tokens["publisher"])

    assert_problem(response, 422, "reason")
    assert client.get(f"{NOTICES}/{notice['id']}").json()["status"] == "closed"


# --- PATCH: drafts, corrections -----------------------------------------------------------------

def test_editor_patches_a_draft_and_it_is_audited(client, tokens):
    notice = create(client, tokens)

    response = client.patch(f"{NOTICES}/{notice['id']}",
                            json={"title": "更正后的标题", "window": {"start": "2024-02-04",
                                                                 "end": "2024-02-04"}},
                            token=tokens["editor"])

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "更正后的标题"
    assert response.json()["window"]["working_days"] == 1
    events = audit_events(client, tokens, notice["id"], "notice.updated")
    assert len(events) == 1
    assert events[0]["changes"]["title"] == [SEED_TITLE, "更正后的标题"]


def test_editor_cannot_correct_a_published_notice(client, tokens):
    notice = create_published(client, tokens)

    response = client.patch(f"{NOTICES}/{notice['id']}", json={"title": "改", "reason": "错字"},
                            token=tokens["editor"])

    assert_problem(response, 403)
    assert client.get(f"{NOTICES}/{notice['id']}").json()["title"] == SEED_TITLE


@pytest.mark.parametrize("reason", [{}, {"reason": " \u3000 "}])
def test_correcting_a_published_notice_needs_a_reason(client, tokens, reason):
    notice = create_published(client, tokens, window=future_window())

    response = client.patch(f"{NOTICES}/{notice['id']}", json={"title": "更正后的标题", **reason},
                            token=tokens["publisher"])

    assert_problem(response, 422, "reason")
    assert client.get(f"{NOTICES}/{notice['id']}").json()["title"] == SEED_TITLE
    assert audit_events(client, tokens, notice["id"], "notice.corrected") == []


def test_publisher_corrects_a_published_notice_with_a_reason(client, tokens):
    notice = create_published(client, tokens, window=future_window())
    reason = "标题错字"

    response = client.patch(f"{NOTICES}/{notice['id']}",
                            json={"title": "更正后的标题", "reason": reason},
                            token=tokens["publisher"])

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "更正后的标题"
    assert response.json()["status"] == "scheduled"
    events = audit_events(client, tokens, notice["id"], "notice.corrected")
    assert len(events) == 1
    assert events[0]["changes"]["reason"] == reason
    assert events[0]["changes"]["title"] == [SEED_TITLE, "更正后的标题"]


def test_a_published_window_is_not_patched(client, tokens):
    notice = create_published(client, tokens, window=future_window())

    response = client.patch(f"{NOTICES}/{notice['id']}", json={
        "window": future_window(days_ahead=60), "reason": "改期",
    }, token=tokens["publisher"])

    assert_problem(response, 422, "window")
    assert client.get(f"{NOTICES}/{notice['id']}").json()["window"] == notice["window"]


# --- ETags --------------------------------------------------------------------------------------

def test_get_carries_an_etag_and_honours_if_none_match(client, tokens):
    notice = create_published(client, tokens)
    path = f"{NOTICES}/{notice['id']}"

    first = client.get(path)
    etag = first.headers.get("ETag")

    assert etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_patch_with_a_stale_if_match_is_refused(client, tokens):
    notice = create(client, tokens)
    path = f"{NOTICES}/{notice['id']}"
    stale = client.get(path, token=tokens["editor"]).headers["ETag"]
    changed = client.patch(path, json={"title": "第一次修改"}, token=tokens["editor"])
    assert changed.status_code == 200, changed.text

    response = client.patch(path, json={"title": "第二次修改"}, headers={"If-Match": stale},
                            token=tokens["editor"])

    assert_problem(response, 412)
    assert get_staff(client, tokens, notice["id"])["title"] == "第一次修改"
    assert len(audit_events(client, tokens, notice["id"], "notice.updated")) == 1


def test_patch_with_the_current_etag_succeeds(client, tokens):
    notice = create(client, tokens)
    path = f"{NOTICES}/{notice['id']}"
    current = client.get(path, token=tokens["editor"]).headers["ETag"]

    response = client.patch(path, json={"title": "修改"}, headers={"If-Match": current},
                            token=tokens["editor"])

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "修改"
    assert response.headers.get("ETag") not in (None, current)


def test_patch_without_if_match_succeeds(client, tokens):
    notice = create(client, tokens)

    response = client.patch(f"{NOTICES}/{notice['id']}", json={"body": "新正文"},
                            token=tokens["editor"])

    assert response.status_code == 200, response.text
    assert get_staff(client, tokens, notice["id"])["body"] == "新正文"


# --- article links ------------------------------------------------------------------------------

def test_notice_links_articles_both_ways(client, tokens):
    article = client.post("/api/v1/articles", json={
        "title": "广东省推动超高清视频产业发展", "kind": "policy", "published_on": "2024-01-26",
    }, token=tokens["editor"])
    assert article.status_code == 201, article.text
    article_id = article.json()["id"]

    notice = create(client, tokens, article_ids=[article_id])

    assert notice["article_ids"] == [article_id]
    linked = client.get(f"/api/v1/articles/{article_id}", token=tokens["editor"]).json()
    assert linked["notice_ids"] == [notice["id"]]


def test_unknown_article_id_is_refused(client, tokens, db):
    before = Notice.select().count()

    response = client.post(NOTICES, json=notice_payload(article_ids=[4242]),
                           token=tokens["editor"])

    assert_problem(response, 422, "article_ids.0")
    assert Notice.select().count() == before


# --- invalid input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field"), [
    ({"window": {"start": "2024-02-05", "end": "2024-01-26"}}, "window.end"),
    ({"window": {"start": "2024-01-01", "end": "2025-01-01"}}, "window.end"),
    ({"window": {"opens_at": "2024-01-26T00:00:00",
                 "closes_at": "2024-02-06T00:00:00+08:00"}}, "window.opens_at"),
    ({"window": {"start": "2024-01-26", "end": "2024-02-05", "timezone": "Asia/Beijing"}},
     "window.timezone"),
    ({"contacts": [{"number": "12345"}]}, "contacts.0.number"),
    ({"colour": "red"}, "colour"),
    ({"title": 123}, "title"),
    ({"contacts": "010-83138953"}, "contacts"),
    ({"issued_on": "2024-02-30"}, "issued_on"),
    ({"title": ""}, "title"),
    ({"roster": [{"name": "张心怡"}, {"name": " 张心怡 "}]}, "roster.1.name"),
    ({"roster": [{"name": "张\x07心怡"}]}, "roster.0.name"),
], ids=["end-before-start", "span-over-366-days", "naive-opens-at", "unknown-timezone",
        "invalid-phone", "unknown-field", "title-not-string", "contacts-not-list",
        "bad-date", "empty-title", "duplicate-roster-names", "control-character-in-name"])
def test_invalid_notice_is_refused_with_the_field_named(client, tokens, db, overrides, field):
    before = Notice.select().count()

    response = client.post(NOTICES, json=notice_payload(**overrides), token=tokens["editor"])

    assert_problem(response, 422, field)
    assert Notice.select().count() == before


def test_malformed_json_is_400(client, tokens, db):
    response = client.post(NOTICES, data='{"title": "公示", '.encode(),
                           headers={"Content-Type": "application/json"}, token=tokens["editor"])

    assert_problem(response, 400)
    assert Notice.select().count() == 0


def test_body_over_1_mib_is_413(client, tokens, db):
    payload = notice_payload(body="公" * (400 * 1024))  # 3 bytes each in UTF-8: 1.2 MiB

    response = client.post(NOTICES, json=payload, token=tokens["editor"])

    assert_problem(response, 413)
    assert Notice.select().count() == 0


def test_errors_are_problem_json(client, tokens):
    """Every error status the notice routes give has the problem+json shape."""
    draft = create(client, tokens)
    published = create_published(client, tokens)
    path = f"{NOTICES}/{published['id']}"
    answers = {
        400: client.post(NOTICES, data=b"{", headers={"Content-Type": "application/json"},
                         token=tokens["editor"]),
        401: client.post(NOTICES, json=notice_payload()),
        403: client.post(f"{path}/withdraw", json={"reason": "x"}, token=tokens["editor"]),
        404: client.get(f"{NOTICES}/{draft['id']}"),
        409: client.post(f"{path}/publish", token=tokens["publisher"],
                json={"backdated": True}),
        412: client.patch(f"{NOTICES}/{draft['id']}", json={"title": "x"},
                          headers={"If-Match": '"stale"'}, token=tokens["editor"]),
        413: client.post(NOTICES, data=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                         headers={"Content-Type": "application/json"}, token=tokens["editor"]),
        422: client.post(NOTICES, json={}, token=tokens["editor"]),
    }
    for status, response in answers.items():
        body = assert_problem(response, status)
        assert isinstance(body["detail"], str) and body["detail"]
    assert {"title", "category", "issuer"} <= answers[422].json()["errors"].keys()


def test_chinese_is_returned_as_characters(client, tokens):
    created = client.post(NOTICES, json=notice_payload(), token=tokens["editor"])
    error = client.post(NOTICES, json=notice_payload(contacts=[{"number": "12345"}]),
                        token=tokens["editor"])

    assert "中国电子报" in created.text and "举报电话" in created.text
    assert "\\u" not in created.text
    assert error.status_code == 422
    assert "电话号码" in error.text
    assert "\\u" not in error.text


def test_a_closed_window_publishes_only_when_backdated(client, tokens):
    notice = create(client, tokens)  # 2024-01-26 … 2024-02-05: closed long ago

    refused = client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["publisher"])
    body = assert_problem(refused, 422, "window")
    assert "backdated" in body["errors"]["window"][0]
    assert get_staff(client, tokens, notice["id"])["status"] == "draft"

    published = client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["publisher"],
                            json={"backdated": True})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "closed"
    [event] = audit_events(client, tokens, notice["id"], "notice.published")
    assert event["changes"]["backdated"] is True


def test_an_open_window_publishes_without_saying_backdated(client, tokens):
    notice = create(client, tokens, window=window_around_now())
    published = client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["publisher"])
    assert published.status_code == 200, published.text
    [event] = audit_events(client, tokens, notice["id"], "notice.published")
    assert "backdated" not in event["changes"]


def test_an_editor_deletes_a_draft_with_its_roster(client, tokens, db):
    notice = create(client, tokens, roster=[{"name": "王小明"}, {"name": "李娜"}])

    response = client.delete(f"{NOTICES}/{notice['id']}", token=tokens["editor"])

    assert response.status_code == 204, response.text
    assert_problem(client.get(f"{NOTICES}/{notice['id']}", token=tokens["editor"]), 404)
    assert db.execute_sql("SELECT COUNT(*) FROM roster_entry").fetchone()[0] == 0
    assert db.execute_sql("SELECT COUNT(*) FROM roster_pinyin").fetchone()[0] == 0
    assert [e["action"] for e in audit_events(client, tokens, notice["id"], "notice.deleted")
            ] == ["notice.deleted"]


def test_a_published_notice_is_never_deleted(client, tokens):
    notice = create_published(client, tokens)
    response = client.delete(f"{NOTICES}/{notice['id']}", token=tokens["admin"])
    assert "withdraw" in assert_problem(response, 409)["detail"]
    assert get_staff(client, tokens, notice["id"])["status"] == "closed"


def test_the_locked_notice_reads_as_peewee_reads_it(client, tokens, db):
    # lock_notice reads through a prepared statement: the same values and types as a peewee
    # select, and nothing marked changed (save(only=…) writes what the write changed).
    notice_id = create_published(client, tokens, window=window_around_now())["id"]
    with db.atomic():
        locked = lock_notice(notice_id)
    read = Notice.get_by_id(notice_id)
    assert locked.__data__ == read.__data__
    assert locked.published_at.tzinfo is not None
    assert not locked.dirty_fields
