"""Article search with 3- and 4-character gram lanes (service.domain.textsearch.index_tokens): every
article's token columns are made again and the full-text index rebuilt. On PostgreSQL the GIN
indexes are dropped while the rows change and built again after, which is faster than updating
them row by row.

And the indexes a search reads instead of the wide article rows: on SQLite a covering index of
what the total and the facets need (the rows' pages hold their text); on both, publication date
then id, the ranking's order, so that a common word's page is found after a few rows."""

from psycopg2.extras import execute_values

from service.domain import textsearch

BATCH = 500


def upgrade(db, is_sqlite: bool) -> None:
    if not is_sqlite:
        db.execute_sql("DROP INDEX IF EXISTS article_search_vector")
        db.execute_sql("DROP INDEX IF EXISTS article_title_tokens")
    last_id = 0
    while True:
        rows = db.execute_sql(f"SELECT id, title, body FROM article WHERE id > {db.param} "
                              f"ORDER BY id LIMIT {BATCH}", (last_id,)).fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        tokens = [(article_id, textsearch.index_tokens(title), textsearch.index_tokens(body))
                  for article_id, title, body in rows]
        cursor = db.cursor()
        if is_sqlite:
            cursor.executemany("UPDATE article SET title_tokens = ?, body_tokens = ? WHERE id = ?",
                               [(title, body, article_id) for article_id, title, body in tokens])
        else:
            execute_values(cursor, "UPDATE article SET title_tokens = v.title, "
                           "body_tokens = v.body FROM (VALUES %s) AS v (id, title, body) "
                           "WHERE article.id = v.id", tokens, page_size=BATCH)
    if is_sqlite:
        # The same table as migration 1 made, filled again from the new tokens.
        db.execute_sql("DROP TABLE IF EXISTS article_fts")
        db.execute_sql(
            "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, tokenize='unicode61')")
        db.execute_sql("INSERT INTO article_fts (rowid, title, body) "
                       "SELECT id, title_tokens, body_tokens FROM article")
    else:
        db.execute_sql("CREATE INDEX article_search_vector ON article USING GIN (search_vector)")
        db.execute_sql("CREATE INDEX article_title_tokens "
                       "ON article USING GIN (to_tsvector('simple', title_tokens))")
    if is_sqlite:
        db.execute_sql("CREATE INDEX IF NOT EXISTS article_facets "
                       "ON article (id, kind, region, published_on)")
    else:  # SQLite's article_published_on already ends with the rowid, which is the id
        db.execute_sql("CREATE INDEX IF NOT EXISTS article_newest ON article (published_on, id)")
        # Fresh statistics for the new tokens (the planner's choice between the GIN bitmap and the
        # date index depends on them); VACUUM, which cannot run in a transaction, is left to the
        # operator or autovacuum.
        db.execute_sql("ANALYZE article")
    db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
