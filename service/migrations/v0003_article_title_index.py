"""PostgreSQL: a full-text index of article titles alone, so that ranking title hits first reads
it instead of de-TOASTing every match's whole weighted search_vector (SQLite's FTS5 table already
matches its title column alone)."""


def upgrade(db, is_sqlite: bool) -> None:
    if not is_sqlite:
        db.execute_sql("CREATE INDEX IF NOT EXISTS article_title_tokens "
                       "ON article USING GIN (to_tsvector('simple', title_tokens))")
