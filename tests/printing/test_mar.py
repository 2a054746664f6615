"""The medication administration record: each cell read back from where pdftohtml places
its text (which order's row, which day's column), the marks and initials, amended, stopped
and erroneous orders, as-needed doses, weeks in blocks, long lists over pages, refusals."""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.printing import pdftools

from emr_desktop.core.documents import ChartExtract, DocumentKind
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Diagnosis,
    Encounter,
    EventBody,
    EventStatus,
    MedicationAdministration,
    MedicationOrder,
    Movement,
)
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.printing.mar import mar_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    NURSE,
    RADIOLOGIST,
    STAFF,
    STAY_ID,
    VISIT_ID,
    specimen_chart,
)
from emr_desktop.services import clinical, documents, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

WARD = "enc-ward"
#: A second nurse whose initials are the first one's (Lê Thị Lan): printed "LTL2".
LINH = "u-dd-linh"
#: The ward stay's first day: 01/09/2026.
DAY0 = date(2026, 9, 1)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """Local time on day `day` of the ward stay, as UTC."""
    local = datetime.combine(DAY0 + timedelta(days=day), time(hour, minute), VIETNAM_TZ)
    return local.astimezone(UTC)


class _Chart:
    """Events of the ward stay, written in order."""

    def __init__(self) -> None:
        self.events: list[ClinicalEvent] = []

    def add(
        self,
        body: EventBody,
        at: datetime,
        *,
        author: str = NURSE,
        event_id: str | None = None,
        signed: bool = True,
        created_at: datetime | None = None,
        **correction: str,
    ) -> str:
        event = ClinicalEvent(
            id=event_id or f"ev-ward-{len(self.events):04d}",
            facility_id="fac-kb",
            patient_id="pt-specimen",
            encounter_id=WARD,
            effective_at=at,
            created_at=created_at or at,
            created_by=author,
            device_id="dev-test",
            body=body,
            **correction,  # type: ignore[arg-type]
        )
        if signed:
            event = replace(
                event,
                status=EventStatus.SIGNED,
                signed_by=author,
                signed_at=at,
                content_hash=event.content_digest(),
            )
        self.events.append(event)
        return event.id

    def give(
        self,
        order_id: str,
        day: int,
        clock: str | None,
        outcome: str = "given",
        *,
        author: str = NURSE,
        dose: str = "1",
        unit: str = "g",
        at: tuple[int, int] | None = None,
        **kw: object,
    ) -> str:
        scheduled = None
        if clock is not None:
            hour, minute = (int(x) for x in clock.split(":"))
            scheduled = _at(day, hour, minute)
        given = outcome == "given"
        body = MedicationAdministration(
            medication_order_id=order_id,
            scheduled_for=scheduled,
            outcome=outcome,
            dose=Decimal(dose) if given else None,
            dose_unit=unit if given else None,
            reason=None if given else "Lý do ghi trong phiếu",
            **kw,  # type: ignore[arg-type]
        )
        when = _at(day, *at) if at else (scheduled or _at(day, 12)) + timedelta(minutes=5)
        return self.add(body, when, author=author)


def _order(
    drug: str, dose: str, unit: str, route: str, times: Sequence[str], **kw: object
) -> MedicationOrder:
    return MedicationOrder(
        drug_code=drug[:4].upper(),
        drug_name=drug,
        dose=Decimal(dose),
        dose_unit=unit,
        route=route,
        times=tuple(times),
        **kw,  # type: ignore[arg-type]
    )


