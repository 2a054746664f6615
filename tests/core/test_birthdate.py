"""Tests for emr_desktop.core.birthdate: full or year-only dates of birth."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.core.birthdate import MAX_AGE, BirthDate
from emr_desktop.core.errors import ValidationError

TODAY = dt.date(2025, 3, 6)


@pytest.mark.parametrize(
    ("text", "iso", "date"),
    [
        ("1956", "1956", None),
        (" 1956 ", "1956", None),
        ("1956-03-07", "1956-03-07", dt.date(1956, 3, 7)),
        ("1956-3-7", "1956-03-07", dt.date(1956, 3, 7)),
        ("07/03/1956", "1956-03-07", dt.date(1956, 3, 7)),
        ("7/3/1956", "1956-03-07", dt.date(1956, 3, 7)),
        ("07-03-1956", "1956-03-07", dt.date(1956, 3, 7)),
        ("07.03.1956", "1956-03-07", dt.date(1956, 3, 7)),
        ("29/02/2024", "2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_parse(text: str, iso: str, date: dt.date | None) -> None:
    birth = BirthDate.parse(text, today=TODAY)
    assert birth.year == 1956 or birth.year == 2024
    assert birth.date == date
    assert birth.is_year_only is (date is None)
    assert birth.iso() == iso
    assert str(birth) == iso


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "format"),
        ("56", "format"),
        ("195", "format"),
        ("abcd", "format"),
        ("1956/03/07", "format"),
        ("07/03-1956", "format"),
        ("03/1956", "format"),
        ("07/03/56", "format"),
        ("١٩٥٦", "format"),
        ("31/02/1956", "format"),
        ("29/02/2023", "format"),
        ("1956-13-01", "format"),
        ("0000", "format"),
        ("2026", "future"),
        ("07/03/2025", "future"),
        ("1894", "max_age"),
        ("06/03/1894", "max_age"),
    ],
)
def test_parse_rejects(text: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BirthDate.parse(text, today=TODAY)
    error = caught.value
    assert (error.field, error.rule) == ("date_of_birth", rule)
    assert error.message_vi.strip()
    assert error.message_en.strip()


def test_boundaries_of_plausible() -> None:
    assert BirthDate.parse("2025", today=TODAY).year == 2025
    assert BirthDate.parse("06/03/2025", today=TODAY).age_on(TODAY) == 0
    assert BirthDate.parse("1895", today=TODAY).age_on(TODAY) == MAX_AGE
    assert BirthDate.parse("07/03/1894", today=TODAY).age_on(TODAY) == MAX_AGE


def test_parse_defaults_to_the_local_date() -> None:
    assert BirthDate.parse("1956").year == 1956
    with pytest.raises(ValidationError):
        BirthDate.parse(str(dt.date.today().year + 1))


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (BirthDate(1956, dt.date(1956, 3, 7)), dt.date(2025, 3, 6), 68),
        (BirthDate(1956, dt.date(1956, 3, 7)), dt.date(2025, 3, 7), 69),
        (BirthDate(1956), dt.date(2025, 1, 1), 69),
        (BirthDate(2024, dt.date(2024, 2, 29)), dt.date(2025, 2, 28), 0),
        (BirthDate(2024, dt.date(2024, 2, 29)), dt.date(2025, 3, 1), 1),
    ],
)
def test_age_on(birth: BirthDate, on: dt.date, age: int) -> None:
    assert birth.age_on(on) == age


def test_constructor_checks_that_year_and_date_agree() -> None:
    with pytest.raises(ValidationError) as caught:
        BirthDate(1957, dt.date(1956, 3, 7))
    assert (caught.value.field, caught.value.rule) == ("date_of_birth", "format")
    with pytest.raises(ValidationError):
        BirthDate(0)


def test_constructor_does_not_depend_on_today() -> None:
    # Stored records are read back without a plausibility check.
    assert BirthDate(3000).iso() == "3000"


def test_of_and_of_year_check_plausibility() -> None:
    assert BirthDate.of(dt.date(1990, 1, 2), today=TODAY).iso() == "1990-01-02"
    assert BirthDate.of_year(1990, today=TODAY).iso() == "1990"
    with pytest.raises(ValidationError, match="future"):
        BirthDate.of(dt.date(2025, 3, 7), today=TODAY)
    with pytest.raises(ValidationError) as caught:
        BirthDate.of_year(1800, today=TODAY)
    assert caught.value.rule == "max_age"


def test_is_frozen_and_comparable() -> None:
    birth = BirthDate.parse("1956", today=TODAY)
    assert birth == BirthDate(1956)
    assert birth != BirthDate(1956, dt.date(1956, 1, 1))
    with pytest.raises(AttributeError):
        birth.year = 1957  # type: ignore[misc]


@given(st.dates(min_value=dt.date(1895, 3, 6), max_value=TODAY))
def test_full_dates_round_trip_through_both_forms(date: dt.date) -> None:
    birth = BirthDate.of(date, today=TODAY)
    assert BirthDate.parse(birth.iso(), today=TODAY) == birth
    assert BirthDate.parse(date.strftime("%d/%m/%Y"), today=TODAY) == birth
    assert 0 <= birth.age_on(TODAY) <= MAX_AGE


@given(st.integers(min_value=1895, max_value=2025))
def test_years_round_trip(year: int) -> None:
    birth = BirthDate.parse(str(year), today=TODAY)
    assert birth == BirthDate(year)
    assert BirthDate.parse(birth.iso(), today=TODAY) == birth


@given(st.text(max_size=20))
def test_parse_raises_only_validation_errors(text: str) -> None:
    error = None
    try:
        BirthDate.parse(text, today=TODAY)
    except ValidationError as caught:
        error = caught
    if error is not None:
        assert error.field == "date_of_birth"
        assert error.message_vi
        assert error.message_en
