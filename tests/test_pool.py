"""PostgreSQL's connection pool: no liveness round trip when a request takes a connection, and a
pooled connection the server has dropped is replaced at its first statement."""

import psycopg2
import pytest

from service.infra.db import database
from tests.builders import post_notice

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
