"""The chart as the MoH `HoSoBenhAn` document: the specimen chart mapped to XML and JSON,
parsed back, checked against the mapping table, the schema written from it, and the docs."""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import SeriesSummary
from emr_desktop.core.records import (
    ClinicalNote,
    Correction,
    ImagingReport,
    ImagingSource,
    ImagingStudy,
    MedicationOrder,
)
from emr_desktop.interop.hsba import (
    MAPPING,
    Item,
    ListOf,
    mapping_markdown,
    medical_record,
    render,
    to_json,
    to_xml,
    xsd,
)
from emr_desktop.printing.specimen import (
    DOCTOR,
    IMAGING_ID,
    PRESCRIPTION_ID,
    STAY_ID,
    VISIT_ID,
    changed_encounter,
    specimen_chart,
    specimen_event,
    with_events,
)

ROOT = Path(__file__).resolve().parents[2]
#: The eleven groups of CV 365/TTYQG-GPQLCL, in order (reference §5).
GROUPS = [
    "ThongTinBenhNhan",
    "ThongTinVaoVien",
    "ThongTinDieuTri",
    "YLenhThuocVatTu",
    "PhieuChiDinh",
    "KetQuaChanDoanHinhAnh",
    "KetQuaXetNghiem",
    "GiayChuyenVien",
    "HoSoCapCuu",
    "PhieuThuThuat",
    "PhieuPhauThuat",
]


def _parse(data: bytes) -> ET.Element:
    # Our own output, parsed to check it: not untrusted input.
    return ET.fromstring(data)  # noqa: S314


def _xml(chart: ChartExtract, encounter_id: str | None = None) -> ET.Element:
    return _parse(render(chart, "xml", encounter_id))


def _json(chart: ChartExtract, encounter_id: str | None = None) -> dict[str, Any]:
    document = json.loads(render(chart, "json", encounter_id).decode("utf-8"))
    assert list(document) == ["HoSoBenhAn"]
    body: dict[str, Any] = document["HoSoBenhAn"]
    return body


def _items(root: ET.Element, path: str) -> list[dict[str, str]]:
    """The items at `path` as {field: text} (fields only)."""
    return [
        {child.tag: child.text or "" for child in item if len(child) == 0}
        for item in root.findall(path)
    ]


@pytest.fixture(scope="module")
def chart() -> ChartExtract:
    return specimen_chart(years=0)


@pytest.fixture(scope="module")
def root(chart: ChartExtract) -> ET.Element:
    return _xml(chart)


def test_the_root_holds_the_eleven_groups_in_order(root: ET.Element) -> None:
    assert root.tag == "HoSoBenhAn"
    assert [child.tag for child in root] == GROUPS
    assert root.attrib == {
        "phienban": "emr-desktop-hsba-1",
        "ma_cskcb": "35001",
        "ten_cskcb": "Trung tâm Y tế khu vực Kim Bảng",
        # Printed 20/11/2026 08:30 UTC: 15:30 in Vietnam.
        "thoigian_xuat": "202611201530",
        "pham_vi": "toan_bo",
        "pham_vi_ma_luotkham": "",
    }


def test_the_xml_is_utf8_with_its_declaration(chart: ChartExtract) -> None:
    data = render(chart, "xml")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<HoSoBenhAn ')
    assert "Nguyễn Thị Hoà".encode() in data
    assert data.endswith(b"</HoSoBenhAn>\n")


def _check_record(element: ET.Element, item: Item) -> int:
    """Every field of `item` present, in table order, then its lists; returns the count of
    records checked."""
    expected = [f.name for f in item.fields] + [s.tag for s in item.lists]
    assert [child.tag for child in element] == expected, item.tag
    checked = 1
    for spec in item.lists:
        checked += _check_list(element.find(spec.tag), spec)
    return checked


def _check_list(element: ET.Element | None, spec: ListOf) -> int:
    assert element is not None
    assert {child.tag for child in element} <= {spec.item.tag}
    return sum(_check_record(child, spec.item) for child in element)


def test_every_record_has_every_field_of_the_table_in_order(root: ET.Element) -> None:
    checked = 0
    for group, element in zip(MAPPING, root, strict=True):
        if isinstance(group.body, Item):
            checked += _check_record(element, group.body)
        else:
            checked += _check_list(element, group.body)
    assert checked > 60


