"""Notice shapes: what staff send, what everyone reads."""

from marshmallow import Schema, fields, pre_load, validate

from .common import (
    REASON,
    CreateSchema,
    Day,
    Instant,
    OneOfSchema,
    PageArgsSchema,
    Text,
    query_text,
    resource_id,
)

STATUSES = ("draft", "scheduled", "open", "closed", "withdrawn")
DEFAULT_CONTACT_LABEL = "举报电话"
CATEGORY = r"^[a-z][a-z0-9_]{0,63}$"
CATEGORY_ERROR = "lowercase letters, digits and _, starting with a letter; at most 64"


def timezone() -> Text:
    return Text(validate=validate.Length(min=1, max=64), metadata={
        "example": "Asia/Shanghai",
        "description": "An IANA time zone; the service's own zone when left out."})


def category(**kwargs) -> Text:
    return Text(pattern=CATEGORY, pattern_error=CATEGORY_ERROR,
                metadata={"example": "press_credential_verification"}, **kwargs)


class WindowDatesSchema(Schema):
    """Whole days, `start` to `end` inclusive, in a time zone."""

    start = Day(required=True)
    end = Day(required=True)
    timezone = timezone()


class WindowInstantsSchema(Schema):
    """Two instants with offsets; `closes_at` is exclusive."""

    opens_at = Instant(required=True)
    closes_at = Instant(required=True)
    timezone = timezone()


class WindowInputSchema(OneOfSchema):
    alternatives = (WindowDatesSchema, WindowInstantsSchema)


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
    number = Text(required=True, validate=validate.Length(min=1, max=32),
                  metadata={"example": "010-83138953"})
    label = Text(load_default=DEFAULT_CONTACT_LABEL, validate=validate.Length(min=1, max=64))


class ContactSchema(Schema):
    number = fields.String()
    label = fields.String()
    e164 = fields.String()


class RosterEntryInputSchema(Schema):
    name = Text(required=True)
    organization = Text(allow_none=True)
    credential_no = Text(allow_none=True)


class OneOrManyRosterEntriesSchema(RosterEntryInputSchema):
    """Accepts one entry object or a list of them; always loads a list (use with many=True)."""

    @pre_load(pass_collection=True)
    def _wrap_single(self, data, many, **kwargs):
        return [data] if isinstance(data, dict) else data


class NoticeFieldsSchema(Schema):
    title = Text(validate=validate.Length(min=1, max=200))
    category = category()
    issuer = Text(validate=validate.Length(min=1, max=200))
    issued_on = Day(allow_none=True)
    body = Text(lines=True, validate=validate.Length(max=200_000))
    window = fields.Nested(WindowInputSchema)
    contacts = fields.List(fields.Nested(ContactInputSchema), validate=validate.Length(max=20))
    article_ids = fields.List(resource_id(),
                              validate=validate.Length(max=100))


class NoticeCreateSchema(CreateSchema, NoticeFieldsSchema):
    REQUIRED = ("title", "category", "issuer")

    organization_id = resource_id(metadata={
        "description": "The organization the notice belongs to: required from an admin's token "
                       "or one acting for several; a token acting for one gives its own."})

    roster = fields.List(
        fields.Nested(RosterEntryInputSchema), validate=validate.Length(max=10_000)
    )


class NoticeUpdateSchema(NoticeFieldsSchema):
    reason = Text(
        validate=REASON,
        metadata={"description": "Required when correcting a published notice."},
    )


class NoticeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    issuer = fields.String(metadata={"description": "The organization's name as printed"})
    organization_id = fields.Integer(allow_none=True)
    organization_name = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    body = fields.String()
    window = fields.Nested(WindowSchema, allow_none=True)
    contacts = fields.List(fields.Nested(ContactSchema))
    roster_size = fields.Integer()
    roster_digest = fields.String(
        allow_none=True,
        metadata={"description": "SHA-256 of the roster as published: over one JSON line "
                                 "[position, name, organization, credential_no] per entry, in "
                                 "roster order, UTF-8. Null for drafts, and for callers who see "
                                 "the credential numbers masked (the public, other "
                                 "organisations' staff): over the full numbers it would let "
                                 "them test guesses of the masked characters"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    article_ids = fields.List(fields.Integer())
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)


class NoticeQueryArgsSchema(PageArgsSchema):
    status = Text(validate=validate.OneOf(STATUSES))
    category = Text(validate=validate.Length(max=64))
    issuer = Text(validate=validate.Length(max=200))
    organization = resource_id(in_query=True, metadata={"description": "An organization's id"})
    q = query_text()
    open_on = Day()


class PublishSchema(Schema):
    backdated = fields.Boolean(load_default=False, metadata={
        "description": "true to publish a window that has already closed (recording a "
                       "historical notice); the audit keeps it"})


class WithdrawSchema(Schema):
    reason = Text(required=True, validate=REASON)


class ExtendToDaySchema(Schema):
    end = Day(required=True, metadata={"description": "The new last day, inclusive."})


class ExtendToInstantSchema(Schema):
    closes_at = Instant(required=True, metadata={"description": "The new closing instant."})


class ExtendSchema(OneOfSchema):
    alternatives = (ExtendToDaySchema, ExtendToInstantSchema)


class CorrectionSchema(Schema):
    at = fields.AwareDateTime()
    fields_ = fields.List(fields.String(), data_key="fields",
                          metadata={"description": "The public fields corrected"})
    changes = fields.Dict(
        keys=fields.String(), values=fields.Dict(),
        metadata={"description": 'Each corrected field: {"before": earlier value, "after": new '
                                 "value}, as the notice shows it"})
    reason = fields.String()
