"""Cleaning of roster names and optional roster fields, done in one place."""

import unicodedata

from schemas.common import MAX_NAME_LENGTH
from service.domain.errors import Invalid

# The optional fields of a roster entry and their longest values.
OPTIONAL_MAX = {"organization": 200, "credential_no": 64}


def _reject_control(raw: str, what: str) -> None:
    if raw.isprintable():  # no character of category C (nor Z but the space): the usual case
        return
    for char in raw:
        if unicodedata.category(char).startswith("C"):
            raise Invalid(what, "control_character",
                          f"{what} contains a control or format character (U+{ord(char):04X})")


def clean_name(raw: str) -> str:
    """A roster name NFKC-normalized and whitespace-tidied; Invalid if it is not acceptable."""
    if not isinstance(raw, str):
        raise Invalid("name", "not_text", "name must be a string")
    _reject_control(raw, "name")
    # NFKC first: it turns full-width letters and U+3000 into their ASCII forms.
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name:
        raise Invalid("name", "empty", "name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid("name", "too_long", f"name is longer than {MAX_NAME_LENGTH} characters")
    return name


def clean_optional(raw: str | None, field_max: int) -> str | None:
    """An optional field NFKC-normalized and stripped, None if blank; Invalid if unacceptable."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid("value", "not_text", "value must be a string")
    if not raw.strip():
        return None
    _reject_control(raw, "value")
    value = unicodedata.normalize("NFKC", raw).strip()
    if len(value) > field_max:
        raise Invalid("value", "too_long", f"value is longer than {field_max} characters")
    return value or None