def test_patient_identifiers_and_formats(root: ET.Element) -> None:
    (patient,) = _items(root, "ThongTinBenhNhan")
    assert patient["cccd_so"] == "001156012345"
    assert re.fullmatch(r"[0-9]{12}", patient["cccd_so"])
    assert patient["thebhyt_so"] == "HT2010123456789"
    assert patient["thebhyt_tungay"] == "20260101"
    assert patient["thebhyt_denngay"] == "20261231"
    assert patient["thebhyt_noidkbd_ma"] == "35001"
    assert patient["ma_benhnhan"] == "2016000123"
    assert patient["ngaysinh"] == "19560307"
    assert patient["namsinh"] == "1956"
    assert patient["gioitinh_ma"] == "2"
    assert patient["dantoc_ten"] == "Kinh"
    assert patient["nghenghiep_ten"] == "Hưu trí"
    # The district no longer exists, and the address is free text: present and empty.
    assert patient["quanhuyen_ma"] == ""
    (allergy,) = _items(root, "ThongTinBenhNhan/DanhSachDiUng/DiUng")
    assert allergy["tacnhan"] == "Penicilin"
    assert allergy["mucdo"] == "nang"
    problems = _items(root, "ThongTinBenhNhan/DanhSachTienSuBenh/TienSuBenh")
    assert {(p["ma_icd"], p["ngay_khoiphat"]) for p in problems} == {
        ("I10", "2016"),
        ("E11.9", "2016"),
    }


def test_a_year_only_birth_gives_no_day_and_a_guardian_is_named() -> None:
    chart = specimen_chart(minimal=True)
    chart = replace(chart, patient=replace(chart.patient, guardian_name="Trần Văn Bình"))
    (patient,) = _items(_xml(chart), "ThongTinBenhNhan")
    assert patient["ngaysinh"] == ""
    assert patient["namsinh"] == "1948"
    assert patient["gioitinh_ma"] == "1"
    assert patient["cccd_so"] == patient["thebhyt_so"] == ""
    assert patient["nguoithan_hoten"] == "Trần Văn Bình"


def test_every_time_and_date_has_its_format(root: ET.Element) -> None:
    times = dates = 0
    for element in root.iter():
        if len(element) or not element.text:
            continue
        if element.tag.startswith("thoigian") or element.tag == "chuky_thoigian":
            assert re.fullmatch(r"[0-9]{12}", element.text), element.tag
            datetime.strptime(element.text, "%Y%m%d%H%M")
            times += 1
        elif element.tag.startswith("ngay") and element.tag != "ngay_khoiphat":
            assert re.fullmatch(r"[0-9]{8}", element.text), element.tag
            datetime.strptime(element.text, "%Y%m%d")
            dates += 1
    assert times > 100 and dates > 3


def test_times_are_vietnam_local_time(root: ET.Element) -> None:
    stays = {v["ma_luotkham"]: v for v in _items(root, "ThongTinVaoVien/LuotKham")}
    # The stay: admitted 21/10/2026 20:45 and discharged 27/10/2026 10:00, Vietnam time.
    assert stays[STAY_ID]["thoigian_vaovien"] == "202610212045"
    assert stays[STAY_ID]["thoigian_ravien"] == "202610271000"
    assert stays[STAY_ID]["loai_luotkham"] == "noi_tru"
    assert stays[STAY_ID]["khoa_vaovien_ten"] == "Khoa HSCC"
    assert stays[STAY_ID]["khoa_hientai_ten"] == "Khoa Nội tổng hợp"
    assert stays[VISIT_ID]["thoigian_ravien"] == ""
    assert stays[VISIT_ID]["trangthai"] == "dang_dieu_tri"


