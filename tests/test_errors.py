"""Every error leaves as application/problem+json, with the status the contract names."""

import pytest

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_unknown_route_is_404_problem(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)


def test_unknown_article_is_404_problem(client):
    assert_problem(client.get("/api/v1/articles/12345"), 404)


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.delete("/api/v1/articles")
    assert_problem(response, 405)
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


def test_put_on_an_article_is_405(client, tokens):
    response = client.put("/api/v1/articles/1", json={}, token=tokens["editor"])
    assert_problem(response, 405)
    assert "PATCH" in response.headers["Allow"]


def test_malformed_json_is_400(client, tokens):
    response = client.post("/api/v1/articles", data='{"title": "标题", "kind": '.encode(),
                           headers={"Content-Type": "application/json"},
                           token=tokens["editor"])
    assert_problem(response, 400)


def test_json_that_is_not_utf8_is_400(client, tokens):
    response = client.post("/api/v1/articles", data='{"title": "标题"}'.encode("gb18030"),
                           headers={"Content-Type": "application/json"},
                           token=tokens["editor"])
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"].startswith(PROBLEM)


def test_json_array_where_an_object_is_expected_is_422(client, tokens):
    response = client.post("/api/v1/articles", token=tokens["editor"],
                           json=[{"title": "标题", "kind": "news", "published_on": "2024-01-26"}])
    body = assert_problem(response, 422)
    assert body["errors"]


@pytest.mark.parametrize("payload", ["just a string", 42, None])
def test_json_scalar_where_an_object_is_expected_is_422(client, tokens, payload):
    response = client.post("/api/v1/articles", token=tokens["editor"], json=payload)
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"].startswith(PROBLEM)


def test_body_over_one_mebibyte_is_413(client, tokens):
    body = "长" * (1024 * 1024 // 3 + 1024)  # a little over 1 MiB in UTF-8
    response = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26", "body": body})
    assert_problem(response, 413)


def test_body_just_under_one_mebibyte_is_read_not_refused_for_size(client, tokens):
    body = "a" * (1024 * 1024 - 1024)  # the request fits; the field is over its 200 000 limit
    response = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26", "body": body})
    problem = assert_problem(response, 422)
    assert "body" in problem["errors"]


def test_missing_token_is_401_problem_with_challenge(client):
    response = client.post("/api/v1/articles", json={})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_malformed_authorization_header_is_401(client):
    response = client.post("/api/v1/articles", json={},
                           headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_problem(response, 401)


def test_validation_errors_are_422_with_dotted_field_paths(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "公示", "category": "press_credential_verification", "issuer": "中国电子报",
        "window": {"start": "2024-01-26", "end": "not a date"},
        "contacts": [{"number": "010-83138953"}, {"label": "举报电话"}]})
    body = assert_problem(response, 422)
    assert "window.end" in body["errors"]
    assert "contacts.1.number" in body["errors"]
    for messages in body["errors"].values():
        assert messages and all(isinstance(message, str) for message in messages)


def test_unknown_linked_notice_is_422_with_dotted_path(client, tokens):
    response = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26", "notice_ids": [424242]})
    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["notice_ids.0"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", ""])
def test_invalid_page_is_422_naming_page(client, page):
    response = client.get("/api/v1/articles", params={"page": page})
    body = assert_problem(response, 422)
    assert "page" in body["errors"]


@pytest.mark.parametrize("page_size", ["0", "101", "abc"])
def test_invalid_page_size_is_422_naming_page_size(client, page_size):
    response = client.get("/api/v1/notices", params={"page_size": page_size})
    body = assert_problem(response, 422)
    assert "page_size" in body["errors"]


@pytest.mark.parametrize("path", [
    "/api/v1/articles/{}",
    "/api/v1/notices/{}",
    "/api/v1/notices/{}/roster",
])
@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_huge_integer_id_is_404_not_500(client, path, huge):
    assert_problem(client.get(path.format(huge)), 404)


def test_huge_integer_id_on_staff_write_is_404_not_500(client, tokens):
    response = client.patch(f"/api/v1/articles/{2**63}", json={"title": "新"},
                            token=tokens["editor"])
    assert_problem(response, 404)
    response = client.delete(f"/api/v1/articles/{2**63}", token=tokens["editor"])
    assert_problem(response, 404)


def test_huge_integer_in_a_body_or_filter_is_not_500(client, tokens):
    response = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26", "notice_ids": [2**63]})
    assert response.status_code == 422
    assert "notice_ids.0" in response.json()["errors"]
    response = client.get("/api/v1/audit", params={"entity_id": 2**63}, token=tokens["admin"])
    assert response.status_code in (200, 422)


def test_duplicate_roster_name_is_422_naming_the_entry(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "公示", "category": "press_credential_verification", "issuer": "中国电子报",
        "roster": [{"name": "刘东"}, {"name": "刘东"}]})
    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["roster.1.name"]
