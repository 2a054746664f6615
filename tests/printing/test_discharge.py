"""The discharge paper: its text as pdftotext reads it, the signatures, the treatment taken
from the discharge summary or the drugs, drafts, long content, refusals."""

from __future__ import annotations

from dataclasses import replace
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
    Movement,
    NoteType,
)
from emr_desktop.printing.discharge import discharge_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    unsigned,
    with_events,
)

#: 27/10/2026 09:30, Vietnam time: between the summary and the discharge.
_AT = datetime(2026, 10, 27, 2, 30, tzinfo=UTC)


#: An event of the stay, written at 09:30 on its last day by the doctor.
_event = partial(specimen_event, at=_AT, author=DOCTOR, encounter_id=STAY_ID)


def _summary(chart: ChartExtract) -> ClinicalEvent:
    (event,) = [
        e
        for e in chart.events_of(STAY_ID, ClinicalNote.KIND)
        if isinstance(e.body, ClinicalNote) and e.body.note_type == NoteType.DISCHARGE_SUMMARY
    ]
    return event


def _without(chart: ChartExtract, *event_ids: str) -> ChartExtract:
    return replace(chart, events=tuple(e for e in chart.events if e.id not in event_ids))


def _discharge(chart: ChartExtract) -> ClinicalEvent:
    (event,) = [
        e
        for e in chart.events_of(STAY_ID, Movement.KIND)
        if isinstance(e.body, Movement) and e.body.movement == "discharge"
    ]
    return event


def test_the_discharge_paper_reads_as_the_form() -> None:
    pdf = discharge_pdf(specimen_chart(), STAY_ID)
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG KHOA NỘI TỔNG HỢP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",
        "Mã BN: 2016000123 Mã lưu trữ: 2016000123",
        "GIẤY RA VIỆN",
        "- Họ tên người bệnh: NGUYỄN THỊ HOÀ",
        "- Ngày sinh: 07/03/1956 (70 tuổi) Giới tính: Nữ",
        "- Nghề nghiệp: Hưu trí Dân tộc: Kinh",
        "- Số CCCD: 001156012345",
        "- Mã số BHXH/Thẻ BHYT số: HT2010123456789 (giá trị đến 31/12/2026)",
        "- Địa chỉ: Thôn Đông, xã Tượng Lĩnh, tỉnh Ninh Bình",
        "- Vào viện lúc: 20 giờ 45 phút, ngày 21 tháng 10 năm 2026",
        "- Ra viện lúc: 10 giờ 00 phút, ngày 27 tháng 10 năm 2026",
        "- Khoa: Khoa Nội tổng hợp, giường 12",
        "- Điều trị tại các khoa: Khoa HSCC (21/10/2026 – 22/10/2026); Khoa Nội tổng hợp, "
        "giường 12 (22/10/2026 – 27/10/2026)",
        "- Chẩn đoán: Bệnh chính: I20.0 — Cơn đau thắt ngực không ổn định -",
        "- Phương pháp điều trị: Điều trị chống đông, hạ áp, giãn vành. Hết đau ngực từ ngày "
        "thứ 3. Điện tim ổn định. - Kết quả điều trị",
        "- Kết quả điều trị: Đỡ",
        "- Loại ra viện: Ra viện",
        "- Ghi chú, lời dặn của thầy thuốc: uống thuốc đều, tái khám sau 2 tuần tại phòng "
        "khám Tim mạch.",
        "Ngày 27 tháng 10 năm 2026",
        "Đã ký điện tử lúc 10:05 27/10/2026 Trần Văn Minh",
    ):
        assert expected in text, expected
    # The three signature boxes side by side, the dating line over the right-most one.
    lines = pdftools.text(pdf).splitlines()
    (titles,) = [line for line in lines if "TRƯỞNG KHOA" in line and "THỦ TRƯỞNG" in line]
    assert titles.split() == [
        "BÁC", "SĨ", "ĐIỀU", "TRỊ", "TRƯỞNG", "KHOA", "THỦ", "TRƯỞNG", "ĐƠN", "VỊ"
    ]  # fmt: skip
    dating = lines[lines.index(titles) - 1]
    assert dating.strip() == "Ngày 27 tháng 10 năm 2026"
    assert dating.index("Ngày") > titles.index("TRƯỞNG KHOA")
    assert "BẢN NHÁP" not in text and "None" not in text
    assert pdftools.page_count(pdf) == 1
    assert "Mã BN: 2016000123 — NGUYỄN THỊ HOÀ" in text and "Trang 1/1" in text
    pdftools.assert_only_embedded_fonts(pdf)
    assert pdftools.barcodes(pdf) == ["CODE-128:2016000123"]
    pdftools.render(pdf, "discharge")


def test_without_a_summary_the_treatment_is_the_drugs_ordered() -> None:
    chart = specimen_chart()
    text = pdftools.flat(discharge_pdf(_without(chart, _summary(chart).id), STAY_ID))
    assert (
        "- Phương pháp điều trị: Thuốc đã dùng: Enoxaparin 40 mg/0,4 ml, Amlodipin 5 mg, "
        "Nitroglycerin 0,5 mg, Furosemid 20 mg/2 ml -" in text
    )
    assert "Digoxin" not in text  # entered in error
    assert "- Ghi chú, lời dặn của thầy thuốc: không có" in text
    # The doctor who signed the discharge still signs the paper.
    assert "Đã ký điện tử lúc 10:05 27/10/2026 Trần Văn Minh" in text


