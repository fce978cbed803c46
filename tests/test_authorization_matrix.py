"""Every route of the app, called as the public and as each staff role, answers as one table says.

A route added without a row here fails test_every_route_has_a_row."""

import pytest

from service.infra.auth import ROLES

PUBLIC = "public"
CALLERS = (PUBLIC, *ROLES)

# (rule, method) -> the lowest role that may call it.
MINIMUM_ROLE = {
    ("/", "GET"): PUBLIC,
    ("/check", "GET"): PUBLIC,
    ("/notices/<id:notice_id>", "GET"): PUBLIC,
    ("/articles", "GET"): PUBLIC,
    ("/articles/<id:article_id>", "GET"): PUBLIC,
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
PATH_VALUES = {"notice_id": "2", "entry_id": "1", "token_id": "999", "filename": "site.css"}
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
