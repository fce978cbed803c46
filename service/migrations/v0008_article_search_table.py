"""A narrow table of the published articles for the search, `article_search` (id, kind, region,
published_on, organization_id): the total, the facets and the ranking read these small rows
instead of the wide article rows (text, tokens, vectors). On PostgreSQL it also holds the full-text
vector, moved from `article` (its generated column and GIN index go), so that the heap rows a GIN
bitmap visits are small; on SQLite a second FTS5 table of the titles alone finds title hits
without reading the bodies' doclists. Filled set-based from the published articles; kept in step
by service.domain.article_search."""

SQLITE = [
    'CREATE TABLE "article_search" ('
    '"id" INTEGER NOT NULL PRIMARY KEY REFERENCES "article" ("id") ON DELETE CASCADE, '
    '"kind" VARCHAR(16) NOT NULL, "region" VARCHAR(64), "published_on" DATE NOT NULL, '
    '"organization_id" INTEGER)',
    'INSERT INTO "article_search" (id, kind, region, published_on, organization_id) '
    "SELECT id, kind, region, published_on, organization_id FROM article "
    "WHERE published_at IS NOT NULL ORDER BY id",
    # The rowid (the id) ends every SQLite index: this is (published_on, id).
    'CREATE INDEX "article_search_newest" ON "article_search" ("published_on")',
    # rowid = article.id, as article_fts.
    "CREATE VIRTUAL TABLE article_title_fts USING fts5(title, tokenize='unicode61')",
    "INSERT INTO article_title_fts (rowid, title) "
    "SELECT id, title_tokens FROM article WHERE published_at IS NOT NULL",
    "DROP INDEX IF EXISTS article_facets",
]

POSTGRES = [
    'CREATE TABLE "article_search" ('
    '"id" INTEGER NOT NULL PRIMARY KEY REFERENCES "article" ("id") ON DELETE CASCADE, '
    '"kind" VARCHAR(16) NOT NULL, "region" VARCHAR(64), "published_on" DATE NOT NULL, '
    '"organization_id" INTEGER, "search_vector" TSVECTOR NOT NULL)',
    # The vector as migration 1 generated it (copied, not computed again).
    'INSERT INTO "article_search" '
    "SELECT id, kind, region, published_on, organization_id, search_vector FROM article "
    "WHERE published_at IS NOT NULL ORDER BY id",
    "SET LOCAL maintenance_work_mem = '256MB'",
    'CREATE INDEX "article_search_match" ON "article_search" USING GIN ("search_vector")',
    'CREATE INDEX "article_search_newest" ON "article_search" ("published_on", "id")',
    "DROP INDEX IF EXISTS article_search_vector",
    'ALTER TABLE "article" DROP COLUMN IF EXISTS "search_vector"',
    "ANALYZE article_search",
]


def upgrade(db, is_sqlite: bool) -> None:
    for statement in SQLITE if is_sqlite else POSTGRES:
        db.execute_sql(statement)
    db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
