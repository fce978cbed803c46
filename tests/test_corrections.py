"""Corrections of published notices: after its window closes a notice is a record, corrected
(and withdrawn) by an admin only, always with a reason; every correction keeps the earlier
values, and the public reads them (GET …/corrections and the 更正记录 on the notice's page)."""

from datetime import datetime, timedelta

from service.domain.models import AuditEvent
from tests.builders import SEED_TITLE, SHANGHAI, notice_payload, post_notice

NOTICES = "/api/v1/notices"


def closed_notice(client, tokens) -> dict:
    """The seed page's notice, published as the 2024 record it is (closed)."""
    notice = post_notice(client, tokens, notice_payload(), publish=True)
    assert notice["status"] == "closed"
    return notice


def open_notice(client, tokens) -> dict:
    today = datetime.now(SHANGHAI).date()
    notice = post_notice(client, tokens, notice_payload(window={
        "start": (today - timedelta(days=1)).isoformat(),
        "end": (today + timedelta(days=9)).isoformat()}), publish=True)
    assert notice["status"] == "open"
    return notice


def corrected_events(notice_id: int) -> list[AuditEvent]:
    return list(AuditEvent.select().where((AuditEvent.entity == "notice")
                                          & (AuditEvent.entity_id == notice_id)
                                          & (AuditEvent.action == "notice.corrected")))


def corrections(client, notice_id: int, **params) -> dict:
    response = client.get(f"{NOTICES}/{notice_id}/corrections", params=params)
    assert response.status_code == 200, response.text
    return response.json()


ISSUER_FIX = {"issuer": "中国电子报社", "reason": "发布单位名称有误"}
CONTACTS_FIX = {"contacts": [{"number": "010-83138953", "label": "举报电话"}],
                "reason": "第二个举报电话已停用"}


def test_a_publisher_cannot_correct_a_closed_notice(client, tokens, db):
    notice = closed_notice(client, tokens)
    for fix in (ISSUER_FIX, CONTACTS_FIX, {"title": "新标题", "reason": "错字"}):
        response = client.patch(f"{NOTICES}/{notice['id']}", json=fix,
                                token=tokens["publisher"])
        assert response.status_code == 403, fix
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert "closed" in response.json()["detail"] and "admin" in response.json()["detail"]
    assert client.get(f"{NOTICES}/{notice['id']}").json()["issuer"] == "中国电子报"
    assert corrected_events(notice["id"]) == []


def test_an_admin_corrects_a_closed_notice_with_a_reason(client, tokens, db):
    notice = closed_notice(client, tokens)
    no_reason = client.patch(f"{NOTICES}/{notice['id']}", json={"issuer": "中国电子报社"},
                             token=tokens["admin"])
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]

    response = client.patch(f"{NOTICES}/{notice['id']}", json=ISSUER_FIX, token=tokens["admin"])

    assert response.status_code == 200, response.text
    assert response.json()["issuer"] == "中国电子报社"
    [event] = corrected_events(notice["id"])
    assert event.actor.endswith("test admin")


def test_a_closed_window_is_not_corrected_even_by_an_admin(client, tokens):
    notice = closed_notice(client, tokens)
    response = client.patch(f"{NOTICES}/{notice['id']}", token=tokens["admin"], json={
        "window": {"start": "2024-01-26", "end": "2024-02-20"}, "reason": "延长"})
    assert response.status_code == 422
    assert "window" in response.json()["errors"]
    assert corrections(client, notice["id"])["total"] == 0


def test_a_publisher_still_corrects_an_open_notice(client, tokens):
    notice = open_notice(client, tokens)
    response = client.patch(f"{NOTICES}/{notice['id']}", json=ISSUER_FIX,
                            token=tokens["publisher"])
    assert response.status_code == 200, response.text
    assert corrections(client, notice["id"])["total"] == 1


def test_only_an_admin_withdraws_a_closed_notice(client, tokens):
    notice = closed_notice(client, tokens)
    path = f"{NOTICES}/{notice['id']}/withdraw"
    refused = client.post(path, json={"reason": "撤回"}, token=tokens["publisher"])
    assert refused.status_code == 403
    assert "admin" in refused.json()["detail"]
    assert client.get(f"{NOTICES}/{notice['id']}").json()["status"] == "closed"

    assert client.post(path, json={"reason": "撤回"}, token=tokens["admin"]).status_code == 200
    assert client.get(f"{NOTICES}/{notice['id']}").json()["status"] == "withdrawn"


