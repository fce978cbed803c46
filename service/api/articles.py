"""Articles printed beside notices."""

from flask.views import MethodView

from schemas.articles import (
    ArticleCreateSchema,
    ArticleFieldsSchema,
    ArticlePageSchema,
    ArticleQueryArgsSchema,
    ArticleSchema,
)
from service.api import Blueprint, JSONBody
from service.domain import articles
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
    def get(self, args):
        """Search and list articles"""
        return ARTICLE_PAGE_BODY.response(
            articles.search_page(**args, staff=auth.is_staff(), encode=ARTICLE_PAGE_BODY))

    @blp.staff("editor")
    @blp.arguments(ArticleCreateSchema())
    @blp.response(201, ArticleSchema)
    def post(self, data):
        """Create an article, optionally linked to notices"""
        return articles.present_one(articles.create_article(data, auth.actor_name()))


@blp.route("/<id:article_id>")
class ArticleById(MethodView):
    @public_rate_limit
    @blp.etag
    @blp.response(200, ArticleSchema)
    def get(self, article_id):
        """Get one article"""
        return articles.present_one(articles.get_article(article_id), staff=auth.is_staff())

    @blp.staff("editor")
    @blp.etag
    @blp.arguments(ArticleFieldsSchema(), required=False)  # optional: no body, no field changed
    @blp.response(200, ArticleSchema)
    @blp.alt_response(412, description="If-Match does not match the current ETag")
    def patch(self, data, article_id):
        """Edit an article or its links"""
        articles.get_article(article_id)
        with database.atomic():  # If-Match is checked against the row this write locks
            blp.check_etag(articles.present_one(articles.lock_article(article_id)),
                           ArticleSchema)
            article = articles.update_article(article_id, data, auth.actor_name())
        return articles.present_one(article)

    @blp.staff("editor")
    @blp.etag
    @blp.response(204)
    def delete(self, article_id):
        """Delete an article (its links go with it)"""
        articles.get_article(article_id)
        with database.atomic():
            blp.check_etag(articles.present_one(articles.lock_article(article_id)),
                           ArticleSchema)
            articles.delete_article(article_id, auth.actor_name())
