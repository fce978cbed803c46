"""API token shapes (the secret itself is shown once, on creation)."""

from marshmallow import Schema, fields, validate

from .common import PageArgsSchema, Text, WholeNumber, resource_id

ROLES = ("editor", "publisher", "admin")


class TokenSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    role = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    organization_ids = fields.List(fields.Integer(), metadata={
        "description": "The organizations an editor's or publisher's token acts for (an admin's: "
                       "none, it acts for every one)"})


class TokenCreateSchema(Schema):
    role = Text(required=True, validate=validate.OneOf(ROLES))
    label = Text(required=True, validate=validate.Length(min=1, max=200))
    expires_in_days = WholeNumber(allow_none=True, validate=validate.Range(min=1, max=3660),
                                  metadata={"description": "Left out: the service's "
                                            "TOKEN_LIFETIME_DAYS (90 unless set); null: never "
                                            "(until revoked)"})
    organization_ids = fields.List(resource_id(), load_default=list,
                                   validate=validate.Length(max=100), metadata={
                                       "description": "Required (one or more) for an editor or "
                                       "publisher; none for an admin"})


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The bearer token; shown only this once."})


class TokenQueryArgsSchema(PageArgsSchema):
    pass