def test_treatment_diagnoses_notes_vitals_movements_and_discharge(root: ET.Element) -> None:
    diagnoses = _items(root, "ThongTinDieuTri/DanhSachChanDoan/ChanDoan")
    assert {(d["ma_icd"], d["loai_chandoan"]) for d in diagnoses} == {
        ("I20.0", "chinh"),
        ("J18.9", "chinh"),
        ("I10", "kem_theo"),
        ("E11.9", "kem_theo"),
    }
    notes = _items(root, "ThongTinDieuTri/DanhSachDienBien/DienBien")
    kinds = [n["loai_phieu"] for n in notes]
    assert kinds.count("to_dieu_tri") == 6
    assert {"vao_vien", "tong_ket_ra_vien", "dien_bien"} <= set(kinds)
    sheet = next(n for n in notes if n["loai_phieu"] == "to_dieu_tri")
    assert sheet["ylenh"].startswith("Tiếp tục thuốc theo y lệnh")
    (vitals,) = _items(root, "ThongTinDieuTri/DanhSachSinhHieu/SinhHieu")
    assert (vitals["mach"], vitals["nhietdo"], vitals["cannang"]) == ("82", "37.8", "52.5")
    assert (vitals["huyetap_tamthu"], vitals["huyetap_tamtruong"]) == ("150", "90")
    assert vitals["chieucao"] == ""
    movements = _items(root, "ThongTinDieuTri/DanhSachChuyenKhoa/ChuyenKhoa")
    assert [m["loai"] for m in movements] == ["vao_vien", "chuyen_khoa", "ra_vien"]
    assert movements[1]["khoa_ten"] == "Khoa Nội tổng hợp"
    assert movements[1]["giuong_ma"] == "12"
    (discharge,) = _items(root, "ThongTinDieuTri/DanhSachRaVien/RaVien")
    assert discharge["ma_luotkham"] == STAY_ID
    assert (discharge["ketqua_dieutri_ma"], discharge["loai_ravien_ma"]) == ("2", "1")
    assert discharge["chandoan_chinh_ma"] == "I20.0"


def test_prescriptions_orders_and_doses(chart: ChartExtract, root: ET.Element) -> None:
    (prescription,) = root.findall("YLenhThuocVatTu/DanhSachDonThuoc/DonThuoc")
    assert prescription.findtext("ma_donthuoc") == "35001K7Q2M9X-c"
    assert prescription.findtext("chandoan_ma") == "J18.9;I10;E11.9"
    assert prescription.findtext("ngay_taikham") == "20261127"
    drugs = _items(prescription, "DanhSachThuoc/Thuoc")
    assert [d["mathuocvattu_byt"] for d in drugs] == ["T0101", "T0120", "T0233"]
    assert drugs[0]["soluong"] == "30" and drugs[0]["donvi"] == "viên"
    orders = _items(root, "YLenhThuocVatTu/DanhSachYLenhThuoc/YLenhThuoc")
    assert len(orders) == len(chart.events_of(None, MedicationOrder.KIND))
    as_needed = next(o for o in orders if o["khican"] == "1")
    assert as_needed["giodung"] == ""
    assert as_needed["huongdan"] == "Khi đau ngực, cách nhau 5 phút"
    twice = next(o for o in orders if o["giodung"] == "08:00;20:00")
    assert twice["mathuocvattu_byt"] == "T0501"
    doses = _items(root, "YLenhThuocVatTu/DanhSachDungThuoc/DungThuoc")
    order_ids = {o["ma_banghi"] for o in orders}
    assert doses and {d["ma_ylenh"] for d in doses} <= order_ids
    assert {d["ketqua"] for d in doses} == {"da_dung", "tam_hoan", "tu_choi", "bo_lo"}
    held = next(d for d in doses if d["ketqua"] == "tam_hoan")
    assert held["lydo"] == "Chờ kết quả đông máu" and held["lieu"] == ""
    assert {d["quet_vongtay"] for d in doses} == {"1"}


