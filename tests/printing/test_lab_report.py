"""The lab result report: its text as pdftotext reads it, the abnormal rows in bold (as
pdftohtml reports the runs), the MRN barcode, grouping by order, long reports, refusals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.printing import pdftools

from emr_desktop.core.documents import ChartExtract, DocumentKind
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    LabResult,
    Order,
)
from emr_desktop.printing.lab_report import lab_report_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    LAB,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    with_events,
)
from emr_desktop.services import clinical, documents, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

#: 20/11/2026 10:00, Vietnam time.
_LATER = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
_HEADER = "STT Tên xét nghiệm Kết quả Đơn vị Trị số tham chiếu Đánh giá"


#: A result of today's visit, reported at 10:00 by the lab technician.
_event = partial(specimen_event, at=_LATER, author=LAB, encounter_id=VISIT_ID)


def _lab_order_id(chart: ChartExtract) -> str:
    (order,) = [
        e
        for e in chart.events_of(VISIT_ID, Order.KIND)
        if isinstance(e.body, Order) and e.body.service_code == "XN-TQ"
    ]
    return order.id


def _result(
    event_id: str, order_id: str | None, name: str, value: str, **kw: object
) -> ClinicalEvent:
    body = LabResult(
        test_code=event_id.upper(),
        test_name=name,
        value=value,
        order_id=order_id,
        **kw,  # type: ignore[arg-type]
    )
    return _event(body, event_id)


def _rows(pdf: bytes) -> list[str]:
    """The lines of the layout text after the table's header row, runs of spaces made
    single: a table row a line."""
    lines = [" ".join(line.split()) for line in pdftools.text(pdf).splitlines()]
    return lines[lines.index(_HEADER) + 1 :]


def test_the_lab_report_reads_as_the_form_does() -> None:
    pdf = lab_report_pdf(specimen_chart(), VISIT_ID)
    pdftools.render(pdf, "lab-report-specimen")
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH",
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Mã BN: 2016000123",
        "PHIẾU KẾT QUẢ XÉT NGHIỆM",
        "Họ và tên: NGUYỄN THỊ HOÀ",
        "Ngày sinh: 07/03/1956 (70 tuổi)",
        "Số thẻ BHYT: HT2010123456789 (hạn đến 31/12/2026)",
        "Khoa/phòng: Khoa Khám bệnh",
        "Chẩn đoán: J18.9 — Viêm phổi; I10 — Tăng huyết áp vô căn; E11.9 — Đái tháo đường typ 2",
        "Người chỉ định: Trần Văn Minh",
        "Thời gian chỉ định: 08:10 20/11/2026",
        "Thời gian trả kết quả: 09:30 20/11/2026",
        "H: cao hơn trị số tham chiếu · L: thấp hơn trị số tham chiếu · *: bất thường",
        "Ngày 20 tháng 11 năm 2026",
        "NGƯỜI THỰC HIỆN",
        "TRƯỞNG KHOA XÉT NGHIỆM",
        "Đã ký điện tử lúc 09:35 20/11/2026",
        "Phạm Quốc Huy",
        "Trang 1/1",
        "In lúc 15:30 20/11/2026",
    ):
        assert expected in text, expected
    rows = _rows(pdf)
    assert rows[:4] == [
        "1 Hồng cầu (RBC) 4,12 T/L 3,8 – 5",
        "2 Huyết sắc tố (HGB) 118 g/L 120 – 150 L",
        "3 Bạch cầu (WBC) 11,8 G/L 4 – 10 H",
        "4 Tiểu cầu (PLT) 254 G/L 150 – 400",
    ]
    assert "8 AST (GOT) 32 U/L ≤ 37" in rows
    assert rows[11] == "12 Natri 138 mmol/L 135 – 145"
    # One order: no group row.
    assert "Xét nghiệm máu tổng quát" not in text
    assert "BẢN NHÁP" not in text
    assert "None" not in text
    assert pdftools.page_count(pdf) == 1
    pdftools.assert_only_embedded_fonts(pdf)


def test_abnormal_rows_are_set_in_bold() -> None:
    runs = {run.text: run.bold for run in pdftools.runs(lab_report_pdf(specimen_chart(), VISIT_ID))}
    for abnormal in ("Huyết sắc tố (HGB)", "Bạch cầu (WBC)", "Glucose", "ALT (GPT)"):
        assert runs[abnormal] is True, abnormal
    for normal in ("Hồng cầu (RBC)", "Tiểu cầu (PLT)", "Ure", "Natri"):
        assert runs[normal] is False, normal
    # The whole row: result, unit, range and mark.
    for cell, bold in (("118", True), ("120 – 150", True), ("L", True), ("4,12", False)):
        assert runs[cell] is bold, cell


def test_the_barcode_carries_the_mrn() -> None:
    assert pdftools.barcodes(lab_report_pdf(specimen_chart(), VISIT_ID)) == ["CODE-128:2016000123"]


def test_two_hundred_lines_paginate_with_the_header_on_every_page() -> None:
    pdf = lab_report_pdf(specimen_chart(lab_lines=200), VISIT_ID)
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 4
    for page in pages:
        assert _HEADER in page
    numbers = [
        int(found.group(1)) for line in _rows(pdf) if (found := re.match(r"(\d+) [^\d]", line))
    ]
    assert numbers == list(range(1, 201))
    assert "200 AST (GOT) (lần 17) 32 U/L ≤ 37" in _rows(pdf)
    last = " ".join(pages[-1].split())
    assert "Ngày 20 tháng 11 năm 2026 NGƯỜI THỰC HIỆN TRƯỞNG KHOA XÉT NGHIỆM" in last


def _two_orders() -> tuple[ChartExtract, str]:
    """The specimen with an urgent urine order of the nurse's (two results) and a result that
    answers no order."""
    chart = specimen_chart()
    urine = _event(
        Order(
            category="lab",
            service_code="XN-NT",
            service_name="Tổng phân tích nước tiểu",
            priority="urgent",
            indication="Tiểu buốt",
        ),
        "ev-urine",
        at=_LATER - timedelta(minutes=30),
        author=DOCTOR,
    )
    return (
        with_events(
            chart,
            urine,
            _result("ev-pro", "ev-urine", "Protein niệu", "Âm tính", ref_text="Âm tính"),
            _result("ev-leu", "ev-urine", "Bạch cầu niệu", "Dương tính", flag="abnormal"),
            _result("ev-crp", None, "CRP", "24", unit="mg/L", ref_high=Decimal(5), flag="high"),
        ),
        "ev-urine",
    )


def test_results_of_several_orders_are_grouped_under_their_order() -> None:
    chart, _urine = _two_orders()
    pdf = lab_report_pdf(chart, VISIT_ID)
    pdftools.render(pdf, "lab-report-grouped")
    rows = _rows(pdf)
    assert rows[:2] == [
        "Xét nghiệm máu tổng quát — chỉ định 08:10 20/11/2026, Trần Văn Minh",
        "1 Hồng cầu (RBC) 4,12 T/L 3,8 – 5",
    ]
    urine = "Tổng phân tích nước tiểu (khẩn) — chỉ định 09:30 20/11/2026, Trần Văn Minh"
    at = rows.index(urine)
    assert rows[at - 1 : at + 4] == [
        "12 Natri 138 mmol/L 135 – 145",
        urine,
        "13 Protein niệu Âm tính Âm tính",
        "14 Bạch cầu niệu Dương tính *",
        "Xét nghiệm khác",
    ]
    assert rows[at + 4].startswith("15 CRP 24 mg/L") and rows[at + 4].endswith(" H")
    text = pdftools.flat(pdf)
    assert "Người chỉ định: Trần Văn Minh Thời gian chỉ định: 08:10 20/11/2026" in text
    assert "Thời gian trả kết quả: 10:00 20/11/2026" in text
    runs = {(run.text, run.bold) for run in pdftools.runs(pdf)}
    assert ("Xét nghiệm máu tổng quát — chỉ định 08:10 20/11/2026, Trần Văn Minh", True) in runs
    assert ("Bạch cầu niệu", True) in runs
    assert ("Protein niệu", False) in runs


def test_an_order_id_narrows_the_report_to_that_order() -> None:
    chart, urine = _two_orders()
    pdf = lab_report_pdf(chart, VISIT_ID, order_id=urine)
    rows = _rows(pdf)
    assert rows[:2] == [
        "1 Protein niệu Âm tính Âm tính",
        "2 Bạch cầu niệu Dương tính *",
    ]
    text = pdftools.flat(pdf)
    assert "Thời gian chỉ định: 09:30 20/11/2026" in text
    assert "Hồng cầu" not in text and "CRP" not in text and "(khẩn)" not in text
    blood = pdftools.flat(lab_report_pdf(chart, VISIT_ID, order_id=_lab_order_id(chart)))
    assert "Hồng cầu (RBC)" in blood and "Protein niệu" not in blood
    with pytest.raises(ValidationError) as raised:
        lab_report_pdf(chart, VISIT_ID, order_id="ev-no-such-order")
    assert (raised.value.field, raised.value.rule) == ("order_id", "no_results")


def test_amended_results_print_their_latest_value_and_erroneous_ones_not_at_all() -> None:
    chart = specimen_chart()
    results = chart.events_of(VISIT_ID, LabResult.KIND)
    glucose = next(e for e in results if e.body.test_name == "Glucose")  # type: ignore[attr-defined]
    sodium = next(e for e in results if e.body.test_name == "Natri")  # type: ignore[attr-defined]
    assert isinstance(glucose.body, LabResult)
    chart = with_events(
        chart,
        _event(
            replace(glucose.body, value="5,1", flag="normal"),
            "ev-fix",
            at=glucose.effective_at,
            corrects=glucose.id,
            correction="amends",
            correction_reason="Nhập sai",
        ),
        _event(
            sodium.body,
            "ev-void",
            corrects=sodium.id,
            correction="entered_in_error",
            correction_reason="Nhầm bệnh nhân",
        ),
    )
    pdf = lab_report_pdf(chart, VISIT_ID)
    rows = _rows(pdf)
    assert "5 Glucose 5,1 mmol/L 3,9 – 6,4" in rows
    assert rows[10].startswith("11 Cholesterol toàn phần")
    text = pdftools.flat(pdf)
    assert "8,6" not in text
    assert "Natri" not in text and " 12 " not in text


def test_an_unsigned_result_prints_as_a_draft() -> None:
    chart = with_events(
        specimen_chart(),
        _event(
            LabResult(test_code="XN-CRP", test_name="CRP", value="3", unit="mg/L"),
            "ev-draft",
            signed=False,
        ),
    )
    text = pdftools.flat(lab_report_pdf(chart, VISIT_ID))
    assert "BẢN NHÁP — CHƯA KÝ" in text
    assert "Đã ký điện tử" not in text
    assert "Phạm Quốc Huy" in text


def test_missing_data_is_printed_as_missing() -> None:
    pdf = lab_report_pdf(specimen_chart(minimal=True), VISIT_ID)
    pdftools.render(pdf, "lab-report-minimal")
    text = pdftools.flat(pdf)
    assert "TRẠM Y TẾ XÃ TƯỢNG LĨNH" in text
    assert "Họ và tên: TRẦN VĂN ĐỨC" in text
    assert "Ngày sinh: 1948 (78 tuổi)" in text
    assert "Số CCCD: không có" in text
    assert "Số thẻ BHYT: không có" in text
    assert "Địa chỉ: không rõ" in text
    assert "None" not in text
    assert pdftools.page_count(pdf) == 1


def test_a_result_without_order_and_an_unknown_author_print_as_missing() -> None:
    chart = specimen_chart()
    chart = replace(
        chart,
        events=tuple(
            e
            for e in chart.events
            if e.encounter_id != VISIT_ID or e.kind not in (Order.KIND, "diagnosis")
        ),
        staff={},
    )
    text = pdftools.flat(lab_report_pdf(chart, VISIT_ID))
    assert "Người chỉ định: không rõ" in text
    assert "Thời gian chỉ định: không rõ" in text
    assert "Chẩn đoán: không ghi" in text
    assert "Xét nghiệm khác" not in text  # one group: no group row
    assert "None" not in text


def test_extreme_lengths_wrap_instead_of_overflowing() -> None:
    pdf = lab_report_pdf(specimen_chart(extreme=True), VISIT_ID)
    text = pdftools.flat(pdf)
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    assert "Số nhà 1234/56/78" in text and "tỉnh Ninh Bình" in text
    assert max(len(line) for line in pdftools.text(pdf).splitlines()) < 140


def test_typed_markup_is_printed_as_typed() -> None:
    chart = with_events(
        specimen_chart(),
        _result("ev-typed", None, "Ghi chú <b>mẫu</b>", "<i>tan huyết</i> & đục", flag="abnormal"),
    )
    text = pdftools.flat(lab_report_pdf(chart, VISIT_ID))
    assert "Ghi chú <b>mẫu</b>" in text
    assert "<i>tan huyết</i> & đục" in text


def test_an_encounter_without_lab_results_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        lab_report_pdf(specimen_chart(), STAY_ID)
    assert (raised.value.field, raised.value.rule) == ("target_id", "no_results")
    with pytest.raises(ValidationError) as raised:
        lab_report_pdf(specimen_chart(), "enc-no-such")
    assert (raised.value.field, raised.value.rule) == ("target_id", "unknown")
    with pytest.raises(ValidationError) as raised:
        lab_report_pdf(changed_encounter(specimen_chart(), VISIT_ID, status="cancelled"), VISIT_ID)
    assert (raised.value.field, raised.value.rule) == ("target_id", "cancelled")


def test_results_recorded_through_the_services_print(
    store: Store, doctor: Session, nurse: Session
) -> None:
    """The extract the services gather from a real store: an order and its results, the
    catalogue's names, units, ranges and flags."""
    patient = patients.register_patient(
        store, doctor, full_name="Phan Văn Đức", sex="male", date_of_birth="1958-09-02"
    )
    visit = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind="outpatient", started_at=_LATER
    )
    order = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Order(category="lab", service_code="XN-SH", service_name="Sinh hoá máu"),
        sign_password=STAFF_PASSWORD,
    )
    for code, value in (("XN0201", "8.2"), ("XN0101", "7")):
        clinical.record_lab_result(
            store,
            doctor,
            patient_id=patient.id,
            test_code=code,
            value=value,
            encounter_id=visit.id,
            order_id=order.id,
            sign_password=STAFF_PASSWORD,
        )
    extract = documents.chart_extract(store, doctor, patient.id, DocumentKind.LAB_REPORT, visit.id)
    pdf = lab_report_pdf(extract, visit.id)
    rows = _rows(pdf)
    assert rows[:2] == [
        "1 Định lượng glucose 8.2 mmol/L 3,9 – 6,4 H",
        "2 Số lượng bạch cầu (WBC) 7 G/L 4 – 10",
    ]
    text = pdftools.flat(pdf)
    assert "Người chỉ định: Trần Thị Lan" in text
    assert "Khoa/phòng: không rõ" in text
    assert "BẢN NHÁP" not in text
