"""Articles publish too: `published_at` (null for a draft). Every article already there was public,
so each is marked published at the migration's time. The indexes a public search reads instead
of the wide rows (migration 5) hold published articles only, which is all a search reads; a
small partial index lists the drafts for staff."""

from datetime import UTC, datetime


def upgrade(db, is_sqlite: bool) -> None:
    if "published_at" not in [column.name for column in db.get_columns("article")]:
        kind = "DATETIME" if is_sqlite else "TIMESTAMP"
        db.execute_sql(f'ALTER TABLE "article" ADD COLUMN "published_at" {kind}')
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    db.execute_sql(f'UPDATE "article" SET "published_at" = {db.param} '
                   'WHERE "published_at" IS NULL', (now,))
    if is_sqlite:
        for name, columns in (("article_facets", "id, kind, region, published_on"),
                              ("article_published_on", "published_on")):
            db.execute_sql(f"DROP INDEX IF EXISTS {name}")
            db.execute_sql(f"CREATE INDEX {name} ON article ({columns}) "
                           "WHERE published_at IS NOT NULL")
    else:
        db.execute_sql("DROP INDEX IF EXISTS article_newest")
        db.execute_sql("CREATE INDEX article_newest ON article (published_on, id) "
                       "WHERE published_at IS NOT NULL")
    db.execute_sql("CREATE INDEX IF NOT EXISTS article_drafts ON article (id) "
                   "WHERE published_at IS NULL")
    db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
