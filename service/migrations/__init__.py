"""Versioned schema migrations, applied in order by `init-db`, each once."""

from importlib import import_module

from peewee import fn

from ..db import database, is_sqlite
from ..models import SchemaVersion

# (version, module): each module has upgrade(db, is_sqlite). Append only; never edit one that has
# shipped. v1 creates the tables from the models, so later migrations must check before adding.
MIGRATIONS = [(1, "v0001_initial"), (2, "v0002_search_speed"), (3, "v0003_article_title_index"),
              (4, "v0004_roster_integrity"), (5, "v0005_article_grams")]
LATEST = MIGRATIONS[-1][0]

ADVISORY_LOCK_ID = 7_400_001  # serialises concurrent init-db runs on PostgreSQL


def applied_version() -> int:
    """The schema version of the connected database (0 when empty)."""
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    return SchemaVersion.select(fn.MAX(SchemaVersion.version)).scalar() or 0


def migrate() -> list[int]:
    """Apply every pending migration, each in its own transaction (so that one's locks are not
    held while the next builds an index); returns the versions applied (none if current)."""
    applied = []
    for version, module in MIGRATIONS:
        with database.atomic():
            if not is_sqlite():
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_ID,))
            SchemaVersion.create_table(safe=True)
            if version > applied_version():
                import_module(f"{__name__}.{module}").upgrade(database, is_sqlite())
                SchemaVersion.create(version=version)
                applied.append(version)
    return applied
