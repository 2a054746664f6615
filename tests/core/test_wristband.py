"""The wristband barcode text: one rule for the printed label and the nurse's scan."""

from __future__ import annotations

from datetime import UTC, datetime

from emr_desktop.core.records import Patient
from emr_desktop.core.wristband import WRISTBAND_PREFIX, wristband_code


def test_the_wristband_holds_the_prefix_and_the_record_number() -> None:
    patient = Patient(
        id="p1",
        facility_id="f1",
        created_at=datetime(2026, 11, 22, tzinfo=UTC),
        created_by="u1",
        device_id="d1",
        mrn="0001000326",
        full_name="Nguyễn Bảo Nhạc",
        sex="male",
        cccd="075201649405",
    )
    code = wristband_code(patient)
    assert code == "BN0001000326"
    assert code.startswith(WRISTBAND_PREFIX)
    # The CCCD is never on the wristband.
    assert "075201649405" not in code