def test_the_summary_s_labelled_parts_and_orders_go_where_the_form_wants_them() -> None:
    chart = specimen_chart()
    summary = _summary(chart)
    amended = _event(
        ClinicalNote(
            note_type="discharge_summary",
            text="Phương pháp điều trị: nội khoa, thở oxy.\nGhi chú: hẹn tái khám 2 tuần.\n"
            "Kiêng thuốc lá.",
            orders_text="Amlodipin 5 mg uống mỗi sáng.",
        ),
        "ev-summary-2",
        corrects=summary.id,
        correction=Correction.AMENDS,
        correction_reason="Bổ sung",
    )
    text = pdftools.flat(discharge_pdf(with_events(chart, amended), STAY_ID))
    assert "- Phương pháp điều trị: nội khoa, thở oxy. - Kết quả điều trị" in text
    assert (
        "- Ghi chú, lời dặn của thầy thuốc: hẹn tái khám 2 tuần. Kiêng thuốc lá. "
        "Amlodipin 5 mg uống mỗi sáng." in text
    )
    assert "chống đông" not in text


def test_an_unsigned_discharge_prints_as_a_draft_for_the_attending() -> None:
    chart = specimen_chart()
    chart = unsigned(chart, _discharge(chart).id, _summary(chart).id)
    text = pdftools.flat(discharge_pdf(chart, STAY_ID))
    assert "BẢN NHÁP" in text
    assert "Đã ký điện tử" not in text
    assert "BÁC SĨ ĐIỀU TRỊ" in text and "Trần Văn Minh" in text


def test_diagnoses_by_rank_and_entries_marked_in_error_left_out() -> None:
    chart = specimen_chart()
    first = _event(Diagnosis(icd10="I10", rank="secondary"), "ev-dx-1")
    second = _event(Diagnosis(icd10="E11.9", rank="secondary"), "ev-dx-2")
    wrong = _event(
        second.body,
        "ev-dx-3",
        corrects=second.id,
        correction=Correction.ENTERED_IN_ERROR,
        correction_reason="Nhầm",
    )
    text = pdftools.flat(discharge_pdf(with_events(chart, first, second, wrong), STAY_ID))
    assert (
        "- Chẩn đoán: Bệnh chính: I20.0 — Cơn đau thắt ngực không ổn định; bệnh kèm theo: "
        "I10 — Tăng huyết áp vô căn -" in text
    )
    assert "E11.9" not in text


def test_the_minimal_chart_prints_what_is_missing_as_missing() -> None:
    text = pdftools.flat(discharge_pdf(specimen_chart(minimal=True), STAY_ID))
    for expected in (
        "TRẠM Y TẾ XÃ TƯỢNG LĨNH",
        "- Họ tên người bệnh: TRẦN VĂN ĐỨC",
        "- Ngày sinh: 1948 (78 tuổi) Giới tính: Nam",
        "- Nghề nghiệp: không rõ Dân tộc: không rõ",
        "- Số CCCD: không có",
        "- Mã số BHXH/Thẻ BHYT số: không có",
        "- Địa chỉ: không rõ",
    ):
        assert expected in text, expected
    assert "None" not in text


def test_extreme_lengths_wrap_and_stay_whole() -> None:
    pdf = discharge_pdf(specimen_chart(extreme=True), STAY_ID)
    text = pdftools.flat(pdf)
    assert "- Họ tên người bệnh: TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    assert "thị xã Kim Bảng, tỉnh Ninh Bình - Vào viện lúc" in text
    assert pdftools.page_count(pdf) == 1


def test_a_long_summary_runs_onto_more_pages() -> None:
    chart = specimen_chart()
    summary = _summary(chart)
    long_text = "\n".join(f"Ngày {n}: diễn biến ổn định, tiếp tục điều trị." for n in range(150))
    amended = _event(
        ClinicalNote(note_type="discharge_summary", text=f"{long_text}\nLời dặn: tái khám."),
        "ev-summary-long",
        corrects=summary.id,
        correction=Correction.AMENDS,
        correction_reason="Bổ sung",
    )
    pdf = discharge_pdf(with_events(chart, amended), STAY_ID)
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 3
    text = pdftools.flat(pdf)
    assert "Ngày 149: diễn biến ổn định" in text
    assert "lời dặn của thầy thuốc: tái khám." in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in pages[-1]


def test_an_emergency_stay_has_a_discharge_paper_too() -> None:
    chart = changed_encounter(specimen_chart(), STAY_ID, kind="emergency")
    assert "GIẤY RA VIỆN" in pdftools.flat(discharge_pdf(chart, STAY_ID))


def test_what_a_clinician_typed_is_printed_as_typed() -> None:
    chart = specimen_chart()
    typed = "Truyền <NaCl 0,9%> & thở O2 <i>qua mask</i>"
    amended = _event(
        ClinicalNote(note_type="discharge_summary", text=typed),
        "ev-summary-typed",
        corrects=_summary(chart).id,
        correction=Correction.AMENDS,
        correction_reason="Sửa",
    )
    text = pdftools.flat(discharge_pdf(with_events(chart, amended), STAY_ID))
    assert f"- Phương pháp điều trị: {typed}" in text


def test_a_visit_or_a_stay_not_yet_discharged_is_refused() -> None:
    chart = specimen_chart()
    with pytest.raises(ValidationError) as visit:
        discharge_pdf(chart, VISIT_ID)
    assert (visit.value.field, visit.value.rule) == ("target_id", "inpatient")
    open_stay = _without(
        changed_encounter(chart, STAY_ID, status="in_progress", ended_at=None), _discharge(chart).id
    )
    with pytest.raises(ValidationError) as still_in:
        discharge_pdf(open_stay, STAY_ID)
    assert (still_in.value.field, still_in.value.rule) == ("target_id", "finished")
    assert "chưa ra viện" in still_in.value.message_vi
    with pytest.raises(ValidationError) as unknown:
        discharge_pdf(chart, "enc-nope")
    assert unknown.value.rule == "unknown"
