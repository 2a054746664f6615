"""The visit / stay summary: its text as pdftotext reads it, the flagged lab lines, the
header row of a long lab list on every page, drafts, corrections, refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial

import pytest
from tests.printing import pdftools

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Correction,
    Diagnosis,
    LabResult,
)
from emr_desktop.printing.specimen import (
    DOCTOR,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    with_events,
)
from emr_desktop.printing.visit_summary import visit_summary_pdf

#: 20/11/2026 11:00, Vietnam time.
_LATER = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


#: An event of today's visit, written at 11:00 by the doctor.
_event = partial(specimen_event, at=_LATER, author=DOCTOR, encounter_id=VISIT_ID)


def _diagnosis(chart: ChartExtract, code: str) -> ClinicalEvent:
    (event,) = [
        e
        for e in chart.events_of(VISIT_ID, Diagnosis.KIND)
        if isinstance(e.body, Diagnosis) and e.body.icd10 == code
    ]
    return event


def test_the_visit_summary_reads_as_the_visit_went() -> None:
    pdf = visit_summary_pdf(specimen_chart(), VISIT_ID)
    text = pdftools.flat(pdf)
    for expected in (
        "TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG",
        "KHOA KHÁM BỆNH",
        "TÓM TẮT LẦN KHÁM",
        "Khám ngoại trú 20/11/2026 — Khoa Khám bệnh",
        "DỊ ỨNG: Penicilin — Nổi mề đay toàn thân (mức độ nặng)",
        "Họ và tên: NGUYỄN THỊ HOÀ",
        "Ngày sinh: 07/03/1956 (70 tuổi)",
        "Lý do khám: Ho, sốt 5 ngày",
        "Bác sĩ điều trị: Trần Văn Minh",
        "1. Dấu hiệu sinh tồn",
        "07:40 20/11/2026",
        "Mạch 82 lần/phút · Nhiệt độ 37,8 °C · HA 150/90 mmHg",
        "Lê Thị Lan",
        "2. Chẩn đoán",
        "- Bệnh chính: J18.9 — Viêm phổi",
        "- Bệnh kèm theo: I10 — Tăng huyết áp vô căn",
        "- Bệnh kèm theo: E11.9 — Đái tháo đường typ 2",
        "3. Diễn biến, ghi chép",
        "08:00 20/11/2026 — Diễn biến bệnh — Trần Văn Minh",
        "Ho khạc đờm vàng 5 ngày, sốt nhẹ về chiều.",
        "4. Chỉ định và kết quả",
        "Xét nghiệm máu tổng quát Lý do: Sốt, ho",
        "Chụp X-quang ngực thẳng Lý do: Nghi viêm phổi",
        "Kết quả xét nghiệm lúc 09:30 20/11/2026",
        "Kết quả chẩn đoán hình ảnh",
        "Chụp X-quang ngực thẳng (CR) — 09:15 20/11/2026 — Đỗ Thị Thu",
        "Kết luận: Hình ảnh viêm phổi thùy dưới phải.",
        "5. Đơn thuốc",
        "Đơn thuốc 35001K7Q2M9X-c — 10:00 20/11/2026 — Trần Văn Minh",
        "Amlodipin 5 mg (viên nén)",
        "Uống: ngày 1 lần, mỗi lần 1 viên, buổi sáng — 7 ngày",
        "Ngày tái khám: 27/11/2026",
        "Ngày 20 tháng 11 năm 2026",
        "BÁC SĨ KHÁM BỆNH",
    ):
        assert expected in text, expected
    # Nothing of the other encounters, no medication orders or movements on a visit.
    assert "I20.0" not in text and "Y lệnh thuốc" not in text
    assert "BẢN NHÁP" not in text and "None" not in text
    # One row per lab line, the flag in the last column.
    rows = pdftools.text(pdf).splitlines()
    for name, mark in (
        ("Huyết sắc tố (HGB)", "L"),
        ("Bạch cầu (WBC)", "H"),
        ("Glucose", "H"),
        ("ALT (GPT)", "H"),
        ("Tiểu cầu (PLT)", ""),
        ("Natri", ""),
    ):
        (row,) = [r for r in rows if r.strip().startswith(name)]
        last = row.split()[-1]
        assert last == mark if mark else last not in {"H", "L"}, row
    assert len(pdftools.numbered_pages(pdf)) == 2
    pdftools.assert_only_embedded_fonts(pdf)
    assert pdftools.barcodes(pdf) == ["CODE-128:2016000123"]
    pdftools.render(pdf, "visit-summary")


def test_a_stay_is_summed_up_with_its_departments_doses_and_discharge() -> None:
    text = pdftools.flat(visit_summary_pdf(specimen_chart(), STAY_ID))
    for expected in (
        "TÓM TẮT ĐỢT ĐIỀU TRỊ",
        "Điều trị nội trú 21/10/2026 – 27/10/2026 — Khoa Nội tổng hợp",
        "KHOA NỘI TỔNG HỢP",
        "Lý do vào viện: Đau ngực trái",
        "Khoa điều trị: Khoa HSCC (21/10/2026 – 22/10/2026); Khoa Nội tổng hợp, giường 12 "
        "(22/10/2026 – 27/10/2026)",
        "Kết quả điều trị: Đỡ",
        "Loại ra viện: Ra viện",
        "- Bệnh chính: I20.0 — Cơn đau thắt ngực không ổn định",
        "21:10 21/10/2026 — Bệnh án vào viện — Trần Văn Minh",
        "08:30 27/10/2026 — Tờ điều trị — Trần Văn Minh",
        "Y lệnh: Tiếp tục thuốc theo y lệnh.",
        "09:00 27/10/2026 — Tổng kết bệnh án ra viện — Trần Văn Minh",
        "6. Y lệnh thuốc",
        "Amlodipin 5 mg 1 viên, uống 08:00 22/10/2026, 6 ngày Đã dùng 6",
        "Nitroglycerin 0,5 mg 1 viên, ngậm dưới lưỡi Khi đau ngực, cách nhau 5 phút khi cần "
        "21/10/2026, 6 ngày Đã dùng 2",
        # The doses given under each version of an amended or stopped order count.
        "Furosemid 20 mg/2 ml 40 mg, tiêm tĩnh mạch 08:00, 16:00 22/10/2026, 6 ngày Đã dùng 8",
        "Enoxaparin 40 mg/0,4 ml 40 mg, tiêm dưới da 08:00, 20:00 22/10/2026, 3 ngày "
        "Đã dùng 4; Tạm hoãn 1; Từ chối 1; Bỏ lỡ 1",
        "7. Vào viện, chuyển khoa, ra viện",
        "Vào khoa — Khoa HSCC",
        "Chuyển khoa — Khoa Nội tổng hợp",
        "Ra viện — kết quả: Đỡ — Ra viện",
        "BÁC SĨ ĐIỀU TRỊ",
    ):
        assert expected in text, expected
    # Sections with nothing in them say so.
    assert "1. Dấu hiệu sinh tồn Không có." in text
    assert "5. Đơn thuốc Không có." in text
    assert "Ho khạc đờm" not in text


def test_long_lists_repeat_their_header_row_on_every_page() -> None:
    pdf = visit_summary_pdf(specimen_chart(lab_lines=200, drugs=40), VISIT_ID)
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 6
    lab_pages = [p for p in pages if re.search(r"\(lần \d+\)", p)]
    assert len(lab_pages) >= 4
    for page in lab_pages:
        assert re.search(r"Xét nghiệm\s+Kết quả\s+Đơn vị\s+Trị số tham", page), page[:300]
    drug_pages = [p for p in pages if re.search(r"\[\d+\]", p)]
    assert len(drug_pages) >= 2
    for page in drug_pages:
        assert re.search(r"STT\s+Tên thuốc, hàm lượng\s+Cách dùng\s+Số lượng", page), page[:300]
    text = pdftools.flat(pdf)
    assert "Natri (lần 16)" in text and "Hồng cầu (RBC) (lần 17)" in text


def test_the_minimal_chart_prints_what_is_missing_as_missing() -> None:
    text = pdftools.flat(visit_summary_pdf(specimen_chart(minimal=True), VISIT_ID))
    for expected in (
        "TRẠM Y TẾ XÃ TƯỢNG LĨNH",
        "Dị ứng: chưa ghi nhận",
        "Họ và tên: TRẦN VĂN ĐỨC",
        "Ngày sinh: 1948 (78 tuổi)",
        "Số CCCD: không có",
        "Số thẻ BHYT: không có",
        "Địa chỉ: không rõ",
    ):
        assert expected in text, expected
    assert "DỊ ỨNG" not in text and "None" not in text


def test_extreme_lengths_wrap_and_stay_whole() -> None:
    pdf = visit_summary_pdf(specimen_chart(extreme=True, drugs=12), VISIT_ID)
    text = pdftools.flat(pdf)
    assert "TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    assert "khu đô thị mới Phương Đông, phường Thanh Sơn, thị xã Kim Bảng, tỉnh Ninh Bình" in text
    assert text.count("Amoxicilin + Acid clavulanic 875mg/125mg") == 12
    pdftools.assert_only_embedded_fonts(pdf)


def test_a_draft_prints_as_a_draft() -> None:
    text = pdftools.flat(visit_summary_pdf(specimen_chart(draft_prescription=True), VISIT_ID))
    assert "BẢN NHÁP" in text
    assert "— Trần Văn Minh (bản nháp)" in text
    assert "BẢN NHÁP" not in pdftools.flat(visit_summary_pdf(specimen_chart(), STAY_ID))


def test_entries_marked_in_error_do_not_print_and_amendments_replace_the_original() -> None:
    chart = specimen_chart()
    wrong = _diagnosis(chart, "I10")
    note = next(e for e in chart.events_of(VISIT_ID, ClinicalNote.KIND))
    chart = with_events(
        chart,
        _event(
            wrong.body,
            "ev-error",
            corrects=wrong.id,
            correction=Correction.ENTERED_IN_ERROR,
            correction_reason="Nhầm bệnh nhân",
        ),
        _event(
            ClinicalNote(note_type="progress", text="Ho khạc đờm, đã sửa: không sốt."),
            "ev-amend",
            corrects=note.id,
            correction=Correction.AMENDS,
            correction_reason="Ghi nhầm",
        ),
    )
    text = pdftools.flat(visit_summary_pdf(chart, VISIT_ID))
    assert "I10" not in text
    assert "E11.9 — Đái tháo đường typ 2" in text
    assert "Ho khạc đờm, đã sửa: không sốt." in text
    assert "Ho khạc đờm vàng 5 ngày" not in text


def test_what_a_clinician_typed_is_printed_as_typed() -> None:
    typed = "HA <140/90> & đường huyết > 7 <b>không</b> đậm"
    chart = with_events(
        specimen_chart(),
        _event(ClinicalNote(note_type="progress", text=typed), "ev-typed"),
        _event(
            LabResult(test_code="XN-X", test_name="CRP <định lượng>", value=">200", flag="high"),
            "ev-lab",
        ),
    )
    text = pdftools.flat(visit_summary_pdf(chart, VISIT_ID))
    assert typed in text
    assert "11:00 20/11/2026 CRP <định lượng> >200 H" in text


def test_unknown_and_cancelled_encounters_are_refused() -> None:
    chart = specimen_chart()
    with pytest.raises(ValidationError) as unknown:
        visit_summary_pdf(chart, "enc-nope")
    assert (unknown.value.field, unknown.value.rule) == ("target_id", "unknown")
    cancelled = changed_encounter(chart, VISIT_ID, status="cancelled")
    with pytest.raises(ValidationError) as refused:
        visit_summary_pdf(cancelled, VISIT_ID)
    assert (refused.value.field, refused.value.rule) == ("target_id", "cancelled")
    assert "đã bị huỷ" in refused.value.message_vi
