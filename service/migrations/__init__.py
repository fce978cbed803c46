"""Versioned schema migrations, applied in order by `init-db`, each once."""

from peewee import fn

from service.domain.models import SchemaVersion
from service.infra.db import database, is_sqlite
from service.migrations import (
    v0001_initial,
    v0002_search_speed,
    v0003_article_title_index,
    v0004_roster_integrity,
    v0005_article_grams,
    v0006_organizations,
    v0007_article_publication,
    v0008_article_search_table,
    v0009_name_check_indexes,
    v0010_pinyin_by_character,
    v0011_indexed_tokens_bound,
    v0012_variant_key_index_holds_entry,
    v0013_phrase_vector,
    v0014_phrase_vector_index,
)

# (version, module): each module has upgrade(db, is_sqlite). Append only; never edit one that has
# shipped. Each writes out its own DDL instead of reading service/domain/models.py, so that what a
# migration does stays what it did the day it shipped, whatever the models become. Until v1 was
# frozen it built the tables from the models of its day, so a database it made may already have
# what a later migration adds: check first (IF NOT EXISTS, get_columns).
MIGRATIONS = [(1, v0001_initial), (2, v0002_search_speed), (3, v0003_article_title_index),
              (4, v0004_roster_integrity), (5, v0005_article_grams), (6, v0006_organizations),
              (7, v0007_article_publication),
              (8, v0008_article_search_table), (9, v0009_name_check_indexes),
              (10, v0010_pinyin_by_character), (11, v0011_indexed_tokens_bound),
              (12, v0012_variant_key_index_holds_entry),
              (13, v0013_phrase_vector), (14, v0014_phrase_vector_index)]
LATEST = MIGRATIONS[-1][0]

ADVISORY_LOCK_ID = 7_400_001  # serialises concurrent init-db runs on PostgreSQL
# The ledger of applied versions (models.SchemaVersion), written out like the migrations.
LEDGER = ('CREATE TABLE IF NOT EXISTS "schema_version" '
          '("version" INTEGER NOT NULL PRIMARY KEY, "applied_at" {} NOT NULL)')
LEDGER_BY_SQLITE = {True: LEDGER.format("DATETIME"), False: LEDGER.format("TIMESTAMP")}


def applied_version() -> int:
    """The schema version of the connected database (0 when empty)."""
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 0


def migrate(up_to: int = LATEST) -> list[int]:
    """Apply every pending migration up to version `up_to`, each in its own transaction (so that
    one's locks are not held while the next builds an index); returns the versions applied (none
    if current)."""
    applied = []
    for version, module in MIGRATIONS:
        if version > up_to:
            break
        with database.atomic():
            if not is_sqlite():
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_ID,))
            database.execute_sql(LEDGER_BY_SQLITE[is_sqlite()])
            if version > applied_version():
                module.upgrade(database, is_sqlite())
                SchemaVersion.create(version=version)
                applied.append(version)
    return applied
