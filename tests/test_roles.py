"""Who may do what: the public, editor < publisher < admin, and bad credentials."""

from functools import partial

import pytest

from service.domain.models import ApiToken
from service.infra.auth import hash_token
from service.infra.clock import utcnow
from tests import builders
from tests.builders import post_notice
from tests.problems import assert_problem

NOTICES = "/api/v1/notices"

# Every staff route, with {notice}, {entry} and {article} filled from real rows.
STAFF_ROUTES = [
    ("POST", "/api/v1/notices"),
    ("PATCH", "/api/v1/notices/{notice}"),
    ("POST", "/api/v1/notices/{notice}/publish"),
    ("POST", "/api/v1/notices/{notice}/withdraw"),
    ("POST", "/api/v1/notices/{notice}/extend"),
    ("POST", "/api/v1/notices/{notice}/roster"),
    ("DELETE", "/api/v1/notices/{notice}/roster/{entry}"),
    ("POST", "/api/v1/notices/{notice}/roster:import"),
    ("GET", "/api/v1/audit"),
    ("POST", "/api/v1/articles"),
    ("PATCH", "/api/v1/articles/{article}"),
    ("DELETE", "/api/v1/articles/{article}"),
]
PUBLIC_ROUTES = [
    "/api/v1/notices",
    "/api/v1/notices/{notice}",
    "/api/v1/notices/{notice}/roster",
    "/api/v1/names?q=张心怡",
    "/api/v1/articles",
    "/api/v1/articles/{article}",
]


notice_payload = partial(builders.notice_payload, roster=[{"name": "张心怡"}, {"name": "王小明"}])


def assert_unauthorized(response) -> None:
    assert_problem(response, 401)
    assert "bearer" in response.headers.get("WWW-Authenticate", "").lower()


def create_notice(client, tokens, token_role="editor", **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides), role=token_role)


def published_notice(client, tokens, **overrides) -> dict:
    return post_notice(client, tokens, notice_payload(**overrides), publish=True)


def existing_ids(client, tokens) -> dict:
    """A published notice (with a roster entry) and an article, so no route can answer 404."""
    notice = published_notice(client, tokens)
    entries = client.get(f"{NOTICES}/{notice['id']}/roster", token=tokens["editor"]).json()
    article = client.post("/api/v1/articles", json={
        "title": "江西省工业和信息化工作会议召开", "kind": "news", "published_on": "2024-01-26",
    }, token=tokens["editor"])
    assert article.status_code == 201, article.text
    builders.publish_article(client, tokens, article.json()["id"])
    return {"notice": notice["id"], "entry": entries["items"][0]["id"],
            "article": article.json()["id"]}


def future_window() -> dict:
    return {"start": "2099-01-01", "end": "2099-01-10"}


@pytest.mark.parametrize(("method", "route"), STAFF_ROUTES,
                         ids=[f"{m} {r}" for m, r in STAFF_ROUTES])
def test_public_is_401_on_every_staff_route(client, tokens, method, route):
    ids = existing_ids(client, tokens)
    path = route.format(**ids)

    response = client.request(method, path, json={})

    assert_unauthorized(response)
    notice = client.get(f"{NOTICES}/{ids['notice']}").json()
    assert notice["status"] == "closed" and notice["roster_size"] == 2


@pytest.mark.parametrize("route", PUBLIC_ROUTES)
def test_invalid_token_is_401_even_on_public_routes(client, tokens, route):
    path = route.format(**existing_ids(client, tokens))
    assert client.get(path).status_code == 200

    assert_unauthorized(client.get(path, token="not-a-real-token"))


def test_revoked_token_is_401(client, tokens, db):
    assert client.get("/api/v1/audit", token=tokens["admin"]).status_code == 200
    (ApiToken.update(revoked_at=utcnow())
     .where(ApiToken.token_hash == hash_token(tokens["admin"])).execute())

    assert_unauthorized(client.get("/api/v1/audit", token=tokens["admin"]))
    assert_unauthorized(client.get(NOTICES, token=tokens["admin"]))


