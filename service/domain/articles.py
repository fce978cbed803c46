"""Articles printed beside notices, and their many-to-many links."""

import heapq
from collections import Counter, defaultdict
from datetime import date
from operator import itemgetter

from service.domain import article_search as search
from service.domain import audit, organizations, textsearch
from service.domain.errors import Conflict, Forbidden, Invalid, NotFound
from service.domain.links import existing_ids, set_links
from service.domain.models import Article, Notice, NoticeArticle
from service.domain.notices import lock_notice
from service.infra.cache import answer_cache
from service.infra.clock import utcnow
from service.infra.db import database, locked, placeholders

ARTICLE_FIELDS = ("title", "kind", "section", "byline", "region", "source", "published_on",
                  "page", "body")
ITEM_FIELDS = ("id", *ARTICLE_FIELDS, "organization_id", "created_at", "updated_at",
               "published_at")  # all but the token columns
SNIPPET_CHARS = 60


def create_article(data: dict, actor: str) -> Article:
    """A new draft of the caller's organisation (or `organization_id` of the data, when the
    caller acts for it): seen by staff only, in no search, until publish_article. Its links go
    to draft notices the caller sees (a published notice links published articles only)."""
    with database.atomic():
        organization_id = organizations.organization_for_new(data.get("organization_id"))
        notice_ids = existing_ids(Notice, data.get("notice_ids", []), "notice_ids",
                                  organizations.visible_notices())
        _lock_draft_notices(set(notice_ids))
        article = Article(**audit.fresh_id(Article, "article"), organization=organization_id,
                          **{f: data[f] for f in ARTICLE_FIELDS if f in data})
        if "source" not in data:  # printed by its organisation unless said otherwise
            article.source = organizations.get_organization(organization_id).name
        search.tokenize(article)
        article.save(force_insert=True)
        set_links(article=article, ids=notice_ids)
        audit.record("article.created", "article", article.id, actor,
                     organization_id=organization_id,
                     changes={"fields": sorted(data)})
    return article


def update_article(article_id: int, data: dict, actor: str, *, may_correct: bool = True
                   ) -> Article:
    """Edit a draft, or correct a published article (then `reason` is required and kept, with
    the earlier values); `may_correct` says whether the caller may correct (403 if it was
    published meanwhile)."""
    with database.atomic():
        article = lock_article(article_id)
        is_correction = article.published_at is not None
        if is_correction and not may_correct:
            raise Forbidden("The article was published meanwhile; correcting it needs the "
                            "publisher role.")
        if is_correction and "reason" not in data:
            raise Invalid("reason", "required", "required to correct a published article")
        wanted = None
        if "notice_ids" in data:
            wanted = existing_ids(Notice, data["notice_ids"], "notice_ids",
                                  organizations.visible_notices())
            _lock_draft_notices(set(wanted) ^ linked_notice_ids(article.id))
        before = present_one(article)  # read once every notice it touches is locked
        changed = [field for field in ARTICLE_FIELDS if field in data]
        for field in changed:
            setattr(article, field, data[field])
        if wanted is not None:
            set_links(article=article, ids=wanted)
        after = present_one(article)
        changes = {k: [before[k], after[k]] for k in after
                   if before[k] != after[k] and k != "updated_at"}
        if not changes:  # nothing changed: nothing to record
            return article
        article.updated_at = utcnow()
        search.tokenize(article)
        article.save(only=[getattr(Article, field) for field in
                           [*changed, "updated_at", "title_tokens", "body_tokens"]])
        if is_correction:  # drafts are in no search index
            search.reindex(article)
            changes["reason"] = data["reason"]
        audit.record("article.corrected" if is_correction else "article.updated",
                     "article", article.id, actor, changes=changes,
                     organization_id=article.organization_id)
    return article


def publish_article(article_id: int, actor: str) -> Article:
    """Make a draft public: it enters the search, the pages and the notices' article lists."""
    with database.atomic():
        article = lock_article(article_id)
        if article.published_at is not None:
            raise Conflict("The article is already published.")
        article.published_at = article.updated_at = utcnow()
        article.save(only=[Article.published_at, Article.updated_at])
        search.reindex(article)
        audit.record("article.published", "article", article.id, actor,
                     changes={"published_at": article.published_at},
                     organization_id=article.organization_id)
    return article


