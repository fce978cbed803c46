"""PostgreSQL: each article_search row gets a second vector, `phrase_vector`, whose lexemes are the
pieces of 5 to 8 CJK characters of its article's indexed text (and its title's again, marked),
with a GIN index: a query of that length is one lexeme, found through the index alone, instead of
a phrase of 4-grams checked against each candidate's stored vector (see
textsearch.LONGEST_PHRASE). Filled from the articles' text; SQLite's index holds positions and
needs none. Answers do not change: the cached ones stay."""


def upgrade(db, is_sqlite: bool) -> None:
    if is_sqlite:
        return
    from service.domain.article_search import fill_phrases

    db.execute_sql("ALTER TABLE article_search ADD COLUMN IF NOT EXISTS phrase_vector TSVECTOR "
                   "NOT NULL DEFAULT ''")
    fill_phrases(db)
    db.execute_sql("SET LOCAL maintenance_work_mem = '256MB'")
    db.execute_sql('CREATE INDEX IF NOT EXISTS "article_search_phrase" ON "article_search" '
                   'USING GIN ("phrase_vector")')
    db.execute_sql("ANALYZE article_search")
