"""Tests for service.domain.names: how roster names and optional fields are cleaned."""

import pytest

from service.domain.names import MAX_NAME_LENGTH, clean_name, clean_optional


def test_full_width_letters_and_spaces_are_folded():
    assert clean_name("\u3000ＺＨＡＮＧ\u3000Ｓａｎ\u3000") == "ZHANG San"


def test_inner_whitespace_is_collapsed_and_ends_stripped():
    assert clean_name("  Li   Si  ") == "Li Si"


def test_chinese_name_is_kept():
    assert clean_name("张三") == "张三"


@pytest.mark.parametrize("raw", ["张\u200b三", "Li\tSi", "Li\nSi", "Li\x00"])
def test_control_and_format_characters_are_rejected(raw):
    with pytest.raises(ValueError, match="control"):
        clean_name(raw)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000\u3000"])
def test_blank_name_is_empty(raw):
    with pytest.raises(ValueError, match="name is empty"):
        clean_name(raw)


def test_name_of_64_characters_is_accepted():
    assert clean_name("a" * MAX_NAME_LENGTH) == "a" * 64


def test_name_of_65_characters_is_rejected():
    with pytest.raises(ValueError, match="64"):
        clean_name("a" * 65)


def test_length_is_checked_after_cleaning():
    assert clean_name("  " + "a" * 64 + "  ") == "a" * 64


def test_non_string_name_is_rejected():
    with pytest.raises(ValueError, match="string"):
        clean_name(123)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank_optional_is_none(raw):
    assert clean_optional(raw, 200) is None


def test_optional_is_normalized_and_stripped():
    assert clean_optional(" 新华社　ＡＢＣ ", 200) == "新华社 ABC"


def test_optional_with_control_character_is_rejected():
    with pytest.raises(ValueError, match="control"):
        clean_optional("A\x07B", 200)


def test_optional_longer_than_its_maximum_is_rejected():
    assert clean_optional("x" * 64, 64) == "x" * 64
    with pytest.raises(ValueError, match="64"):
        clean_optional("x" * 65, 64)
