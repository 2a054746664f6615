"""The wristband / label sheet: its text as pdftotext reads it, its barcodes as zbarimg
decodes them from a 300 dpi rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.printing import pdftools

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import Patient
from emr_desktop.printing.labels import LabelLayout, wristband_sheet
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import wristband_patients
from emr_desktop.store.store import Store

FACILITY = "Trung tâm Y tế huyện Thử"


def _patient(n: int, name: str, sex: str, birth: BirthDate | None, cccd: str | None) -> Patient:
    return Patient(
        id=f"p{n}",
        facility_id="f",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        created_by="u",
        device_id="d",
        mrn=f"{n:010d}",
        full_name=name,
        sex=sex,
        date_of_birth=birth,
        cccd=cccd,
    )


HOA = _patient(1234, "Nguyễn Thị Hoà", "female", BirthDate(1956, date(1956, 3, 7)), "001156012345")
DUC = _patient(98, "Trần Văn Đức", "male", BirthDate(1948), None)


def test_each_label_has_the_patient_in_vietnamese_and_the_fonts_are_embedded() -> None:
    pdf = wristband_sheet([HOA, DUC], FACILITY)
    assert pdf.startswith(b"%PDF")
    text = pdftools.text(pdf)
    for expected in (
        "TRUNG TÂM Y TẾ HUYỆN THỬ",
        "NGUYỄN THỊ HOÀ",
        "Nữ · NS: 07/03/1956 · Mã BN: 0000001234",
        "CCCD: 001156012345",
        "BN0000001234",
        "TRẦN VĂN ĐỨC",
        "Nam · NS: 1948 · Mã BN: 0000000098",
        "BN0000000098",
    ):
        assert expected in text
    assert text.count("CCCD") == 1
    pdftools.assert_only_embedded_fonts(pdf)


def test_the_barcodes_decode_to_the_wristband_codes() -> None:
    assert pdftools.barcodes(wristband_sheet([HOA, DUC], FACILITY, qr=True)) == [
        "CODE-128:BN0000000098",
        "CODE-128:BN0000001234",
        "QR-Code:BN0000000098",
        "QR-Code:BN0000001234",
    ]


def test_copies_fill_more_than_one_page() -> None:
    layout = LabelLayout()
    pdf = wristband_sheet([HOA], FACILITY, copies=layout.per_page + 1, outlines=True)
    pages = pdftools.page_texts(pdf)
    assert pages[0].count("BN0000001234") == layout.per_page
    assert pages[1].count("BN0000001234") == 1


def test_a_long_name_is_shrunk_to_fit() -> None:
    long = _patient(7, "Tôn Nữ Thị Hoàng Phương Thảo Nguyên Khánh Linh", "female", None, None)
    text = pdftools.text(wristband_sheet([long], FACILITY))
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH" in text
    assert "NS: không rõ" in text


def test_nothing_to_print_or_too_many_copies_is_refused() -> None:
    with pytest.raises(ValidationError):
        wristband_sheet([], FACILITY)
    with pytest.raises(ValidationError):
        wristband_sheet([HOA], FACILITY, copies=0)


def test_printing_from_the_store_is_audited(store: Store, nurse: Session, admin: Session) -> None:
    patient = patients.register_patient(
        store, nurse, full_name="Lý Thị Xuân", sex="female", date_of_birth="1990"
    )
    facility_name, chosen = wristband_patients(store, nurse, [patient.id], copies=2)
    pdf = wristband_sheet(chosen, facility_name, copies=2)
    text = pdftools.text(pdf)
    assert text.count(f"BN{patient.mrn}") == 2
    assert "TRUNG TÂM Y TẾ HUYỆN THỬ" in text
    with store.unit_of_work(user_id=None) as uow:
        actions = [
            r[0]
            for r in uow.conn.exec_driver_sql(
                "SELECT action FROM audit_log WHERE patient_id = ?", (patient.id,)
            )
        ]
    assert "wristband.print" in actions
    with pytest.raises(PermissionDenied):
        wristband_patients(store, admin, [patient.id])
