"""Migrations build the same schema on every run, whatever the models have become since.

tests/migration_schemas.json holds the schemas as the database reports them, dumped with
`schema_of` below: "v1" from migration 1 as it ran at commit 3a52a57 (the last commit before
migration 2), "v3" from migrations 1-3 at commit 51a0f4f and "v4" from migrations 1-4 at commit
f3ed3e1, both before migration 1 was frozen as SQL; "v6" from migrations 1-6 as migration 6
(organisations) shipped, "v7", "v8", "v9", "v12", "v13" and "v14" likewise. PostgreSQL's part is as
PostgreSQL 15 words index and default definitions."""

import json
from datetime import date
from pathlib import Path

import pytest
from peewee import TextField

from service import create_app
from service.domain import articles, models
from service.domain.organizations import ensure_organization
from service.domain.textsearch import index_tokens
from service.infra.cache import bump_data_version
from service.infra.clock import utcnow
from service.infra.db import database, is_sqlite
from service.migrations import MIGRATIONS, applied_version, migrate
from service.migrations.v0002_search_speed import REDUNDANT_INDEXES
from tests.builders import check, post_notice

SCHEMAS = json.loads((Path(__file__).parent / "migration_schemas.json").read_text())


def schema_of(db) -> dict:
    """Every table's columns, indexes and constraints, as the database itself reports them."""
    return _sqlite_schema(db) if is_sqlite() else _postgres_schema(db)


def _rows(db, sql: str, params=()) -> list[list]:
    return [list(row) for row in db.execute_sql(sql, params).fetchall()]


