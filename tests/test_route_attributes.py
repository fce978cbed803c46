"""What a route may do (its upload size, whether it needs the database, its rate limits) follows
its view, whatever the view's endpoint is called: the same views registered under other names
behave the same."""

import uuid

from service import create_app
from service.infra.limits import PUBLIC, SEARCH
from tests.builders import post_notice
from tests.conftest import serve
from tests.processes import free_port

TWO_MIB_CSV = "name\n赵六\n".encode() + b"\n" * (2 * 1024 * 1024)  # blank lines are skipped


def renamed(app, endpoint: str, rule: str, **options):
    """Register the view of `endpoint` again, under another endpoint name and URL."""
    app.add_url_rule(rule, endpoint=f"renamed_{uuid.uuid4().hex[:8]}",
                     view_func=app.view_functions[endpoint], **options)


def test_a_renamed_import_still_takes_uploads_over_one_mebibyte(app, database_url, tokens):
    renaming = create_app({"DATABASE_URL": database_url, "PUBLIC_RATE_LIMIT": "1000/minute"})
    renamed(renaming, "roster.import_roster", "/elsewhere/<id:notice_id>/load", methods=["POST"])
    renamed(renaming, "notices.Notices", "/elsewhere/notices", methods=["GET", "POST"])
    with serve(renaming) as client:
        notice = post_notice(client, tokens,
                             {"title": "改名", "category": "test", "issuer": "测试"})
        loaded = client.post(f"/elsewhere/{notice['id']}/load", token=tokens["editor"],
                             files={"file": ("r.csv", TWO_MIB_CSV, "text/csv")})
        assert loaded.status_code == 201, loaded.text
        assert loaded.json()["imported"] == 1
        # Any other route, renamed or not, keeps the 1 MiB limit.
        too_large = client.post("/elsewhere/notices", token=tokens["editor"],
                                data=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                                headers={"Content-Type": "application/json"})
        assert too_large.status_code == 413


def test_renamed_health_and_metrics_still_answer_without_the_database():
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    renaming = create_app({"DATABASE_URL": unreachable, "RATELIMIT_STORAGE_URI": "memory://"})
    renamed(renaming, "health.healthz", "/alive")
    renamed(renaming, "health.metrics_view", "/numbers")
    with serve(renaming) as client:
        assert client.get("/readyz").status_code == 503  # the database is down indeed
        assert client.get("/api/v1/notices").status_code == 503
        alive = client.get("/alive")
        assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
        assert client.get("/numbers").status_code == 200
        assert client.get("/static/site.css").status_code == 200


def test_renamed_public_routes_keep_their_limits(app, database_url, tokens):
    renaming = create_app({"DATABASE_URL": database_url, PUBLIC: "3/minute",
                           SEARCH: "2/minute", "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    renamed(renaming, "names.Names", "/other-names")
    renamed(renaming, "pages.check", "/other-check")
    renamed(renaming, "notices.Notices", "/other-notices")
    with serve(renaming) as client:
        # The public count is the client's, on every route that has it, whatever its name.
        assert client.get("/api/v1/names?q=刘东").status_code == 200
        assert client.get("/other-names?q=刘东").status_code == 200
        assert client.get("/other-check?name=刘东").status_code == 200
        refused = client.get("/other-names?q=刘东")
        assert refused.status_code == 429
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert client.get("/other-check?name=刘东").status_code == 429
        # Listing notices is not limited; searching them is, under any name.
        assert client.get("/other-notices").status_code == 200
        assert client.get("/other-notices?q=公示").status_code == 429
        # Staff are not counted, on renamed routes either.
        assert client.get("/other-names?q=刘东", token=tokens["editor"]).status_code == 200


def test_every_public_search_documents_and_applies_a_rate_limit(client):
    spec = client.get("/openapi.json").json()
    limited, searches = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method != "get" or "security" in operation:
                continue
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "q" in parameters:
                searches.add(path)
            if "429" in operation["responses"]:
                limited.add(path)
    assert searches == {"/api/v1/names", "/api/v1/search", "/api/v1/articles",
                        "/api/v1/notices", "/api/v1/notices/{notice_id}/roster",
                        "/api/v1/organizations"}
    assert searches <= limited
    assert "/api/v1/notices/{notice_id}" not in limited  # reading one notice stays free
