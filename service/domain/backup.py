"""Export and import the whole registry as versioned JSON Lines (tokens excluded): a consistent
snapshot that moves between SQLite and PostgreSQL without loss."""

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

from peewee import DatabaseError, DateField, DateTimeField

from service.domain import article_search as search
from service.domain.models import (
    Article,
    AuditEvent,
    Contact,
    Notice,
    NoticeArticle,
    Organization,
    RosterEntry,
    RosterPinyin,
)
from service.domain.roster import verify_rosters
from service.infra.cache import bump_data_version
from service.infra.clock import utcnow
from service.infra.db import database, is_sqlite
from service.migrations import LATEST, applied_version

FORMAT = "notice-registry-export"
# In dependency order; API tokens (and the organisations they act for) never leave the
# database, scheduler heartbeats are transient.
EXPORTED = (Organization, Notice, Contact, RosterEntry, RosterPinyin, Article, NoticeArticle,
            AuditEvent)
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
    """Write every exported table to `path` from one consistent snapshot, then a summary line
    with each table's row count and SHA-256 (over its lines as written); returns row counts."""
    counts, digests = {}, {}
    with database.atomic(), path.open("w", encoding="utf-8") as out:
        if not is_sqlite():  # SQLite's write-locked transaction is a snapshot already
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        header = {"format": FORMAT, "schema_version": LATEST, "exported_at": utcnow().isoformat(),
                  "tables": [model._meta.table_name for model in EXPORTED]}
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for model in EXPORTED:
            table = model._meta.table_name
            columns = [field.column_name for field in model._meta.sorted_fields]
            counts[table], digest = 0, hashlib.sha256()
            query = model.select(*model._meta.sorted_fields).order_by(
                *[field.asc() for field in _key_fields(model)]).tuples()
            for values in query.iterator():
                row = dict(zip(columns, map(_encode, values), strict=True))
                line = json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n"
                out.write(line)
                digest.update(line.encode())
                counts[table] += 1
            digests[table] = digest.hexdigest()
        out.write(json.dumps({"summary": {"counts": counts, "digests": digests}}) + "\n")
    return counts


def read_backup(path: Path):
    """Yields (table, row) of a dump in file order, checking as it goes that it is one of ours,
    of this schema version, with tables in dependency order, and — at the end — complete and
    unaltered (each table's count and digest as its summary line says)."""
    try:
        with path.open(encoding="utf-8") as lines:
            try:
                header = json.loads(next(lines, "{}"))
            except json.JSONDecodeError:
                header = {}
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise BackupError(f"{path} is not a {FORMAT} file")
            if header.get("schema_version") != LATEST:
                raise BackupError(f"{path} has schema version {header.get('schema_version')}, "
                                  f"this registry {LATEST}; use the matching release")
            order = [model._meta.table_name for model in EXPORTED]
            counts, digests = dict.fromkeys(order, 0), {t: hashlib.sha256() for t in order}
            position, summary = 0, None
            for number, line in enumerate(lines, start=2):
                record = json.loads(line)
                if summary is not None or "summary" in record:
                    if summary is not None:
                        raise BackupError(f"{path}: line {number} after the summary")
                    summary = record["summary"]
                    continue
                table = record["table"]
                if table not in order[position:]:
                    raise BackupError(f"{path}: line {number}: table {table!r} out of order")
                position = order.index(table)
                counts[table] += 1
                digests[table].update(line.encode())
                yield table, record["row"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is damaged: {type(error).__name__}: {error}") from None
    if summary is None:
        raise BackupError(f"{path} is incomplete: no summary line (export cut short?)")
    found = {"counts": counts, "digests": {t: d.hexdigest() for t, d in digests.items()}}
    if found != summary:
        bad = sorted(t for t in order if summary.get("counts", {}).get(t) != counts[t]
                     or summary.get("digests", {}).get(t) != found["digests"][t])
        raise BackupError(f"{path} does not match its summary (tables: {', '.join(bad)})")


def verify_backup(path: Path) -> dict[str, int]:
    """Read a dump through and check its counts and digests; returns row counts."""
    counts: dict[str, int] = {}
    for table, _ in read_backup(path):
        counts[table] = counts.get(table, 0) + 1
    return {model._meta.table_name: counts.get(model._meta.table_name, 0) for model in EXPORTED}


def import_from(path: Path) -> dict[str, int]:
    """Load a dump into an empty database migrated to the same schema version, keeping every
    id; all or nothing (a dump that fails its checks leaves the database as it was)."""
    version = applied_version()
    if version != LATEST:
        raise BackupError("the database has no schema; run init-db first" if version == 0 else
                          f"the database has schema version {version}, this release "
                          f"{LATEST}; run init-db first")
    models = {model._meta.table_name: model for model in EXPORTED}
    decoders = {name: _decoder(model) for name, model in models.items()}
    counts = dict.fromkeys(models, 0)
    try:
        with database.atomic():
            if any(model.select().exists() for model in models.values()):
                raise BackupError("the database is not empty; import into a fresh one")
            pending: list[dict] = []
            current = None
            for table, row in read_backup(path):
                if pending and (table != current or len(pending) >= BATCH):
                    _flush(models[current], pending)  # a table's parents are in before it
                current = table
                pending.append(decoders[table](row))
                counts[table] += 1
            _flush(models[current], pending)
            _after_import()
            altered = [notice_id for notice_id, ok in verify_rosters() if not ok]
            if altered:  # a dump edited by hand, its summary recomputed
                raise BackupError(f"{path}: the rosters of notices {altered} differ from the "
                                  "digests recorded when they were published; nothing imported")
            bump_data_version()  # servers already running on the empty database
    except (DatabaseError, ValueError) as error:
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"{path} could not be loaded ({type(error).__name__}: {error}); "
                          "nothing was imported") from None
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
    """Rebuild what is derived: PostgreSQL id sequences and the search's tables."""
    search.rebuild()
    if not is_sqlite():
        for model in EXPORTED:
            key = model._meta.primary_key
            if getattr(key, "field_type", None) == "AUTO":
                table, column = model._meta.table_name, key.column_name
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                    f"COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)")
