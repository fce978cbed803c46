"""Abuse limits, token revocation and expiry, spreadsheet-safe roster export, audit times."""

import uuid
from datetime import UTC, datetime, timedelta

from service import create_app
from service.infra.auth import issue_token
from service.infra.db import database
from tests.conftest import serve


def limited_app(database_url: str, **config):
    return create_app({"DATABASE_URL": database_url, "PUBLIC_RATE_LIMIT": "3/minute",
                       "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex, **config})


def test_name_check_is_rate_limited_with_retry_after(app, database_url):
    with serve(limited_app(database_url)) as client:
        statuses = [client.get("/api/v1/names", params={"q": "张心怡"}).status_code
                    for _ in range(4)]
        refused = client.get("/api/v1/names", params={"q": "张心怡"})
    assert statuses == [200, 200, 200, 429]
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_search_and_articles_share_the_public_limit_but_notices_do_not(app, database_url):
    with serve(limited_app(database_url)) as client:
        for path in ("/api/v1/search?q=芯片", "/api/v1/articles?q=芯片", "/api/v1/names?q=刘东"):
            assert client.get(path).status_code == 200
        assert client.get("/api/v1/search?q=芯片").status_code == 429
        assert client.get("/api/v1/notices").status_code == 200


def test_staff_are_not_rate_limited(app, database_url, tokens):
    with serve(limited_app(database_url)) as client:
        statuses = {client.get("/api/v1/names", params={"q": "张心怡"},
                               token=tokens["editor"]).status_code for _ in range(5)}
    assert statuses == {200}


def test_redis_storage_shares_counts_between_processes(app, database_url):
    shared = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
              "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    # Two app instances stand for two gunicorn workers or two containers.
    with serve(limited_app(database_url, **shared)) as first, \
            serve(limited_app(database_url, **shared)) as second:
        assert first.get("/api/v1/names?q=刘东").status_code == 200
        assert second.get("/api/v1/names?q=刘东").status_code == 200
        assert first.get("/api/v1/names?q=刘东").status_code == 200
        assert second.get("/api/v1/names?q=刘东").status_code == 429


def test_admin_creates_lists_and_revokes_tokens(client, tokens):
    created = client.post("/api/v1/tokens", token=tokens["admin"],
                          json={"role": "editor", "label": "新同事",
                                "organization_ids": [1]})  # the tokens' own organisation
    assert created.status_code == 201
    new_token, token_id = created.json()["token"], created.json()["id"]
    assert client.get("/api/v1/audit", token=new_token).status_code == 403  # a working editor
    listed = client.get("/api/v1/tokens", token=tokens["admin"])
    assert new_token not in listed.text and "hash" not in listed.text
    assert {"id": token_id, "label": "新同事", "role": "editor", "revoked_at": None}.items() <= \
        next(t for t in listed.json()["items"] if t["id"] == token_id).items()

    assert client.delete(f"/api/v1/tokens/{token_id}", token=tokens["admin"]).status_code == 204
    assert client.get("/api/v1/notices", token=new_token).status_code == 401
    actions = [e["action"] for e in client.get(
        "/api/v1/audit", params={"entity": "token", "entity_id": token_id},
        token=tokens["admin"]).json()["items"]]
    assert actions == ["token.revoked", "token.created"]


def test_only_admins_manage_tokens(client, tokens):
    assert client.get("/api/v1/tokens", token=tokens["publisher"]).status_code == 403
    assert client.delete("/api/v1/tokens/1", token=tokens["publisher"]).status_code == 403
    assert client.delete("/api/v1/tokens/99999", token=tokens["admin"]).status_code == 404
    assert client.post("/api/v1/tokens", token=tokens["admin"],
                       json={"role": "root", "label": "x"}).status_code == 422


def test_expired_token_is_refused(client, app):
    with database.connection_context():
        _, expired = issue_token("admin", "old", datetime.now(UTC) - timedelta(seconds=1))
        _, current = issue_token("admin", "new", datetime.now(UTC) + timedelta(days=1))
    assert client.get("/api/v1/audit", token=expired).status_code == 401
    assert client.get("/api/v1/audit", token=current).status_code == 200


def test_roster_csv_export_cannot_inject_formulas(client, tokens):
    notice = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "导出测试", "category": "test", "issuer": "测试", "roster": [
            {"name": "=HYPERLINK(\"http://x\")", "organization": "+86", "credential_no": "@SUM(1)"},
            {"name": "张心怡", "organization": "-单位", "credential_no": "110000"}]}).json()
    url = f"/api/v1/notices/{notice['id']}/roster.csv"
    assert client.get(url).status_code == 401
    response = client.get(url, token=tokens["editor"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffname,organization,credential_no")
    lines = text.splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"http://x\"\")\",'+86,'@SUM(1)"
    assert lines[2] == "张心怡,'-单位,110000"


def test_audit_changes_write_times_in_iso_8601_with_offset(client, tokens):
    created = client.post("/api/v1/tokens", token=tokens["admin"],
                          json={"role": "editor", "label": "一周", "expires_in_days": 7,
                                "organization_ids": [1]}).json()
    event = client.get("/api/v1/audit", params={"entity": "token", "entity_id": created["id"]},
                       token=tokens["admin"]).json()["items"][0]
    expires_at = event["changes"]["expires_at"]
    assert expires_at == created["expires_at"]  # as the API writes it: 2026-12-10T16:00:00+00:00
    assert datetime.fromisoformat(expires_at).utcoffset() is not None and "T" in expires_at
