"""Audit event shapes."""

from marshmallow import Schema, fields, validate

from .common import PageArgsSchema, Text, resource_id


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    organization_id = fields.Integer(
        allow_none=True, metadata={"description": "The organization the actor acted for (null: "
                                   "an admin's, the CLI's or the scheduler's write of no "
                                   "organization's record)"})
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    changes = fields.Raw(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)


class AuditQueryArgsSchema(PageArgsSchema):
    entity = Text(validate=validate.Length(max=32))
    entity_id = resource_id(in_query=True)
    action = Text(validate=validate.Length(max=64))
