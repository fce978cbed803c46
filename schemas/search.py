"""Unified search shapes: notices, name matches and articles in one answer."""

from marshmallow import Schema, fields, validate

from .articles import ArticleSchema
from .common import query_text
from .names import NameMatchSchema
from .notices import NoticeSchema


class SearchArgsSchema(Schema):
    q = query_text(required=True, metadata={
        "description": "Text to find in notices, roster names and articles; a part whose rules "
                       "refuse it (a name over 64 characters, more than 8 different words for "
                       "articles) answers empty"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class SearchResultSchema(Schema):
    query = fields.String()
    notices = fields.List(fields.Nested(NoticeSchema))
    names = fields.List(fields.Nested(NameMatchSchema))
    articles = fields.List(fields.Nested(ArticleSchema))
