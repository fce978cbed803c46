"""PostgreSQL's connection pool: no liveness round trip when a request takes a connection, a
pooled connection the server has dropped is replaced at its first statement, and the statements
prepared on a connection are prepared again on its replacement."""

import psycopg2
import pytest

from service.domain.namecheck import _check_name
from service.infra.clock import utcnow
from service.infra.db import database
from tests.builders import post_notice
from tests.test_names_api import make_notice

NOTICE = {"title": "核验人员名单公示", "category": "press_credential_verification",
          "issuer": "中国电子报", "window": {"start": "2024-01-26", "end": "2024-02-05"},
          "contacts": [{"number": "010-83138953"}]}


@pytest.fixture
def database_url(postgres_url):
    """These tests are about PostgreSQL's pool: the app runs on PostgreSQL only (no SQLite
    variants to skip; outside CI without TEST_POSTGRES_URL, postgres_url skips)."""
    return postgres_url


@pytest.fixture
def postgres_url_of_app(database_url):
    return database_url


def drop_every_connection(database_url: str) -> int:
    """What a server restart does to the pool: every backend of the database is terminated."""
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        (dropped,) = cursor.fetchone()
    admin.close()
    return dropped


def test_taking_a_dropped_connection_costs_no_round_trip_and_it_is_replaced(
        app, postgres_url_of_app):
    with database.connection_context():
        database.execute_sql("SELECT 1")
        pooled = database.connection()
    assert drop_every_connection(postgres_url_of_app) >= 1

    with database.connection_context():
        # Taking it from the pool asked the server nothing, so the dead connection came back...
        assert database.connection() is pooled
        # ...and its first statement failed over to a new one.
        assert database.execute_sql("SELECT 41 + 1").fetchone() == (42,)
        assert database.connection() is not pooled
    with database.connection_context():
        assert database.execute_sql("SELECT 1").fetchone() == (1,)


def test_first_requests_after_a_restart_succeed(app, client, tokens, postgres_url_of_app):
    for _ in range(3):  # several pooled connections
        assert client.get("/api/v1/notices").status_code == 200
    drop_every_connection(postgres_url_of_app)
    assert client.get("/api/v1/names", params={"q": "张心怡"}).status_code == 200

    drop_every_connection(postgres_url_of_app)
    notice = post_notice(client, tokens, NOTICE)  # a write: its transaction's BEGIN fails over
    assert client.get(f"/api/v1/notices/{notice['id']}", token=tokens["editor"]).status_code == 200


def test_a_failing_statement_on_a_live_connection_is_not_sent_again(app, postgres_url_of_app):
    with database.connection_context():
        database.execute_sql("SELECT 1")
    with database.connection_context():
        pooled = database.connection()
        with pytest.raises(Exception, match="division by zero"):
            database.execute_sql("SELECT 1 / 0")
        assert database.connection() is pooled


# --- The name check's statements are prepared once per connection (infra/db.Prepared) -------

def test_a_check_on_a_connection_the_server_dropped_prepares_its_statement_again(
        app, client, tokens, database_url):
    make_notice(client, tokens, title="公示", roster=["张心怡", "章新宜"])
    now = utcnow()
    with app.app_context(), database.connection_context():
        first = _check_name("张心怡", now, None, None)
        assert database.execute_sql("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
    drop_every_connection(database_url)

    with app.app_context(), database.connection_context():
        # Its first statement runs a statement the dropped connection had prepared.
        assert _check_name("张心怡", now, None, None) == first
    assert first[0]["totals"] == {"exact": 1, "variant": 0, "pinyin": 1}
