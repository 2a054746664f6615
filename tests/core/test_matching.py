"""Scoring likely duplicate registrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.matching import score
from emr_desktop.core.records import Patient

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _p(**values: Any) -> Patient:
    base: dict[str, Any] = {
        "id": "x",
        "facility_id": "f",
        "created_at": NOW,
        "created_by": "u",
        "device_id": "d",
        "mrn": "1",
        "full_name": "Nguyễn Văn An",
        "sex": "male",
    }
    base.update(values)
    return Patient(**base)


def test_same_cccd_is_certain_and_different_cccd_is_not() -> None:
    a = _p(cccd="001085001234", date_of_birth=BirthDate(1985))
    assert (
        score(
            a, _p(cccd="001085001234", full_name="Nguyen Van An", date_of_birth=BirthDate(1985))
        ).score
        == 1.0
    )
    assert score(a, _p(cccd="001085009999", date_of_birth=BirthDate(1985))).score == 0.0


def test_same_person_typed_twice_is_likely() -> None:
    a = _p(date_of_birth=BirthDate(1950), phones=("0912345678",), address="Thôn 3, xã Yên Lạc")
    b = _p(
        full_name="NGUYEN VAN AN",
        date_of_birth=BirthDate(1950),
        phones=("0912345678",),
        address="thon 3 xa Yen Lac",
    )
    match = score(a, b)
    assert match.likely and {"birth_year", "phone", "address"} <= set(match.reasons)


def test_namesakes_of_another_age_or_sex_are_not() -> None:
    a = _p(date_of_birth=BirthDate(1950))
    assert not score(a, _p(date_of_birth=BirthDate(1990))).likely
    assert not score(
        a, _p(sex="female", full_name="Nguyễn Thị An", date_of_birth=BirthDate(1950))
    ).likely
