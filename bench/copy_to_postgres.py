"""Copy a generated SQLite registry into an empty, migrated PostgreSQL database, row for row.

Generating the national-scale data set through the domain functions takes 4 minutes on SQLite and
20 or more on PostgreSQL (each article's search vector is computed by the server, one transaction
per batch); a copy takes about two and gives both databases the very same rows, ids included.
The article search's own table (article_search, migration 8) is filled again from the copied
articles, as service.domain.article_search fills it.

    .venv/bin/python -m bench.copy_to_postgres bench/out/registry.db postgresql://…/bench_registry
"""

import argparse
import csv
import io
import sqlite3
import sys
import time

import psycopg2

from service.domain import article_search
from service.infra.db import database, open_database

# In the order their foreign keys need; the FTS5 tables, the scheduler's registrations and the
# schema version (init-db wrote it) are not copied.
TABLES = ("organization", "api_token", "token_organization", "article", "notice", "contact",
          "notice_article", "roster_entry", "roster_pinyin", "audit_event")
CHUNK = 50_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def copied_columns(target, table: str) -> list[str]:
    with target.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,))
        return [name for (name,) in cursor.fetchall()]


def copy_table(source, target, table: str) -> int:
    """The rows the target lacks: those past its highest id (all of them into an empty table)."""
    columns = copied_columns(target, table)
    with target.cursor() as cursor:
        cursor.execute(f"SELECT {'max(id)' if 'id' in columns else 'count(*)'} FROM {table}")
        (present,) = cursor.fetchone()
    if "id" not in columns and present:
        return 0
    past = " WHERE id > ?" if "id" in columns else ""
    rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}{past}",
                          (present or 0,) if past else ())
    count = 0
    while chunk := rows.fetchmany(CHUNK):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(chunk)
        buffer.seek(0)
        with target.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)",
                               buffer)
        count += len(chunk)
    if "id" in columns:
        with target.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT coalesce(max(id), 1) FROM {table}))")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sqlite_file")
    parser.add_argument("postgres_url")
    parser.add_argument("--tables", default=",".join(TABLES),
                        help="these only (a table is copied in parts by id: the articles can go "
                             "while the generator still writes the notices)")
    args = parser.parse_args(argv)
    source = sqlite3.connect(f"file:{args.sqlite_file}?mode=ro", uri=True)
    target = psycopg2.connect(args.postgres_url)
    started = time.perf_counter()
    with target:
        with target.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM notice")
            if cursor.fetchone()[0]:
                sys.exit("the database already holds notices: give an empty, migrated one")
        for table in (t for t in TABLES if t in args.tables.split(",")):
            log(f"{table}: {copy_table(source, target, table):,} rows")
        version = source.execute("SELECT version FROM data_version").fetchone()[0]
        with target.cursor() as cursor:
            cursor.execute("UPDATE data_version SET version = %s", (version,))
    if "article" in args.tables.split(","):
        database.initialize(open_database(args.postgres_url))
        with database.connection_context(), database.atomic():
            article_search.rebuild()
        log("article_search filled from the articles")
    target.autocommit = True
    with target.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"copied and analyzed in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
