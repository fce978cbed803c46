"""export / import / verify-backup: a round trip SQLite → PostgreSQL → SQLite loses nothing, at
any size; a damaged dump or an unprepared database is refused in one line, with nothing written."""

from datetime import date

import psycopg2
import pytest
from click.testing import CliRunner
from peewee import SQL

from service import create_app
from service.domain import articles, notices
from service.domain.models import Article, Notice, RosterEntry
from service.domain.organizations import ensure_organization
from service.domain.roster import verify_rosters
from service.infra.db import database
from service.migrations import migrate
from tests.conftest import _with_database


def use(database_url: str):
    """Point the app (and the database proxy) at `database_url`, migrated."""
    app = create_app({"DATABASE_URL": database_url})
    with database.connection_context():
        migrate()
    return app


def refused(app, *args: str) -> str:
    """The one line a refused command prints (exit code 1, no traceback)."""
    result = CliRunner().invoke(app.cli, list(args))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    return result.output


def run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
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
        testing = ensure_organization("测试", "test").id
        draft = notices.create_notice({"title": "草稿", "category": "test", "issuer": "测试",
                                       "organization_id": testing,
                                       "roster": [{"name": "張心怡",
                                                   "credential_no": "110000123"}]},
                                      "test", default_timezone="Asia/Shanghai", region="CN")
        article = articles.create_article({"title": "芯片新闻", "kind": "news", "source": "测试",
                                           "organization_id": testing,
                                           "body": "核心芯片。",
                                           "published_on": date(2024, 2, 1),
                                           "notice_ids": [draft.id]}, "test")
        articles.publish_article(article.id, "test")
        articles.update_article(article.id, {"body": "显示面板取得突破。", "reason": "更正"},
                                "test")
        articles.create_article({"title": "面板草稿", "kind": "news", "source": "测试",
                                 "organization_id": testing,
                                 "body": "显示面板草稿。", "published_on": date(2024, 2, 2)},
                                "test")
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
        from service.domain.article_search import match_sql
        found = Article.select().where(SQL(*match_sql("显示面板")))
        assert [a.title for a in found] == ["芯片新闻"]  # the draft is in no search index
        assert Article.get(Article.title == "面板草稿").published_at is None

    def rows(path):
        return path.read_text(encoding="utf-8").splitlines()[1:]  # line 1 holds the export time

    assert rows(first) == rows(second) == rows(third)
    assert len(rows(first)) > 60
    assert "token" not in first.read_text(encoding="utf-8").split("\n")[0]
    assert '"table": "api_token"' not in first.read_text(encoding="utf-8")


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
            "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")


def big_registry(size: int) -> None:
    """The seed plus a draft and a published notice whose rosters hold `size` names in all,
    two of them 王伟 of different papers."""
    names = [{"name": SURNAMES[i % len(SURNAMES)] + chr(0x4E00 + i // len(SURNAMES)),
              "organization": f"第{i % 97}报社", "credential_no": f"1100{i:010d}"}
             for i in range(size - 2)]
    names += [{"name": "王伟", "organization": "甲报", "credential_no": "11000011111111"},
              {"name": "王伟", "organization": "乙报", "credential_no": "11000022222222"}]
    settings = {"default_timezone": "Asia/Shanghai", "region": "CN"}
    testing = ensure_organization("测试", "test").id
    draft = notices.create_notice({"title": "大名单", "category": "test", "issuer": "测试",
                                   "organization_id": testing}, "test", **settings)
    notices.add_roster_entries(draft.id, names[: size // 2], "test")
    other = notices.create_notice(
        {"title": "大名单二", "category": "test", "issuer": "测试", "organization_id": testing,
         "window": {"start": date(2026, 1, 5), "end": date(2026, 1, 9)},
         "contacts": [{"number": "010-83138953", "label": "举报电话"}]}, "test", **settings)
    notices.add_roster_entries(other.id, names[size // 2:], "test")
    notices.publish_notice(other.id, "test", backdated=True)


def test_a_100k_registry_survives_export_and_import_both_ways(tmp_path, restore_url):
    source = use(f"sqlite:///{tmp_path / 'source.db'}")
    run(source, "seed")
    with database.connection_context():
        big_registry(100_000)
    first, second, third = (tmp_path / f"{n}.jsonl" for n in (1, 2, 3))
    run(source, "export", str(first))
    assert "is complete" in run(source, "verify-backup", str(first))

    target = use(restore_url)  # SQLite → PostgreSQL
    run(target, "import", str(first))
    run(target, "export", str(second))
    with database.connection_context():
        assert RosterEntry.select().count() == 100_000 + 22
        assert not [notice_id for notice_id, ok in verify_rosters() if not ok]
        assert Notice.create(title="新", category="t", issuer="t", timezone="UTC").id == 4

    again = use(f"sqlite:///{tmp_path / 'again.db'}")  # PostgreSQL → SQLite
    run(again, "import", str(second))
    run(again, "export", str(third))
    assert "published rosters match" in run(again, "verify-rosters")

    def rows(path):
        return path.read_text(encoding="utf-8").splitlines()[1:]  # line 1 holds the export time

    assert rows(first) == rows(second) == rows(third)


def test_import_needs_a_migrated_empty_database(tmp_path):
    source = use(f"sqlite:///{tmp_path / 'source.db'}")
    run(source, "seed")
    dump = tmp_path / "dump.jsonl"
    run(source, "export", str(dump))
    assert "not empty" in refused(source, "import", str(dump))

    bare = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'bare.db'}"})  # no init-db
    assert "run init-db first" in refused(bare, "import", str(dump))


def test_a_damaged_dump_is_refused_and_nothing_is_imported(tmp_path):
    source = use(f"sqlite:///{tmp_path / 'source.db'}")
    run(source, "seed")
    dump = tmp_path / "dump.jsonl"
    run(source, "export", str(dump))
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    cut, altered = tmp_path / "cut.jsonl", tmp_path / "altered.jsonl"
    cut.write_text("".join(lines[:-5]), encoding="utf-8")  # export cut short
    altered.write_text("".join(lines).replace("张心怡", "张新怡", 1), encoding="utf-8")

    assert "incomplete" in refused(source, "verify-backup", str(cut))
    assert "does not match" in refused(source, "verify-backup", str(altered))
    target = use(f"sqlite:///{tmp_path / 'target.db'}")
    assert "incomplete" in refused(target, "import", str(cut))
    assert "does not match" in refused(target, "import", str(altered))
    with database.connection_context():
        assert Notice.select().count() == 0 and RosterEntry.select().count() == 0
    run(target, "import", str(dump))  # the intact dump still loads


def test_export_lines_of_a_table_follow_its_parents(tmp_path):
    source = use(f"sqlite:///{tmp_path / 'source.db'}")
    run(source, "seed")
    with database.connection_context():
        big_registry(1_200)  # more pinyin rows than one import batch
    dump = tmp_path / "dump.jsonl"
    run(source, "export", str(dump))
    target = use(f"sqlite:///{tmp_path / 'target.db'}")
    assert "imported" in run(target, "import", str(dump))
