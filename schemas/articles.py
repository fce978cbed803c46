"""Article shapes."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import PageArgsSchema, query_text, resource_id

KINDS = ("meeting", "policy", "news")


class ArticleFieldsSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(KINDS))
    section = fields.String(allow_none=True, validate=validate.Length(max=200))
    byline = fields.String(allow_none=True, validate=validate.Length(max=200))
    region = fields.String(allow_none=True, validate=validate.Length(max=64))
    source = fields.String(validate=validate.Length(min=1, max=200))
    published_on = fields.Date()
    page = fields.String(allow_none=True, validate=validate.Length(max=64))
    body = fields.String(validate=validate.Length(max=200_000))
    notice_ids = fields.List(resource_id(),
                             validate=validate.Length(max=100))


class ArticleCreateSchema(ArticleFieldsSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    source = fields.String(load_default="中国电子报", validate=validate.Length(min=1, max=200))
    published_on = fields.Date(required=True)


class ArticleSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    section = fields.String(allow_none=True)
    byline = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    source = fields.String()
    published_on = fields.Date()
    page = fields.String(allow_none=True)
    body = fields.String()
    notice_ids = fields.List(fields.Integer())
    snippet = fields.String(
        metadata={"description": "HTML-escaped text around the hit, the hit in <mark>; "
                  "in list results with q."}
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class FacetsSchema(Schema):
    kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    region = fields.Dict(keys=fields.String(), values=fields.Integer())
    year = fields.Dict(keys=fields.String(), values=fields.Integer())


class ArticleQueryArgsSchema(PageArgsSchema):
    q = query_text()
    kind = fields.String(validate=validate.OneOf(KINDS))
    region = fields.String(validate=validate.Length(max=64))
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def _ordered_range(self, data, **kwargs):
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ValidationError({"to": ["must not be before from"]})
