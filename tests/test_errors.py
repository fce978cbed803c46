"""Every error leaves as application/problem+json, with the status the contract names."""

import pytest

from tests.problems import PROBLEM_CONTENT_TYPE as PROBLEM
from tests.problems import assert_problem


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


# --- what the API reads (service/api/parsing.py, schemas/common.py) ------------------------------

NOTICE = {"title": "公示", "category": "press_credential_verification", "issuer": "中国电子报"}


def post_raw(client, tokens, text: str, path="/api/v1/notices", content_type="application/json"):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"), token=tokens["editor"],
                       headers={"Content-Type": content_type})


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_sent_as_another_content_type_is_415_naming_json(client, tokens, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/v1/notices", data=b'{"title": "x"}', headers=headers,
                           token=tokens["editor"])
    body = assert_problem(response, 415)
    assert "Content-Type: application/json" in body["detail"]


def test_a_file_sent_as_json_is_415_naming_multipart(client, tokens):
    draft = client.post("/api/v1/notices", json=NOTICE, token=tokens["editor"]).json()
    response = client.post(f"/api/v1/notices/{draft['id']}/roster:import", json={"file": "x"},
                           token=tokens["editor"])
    assert "multipart/form-data" in assert_problem(response, 415)["detail"]


def test_no_body_at_all_is_422_for_the_missing_fields(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"])
    assert set(assert_problem(response, 422)["errors"]) == {"title", "category", "issuer"}


def test_one_422_names_schema_window_and_contact_errors_together(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "公示", "window": {"start": "2024-02-05", "end": "2024-01-26"},
        "contacts": [{"number": "12345"}], "article_ids": [1.5]})
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"category", "issuer", "window.end", "contacts.0.number",
                                   "article_ids.0"}


@pytest.mark.parametrize("field", ["title", "issuer", "body"])
def test_nul_in_a_json_string_is_422_naming_the_field(client, tokens, field):
    response = client.post("/api/v1/notices", token=tokens["editor"],
                           json={**NOTICE, field: "中国\x00电子报"})
    assert "U+0000" in assert_problem(response, 422)["errors"][field][0]


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/notices", "q"), ("/api/v1/notices", "issuer"), ("/api/v1/notices", "category"),
    ("/api/v1/articles", "region"), ("/api/v1/search", "q"), ("/api/v1/names", "q")])
def test_nul_in_a_query_parameter_is_422_naming_it(client, path, field):
    response = client.get(f"{path}?{field}=a%00b")
    assert field in assert_problem(response, 422)["errors"]


def test_query_string_that_is_not_utf8_is_422_naming_the_parameter(client):
    response = client.get("/api/v1/notices?q=%ED%A0%80")
    assert list(assert_problem(response, 422)["errors"]) == ["q"]


def test_lone_surrogate_in_json_is_422_naming_the_field(client, tokens):
    response = post_raw(client, tokens, '{"title": "公示", "issuer": "\\ud800", '
                                        '"roster": [{"name": "刘\\udfff东"}]}')
    errors = assert_problem(response, 422)["errors"]
    assert {"issuer", "roster.0.name"} <= set(errors)


def test_lone_surrogate_in_a_key_is_422_and_the_answer_still_encodes(client, tokens):
    response = post_raw(client, tokens, '{"\\ud800": 1}')
    assert "\\ud800" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize(("text", "words"), [
    ('{"title": ' + "[" * 2000 + "]" * 2000 + "}", "nested more than 64"),
    ('{"title": ' + "[" * 65 + "]" * 65 + "}", "nested more than 64"),
    ('{"article_ids": [' + "9" * 5000 + "]}", "more than 100 digits"),
    ('{"article_ids": [NaN]}', "NaN is not JSON"),
])
def test_json_beyond_the_bounds_is_400_before_any_work(client, tokens, text, words):
    assert words in assert_problem(post_raw(client, tokens, text), 400)["detail"]


@pytest.mark.parametrize("value", [1.5, "1", True])
def test_an_id_in_a_body_is_a_json_integer(client, tokens, value):
    response = client.post("/api/v1/notices", token=tokens["editor"],
                           json={**NOTICE, "article_ids": [value]})
    assert list(assert_problem(response, 422)["errors"]) == ["article_ids.0"]


def test_a_whole_number_written_with_a_point_is_an_integer_as_json_schema_says(client, tokens):
    response = client.post("/api/v1/tokens", token=tokens["admin"],
                           json={"role": "editor", "label": "七天", "expires_in_days": 7.0,
                                 "organization_ids": [1]})  # the tokens' own organisation
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("field", "value"), [
    ("category", "abc\n"), ("title", "公示\n"), ("issuer", "中国\t电子报"), ("title", "\x7f"),
    ("title", "\u0085")])
def test_a_control_character_in_one_line_text_is_422(client, tokens, field, value):
    response = client.post("/api/v1/notices", token=tokens["editor"],
                           json={**NOTICE, field: value})
    assert "control character" in assert_problem(response, 422)["errors"][field][0]


def test_text_of_several_lines_keeps_tabs_and_line_breaks(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"],
                           json={**NOTICE, "body": "第一行\r\n\t第二行"})
    assert response.status_code == 201, response.text
    assert response.json()["body"] == "第一行\r\n\t第二行"


@pytest.mark.parametrize(("window", "field"), [
    ({"start": "9999-12-31", "end": "9999-12-31"}, "window.end"),
    ({"start": "0001-01-01", "end": "0001-01-02"}, "window.start"),
    ({"opens_at": "9999-12-31T00:00:00-12:00", "closes_at": "9999-12-31T23:00:00-12:00"},
     "window.closes_at"),
    ({"opens_at": "0001-01-01T00:00:00+14:00", "closes_at": "0001-01-02T00:00:00+14:00"},
     "window.opens_at"),
])
def test_a_window_outside_the_calendar_is_422_naming_the_field(client, tokens, window, field):
    response = client.post("/api/v1/notices", token=tokens["editor"],
                           json={**NOTICE, "window": window})
    assert field in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_open_on_outside_the_calendar_is_422(client, day):
    response = client.get("/api/v1/notices", params={"open_on": day})
    assert list(assert_problem(response, 422)["errors"]) == ["open_on"]


def test_both_window_shapes_at_once_is_422_saying_so(client, tokens):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={**NOTICE, "window": {
        "start": "2024-01-26", "end": "2024-02-05", "closes_at": "2024-02-06T00:00:00+08:00"}})
    assert "not both" in assert_problem(response, 422)["errors"]["window._schema"][0]
