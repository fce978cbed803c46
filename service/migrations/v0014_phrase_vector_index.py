"""PostgreSQL: the GIN indexes of article_search's vectors, the full-text one again and the phrase
one (migration 13 filled the phrase vectors, writing every row again, and dropped the other)."""


def upgrade(db, is_sqlite: bool) -> None:
    if is_sqlite:
        return
    db.execute_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for index, column in (("article_search_match", "search_vector"),
                          ("article_search_phrase", "phrase_vector")):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{index}" ON "article_search" '
                       f'USING GIN ("{column}")')
    db.execute_sql("ANALYZE article_search")
