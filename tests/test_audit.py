"""The audit trail, GET /api/v1/audit: who may read it, its filters and what events carry."""

import pytest

AUDIT = "/api/v1/audit"


def make_notice(client, tokens, title="核验人员名单公示"):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": title, "category": "press_credential_verification", "issuer": "中国电子报",
        "window": {"start": "2024-01-26", "end": "2024-02-05"},
        "contacts": [{"number": "010-83138953"}], "roster": [{"name": "刘东"}]})
    assert response.status_code == 201, response.text
    return response.json()


def make_article(client, tokens, title="江西：构建现代化产业体系"):
    response = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": title, "kind": "news", "published_on": "2024-01-26"})
    assert response.status_code == 201, response.text
    return response.json()


def audit(client, tokens, role="publisher", **params):
    response = client.get(AUDIT, params=params, token=tokens[role])
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ["publisher", "admin"])
def test_publisher_and_admin_read_the_audit_trail(client, tokens, role):
    make_article(client, tokens)
    body = audit(client, tokens, role)
    assert body["total"] >= 1
    assert "article.created" in {event["action"] for event in body["items"]}


def test_editor_is_forbidden(client, tokens):
    response = client.get(AUDIT, token=tokens["editor"])
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_public_is_unauthorized(client):
    response = client.get(AUDIT)
    assert response.status_code == 401


def test_invalid_token_is_unauthorized(client):
    response = client.get(AUDIT, token="not-a-real-token")
    assert response.status_code == 401


def test_event_has_the_contract_fields(client, tokens):
    article = make_article(client, tokens)
    [event] = audit(client, tokens, entity="article", entity_id=article["id"])["items"]
    assert set(event) >= {"id", "at", "actor", "action", "entity", "entity_id", "changes",
                          "due_at"}
    assert event["action"] == "article.created"
    assert event["entity"] == "article"
    assert event["entity_id"] == article["id"]
    assert event["due_at"] is None
    assert "+" in event["at"][10:] or event["at"].endswith("Z")


def test_filter_by_entity(client, tokens):
    make_notice(client, tokens)
    make_article(client, tokens)
    notice_events = audit(client, tokens, entity="notice")["items"]
    article_events = audit(client, tokens, entity="article")["items"]
    assert notice_events and {e["entity"] for e in notice_events} == {"notice"}
    assert article_events and {e["entity"] for e in article_events} == {"article"}


def test_filter_by_entity_id(client, tokens):
    first = make_notice(client, tokens, "公示一")
    second = make_notice(client, tokens, "公示二")
    events = audit(client, tokens, entity="notice", entity_id=second["id"])["items"]
    assert [e["entity_id"] for e in events] == [second["id"]]
    assert first["id"] != second["id"]


def test_filter_by_action(client, tokens):
    notice = make_notice(client, tokens)
    client.post(f"/api/v1/notices/{notice['id']}/publish", token=tokens["publisher"],
                json={"backdated": True})
    make_article(client, tokens)
    events = audit(client, tokens, action="notice.published")["items"]
    assert [(e["action"], e["entity_id"]) for e in events] == [("notice.published", notice["id"])]


def test_notice_lifecycle_events_name_the_actor_by_label_never_by_token(client, tokens):
    notice = make_notice(client, tokens)
    response = client.post(f"/api/v1/notices/{notice['id']}/publish", token=tokens["publisher"],
                           json={"backdated": True})
    assert response.status_code == 200, response.text
    response = client.post(f"/api/v1/notices/{notice['id']}/withdraw",
                           json={"reason": "名单有误"}, token=tokens["admin"])  # closed: admin's
    assert response.status_code == 200, response.text

    response = client.get(AUDIT, params={"entity": "notice", "entity_id": notice["id"]},
                          token=tokens["admin"])
    events = {e["action"]: e for e in response.json()["items"]}
    assert set(events) >= {"notice.created", "notice.published", "notice.withdrawn"}
    assert "test editor" in events["notice.created"]["actor"]
    assert "test publisher" in events["notice.published"]["actor"]
    assert "test admin" in events["notice.withdrawn"]["actor"]
    assert events["notice.withdrawn"]["changes"]["reason"] == "名单有误"
    for token in tokens.values():
        assert token not in response.text


def test_events_are_listed_newest_first(client, tokens):
    first = make_article(client, tokens, "第一篇")
    second = make_article(client, tokens, "第二篇")
    events = audit(client, tokens, entity="article")["items"]
    assert [e["entity_id"] for e in events] == [second["id"], first["id"]]
    assert events[0]["id"] > events[1]["id"]


def test_cli_create_token_is_audited_without_the_token(client, tokens, runner):
    result = runner.invoke(args=["create-token", "--role", "editor", "--label", "newsroom bot",
                                 "--org", "1"])  # the tokens' own organisation
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get(AUDIT, params={"action": "token.created"}, token=tokens["admin"])
    [event] = response.json()["items"]
    assert event["entity"] == "token"
    assert event["actor"] == "cli"
    assert event["changes"]["role"] == "editor"
    assert event["changes"]["label"] == "newsroom bot"
    assert token not in response.text


def test_audit_is_paginated(client, tokens):
    for number in range(5):
        make_article(client, tokens, f"文章{number}")
    first = audit(client, tokens, entity="article", page=1, page_size=2)
    assert (first["total"], first["page"], first["page_size"]) == (5, 1, 2)
    assert len(first["items"]) == 2
    last = audit(client, tokens, entity="article", page=3, page_size=2)
    assert len(last["items"]) == 1
    beyond = audit(client, tokens, entity="article", page=4, page_size=2)
    assert beyond["items"] == [] and beyond["total"] == 5


def test_audit_has_no_write_routes(client, tokens):
    response = client.post(AUDIT, json={"action": "notice.created"}, token=tokens["admin"])
    assert response.status_code == 405
