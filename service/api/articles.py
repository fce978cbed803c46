"""Articles printed beside notices."""

from flask.views import MethodView

from schemas.articles import (
    ArticleCreateSchema,
    ArticlePageSchema,
    ArticleQueryArgsSchema,
    ArticleSchema,
    ArticleUpdateSchema,
)
from service.api import Blueprint, JSONBody
from service.domain import articles
from service.domain.errors import Forbidden
from service.infra import auth
from service.infra.db import database
from service.infra.limits import public_rate_limit, search_rate_limit

URL_PREFIX = "/api/v1/articles"
blp = Blueprint("articles", __name__, description="Meeting, policy and news articles")
ARTICLE_PAGE_BODY = JSONBody(ArticlePageSchema())


@blp.route("")
class Articles(MethodView):
    @public_rate_limit
    @search_rate_limit
    @blp.arguments(ArticleQueryArgsSchema(), location="query")
    @blp.response(200, ArticlePageSchema)
    @blp.alt_response(401, description="status=draft without a staff token")
    def get(self, args):
        """Search and list published articles, or list the drafts (staff)"""
        if args.pop("status", "published") == "draft":
            auth.demand("editor", "Drafts are seen by staff only: send a staff token.")
            return articles.draft_page(**args)
        return ARTICLE_PAGE_BODY.response(
            articles.search_page(**args, staff=auth.is_staff(), encode=ARTICLE_PAGE_BODY))

    @blp.staff("editor")
    @blp.arguments(ArticleCreateSchema())
    @blp.response(201, ArticleSchema)
    def post(self, data):
        """Create a draft article, optionally linked to draft notices"""
        return articles.present_one(articles.create_article(data, auth.actor_name()))


@blp.route("/<id:article_id>")
class ArticleById(MethodView):
    @public_rate_limit
    @blp.etag
    @blp.response(200, ArticleSchema)
    def get(self, article_id):
        """Get one article"""
        return articles.present_one(articles.get_article(article_id),
                                    staff=auth.is_staff())

    @blp.staff("editor", forbidden="below publisher to correct a published article")
    @blp.etag
    @blp.arguments(ArticleUpdateSchema(), required=False)  # optional: no body, no field changed
    @blp.response(200, ArticleSchema)
    @blp.alt_response(412, description="If-Match does not match the current ETag")
    def patch(self, data, article_id):
        """Edit a draft, or correct a published article (publisher, with a reason)"""
        article = articles.get_article(article_id)
        may_correct = auth.role_allows(auth.caller_role(), "publisher")
        if article.published_at is not None and not may_correct:
            raise Forbidden("Correcting a published article needs the publisher role.")
        with database.atomic():  # If-Match is checked against the row this write locks
            blp.check_etag(articles.present_one(articles.lock_article(article_id)),
                           ArticleSchema)
            article = articles.update_article(article_id, data, auth.actor_name(),
                                              may_correct=may_correct)
        return articles.present_one(article)

    @blp.staff("editor")
    @blp.etag
    @blp.response(204)
    def delete(self, article_id):
        """Delete a draft article (its links go with it); a published one is never deleted"""
        articles.get_article(article_id)
        with database.atomic():
            blp.check_etag(articles.present_one(articles.lock_article(article_id)),
                           ArticleSchema)
            articles.delete_article(article_id, auth.actor_name())


@blp.route("/<id:article_id>/publish", methods=["POST"])
@blp.staff("publisher")
@blp.response(200, ArticleSchema)
def publish(article_id):
    """Publish a draft article: it enters the search, the pages and its notices' lists"""
    articles.get_article(article_id)
    return articles.present_one(articles.publish_article(article_id, auth.actor_name()))
