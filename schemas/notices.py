"""Notice shapes: what staff send, what everyone reads."""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from .common import PageArgsSchema, query_text, resource_id

STATUSES = ("draft", "scheduled", "open", "closed", "withdrawn")
DEFAULT_CONTACT_LABEL = "举报电话"


class WindowInputSchema(Schema):
    """Whole dates (start, end inclusive) in a time zone, or two instants with offsets."""

    start = fields.Date()
    end = fields.Date()
    opens_at = fields.AwareDateTime()
    closes_at = fields.AwareDateTime()
    timezone = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def _dates_or_instants(self, data, **kwargs):
        has_dates = "start" in data or "end" in data
        has_instants = "opens_at" in data or "closes_at" in data
        if has_dates and has_instants:
            raise ValidationError("give start and end, or opens_at and closes_at, not both")
        pair = ("start", "end") if has_dates else ("opens_at", "closes_at")
        missing = {
            name: ["required with " + " and ".join(pair)] for name in pair if name not in data
        }
        if missing:
            raise ValidationError(missing)


class WindowSchema(Schema):
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    timezone = fields.String()
    opens_at = fields.String(metadata={"format": "date-time"})
    closes_at = fields.String(metadata={"format": "date-time"})
    working_days = fields.Integer()
    working_days_basis = fields.String(
        metadata={"description": "official: the State Council holiday calendar covers every day; "
                  "weekdays: Mon–Fri (the calendar does not reach); mixed: partly each"}
    )
    is_whole_days = fields.Boolean()


class ContactInputSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    label = fields.String(
        load_default=DEFAULT_CONTACT_LABEL, validate=validate.Length(min=1, max=64)
    )


class ContactSchema(Schema):
    number = fields.String()
    label = fields.String()
    e164 = fields.String()


class RosterEntryInputSchema(Schema):
    name = fields.String(required=True)
    organization = fields.String(allow_none=True)
    credential_no = fields.String(allow_none=True)


class OneOrManyRosterEntriesSchema(RosterEntryInputSchema):
    """Accepts one entry object or a list of them; always loads a list (use with many=True)."""

    @pre_load(pass_collection=True)
    def _wrap_single(self, data, many, **kwargs):
        return [data] if isinstance(data, dict) else data


class NoticeFieldsSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    category = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    issuer = fields.String(validate=validate.Length(min=1, max=200))
    issued_on = fields.Date(allow_none=True)
    body = fields.String(validate=validate.Length(max=200_000))
    window = fields.Nested(WindowInputSchema)
    contacts = fields.List(fields.Nested(ContactInputSchema), validate=validate.Length(max=20))
    article_ids = fields.List(resource_id(),
                              validate=validate.Length(max=100))


class NoticeCreateSchema(NoticeFieldsSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    roster = fields.List(
        fields.Nested(RosterEntryInputSchema), validate=validate.Length(max=10_000)
    )


class NoticeUpdateSchema(NoticeFieldsSchema):
    reason = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Required when correcting a published notice."},
    )


class NoticeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    issuer = fields.String()
    issued_on = fields.Date(allow_none=True)
    body = fields.String()
    window = fields.Nested(WindowSchema, allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema))
    roster_size = fields.Integer()
    roster_digest = fields.String(
        allow_none=True,
        metadata={"description": "SHA-256 of the roster as published (null for drafts): over one "
                                 "JSON line [position, name, organization, credential_no] per "
                                 "entry, in roster order, UTF-8"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    article_ids = fields.List(fields.Integer())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)


class NoticeQueryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.Length(max=64))
    issuer = fields.String(validate=validate.Length(max=200))
    q = query_text()
    open_on = fields.Date()


class PublishSchema(Schema):
    backdated = fields.Boolean(load_default=False, metadata={
        "description": "true to publish a window that has already closed (recording a "
                       "historical notice); the audit keeps it"})


class WithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ExtendSchema(Schema):
    end = fields.Date()
    closes_at = fields.AwareDateTime()

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("end" in data) == ("closes_at" in data):
            raise ValidationError("give either end or closes_at")
