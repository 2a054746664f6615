"""The prescription: its text as pdftotext reads it, its QR code, A5 and A4, long ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.printing import pdftools

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import Prescription
from emr_desktop.printing.prescription import prescription_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    IMAGING_ID,
    PRESCRIPTION_ID,
    VISIT_ID,
    changed_event,
    specimen_chart,
    specimen_event,
    with_events,
)


def test_the_prescription_reads_as_the_form_does() -> None:
    pdf = prescription_pdf(specimen_chart(), PRESCRIPTION_ID, paper="A5")
    pdftools.render(pdf, "prescription-a5")
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH",
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "KHOA KHÁM BỆNH",
        "Mã đơn thuốc: 35001K7Q2M9X-c",
        "ĐƠN THUỐC",
        "Họ và tên: NGUYỄN THỊ HOÀ",
        "Ngày sinh: 07/03/1956 (70 tuổi)",
        "Giới tính: Nữ",
        "Số CCCD: 001156012345",
        "Số thẻ BHYT: HT2010123456789 (hạn đến 31/12/2026)",
        "Địa chỉ: Thôn Đông, xã Tượng Lĩnh, tỉnh Ninh Bình",
        "Cân nặng: 52,5 kg",
        "Chẩn đoán: J18.9 — Viêm phổi; I10 — Tăng huyết áp vô căn; E11.9 — Đái tháo đường typ 2",
        "1 Amlodipin 5 mg (viên nén) Uống: ngày 1 lần, mỗi lần 1 viên, buổi sáng — 7 ngày 30 viên",
        "3 Amoxicilin 500 mg (viên nang) Uống: ngày 3 lần, mỗi lần 1 viên — 9 ngày 21 viên",
        "Cộng khoản: 3 thuốc",
        "Ngày tái khám: 27/11/2026",
        "Ngày 20 tháng 11 năm 2026",
        "BÁC SĨ/Y SĨ KHÁM BỆNH",
        "Đã ký điện tử lúc 10:05 20/11/2026",
        "Trần Văn Minh",
        "Khám lại xin mang theo đơn này.",
        "Trang 1/1",
        "In lúc 15:30 20/11/2026",
    ):
        assert expected in text, expected
    assert "BẢN NHÁP" not in text
    assert pdftools.page_count(pdf) == 1
    pdftools.assert_only_embedded_fonts(pdf)


def test_the_qr_code_carries_the_e_prescription_code() -> None:
    pdf = prescription_pdf(specimen_chart(), PRESCRIPTION_ID, paper="A4")
    assert pdftools.barcodes(pdf) == ["QR-Code:35001K7Q2M9X-c"]


def test_a4_and_a5_are_the_paper_sizes() -> None:
    a5 = prescription_pdf(specimen_chart(), PRESCRIPTION_ID, paper="A5")
    a4 = prescription_pdf(specimen_chart(), PRESCRIPTION_ID, paper="A4")
    assert b"/MediaBox [ 0 0 419.5276 595.2756 ]" in a5
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in a4
    with pytest.raises(ValidationError) as raised:
        prescription_pdf(specimen_chart(), PRESCRIPTION_ID, paper="Letter")
    assert raised.value.field == "paper"


def test_thirty_drugs_paginate_with_the_header_on_every_page() -> None:
    pdf = prescription_pdf(specimen_chart(drugs=30), PRESCRIPTION_ID, paper="A5")
    pdftools.render(pdf, "prescription-30-drugs")
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 2
    for page in pages:
        if "Uống:" in page:
            assert "Tên thuốc, hàm lượng — cách dùng" in page
    text = pdftools.flat(pdf)
    for n in range(1, 31):
        assert f" {n} " in text
    assert "Cộng khoản: 30 thuốc" in text
    # The signature is never separated from its date line.
    last = " ".join(pages[-1].split())
    assert "Ngày 20 tháng 11 năm 2026 BÁC SĨ/Y SĨ KHÁM BỆNH" in last


def test_missing_data_is_printed_as_missing() -> None:
    pdf = prescription_pdf(specimen_chart(minimal=True), PRESCRIPTION_ID, paper="A5")
    pdftools.render(pdf, "prescription-minimal")
    text = pdftools.flat(pdf)
    assert "Họ và tên: TRẦN VĂN ĐỨC" in text
    assert "Ngày sinh: 1948 (78 tuổi)" in text
    assert "Số CCCD: không có" in text
    assert "Số thẻ BHYT: không có" in text
    assert "Địa chỉ: không rõ" in text
    assert "Điện thoại" not in text
    assert "None" not in text
    assert "TRẠM Y TẾ XÃ TƯỢNG LĨNH" in text


def test_extreme_lengths_wrap_instead_of_overflowing() -> None:
    pdf = prescription_pdf(specimen_chart(extreme=True, drugs=5), PRESCRIPTION_ID, paper="A5")
    pdftools.render(pdf, "prescription-extreme")
    text = pdftools.flat(pdf)
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    assert "tỉnh Ninh Bình" in text and "Số nhà 1234/56/78" in text
    assert text.count("Amoxicilin + Acid clavulanic 875mg/125mg") == 5
    # Nothing is drawn outside the page: every line pdftotext finds lies within the page box.
    layout = pdftools.text(pdf)
    assert max(len(line) for line in layout.splitlines()) < 140


def test_a_draft_is_watermarked_and_has_no_signing_time() -> None:
    pdf = prescription_pdf(specimen_chart(draft_prescription=True), PRESCRIPTION_ID, paper="A5")
    text = pdftools.flat(pdf)
    assert "BẢN NHÁP — CHƯA KÝ · Trang 1/1" in text
    assert "Đã ký điện tử" not in text


def test_typed_markup_is_printed_as_typed() -> None:
    chart = specimen_chart()
    event = chart.event(PRESCRIPTION_ID)
    assert isinstance(event.body, Prescription)
    chart = changed_event(
        chart, PRESCRIPTION_ID, body=replace(event.body, advice="Uống <b>2</b> viên & nghỉ ngơi")
    )
    text = pdftools.flat(prescription_pdf(chart, PRESCRIPTION_ID))
    assert "Lời dặn: Uống <b>2</b> viên & nghỉ ngơi" in text


@pytest.mark.parametrize(
    ("code", "title"), [("35001ABCDEFG-n", 'ĐƠN THUỐC "N"'), ("35001ABCDEFG-h", 'ĐƠN THUỐC "H"')]
)
def test_narcotic_and_psychotropic_prescriptions_are_titled_so(code: str, title: str) -> None:
    chart = specimen_chart()
    event = chart.event(PRESCRIPTION_ID)
    assert isinstance(event.body, Prescription)
    chart = changed_event(chart, PRESCRIPTION_ID, body=replace(event.body, code=code))
    assert title in pdftools.flat(prescription_pdf(chart, PRESCRIPTION_ID))


def test_only_a_current_prescription_prints_as_one() -> None:
    chart = specimen_chart()
    event = chart.event(PRESCRIPTION_ID)
    assert isinstance(event.body, Prescription)
    fixed = specimen_event(
        replace(event.body, advice="Uống sau ăn"),
        "ev-rx-fixed",
        at=event.effective_at,
        author=DOCTOR,
        encounter_id=VISIT_ID,
        created_at=event.effective_at + timedelta(hours=1),
        corrects=PRESCRIPTION_ID,
        correction="amends",
        correction_reason="Sửa lời dặn",
    )
    void = specimen_event(
        fixed.body,
        "ev-rx-void",
        at=event.effective_at,
        author=DOCTOR,
        encounter_id=VISIT_ID,
        corrects=fixed.id,
        correction="entered_in_error",
        correction_reason="Nhầm bệnh nhân",
    )
    amended = with_events(chart, fixed)
    assert "Lời dặn: Uống sau ăn" in pdftools.flat(prescription_pdf(amended, fixed.id))
    for extract, target, rule in (
        (chart, IMAGING_ID, "kind"),
        (chart, "ev-no-such", "unknown"),
        (amended, PRESCRIPTION_ID, "superseded"),
        (with_events(amended, void), fixed.id, "entered_in_error"),
        (with_events(amended, void), void.id, "kind"),
    ):
        with pytest.raises(ValidationError) as raised:
            prescription_pdf(extract, target)
        assert (raised.value.field, raised.value.rule) == ("target_id", rule), target
