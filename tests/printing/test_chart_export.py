"""The full chart export: every encounter and event, corrections shown, ten years paginate."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

from tests.printing import pdftools

from emr_desktop.core.records import ClinicalNote, Correction
from emr_desktop.printing.chart_export import chart_export_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    PRESCRIPTION_ID,
    VISIT_ID,
    specimen_chart,
    specimen_event,
    with_events,
)


def test_the_export_holds_the_whole_chart() -> None:
    chart = specimen_chart()
    pdf = chart_export_pdf(chart)
    pdftools.render(pdf, "chart-export")
    text = pdftools.flat(pdf)
    for expected in (
        "HỒ SƠ BỆNH ÁN",
        "(Bản trích xuất toàn bộ hồ sơ)",
        "Họ và tên: NGUYỄN THỊ HOÀ",
        "Penicilin (mức độ nặng): Nổi mề đay toàn thân",
        "I10 — Tăng huyết áp vô căn (đang theo dõi, từ 2016)",
        "Điều trị nội trú 21/10/2026 – 27/10/2026 — Khoa Nội tổng hợp",
        "Khám ngoại trú 20/11/2026 — Khoa Khám bệnh",
        "Mạch 82 lần/phút · Nhiệt độ 37,8 °C · HA 150/90 mmHg",
        "Huyết sắc tố (HGB): 118 g/L (tham chiếu 120 – 150) — Thấp",
        "Kết luận: Hình ảnh viêm phổi thùy dưới phải.",
        "Mã đơn thuốc: 35001K7Q2M9X-c",
        "Tờ điều trị",
        "Từ chối (liều 20:00 23/10/2026) Lý do: Bệnh nhân từ chối tiêm",
        "Ra viện — kết quả: Đỡ — Ra viện",
        f"Hết hồ sơ. {len(chart.events)} bản ghi, {len(chart.encounters)} lần khám/điều trị.",
    ):
        assert expected in text, expected
    assert "None" not in text
    barcodes = pdftools.barcodes(pdf)
    assert barcodes == ["CODE-128:2016000123"]
    pdftools.assert_only_embedded_fonts(pdf)


def test_ten_years_paginate_with_the_header_and_patient_on_every_page() -> None:
    chart = specimen_chart(years=10)
    pdf = chart_export_pdf(chart)
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) > 30
    for page in pages[1:]:
        assert "Thời gian Nội dung Người ghi / ký" in page
    text = pdftools.flat(pdf)
    assert text.count("Khám ngoại trú") == 60


def test_corrections_drafts_and_entries_in_error_are_shown_as_such() -> None:
    chart = specimen_chart()
    original = next(
        e for e in chart.events if e.encounter_id == VISIT_ID and isinstance(e.body, ClinicalNote)
    )
    later = original.effective_at + timedelta(hours=1)
    note = partial(specimen_event, at=later, author=DOCTOR, encounter_id=VISIT_ID)
    amendment = note(
        ClinicalNote(note_type="progress", text="Đã sửa: ran nổ đáy phổi trái."),
        "ev-amend",
        corrects=original.id,
        correction=Correction.AMENDS,
        correction_reason="Nhầm bên phổi",
    )
    mistaken = ClinicalNote(note_type="progress", text="Ghi nhầm bệnh nhân khác.")
    wrong = note(mistaken, "ev-wrong", at=original.effective_at)
    in_error = note(
        mistaken,
        "ev-in-error",
        corrects=wrong.id,
        correction=Correction.ENTERED_IN_ERROR,
        correction_reason="Nhầm hồ sơ",
    )
    draft = note(ClinicalNote(note_type="progress", text="Nháp chưa ký."), "ev-draft", signed=False)
    chart = with_events(chart, amendment, wrong, in_error, draft)
    text = pdftools.flat(chart_export_pdf(chart))
    assert "Đã đính chính lúc 09:00 20/11/2026: Nhầm bên phổi" in text
    assert "Diễn biến bệnh (bản đính chính) Đã sửa: ran nổ đáy phổi trái." in text
    assert "[NHẬP NHẦM (09:00 20/11/2026): Nhầm hồ sơ]" in text
    assert "Nháp chưa ký. Trần Văn Minh chưa ký" in text


def test_a_chart_with_nothing_but_the_patient_still_prints() -> None:
    chart = replace(specimen_chart(minimal=True), encounters=(), events=())
    pdf = chart_export_pdf(chart)
    text = pdftools.flat(pdf)
    assert "Chưa ghi nhận dị ứng." in text
    assert "Hết hồ sơ. 0 bản ghi, 0 lần khám/điều trị." in text
    assert pdftools.page_count(pdf) == 1


def test_an_entry_longer_than_a_page_runs_on_to_the_next() -> None:
    long_note = "\n".join(f"Dòng {n}: người bệnh tỉnh, ăn uống được." for n in range(1, 121))
    chart = with_events(
        specimen_chart(drugs=30),
        specimen_event(
            ClinicalNote(note_type="progress", text=long_note),
            "ev-long",
            at=specimen_chart().event(PRESCRIPTION_ID).effective_at,
            author=DOCTOR,
            encounter_id=VISIT_ID,
        ),
    )
    pdf = chart_export_pdf(chart)
    pages = pdftools.numbered_pages(pdf)
    text = pdftools.flat(pdf)
    assert "30. Omeprazol 20 mg (viên nang) [30] — SL 30 viên" in text
    for n in (1, 60, 120):
        assert f"Dòng {n}: người bệnh tỉnh, ăn uống được." in text
    assert "Hết hồ sơ." in pages[-1]
