"""Creating notices through the API for tests; each test file keeps its own data."""


def post_notice(client, tokens, payload: dict, *, publish: bool = False,
                role: str = "editor") -> dict:
    """POST a notice as `role` (201 expected); with `publish`, publish it too (200 expected)."""
    response = client.post("/api/v1/notices", json=payload, token=tokens[role])
    assert response.status_code == 201, response.text
    notice = response.json()
    if publish:
        response = client.post(f"/api/v1/notices/{notice['id']}/publish",
                               token=tokens["publisher"], json={"backdated": True})
        assert response.status_code == 200, response.text
        notice = response.json()
    return notice
