"""First checks that the app answers over HTTP on both databases."""


def test_healthz_answers_without_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_migrated_schema(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
