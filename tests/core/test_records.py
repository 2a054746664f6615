"""Invariants on the records themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    Encounter,
    Measurement,
    Patient,
    VitalSigns,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)
BASE = {"facility_id": "f", "created_at": NOW, "created_by": "u", "device_id": "d"}


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [
        ("temperature", "29.9", "°C"),
        ("temperature", "45.1", "°C"),
        ("spo2", "49", "%"),
        ("spo2", "101", "%"),
        ("systolic", "39", "mmHg"),
        ("systolic", "301", "mmHg"),
        ("pulse", "19", "/min"),
        ("pulse", "301", "/min"),
        ("weight", "0.29", "kg"),
        ("weight", "401", "kg"),
    ],
)
def test_vital_signs_outside_hard_limits(code: str, value: str, unit: str) -> None:
    with pytest.raises(ValidationError) as info:
        Measurement(code, Decimal(value), unit)
    assert info.value.field == code and info.value.rule == "physiological_range"
    assert "giới hạn sinh lý" in info.value.message_vi


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [
        ("temperature", "30", "°C"),
        ("temperature", "45", "°C"),
        ("spo2", "50", "%"),
        ("spo2", "100", "%"),
        ("systolic", "40", "mmHg"),
        ("systolic", "300", "mmHg"),
        ("pulse", "20", "/min"),
        ("pulse", "300", "/min"),
        ("weight", "0.3", "kg"),
        ("weight", "400", "kg"),
    ],
)
def test_vital_signs_at_the_limits(code: str, value: str, unit: str) -> None:
    assert Measurement(code, Decimal(value), unit).value == Decimal(value)


def test_units_are_converted_and_stored() -> None:
    fahrenheit = Measurement("temperature", Decimal("100.4"), "°F")
    assert (fahrenheit.value, fahrenheit.unit) == (Decimal("38.0"), "°C")
    grams = Measurement("weight", Decimal(3200), "g")
    assert (grams.value, grams.unit) == (Decimal("3.2"), "kg")
    with pytest.raises(ValidationError) as info:
        Measurement("pulse", Decimal(80), "Hz")
    assert info.value.rule == "unit"


def test_blood_pressure_order_and_duplicates() -> None:
    with pytest.raises(ValidationError) as info:
        VitalSigns(
            measurements=(
                Measurement("systolic", Decimal(80), "mmHg"),
                Measurement("diastolic", Decimal(90), "mmHg"),
            )
        )
    assert info.value.field == "diastolic"
    with pytest.raises(ValidationError):
        VitalSigns(measurements=())


def test_icd10_codes_are_checked_against_the_catalogue() -> None:
    assert Diagnosis(icd10=" i10 ").icd10 == "I10"
    with pytest.raises(ValidationError) as info:
        Diagnosis(icd10="Q99.99")
    assert info.value.field == "icd10" and info.value.rule == "catalog"


def test_daily_treatment_sheet_needs_orders() -> None:
    with pytest.raises(ValidationError) as info:
        ClinicalNote(note_type="daily_treatment", text="Tỉnh, sốt nhẹ")
    assert info.value.field == "orders_text"
    ClinicalNote(note_type="daily_treatment", text="Tỉnh", orders_text="Ceftriaxone 1 g x 2")


def test_signed_event_needs_its_signature() -> None:
    with pytest.raises(ValidationError):
        ClinicalEvent(
            id="e",
            facility_id="f",
            patient_id="p",
            encounter_id=None,
            effective_at=NOW,
            created_at=NOW,
            created_by="u",
            device_id="d",
            body=Diagnosis(icd10="I10"),
            status="signed",
        )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Patient(
            id="p",
            mrn="1",
            full_name="An",
            sex="male",
            **{**BASE, "created_at": datetime(2026, 1, 1)},
        )
    assert info.value.rule == "timezone"


def test_encounter_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValidationError) as info:
        Encounter(
            id="e",
            patient_id="p",
            kind="inpatient",
            started_at=NOW,
            ended_at=NOW - timedelta(hours=1),
            **BASE,
        )
    assert info.value.field == "ended_at"


def test_cccd_must_agree_with_sex_and_birth_year() -> None:
    from emr_desktop.core.birthdate import BirthDate

    with pytest.raises(ValidationError) as info:
        Patient(
            id="p",
            mrn="1",
            full_name="Lò Thị Ba",
            sex="female",
            cccd="001085001234",
            date_of_birth=BirthDate(1985),
            **BASE,
        )
    assert info.value.field == "cccd"