def test_corrections_amended_latest_and_entries_in_error_left_out(
    chart: ChartExtract, root: ET.Element
) -> None:
    in_error = {e.corrects for e in chart.events if e.correction == Correction.ENTERED_IN_ERROR}
    amended = {e.corrects: e for e in chart.events if e.correction == Correction.AMENDS}
    assert len(in_error) == 2 and len(amended) == 2
    ids = {element.text for element in root.iter("ma_banghi")}
    # Neither the entries marked in error, nor the corrections saying so, nor the versions
    # replaced by an amendment.
    assert not ids & in_error
    assert not ids & {e.id for e in chart.events if e.correction == Correction.ENTERED_IN_ERROR}
    assert not ids & set(amended)
    orders = {o["ma_banghi"]: o for o in _items(root, ".//YLenhThuoc")}
    for original, amendment in amended.items():
        assert orders[amendment.id]["dinhchinh_ma_goc"] == original
        assert orders[amendment.id]["dinhchinh_lydo"] == amendment.correction_reason
    raised = next(o for o in orders.values() if o["mathuocvattu_byt"] == "T0705")
    assert (raised["lieu"], raised["giodung"]) == ("40", "08:00;16:00")
    # The digoxin order was entered in error: neither it nor a dose of it is exported.
    assert "T0903" not in {e.text for e in root.iter("mathuocvattu_byt")}
    # The dose recorded as refused by mistake is left out; every other dose is there.
    doses = _items(root, ".//DungThuoc")
    refused = [d for d in doses if d["ketqua"] == "tu_choi"]
    assert [d["lydo"] for d in refused] == ["Bệnh nhân từ chối tiêm"]


