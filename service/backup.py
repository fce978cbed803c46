"""Export and import the whole registry as versioned JSON Lines (tokens excluded): a consistent
snapshot that moves between SQLite and PostgreSQL without loss."""

import json
from datetime import date, datetime
from pathlib import Path

from peewee import DateField, DateTimeField

from . import search
from .cache import bump_data_version
from .db import database, is_sqlite
from .migrations import LATEST
from .models import (
    Article,
    AuditEvent,
    Contact,
    Notice,
    NoticeArticle,
    RosterEntry,
    RosterPinyin,
    utcnow,
)

FORMAT = "notice-registry-export"
# In dependency order; API tokens never leave the database, scheduler heartbeats are transient.
EXPORTED = (Notice, Contact, RosterEntry, RosterPinyin, Article, NoticeArticle, AuditEvent)
BATCH = 1000


class BackupError(ValueError):
    pass


def _encode(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decoder(model):
    """Turns a row read from JSON back into the field types (dates and datetimes)."""
    parsers = {}
    for field in model._meta.sorted_fields:
        if isinstance(field, DateTimeField):
            parsers[field.column_name] = datetime.fromisoformat
        elif isinstance(field, DateField):
            parsers[field.column_name] = date.fromisoformat

    def decode(row: dict) -> dict:
        return {key: (parsers[key](value) if key in parsers and value is not None else value)
                for key, value in row.items()}

    return decode


def export_to(path: Path) -> dict[str, int]:
    """Write every exported table to `path` from one consistent snapshot; returns row counts."""
    counts = {}
    with database.atomic(), path.open("w", encoding="utf-8") as out:
        if not is_sqlite():  # SQLite's write-locked transaction is a snapshot already
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        header = {"format": FORMAT, "schema_version": LATEST, "exported_at": utcnow().isoformat(),
                  "tables": [model._meta.table_name for model in EXPORTED]}
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for model in EXPORTED:
            table = model._meta.table_name
            columns = [field.column_name for field in model._meta.sorted_fields]
            counts[table] = 0
            query = model.select(*model._meta.sorted_fields).order_by(
                *[field.asc() for field in _key_fields(model)]).tuples()
            for values in query.iterator():
                row = dict(zip(columns, map(_encode, values), strict=True))
                out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
                counts[table] += 1
    return counts


def import_from(path: Path) -> dict[str, int]:
    """Load an export into an empty, migrated database, keeping every id; all or nothing."""
    with path.open(encoding="utf-8") as lines:
        header = json.loads(next(lines, "{}"))
        if header.get("format") != FORMAT:
            raise BackupError(f"{path} is not a {FORMAT} file")
        if header.get("schema_version") != LATEST:
            raise BackupError(f"export has schema version {header.get('schema_version')}, "
                              f"this registry {LATEST}; use the matching release")
        models = {model._meta.table_name: model for model in EXPORTED}
        decoders = {name: _decoder(model) for name, model in models.items()}
        counts = dict.fromkeys(models, 0)
        with database.atomic():
            if any(model.select().exists() for model in models.values()):
                raise BackupError("the database is not empty; import into a fresh one")
            pending: dict[str, list[dict]] = {name: [] for name in models}
            for line in lines:
                record = json.loads(line)
                table = record["table"]
                pending[table].append(decoders[table](record["row"]))
                counts[table] += 1
                if len(pending[table]) >= BATCH:
                    _flush(models[table], pending[table])
            for name, rows in pending.items():
                _flush(models[name], rows)
            _after_import()
            bump_data_version()  # servers already running on the empty database
    return counts


def _flush(model, rows: list[dict]) -> None:
    if rows:
        model.insert_many(rows).execute()
        rows.clear()


def _key_fields(model):
    key = model._meta.primary_key
    return [model._meta.fields[name] for name in key.field_names] if hasattr(
        key, "field_names") else [key]


def _after_import() -> None:
    """Rebuild what is derived: PostgreSQL id sequences and the SQLite full-text index."""
    for article in Article.select():
        search.reindex(article)
    if not is_sqlite():
        for model in EXPORTED:
            key = model._meta.primary_key
            if getattr(key, "field_type", None) == "AUTO":
                table, column = model._meta.table_name, key.column_name
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                    f"COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)")
