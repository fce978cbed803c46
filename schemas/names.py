"""Name-check shapes."""

from marshmallow import Schema, fields

from .common import query_text
from .notices import ContactSchema, WindowSchema


class NameQueryArgsSchema(Schema):
    q = query_text(required=True)


class MatchedNoticeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    issuer = fields.String()
    status = fields.String()
    window = fields.Nested(WindowSchema)
    contacts = fields.List(fields.Nested(ContactSchema))


class NameMatchSchema(Schema):
    name = fields.String()
    match = fields.String(metadata={"description": "exact, variant or pinyin"})
    entry_id = fields.Integer()
    notice = fields.Nested(MatchedNoticeSchema)


class NameCheckSchema(Schema):
    query = fields.String()
    normalized = fields.String()
    matches = fields.List(fields.Nested(NameMatchSchema))
