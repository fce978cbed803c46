"""Report phone numbers (举报电话): checked and stored in E.164 form."""

import re
import unicodedata

import phonenumbers

from service.domain.errors import Invalid

MAX_LENGTH = 32
_EXTENSION = re.compile(r"转|分机|ext|#|x\s*\d", re.IGNORECASE)


class ContactError(ValueError):
    """A phone number that cannot be accepted, with a message for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_number(number: str, region: str = "CN") -> str:
    # NFKC turns full-width digits and dashes (０１０－８３１３８９５３) into ASCII ones.
    text = unicodedata.normalize("NFKC", number).strip()
    if not text:
        raise ContactError("电话号码不能为空 / a phone number is required")
    if len(text) > MAX_LENGTH:
        raise ContactError(
            f"电话号码过长 / a phone number may have at most {MAX_LENGTH} characters"
        )
    # Checked before letters so that "ext. 5" gets the message that explains it.
    if _EXTENSION.search(text):
        raise ContactError("不接受分机号 / extensions are not accepted; give a direct number")
    # phonenumbers would read letters as a keypad (1-800-FLOWERS); a notice must show digits.
    if any(ch.isalpha() for ch in text):
        raise ContactError("电话号码只能包含数字 / a phone number may contain only digits")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ContactError(f"无法识别的电话号码 / not a phone number: {text!r}") from None
    if parsed.extension:
        raise ContactError("不接受分机号 / extensions are not accepted; give a direct number")
    if not phonenumbers.is_valid_number(parsed):
        message = f"电话号码无效 / not a valid phone number for region {region}"
        if region == "CN":
            message = (
                "电话号码无效，固定电话须带区号，例如 010-83138953 / "
                "not a valid phone number for region CN; "
                "a fixed-line number needs its area code, e.g. 010-83138953"
            )
        raise ContactError(message)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean_contacts(items: list[dict], region: str) -> list[dict]:
    """Contacts as sent ({number, label}) checked and with their E.164 form, or Invalid naming
    each bad number (a notice's and an organisation's alike)."""
    cleaned, errors = [], {}
    for index, item in enumerate(items):
        try:
            e164 = normalize_number(item["number"], region)
        except ContactError as error:
            errors[f"contacts.{index}.number"] = [error.message]
            continue
        cleaned.append({"number": item["number"].strip(), "label": item["label"].strip(),
                        "e164": e164})
    if errors:
        raise Invalid.of(errors)
    return cleaned
