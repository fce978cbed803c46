"""Full-text search over articles, the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from collections.abc import Iterator
from contextlib import contextmanager

from service.domain import textsearch
from service.domain.models import Article
from service.infra.db import database, is_sqlite


def condition_sql(condition) -> tuple[str, list]:
    """A condition on a model (such as Article.public()) as raw SQL on its unaliased table's
    rows, with its parameters, for the search's hand-written queries."""
    context = database.get_sql_context()
    with context.scope_values():
        context.sql(condition)
    return context.query()


def raw_sql(condition) -> str:
    """condition_sql of a condition that takes no parameters."""
    sql, params = condition_sql(condition)
    assert not params, sql
    return sql


def tokenize(article: Article) -> None:
    """Fill the article's token columns from its text (before saving)."""
    article.title_tokens = textsearch.index_tokens(article.title)
    article.body_tokens = textsearch.index_tokens(article.body)


# The search reads `article_search` (migration 8): one narrow row per published article, and on
# PostgreSQL its full-text vector and its phrase vector (migration 13); on SQLite the FTS5 tables
# article_fts (title and body) and article_title_fts (title), whose rowid is the article's id.
# Each is filled from the article rows' index tokens: all of them (rebuild), or one (reindex).
_SQLITE_FILL = {
    "article_search": "INSERT INTO article_search (id, kind, region, published_on, "
                      "organization_id) SELECT id, kind, region, published_on, organization_id "
                      "FROM article WHERE published_at IS NOT NULL",
    "article_fts": "INSERT INTO article_fts (rowid, title, body) "
                   "SELECT id, title_tokens, body_tokens FROM article "
                   "WHERE published_at IS NOT NULL",
    "article_title_fts": "INSERT INTO article_title_fts (rowid, title) "
                         "SELECT id, title_tokens FROM article WHERE published_at IS NOT NULL",
}
# On PostgreSQL the articles given with their phrase lexemes (computed in Python, a lexeme holds no
# space), each row written once: written twice, its every lexeme would enter the GIN index twice.
_POSTGRES_FILL = (
    "INSERT INTO article_search (id, kind, region, published_on, organization_id, search_vector, "
    "phrase_vector) SELECT a.id, kind, region, published_on, organization_id, "
    "setweight(to_tsvector('simple', title_tokens), 'A') || "
    "setweight(to_tsvector('simple', body_tokens), 'B'), "
    "array_to_tsvector(string_to_array(given.lexemes, ' ')) "
    "FROM article a JOIN unnest(%s::int[], %s::text[]) AS given (id, lexemes) ON given.id = a.id "
    "WHERE a.published_at IS NOT NULL")
POSTGRES_BATCH = 200


def _fill_postgres(articles: list[tuple[int, str, str]]) -> None:
    """(id, title_tokens, body_tokens) of articles: their rows, if published."""
    database.execute_sql(_POSTGRES_FILL, (
        [article_id for article_id, _, _ in articles],
        [" ".join(textsearch.phrase_lexemes(title, body)) for _, title, body in articles]))


def _tables() -> list[str]:
    return list(_SQLITE_FILL) if is_sqlite() else ["article_search"]


def _id_column(table: str) -> str:
    return "id" if table == "article_search" else "rowid"


def rebuild() -> None:
    """Fill the search's tables again from every published article (after a bulk load, or a
    copy of the article rows made outside the domain such as bench/copy_to_postgres.py)."""
    for table in _tables():
        database.execute_sql(f"DELETE FROM {table}")
    if is_sqlite():
        for fill in _SQLITE_FILL.values():
            database.execute_sql(fill)
        return
    last = 0
    while articles := database.execute_sql(
            "SELECT id, title_tokens, body_tokens FROM article WHERE published_at IS NOT NULL "
            "AND id > %s ORDER BY id LIMIT %s", (last, POSTGRES_BATCH)).fetchall():
        _fill_postgres(articles)
        last = articles[-1][0]


def reindex(article: Article) -> None:
    """Bring the search's tables in step with a saved article: a published one is found as it
    now reads, a draft by no search."""
    unindex(article.id)
    if is_sqlite():
        for fill in _SQLITE_FILL.values():
            database.execute_sql(f"{fill} AND id = ?", (article.id,))
    else:
        _fill_postgres([(article.id, article.title_tokens, article.body_tokens)])


def unindex(article_id: int) -> None:
    for table in _tables():
        database.execute_sql(f"DELETE FROM {table} WHERE {_id_column(table)} = "
                             f"{database.param}", (article_id,))


def match_sql(query: str, *, title_only: bool = False) -> tuple[str, list] | None:
    """A raw SQL condition on `article_search` rows: the article (with `title_only`, its
    title) contains the query (as phrases), with its parameters; None if nothing is
    searchable. Through the full-text indexes on both (PostgreSQL's title-only test of a run
    of other than 5–8 CJK characters reads each row's vector: see title_hits_sql for listing
    title hits)."""
    if is_sqlite():
        expression = textsearch.fts5_match(query)
        if expression is None:
            return None
        table = "article_title_fts" if title_only else "article_fts"
        return f"id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)", [expression]
    phrases, groups = textsearch.postgres_terms(query)
    clauses, params = [], []
    if groups:
        clauses.append("search_vector @@ to_tsquery('simple', %s)")
        params.append(textsearch.groups_tsquery(groups, weight="A" if title_only else None))
    if phrases and groups:
        # Beside the other vector's condition, the phrases' articles are read alone through their
        # index and given as a list: in one statement the planner may check them as a filter,
        # reading each candidate's phrase vector, when it guesses the other matches few rows (2
        # for `micro & led`, which 9,138 articles hold: 300 ms).
        clauses.append("id = ANY(%s)")
        params.append(sorted(_ids(f"SELECT id FROM article_search WHERE {_HAS_PHRASES}", [
            textsearch.phrase_tsquery(phrases, in_title=title_only)])))
    elif phrases:
        clauses.append(_HAS_PHRASES)
        params.append(textsearch.phrase_tsquery(phrases, in_title=title_only))
    return ("(" + " AND ".join(clauses) + ")", params) if clauses else None