def delete_article(article_id: int, actor: str) -> None:
    """Remove a draft with its links; a published article stays forever (it is corrected)."""
    with database.atomic():
        article = lock_article(article_id)
        if article.published_at is not None:
            raise Conflict("A published article is never deleted; correct it instead "
                           "(PATCH with a reason).")
        _lock_draft_notices(linked_notice_ids(article.id))
        article.delete_instance()
        audit.record("article.deleted", "article", article.id, actor,
                     organization_id=article.organization_id,
                     changes={"title": article.title})


def linked_notice_ids(article_id: int) -> set[int]:
    return {notice_id for (notice_id,) in NoticeArticle.select(NoticeArticle.notice)
            .where(NoticeArticle.article == article_id).tuples()}


def _lock_draft_notices(notice_ids: set[int]) -> None:
    """An article's links change only to drafts: the notices whose links would change are locked
    as publication locks them (in id order), and a published one refuses — the articles beside
    a published notice change only through its correction (PATCH with a reason), on its trail."""
    for notice_id in sorted(notice_ids):
        if lock_notice(notice_id).published_at is not None:
            raise Conflict(f"Notice {notice_id} is published: the articles beside it change only "
                           "through a correction of the notice (PATCH it with a reason).")


def lock_article(article_id: int) -> Article:
    """The article, read and locked inside the current transaction (see db.locked), when the
    caller acts for its organisation (organizations.check_own). Every write to an article
    starts here."""
    article = locked(Article.select().where(Article.id == article_id))
    if article is None:  # never there, or deleted meanwhile
        raise NotFound("article", f"No article {article_id}.")
    organizations.check_own(article.organization_id, is_draft=article.published_at is None,
                            what="article", detail=f"article {article_id}")
    return article


def get_article(article_id: int, *, public_only: bool = False) -> Article:
    """The article as its reader may see it: the caller (staff see their organisations' drafts
    too), or with `public_only` anyone (what is published)."""
    seen = Article.public() if public_only else organizations.visible(Article)
    article = Article.select().where((Article.id == article_id) & seen).first()
    if article is None:
        raise NotFound("article", f"No article {article_id}.")
    return article


# A search counts its matches exactly up to this many, and says "at least" beyond (as
# Elasticsearch's track_total_hits), so that a common word costs no more than a rare one.
TOTAL_BOUND = 10_000


def _conditions(q: str | None, kind: str | None, region: str | None, from_: date | None,
                to: date | None, organization: int | None = None) -> tuple[str, list]:
    """The filters as a raw SQL condition on `article_search` rows (published articles: a search
    never reads a draft), and its parameters. Without q, the condition holds on `article` rows
    too."""
    param = database.param
    clauses, params = ["1 = 1"], []
    if q:
        found = search.match_sql(q)
        # A query with nothing searchable in it (only punctuation, say) finds nothing.
        clauses.append(found[0] if found else "1 = 0")
        params += found[1] if found else []
    for column, operator, value in (("kind", "=", kind), ("region", "=", region),
                                    ("organization_id", "=", organization),
                                    ("published_on", ">=", from_), ("published_on", "<=", to)):
        if value:
            clauses.append(f"{column} {operator} {param}")
            params.append(value.isoformat() if isinstance(value, date) else value)
    return " AND ".join(clauses), params


def _newest_matches(q, kind, region, from_, to, organization) -> list[tuple]:
    """(id, kind, region, published_on, organization_id) of the matches with the highest ids,
    TOTAL_BOUND + 1 at most, read from the narrow rows of `article_search`."""
    filtered, params = _conditions(None, kind, region, from_, to, organization)
    source, order = "article_search", "id DESC"
    if q:
        found = search.newest_matches_sql(q)
        if found is None:  # nothing searchable
            return []
        source, condition, order, match_params = found
        filtered, params = f"{condition} AND {filtered}", match_params + params
    return database.execute_sql(
        "SELECT article_search.id, kind, region, published_on, organization_id "
        f"FROM {source} WHERE {filtered} ORDER BY {order} LIMIT {TOTAL_BOUND + 1}",
        params).fetchall()