@pytest.mark.parametrize("path", [NOTICES, "/api/v1/audit"])
def test_basic_auth_is_401(client, tokens, path):
    response = client.get(path, headers={"Authorization": "Basic x"})

    assert_unauthorized(response)


def test_editor_cannot_publish(client, tokens):
    notice = create_notice(client, tokens)

    assert_problem(client.post(f"{NOTICES}/{notice['id']}/publish", token=tokens["editor"]), 403)
    assert client.get(f"{NOTICES}/{notice['id']}", token=tokens["editor"]).json()[
        "status"] == "draft"


def test_editor_cannot_withdraw(client, tokens):
    notice = published_notice(client, tokens)

    response = client.post(f"{NOTICES}/{notice['id']}/withdraw", json={"reason": "撤回"},
                           token=tokens["editor"])

    assert_problem(response, 403)
    assert client.get(f"{NOTICES}/{notice['id']}").json()["status"] == "closed"


def test_editor_cannot_extend(client, tokens):
    notice = published_notice(client, tokens, window=future_window())

    response = client.post(f"{NOTICES}/{notice['id']}/extend", json={"end": "2099-01-20"},
                           token=tokens["editor"])

    assert_problem(response, 403)
    assert client.get(f"{NOTICES}/{notice['id']}").json()["window"]["end"] == "2099-01-10"


def test_editor_cannot_read_the_audit_trail(client, tokens):
    assert_problem(client.get("/api/v1/audit", token=tokens["editor"]), 403)


def test_publisher_reads_the_audit_trail(client, tokens):
    notice = create_notice(client, tokens)

    response = client.get("/api/v1/audit", params={"action": "notice.created"},
                          token=tokens["publisher"])

    assert response.status_code == 200, response.text
    events = response.json()["items"]
    assert [(e["entity"], e["entity_id"]) for e in events] == [("notice", notice["id"])]
    assert events[0]["actor"] != "public"


def test_admin_can_do_everything(client, tokens):
    admin = tokens["admin"]
    # An admin acts for every organisation, so it names the one (the tokens' own, id 1).
    notice = create_notice(client, tokens, token_role="admin", window=future_window(),
                           organization_id=1)
    path = f"{NOTICES}/{notice['id']}"

    steps = [
        client.post(f"{path}/roster", json={"name": "赵六"}, token=admin),
        client.post(f"{path}/roster:import", files={"file": ("r.csv", "name\n钱七\n".encode(),
                                                             "text/csv")}, token=admin),
        client.patch(path, json={"title": "草稿标题"}, token=admin),
        client.post(f"{path}/publish", token=admin),
        client.patch(path, json={"title": "更正标题", "reason": "错字"}, token=admin),
        client.post(f"{path}/extend", json={"end": "2099-01-20"}, token=admin),
        client.post(f"{path}/withdraw", json={"reason": "撤回"}, token=admin),
        client.get("/api/v1/audit", params={"entity_id": notice["id"]}, token=admin),
        client.post("/api/v1/articles", json={"title": "会议报道", "kind": "meeting",
                                              "published_on": "2024-01-26",
                                              "organization_id": 1}, token=admin),
    ]

    assert [r.status_code for r in steps] == [201, 201, 200, 200, 200, 200, 200, 200, 201]
    final = client.get(path).json()
    assert final["title"] == "更正标题"
    assert final["status"] == "withdrawn"
    assert final["window"]["end"] == "2099-01-20"
    assert final["roster_size"] == 4
    actions = {e["action"] for e in steps[7].json()["items"]}
    assert {"notice.created", "roster.added", "roster.imported", "notice.updated",
            "notice.published", "notice.corrected", "notice.extended",
            "notice.withdrawn"} <= actions
