"""Shapes shared by every resource: problems, pagination, and the field types every input uses."""

import re
import unicodedata
from datetime import date, datetime

from marshmallow import Schema, ValidationError, fields, validate

MAX_PAGE_SIZE = 100
MAX_ID = 2**63 - 1  # ids are 64-bit columns on both databases
MAX_QUERY_LENGTH = 200
MAX_NAME_LENGTH = 64  # a roster name, after normalisation (service.domain.names enforces it)
# Every date the API takes: a year of margin inside Python's 0001–9999, so window arithmetic
# (a day later, a time zone's offset, a 366-day window) never leaves the representable range.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
# The same rule as the OpenAPI pattern of a date or date-time: its year, 1900 to 9998.
YEARS = r"^(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
# Control characters (C0, DEL, C1): none in one-line text; text of several lines keeps its tabs
# and line breaks. Written with \u escapes so the OpenAPI pattern reads the same in any regex.
ONE_LINE = r"^[^\u0000-\u001F\u007F-\u009F]*$"
LINES = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
CONTROL = re.compile(r"[\u0000-\u001F\u007F-\u009F]")


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Matches(validate.Validator):
    """The whole value matches `pattern` (validate.Regexp's `$` lets a final newline through).
    apispec documents `regex` as the field's pattern."""

    def __init__(self, pattern: str, error: str = "must match {pattern}"):
        self.regex = re.compile(pattern)
        self.error = error

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._message(value))
        return value

    def _message(self, value: str) -> str:
        for control in CONTROL.finditer(value):
            if not self.regex.fullmatch(control.group()):
                return f"contains a control character (U+{ord(control.group()):04X})"
        return self.error.format(pattern=self.regex.pattern)


class Text(fields.String):
    """Text as every database stores it alike: without control characters (psycopg2 refuses NUL,
    SQLite keeps it), and on one line unless `lines`; or matching `pattern`, which must exclude
    them itself. The JSON reader refuses lone surrogates before any field sees them."""

    def __init__(self, *, lines: bool = False, pattern: str | None = None,
                 pattern_error: str = "must match {pattern}", **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, Matches(pattern or (LINES if lines else ONE_LINE), pattern_error))


class NotBlank(validate.Validator):
    """Something besides spaces (any Unicode whitespace, 　 included)."""

    def __call__(self, value: str) -> str:
        if not value.strip():
            raise ValidationError("must say something besides spaces")
        return value


class Visible(validate.Validator):
    """No invisible format characters (zero-width spaces and joiners, direction overrides): a
    name that identifies its bearer reads as it is stored (甲报社 and 甲\u200b报社 are two)."""

    def __call__(self, value: str) -> str:
        hidden = next((char for char in value if unicodedata.category(char) == "Cf"), None)
        if hidden is not None:
            raise ValidationError(f"contains an invisible character (U+{ord(hidden):04X})")
        return value


# Why a record was corrected or withdrawn, as the public reads it.
REASON = [validate.Length(min=1, max=2000), NotBlank()]


class WithinCalendar(validate.Validator):
    """A date (or an instant's own local date) between FIRST_DAY and LAST_DAY; apispec documents
    `regex` as the pattern of the field's text."""

    regex = re.compile(YEARS)

    def __call__(self, value: date | datetime) -> date | datetime:
        day = value.date() if isinstance(value, datetime) else value
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(f"must be between {FIRST_DAY} and {LAST_DAY}")
        return value


CALENDAR = f"Between {FIRST_DAY} and {LAST_DAY}."


def with_description(kwargs: dict, rule: str) -> dict:
    """A field's keyword arguments with `rule` added to its OpenAPI description."""
    metadata = kwargs.get("metadata", {})
    description = " ".join(filter(None, (metadata.get("description"), rule)))
    return {**kwargs, "metadata": {**metadata, "description": description}}


class Day(fields.Date):
    """A calendar date the service can compute with (FIRST_DAY to LAST_DAY)."""

    def __init__(self, **kwargs):
        super().__init__(**with_description(kwargs, CALENDAR))
        self.validators.insert(0, WithinCalendar())


class Instant(fields.AwareDateTime):
    """An instant with its offset, whose local date is one the service can compute with."""

    def __init__(self, **kwargs):
        super().__init__(**with_description(kwargs, f"With an offset. {CALENDAR}"))
        self.validators.insert(0, WithinCalendar())


class OneOfSchema(Schema):
    """One of several shapes (`alternatives`), chosen by which one's required fields the data
    has; documented as JSON Schema oneOf (service.api.parsing.Converter)."""

    alternatives: tuple[type[Schema], ...] = ()

    def load(self, data, *, many=None, partial=None, unknown=None):
        if not isinstance(data, dict):
            raise ValidationError({"_schema": ["Invalid input type."]})
        shapes = [(alternative, [name for name, field in alternative().fields.items()
                                 if field.required]) for alternative in self.alternatives]
        chosen = [alternative for alternative, required in shapes if set(required) & set(data)]
        if len(chosen) != 1:
            options = ", or ".join(" and ".join(required) for _, required in shapes)
            raise ValidationError({"_schema": [
                f"give {options}" + (", not both" if chosen else "")]})
        return chosen[0]().load(data, many=many, partial=partial, unknown=unknown)


class CreateSchema(Schema):
    """A create body: its resource's fields as declared once for edits, those named in REQUIRED
    required (set through marshmallow's hook on each instance's copy of a field)."""

    REQUIRED: tuple[str, ...] = ()

    def on_bind_field(self, field_name, field_obj):
        field_obj.required = field_name in self.REQUIRED or field_obj.required


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


def page_schema(item_schema: type[Schema], name: str, **extra: type[Schema]) -> type[Schema]:
    """The list envelope {"items", "total", "page", "page_size"} around `item_schema`,
    plus any `extra` nested objects (e.g. facets)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            **{key: fields.Nested(schema) for key, schema in extra.items()},
        },
        name=name,
    )


def query_text(**kwargs) -> Text:
    """A free-text search parameter, bounded so no query is unreasonably long."""
    return Text(validate=validate.Length(min=1, max=MAX_QUERY_LENGTH), **kwargs)


class WholeNumber(fields.Integer):
    """An integer in a JSON body as JSON Schema counts them: 3 or 3.0, never 3.5, "3" or true."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


def resource_id(*, in_query: bool = False, **kwargs) -> fields.Integer:
    """An id in a body (a whole number) or a query string (its digits): positive and within a
    64-bit column."""
    field = fields.Integer if in_query else WholeNumber
    return field(validate=validate.Range(min=1, max=MAX_ID), **kwargs)
