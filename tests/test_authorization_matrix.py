"""Every route of the app, called as the public and as each staff role, answers as one table says;
and every write to a notice, roster or article, called by each role for its own organisation and
for another, answers as the organisation rule says (another's draft 404, its published 403).

A route added without a row here fails test_every_route_has_a_row."""

from datetime import date, timedelta

import pytest

from service.infra.auth import ROLES
from tests.conftest import SEED_ORGANIZATION

PUBLIC = "public"
CALLERS = (PUBLIC, *ROLES)

# (rule, method) -> the lowest role that may call it.
MINIMUM_ROLE = {
    ("/", "GET"): PUBLIC,
    ("/check", "GET"): PUBLIC,
    ("/notices/<id:notice_id>", "GET"): PUBLIC,
    ("/articles", "GET"): PUBLIC,
    ("/articles/<id:article_id>", "GET"): PUBLIC,
    ("/orgs/<id:organization_id>", "GET"): PUBLIC,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/healthz", "GET"): PUBLIC,
    ("/readyz", "GET"): PUBLIC,
    ("/metrics", "GET"): PUBLIC,
    ("/openapi.json", "GET"): PUBLIC,
    ("/docs", "GET"): PUBLIC,
    ("/docs/assets/<path:filename>", "GET"): PUBLIC,
    ("/api/v1/notices", "GET"): PUBLIC,
    ("/api/v1/notices", "POST"): "editor",
    ("/api/v1/notices/<id:notice_id>", "GET"): PUBLIC,
    ("/api/v1/notices/<id:notice_id>", "PATCH"): "editor",
    ("/api/v1/notices/<id:notice_id>", "DELETE"): "editor",
    ("/api/v1/notices/<id:notice_id>/publish", "POST"): "publisher",
    ("/api/v1/notices/<id:notice_id>/withdraw", "POST"): "publisher",
    ("/api/v1/notices/<id:notice_id>/extend", "POST"): "publisher",
    ("/api/v1/notices/<id:notice_id>/roster", "GET"): PUBLIC,
    ("/api/v1/notices/<id:notice_id>/roster", "POST"): "editor",
    ("/api/v1/notices/<id:notice_id>/roster.csv", "GET"): "editor",
    ("/api/v1/notices/<id:notice_id>/roster/<id:entry_id>", "DELETE"): "editor",
    ("/api/v1/notices/<id:notice_id>/roster:import", "POST"): "editor",
    ("/api/v1/notices/<id:notice_id>/roster:verify", "GET"): "admin",
    ("/api/v1/names", "GET"): PUBLIC,
    ("/api/v1/search", "GET"): PUBLIC,
    ("/api/v1/articles", "GET"): PUBLIC,
    ("/api/v1/articles", "POST"): "editor",
    ("/api/v1/articles/<id:article_id>", "GET"): PUBLIC,
    ("/api/v1/articles/<id:article_id>", "PATCH"): "editor",
    ("/api/v1/articles/<id:article_id>", "DELETE"): "editor",
    ("/api/v1/organizations", "GET"): PUBLIC,
    ("/api/v1/organizations", "POST"): "admin",
    ("/api/v1/organizations/<id:organization_id>", "GET"): PUBLIC,
    ("/api/v1/organizations/<id:organization_id>", "PATCH"): "admin",
    ("/api/v1/articles/<id:article_id>/publish", "POST"): "publisher",
    ("/api/v1/notices/<id:notice_id>/corrections", "GET"): PUBLIC,
    ("/api/v1/audit", "GET"): "publisher",
    ("/api/v1/scheduler", "GET"): "admin",
    ("/api/v1/tokens", "GET"): "admin",
    ("/api/v1/tokens", "POST"): "admin",
    ("/api/v1/tokens/<id:token_id>", "DELETE"): "admin",
}

# Concrete values for the path parts; the draft notice 2 and the draft article (after the
# seed's, so its id is given by the test) are made by the test: editors edit drafts, and a
# published article's correction (publisher) is tested in test_article_drafts.
PATH_VALUES = {"notice_id": "2", "entry_id": "1", "token_id": "999", "organization_id": "1",
               "filename": "site.css"}
QUERY = {"/check": "?name=张心怡", "/api/v1/names": "?q=张心怡", "/api/v1/search": "?q=芯片",
         "/articles": "?q=芯片"}


def app_routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def concrete(rule: str, **values: str) -> str:
    path = rule
    for name, value in {**PATH_VALUES, **values}.items():
        for kind in ("id", "path"):
            path = path.replace(f"<{kind}:{name}>", value)
    return path + QUERY.get(rule, "")