def _facets(matches: list[tuple]) -> dict:
    """Counts by kind, region and year (keys in code-point order), and by organisation (its id
    and name, most matches first)."""
    # Counted by value in C (Counter over itemgetter), then folded per distinct value.
    kinds, regions, dates, owners = (Counter(map(itemgetter(i), matches)) for i in (1, 2, 3, 4))
    years = Counter()
    for published_on, count in dates.items():
        years[str(published_on)[:4]] += count
    regions.pop(None, None)
    owners.pop(None, None)
    counted = {name: dict(sorted(counter.items()))
               for name, counter in (("kind", kinds), ("region", regions), ("year", years))}
    counted["organization"] = organizations.facet(owners)
    return counted


def _title_hits(q: str | None, filters: tuple) -> set[int]:
    """The ids of the filtered published articles whose title holds the query (all of them
    matches)."""
    found = search.title_hits_sql(q) if q else None
    if found is None:
        return set()
    table, condition, params = found
    filtered, filter_params = _conditions(None, *filters)
    return {article_id for (article_id,) in database.execute_sql(
        f"SELECT id FROM {table} WHERE {filtered} AND {condition}", filter_params + params)}


def _ranked_in_memory(matches: list[tuple], title_hits: set[int], offset: int,
                      size: int) -> list[int]:
    """Ids of one page of `matches` (all of them): title hits first, then newest first."""
    newest = lambda m: (m[3], m[0])  # noqa: E731
    in_title = [m for m in matches if m[0] in title_hits]
    ranked = heapq.nlargest(offset + size, in_title, key=newest)
    if len(ranked) < offset + size:
        rest = [m for m in matches if m[0] not in title_hits]
        ranked += heapq.nlargest(offset + size - len(ranked), rest, key=newest)
    return [m[0] for m in ranked[offset:offset + size]]


def _ranked_through_the_index(q: str | None, filters: tuple, offset: int,
                              size: int) -> list[int]:
    """Ids of one page, title hits first, then newest first, read newest first through the
    publication-date index: for a common word the page is found after a few rows."""
    newest = " WHERE {} ORDER BY published_on DESC, id DESC LIMIT {} OFFSET {}"
    where, params = _conditions(q, *filters)
    title = search.title_hits_sql(q, newest_page=True) if q else None
    ids, title_count = [], 0
    if title:
        table, condition, title_params = title
        filtered, filter_params = _conditions(None, *filters)
        title_where, title_params = f"{filtered} AND {condition}", filter_params + title_params
        ids = [i for (i,) in database.execute_sql(
            f"SELECT id FROM {table}{search.indexed_by('article_search_newest')}"
            + newest.format(title_where, size, offset), title_params)]
        if len(ids) == size:
            return ids
        title_count = offset + len(ids) if ids else database.execute_sql(
            f"SELECT count(*) FROM {table} WHERE {title_where}", title_params).fetchone()[0]
        in_title = search.match_sql(q, title_only=True)
        where, params = f"{where} AND NOT ({in_title[0]})", params + in_title[1]
    rest = database.execute_sql(
        f"SELECT id FROM article_search{search.indexed_by('article_search_newest')}"
        + newest.format(where, size - len(ids), max(0, offset - title_count)), params)
    return ids + [i for (i,) in rest]


# Each item column's field, whose python_value converts it as peewee's queries do.
_ITEM_COLUMNS = [Article._meta.columns[field] for field in ITEM_FIELDS]


def _read(ids: list[int]) -> list[dict]:
    """The articles of `ids`, in that order, as {field: value} of ITEM_FIELDS (without the token
    columns, three times the text). Plain SQL: peewee's query builder and model rows cost
    several times the statement."""
    if not ids:
        return []
    cursor = database.execute_sql(f"SELECT {', '.join(ITEM_FIELDS)} FROM article "
                                  f"WHERE id IN ({placeholders(len(ids))})", ids)
    rows = {row[0]: {field: column.python_value(value) for field, column, value
                     in zip(ITEM_FIELDS, _ITEM_COLUMNS, row, strict=True)} for row in cursor}
    return [rows[article_id] for article_id in ids if article_id in rows]  # unless just deleted