def _sqlite_schema(db) -> dict:
    schema = {}
    for name, sql in _rows(db, "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                               "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        indexes = []
        for _, index, unique, origin, _ in _rows(db, f'PRAGMA index_list("{name}")'):
            columns = [column for _, _, column in _rows(db, f'PRAGMA index_info("{index}")')]
            indexes.append([index, unique, origin, columns])
        foreign_keys = _rows(db, f'PRAGMA foreign_key_list("{name}")')
        schema[name] = {
            "columns": [row[1:] for row in _rows(db, f'PRAGMA table_info("{name}")')],
            "indexes": sorted(indexes),
            "foreign_keys": sorted(row[2:] for row in foreign_keys),
            **({"virtual": sql} if sql.startswith("CREATE VIRTUAL") else {}),
        }
    return schema


def _postgres_schema(db) -> dict:
    schema = {}
    for (name,) in _rows(db, "SELECT table_name FROM information_schema.tables "
                             "WHERE table_schema = 'public' ORDER BY table_name"):
        schema[name] = {
            "columns": _rows(db, "SELECT column_name, data_type, character_maximum_length, "
                                 "is_nullable, column_default, generation_expression "
                                 "FROM information_schema.columns WHERE table_schema = 'public' "
                                 "AND table_name = %s ORDER BY ordinal_position", (name,)),
            "indexes": _rows(db, "SELECT indexname, indexdef FROM pg_indexes "
                                 "WHERE schemaname = 'public' AND tablename = %s "
                                 "ORDER BY indexname", (name,)),
            "constraints": _rows(db, "SELECT conname, pg_get_constraintdef(oid) "
                                     "FROM pg_constraint WHERE conrelid = %s::regclass "
                                     "ORDER BY conname", (name,)),
        }
    return schema


def dialect() -> str:
    return "sqlite" if is_sqlite() else "postgres"


@pytest.mark.parametrize("version", [3, 4, 6, 7, 8, 9, 12, 13, 14])
def test_migrations_build_the_schema_they_always_built(empty_db, version):
    assert migrate(up_to=version) == [v for v, _ in MIGRATIONS if v <= version]

    assert schema_of(empty_db) == SCHEMAS[f"v{version}"][dialect()]


def test_migration_1_builds_the_first_schema(empty_db):
    assert migrate(up_to=1) == [1]

    assert schema_of(empty_db) == SCHEMAS["v1"][dialect()]


@pytest.mark.parametrize("version", [1, 3])
def test_migrations_ignore_fields_and_tables_added_to_the_models_later(empty_db, monkeypatch,
                                                                       version):
    class AddedLater(models.BaseModel):
        note = TextField()

    monkeypatch.setattr(models, "TABLES", [*models.TABLES, AddedLater])
    changed = (models.Notice, models.DataVersion, models.SchemaVersion)
    for model in changed:
        model._meta.add_field("added_later", TextField(null=True, index=True))
    try:
        migrate(up_to=version)
    finally:
        for model in changed:
            model._meta.remove_field("added_later")
            delattr(model, "added_later")

    schema = schema_of(empty_db)
    assert "added_later" not in [column[0] for column in schema["notice"]["columns"]]
    assert schema == SCHEMAS[f"v{version}"][dialect()]


def test_later_migrations_upgrade_a_database_made_by_the_old_migration_1(empty_db):
    # Before it was frozen, migration 1 built the tables from the models of its day; from
    # 91f0f71 on those no longer declared the three indexes that migration 2 drops.
    migrate(up_to=1)
    for index in REDUNDANT_INDEXES:
        empty_db.execute_sql(f"DROP INDEX {index}")

    assert migrate(up_to=4) == [2, 3, 4]

    assert applied_version() == 4
    assert schema_of(empty_db) == SCHEMAS["v4"][dialect()]


def test_migration_7_publishes_the_articles_already_there(empty_database_url):
    """A registry from before drafts: its articles were public, and stay public and found."""
    app = create_app({"DATABASE_URL": empty_database_url, "TESTING": True})
    with app.app_context(), database.connection_context():
        migrate(up_to=5)
        param = database.param
        for title in ("集成电路大会", "超高清视频产业"):
            database.execute_sql(
                "INSERT INTO article (title, kind, source, published_on, body, title_tokens, "
                f"body_tokens, created_at, updated_at) VALUES ({', '.join([param] * 9)})",
                (title, "news", "中国电子报", "2024-01-26", "正文。", index_tokens(title),
                 index_tokens("正文。"), "2024-01-26 08:00:00", "2024-01-26 08:00:00"))
        if is_sqlite():
            database.execute_sql("INSERT INTO article_fts (rowid, title, body) "
                                 "SELECT id, title_tokens, body_tokens FROM article")
        before = utcnow()

        assert migrate() == [v for v, _ in MIGRATIONS if v > 5]  # 7, and any merged since
        if is_sqlite():  # the date index holds published articles only
            partial = {row[1]: row[4] for row in _rows(database, 'PRAGMA index_list("article")')}
            assert partial["article_published_on"] == 1

        rows = list(models.Article.select().order_by(models.Article.id))
        assert [row.published_at is not None and row.published_at >= before.replace(
            microsecond=0) for row in rows] == [True, True]
        assert [item["title"] for item in articles.search_page(q="集成电路")["items"]] == [
            "集成电路大会"]
        assert articles.search_page()["total"] == 2
        assert articles.search_page(kind="news")["facets"]["kind"] == {"news": 2}
        created = articles.create_article({"title": "集成电路草稿", "kind": "news",
                                           "source": "测试", "published_on": date(2024, 2, 1),
                                           "organization_id": ensure_organization("测试",
                                                                                  "test").id},
                                          "test")
        assert articles.search_page(q="集成电路")["total"] == 1  # a draft is in no search
        articles.publish_article(created.id, "test")
        assert articles.search_page(q="集成电路")["total"] == 2
        assert migrate() == []
    database.close_all()


def test_migration_10_reads_stored_names_pinyin_one_character_at_a_time(client, tokens):
    """单于思东's keys were read with pypinyin's phrases (于思 as yu sai): re-keyed, so that every
    reading of its characters finds it, as it finds a name added since; other names are kept."""
    post_notice(client, tokens, {
        "title": "核验人员名单公示", "category": "test", "issuer": "中国电子报",
        "window": {"start": "2024-01-26", "end": "2024-02-05", "timezone": "Asia/Shanghai"},
        "contacts": [{"number": "010-83138953", "label": "举报电话"}],
        "roster": [{"name": "单于思东"}, {"name": "张心怡"}]}, publish=True)
    with database.connection_context():
        param = database.param
        [(entry_id,)] = database.execute_sql(
            f"SELECT id FROM roster_entry WHERE name = {param}", ("单于思东",)).fetchall()
        database.execute_sql(f"DELETE FROM roster_pinyin WHERE entry_id = {param}", (entry_id,))
        for key in ("chanyusidong", "chanyusaidong", "danyusaidong", "shanyusaidong"):
            database.execute_sql(f"INSERT INTO roster_pinyin (entry_id, key) VALUES ({param}, "
                                 f"{param})", (entry_id, key))
        database.execute_sql("DELETE FROM schema_version WHERE version >= 10")
        bump_data_version()
        assert check(client, "shanyusidong")["matches"] == []
        others = sorted(database.execute_sql(
            f"SELECT entry_id, key FROM roster_pinyin WHERE entry_id <> {param}",
            (entry_id,)).fetchall())

        assert migrate() == since(10)

        keys = database.execute_sql(f"SELECT key FROM roster_pinyin WHERE entry_id = {param}",
                                    (entry_id,)).fetchall()
        assert sorted(key for (key,) in keys) == ["chanyusidong", "danyusidong", "shanyusidong"]
        assert sorted(database.execute_sql(
            f"SELECT entry_id, key FROM roster_pinyin WHERE entry_id <> {param}",
            (entry_id,)).fetchall()) == others
    assert [m["name"] for m in check(client, "shanyusidong")["matches"]] == ["单于思东"]
    assert [m["name"] for m in check(client, "单于斯东")["matches"]] == ["单于思东"]


def since(version: int) -> list[int]:
    """The migrations a database applies once its ledger is cut back to before `version`."""
    return [number for number, _ in MIGRATIONS if number >= version]


def found(client, q: str) -> int:
    return client.get("/api/v1/articles", params={"q": q}).json()["total"]


def test_migration_11_bounds_a_long_articles_stored_tokens(client, tokens):
    """An article indexed before the bound kept every token (SQLite found a phrase from its end):
    its tokens are cut to the bound and its search rows filled again; a short one is left."""
    filler = "。".join(chr(0x4E00 + i) + chr(0x4E01 + i) + chr(0x4E02 + i) for i in range(4_000))
    created = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "长篇报告", "kind": "news", "published_on": "2024-01-26",
        "body": filler + "。篇末镕镪锳锴锵"})
    client.post(f"/api/v1/articles/{created.json()['id']}/publish", token=tokens["publisher"])
    with database.connection_context():
        param = database.param
        article_id = created.json()["id"]
        full = " ".join(index_tokens(part) for part in (filler, "篇末镕镪锳锴锵"))
        database.execute_sql(f"UPDATE article SET body_tokens = {param} WHERE id = {param}",
                             (full, article_id))
        if is_sqlite():
            database.execute_sql(f"UPDATE article_fts SET body = {param} WHERE rowid = {param}",
                                 (full, article_id))
        database.execute_sql("DELETE FROM schema_version WHERE version >= 11")
        bump_data_version()
        if is_sqlite():
            assert found(client, "镕镪锳锴锵") == 1

        assert migrate() == since(11)

        [(stored,)] = database.execute_sql(
            f"SELECT body_tokens FROM article WHERE id = {param}", (article_id,)).fetchall()
        assert stored == index_tokens(filler + "。篇末镕镪锳锴锵")
        assert len(stored.split(" ")) == 15_000
    assert found(client, "镕镪锳锴锵") == 0
    assert found(client, chr(0x4E00) + chr(0x4E01)) == 1


def test_a_migrated_database_is_left_alone(empty_db):
    migrate(up_to=3)

    assert migrate(up_to=3) == []
    assert schema_of(empty_db) == SCHEMAS["v3"][dialect()]