def rank(role: str) -> int:
    return CALLERS.index(role)


def test_every_route_has_a_row(app):
    assert app_routes(app) == set(MINIMUM_ROLE)


@pytest.mark.parametrize("caller", CALLERS)
def test_each_route_answers_each_caller_as_the_table_says(client, tokens, runner, caller):
    assert runner.invoke(args=["seed"]).exit_code == 0
    draft = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "草稿", "category": "test", "issuer": "测试", "roster": [{"name": "刘东"}]})
    assert draft.json()["id"] == 2
    article = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "草稿文章", "kind": "news", "published_on": "2024-01-26"})
    assert article.status_code == 201, article.text
    token = tokens.get(caller)
    for (rule, method), minimum in sorted(MINIMUM_ROLE.items()):
        response = client.request(method, concrete(rule, article_id=str(article.json()["id"])),
                                  token=token, json={})
        allowed = rank(caller) >= rank(minimum)
        if allowed:
            assert response.status_code not in (401, 403, 500), (caller, method, rule)
        else:
            expected = 401 if caller == PUBLIC else 403
            assert response.status_code == expected, (caller, method, rule, response.text)


# --- organisations -------------------------------------------------------------------------------

# Every write to one notice, roster or article: (method, path, body, what it is done to). The
# bodies are valid, so that the answer is the rule's and not the schema's.
CSV = ("roster.csv", "name\n王五\n".encode(), "text/csv")
NOTICE_WRITES = [
    ("PATCH", "/api/v1/notices/{id}", {"title": "改"}, "draft"),
    ("PATCH", "/api/v1/notices/{id}", {"title": "改", "reason": "更正"}, "published"),
    ("DELETE", "/api/v1/notices/{id}", None, "draft"),
    ("DELETE", "/api/v1/notices/{id}", None, "published"),
    ("POST", "/api/v1/notices/{id}/publish", {}, "draft"),
    ("POST", "/api/v1/notices/{id}/withdraw", {"reason": "撤回"}, "published"),
    ("POST", "/api/v1/notices/{id}/extend", {"end": "{end}"}, "published"),
    ("POST", "/api/v1/notices/{id}/roster", [{"name": "赵六"}], "draft"),
    ("POST", "/api/v1/notices/{id}/roster", [{"name": "赵六"}], "published"),
    ("POST", "/api/v1/notices/{id}/roster:import", CSV, "draft"),
    ("POST", "/api/v1/notices/{id}/roster:import", CSV, "published"),
    ("GET", "/api/v1/notices/{id}/roster.csv", None, "draft"),
    ("GET", "/api/v1/notices/{id}/roster.csv", None, "published"),
    ("DELETE", "/api/v1/notices/{id}/roster/{entry}", None, "draft"),
    ("DELETE", "/api/v1/notices/{id}/roster/{entry}", None, "published"),
    ("PATCH", "/api/v1/articles/{id}", {"title": "改"}, "draft article"),
    ("PATCH", "/api/v1/articles/{id}", {"title": "改", "reason": "更正"}, "published article"),
    ("DELETE", "/api/v1/articles/{id}", None, "draft article"),
    ("DELETE", "/api/v1/articles/{id}", None, "published article"),
    ("POST", "/api/v1/articles/{id}/publish", {}, "draft article"),
]
DRAFTS = ("draft", "draft article")  # another organisation's are not there for the caller
STAFF = ROLES


def minimum_role(method: str, path: str, what: str) -> str:
    if method == "PATCH" and what in ("published", "published article"):
        return "publisher"  # a correction
    rule = (path.replace("{id}", "<id:notice_id>").replace("{entry}", "<id:entry_id>")
            .replace("/articles/<id:notice_id>", "/articles/<id:article_id>"))
    return MINIMUM_ROLE[(rule, method)]


