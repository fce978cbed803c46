"""Full-text search over articles, the same on SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""

from collections.abc import Iterator
from contextlib import contextmanager

from service.domain import textsearch
from service.domain.models import Article
from service.infra.db import database, is_sqlite


def raw_sql(condition) -> str:
    """A condition on Article (such as Article.public()) as raw SQL on unaliased `article` rows,
    for the search's hand-written queries; it must take no parameters."""
    context = database.get_sql_context()
    with context.scope_values():
        context.sql(condition)
    sql, params = context.query()
    assert not params, sql
    return sql


def tokenize(article: Article) -> None:
    """Fill the article's token columns from its text (before saving)."""
    article.title_tokens = textsearch.index_tokens(article.title)
    article.body_tokens = textsearch.index_tokens(article.body)


def reindex(article: Article) -> None:
    """Bring the SQLite index in step with a saved published article (PostgreSQL's column is
    generated). The SQLite index holds published articles only: a draft is found by no search,
    and a search's `highest_ids` bound counts public matches."""
    if is_sqlite():
        unindex(article.id)
        database.execute_sql(
            "INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)",
            (article.id, article.title_tokens, article.body_tokens),
        )


def unindex(article_id: int) -> None:
    if is_sqlite():
        database.execute_sql("DELETE FROM article_fts WHERE rowid = ?", (article_id,))


def match_sql(query: str, *, title_only: bool = False,
              highest_ids: int | None = None) -> tuple[str, list] | None:
    """A raw SQL condition on `article` rows: the article contains the query (as phrases), with
    its parameters; None if nothing is searchable. Through the full-text indexes on both.

    With `highest_ids`, SQLite may leave out all but that many matches with the highest ids (its
    index then stops reading there); the caller orders by id and limits to as many."""
    if is_sqlite():
        expression = textsearch.fts5_match(query, "title" if title_only else None)
        if expression is None:
            return None
        limit = f" ORDER BY rowid DESC LIMIT {int(highest_ids)}" if highest_ids else ""
        return f"id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH ?{limit})", [
            expression]
    expression = textsearch.tsquery(query)
    if expression is None:
        return None
    # The title's own index (migration 3), not the weighted search_vector, for title hits.
    vector = "to_tsvector('simple', title_tokens)" if title_only else "search_vector"
    return f"{vector} @@ to_tsquery('simple', %s)", [expression]


def id_order(query: str | None) -> str:
    """ORDER BY term for the matches' ids. PostgreSQL would walk the primary key for it and test
    each row, de-TOASTing its search_vector (2.3 s for 发展 at 100,000 articles, against 0.8 s
    through the GIN bitmap and a sort): `id + 0` is no index's order."""
    return "id + 0" if query and not is_sqlite() else "id"


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