def _ward_chart(*, signed_administrations: bool = True) -> ChartExtract:
    """The specimen chart with a ten-day ward stay (01/09 – 10/09/2026): an antibiotic
    with every outcome, an as-needed drug, an amended order, a stopped one and one entered
    in error."""
    c = _Chart()
    c.add(Movement(movement="admission", department_id="d-hscc"), _at(0, 9), author=DOCTOR)
    c.add(
        Diagnosis(icd10="J18.9", rank="primary", description="Viêm phổi nặng"),
        _at(0, 9, 30),
        author=DOCTOR,
    )
    antibiotic = c.add(
        _order(
            "Ceftriaxon 1 g",
            "1",
            "g",
            "iv",
            ("08:00", "20:00"),
            start_date=DAY0 + timedelta(1),
            days=9,
        ),
        _at(0, 10),
        author=DOCTOR,
    )
    fever = c.add(
        _order(
            "Paracetamol 500 mg", "500", "mg", "oral", (), start_date=DAY0, days=10, as_needed=True
        ),
        _at(0, 10, 1),
        author=DOCTOR,
    )
    diuretic = c.add(
        _order(
            "Furosemid 20 mg", "20", "mg", "iv", ("08:00",), start_date=DAY0 + timedelta(1), days=9
        ),
        _at(0, 10, 2),
        author=DOCTOR,
    )
    heparin = c.add(
        _order(
            "Enoxaparin 40 mg", "40", "mg", "sc", ("20:00",), start_date=DAY0 + timedelta(1), days=9
        ),
        _at(0, 10, 3),
        author=DOCTOR,
    )
    wrong = c.add(
        _order(
            "Digoxin 0,25 mg",
            "1",
            "viên",
            "oral",
            ("08:00",),
            start_date=DAY0 + timedelta(1),
            days=9,
        ),
        _at(0, 10, 4),
        author=DOCTOR,
    )
    c.add(
        _order(
            "Digoxin 0,25 mg",
            "1",
            "viên",
            "oral",
            ("08:00",),
            start_date=DAY0 + timedelta(1),
            days=9,
        ),
        _at(0, 10, 4),
        author=DOCTOR,
        created_at=_at(0, 11),
        corrects=wrong,
        correction="entered_in_error",
        correction_reason="Nhầm bệnh nhân",
    )
    c.add(
        Movement(movement="transfer", department_id="d-noi", bed_id="b-noi-12"),
        _at(1, 9),
        author=DOCTOR,
    )
    # The antibiotic: every outcome, a partial dose, a dose not recorded.
    c.give(antibiotic, 1, "08:00")
    c.give(antibiotic, 1, "20:00", "held")
    c.give(antibiotic, 2, "08:00", "refused", author=LINH)
    c.give(antibiotic, 2, "20:00", "missed")
    c.give(antibiotic, 3, "08:00", dose="0.5")
    c.give(antibiotic, 8, "08:00")
    # A record marked entered in error is not printed.
    mistaken = c.give(antibiotic, 4, "08:00", author=RADIOLOGIST)
    assert isinstance(c.events[-1].body, MedicationAdministration)
    c.add(
        c.events[-1].body,
        _at(4, 8, 5),
        author=RADIOLOGIST,
        corrects=mistaken,
        correction="entered_in_error",
        correction_reason="Nhầm",
    )
    # As needed: listed by the time given.
    c.give(fever, 2, None, author=LINH, dose="500", unit="mg", at=(14, 20))
    c.give(fever, 2, None, dose="500", unit="mg", at=(22, 5))
    # The diuretic is raised to 40 mg twice a day from 05/09 12:00.
    c.give(diuretic, 4, "08:00", dose="20", unit="mg")
    raised = c.add(
        _order(
            "Furosemid 20 mg",
            "40",
            "mg",
            "iv",
            ("08:00", "16:00"),
            start_date=DAY0 + timedelta(1),
            days=9,
        ),
        _at(0, 10, 2),
        author=DOCTOR,
        created_at=_at(4, 12),
        corrects=diuretic,
        correction="amends",
        correction_reason="Tăng liều",
    )
    c.give(raised, 4, "16:00", dose="40", unit="mg")
    # The anticoagulant is stopped on 04/09 at 10:00: its last dose was 03/09 20:00.
    c.give(heparin, 1, "20:00", dose="40", unit="mg")
    c.give(heparin, 2, "20:00", dose="40", unit="mg")
    c.add(
        _order(
            "Enoxaparin 40 mg", "40", "mg", "sc", ("20:00",), start_date=DAY0 + timedelta(1), days=2
        ),
        _at(3, 10),
        author=DOCTOR,
        corrects=heparin,
        correction="amends",
        correction_reason="Ngừng thuốc",
    )
    events = c.events
    if not signed_administrations:
        events = [
            replace(e, status=EventStatus.DRAFT, signed_by=None, signed_at=None, content_hash=None)
            if e.kind == MedicationAdministration.KIND and e.created_by == LINH
            else e
            for e in events
        ]
    chart = specimen_chart()
    stay = Encounter(
        id=WARD,
        facility_id="fac-kb",
        created_at=_at(0, 9),
        created_by=DOCTOR,
        device_id="dev-test",
        patient_id="pt-specimen",
        kind="inpatient",
        status="finished",
        started_at=_at(0, 9),
        ended_at=_at(9, 10),
        department_id="d-hscc",
        attending_id=DOCTOR,
    )
    return replace(
        chart,
        encounters=(*chart.encounters, stay),
        events=(*chart.events, *events),
        staff={**STAFF, LINH: "Lê Thị Linh"},
    )


