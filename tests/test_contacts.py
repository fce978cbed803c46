"""Tests for report phone numbers: normalization to E.164 and clear rejections."""

import pytest

from service.domain.contacts import ContactError, normalize_number


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("010-83138953", "+861083138953"),
        ("+44 20 7946 0018", "+442079460018"),
    ],
)
def test_seed_numbers_normalize_to_e164(number, expected):
    assert normalize_number(number) == expected


def test_mobile_number():
    assert normalize_number("13800138000") == "+8613800138000"


@pytest.mark.parametrize("number", ["+86 10 8313 8953", "0086 10 83138953", "(010) 8313 8953"])
def test_other_spellings_of_the_same_fixed_line(number):
    assert normalize_number(number) == "+861083138953"


def test_international_number_with_other_default_region():
    assert normalize_number("020 7946 0018", region="GB") == "+442079460018"


def test_full_width_digits_and_dash():
    assert normalize_number("０１０－８３１３８９５３") == "+861083138953"


def test_surrounding_whitespace_is_stripped():
    assert normalize_number("  010-83138953\n") == "+861083138953"


def test_local_number_without_area_code_is_rejected_with_a_hint():
    with pytest.raises(ContactError) as caught:
        normalize_number("83138953")
    assert "not a valid phone number for region CN" in caught.value.message
    assert "needs its area code, e.g. 010-83138953" in caught.value.message
    assert "区号" in caught.value.message


def test_letters_are_rejected():
    with pytest.raises(ContactError) as caught:
        normalize_number("1-800-FLOWERS")
    assert "only digits" in caught.value.message


@pytest.mark.parametrize("number", ["", "   ", "\u3000"])
def test_empty_is_rejected(number):
    with pytest.raises(ContactError) as caught:
        normalize_number(number)
    assert "required" in caught.value.message


@pytest.mark.parametrize(
    "number", ["010-83138953转123", "010-83138953 ext. 5", "010-83138953 x5", "010-83138953#5"]
)
def test_extension_is_rejected(number):
    with pytest.raises(ContactError) as caught:
        normalize_number(number)
    assert "extensions are not accepted" in caught.value.message


def test_too_long_is_rejected():
    with pytest.raises(ContactError) as caught:
        normalize_number("010-" + "8" * 29)
    assert "at most 32 characters" in caught.value.message


def test_unparseable_is_rejected():
    with pytest.raises(ContactError):
        normalize_number("+")


def test_error_is_a_value_error():
    with pytest.raises(ValueError):
        normalize_number("83138953")
