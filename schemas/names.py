"""Name-check shapes."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import MAX_NAME_LENGTH, Text
from .notices import ContactSchema, WindowSchema

MATCH_KINDS = ("exact", "variant", "pinyin")
VERDICTS = ("listed", "withdrawn_only", "similar_only", "not_found")


class NameQueryArgsSchema(Schema):
    q = Text(
        required=True, validate=validate.Length(min=1, max=MAX_NAME_LENGTH),
        metadata={"description": "A name, 1–64 characters after normalisation; no control or "
                  "format characters (422 otherwise)."},
    )
    kind = fields.String(
        validate=validate.OneOf(MATCH_KINDS),
        metadata={"description": "With `cursor`: the following page of this kind's matches "
                  "(follow the links in `next` rather than building them)."})
    cursor = Text(
        pattern=r"[0-9]{1,18}(\.[0-9]{1,18}){3}", pattern_error="not a cursor this service gave",
        metadata={"description": "Opaque, from a link in `next`; only with `kind`."})

    @validates_schema
    def _kind_and_cursor_together(self, data, **_kwargs):
        if ("kind" in data) != ("cursor" in data):
            missing = "cursor" if "kind" in data else "kind"
            raise ValidationError("`kind` and `cursor` go together (take both from `next`)",
                                  missing)


class MatchedNoticeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    issuer = fields.String()
    status = fields.String()
    window = fields.Nested(WindowSchema)
    contacts = fields.List(fields.Nested(ContactSchema))
    withdrawal_reason = fields.String(
        allow_none=True, metadata={"description": "Why the notice was withdrawn; null unless "
                                   "its status is `withdrawn`."})


class NameMatchSchema(Schema):
    name = fields.String(metadata={"description": "The name as the roster prints it."})
    match = fields.String(
        validate=validate.OneOf(MATCH_KINDS),
        metadata={"description": "`exact` (the same name after folding width and spaces), "
                  "`variant` (the same after folding traditional characters and middle dots) "
                  "or `pinyin` (another name that reads the same: possibly someone else)."})
    entry_id = fields.Integer()
    organization = fields.String(
        allow_none=True, metadata={"description": "The listed person's organisation, if the "
                                   "roster gives one: compare it with the person before you."})
    credential_last4 = fields.String(
        allow_none=True, metadata={"description": "The last 4 characters of the listed person's "
                                   "credential number (all the public may see), or null when "
                                   "the roster gives none."})
    notice = fields.Nested(MatchedNoticeSchema)


class NameCheckSchema(Schema):
    query = fields.String(metadata={"description": "The name as it was sent."})
    normalized = fields.String(metadata={"description": "The name folded for comparison."})
    verdict = fields.String(
        validate=validate.OneOf(VERDICTS),
        metadata={"description": "The answer in one word, to lead with: `listed` — the name "
                  "itself (an exact or variant match) is on a published roster that was not "
                  "withdrawn (open, scheduled or closed: see each notice's status and window); "
                  "`withdrawn_only` — the name itself is only on withdrawn rosters; "
                  "`similar_only` — no roster has the name itself, only names that read the "
                  "same (pinyin matches, possibly other people; a query typed in pinyin always "
                  "ends here or in `not_found`); `not_found` — no match at all."})
    matches = fields.List(fields.Nested(NameMatchSchema), metadata={
        "description": "Each roster entry once, with its strongest match: exact, variant, "
                       "pinyin; open notices first within each. At most 20 of each kind: "
                       "`totals` says how many there are, `next` where the rest are."})
    totals = fields.Dict(
        keys=fields.String(validate=validate.OneOf(MATCH_KINDS)), values=fields.Integer(),
        metadata={"description": "How many roster entries match, by kind (exact, variant, "
                  "pinyin), over all pages."})
    next = fields.Dict(
        keys=fields.String(validate=validate.OneOf(MATCH_KINDS)),
        values=fields.String(allow_none=True),
        metadata={"description": "By kind: the link (path and query) to the following page "
                  "of that kind's matches, which holds only those; null when there is none."})
