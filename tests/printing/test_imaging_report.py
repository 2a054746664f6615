"""The imaging report: its text as pdftotext reads it, the conclusion in bold (as pdftohtml
reports the runs), the MRN barcode, what it prints without its order, drafts, corrections
and refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.printing import pdftools

from emr_desktop.core.documents import ChartExtract, DocumentKind
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import ClinicalEvent, EventStatus, ImagingReport, Order
from emr_desktop.printing.imaging_report import imaging_report_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    IMAGING_ID,
    PRESCRIPTION_ID,
    RADIOLOGIST,
    VISIT_ID,
    changed_event,
    specimen_chart,
    specimen_event,
)
from emr_desktop.services import clinical, documents, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def _report(chart: ChartExtract) -> ImagingReport:
    body = chart.event(IMAGING_ID).body
    assert isinstance(body, ImagingReport)
    return body


def _order(chart: ChartExtract) -> ClinicalEvent:
    order_id = _report(chart).order_id
    assert order_id is not None
    return chart.event(order_id)


def _correction(
    original: ClinicalEvent, new_id: str, correction: str, **body: object
) -> ClinicalEvent:
    """A signed correction of `original`, written an hour after it, its body changed by
    `body`."""
    return specimen_event(
        replace(original.body, **body),
        new_id,
        at=original.effective_at,
        author=original.created_by,
        encounter_id=original.encounter_id,
        created_at=original.effective_at + timedelta(hours=1),
        corrects=original.id,
        correction=correction,
        correction_reason="Sửa lại",
    )


def test_the_imaging_report_reads_as_the_form_does() -> None:
    pdf = imaging_report_pdf(specimen_chart(), IMAGING_ID)
    pdftools.render(pdf, "imaging-report-specimen")
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH",
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "PHIẾU KẾT QUẢ CHẨN ĐOÁN HÌNH ẢNH",
        "Họ và tên: NGUYỄN THỊ HOÀ",
        "Ngày sinh: 07/03/1956 (70 tuổi)",
        "Số thẻ BHYT: HT2010123456789 (hạn đến 31/12/2026)",
        "Khoa/phòng: Khoa Khám bệnh",
        "CHỈ ĐỊNH Dịch vụ: Chụp X-quang ngực thẳng Bác sĩ chỉ định: Trần Văn Minh "
        "Thời gian chỉ định: 08:12 20/11/2026 Chẩn đoán lâm sàng: Nghi viêm phổi",
        "KỸ THUẬT X-quang (CR) — mã dịch vụ CDHA-XQ-NGUC Thời gian thực hiện: 09:15 20/11/2026",
        "MÔ TẢ Đám mờ không đều vùng đáy phổi phải, xóa góc sườn hoành phải. "
        "Bóng tim không to. Vòm hoành trái bình thường.",
        "KẾT LUẬN Hình ảnh viêm phổi thùy dưới phải.",
        "Mã nghiên cứu DICOM: 1.2.826.0.1.3680043.8.498.12345",
        "Ngày 20 tháng 11 năm 2026",
        "BÁC SĨ CHẨN ĐOÁN HÌNH ẢNH",
        "Đã ký điện tử lúc 09:20 20/11/2026",
        "Đỗ Thị Thu",
        "Trang 1/1",
        "In lúc 15:30 20/11/2026",
    ):
        assert expected in text, expected
    assert "BẢN NHÁP" not in text
    assert "None" not in text
    # The radiologist's line breaks are kept.
    lines = [" ".join(line.split()) for line in pdftools.text(pdf).splitlines()]
    findings = lines.index("Đám mờ không đều vùng đáy phổi phải, xóa góc sườn hoành phải.")
    assert lines[findings + 1] == "Bóng tim không to. Vòm hoành trái bình thường."
    runs = {(run.text, run.bold) for run in pdftools.runs(pdf)}
    assert ("Hình ảnh viêm phổi thùy dưới phải.", True) in runs
    assert ("Bóng tim không to. Vòm hoành trái bình thường.", False) in runs
    assert pdftools.page_count(pdf) == 1
    pdftools.assert_only_embedded_fonts(pdf)


def test_the_barcode_carries_the_mrn() -> None:
    assert pdftools.barcodes(imaging_report_pdf(specimen_chart(), IMAGING_ID)) == [
        "CODE-128:2016000123"
    ]


def test_a_draft_is_watermarked_and_has_no_signing_time() -> None:
    chart = changed_event(
        specimen_chart(),
        IMAGING_ID,
        status=EventStatus.DRAFT,
        signed_by=None,
        signed_at=None,
        content_hash=None,
    )
    text = pdftools.flat(imaging_report_pdf(chart, IMAGING_ID))
    assert "BẢN NHÁP — CHƯA KÝ" in text
    assert "Đã ký điện tử" not in text
    assert "BÁC SĨ CHẨN ĐOÁN HÌNH ẢNH" in text
    assert "Đỗ Thị Thu" in text
    assert "Ngày 20 tháng 11 năm 2026" in text


def test_without_its_order_the_report_names_the_service_from_the_catalogue() -> None:
    chart = specimen_chart()
    order = _order(chart)
    chart = replace(chart, events=tuple(e for e in chart.events if e.id != order.id))
    chart = changed_event(
        chart,
        IMAGING_ID,
        body=replace(_report(chart), service_code="HA0001", study_instance_uid=None),
    )
    text = pdftools.flat(imaging_report_pdf(chart, IMAGING_ID))
    assert "Dịch vụ: X-quang ngực thẳng" in text
    assert "Bác sĩ chỉ định: không rõ" in text
    assert "Thời gian chỉ định: không rõ" in text
    # No indication to print: the encounter's diagnoses say why.
    assert (
        "Chẩn đoán lâm sàng: J18.9 — Viêm phổi; I10 — Tăng huyết áp vô căn; "
        "E11.9 — Đái tháo đường typ 2"
    ) in text
    assert "X-quang (CR) — mã dịch vụ HA0001" in text
    assert "Mã nghiên cứu DICOM: không có" in text
    assert "None" not in text
    # Nothing else known: said so.
    bare = replace(
        chart,
        events=tuple(e for e in chart.events if e.kind != "diagnosis"),
        encounters=(),
        staff={},
    )
    bare = changed_event(
        bare, IMAGING_ID, body=replace(_report(bare), service_code="XQ-LA", modality="ZZ")
    )
    text = pdftools.flat(imaging_report_pdf(bare, IMAGING_ID))
    for expected in (
        "Khoa/phòng: không rõ",
        "Dịch vụ: XQ-LA",
        "Chẩn đoán lâm sàng: không ghi",
        "ZZ — mã dịch vụ XQ-LA",
    ):
        assert expected in text, expected
    assert "None" not in text


def test_an_amended_order_prints_its_latest_version() -> None:
    chart = specimen_chart()
    order = _order(chart)
    amended = _correction(
        order, "ev-order-fix", "amends", indication="Ho kéo dài", priority="urgent"
    )
    chart = replace(chart, events=(*chart.events, amended))
    text = pdftools.flat(imaging_report_pdf(chart, IMAGING_ID))
    assert "Dịch vụ: Chụp X-quang ngực thẳng (khẩn)" in text
    assert "Chẩn đoán lâm sàng: Ho kéo dài" in text
    assert "Nghi viêm phổi" not in text


def test_an_amended_report_is_refused_and_its_amendment_prints() -> None:
    chart = specimen_chart()
    fixed = _correction(
        chart.event(IMAGING_ID), "ev-img-fix", "amends", conclusion="Viêm phổi thùy dưới phải."
    )
    chart = replace(chart, events=(*chart.events, fixed))
    with pytest.raises(ValidationError) as raised:
        imaging_report_pdf(chart, IMAGING_ID)
    assert (raised.value.field, raised.value.rule) == ("target_id", "superseded")
    text = pdftools.flat(imaging_report_pdf(chart, "ev-img-fix"))
    assert "KẾT LUẬN Viêm phổi thùy dưới phải." in text
    assert "Bác sĩ chỉ định: Trần Văn Minh" in text


def test_a_report_marked_in_error_is_refused() -> None:
    chart = specimen_chart()
    void = _correction(chart.event(IMAGING_ID), "ev-img-void", "entered_in_error")
    chart = replace(chart, events=(*chart.events, void))
    with pytest.raises(ValidationError) as raised:
        imaging_report_pdf(chart, IMAGING_ID)
    assert (raised.value.field, raised.value.rule) == ("target_id", "entered_in_error")
    with pytest.raises(ValidationError) as raised:
        imaging_report_pdf(chart, "ev-img-void")
    assert (raised.value.field, raised.value.rule) == ("target_id", "kind")


def test_other_records_are_refused() -> None:
    chart = specimen_chart()
    for target, rule in ((PRESCRIPTION_ID, "kind"), (VISIT_ID, "unknown"), ("nope", "unknown")):
        with pytest.raises(ValidationError) as raised:
            imaging_report_pdf(chart, target)
        assert (raised.value.field, raised.value.rule) == ("target_id", rule)


def test_long_findings_paginate_and_typed_markup_prints_as_typed() -> None:
    chart = specimen_chart(extreme=True)
    findings = "\n".join(
        f"Dòng {n}: nhu mô gan <không> đồng nhất & bờ đều, kích thước bình thường."
        for n in range(1, 121)
    )
    chart = changed_event(
        chart,
        IMAGING_ID,
        body=replace(_report(chart), findings=findings, conclusion="Gan <b>nhiễm mỡ</b> độ I"),
    )
    pdf = imaging_report_pdf(chart, IMAGING_ID)
    pdftools.render(pdf, "imaging-report-long")
    pages = pdftools.numbered_pages(pdf, footer="Mã BN: 2016000123 — TÔN NỮ THỊ HOÀNG")
    assert len(pages) >= 2
    text = pdftools.flat(pdf)
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    for n in (1, 60, 120):
        assert f"Dòng {n}: nhu mô gan <không> đồng nhất & bờ đều" in text
    assert "KẾT LUẬN Gan <b>nhiễm mỡ</b> độ I" in text
    last = " ".join(pages[-1].split())
    assert "Ngày 20 tháng 11 năm 2026 BÁC SĨ CHẨN ĐOÁN HÌNH ẢNH" in last
    assert max(len(line) for line in pdftools.text(pdf).splitlines()) < 140


def test_missing_data_is_printed_as_missing() -> None:
    pdf = imaging_report_pdf(specimen_chart(minimal=True), IMAGING_ID)
    pdftools.render(pdf, "imaging-report-minimal")
    text = pdftools.flat(pdf)
    for expected in (
        "TRẠM Y TẾ XÃ TƯỢNG LĨNH",
        "Họ và tên: TRẦN VĂN ĐỨC",
        "Ngày sinh: 1948 (78 tuổi)",
        "Số CCCD: không có",
        "Số thẻ BHYT: không có",
        "Địa chỉ: không rõ",
    ):
        assert expected in text, expected
    assert "None" not in text
    assert "Điện thoại" not in text


def test_the_signer_is_who_signed() -> None:
    chart = changed_event(specimen_chart(), IMAGING_ID, signed_by=DOCTOR)
    text = pdftools.flat(imaging_report_pdf(chart, IMAGING_ID))
    assert "BÁC SĨ CHẨN ĐOÁN HÌNH ẢNH (Ký, ghi rõ họ tên) Đã ký điện tử lúc" in text
    assert text.count("Trần Văn Minh") == 2  # the ordering doctor and the signer
    assert chart.staff[RADIOLOGIST] not in text


def test_a_report_recorded_through_the_services_prints(store: Store, doctor: Session) -> None:
    """The extract the services gather from a real store: the report and the order it
    answers."""
    patient = patients.register_patient(
        store, doctor, full_name="Phan Văn Đức", sex="male", date_of_birth="1958-09-02"
    )
    visit = clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")

    def record(body: Order | ImagingReport, *, sign: bool = True) -> ClinicalEvent:
        return clinical.record_event(
            store,
            doctor,
            patient_id=patient.id,
            encounter_id=visit.id,
            body=body,
            sign_password=STAFF_PASSWORD if sign else None,
        )

    order = record(
        Order(
            category="imaging",
            service_code="HA0001",
            service_name="X-quang ngực thẳng",
            indication="Ho kéo dài",
        )
    )
    report = record(
        ImagingReport(
            service_code="HA0001",
            modality="CR",
            findings="Rốn phổi hai bên đậm.\nKhông thấy tràn dịch.",
            conclusion="Viêm phế quản",
            order_id=order.id,
        ),
        sign=False,
    )
    extract = documents.chart_extract(
        store, doctor, patient.id, DocumentKind.IMAGING_REPORT, report.id
    )
    text = pdftools.flat(imaging_report_pdf(extract, report.id))
    for expected in (
        "Họ và tên: PHAN VĂN ĐỨC",
        "Dịch vụ: X-quang ngực thẳng Bác sĩ chỉ định: Trần Thị Lan",
        "Chẩn đoán lâm sàng: Ho kéo dài",
        "MÔ TẢ Rốn phổi hai bên đậm. Không thấy tràn dịch.",
        "KẾT LUẬN Viêm phế quản",
        "Mã nghiên cứu DICOM: không có",
        "BẢN NHÁP — CHƯA KÝ",
    ):
        assert expected in text, expected
    assert "Đã ký điện tử" not in text
