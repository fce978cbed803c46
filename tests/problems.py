"""What every error answer is: application/problem+json (RFC 9457) with its status in the body."""

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int, *fields: str) -> dict:
    """An application/problem+json answer with `status`, a title and a detail, whose `errors`
    name each of `fields`; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    body = response.json()
    assert PROBLEM_KEYS <= body.keys(), body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    for field in fields:
        assert field in body.get("errors", {}), body
    return body
