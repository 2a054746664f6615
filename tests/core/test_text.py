"""Tests for emr_desktop.core.text: name cleaning and search folding."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.text import MAX_NAME_LENGTH, fold, fold_tokens, normalize_name

# Every Vietnamese letter, precomposed, in both cases: the vowels with each of the five tone
# marks (and none), đ, and the plain consonants.
_VOWELS = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
VIETNAMESE_LETTERS = sorted(
    {
        unicodedata.normalize("NFC", vowel + tone)
        for vowel in _VOWELS + _VOWELS.upper()
        for tone in _TONES
    }
    | set("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX")
)

vietnamese_words = st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=10)
vietnamese_names = st.lists(vietnamese_words, min_size=1, max_size=5).map(" ".join)


# --- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Văn An",
        "NGUYỄN VĂN AN",
        "nguyen van an",
        "  Nguyễn \t Văn\nAn  ",
        unicodedata.normalize("NFD", "Nguyễn Văn An"),
        unicodedata.normalize("NFD", "NGUYỄN VĂN AN"),
    ],
)
def test_fold_makes_the_spellings_of_a_name_equal(text: str) -> None:
    assert fold(text) == "nguyen van an"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đặng", "dang"),
        ("đặng", "dang"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("Trương Thị Hường", "truong thi huong"),
        ("Ngô Quỳnh Như", "ngo quynh nhu"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold_examples(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_handles_characters_outside_the_latin_table() -> None:
    assert fold("ΣΟΦΊΑ") == "σοφια"
    assert fold("Straße") == "strasse"
    assert fold("日本") == "日本"
    # U+00A0 and U+3000 are whitespace too.
    assert fold("an\u00a0\u3000binh") == "an binh"


def test_every_vietnamese_letter_folds_to_one_ascii_letter() -> None:
    for letter in VIETNAMESE_LETTERS:
        folded = fold(letter)
        assert len(folded) == 1, letter
        assert folded.isascii(), letter
        assert folded.islower(), letter


@given(vietnamese_names)
def test_fold_precomposed_equals_decomposed(name: str) -> None:
    assert fold(unicodedata.normalize("NFD", name)) == fold(unicodedata.normalize("NFC", name))


@given(vietnamese_names)
def test_fold_ignores_case(name: str) -> None:
    assert fold(name.upper()) == fold(name.lower()) == fold(name)


@given(vietnamese_names)
def test_fold_of_vietnamese_is_plain_lower_ascii(name: str) -> None:
    folded = fold(name)
    assert folded.isascii()
    assert folded == folded.lower()
    assert "  " not in folded


@given(st.text())
def test_fold_is_idempotent_on_any_text(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# --- fold_tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn An", ["nguyen", "van", "an"]),
        ("  NGUYỄN,  VĂN-AN. ", ["nguyen", "van", "an"]),
        ("H'Hen Niê", ["h", "hen", "nie"]),
        ("Phòng 12_B", ["phong", "12", "b"]),
        ("", []),
        ("--- ...", []),
    ],
)
def test_fold_tokens(text: str, expected: list[str]) -> None:
    assert fold_tokens(text) == expected


@given(vietnamese_names)
def test_fold_tokens_of_a_name_are_its_folded_words(name: str) -> None:
    assert fold_tokens(name) == fold(name).split()


# --- normalize_name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("  Nguyễn   Văn \t An \r\n", "Nguyễn Văn An"),
        ("NGUYỄN VĂN ĐỨC", "Nguyễn Văn Đức"),
        ("nguyễn thị ánh", "Nguyễn Thị Ánh"),
        ("đặng thị ưng", "Đặng Thị Ưng"),
        ("H'HEN NIÊ", "H'Hen Niê"),
        ("y-moan ênuôl", "Y-Moan Ênuôl"),
        # Mixed case is kept exactly as typed.
        ("Nguyễn văn An", "Nguyễn văn An"),
        ("McDonald", "McDonald"),
        # Decomposed input comes back composed.
        (unicodedata.normalize("NFD", "Trần Thị Hường"), "Trần Thị Hường"),
        (unicodedata.normalize("NFD", "TRẦN THỊ HƯỜNG"), "Trần Thị Hường"),
    ],
)
def test_normalize_name(typed: str, expected: str) -> None:
    assert normalize_name(typed) == expected
    assert unicodedata.is_normalized("NFC", normalize_name(typed))


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("", "empty"),
        (" \t\n ", "empty"),
        ("Nguyễn Văn 2", "digits"),
        ("Nguyễn Văn ²", "digits"),
        ("Nguyễn Văn ٣", "digits"),
        ("Nguyễn\u200bVăn", "control"),
        ("Nguyễn\x00Văn", "control"),
        ("Nguyễn\x1bVăn", "control"),
        ("- . '", "letters"),
        ("A" * (MAX_NAME_LENGTH + 1), "length"),
    ],
)
def test_normalize_name_rejects(typed: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_name(typed)
    error = caught.value
    assert (error.field, error.rule) == ("full_name", rule)
    assert error.message_vi.strip()
    assert error.message_en.strip()


def test_normalize_name_reports_the_field_it_is_given() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_name("", field="guardian_name")
    assert caught.value.field == "guardian_name"


def test_normalize_name_accepts_the_longest_allowed_name() -> None:
    assert len(normalize_name("A" * MAX_NAME_LENGTH)) == MAX_NAME_LENGTH


@given(vietnamese_names)
def test_normalize_name_keeps_the_folded_name(name: str) -> None:
    assert fold(normalize_name(name)) == fold(name)


@given(vietnamese_names)
def test_normalize_name_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text(max_size=40))
def test_normalize_name_raises_only_validation_errors(text: str) -> None:
    error = None
    try:
        normalize_name(text)
    except ValidationError as caught:
        error = caught
    if error is not None:
        assert error.field == "full_name"
        assert error.message_vi
        assert error.message_en