@dataclass(frozen=True)
class _Run:
    page: int
    top: int
    left: int
    width: int
    text: str
    bold: bool

    @property
    def center(self) -> float:
        return self.left + self.width / 2


def _runs(pdf: bytes) -> list[_Run]:
    """Every run of text pdftohtml finds, with its page and place."""
    pdftools.need("pdftohtml")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        xml = subprocess.run(
            ["pdftohtml", "-xml", "-i", "-stdout", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    runs: list[_Run] = []
    page = 0
    for line in xml.splitlines():
        if line.startswith("<page "):
            page += 1
        found = re.match(
            r'<text top="(\d+)" left="(\d+)" width="(\d+)" height="\d+" font="\d+">(.*)</text>',
            line,
        )
        if found:
            inner = found.group(4)
            text = html.unescape(re.sub(r"<[^>]+>", "", inner))
            top, left, width = (int(found.group(n)) for n in (1, 2, 3))
            runs.append(_Run(page, top, left, width, text, "<b>" in inner))
    return runs


_DAY_HEADER = re.compile(r"\d\d/\d\d")
_DOSE = re.compile(r"\d\d:\d\d")


def _cells(pdf: bytes, drugs: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """(drug, "dd/mm") → the lines of that cell: a dose line belongs to the column of the
    nearest day header above it and to the row of the nearest drug name above it."""
    runs = _runs(pdf)
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


DRUGS = ("Ceftriaxon 1 g", "Paracetamol 500 mg", "Furosemid 20 mg", "Enoxaparin 40 mg")


def test_the_mar_reads_as_the_form_does() -> None:
    pdf = mar_pdf(_ward_chart(), WARD)
    pdftools.render(pdf, "mar-ward")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf  # A4 landscape
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH",
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "KHOA NỘI TỔNG HỢP",
        "Mã BN: 2016000123",
        "PHIẾU THEO DÕI DÙNG THUỐC",
        "Từ ngày 01/09/2026 đến ngày 10/09/2026",
        "Họ và tên: NGUYỄN THỊ HOÀ · Mã BN: 2016000123 · Ngày sinh: 07/03/1956 (70 tuổi) · "
        "Giới tính: Nữ · Số thẻ BHYT: HT2010123456789",
        "Khoa: Khoa Nội tổng hợp · Giường: 12 · Đợt điều trị: vào 09:00 01/09/2026, "
        "ra 10:00 10/09/2026 · Chẩn đoán: J18.9 — Viêm phổi",
        "Dị ứng: Penicilin (nặng)",
        "Ceftriaxon 1 g 1 g · tiêm tĩnh mạch · 08:00, 20:00 Từ 02/09/2026 · 9 ngày",
        "Paracetamol 500 mg 500 mg · uống · khi cần Từ 01/09/2026 · 10 ngày",
        "Furosemid 20 mg 40 mg · tiêm tĩnh mạch · 08:00, 16:00 Từ 02/09/2026 · 9 ngày "
        "Sửa y lệnh lúc 12:00 05/09/2026",
        "Enoxaparin 40 mg 40 mg · tiêm dưới da · 20:00 Từ 02/09/2026 · 9 ngày "
        "Ngừng lúc 10:00 04/09/2026",
        "✓: đã dùng · H: tạm hoãn · TC: người bệnh từ chối · B: bỏ lỡ",
        "Người thực hiện — LTL: Lê Thị Lan; LTL2: Lê Thị Linh",
        "ĐIỀU DƯỠNG",
        "BÁC SĨ ĐIỀU TRỊ",
        "Ngày 20 tháng 11 năm 2026",
        "In lúc 15:30 20/11/2026",
    ):
        assert expected in text, expected
    for absent in ("Digoxin", "ĐTT", "BẢN NHÁP", "None", "Đã ký điện tử"):
        assert absent not in text, absent
    pdftools.assert_only_embedded_fonts(pdf)


def test_each_dose_is_in_its_order_s_row_and_its_day_s_column() -> None:
    cells = _cells(mar_pdf(_ward_chart(), WARD), DRUGS)
    ceftriaxone = {day: lines for (drug, day), lines in cells.items() if drug == DRUGS[0]}
    assert ceftriaxone == {
        "02/09": ["08:00 ✓ LTL", "20:00 H LTL"],
        "03/09": ["08:00 TC LTL2", "20:00 B LTL"],
        "04/09": ["08:00 ✓ LTL 0,5 g", "20:00"],
        "05/09": ["08:00", "20:00"],  # the record marked in error is left out
        "06/09": ["08:00", "20:00"],
        "07/09": ["08:00", "20:00"],
        "08/09": ["08:00", "20:00"],
        "09/09": ["08:00 ✓ LTL", "20:00"],
        "10/09": ["08:00"],  # discharged at 10:00
    }
    assert {day: lines for (drug, day), lines in cells.items() if drug == DRUGS[1]} == {
        "03/09": ["14:20 ✓ LTL2", "22:05 ✓ LTL"]
    }
    # The amendment takes over at 12:00 on 05/09: the morning dose is the first version's.
    furosemide = {day: lines for (drug, day), lines in cells.items() if drug == DRUGS[2]}
    assert furosemide["04/09"] == ["08:00"]
    assert furosemide["05/09"] == ["08:00 ✓ LTL", "16:00 ✓ LTL"]
    assert furosemide["06/09"] == ["08:00", "16:00"]
    assert furosemide["10/09"] == ["08:00"]
    # Stopped on 04/09 at 10:00, after its last dose: nothing after 03/09.
    assert {day: lines for (drug, day), lines in cells.items() if drug == DRUGS[3]} == {
        "02/09": ["20:00 ✓ LTL"],
        "03/09": ["20:00 ✓ LTL"],
    }


def test_a_stay_longer_than_a_week_prints_a_table_a_week() -> None:
    pdf = mar_pdf(_ward_chart(), WARD)
    lines = [" ".join(line.split()) for line in pdftools.text(pdf).splitlines()]
    first = "Thuốc, liều, đường dùng, giờ dùng 01/09 02/09 03/09 04/09 05/09 06/09 07/09"
    second = "Thuốc, liều, đường dùng, giờ dùng 08/09 09/09 10/09"
    assert first in lines and second in lines
    assert lines[lines.index(first) + 1] == "Ngày 1 Ngày 2 Ngày 3 Ngày 4 Ngày 5 Ngày 6 Ngày 7"
    assert lines[lines.index(second) + 1] == "Ngày 8 Ngày 9 Ngày 10"
    # The second week lists the orders that run in it: the stopped one no longer does.
    after = " ".join(lines[lines.index(second) :])
    assert "Ceftriaxon 1 g" in after and "Furosemid 20 mg" in after
    assert "Paracetamol 500 mg" in after
    assert "Enoxaparin" not in after


def test_unsigned_administrations_print_as_a_draft() -> None:
    text = pdftools.flat(mar_pdf(_ward_chart(signed_administrations=False), WARD))
    assert "BẢN NHÁP — CHƯA KÝ" in text


def test_the_specimen_stay_and_its_barcode() -> None:
    pdf = mar_pdf(specimen_chart(), STAY_ID)
    assert pdftools.barcodes(pdf) == ["CODE-128:2016000123"]
    cells = _cells(pdf, ("Enoxaparin 40 mg/0,4 ml", "Amlodipin 5 mg"))
    assert cells[("Enoxaparin 40 mg/0,4 ml", "23/10")] == ["08:00 ✓ LTL", "20:00 TC LTL"]
    assert cells[("Amlodipin 5 mg", "27/10")] == ["08:00 ✓ LTL"]
    assert pdftools.page_count(pdf) == 1


def test_forty_orders_paginate_with_the_header_on_every_page() -> None:
    c = _Chart()
    for n in range(1, 41):
        order = c.add(
            _order(
                f"Thuốc thử số {n}",
                "1",
                "viên",
                "oral",
                ("08:00", "14:00", "20:00"),
                start_date=DAY0,
                days=3,
            ),
            _at(0, 8),
            author=DOCTOR,
        )
        c.give(order, 0, "08:00", dose="1", unit="viên")
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
    chart = replace(chart, encounters=(*chart.encounters, stay), events=(*chart.events, *c.events))
    pdf = mar_pdf(chart, WARD)
    pdftools.render(pdf, "mar-40-orders")
    pages = pdftools.page_texts(pdf)
    assert len(pages) == pdftools.page_count(pdf) >= 3
    for number, page in enumerate(pages, 1):
        flat = " ".join(page.split())
        if "Thuốc thử số" in flat:
            assert "Thuốc, liều, đường dùng, giờ dùng 01/09 02/09 03/09" in flat
        assert f"Trang {number}/{len(pages)}" in flat
        assert "Mã BN: 2016000123 — NGUYỄN THỊ HOÀ" in flat
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
    for target, rule in ((VISIT_ID, "no_medication_orders"), ("enc-nope", "unknown")):
        with pytest.raises(ValidationError) as raised:
            mar_pdf(specimen_chart(), target)
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
