"""The referral letter: its text as pdftotext reads it, the chart summary it carries, what
the doctor typed, the signatures kept with the departure, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest
from tests.printing import pdftools

from emr_desktop.core.documents import ReferralDetails
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalNote,
    LabResult,
    Order,
)
from emr_desktop.printing.referral import referral_pdf
from emr_desktop.printing.specimen import (
    DOCTOR,
    NURSE,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    with_events,
)

#: 20/11/2026 11:00, Vietnam time.
_LATER = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
DETAILS = ReferralDetails(
    destination="Bệnh viện Đa khoa tỉnh Ninh Bình",
    reason="Vượt quá khả năng chuyên môn",
    condition="Tỉnh, tiếp xúc tốt, còn sốt 38 °C",
    direction="Tiếp tục kháng sinh đường tĩnh mạch",
    transport="Xe cứu thương",
    escort="Lê Thị Lan, điều dưỡng",
)


#: An event of today's visit, written at 11:00 by the doctor.
_event = partial(specimen_event, at=_LATER, author=DOCTOR, encounter_id=VISIT_ID)


def test_the_referral_letter_reads_as_the_form() -> None:
    pdf = referral_pdf(specimen_chart(), VISIT_ID, DETAILS)
    text = pdftools.flat(pdf)
    for expected in (
        "SỞ Y TẾ TỈNH NINH BÌNH TRUNG TÂM Y TẾ KHU VỰC KIM BẢNG KHOA KHÁM BỆNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",
        "Vào sổ chuyển tuyến số:",
        "GIẤY CHUYỂN TUYẾN KHÁM BỆNH, CHỮA BỆNH BẢO HIỂM Y TẾ "
        "Kính gửi: Bệnh viện Đa khoa tỉnh Ninh Bình",
        "Trung tâm Y tế khu vực Kim Bảng trân trọng giới thiệu:",
        "- Họ và tên người bệnh: NGUYỄN THỊ HOÀ",
        "- Ngày sinh: 07/03/1956 (70 tuổi) Giới tính: Nữ",
        "- Nghề nghiệp: Hưu trí Dân tộc: Kinh",
        "- Số CCCD: 001156012345",
        "- Số thẻ bảo hiểm y tế: HT2010123456789 — hạn sử dụng: từ 01/01/2026 đến 31/12/2026",
        "- Địa chỉ: Thôn Đông, xã Tượng Lĩnh, tỉnh Ninh Bình",
        "- Đã được khám bệnh, điều trị tại: Trung tâm Y tế khu vực Kim Bảng (Khoa Khám bệnh) "
        "ngày 20/11/2026",
        "TÓM TẮT BỆNH ÁN",
        "- Dị ứng: Penicilin — Nổi mề đay toàn thân (mức độ nặng)",
        "- Bệnh mạn tính, tiền sử: I10 — Tăng huyết áp vô căn (từ 2016); E11.9 — Đái tháo "
        "đường typ 2 (từ 2016)",
        "- Dấu hiệu lâm sàng: + Diễn biến bệnh (08:00 20/11/2026): Ho khạc đờm vàng 5 ngày",
        "+ Dấu hiệu sinh tồn (07:40 20/11/2026): Mạch 82 lần/phút · Nhiệt độ 37,8 °C · "
        "HA 150/90 mmHg",
        "- Kết quả xét nghiệm, cận lâm sàng: + Xét nghiệm: Huyết sắc tố (HGB) 118 g/L (thấp; "
        "tham chiếu 120 – 150); Bạch cầu (WBC) 11,8 G/L (cao; tham chiếu 4 – 10); Glucose "
        "8,6 mmol/L (cao; tham chiếu 3,9 – 6,4); ALT (GPT) 45 U/L (cao; tham chiếu ≤ 40); "
        "HbA1c 7,4 % (cao; tham chiếu 4 – 6); Cholesterol toàn phần 5,9 mmol/L (cao; tham "
        "chiếu ≤ 5,2); 6 xét nghiệm khác trong giới hạn tham chiếu",
        "+ Chụp X-quang ngực thẳng (CR, 09:15 20/11/2026): Hình ảnh viêm phổi thùy dưới phải.",
        "- Chẩn đoán: Bệnh chính: J18.9 — Viêm phổi; bệnh kèm theo: I10 — Tăng huyết áp vô "
        "căn; E11.9 — Đái tháo đường typ 2",
        "- Phương pháp, thủ thuật, kỹ thuật, thuốc đã sử dụng trong điều trị: Thuốc: "
        "Amlodipin 5 mg (viên nén), Metformin 500 mg (viên nén bao phim), Amoxicilin 500 mg "
        "(viên nang)",
        "- Tình trạng người bệnh lúc chuyển tuyến: Tỉnh, tiếp xúc tốt, còn sốt 38 °C",
        "- Lí do chuyển tuyến: Vượt quá khả năng chuyên môn",
        "- Hướng điều trị: Tiếp tục kháng sinh đường tĩnh mạch",
        "- Chuyển tuyến hồi: 15 giờ 30 phút, ngày 20 tháng 11 năm 2026",
        "- Phương tiện vận chuyển: Xe cứu thương",
        "- Họ tên, chức danh, trình độ chuyên môn của người hộ tống: Lê Thị Lan, điều dưỡng",
        "Ngày 20 tháng 11 năm 2026",
    ):
        assert expected in text, expected
    assert "Hồng cầu" not in text  # normal results are only counted
    lines = pdftools.text(pdf).splitlines()
    (titles,) = [line for line in lines if "NGƯỜI CÓ THẨM QUYỀN CHUYỂN TUYẾN" in line]
    assert titles.split()[:6] == ["Y,", "BÁC", "SĨ", "KHÁM,", "ĐIỀU", "TRỊ"]
    names = lines[lines.index(titles) + 1 :]
    assert next(line for line in names if line.strip()).strip().startswith("(Ký, ghi rõ")
    assert "Trần Văn Minh" in text
    assert "Đã ký điện tử" not in text
    assert "BẢN NHÁP" not in text and "None" not in text
    assert pdftools.page_count(pdf) == 1
    pdftools.assert_only_embedded_fonts(pdf)
    assert pdftools.barcodes(pdf) == ["CODE-128:2016000123"]
    pdftools.render(pdf, "referral")


def test_a_stay_is_referred_with_its_departments_notes_and_drugs() -> None:
    at = datetime(2026, 11, 21, 0, 15, tzinfo=UTC)
    text = pdftools.flat(referral_pdf(specimen_chart(), STAY_ID, replace(DETAILS, transfer_at=at)))
    for expected in (
        "KHOA NỘI TỔNG HỢP",
        "- Đã được khám bệnh, điều trị tại: Trung tâm Y tế khu vực Kim Bảng (Khoa HSCC; Khoa "
        "Nội tổng hợp, giường 12) từ ngày 21/10/2026 đến ngày 27/10/2026",
        "+ Bệnh án vào viện (21:10 21/10/2026): Vào viện vì đau ngực trái",
        "+ Tổng kết bệnh án ra viện (09:00 27/10/2026): Điều trị chống đông",
        "- Kết quả xét nghiệm, cận lâm sàng: + chưa làm xét nghiệm, cận lâm sàng",
        "- Chẩn đoán: Bệnh chính: I20.0 — Cơn đau thắt ngực không ổn định",
        "thuốc đã sử dụng trong điều trị: Thuốc: Enoxaparin 40 mg/0,4 ml, Amlodipin 5 mg, "
        "Nitroglycerin 0,5 mg, Furosemid 20 mg/2 ml -",
        "- Chuyển tuyến hồi: 07 giờ 15 phút, ngày 21 tháng 11 năm 2026",
    ):
        assert expected in text, expected
    # Only the admission note and the latest one: not every daily sheet.
    assert "Ngày điều trị thứ" not in text


def test_what_is_left_out_prints_as_such_and_procedures_are_listed() -> None:
    chart = with_events(
        specimen_chart(minimal=True),
        _event(
            Order(category="procedure", service_code="TT-01", service_name="Khí dung"),
            "ev-proc",
        ),
    )
    details = ReferralDetails(destination="BV tỉnh", reason="Theo yêu cầu", condition="Ổn")
    text = pdftools.flat(referral_pdf(chart, VISIT_ID, details))
    for expected in (
        "TRẠM Y TẾ XÃ TƯỢNG LĨNH",
        "- Họ và tên người bệnh: TRẦN VĂN ĐỨC",
        "- Ngày sinh: 1948 (78 tuổi) Giới tính: Nam",
        "- Nghề nghiệp: không rõ Dân tộc: không rõ",
        "- Số thẻ bảo hiểm y tế: không có",
        "- Địa chỉ: không rõ",
        "- Dị ứng: chưa ghi nhận",
        "- Bệnh mạn tính, tiền sử: không có",
        "(viên nang); thủ thuật: Khí dung",
        "- Hướng điều trị: không ghi",
        "- Phương tiện vận chuyển: không ghi",
        "trình độ chuyên môn của người hộ tống: không có",
    ):
        assert expected in text, expected
    assert "None" not in text


def test_a_nurse_s_note_is_quoted_only_when_no_doctor_wrote_one() -> None:
    chart = specimen_chart()
    nursing = _event(
        ClinicalNote(note_type="nursing", text="Người bệnh ngủ được, ăn cháo."),
        "ev-nursing",
        author=NURSE,
    )
    assert "ngủ được" not in pdftools.flat(
        referral_pdf(with_events(chart, nursing), VISIT_ID, DETAILS)
    )
    only_nursing = replace(
        chart,
        events=tuple(e for e in chart.events if not isinstance(e.body, ClinicalNote)),
    )
    text = pdftools.flat(referral_pdf(with_events(only_nursing, nursing), VISIT_ID, DETAILS))
    assert "+ Chăm sóc điều dưỡng (11:00 20/11/2026): Người bệnh ngủ được, ăn cháo." in text


def test_extreme_lengths_keep_the_departure_with_the_signatures() -> None:
    pdf = referral_pdf(specimen_chart(extreme=True), VISIT_ID, DETAILS)
    text = pdftools.flat(pdf)
    assert "- Họ và tên người bệnh: TÔN NỮ THỊ HOÀNG PHƯƠNG THẢO NGUYÊN KHÁNH LINH BẢO NGỌC" in text
    assert "Thuốc: Amoxicilin + Acid clavulanic 875mg/125mg" in text
    last = pdftools.page_texts(pdf)[-1]
    assert "Chuyển tuyến hồi" in last and "NGƯỜI CÓ THẨM QUYỀN CHUYỂN TUYẾN" in last


def test_a_long_note_runs_onto_more_pages() -> None:
    long_text = " ".join(f"Câu {n}: người bệnh tỉnh, không khó thở." for n in range(600))
    chart = with_events(
        specimen_chart(), _event(ClinicalNote(note_type="progress", text=long_text), "ev-long")
    )
    pdf = referral_pdf(chart, VISIT_ID, DETAILS)
    pages = pdftools.numbered_pages(pdf)
    assert len(pages) >= 3
    assert "Câu 599: người bệnh tỉnh" in pdftools.flat(pdf)
    assert "NGƯỜI CÓ THẨM QUYỀN CHUYỂN TUYẾN" in pages[-1]


def test_a_draft_result_makes_a_draft_and_typed_text_prints_as_typed() -> None:
    chart = with_events(
        specimen_chart(),
        _event(
            LabResult(test_code="XN-X", test_name="CRP", value=">200", unit="mg/L", flag="high"),
            "ev-draft",
            signed=False,
        ),
    )
    details = replace(DETAILS, destination="BV <Tỉnh> & Trung ương", reason="<b>Nặng</b>")
    text = pdftools.flat(referral_pdf(chart, VISIT_ID, details))
    assert "BẢN NHÁP" in text
    assert "CRP >200 mg/L (cao)" in text
    assert "Kính gửi: BV <Tỉnh> & Trung ương" in text
    assert "- Lí do chuyển tuyến: <b>Nặng</b>" in text


@pytest.mark.parametrize("field", ["destination", "reason", "condition"])
def test_an_empty_required_detail_is_refused_by_name(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        referral_pdf(specimen_chart(), VISIT_ID, replace(DETAILS, **{field: "  "}))  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.rule) == (field, "required")
    assert "giấy chuyển tuyến" in refused.value.message_vi


def test_unknown_and_cancelled_encounters_are_refused() -> None:
    chart = specimen_chart()
    with pytest.raises(ValidationError) as unknown:
        referral_pdf(chart, "enc-nope", DETAILS)
    assert (unknown.value.field, unknown.value.rule) == ("target_id", "unknown")
    cancelled = changed_encounter(chart, VISIT_ID, status="cancelled")
    with pytest.raises(ValidationError) as refused:
        referral_pdf(cancelled, VISIT_ID, DETAILS)
    assert refused.value.rule == "cancelled"
