"""Articles printed beside notices, and their many-to-many links."""

from collections import defaultdict
from datetime import date

from marshmallow import ValidationError

from . import audit
from .db import database
from .models import Article, Notice, NoticeArticle, utcnow

ARTICLE_FIELDS = ("title", "kind", "section", "byline", "region", "source", "published_on",
                  "page", "body")
SNIPPET_CHARS = 60


def check_notice_ids(notice_ids: list[int]) -> list[int]:
    unique = list(dict.fromkeys(notice_ids))
    found = {n.id for n in Notice.select(Notice.id).where(Notice.id.in_(unique))}
    missing = {i: ["no such notice"] for i, n in enumerate(notice_ids) if n not in found}
    if missing:
        raise ValidationError({"notice_ids": missing})
    return unique


def create_article(data: dict, actor: str) -> Article:
    with database.atomic():
        notice_ids = check_notice_ids(data.get("notice_ids", []))
        article = Article.create(**{f: data[f] for f in ARTICLE_FIELDS if f in data})
        _replace_links(article, notice_ids)
        audit.record("article.created", "article", article.id, actor,
                     changes={"fields": sorted(data)})
    return article


def update_article(article: Article, data: dict, actor: str) -> Article:
    with database.atomic():
        before = present_one(article)
        for field in ARTICLE_FIELDS:
            if field in data:
                setattr(article, field, data[field])
        if "notice_ids" in data:
            _replace_links(article, check_notice_ids(data["notice_ids"]))
        article.updated_at = utcnow()
        article.save()
        after = present_one(article)
        changes = {k: [before[k], after[k]] for k in after
                   if before[k] != after[k] and k != "updated_at"}
        audit.record("article.updated", "article", article.id, actor, changes=changes)
    return article


def delete_article(article: Article, actor: str) -> None:
    with database.atomic():
        article.delete_instance()
        audit.record("article.deleted", "article", article.id, actor,
                     changes={"title": article.title})


def _replace_links(article: Article, notice_ids: list[int]) -> None:
    NoticeArticle.delete().where(NoticeArticle.article == article).execute()
    if notice_ids:
        NoticeArticle.insert_many(
            [{"notice": n, "article": article.id} for n in notice_ids]
        ).execute()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (wildcards in it are plain text)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(query, *, q: str | None = None, kind: str | None = None, region: str | None = None,
             from_: date | None = None, to: date | None = None):
    if q:
        pattern = like_pattern(q)
        query = query.where(Article.title ** pattern | Article.body ** pattern)
    if kind:
        query = query.where(Article.kind == kind)
    if region:
        query = query.where(Article.region == region)
    if from_:
        query = query.where(Article.published_on >= from_)
    if to:
        query = query.where(Article.published_on <= to)
    return query


def snippet(text: str, q: str) -> str:
    """About SNIPPET_CHARS characters of `text` around the first hit of `q`."""
    at = text.find(q)
    if at < 0:
        return text[:SNIPPET_CHARS]
    start = max(0, at - SNIPPET_CHARS // 2)
    end = min(len(text), at + len(q) + SNIPPET_CHARS // 2)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


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
        item = {field: getattr(article, field) for field in ("id", *ARTICLE_FIELDS,
                                                             "created_at", "updated_at")}
        item["notice_ids"] = links[article.id]
        if q:
            item["snippet"] = snippet(article.title + "\n" + article.body, q)
        items.append(item)
    return items


def present_one(article: Article, *, staff: bool = True) -> dict:
    return present([article], staff=staff)[0]
