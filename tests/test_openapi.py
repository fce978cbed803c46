"""The OpenAPI document and the interactive docs."""

import re

API_PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    """/api/v1/articles/<int:article_id> -> /api/v1/articles/{article_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX):
            methods = {m.lower() for m in rule.methods - IGNORED_METHODS}
            routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    return routes


def test_openapi_json_is_openapi_3(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"]


def test_openapi_lists_every_api_route_and_method(app, client):
    spec = client.get("/openapi.json").json()
    expected = api_routes(app)
    assert len(expected) >= 8  # articles, notices, roster, names, audit, and their ids
    assert "/api/v1/articles/{article_id}" in expected
    documented = {path: {m for m in item if m in {"get", "post", "put", "patch", "delete"}}
                  for path, item in spec["paths"].items() if path.startswith(API_PREFIX)}
    assert set(documented) == set(expected)
    for path, methods in expected.items():
        assert documented[path] == methods, path


def test_openapi_documents_path_parameters_as_integers(client):
    spec = client.get("/openapi.json").json()
    item = spec["paths"]["/api/v1/articles/{article_id}"]
    parameters = item.get("parameters", []) + item["get"].get("parameters", [])
    [article_id] = [p for p in parameters if p.get("name") == "article_id"]
    assert article_id["in"] == "path"
    assert article_id["schema"]["type"] == "integer"


def resolve(spec, parameter):
    if "$ref" in parameter:
        return spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
    return parameter


def test_openapi_documents_if_match_as_optional_on_patch(client):
    """The contract makes If-Match optional on PATCH (a stale one is a 412)."""
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/articles/{article_id}", "/api/v1/notices/{notice_id}"):
        parameters = [resolve(spec, p) for p in spec["paths"][path]["patch"]["parameters"]]
        for parameter in parameters:
            if parameter["name"] == "If-Match":
                assert not parameter.get("required", False), path


def test_openapi_has_a_bearer_security_scheme(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    bearer = [s for s in schemes.values() if s.get("type") == "http"
              and s.get("scheme", "").lower() == "bearer"]
    assert bearer
    [name] = [n for n, s in schemes.items() if s in bearer]
    post = spec["paths"]["/api/v1/articles"]["post"]
    assert {name: []} in post["security"]
    assert "security" not in spec["paths"]["/api/v1/names"]["get"]


def test_openapi_has_schemas_for_the_resources(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("Article", "Notice", "Problem"):
        assert any(key.startswith(name) for key in schemas), name


def test_docs_answer_with_html(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert "openapi.json" in response.text
