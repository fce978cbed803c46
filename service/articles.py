"""Articles printed beside notices, and their many-to-many links."""

from collections import Counter, defaultdict
from datetime import date

from peewee import SQL, fn

from . import audit, search, textsearch
from .cache import answer_cache
from .db import database, is_sqlite, locked
from .errors import NotFound
from .links import existing_ids, set_links
from .models import Article, Notice, NoticeArticle, utcnow

ARTICLE_FIELDS = ("title", "kind", "section", "byline", "region", "source", "published_on",
                  "page", "body")
ITEM_FIELDS = ("id", *ARTICLE_FIELDS, "created_at", "updated_at")  # all but the token columns
SNIPPET_CHARS = 60


def create_article(data: dict, actor: str) -> Article:
    with database.atomic():
        notice_ids = existing_ids(Notice, data.get("notice_ids", []), "notice_ids")
        article = Article(**audit.fresh_id(Article, "article"),
                          **{f: data[f] for f in ARTICLE_FIELDS if f in data})
        search.tokenize(article)
        article.save(force_insert=True)
        search.reindex(article)
        set_links(article=article, ids=notice_ids)
        audit.record("article.created", "article", article.id, actor,
                     changes={"fields": sorted(data)})
    return article


def update_article(article_id: int, data: dict, actor: str) -> Article:
    with database.atomic():
        article = lock_article(article_id)
        before = present_one(article)
        changed = [field for field in ARTICLE_FIELDS if field in data]
        for field in changed:
            setattr(article, field, data[field])
        if "notice_ids" in data:
            set_links(article=article,
                      ids=existing_ids(Notice, data["notice_ids"], "notice_ids"))
        after = present_one(article)
        changes = {k: [before[k], after[k]] for k in after
                   if before[k] != after[k] and k != "updated_at"}
        if not changes:  # nothing changed: nothing to record
            return article
        article.updated_at = utcnow()
        search.tokenize(article)
        article.save(only=[getattr(Article, field) for field in
                           [*changed, "updated_at", "title_tokens", "body_tokens"]])
        search.reindex(article)
        audit.record("article.updated", "article", article.id, actor, changes=changes)
    return article


def delete_article(article_id: int, actor: str) -> None:
    with database.atomic():
        article = lock_article(article_id)
        search.unindex(article.id)
        article.delete_instance()
        audit.record("article.deleted", "article", article.id, actor,
                     changes={"title": article.title})


def lock_article(article_id: int) -> Article:
    """The article, read and locked inside the current transaction (see db.locked)."""
    article = locked(Article.select().where(Article.id == article_id))
    if article is None:  # never there, or deleted meanwhile
        raise NotFound(f"No article {article_id}.")
    return article


def filtered(query, *, q: str | None = None, kind: str | None = None, region: str | None = None,
             from_: date | None = None, to: date | None = None):
    if q:
        condition = search.matches(q)
        # A query with nothing searchable in it (only punctuation, say) finds nothing.
        query = query.where(condition if condition is not None else SQL("1 = 0"))
    if kind:
        query = query.where(Article.kind == kind)
    if region:
        query = query.where(Article.region == region)
    if from_:
        query = query.where(Article.published_on >= from_)
    if to:
        query = query.where(Article.published_on <= to)
    return query


def ranking(q: str | None) -> list:
    """ORDER BY: with a query, title hits first; then newest first (the same on both databases)."""
    newest = [Article.published_on.desc(), Article.id.desc()]
    return [search.title_first(q), *newest] if q and search.matches(q) is not None else newest


def counts(query) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facets (counts by kind, region and year) of the filtered articles.

    One GROUP BY pass over all matches gives all four; facet keys are in code-point order."""
    year = (fn.substr(Article.published_on, 1, 4) if is_sqlite()
            else fn.to_char(Article.published_on, "YYYY"))
    grouped = (query.select(Article.kind, Article.region, year, fn.COUNT(Article.id))
               .order_by().group_by(Article.kind, Article.region, year).tuples())
    total, facets = 0, {"kind": Counter(), "region": Counter(), "year": Counter()}
    for kind, region, year_text, n in grouped:
        total += n
        for name, value in (("kind", kind), ("region", region), ("year", year_text)):
            if value is not None:
                facets[name][str(value)] += n
    return total, {name: dict(sorted(counter.items())) for name, counter in facets.items()}


def ranked_page(query, q: str | None, page: int, page_size: int) -> list[Article]:
    """One page of the filtered articles in ranked order.

    Only ids are sorted; the page's rows are then read without the token columns (three times
    the text)."""
    ranked = query.select(Article.id).order_by(*ranking(q)).paginate(page, page_size).tuples()
    ids = [article_id for (article_id,) in ranked]
    columns = [getattr(Article, field) for field in ITEM_FIELDS]
    rows = {a.id: a for a in Article.select(*columns).where(Article.id.in_(ids))} if ids else {}
    return [rows[article_id] for article_id in ids if article_id in rows]  # unless just deleted


def search_page(*, q: str | None = None, kind: str | None = None, region: str | None = None,
                from_: date | None = None, to: date | None = None, page: int = 1,
                page_size: int = 20, staff: bool = False, encode=None) -> dict:
    """A page of the matching articles (title hits first, then newest), with the total and the
    facets of all matches.

    The public's answers are cached until the data changes (staff see links to drafts) and
    shared between threads: callers must not modify them. `encode` as in AnswerCache.get."""

    def answer() -> dict:
        query = filtered(Article.select(), q=q, kind=kind, region=region, from_=from_, to=to)
        with search.index_scans():
            total, facets = counts(query)
            items = present(ranked_page(query, q, page, page_size), staff=staff, q=q)
        return {"items": items, "total": total, "page": page, "page_size": page_size,
                "facets": facets}

    key = None if staff else (q, kind, region, from_, to, page, page_size)
    return answer_cache("articles").get(key, lambda: (answer(), None), encode=encode)


def present(articles: list[Article], *, staff: bool, q: str | None = None) -> list[dict]:
    """API dicts; the public sees links to published notices only."""
    ids = [a.id for a in articles]
    links = defaultdict(list)
    query = NoticeArticle.select().join(Notice).where(NoticeArticle.article.in_(ids))
    if not staff:
        query = query.where(Notice.published_at.is_null(False))
    for link in query.order_by(NoticeArticle.notice):
        links[link.article_id].append(link.notice_id)
    items = []
    for article in articles:
        item = {field: getattr(article, field) for field in ITEM_FIELDS}
        item["notice_ids"] = links[article.id]
        if q:
            item["snippet"] = textsearch.snippet(article.body, q, SNIPPET_CHARS)
        items.append(item)
    return items


def present_one(article: Article, *, staff: bool = True) -> dict:
    return present([article], staff=staff)[0]
