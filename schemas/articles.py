"""Article shapes."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import (
    REASON,
    CreateSchema,
    Day,
    PageArgsSchema,
    Text,
    page_schema,
    query_text,
    resource_id,
)

KINDS = ("meeting", "policy", "news")
STATUSES = ("draft", "published")


class ArticleFieldsSchema(Schema):
    title = Text(validate=validate.Length(min=1, max=200))
    kind = Text(validate=validate.OneOf(KINDS))
    section = Text(allow_none=True, validate=validate.Length(max=200))
    byline = Text(allow_none=True, validate=validate.Length(max=200))
    region = Text(allow_none=True, validate=validate.Length(max=64))
    source = Text(validate=validate.Length(min=1, max=200))
    published_on = Day()
    page = Text(allow_none=True, validate=validate.Length(max=64))
    body = Text(lines=True, validate=validate.Length(max=200_000))
    notice_ids = fields.List(resource_id(),
                             validate=validate.Length(max=100))


class ArticleUpdateSchema(ArticleFieldsSchema):
    reason = Text(
        validate=REASON,
        metadata={"description": "Required when correcting a published article (publisher); "
                                 "the audit keeps it with the earlier values."},
    )


class ArticleCreateSchema(CreateSchema, ArticleFieldsSchema):
    REQUIRED = ("title", "kind", "published_on")
    source = Text(validate=validate.Length(min=1, max=200), metadata={
        "description": "The source as printed; by default the article's organisation's name"})
    organization_id = resource_id(metadata={
        "description": "The organization the article belongs to: required from an admin's token "
                       "or one acting for several; a token acting for one gives its own."})


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
    organization_id = fields.Integer(allow_none=True)
    organization_name = fields.String(allow_none=True)
    snippet = fields.String(
        metadata={"description": "HTML-escaped text around the hit, the hit in <mark>; "
                  "in list results with q."}
    )
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "description": "draft (seen by staff only) until published"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)


class OrganizationFacetSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    count = fields.Integer()


class FacetsSchema(Schema):
    kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    region = fields.Dict(keys=fields.String(), values=fields.Integer())
    year = fields.Dict(keys=fields.String(), values=fields.Integer())
    organization = fields.List(fields.Nested(OrganizationFacetSchema))


class ArticleQueryArgsSchema(PageArgsSchema):
    q = query_text(metadata={"description": "Words the article holds, each as a phrase: at most 8 "
                                            "different ones (runs of characters between spaces "
                                            "or punctuation), else 422"})
    kind = Text(validate=validate.OneOf(KINDS))
    region = Text(validate=validate.Length(max=64))
    from_ = Day(data_key="from")
    to = Day()
    organization = resource_id(in_query=True, metadata={"description": "An organization's id"})
    status = Text(validate=validate.OneOf(STATUSES), metadata={
        "description": "draft: the drafts instead, newest first (staff only; q matches their "
                       "text as written); published (the default): the search"})

    @validates_schema
    def _ordered_range(self, data, **kwargs):
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ValidationError({"to": ["must not be before from"]})


class ArticlePageSchema(page_schema(ArticleSchema, "ArticlePageBase", facets=FacetsSchema)):
    total_relation = fields.String(
        validate=validate.OneOf(("eq", "gte")),
        metadata={"description": 'How `total` and the facets count: "eq", exactly; "gte", a '
                  "lower bound: more than 10,000 articles match, `total` is 10,000 and the "
                  "facets count the 10,000 matches added last (the highest ids). The pages "
                  "still rank every match."})
