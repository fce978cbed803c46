"""The first schema: notices, contacts, rosters, articles and their links, tokens, audit,
and the article full-text index (FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL)."""

from ..models import TABLES


def upgrade(db, is_sqlite: bool) -> None:
    db.create_tables(TABLES)
    if is_sqlite:
        # rowid = article.id; kept in step by service.articles on every write.
        db.execute_sql(
            "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, tokenize='unicode61')"
        )
    else:
        db.execute_sql(
            "ALTER TABLE article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title_tokens), 'A') || "
            "setweight(to_tsvector('simple', body_tokens), 'B')) STORED"
        )
        db.execute_sql("CREATE INDEX article_search_vector ON article USING GIN (search_vector)")