def test_a_publisher_withdraws_an_open_notice(client, tokens):
    notice = open_notice(client, tokens)
    response = client.post(f"{NOTICES}/{notice['id']}/withdraw", json={"reason": "名单有误"},
                           token=tokens["publisher"])
    assert response.status_code == 200, response.text


def test_the_public_reads_each_correction_with_its_earlier_values(client, tokens):
    notice = closed_notice(client, tokens)
    for fix in (ISSUER_FIX, CONTACTS_FIX):
        response = client.patch(f"{NOTICES}/{notice['id']}", json=fix, token=tokens["admin"])
        assert response.status_code == 200, response.text

    history = corrections(client, notice["id"])

    assert history["total"] == 2
    first, second = history["items"]
    assert first["fields"] == ["issuer"]
    assert first["changes"] == {"issuer": {"before": "中国电子报", "after": "中国电子报社"}}
    assert first["reason"] == "发布单位名称有误"
    assert second["fields"] == ["contacts"]
    before, after = second["changes"]["contacts"]["before"], second["changes"]["contacts"]["after"]
    assert [c["number"] for c in before] == ["010-83138953", "010-64081702"]
    assert [c["number"] for c in after] == ["010-83138953"]
    assert second["reason"] == "第二个举报电话已停用"
    assert first["at"] <= second["at"]
    # Only what the notice shows the public: no token, actor or staff field.
    assert set(first) == {"at", "fields", "changes", "reason"}
    assert "updated_at" not in second["changes"]


def test_the_corrections_are_paginated(client, tokens):
    notice = closed_notice(client, tokens)
    for title in ("标题一", "标题二", "标题三"):
        client.patch(f"{NOTICES}/{notice['id']}", json={"title": title, "reason": "错字"},
                     token=tokens["admin"])
    page = corrections(client, notice["id"], page=2, page_size=2)
    assert page["total"] == 3 and page["page"] == 2
    assert [item["changes"]["title"] for item in page["items"]] == [
        {"before": "标题二", "after": "标题三"}]
    assert corrections(client, notice["id"], page=1, page_size=2)["items"][0]["changes"][
        "title"] == {"before": SEED_TITLE, "after": "标题一"}


def test_a_drafts_history_is_not_public(client, tokens):
    draft = post_notice(client, tokens, notice_payload())
    client.patch(f"{NOTICES}/{draft['id']}", json={"title": "草稿新标题"}, token=tokens["editor"])
    assert client.get(f"{NOTICES}/{draft['id']}/corrections").status_code == 404
    staff = client.get(f"{NOTICES}/{draft['id']}/corrections", token=tokens["editor"])
    assert staff.json()["total"] == 0  # a draft's edits are not corrections


def test_unknown_query_parameters_are_refused(client, tokens):
    notice = closed_notice(client, tokens)
    response = client.get(f"{NOTICES}/{notice['id']}/corrections", params={"since": "x"})
    assert response.status_code == 422


def test_the_notice_page_shows_its_correction_history(client, tokens):
    notice = closed_notice(client, tokens)
    assert "更正记录" not in client.get(f"/notices/{notice['id']}").text
    for fix in (ISSUER_FIX, CONTACTS_FIX, {"body": "更正后的正文。", "reason": "正文有误"}):
        response = client.patch(f"{NOTICES}/{notice['id']}", json=fix, token=tokens["admin"])
        assert response.status_code == 200, response.text

    page = client.get(f"/notices/{notice['id']}").text

    assert "更正记录" in page
    assert "理由：发布单位名称有误" in page
    assert "发布单位：原为「中国电子报」，更正为「中国电子报社」" in page
    assert "举报电话：原为「举报电话 010-83138953；举报电话 010-64081702」" in page
    assert "理由：第二个举报电话已停用" in page
    assert "正文有改动" in page
    today = datetime.now(SHANGHAI).date()
    assert f"{today.year}年{today.month}月{today.day}日更正" in page
