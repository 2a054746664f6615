"""Records survive the trip to plain JSON data and back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.records import (
    ClinicalEvent,
    Measurement,
    Patient,
    Prescription,
    PrescriptionItem,
    VitalSigns,
)

NOW = datetime(2026, 11, 21, 3, 4, 5, 678000, tzinfo=UTC)


def test_patient_round_trip() -> None:
    patient = Patient(
        id="p1",
        facility_id="f",
        created_at=NOW,
        created_by="u",
        device_id="d",
        mrn="0001000001",
        full_name="Vi Thị Sen",
        sex="female",
        date_of_birth=BirthDate(1899),
        phones=("0912345678", "0388000111"),
        bhyt_valid_to=date(2026, 12, 31),
    )
    plain = json.loads(json.dumps(to_plain(patient)))
    assert plain["date_of_birth"] == "1899"
    assert plain["created_at"] == "2026-11-21T03:04:05.678Z"
    assert from_plain(Patient, plain) == patient


def test_event_bodies_keep_exact_decimals() -> None:
    body = Prescription(
        items=(
            PrescriptionItem(
                drug_code="T1",
                drug_name="Oresol",
                dosage="1 gói pha 200 ml",
                quantity=Decimal("2.5"),
                unit="gói",
                days=2,
            ),
        )
    )
    plain = to_plain(body)
    assert plain["items"][0]["quantity"] == "2.5"
    assert from_plain(Prescription, plain) == body
    vitals = VitalSigns(measurements=(Measurement("temperature", Decimal("36.6"), "°C"),))
    assert from_plain(VitalSigns, json.loads(json.dumps(to_plain(vitals)))) == vitals


def test_signed_content_is_canonical() -> None:
    event = ClinicalEvent(
        id="e1",
        facility_id="f",
        patient_id="p",
        encounter_id=None,
        effective_at=NOW,
        created_at=NOW,
        created_by="u",
        device_id="d",
        body=VitalSigns(measurements=(Measurement("pulse", Decimal(72), "/min"),)),
    )
    content = event.signed_content()
    assert json.loads(content)["body"]["measurements"][0]["value"] == "72"
    assert b" " not in content.replace(b"/min", b"")
    assert event.content_digest() == event.content_digest()
