"""The national e-prescription code, and prescriptions signed before it existed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from emr_desktop.core.eprescription import (
    new_prescription_code,
    prescription_type,
    validate_prescription_code,
)
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import ClinicalEvent, Prescription, PrescriptionItem


def test_a_new_code_is_the_facility_seven_random_characters_and_the_type() -> None:
    codes = {new_prescription_code("35001", "c") for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14
        assert code.startswith("35001") and code.endswith("-c")
        assert code[5:12].isalnum() and code[5:12] == code[5:12].upper()
    assert prescription_type(new_prescription_code("35001", "n")) == "n"
    assert prescription_type(new_prescription_code("35001", "h")) == "h"


def test_the_program_never_issues_the_unconfirmed_type_y() -> None:
    with pytest.raises(ValidationError) as raised:
        new_prescription_code("35001", "y")
    assert raised.value.field == "prescription_type"
    assert validate_prescription_code("40618R001935-y") == "40618R001935-y"


@pytest.mark.parametrize(
    "code",
    [
        "35001ABCDEF-c",
        "35001ABCDEFGH-c",
        "35001ABCDEFGc",
        "35001ABC DEFG-c",
        "35001ABCDEFG-x",
        "35001ÂBCDEFG-c",
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_prescription_code(code)
    assert raised.value.field == "prescription_code"


def test_a_code_is_upper_cased_on_its_serial_only() -> None:
    assert validate_prescription_code(" 35001abcdefg-c ") == "35001ABCDEFG-c"


def _event(body: Prescription) -> ClinicalEvent:
    moment = datetime(2025, 6, 1, tzinfo=UTC)
    return ClinicalEvent(
        id="e1",
        facility_id="f",
        patient_id="p",
        encounter_id=None,
        effective_at=moment,
        created_at=moment,
        created_by="u",
        device_id="d",
        body=body,
    )


def test_a_prescription_signed_before_codes_existed_keeps_its_signature() -> None:
    body = Prescription(
        items=(PrescriptionItem("T1", "Paracetamol 500 mg", "1 viên", Decimal(10), "viên", 5),)
    )
    content = json.loads(_event(body).signed_content())
    # Exactly the body a PC signed before `code` was added: no "code" key at all.
    assert "code" not in content["body"]
    with_code = _event(replace(body, code="35001ABCDEFG-c"))
    assert json.loads(with_code.signed_content())["body"]["code"] == "35001ABCDEFG-c"
    assert with_code.content_digest() != _event(body).content_digest()
    other = _event(replace(body, code="35001ABCDEFH-c"))
    assert other.content_digest() != with_code.content_digest()