def search_page(*, q: str | None = None, kind: str | None = None, region: str | None = None,
                from_: date | None = None, to: date | None = None,
                organization: int | None = None, page: int = 1,
                page_size: int = 20, staff: bool = False, encode=None) -> dict:
    """A page of the matching articles (title hits first, then newest), with the total and the
    facets of the matches: exact up to TOTAL_BOUND matches; beyond, `total_relation` is "gte",
    the total is TOTAL_BOUND and the facets count the TOTAL_BOUND matches with the highest ids.

    The public's answers are cached until the data changes (staff see links to drafts) and
    shared between threads: callers must not modify them. `encode` as in AnswerCache.get.
    Invalid when `q` holds more than textsearch.MOST_TERMS different words."""
    if q and textsearch.term_count(q) > textsearch.MOST_TERMS:
        raise Invalid("q", "too_many_terms",
                      f"at most {textsearch.MOST_TERMS} different words (runs of characters "
                      "between spaces or punctuation)")

    def answer() -> dict:
        filters = (kind, region, from_, to, organization)
        offset = (page - 1) * page_size
        with search.index_scans():
            matches = _newest_matches(q, *filters)
            complete = len(matches) <= TOTAL_BOUND
            matches = matches[:TOTAL_BOUND]
            if complete:
                ids = _ranked_in_memory(matches, _title_hits(q, filters), offset, page_size)
            else:
                ids = _ranked_through_the_index(q, filters, offset, page_size)
            items = present(_read(ids), staff=staff, q=q)
        return {"items": items, "total": len(matches),
                "total_relation": "eq" if complete else "gte", "page": page,
                "page_size": page_size, "facets": _facets(matches)}

    key = None if staff else (q, kind, region, from_, to, organization, page, page_size)
    return answer_cache("articles").get(key, lambda: (answer(), None), encode=encode)


def draft_page(*, q: str | None = None, kind: str | None = None, region: str | None = None,
               from_: date | None = None, to: date | None = None,
               organization: int | None = None, page: int = 1, page_size: int = 20) -> dict:
    """A page of the drafts the caller sees (its organisations'), newest first, in the search's
    envelope. Drafts are in no full-text index: `q` matches the title or body as written."""
    query = Article.select(Article.id, Article.kind, Article.region, Article.published_on,
                           Article.organization).where(Article.draft()
                                                       & organizations.visible(Article))
    if q:
        query = query.where(Article.title.contains(q.strip()) | Article.body.contains(q.strip()))
    for column, value in ((Article.kind, kind), (Article.region, region),
                          (Article.organization, organization)):
        if value:
            query = query.where(column == value)
    if from_:
        query = query.where(Article.published_on >= from_)
    if to:
        query = query.where(Article.published_on <= to)
    matches = list(query.order_by(Article.id.desc()).tuples())
    offset = (page - 1) * page_size
    ids = [match[0] for match in matches[offset:offset + page_size]]
    return {"items": present(_read(ids), staff=True, q=q), "total": len(matches),
            "total_relation": "eq", "page": page, "page_size": page_size,
            "facets": _facets(matches)}


def present(items: list[dict], *, staff: bool, q: str | None = None) -> list[dict]:
    """API dicts of articles read as {field: value} of ITEM_FIELDS (completed in place); the
    public sees links to published notices only, staff also to their organisations' drafts."""
    if not items:
        return items
    links = defaultdict(list)
    # It names notice's columns unqualified: notice_article has none of them.
    visible_sql, params = search.condition_sql(organizations.visible_notices() if staff
                                               else Notice.public())
    for article_id, notice_id in database.execute_sql(
            "SELECT article_id, notice_id FROM notice_article "
            "JOIN notice ON notice.id = notice_article.notice_id "
            f"WHERE article_id IN ({placeholders(len(items))}) AND {visible_sql} "
            "ORDER BY notice_id",
            [item["id"] for item in items] + params):
        links[article_id].append(notice_id)
    names = organizations.names_of(item["organization_id"] for item in items)
    for item in items:
        item["organization_name"] = names.get(item["organization_id"])
        item["status"] = "draft" if item["published_at"] is None else "published"
        item["notice_ids"] = links[item["id"]]
        if q:
            item["snippet"] = textsearch.snippet(item["body"], q, SNIPPET_CHARS)
    return items


def present_one(article: Article, *, staff: bool = True) -> dict:
    return present([{field: getattr(article, field) for field in ITEM_FIELDS}], staff=staff)[0]
