"""Cleaning of roster names and optional roster fields, done in one place."""

import unicodedata

from schemas.common import MAX_NAME_LENGTH


def _reject_control(raw: str, what: str) -> None:
    for char in raw:
        if unicodedata.category(char).startswith("C"):
            raise ValueError(f"{what} contains a control or format character (U+{ord(char):04X})")


def clean_name(raw: str) -> str:
    """A roster name NFKC-normalized and whitespace-tidied; ValueError if it is not acceptable."""
    if not isinstance(raw, str):
        raise ValueError("name must be a string")
    _reject_control(raw, "name")
    # NFKC first: it turns full-width letters and U+3000 into their ASCII forms.
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name:
        raise ValueError("name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return name


def clean_optional(raw: str | None, field_max: int) -> str | None:
    """An optional field NFKC-normalized and stripped, None if blank; ValueError if unacceptable."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError("value must be a string")
    if not raw.strip():
        return None
    _reject_control(raw, "value")
    value = unicodedata.normalize("NFKC", raw).strip()
    if len(value) > field_max:
        raise ValueError(f"value is longer than {field_max} characters")
    return value or None
