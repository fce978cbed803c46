"""export / import: a round trip SQLite → PostgreSQL → SQLite loses nothing."""

from datetime import date

import psycopg2
import pytest
from click.testing import CliRunner

from service import articles, create_app, notices
from service.db import database
from service.migrations import migrate
from service.models import Article, Notice
from tests.conftest import _with_database


def use(database_url: str):
    """Point the app (and the database proxy) at `database_url`, migrated."""
    app = create_app({"DATABASE_URL": database_url})
    with database.connection_context():
        migrate()
    return app


def run(app, *args: str) -> str:
    result = CliRunner().invoke(app.cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def restore_url(postgres_url):
    """An empty PostgreSQL database to restore into."""
    name = postgres_url.rsplit("/", 1)[1] + "_restore"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(postgres_url, name)
    database.close()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_round_trip_sqlite_postgres_sqlite_loses_nothing(tmp_path, restore_url):
    source = use(f"sqlite:///{tmp_path / 'source.db'}")
    run(source, "seed")
    with database.connection_context():
        notices.create_notice({"title": "草稿", "category": "test", "issuer": "测试",
                               "roster": [{"name": "張心怡", "credential_no": "110000123"}]},
                              "test", default_timezone="Asia/Shanghai", region="CN")
        article = articles.create_article({"title": "芯片新闻", "kind": "news", "source": "测试",
                                           "body": "核心芯片。",
                                           "published_on": date(2024, 2, 1),
                                           "notice_ids": [1]}, "test")
        articles.update_article(article, {"body": "显示面板取得突破。"}, "test")
    first, second, third = (tmp_path / f"{n}.jsonl" for n in (1, 2, 3))
    run(source, "export", str(first))

    target = use(restore_url)
    run(target, "import", str(first))
    run(target, "export", str(second))
    with database.connection_context():
        # Sequences continue after the imported ids.
        assert Notice.create(title="新", category="t", issuer="t", timezone="UTC").id == 3
    refused = CliRunner().invoke(target.cli, ["import", str(first)])
    assert refused.exit_code != 0 and "not empty" in refused.output

    again = use(f"sqlite:///{tmp_path / 'again.db'}")
    run(again, "import", str(second))
    run(again, "export", str(third))
    with database.connection_context():
        # The SQLite full-text index was rebuilt from the imported articles.
        from service import search
        found = Article.select().where(search.matches("显示面板"))
        assert [a.title for a in found] == ["芯片新闻"]

    def rows(path):
        return path.read_text(encoding="utf-8").splitlines()[1:]  # line 1 holds the export time

    assert rows(first) == rows(second) == rows(third)
    assert len(rows(first)) > 60
    assert "token" not in first.read_text(encoding="utf-8").split("\n")[0]
    assert '"table": "api_token"' not in first.read_text(encoding="utf-8")
