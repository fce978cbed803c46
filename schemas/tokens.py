"""API token shapes (the secret itself is shown once, on creation)."""

from marshmallow import Schema, fields, validate

from .common import PageArgsSchema, Text, WholeNumber

ROLES = ("editor", "publisher", "admin")


class TokenSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    role = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class TokenCreateSchema(Schema):
    role = Text(required=True, validate=validate.OneOf(ROLES))
    label = Text(required=True, validate=validate.Length(min=1, max=200))
    expires_in_days = WholeNumber(validate=validate.Range(min=1, max=3660))


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The bearer token; shown only this once."})


class TokenQueryArgsSchema(PageArgsSchema):
    pass
