"""An article's body is indexed up to 15,000 tokens (textsearch.INDEXED_TOKENS): a longer one
could not be published on PostgreSQL (a vector over 1 MB) and found phrases past position 16,383
on SQLite only. Those articles' bodies are indexed again within the bound (a long run of CJK
characters is cut to what all its lanes hold, not the stored tokens to their first 15,000: that
kept a long run's 2-grams only), and their search rows filled again."""

BOUND = 15_000


def upgrade(db, is_sqlite: bool) -> None:
    from service.domain.textsearch import index_tokens

    param = db.param
    # Every token is at least one character and a space: fewer than 2 × BOUND characters hold
    # fewer tokens than the bound.
    long_ones = db.execute_sql("SELECT id, body, body_tokens, published_at IS NOT NULL "
                               f"FROM article WHERE length(body_tokens) >= {2 * BOUND}").fetchall()
    bounded = 0
    for article_id, body, tokens, published in long_ones:
        if len(tokens.split(" ")) <= BOUND:
            continue
        db.execute_sql(f"UPDATE article SET body_tokens = {param} WHERE id = {param}",
                       (index_tokens(body), article_id))
        bounded += 1
        if not published:
            continue
        if is_sqlite:
            db.execute_sql(f"DELETE FROM article_fts WHERE rowid = {param}", (article_id,))
            db.execute_sql("INSERT INTO article_fts (rowid, title, body) SELECT id, "
                           f"title_tokens, body_tokens FROM article WHERE id = {param}",
                           (article_id,))
        else:
            db.execute_sql("UPDATE article_search SET search_vector = "
                           "setweight(to_tsvector('simple', a.title_tokens), 'A') || "
                           "setweight(to_tsvector('simple', a.body_tokens), 'B') "
                           f"FROM article a WHERE a.id = article_search.id AND a.id = {param}",
                           (article_id,))
    if bounded:  # phrase searches can answer otherwise: no cached answer may outlive this
        db.execute_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