def test_signatures_name_time_and_content_hash(chart: ChartExtract, root: ET.Element) -> None:
    event = chart.event(PRESCRIPTION_ID)
    (prescription,) = _items(root, ".//DonThuoc")
    assert prescription["trangthai"] == "da_ky"
    assert prescription["chuky_hoten"] == "Trần Văn Minh"
    # Signed at 10:05 Vietnam time (five minutes after writing it at 10:00).
    assert prescription["chuky_thoigian"] == "202611201005"
    assert prescription["chuky_sha256"] == event.content_hash == event.content_digest()
    assert prescription["nguoilap_hoten"] == "Trần Văn Minh"
    hashes = [e.text for e in root.iter("chuky_sha256")]
    assert hashes and all(h and re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


def test_drafts_are_marked_and_carry_no_signature() -> None:
    root = _xml(specimen_chart(years=0, draft_prescription=True))
    (prescription,) = _items(root, ".//DonThuoc")
    assert prescription["trangthai"] == "nhap"
    assert prescription["chuky_hoten"] == prescription["chuky_thoigian"] == ""
    assert prescription["chuky_sha256"] == ""
    assert prescription["nguoilap_hoten"] == "Trần Văn Minh"
    assert {d["trangthai"] for d in _items(root, ".//XetNghiem")} == {"da_ky"}


def test_service_orders_labs_and_imaging(chart: ChartExtract, root: ET.Element) -> None:
    orders = {o["ma_banghi"]: o for o in _items(root, "PhieuChiDinh/ChiDinh")}
    assert {o["nhom_dichvu"] for o in orders.values()} == {"xet_nghiem", "chan_doan_hinh_anh"}
    assert {o["trangthai_ketqua"] for o in orders.values()} == {"co_ketqua"}
    labs = _items(root, "KetQuaXetNghiem/XetNghiem")
    assert len(labs) == 12
    rbc = next(lab for lab in labs if lab["ma_xetnghiem"] == "XN001")
    assert (rbc["ketqua"], rbc["ketqua_so"], rbc["donvi"]) == ("4,12", "4.12", "T/L")
    assert (rbc["csbt_thap"], rbc["csbt_cao"], rbc["danhgia"]) == ("3.8", "5.0", "binh_thuong")
    ast = next(lab for lab in labs if lab["ma_xetnghiem"] == "XN008")
    assert (ast["csbt_thap"], ast["csbt_cao"]) == ("", "37")
    assert {lab["danhgia"] for lab in labs} == {"binh_thuong", "thap", "cao"}
    assert {lab["ma_chidinh"] for lab in labs} <= set(orders)
    assert {lab["ma_dichvu"] for lab in labs} == {"XN-TQ"}
    (report,) = _items(root, "KetQuaChanDoanHinhAnh/KetQuaCDHA")
    body = chart.event(IMAGING_ID).body
    assert isinstance(body, ImagingReport)
    assert report["ma_banghi"] == IMAGING_ID
    assert report["ketluan"] == body.conclusion
    # The findings keep their line break.
    assert report["mota"] == body.findings and "\n" in report["mota"]
    assert report["ten_dichvu"] == "Chụp X-quang ngực thẳng"
    assert orders[report["ma_chidinh"]]["nhom_dichvu"] == "chan_doan_hinh_anh"
    assert report["ma_ca_chup"] == body.study_instance_uid


def _study(chart: ChartExtract, uid: str, order_id: str | None) -> ImagingStudy:
    return ImagingStudy(
        id=f"is-{uid[-3:]}",
        facility_id=chart.patient.facility_id,
        created_at=datetime(2026, 11, 20, 2, 5, tzinfo=UTC),
        created_by=DOCTOR,
        device_id="dev-specimen",
        patient_id=chart.patient.id,
        study_instance_uid=uid,
        study_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        modalities=("CR",),
        description="X-quang ngực thẳng",
        accession_number="A123",
        order_id=order_id,
        series=(
            SeriesSummary(f"{uid}.1", 1, "CR", "PA", 2),
            SeriesSummary(f"{uid}.2", 2, "CR", "Nghiêng", 1),
        ),
        source=ImagingSource.PACS,
    )


def test_the_study_a_report_reads_and_a_study_no_report_reads(chart: ChartExtract) -> None:
    body = chart.event(IMAGING_ID).body
    assert isinstance(body, ImagingReport) and body.study_instance_uid
    studies = (
        _study(chart, body.study_instance_uid, body.order_id),
        _study(chart, "1.2.826.0.1.3680043.8.498.999", None),
    )
    root = _xml(replace(chart, imaging_studies=studies))
    read, unread = _items(root, "KetQuaChanDoanHinhAnh/KetQuaCDHA")
    assert read["ma_banghi"] == IMAGING_ID
    assert (read["ma_truycap"], read["so_loat"], read["so_anh"]) == ("A123", "2", "3")
    assert read["thoigian_chup"] == "202611200900"
    assert unread["ma_banghi"] == "" and unread["ketluan"] == ""
    assert unread["ma_ca_chup"] == "1.2.826.0.1.3680043.8.498.999"
    assert unread["kythuat_ma"] == "CR"


def test_one_encounter_only() -> None:
    chart = specimen_chart(years=2)
    root = _xml(chart, STAY_ID)
    assert root.attrib["pham_vi"] == "luot_kham"
    assert root.attrib["pham_vi_ma_luotkham"] == STAY_ID
    assert [v["ma_luotkham"] for v in _items(root, "ThongTinVaoVien/LuotKham")] == [STAY_ID]
    scoped = {e.text for e in root.iter("ma_luotkham")}
    assert scoped == {STAY_ID}
    # Today's visit holds the prescription, the labs and the imaging: none of them here.
    assert root.findall(".//DonThuoc") == root.findall(".//XetNghiem") == []
    assert root.findall(".//KetQuaCDHA") == []
    assert len(root.findall(".//YLenhThuoc")) == 4
    # The patient's allergies and problem list belong to every encounter.
    assert len(root.findall(".//DiUng")) == 1
    whole = _xml(chart)
    assert len(whole.findall("ThongTinVaoVien/LuotKham")) == len(chart.encounters) == 13


def test_an_unknown_encounter_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        render(specimen_chart(), "xml", "enc-nowhere")
    assert caught.value.field == "encounter"
    assert caught.value.rule == "unknown"
    assert "Không có lượt khám" in caught.value.message_vi


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        render(specimen_chart(), "pdf")
    assert (caught.value.field, caught.value.rule) == ("format", "choice")


def test_a_transfer_gives_the_transfer_paper_and_an_emergency_its_record() -> None:
    chart = changed_encounter(
        specimen_chart(years=0), STAY_ID, discharge_type="2", treatment_result="3"
    )
    root = _xml(chart)
    (transfer,) = _items(root, "GiayChuyenVien/ChuyenVien")
    assert transfer["ma_luotkham"] == STAY_ID
    assert transfer["loai_ravien_ma"] == "2" and transfer["ketqua_dieutri_ma"] == "3"
    assert transfer["thoigian_chuyen"] == "202610271000"
    assert transfer["chandoan_chinh_ma"] == "I20.0"
    assert transfer["tomtat_benhan"].startswith("Điều trị chống đông")
    assert transfer["noi_chuyenden"] == ""
    assert root.findall("HoSoCapCuu/CapCuu") == []
    emergency = changed_encounter(chart, VISIT_ID, kind="emergency")
    (record,) = _items(_xml(emergency), "HoSoCapCuu/CapCuu")
    assert record["ma_luotkham"] == VISIT_ID
    assert record["chandoan_chinh_ma"] == "J18.9"
    assert record["chandoan_kemtheo_ma"] == "I10;E11.9"
    assert record["thoigian_ra"] == "" and record["loai_ravien_ma"] == ""


def test_groups_with_nothing_are_present_and_empty() -> None:
    chart = replace(specimen_chart(minimal=True), encounters=(), events=())
    root = _xml(chart)
    assert [g.tag for g in root] == GROUPS
    for tag in GROUPS[1:]:
        group = root.find(tag)
        assert group is not None
        # Lists only, and every list empty: not one field.
        assert [e.tag for e in group.iter() if e.tag[0].islower()] == [], tag
    body = _json(chart)
    assert body["ThongTinVaoVien"] == body["PhieuPhauThuat"] == []
    assert body["ThongTinDieuTri"]["DanhSachChanDoan"] == []
    assert body["ThongTinBenhNhan"]["DanhSachDiUng"] == []


def _walk(element: ET.Element, value: Any, path: str) -> int:
    """Compare a JSON value with its XML element; returns the number of fields compared."""
    if isinstance(value, str):
        assert len(element) == 0, path
        assert (element.text or "") == value, path
        return 1
    if isinstance(value, list):
        assert len(element) == len(value), path
        return sum(
            _walk(child, item, f"{path}/{child.tag}[{n}]")
            for n, (child, item) in enumerate(zip(element, value, strict=True))
        )
    assert isinstance(value, dict), path
    assert [child.tag for child in element] == list(value), path
    return sum(_walk(child, value[child.tag], f"{path}/{child.tag}") for child in element)


@pytest.mark.parametrize("encounter_id", [None, STAY_ID])
def test_xml_and_json_carry_the_same_content(encounter_id: str | None) -> None:
    chart = specimen_chart(years=1)
    root, body = _xml(chart, encounter_id), _json(chart, encounter_id)
    attributes = {k: v for k, v in body.items() if isinstance(v, str)}
    assert attributes == root.attrib
    groups = {k: v for k, v in body.items() if not isinstance(v, str)}
    assert list(groups) == GROUPS
    assert list(body) == [*root.attrib, *GROUPS]
    compared = sum(_walk(child, groups[child.tag], child.tag) for child in root)
    assert compared > 500


def _note(chart: ChartExtract, text: str) -> ChartExtract:
    return with_events(
        chart,
        specimen_event(
            ClinicalNote(note_type="progress", text=text),
            "ev-typed",
            at=datetime(2026, 11, 20, 4, 0, tzinfo=UTC),
            author=DOCTOR,
            encounter_id=VISIT_ID,
        ),
    )


def _typed(chart: ChartExtract) -> tuple[str, str]:
    xml_note = next(n for n in _items(_xml(chart), ".//DienBien") if n["ma_banghi"] == "ev-typed")[
        "noidung"
    ]
    json_note = next(
        n
        for n in _json(chart)["ThongTinDieuTri"]["DanhSachDienBien"]
        if n["ma_banghi"] == "ev-typed"
    )["noidung"]
    return xml_note, json_note


def test_vietnamese_text_round_trips_as_nfc() -> None:
    typed = "Bệnh nhân đỡ ho, ăn uống được; Đặng Thị Ngọc Ánh ghi nhận lúc 11 giờ"
    decomposed = unicodedata.normalize("NFD", typed)
    assert decomposed != typed
    chart = _note(specimen_chart(years=0), decomposed)
    xml_note, json_note = _typed(chart)
    assert xml_note == json_note == typed
    assert unicodedata.is_normalized("NFC", xml_note)
    data = render(chart, "json")
    # The JSON keeps the characters (no \\u escapes) in UTF-8.
    assert typed.encode("utf-8") in data and b"\\u" not in data


def test_typed_text_is_escaped_and_cleaned() -> None:
    typed = "HA < 90 & \"sốc\" > nặng; 'dấu nháy' ]]> <b>không</b>\r\ndòng 2\x0b\x00 hết"
    chart = _note(specimen_chart(years=0), typed)
    xml_note, json_note = _typed(chart)
    expected = "HA < 90 & \"sốc\" > nặng; 'dấu nháy' ]]> <b>không</b>\ndòng 2 hết"
    assert xml_note == json_note == expected
    data = render(chart, "xml")
    assert b'HA &lt; 90 &amp; "s' in data and b"<b>" not in data


def test_a_value_too_long_for_its_field_is_refused() -> None:
    chart = specimen_chart(years=0)
    chart = replace(chart, patient=replace(chart.patient, ethnicity="K" * 300))
    with pytest.raises(ValidationError) as caught:
        render(chart, "json")
    assert (caught.value.field, caught.value.rule) == ("dantoc_ten", "max_length")
    assert "255" in caught.value.message_vi and "255" in caught.value.message_en


def test_output_is_deterministic(chart: ChartExtract) -> None:
    tree = medical_record(chart)
    assert to_xml(tree) == to_xml(medical_record(chart))
    assert to_json(tree) == to_json(medical_record(chart))


def test_a_changed_dose_changes_both_serialisations(chart: ChartExtract) -> None:
    event = chart.event(PRESCRIPTION_ID)
    assert event.content_hash is not None
    changed = replace(
        chart,
        events=tuple(
            replace(e, content_hash="0" * 64) if e.id == PRESCRIPTION_ID else e
            for e in chart.events
        ),
    )
    assert event.content_hash.encode() in render(chart, "xml")
    assert event.content_hash.encode() not in render(changed, "xml")
    assert event.content_hash.encode() not in render(changed, "json")


# ------------------------------------------------------------------ the schema


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(xsd())


@pytest.mark.parametrize("encounter_id", [None, STAY_ID])
def test_the_xml_is_valid_against_the_schema_written_from_the_table(
    schema: xmlschema.XMLSchema, encounter_id: str | None
) -> None:
    schema.validate(render(specimen_chart(years=1), "xml", encounter_id).decode("utf-8"))


def test_the_schema_refuses_what_breaks_the_table(schema: xmlschema.XMLSchema) -> None:
    root = _xml(specimen_chart(years=0))
    patient = root.find("ThongTinBenhNhan")
    assert patient is not None
    cccd = patient.find("cccd_so")
    assert cccd is not None
    cccd.text = "00115601234X"
    with pytest.raises(xmlschema.XMLSchemaValidationError, match="cccd_so"):
        schema.validate(ET.tostring(root, encoding="unicode"))
    cccd.text = "001156012345"
    patient.remove(cccd)
    with pytest.raises(xmlschema.XMLSchemaValidationError, match="cccd_so"):
        schema.validate(ET.tostring(root, encoding="unicode"))


# ------------------------------------------------------------------ docs and samples


def test_the_mapping_document_carries_the_table() -> None:
    text = (ROOT / "docs" / "hsba-mapping.md").read_text(encoding="utf-8")
    assert mapping_markdown() in text
    # The four field names known from CV 365 are marked so.
    for name in ("cccd_so", "mathuocvattu_byt", "chuky_hoten", "quanhuyen_ma"):
        assert re.search(rf"\| `{name}` \|[^\n]*\*\*known\*\*", text), name


def test_the_samples_are_the_specimen_chart_and_the_schema_is_current() -> None:
    from scripts.export_samples import hsba_sample_chart

    chart = hsba_sample_chart()
    samples = ROOT / "docs" / "samples"
    assert (samples / "ho-so-benh-an.xml").read_bytes() == render(chart, "xml")
    assert (samples / "ho-so-benh-an.json").read_bytes() == render(chart, "json")
    assert (samples / "ho-so-benh-an.xsd").read_text(encoding="utf-8") == xsd()
    root = _parse((samples / "ho-so-benh-an.xml").read_bytes())
    # The sample shows every group filled, but surgery (no such record).
    assert [tag for tag in GROUPS if not root.findall(f"{tag}//*/ma_banghi")] == [
        "ThongTinBenhNhan",
        "ThongTinVaoVien",
        "GiayChuyenVien",
        "HoSoCapCuu",
        "PhieuPhauThuat",
    ]
    for tag in ("ThongTinVaoVien", "GiayChuyenVien", "HoSoCapCuu"):
        assert root.findall(f"{tag}/*/ma_luotkham"), tag
    assert len(root.find("ThongTinBenhNhan") or []) > 20
    assert root.findall("PhieuPhauThuat/*") == []