def make_target(client, admin: str, organization_id: int, what: str) -> dict:
    """A fresh draft or published notice (scheduled, with a roster) or article of the
    organisation, made by an admin; returns the path values."""
    if what.endswith("article"):
        response = client.post("/api/v1/articles", token=admin, json={
            "title": "文章", "kind": "news", "published_on": "2026-01-01",
            "organization_id": organization_id})
        assert response.status_code == 201, response.text
        article_id = response.json()["id"]
        if what == "published article":
            assert client.post(f"/api/v1/articles/{article_id}/publish", token=admin,
                               json={}).status_code == 200
        return {"id": article_id}
    start = date.today() + timedelta(days=5)
    response = client.post("/api/v1/notices", token=admin, json={
        "title": "公示", "category": "test", "issuer": "某单位", "organization_id": organization_id,
        "window": {"start": start.isoformat(), "end": (start + timedelta(days=9)).isoformat()},
        "contacts": [{"number": "010-83138953"}], "roster": [{"name": "刘东"}]})
    assert response.status_code == 201, response.text
    notice_id = response.json()["id"]
    if what == "published":
        assert client.post(f"/api/v1/notices/{notice_id}/publish", token=admin,
                           json={}).status_code == 200
    roster = client.get(f"/api/v1/notices/{notice_id}/roster", token=admin).json()
    return {"id": notice_id, "entry": roster["items"][0]["id"],
            "end": (start + timedelta(days=20)).isoformat()}


def send(client, token: str, method: str, path: str, body, values: dict):
    url = path.format(**values)
    if isinstance(body, tuple):
        return client.request(method, url, token=token, files={"file": body})
    if isinstance(body, dict):
        body = {key: (value.format(**values) if isinstance(value, str) else value)
                for key, value in body.items()}
    return client.request(method, url, token=token, json=body)


@pytest.fixture
def other_organization(client, tokens) -> int:
    response = client.post("/api/v1/organizations", token=tokens["admin"],
                           json={"name": "另一家报社"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("caller", STAFF)
def test_each_write_answers_for_own_and_other_organisations(client, tokens, other_organization,
                                                            caller):
    own = client.get("/api/v1/organizations", params={"q": SEED_ORGANIZATION}).json()
    own_id = own["items"][0]["id"]
    for method, path, body, what in NOTICE_WRITES:
        minimum = minimum_role(method, path, what)
        for organization, organization_id in (("own", own_id), ("other", other_organization)):
            values = make_target(client, tokens["admin"], organization_id, what)
            response = send(client, tokens[caller], method, path, body, values)
            context = (caller, organization, method, path, what, response.text)
            if rank(caller) < rank(minimum):
                assert response.status_code == 403, context
            elif caller == "admin" or organization == "own":
                assert response.status_code not in (401, 403, 404, 500), context
            else:
                assert response.status_code == (404 if what in DRAFTS else 403), context


@pytest.mark.parametrize("caller", STAFF)
@pytest.mark.parametrize("path, body", [
    ("/api/v1/notices", {"title": "公示", "category": "test", "issuer": "某单位"}),
    ("/api/v1/articles", {"title": "文章", "kind": "news", "published_on": "2026-01-01"}),
])
def test_creating_for_another_organisation_is_refused_but_to_admins(client, tokens,
                                                                  other_organization, caller,
                                                                  path, body):
    other = client.post(path, token=tokens[caller],
                        json={**body, "organization_id": other_organization})
    unchosen = client.post(path, token=tokens[caller], json=body)

    assert other.status_code == (201 if caller == "admin" else 403), other.text
    if caller == "admin":  # an admin acts for every organisation: it must say which
        assert other.json()["organization_id"] == other_organization
        assert unchosen.status_code == 422
        assert "organization_id" in unchosen.json()["errors"]
    else:  # the token's only organisation
        assert unchosen.status_code == 201, unchosen.text
        assert unchosen.json()["organization_id"] != other_organization
        assert unchosen.json()["organization_name"] == SEED_ORGANIZATION


def test_another_organisations_drafts_are_not_shown_to_staff(client, tokens, other_organization):
    theirs = make_target(client, tokens["admin"], other_organization, "draft")["id"]
    ours = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "我们的草稿", "category": "test", "issuer": "中国电子报"}).json()["id"]

    for role in ("editor", "publisher"):
        listed = client.get("/api/v1/notices", params={"status": "draft"},
                            token=tokens[role]).json()
        assert [n["id"] for n in listed["items"]] == [ours]
        assert client.get(f"/api/v1/notices/{theirs}", token=tokens[role]).status_code == 404
        assert client.get(f"/api/v1/notices/{theirs}/roster",
                          token=tokens[role]).status_code == 404
        found = client.get("/api/v1/search", params={"q": "公示"}, token=tokens[role]).json()
        assert theirs not in [n["id"] for n in found["notices"]]
        audit = client.get("/api/v1/audit", params={"entity": "notice", "entity_id": theirs},
                           token=tokens["publisher"]).json()
        assert audit["items"] == []
    linked = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "文章", "kind": "news", "published_on": "2026-01-01", "notice_ids": [theirs]})
    assert linked.status_code == 422
    assert client.get(f"/api/v1/notices/{theirs}", token=tokens["admin"]).status_code == 200
