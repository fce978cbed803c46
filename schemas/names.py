"""Name-check shapes."""

from marshmallow import Schema, fields, validate

from .common import MAX_NAME_LENGTH, Text
from .notices import ContactSchema, WindowSchema


class NameQueryArgsSchema(Schema):
    q = Text(
        required=True, validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        metadata={"description": "A name, 1–64 characters after normalisation; no control or "
                  "format characters (422 otherwise)."},
    )


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
