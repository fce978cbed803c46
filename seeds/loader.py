"""Loads seeds/data/*.json through the same domain functions the API uses; idempotent."""

import json
from datetime import date
from pathlib import Path

from service.domain import articles, notices, organizations
from service.domain.models import Article, Notice
from service.infra.db import database, is_sqlite

DATA = Path(__file__).parent / "data"
SEED_ACTOR = "seed"
SEED_LOCK_ID = 7_400_003
PUBLISHER = "中国电子报"  # the seed page's publisher: every seeded record is its own


def _read(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def load_seeds(*, default_timezone: str, region: str) -> dict:
    """Add the seed articles and notices that are not there yet (by title and date); windows
    without a timezone and numbers without +country are read as NOTICE_TIMEZONE and
    PHONE_REGION are, through the API."""
    added = {"notices": 0, "articles": 0}
    with database.atomic():
        if not is_sqlite():  # several replicas seeding at once must not add the page twice
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SEED_LOCK_ID,))
        organization_id = organizations.ensure_organization(PUBLISHER, SEED_ACTOR).id
        article_ids = {}
        for record in _read("articles.json"):
            record["published_on"] = date.fromisoformat(record["published_on"])
            article = Article.get_or_none((Article.title == record["title"])
                                          & (Article.published_on == record["published_on"]))
            if article is None:
                article = articles.create_article(
                    {**record, "organization_id": organization_id}, SEED_ACTOR)
                articles.publish_article(article.id, SEED_ACTOR)  # printed in the paper
                added["articles"] += 1
            article_ids[article.title] = article.id
        for record in _read("notices.json"):
            issued_on = date.fromisoformat(record["issued_on"])
            if Notice.get_or_none((Notice.title == record["title"])
                                  & (Notice.issuer == record["issuer"])
                                  & (Notice.issued_on == issued_on)):
                continue
            window = {key: (date.fromisoformat(value) if key in ("start", "end") else value)
                      for key, value in record["window"].items()}
            data = {
                **{key: record[key] for key in ("title", "category", "issuer", "body",
                                                "contacts", "roster")},
                "issued_on": issued_on,
                "organization_id": organization_id,
                "window": window,
                "article_ids": [article_ids[title] for title in record["article_titles"]],
            }
            notice = notices.create_notice(data, SEED_ACTOR, default_timezone=default_timezone,
                                           region=region)
            if record.get("publish"):
                notices.publish_notice(notice.id, SEED_ACTOR, backdated=True)  # printed in 2024
            added["notices"] += 1
    return added