_HAS_PHRASES = "phrase_vector @@ CAST(%s AS tsquery)"


def newest_matches_sql(query: str) -> tuple[str, str, str, list] | None:
    """(FROM, condition, ORDER BY term for the highest ids first, parameters) reading the
    `article_search` rows that match the query, to which the caller adds its filters and a
    LIMIT; None if nothing is searchable. On SQLite the full-text index is read newest id first
    and stops once the LIMIT is reached, filters or not; on PostgreSQL the GIN bitmap is read
    whole and sorted (`id + 0`: walking the primary key would test each row, de-TOASTing its
    search_vector: 2.3 s for 发展 at 100,000 wide article rows, against 0.8 s)."""
    if is_sqlite():
        expression = textsearch.fts5_match(query)
        if expression is None:
            return None
        return ("article_fts CROSS JOIN article_search ON article_search.id = article_fts.rowid",
                "article_fts MATCH ?", "article_fts.rowid DESC", [expression])
    found = match_sql(query)
    return ("article_search", found[0], "id + 0 DESC", found[1]) if found else None


# On PostgreSQL, a word in more titles than this has its title hits listed by walking the
# articles newest first (20 of them lie within the newest ~500 at 100,000 articles); in fewer,
# by reading them all. Each way costs at most ~60 ms at 100,000 articles.
FEW_TITLE_HITS = 4_000


def _few_title_hits(in_title: str, expression: str) -> bool:
    return database.execute_sql(f"SELECT count(*) FROM (SELECT 1 FROM article WHERE {in_title} "
                                f"LIMIT {FEW_TITLE_HITS + 1}) AS hits",
                                [expression]).fetchone()[0] <= FEW_TITLE_HITS


def title_hits_sql(query: str, *, newest_page: bool = False) -> tuple[str, str, list] | None:
    """(table, condition, parameters) that list the published articles whose title contains
    the query, through an index of titles alone: on SQLite article_search rows and
    article_title_fts; on PostgreSQL article rows (which have the same filter columns) and
    their titles' GIN index (migration 3), or for a `newest_page` of a word in few titles
    article_search rows among those hits; for a query holding a phrase (postgres_terms)
    article_search rows, through their phrase vectors' index. None if nothing is searchable."""
    if is_sqlite():
        found = match_sql(query, title_only=True)
        return ("article_search", *found) if found else None
    phrases, groups = textsearch.postgres_terms(query)
    in_title = "to_tsvector('simple', title_tokens) @@ to_tsquery('simple', %s)"
    if phrases:  # their title lexemes, through the phrase vectors' index
        condition, params = _HAS_PHRASES, [textsearch.phrase_tsquery(phrases, in_title=True)]
        if groups:
            # The other runs through the titles' index, each list read alone and intersected
            # here: in one statement the planner may probe each title hit of the other runs and
            # read its phrase vector, a filter it cannot price.
            hits = _ids(f"SELECT id FROM article_search WHERE {condition}", params).intersection(
                _ids(f"SELECT id FROM article WHERE {in_title}",
                     [textsearch.groups_tsquery(groups)]))
            return "article_search", "id = ANY(%s)", [sorted(hits)]
        if newest_page:
            # Read them all through the index, then sort: walking the articles newest first would
            # read each one's phrase vector (237 ms for 省科学技术厅 at 100,000, against 8 ms).
            condition = f"id = ANY(ARRAY(SELECT id FROM article_search WHERE {condition}))"
        return "article_search", condition, params
    if not groups:
        return None
    expression = textsearch.groups_tsquery(groups)
    if newest_page and _few_title_hits(in_title, expression):
        # Read them all through the index, then sort: the planner would rather walk the articles
        # newest first computing each one's title vector (80 µs a row), thousands of rows for a
        # word in few titles (372 ms for 体系 at 100,000 articles, against 29 ms).
        return ("article_search", f"id = ANY(ARRAY(SELECT id FROM article WHERE {in_title}))",
                [expression])
    return ("article", f"{raw_sql(Article.public())} AND {in_title}", [expression])


def _ids(sql: str, params: list) -> set[int]:
    return {article_id for (article_id,) in database.execute_sql(sql, params)}


def indexed_by(index: str) -> str:
    """SQLite's INDEXED BY clause for `index` (PostgreSQL's planner needs no telling)."""
    return f" INDEXED BY {index}" if is_sqlite() else ""


@contextmanager
def index_scans() -> Iterator[None]:
    """For a search's queries: on PostgreSQL, one transaction that avoids sequential scans."""
    if is_sqlite():
        yield  # no transaction: reads need none, and an IMMEDIATE one would lock out writers
        return
    with database.atomic():
        # For a common word the planner picks a sequential scan and evaluates the match on every
        # row, de-TOASTing each one's large search_vector, a cost it does not price: 1.1 s for
        # 发展 at 100,000 articles, against 0.1 s through the GIN bitmap.
        database.execute_sql("SET LOCAL enable_seqscan = off")
        yield
