"""Roster entry shapes."""

from marshmallow import Schema, ValidationError, fields, validate

from .common import MAX_NAME_LENGTH, PageArgsSchema, Text


class RosterEntrySchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    name = fields.String()
    organization = fields.String(allow_none=True)
    credential_no = fields.String(
        allow_none=True, metadata={"description": "Masked to its last 4 characters for the public."}
    )


class RosterQueryArgsSchema(PageArgsSchema):
    q = Text(validate=validate.Length(min=1, max=MAX_NAME_LENGTH), metadata={
        "description": "Part of a name (folded like names; pinyin finds readings), 1–64 "
                       "characters; no control or format characters (422 otherwise)."})


class OneFile(fields.Raw):
    """Exactly one uploaded part of this name. webargs hands a field marked is_multiple every
    part sent under its name; a plain field would take the first and silently drop the rest."""

    is_multiple = True

    def _deserialize(self, value, attr, data, **kwargs):
        if len(value) != 1:
            raise ValidationError(f"send one file, not {len(value)}")
        return value[0]


class RosterImportFileSchema(Schema):
    file = OneFile(required=True, metadata={"type": "string", "format": "binary"})


class RosterImportResultSchema(Schema):
    imported = fields.Integer()
    roster_size = fields.Integer()


class RosterVerificationSchema(Schema):
    notice_id = fields.Integer()
    roster_digest = fields.String(allow_none=True, metadata={
        "description": "recorded when the notice was published"})
    computed_digest = fields.String(metadata={"description": "of the roster as stored now"})
    roster_size = fields.Integer()
    matches = fields.Boolean()
