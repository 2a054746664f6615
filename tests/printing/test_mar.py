"""The medication administration record: each cell read back from where pdftohtml places
its text (which order's row, which day's column), the marks and initials, amended, stopped
and erroneous orders, as-needed doses, weeks in blocks, long lists over pages, refusals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.printing import pdftools

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Encounter,
    MedicationAdministration,
    MedicationOrder,
)
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.printing.mar import mar_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    NURSE,
    NURSE2,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    unsigned,
    with_events,
)
from emr_desktop.services import clinical, documents, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

WARD = "enc-ward"
#: The first day of the stays these tests build: 01/09/2026.
DAY0 = date(2026, 9, 1)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """Local time on day `day` of a stay these tests build, as UTC."""
    local = datetime.combine(DAY0 + timedelta(days=day), time(hour, minute), VIETNAM_TZ)
    return local.astimezone(UTC)


_DAY_HEADER = re.compile(r"\d\d/\d\d")
_DOSE = re.compile(r"\d\d:\d\d")


def _cells(pdf: bytes, drugs: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """(drug, "dd/mm") → the lines of that cell: a dose line belongs to the column of the
    nearest day header above it and to the row of the nearest drug name above it."""
    runs = pdftools.runs(pdf)
    cells: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        if not _DOSE.match(run.text):
            continue
        headers = [
            r
            for r in runs
            if r.page == run.page and r.top < run.top and _DAY_HEADER.fullmatch(r.text)
        ]
        block = max(h.top for h in headers)
        column = min(
            (h for h in headers if abs(h.top - block) <= 2),
            key=lambda h: abs(h.center - run.center),
        )
        names = [r for r in runs if r.page == run.page and r.top <= run.top + 2 and r.text in drugs]
        row = max(names, key=lambda r: r.top)
        cells.setdefault((row.text, column.text), []).append(run.text)
    return cells


DRUGS = (
    "Enoxaparin 40 mg/0,4 ml",
    "Amlodipin 5 mg",
    "Nitroglycerin 0,5 mg",
    "Furosemid 20 mg/2 ml",
)


def test_the_mar_reads_as_the_form_does() -> None:
    pdf = mar_pdf(specimen_chart(), STAY_ID)
    pdftools.render(pdf, "mar-stay")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf  # A4 landscape
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH",
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "KHOA NỘI TỔNG HỢP",
        "Mã BN: 2016000123",
        "PHIẾU THEO DÕI DÙNG THUỐC",
        "Từ ngày 21/10/2026 đến ngày 27/10/2026",
        "Họ và tên: NGUYỄN THỊ HOÀ · Mã BN: 2016000123 · Ngày sinh: 07/03/1956 (70 tuổi) · "
        "Giới tính: Nữ · Số thẻ BHYT: HT2010123456789",
        "Khoa: Khoa Nội tổng hợp · Giường: 12 · Đợt điều trị: vào 20:45 21/10/2026, "
        "ra 10:00 27/10/2026 · Chẩn đoán: I20.0 — Cơn đau thắt ngực không ổn định",
        "Dị ứng: Penicilin (nặng)",
        "Enoxaparin 40 mg/0,4 ml 40 mg · tiêm dưới da · 08:00, 20:00 Từ 22/10/2026 · 6 ngày "
        "Ngừng lúc 10:00 25/10/2026",
        "Amlodipin 5 mg 1 viên · uống · 08:00 Từ 22/10/2026 · 6 ngày",
        "Nitroglycerin 0,5 mg 1 viên · ngậm dưới lưỡi · khi cần Từ 21/10/2026 · 6 ngày "
        "Khi đau ngực, cách nhau 5 phút",
        "Furosemid 20 mg/2 ml 40 mg · tiêm tĩnh mạch · 08:00, 16:00 Từ 22/10/2026 · 6 ngày "
        "Sửa y lệnh lúc 12:00 24/10/2026",
        "✓: đã dùng · H: tạm hoãn · TC: người bệnh từ chối · B: bỏ lỡ",
        "Người thực hiện — LTL: Lê Thị Lan; LTL2: Lê Thị Linh",
        "ĐIỀU DƯỠNG",
        "BÁC SĨ ĐIỀU TRỊ",
        "Ngày 20 tháng 11 năm 2026",
        "In lúc 15:30 20/11/2026",
    ):
        assert expected in text, expected
    # The order entered in error is left out.
    for absent in ("Digoxin", "BẢN NHÁP", "None", "Đã ký điện tử"):
        assert absent not in text, absent
    assert pdftools.page_count(pdf) == 1
    assert pdftools.barcodes(pdf) == ["CODE-128:2016000123"]
    pdftools.assert_only_embedded_fonts(pdf)


def test_each_dose_is_in_its_order_s_row_and_its_day_s_column() -> None:
    cells = _cells(mar_pdf(specimen_chart(), STAY_ID), DRUGS)

    def row(drug: str) -> dict[str, list[str]]:
        return {day: lines for (name, day), lines in cells.items() if name == drug}

    # Every outcome, a partial dose, a second nurse; stopped on 25/10 at 10:00.
    assert row(DRUGS[0]) == {
        "22/10": ["08:00 ✓ LTL", "20:00 H LTL"],
        "23/10": ["08:00 ✓ LTL2", "20:00 TC LTL"],
        "24/10": ["08:00 B LTL", "20:00 ✓ LTL 20 mg"],
        "25/10": ["08:00 ✓ LTL"],
    }
    # The record of 25/10 marked entered in error is left out; discharged 27/10 at 10:00.
    assert row(DRUGS[1]) == {
        day: ["08:00 ✓ LTL"] for day in ("22/10", "23/10", "24/10", "25/10", "26/10", "27/10")
    }
    # As needed: listed by the time given.
    assert row(DRUGS[2]) == {"23/10": ["14:20 ✓ LTL2", "22:05 ✓ LTL"]}
    # The amendment takes over at 12:00 on 24/10: the morning dose is the first version's
    # (20 mg, as given); a dose with nothing recorded shows its time alone.
    assert row(DRUGS[3]) == {
        "22/10": ["08:00 ✓ LTL"],
        "23/10": ["08:00 ✓ LTL"],
        "24/10": ["08:00 ✓ LTL", "16:00 ✓ LTL"],
        "25/10": ["08:00 ✓ LTL", "16:00 ✓ LTL"],
        "26/10": ["08:00 ✓ LTL", "16:00"],
        "27/10": ["08:00 ✓ LTL"],
    }


def test_a_stay_longer_than_a_week_prints_a_table_a_week() -> None:
    pdf = mar_pdf(specimen_chart(stay_days=10), STAY_ID)
    lines = [" ".join(line.split()) for line in pdftools.text(pdf).splitlines()]
    first = "Thuốc, liều, đường dùng, giờ dùng 21/10 22/10 23/10 24/10 25/10 26/10 27/10"
    second = "Thuốc, liều, đường dùng, giờ dùng 28/10 29/10 30/10 31/10"
    assert first in lines and second in lines
    assert lines[lines.index(first) + 1] == "Ngày 1 Ngày 2 Ngày 3 Ngày 4 Ngày 5 Ngày 6 Ngày 7"
    assert lines[lines.index(second) + 1] == "Ngày 8 Ngày 9 Ngày 10 Ngày 11"
    # The second week lists the orders that run in it: the stopped one no longer does.
    after = " ".join(lines[lines.index(second) :])
    assert "Amlodipin 5 mg" in after and "Furosemid 20 mg/2 ml" in after
    assert "Nitroglycerin 0,5 mg" in after
    assert "Enoxaparin" not in after


def test_unsigned_administrations_print_as_a_draft() -> None:
    chart = specimen_chart()
    second_nurse = [
        e.id
        for e in chart.events
        if e.kind == MedicationAdministration.KIND and e.created_by == NURSE2
    ]
    assert second_nurse
    assert "BẢN NHÁP" not in pdftools.flat(mar_pdf(chart, STAY_ID))
    text = pdftools.flat(mar_pdf(unsigned(chart, *second_nurse), STAY_ID))
    assert "BẢN NHÁP — CHƯA KÝ" in text


def test_forty_orders_paginate_with_the_header_on_every_page() -> None:
    events: list[ClinicalEvent] = []
    for n in range(1, 41):
        order = specimen_event(
            MedicationOrder(
                drug_code=f"T{n:04d}",
                drug_name=f"Thuốc thử số {n}",
                dose=Decimal(1),
                dose_unit="viên",
                route="oral",
                times=("08:00", "14:00", "20:00"),
                start_date=DAY0,
                days=3,
            ),
            f"ev-order-{n}",
            at=_at(0, 8),
            author=DOCTOR,
            encounter_id=WARD,
        )
        given = specimen_event(
            MedicationAdministration(
                medication_order_id=order.id,
                scheduled_for=_at(0, 8),
                outcome="given",
                dose=Decimal(1),
                dose_unit="viên",
            ),
            f"ev-given-{n}",
            at=_at(0, 8, 5),
            author=NURSE,
            encounter_id=WARD,
        )
        events += [order, given]
    chart = specimen_chart()
    stay = Encounter(
        id=WARD,
        facility_id="fac-kb",
        created_at=_at(0, 7),
        created_by=DOCTOR,
        device_id="dev-test",
        patient_id="pt-specimen",
        kind="inpatient",
        status="finished",
        started_at=_at(0, 7),
        ended_at=_at(2, 10),
    )
    chart = with_events(replace(chart, encounters=(*chart.encounters, stay)), *events)
    pdf = mar_pdf(chart, WARD)
    pdftools.render(pdf, "mar-40-orders")
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 3
    for page in pages:
        if "Thuốc thử số" in page:
            assert "Thuốc, liều, đường dùng, giờ dùng 01/09 02/09 03/09" in page
    text = pdftools.flat(pdf)
    for n in range(1, 41):
        assert f"Thuốc thử số {n} " in text, n
    # Where the patient was is not known: said so.
    assert "Khoa: không rõ · Giường: không rõ" in text
    assert "Chẩn đoán: không ghi" in text


def test_missing_and_extreme_data() -> None:
    minimal = pdftools.flat(mar_pdf(specimen_chart(minimal=True), STAY_ID))
    for expected in (
        "TRẠM Y TẾ XÃ TƯỢNG LĨNH",
        "Họ và tên: TRẦN VĂN ĐỨC",
        "Ngày sinh: 1948 (78 tuổi)",
        "Số thẻ BHYT: không có",
        "Dị ứng: chưa ghi nhận",
    ):
        assert expected in minimal, expected
    assert "None" not in minimal
    pdf = mar_pdf(specimen_chart(extreme=True), STAY_ID)
    pdftools.render(pdf, "mar-extreme")
    extreme = pdftools.flat(pdf)
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in extreme
    assert max(len(line) for line in pdftools.text(pdf).splitlines()) < 200


def test_an_encounter_without_medication_orders_is_refused() -> None:
    chart = specimen_chart()
    cancelled = changed_encounter(chart, STAY_ID, status="cancelled")
    for extract, target, rule in (
        (chart, VISIT_ID, "no_medication_orders"),
        (chart, "enc-nope", "unknown"),
        (cancelled, STAY_ID, "cancelled"),
    ):
        with pytest.raises(ValidationError) as raised:
            mar_pdf(extract, target)
        assert (raised.value.field, raised.value.rule) == ("target_id", rule)


def test_a_stay_recorded_through_the_services_prints_as_the_nurses_saw_it(
    store: Store, admin: Session, doctor: Session, nurse: Session
) -> None:
    """The extract the services gather from a real store: an order, two doses recorded,
    the order stopped, the patient discharged."""
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội")
    bed = wards.add_bed(store, admin, department_id=department.id, code="G12")
    patient = patients.register_patient(
        store, doctor, full_name="Phan Văn Đức", sex="male", date_of_birth="1958-09-02"
    )
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind="inpatient",
        department_id=department.id,
        bed_id=bed.id,
        started_at=_at(0, 9),
    )
    order = nursing.order_medication(
        store,
        doctor,
        encounter_id=stay.id,
        drug_code="T0001",
        dose=Decimal(1),
        times=("08:00", "20:00"),
        start_date=DAY0 + timedelta(days=1),
        days=3,
        sign_password=STAFF_PASSWORD,
    )
    for clock, outcome in (("08:00", "given"), ("20:00", "refused")):
        hour = int(clock[:2])
        nursing.record_administration(
            store,
            nurse,
            order_id=order.id,
            scheduled_for=_at(1, hour),
            outcome=outcome,
            reason=None if outcome == "given" else "Buồn nôn",
            sign_password=STAFF_PASSWORD,
            at=_at(1, hour, 10),
        )
    nursing.stop_medication_order(
        store,
        doctor,
        order_id=order.id,
        reason="Hết sốt",
        sign_password=STAFF_PASSWORD,
        at=_at(2, 12),
    )
    clinical.discharge_patient(store, doctor, stay.id, treatment_result="1", ended_at=_at(3, 10))

    extract = documents.chart_extract(store, nurse, patient.id, DocumentKind.MAR, stay.id)
    pdf = mar_pdf(extract, stay.id)
    drug = "Paracetamol 500 mg"
    cells = _cells(pdf, (drug,))
    assert cells == {(drug, "02/09"): ["08:00 ✓ LTH", "20:00 TC LTH"], (drug, "03/09"): ["08:00"]}
    text = pdftools.flat(pdf)
    for expected in (
        "Họ và tên: PHAN VĂN ĐỨC",
        "Khoa: Khoa Nội · Giường: G12",
        "1 viên · uống · 08:00, 20:00 Từ 02/09/2026 · 3 ngày Ngừng lúc 12:00 03/09/2026",
        "Người thực hiện — LTH: Lê Thị Hoa",
        "Từ ngày 01/09/2026 đến ngày 04/09/2026",
    ):
        assert expected in text, expected
    assert "BẢN NHÁP" not in text
