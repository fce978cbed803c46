"""PostgreSQL: each article_search row gets a second vector, `phrase_vector`, whose lexemes are the
pieces of 5 to 8 CJK characters that consecutive 4-grams of its article's index tokens spell (and
its title's again, marked: textsearch.phrase_lexemes), with a GIN index (migration 14): a query of
that length is one lexeme, found through the index alone, instead of a phrase of 4-grams checked
against each candidate's stored vector. SQLite's index holds positions and needs none. Answers do
not change: the cached ones stay.

Every row is written again, so the full-text vector's GIN index is dropped first and built anew by
migration 14 with the phrase vectors' own, once this transaction's earlier row versions are dead:
built here, it would hold every lexeme twice (52 → 91 MB at 10,000 articles), and kept through the
update, three times."""

BATCH = 200


def upgrade(db, is_sqlite: bool) -> None:
    if is_sqlite:
        return
    from service.domain.textsearch import phrase_lexemes

    db.execute_sql('DROP INDEX IF EXISTS "article_search_match"')
    db.execute_sql("ALTER TABLE article_search ADD COLUMN IF NOT EXISTS phrase_vector TSVECTOR "
                   "NOT NULL DEFAULT ''")
    last = 0
    # Both sides bounded by the last id: a merge join walked article_search from its start for
    # every batch.
    while rows := db.execute_sql("SELECT a.id, a.title_tokens, a.body_tokens FROM article a "
                                 "JOIN article_search s ON s.id = a.id "
                                 "WHERE a.id > %s AND s.id > %s ORDER BY a.id LIMIT %s",
                                 (last, last, BATCH)).fetchall():
        db.execute_sql("UPDATE article_search SET phrase_vector = "
                       "array_to_tsvector(string_to_array(given.lexemes, ' ')) "
                       "FROM unnest(%s::int[], %s::text[]) AS given (id, lexemes) "
                       "WHERE article_search.id = given.id",
                       ([article_id for article_id, _, _ in rows],
                        [" ".join(phrase_lexemes(title, body)) for _, title, body in rows]))
        last = rows[-1][0]
