"""One patient's chart as the Ministry of Health's `HoSoBenhAn` exchange document (XML, JSON).

CV 365/TTYQG-GPQLCL (06/06/2025) asks every EMR to export a medical record "on request" as
XML or JSON with the root `HoSoBenhAn` and eleven groups (reference §5). The group names are
known; the appendix that lists their fields was not readable, so apart from the few field
names known (`cccd_so`, `mathuocvattu_byt`, `chuky_hoten`, `quanhuyen_ma`) every field here
is our choice, named in their style: lower-case Vietnamese without diacritics, object first
and attribute second (`thebhyt_so`, `chuky_thoigian`). All of those choices are in ONE
table, `MAPPING` (groups, lists, fields, type, maximum size, source, known or chosen), so
the structure is corrected in one place once the appendix is read; `docs/hsba-mapping.md`
documents it and `xsd()` writes the schema of our XML from it.

The document is built once, as a tree of `Node`s, and serialised from that same tree to
XML (`to_xml`) and to JSON (`to_json`), so the two always carry the same content:

* a field is an XML element with text, a JSON string (every value is text in both: codes
  keep their leading zeros and decimals their digits; an unknown value is "" and the
  element is present and empty);
* a record is an XML element holding its fields in table order, a JSON object;
* a list is an XML element holding one element per item, a JSON array of objects;
* the root's attributes (mapping version, facility, export time, scope) are XML attributes
  and the first keys of the JSON `HoSoBenhAn` object.

What is exported is the chart as a clinician reads it (`ChartExtract.current_events()`):
an amended entry as its latest version (naming the version it replaces), entries marked in
error left out (and so are allergies and problems whose status is "entered in error", and
the doses given of an order marked in error), drafts marked `trangthai` = "nhap". Times are
Vietnam local time (UTC+7) as `yyyymmddHHMM`, dates `yyyymmdd`, as in the QĐ 130 claim
tables. Text is NFC with line breaks as LF; characters XML 1.0 cannot carry are dropped.

Pure mapping (core only). `render` gives the bytes; `Rendering` is one export asked for
(format and scope, checked when made), which the CLI hands to `services.hsba` so that the
chart is read, rendered, written and audited there. A value longer than its field, or an
encounter the chart does not hold, raises ValidationError naming it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    AbnormalFlag,
    AdministrationOutcome,
    AllergyStatus,
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterKind,
    EventStatus,
    ImagingReport,
    ImagingStudy,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    MovementKind,
    Order,
    OrderCategory,
    Prescription,
    ProblemStatus,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local

#: The version of this mapping, written on the root: a receiver can tell our choices apart
#: from the structure of the CV 365 appendix (bump it when `MAPPING` changes).
MAPPING_VERSION = "emr-desktop-hsba-1"

ROOT = "HoSoBenhAn"

# ------------------------------------------------------------------ the mapping table

#: Value types: the pattern every non-empty value matches, and its description.
ValueType = Literal["chuoi", "so", "maso", "ngay", "nam_ngay", "thoigian"]
TYPES: dict[str, tuple[str, str]] = {
    "chuoi": (r"(?s).*", "Chuỗi: text"),
    "so": (r"-?[0-9]+(\.[0-9]+)?", "Số: decimal number, '.' separator"),
    "maso": (r"[0-9]+", "Số: digits only, leading zeros kept"),
    "ngay": (r"[0-9]{8}", "Ngày: yyyymmdd"),
    "nam_ngay": (r"[0-9]{4}([0-9]{4})?", "Ngày: yyyymmdd, or yyyy when only the year is known"),
    "thoigian": (r"[0-9]{12}", "Thời gian: yyyymmddHHMM, Vietnam local time (UTC+7)"),
}
TIME_FORMAT = "%Y%m%d%H%M"
DATE_FORMAT = "%Y%m%d"


@dataclass(frozen=True)
class Field:
    """One field: its name, value type, maximum size in characters, where the value comes
    from in our records, and whether the name is known from CV 365 (else our choice)."""

    name: str
    type: ValueType
    size: int
    source: str
    known: bool = False


@dataclass(frozen=True)
class Item:
    """A record: fields in order, then lists."""

    tag: str
    fields: tuple[Field, ...]
    lists: tuple[ListOf, ...] = ()


@dataclass(frozen=True)
class ListOf:
    """A list of records: the container element and the item element."""

    tag: str
    item: Item
    content: str


@dataclass(frozen=True)
class Group:
    """One of the eleven groups of `HoSoBenhAn` (names known: reference §5)."""

    number: str
    tag: str
    title_vi: str
    body: Item | ListOf


def _f(name: str, type_: ValueType, size: int, source: str, known: bool = False) -> Field:
    return Field(name, type_, size, source, known)


#: Every entry from a clinical event starts with these…
_ENTRY_HEAD = (
    _f("ma_banghi", "chuoi", 64, "ClinicalEvent.id (the current version's id)"),
    _f("ma_luotkham", "chuoi", 64, "ClinicalEvent.encounter_id ('' if outside an encounter)"),
    _f("thoigian", "thoigian", 12, "ClinicalEvent.effective_at"),
)
#: … and ends with these: author, status, signature, correction.
_ENTRY_TAIL = (
    _f("nguoilap_hoten", "chuoi", 255, "name of ClinicalEvent.created_by"),
    _f("trangthai", "chuoi", 5, "ClinicalEvent.status: 'da_ky' signed, 'nhap' draft"),
    _f("chuky_hoten", "chuoi", 255, "name of ClinicalEvent.signed_by ('' for a draft)", True),
    _f("chuky_thoigian", "thoigian", 12, "ClinicalEvent.signed_at"),
    _f(
        "chuky_sha256",
        "chuoi",
        64,
        "ClinicalEvent.content_hash: SHA-256 (hex) of the signed canonical content",
    ),
    _f("dinhchinh_ma_goc", "chuoi", 64, "ClinicalEvent.corrects: the version this one amends"),
    _f("dinhchinh_lydo", "chuoi", 1000, "ClinicalEvent.correction_reason"),
)


def _entry(tag: str, *fields: Field, lists: tuple[ListOf, ...] = ()) -> Item:
    return Item(tag, (*_ENTRY_HEAD, *fields, *_ENTRY_TAIL), lists)


_VITAL_FIELDS: dict[str, Field] = {
    VitalCode.PULSE: _f("mach", "so", 8, "VitalSigns pulse, /min"),
    VitalCode.TEMPERATURE: _f("nhietdo", "so", 8, "VitalSigns temperature, °C"),
    VitalCode.SYSTOLIC: _f("huyetap_tamthu", "so", 8, "VitalSigns systolic, mmHg"),
    VitalCode.DIASTOLIC: _f("huyetap_tamtruong", "so", 8, "VitalSigns diastolic, mmHg"),
    VitalCode.RESPIRATORY_RATE: _f("nhiptho", "so", 8, "VitalSigns respiratory rate, /min"),
    VitalCode.SPO2: _f("spo2", "so", 8, "VitalSigns SpO2, %"),
    VitalCode.WEIGHT: _f("cannang", "so", 8, "VitalSigns weight, kg"),
    VitalCode.HEIGHT: _f("chieucao", "so", 8, "VitalSigns height, cm"),
    VitalCode.BLOOD_GLUCOSE: _f("duonghuyet", "so", 8, "VitalSigns capillary glucose, mmol/L"),
}

_ROOT_ATTRIBUTES = (
    _f("phienban", "chuoi", 50, f"this mapping's version ({MAPPING_VERSION})"),
    _f("ma_cskcb", "chuoi", 5, "Facility.code (MA_CSKCB) of the exporting facility"),
    _f("ten_cskcb", "chuoi", 255, "Facility.name"),
    _f("thoigian_xuat", "thoigian", 12, "time of the export"),
    _f("pham_vi", "chuoi", 10, "'toan_bo' the whole chart, 'luot_kham' one encounter"),
    _f("pham_vi_ma_luotkham", "chuoi", 64, "the encounter exported ('' for the whole chart)"),
)

_DIAGNOSIS_SUMMARY = (
    _f("chandoan_chinh_ma", "chuoi", 20, "ICD-10 of the encounter's current primary Diagnosis"),
    _f("chandoan_chinh_ten", "chuoi", 2000, "its Diagnosis.description"),
    _f("chandoan_kemtheo_ma", "chuoi", 500, "ICD-10 codes of the secondary diagnoses, ';'"),
)
_DISCHARGE_CODES = (
    _f("ketqua_dieutri_ma", "chuoi", 1, "Encounter.treatment_result (KET_QUA_DTRI, 1–8)"),
    _f("loai_ravien_ma", "chuoi", 1, "Encounter.discharge_type (MA_LOAI_RV, 1–5)"),
)

MAPPING: tuple[Group, ...] = (
    Group(
        "I",
        "ThongTinBenhNhan",
        "Thông tin hành chính người bệnh",
        Item(
            "ThongTinBenhNhan",
            (
                _f("ma_benhnhan", "chuoi", 20, "Patient.mrn (the facility's record number)"),
                _f("id_benhnhan", "chuoi", 64, "Patient.id (the chart's id in EMR Desktop)"),
                _f("hoten", "chuoi", 255, "Patient.full_name"),
                _f("ngaysinh", "ngay", 8, "Patient.date_of_birth ('' when only the year)"),
                _f("namsinh", "maso", 4, "Patient.date_of_birth.year"),
                _f("gioitinh_ma", "maso", 1, "Patient.sex: 1 nam, 2 nữ, 3 chưa xác định"),
                _f("cccd_so", "maso", 15, "Patient.cccd (12 digits)", True),
                _f("cmnd_so", "maso", 12, "Patient.cmnd (9 or 12 digits)"),
                _f("thebhyt_so", "chuoi", 15, "Patient.bhyt_number"),
                _f("thebhyt_tungay", "ngay", 8, "Patient.bhyt_valid_from"),
                _f("thebhyt_denngay", "ngay", 8, "Patient.bhyt_valid_to"),
                _f("thebhyt_noidkbd_ma", "chuoi", 5, "Patient.bhyt_registered_facility"),
                _f(
                    "dinhdanh_trangthai",
                    "chuoi",
                    20,
                    "Patient.identity_status: da_xac_minh, chua_day_du, khong_ro",
                ),
                _f("dienthoai", "chuoi", 255, "Patient.phones, ';'-separated"),
                _f("diachi", "chuoi", 500, "Patient.address (free text)"),
                _f("tinh_ma", "chuoi", 2, "not held (the address is free text): ''"),
                _f("quanhuyen_ma", "chuoi", 3, "not held; no district since 07/2025: ''", True),
                _f("xa_ma", "chuoi", 5, "not held (the address is free text): ''"),
                _f("dantoc_ma", "chuoi", 2, "not held (no MoH code list in the records): ''"),
                _f("dantoc_ten", "chuoi", 255, "Patient.ethnicity"),
                _f("nghenghiep_ma", "chuoi", 5, "not held (no MoH code list in the records): ''"),
                _f("nghenghiep_ten", "chuoi", 255, "Patient.occupation"),
                _f("nguoithan_hoten", "chuoi", 255, "Patient.guardian_name"),
            ),
            (
                ListOf(
                    "DanhSachDiUng",
                    Item(
                        "DiUng",
                        (
                            _f("ma_diung", "chuoi", 64, "Allergy.id"),
                            _f("tacnhan", "chuoi", 255, "Allergy.substance"),
                            _f("mathuocvattu_byt", "chuoi", 50, "Allergy.drug_code", True),
                            _f("phanung", "chuoi", 2000, "Allergy.reaction"),
                            _f("mucdo", "chuoi", 10, "Allergy.severity: nhe, vua, nang"),
                            _f(
                                "trangthai",
                                "chuoi",
                                20,
                                "Allergy.status: dang_hieu_luc, khong_con",
                            ),
                            _f("thoigian_ghinhan", "thoigian", 12, "Allergy.created_at"),
                        ),
                    ),
                    "allergies (those entered in error left out)",
                ),
                ListOf(
                    "DanhSachTienSuBenh",
                    Item(
                        "TienSuBenh",
                        (
                            _f("ma_tiensu", "chuoi", 64, "Problem.id"),
                            _f("ma_icd", "chuoi", 20, "Problem.icd10"),
                            _f("ten_benh", "chuoi", 500, "Problem.description"),
                            _f("trangthai", "chuoi", 10, "Problem.status: dang_mac, da_khoi"),
                            _f("ngay_khoiphat", "nam_ngay", 8, "Problem.onset"),
                        ),
                    ),
                    "the problem list (those entered in error left out)",
                ),
            ),
        ),
    ),
    Group(
        "II",
        "ThongTinVaoVien",
        "Thông tin vào viện",
        ListOf(
            "ThongTinVaoVien",
            Item(
                "LuotKham",
                (
                    _f("ma_luotkham", "chuoi", 64, "Encounter.id"),
                    _f(
                        "loai_luotkham",
                        "chuoi",
                        10,
                        "Encounter.kind: ngoai_tru, noi_tru, cap_cuu",
                    ),
                    _f(
                        "trangthai",
                        "chuoi",
                        15,
                        "Encounter.status: dang_dieu_tri, da_ket_thuc, da_huy",
                    ),
                    _f("thoigian_vaovien", "thoigian", 12, "Encounter.started_at"),
                    _f("thoigian_ravien", "thoigian", 12, "Encounter.ended_at"),
                    _f(
                        "khoa_vaovien_ten",
                        "chuoi",
                        255,
                        "department of the first admission Movement, else Encounter.department",
                    ),
                    _f("khoa_hientai_ten", "chuoi", 255, "Encounter.department_id's name"),
                    _f("giuong_ma", "chuoi", 20, "Encounter.bed_id's code"),
                    _f("lydo_vaovien", "chuoi", 2000, "Encounter.reason"),
                    _f("bacsi_dieutri_hoten", "chuoi", 255, "name of Encounter.attending_id"),
                ),
            ),
            "one item per encounter in scope, oldest first",
        ),
    ),
    Group(
        "III",
        "ThongTinDieuTri",
        "Thông tin điều trị",
        Item(
            "ThongTinDieuTri",
            (),
            (
                ListOf(
                    "DanhSachChanDoan",
                    _entry(
                        "ChanDoan",
                        _f("ma_icd", "chuoi", 20, "Diagnosis.icd10 (ICD-10)"),
                        _f("ten_benh", "chuoi", 2000, "Diagnosis.description"),
                        _f("loai_chandoan", "chuoi", 10, "Diagnosis.rank: chinh, kem_theo"),
                    ),
                    "Diagnosis events",
                ),
                ListOf(
                    "DanhSachDienBien",
                    _entry(
                        "DienBien",
                        _f(
                            "loai_phieu",
                            "chuoi",
                            20,
                            "ClinicalNote.note_type: dien_bien, vao_vien, to_dieu_tri, "
                            "tong_ket_ra_vien, hoi_chan, cham_soc",
                        ),
                        _f("noidung", "chuoi", 100_000, "ClinicalNote.text"),
                        _f("ylenh", "chuoi", 100_000, "ClinicalNote.orders_text"),
                    ),
                    "ClinicalNote events (progress, admission, daily sheets, discharge summary, "
                    "consultation, nursing)",
                ),
                ListOf(
                    "DanhSachSinhHieu",
                    _entry("SinhHieu", *_VITAL_FIELDS.values()),
                    "VitalSigns events, in the units the records keep",
                ),
                ListOf(
                    "DanhSachChuyenKhoa",
                    _entry(
                        "ChuyenKhoa",
                        _f(
                            "loai",
                            "chuoi",
                            15,
                            "Movement.movement: vao_vien, chuyen_khoa, ra_vien",
                        ),
                        _f("khoa_ten", "chuoi", 255, "Movement.department_id's name"),
                        _f("giuong_ma", "chuoi", 20, "Movement.bed_id's code"),
                        _f("ketqua_dieutri_ma", "chuoi", 1, "Movement.treatment_result"),
                        _f("loai_ravien_ma", "chuoi", 1, "Movement.discharge_type"),
                    ),
                    "Movement events (admission, transfer between departments, discharge)",
                ),
                ListOf(
                    "DanhSachRaVien",
                    Item(
                        "RaVien",
                        (
                            _f("ma_luotkham", "chuoi", 64, "Encounter.id"),
                            _f("thoigian_ravien", "thoigian", 12, "Encounter.ended_at"),
                            *_DISCHARGE_CODES,
                            *_DIAGNOSIS_SUMMARY,
                        ),
                    ),
                    "one item per finished encounter",
                ),
            ),
        ),
    ),
    Group(
        "IV",
        "YLenhThuocVatTu",
        "Y lệnh thuốc, vật tư",
        Item(
            "YLenhThuocVatTu",
            (),
            (
                ListOf(
                    "DanhSachDonThuoc",
                    _entry(
                        "DonThuoc",
                        _f("ma_donthuoc", "chuoi", 14, "Prescription.code (national e-Rx code)"),
                        _f("chandoan_ma", "chuoi", 500, "Prescription.diagnosis_codes, ';'"),
                        _f("loidan", "chuoi", 2000, "Prescription.advice"),
                        _f("ngay_taikham", "ngay", 8, "Prescription.follow_up"),
                        lists=(
                            ListOf(
                                "DanhSachThuoc",
                                Item(
                                    "Thuoc",
                                    (
                                        _f(
                                            "mathuocvattu_byt",
                                            "chuoi",
                                            50,
                                            "PrescriptionItem.drug_code",
                                            True,
                                        ),
                                        _f("ten_thuoc", "chuoi", 255, "PrescriptionItem.drug_name"),
                                        _f("lieudung", "chuoi", 1000, "PrescriptionItem.dosage"),
                                        _f("duongdung", "chuoi", 50, "PrescriptionItem.route"),
                                        _f("soluong", "so", 20, "PrescriptionItem.quantity"),
                                        _f("donvi", "chuoi", 50, "PrescriptionItem.unit"),
                                        _f("songay", "maso", 3, "PrescriptionItem.days"),
                                    ),
                                ),
                                "the prescription's drugs",
                            ),
                        ),
                    ),
                    "outpatient Prescription events",
                ),
                ListOf(
                    "DanhSachYLenhThuoc",
                    _entry(
                        "YLenhThuoc",
                        _f("mathuocvattu_byt", "chuoi", 50, "MedicationOrder.drug_code", True),
                        _f("ten_thuoc", "chuoi", 255, "MedicationOrder.drug_name"),
                        _f("lieu", "so", 20, "MedicationOrder.dose"),
                        _f("donvi", "chuoi", 50, "MedicationOrder.dose_unit"),
                        _f("duongdung", "chuoi", 50, "MedicationOrder.route"),
                        _f("giodung", "chuoi", 200, "MedicationOrder.times (HH:MM), ';'"),
                        _f("ngay_batdau", "ngay", 8, "MedicationOrder.start_date"),
                        _f("songay", "maso", 3, "MedicationOrder.days"),
                        _f("khican", "maso", 1, "MedicationOrder.as_needed: 1 yes, 0 no"),
                        _f("huongdan", "chuoi", 2000, "MedicationOrder.instructions"),
                    ),
                    "inpatient MedicationOrder events",
                ),
                ListOf(
                    "DanhSachDungThuoc",
                    _entry(
                        "DungThuoc",
                        _f("ma_ylenh", "chuoi", 64, "the current version of the order given"),
                        _f("mathuocvattu_byt", "chuoi", 50, "the order's drug_code", True),
                        _f("ten_thuoc", "chuoi", 255, "the order's drug_name"),
                        _f(
                            "thoigian_dukien",
                            "thoigian",
                            12,
                            "MedicationAdministration.scheduled_for",
                        ),
                        _f(
                            "ketqua",
                            "chuoi",
                            10,
                            "MedicationAdministration.outcome: da_dung, tam_hoan, tu_choi, bo_lo",
                        ),
                        _f("lieu", "so", 20, "MedicationAdministration.dose"),
                        _f("donvi", "chuoi", 50, "MedicationAdministration.dose_unit"),
                        _f("duongdung", "chuoi", 50, "MedicationAdministration.route"),
                        _f("vitri", "chuoi", 255, "MedicationAdministration.site"),
                        _f("lydo", "chuoi", 1000, "MedicationAdministration.reason"),
                        _f(
                            "quet_vongtay",
                            "maso",
                            1,
                            "MedicationAdministration.wristband_scanned: 1, 0",
                        ),
                    ),
                    "MedicationAdministration events (of orders not marked in error)",
                ),
            ),
        ),
    ),
    Group(
        "V",
        "PhieuChiDinh",
        "Phiếu chỉ định",
        ListOf(
            "PhieuChiDinh",
            _entry(
                "ChiDinh",
                _f(
                    "nhom_dichvu",
                    "chuoi",
                    20,
                    "Order.category: xet_nghiem, chan_doan_hinh_anh, thu_thuat",
                ),
                _f("ma_dichvu", "chuoi", 50, "Order.service_code (facility catalogue)"),
                _f("ten_dichvu", "chuoi", 1024, "Order.service_name"),
                _f("mucdo_uutien", "chuoi", 10, "Order.priority: thuong, khan, cap_cuu"),
                _f("chandoan_lydo", "chuoi", 2000, "Order.indication"),
                _f(
                    "trangthai_ketqua",
                    "chuoi",
                    15,
                    "co_ketqua when a LabResult or ImagingReport answers it, else chua_co",
                ),
            ),
            "Order events of every category",
        ),
    ),
    Group(
        "VI",
        "KetQuaChanDoanHinhAnh",
        "Kết quả chẩn đoán hình ảnh",
        ListOf(
            "KetQuaChanDoanHinhAnh",
            _entry(
                "KetQuaCDHA",
                _f("ma_chidinh", "chuoi", 64, "ImagingReport.order_id (current version)"),
                _f("ma_dichvu", "chuoi", 50, "ImagingReport.service_code"),
                _f("ten_dichvu", "chuoi", 1024, "the order's service_name"),
                _f("kythuat_ma", "chuoi", 16, "ImagingReport.modality (DICOM modality)"),
                _f("mota", "chuoi", 100_000, "ImagingReport.findings"),
                _f("ketluan", "chuoi", 10_000, "ImagingReport.conclusion"),
                _f("ma_ca_chup", "chuoi", 64, "StudyInstanceUID of the study read"),
                _f("ma_truycap", "chuoi", 64, "ImagingStudy.accession_number"),
                _f("thoigian_chup", "thoigian", 12, "ImagingStudy.study_at"),
                _f("mota_ca_chup", "chuoi", 1024, "ImagingStudy.description"),
                _f("so_loat", "maso", 5, "number of series of the study"),
                _f("so_anh", "maso", 7, "number of instances of the study"),
            ),
            "ImagingReport events with the study each reads; then studies no report reads "
            "(report fields and entry fields empty)",
        ),
    ),
    Group(
        "VII",
        "KetQuaXetNghiem",
        "Kết quả xét nghiệm",
        ListOf(
            "KetQuaXetNghiem",
            _entry(
                "XetNghiem",
                _f("ma_chidinh", "chuoi", 64, "LabResult.order_id (current version)"),
                _f("ma_dichvu", "chuoi", 50, "the order's service_code"),
                _f("ma_xetnghiem", "chuoi", 50, "LabResult.test_code"),
                _f("ten_xetnghiem", "chuoi", 255, "LabResult.test_name"),
                _f("ma_loinc", "chuoi", 20, "LabResult.loinc"),
                _f("ketqua", "chuoi", 2000, "LabResult.value, as typed"),
                _f("ketqua_so", "so", 30, "LabResult.value as a number ('' for a text result)"),
                _f("donvi", "chuoi", 50, "LabResult.unit"),
                _f("csbt_thap", "so", 30, "LabResult.ref_low"),
                _f("csbt_cao", "so", 30, "LabResult.ref_high"),
                _f("csbt_mota", "chuoi", 255, "LabResult.ref_text"),
                _f("danhgia", "chuoi", 15, "LabResult.flag: binh_thuong, thap, cao, bat_thuong"),
            ),
            "LabResult events",
        ),
    ),
    Group(
        "VIII",
        "GiayChuyenVien",
        "Giấy chuyển viện",
        ListOf(
            "GiayChuyenVien",
            Item(
                "ChuyenVien",
                (
                    _f("ma_luotkham", "chuoi", 64, "Encounter.id"),
                    _f("thoigian_chuyen", "thoigian", 12, "Encounter.ended_at"),
                    *_DISCHARGE_CODES,
                    *_DIAGNOSIS_SUMMARY,
                    _f("lydo_vaovien", "chuoi", 2000, "Encounter.reason"),
                    _f(
                        "tomtat_benhan",
                        "chuoi",
                        100_000,
                        "text of the encounter's latest discharge-summary note",
                    ),
                    _f("noi_chuyenden", "chuoi", 255, "not held (typed on the printed letter): ''"),
                    _f("bacsi_hoten", "chuoi", 255, "name of Encounter.attending_id"),
                ),
            ),
            "finished encounters whose discharge type is a transfer (MA_LOAI_RV 2 or 5)",
        ),
    ),
    Group(
        "IX",
        "HoSoCapCuu",
        "Hồ sơ cấp cứu",
        ListOf(
            "HoSoCapCuu",
            Item(
                "CapCuu",
                (
                    _f("ma_luotkham", "chuoi", 64, "Encounter.id"),
                    _f("thoigian_den", "thoigian", 12, "Encounter.started_at"),
                    _f("thoigian_ra", "thoigian", 12, "Encounter.ended_at"),
                    _f("khoa_ten", "chuoi", 255, "Encounter.department_id's name"),
                    _f("lydo_vaovien", "chuoi", 2000, "Encounter.reason"),
                    *_DIAGNOSIS_SUMMARY,
                    *_DISCHARGE_CODES,
                    _f("bacsi_hoten", "chuoi", 255, "name of Encounter.attending_id"),
                ),
            ),
            "emergency encounters (their notes, orders and results are in the other groups, "
            "by ma_luotkham)",
        ),
    ),
    Group(
        "X",
        "PhieuThuThuat",
        "Phiếu thủ thuật",
        ListOf(
            "PhieuThuThuat",
            _entry(
                "ThuThuat",
                _f("ma_dichvu", "chuoi", 50, "Order.service_code"),
                _f("ten_dichvu", "chuoi", 1024, "Order.service_name"),
                _f("mucdo_uutien", "chuoi", 10, "Order.priority"),
                _f("chandoan_lydo", "chuoi", 2000, "Order.indication"),
                _f("ketqua", "chuoi", 10_000, "not held (no procedure-result record yet): ''"),
            ),
            "Order events of category procedure",
        ),
    ),
    Group(
        "XI",
        "PhieuPhauThuat",
        "Phiếu phẫu thuật",
        ListOf(
            "PhieuPhauThuat",
            _entry(
                "PhauThuat",
                _f("ma_dichvu", "chuoi", 50, "not held"),
                _f("ten_dichvu", "chuoi", 1024, "not held"),
                _f("ketqua", "chuoi", 10_000, "not held"),
            ),
            "always empty: the program keeps no surgery record",
        ),
    ),
)


# ------------------------------------------------------------------ the tree


@dataclass(frozen=True)
class Node:
    """One node of the document: a field (text), a record (children in order) or a list
    (items in order); the root alone has attributes."""

    tag: str
    kind: Literal["field", "record", "list"]
    text: str = ""
    children: tuple[Node, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()


Value = str | int | Decimal | date | datetime | None

# XML 1.0 carries tab, LF, CR and the characters from U+0020 on, less the surrogates and
# U+FFFE/U+FFFF. CR never reaches here (line breaks become LF first).
_NOT_XML = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PATTERNS = {name: re.compile(pattern) for name, (pattern, _) in TYPES.items()}


def _clean(text: str) -> str:
    """NFC, LF line breaks, and nothing XML 1.0 cannot carry."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)


def _text(field: Field, value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = to_local(value).strftime(TIME_FORMAT)
    elif isinstance(value, date):
        text = value.strftime(DATE_FORMAT)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = _clean(str(value))
    if len(text) > field.size:
        raise ValidationError(
            field.name,
            "max_length",
            f"Dài quá {field.size} ký tự cho phép trong hồ sơ bệnh án xuất (HSBA)",
            f"Longer than the {field.size} characters the HSBA export allows",
        )
    if text and not _PATTERNS[field.type].fullmatch(text):
        raise ValidationError(
            field.name,
            "format",
            f"Giá trị {text!r} không đúng kiểu {TYPES[field.type][1]}",
            f"The value {text!r} is not of type {TYPES[field.type][1]}",
        )
    return text


def _record(item: Item, values: Mapping[str, Value], lists: Iterable[Node] = ()) -> Node:
    """A record of `item`: its fields in table order (missing values empty), then `lists`."""
    names = {f.name for f in item.fields}
    unknown = set(values) - names
    if unknown:
        raise KeyError(f"{item.tag} has no field {sorted(unknown)}")
    fields = tuple(Node(f.name, "field", _text(f, values.get(f.name))) for f in item.fields)
    children = tuple(lists)
    if tuple(n.tag for n in children) != tuple(spec.tag for spec in item.lists):
        raise KeyError(f"{item.tag} takes the lists {[s.tag for s in item.lists]}")
    return Node(item.tag, "record", children=fields + children)


def _list(spec: ListOf, items: Iterable[Node]) -> Node:
    return Node(spec.tag, "list", children=tuple(items))


# ------------------------------------------------------------------ code values

_SEX = {"male": "1", "female": "2", "other": "3"}
_IDENTITY = {"verified": "da_xac_minh", "incomplete": "chua_day_du", "unknown": "khong_ro"}
_SEVERITY = {"mild": "nhe", "moderate": "vua", "severe": "nang"}
_ALLERGY_STATUS = {AllergyStatus.ACTIVE: "dang_hieu_luc", AllergyStatus.INACTIVE: "khong_con"}
_PROBLEM_STATUS = {ProblemStatus.ACTIVE: "dang_mac", ProblemStatus.RESOLVED: "da_khoi"}
_ENCOUNTER_KIND = {
    EncounterKind.OUTPATIENT: "ngoai_tru",
    EncounterKind.INPATIENT: "noi_tru",
    EncounterKind.EMERGENCY: "cap_cuu",
}
_ENCOUNTER_STATUS = {
    "in_progress": "dang_dieu_tri",
    "finished": "da_ket_thuc",
    "cancelled": "da_huy",
}
_RANK = {DiagnosisRank.PRIMARY: "chinh", DiagnosisRank.SECONDARY: "kem_theo"}
_NOTE_TYPE = {
    "progress": "dien_bien",
    "admission": "vao_vien",
    "daily_treatment": "to_dieu_tri",
    "discharge_summary": "tong_ket_ra_vien",
    "consultation": "hoi_chan",
    "nursing": "cham_soc",
}
_MOVEMENT = {
    MovementKind.ADMISSION: "vao_vien",
    MovementKind.TRANSFER: "chuyen_khoa",
    MovementKind.DISCHARGE: "ra_vien",
}
_OUTCOME = {
    AdministrationOutcome.GIVEN: "da_dung",
    AdministrationOutcome.HELD: "tam_hoan",
    AdministrationOutcome.REFUSED: "tu_choi",
    AdministrationOutcome.MISSED: "bo_lo",
}
_CATEGORY = {
    OrderCategory.LAB: "xet_nghiem",
    OrderCategory.IMAGING: "chan_doan_hinh_anh",
    OrderCategory.PROCEDURE: "thu_thuat",
}
_PRIORITY = {"routine": "thuong", "urgent": "khan", "stat": "cap_cuu"}
_FLAG = {
    AbnormalFlag.NORMAL: "binh_thuong",
    AbnormalFlag.LOW: "thap",
    AbnormalFlag.HIGH: "cao",
    AbnormalFlag.ABNORMAL: "bat_thuong",
}
#: MA_LOAI_RV codes of a transfer to another facility (reference §3.8.4).
TRANSFER_DISCHARGE_TYPES = frozenset({"2", "5"})


# ------------------------------------------------------------------ building


def _group(tag: str) -> Group:
    return next(g for g in MAPPING if g.tag == tag)


def _list_spec(item: Item | ListOf, tag: str) -> ListOf:
    if isinstance(item, ListOf):
        return item
    return next(s for s in item.lists if s.tag == tag)


class _Builder:
    """The entries of one export, gathered from the extract within its scope."""

    def __init__(self, extract: ChartExtract, encounter_id: str | None) -> None:
        self.extract = extract
        self.encounters = [e for e in extract.encounters if e.deleted_at is None]
        if encounter_id is not None:
            self.encounters = [e for e in self.encounters if e.id == encounter_id]
            if not self.encounters:
                raise ValidationError(
                    "encounter",
                    "unknown",
                    "Không có lượt khám này trong hồ sơ bệnh nhân",
                    "No such encounter in the patient's chart",
                )
        self.whole_chart = encounter_id is None
        self.events = [
            e
            for e in extract.current_events()
            if encounter_id is None or e.encounter_id == encounter_id
        ]

    def name(self, user_id: str | None) -> str:
        return self.extract.staff_name(user_id)

    def department(self, department_id: str | None) -> str:
        return self.extract.departments.get(department_id or "", "")

    def bed(self, bed_id: str | None) -> str:
        return self.extract.beds.get(bed_id or "", "")

    def entry(self, event: ClinicalEvent, **values: Value) -> dict[str, Value]:
        """The head and tail fields of an entry from `event`, with `values` between."""
        signed = event.status == EventStatus.SIGNED
        return {
            "ma_banghi": event.id,
            "ma_luotkham": event.encounter_id or "",
            "thoigian": event.effective_at,
            **values,
            "nguoilap_hoten": self.name(event.created_by),
            "trangthai": "da_ky" if signed else "nhap",
            "chuky_hoten": self.name(event.signed_by) if signed else "",
            "chuky_thoigian": event.signed_at if signed else None,
            "chuky_sha256": event.content_hash if signed else "",
            "dinhchinh_ma_goc": event.corrects or "",
            "dinhchinh_lydo": event.correction_reason or "",
        }

    def of(self, cls: type) -> list[ClinicalEvent]:
        return [e for e in self.events if isinstance(e.body, cls)]

    def order(self, order_id: str | None) -> ClinicalEvent | None:
        """The current version of the order an event answers, if the chart still has it."""
        if order_id is None:
            return None
        order = self.extract.latest_version(order_id)
        return order if order is not None and isinstance(order.body, Order) else None

    def diagnoses(self, encounter_id: str) -> dict[str, Value]:
        """The diagnosis summary of one encounter (the latest primary diagnosis)."""
        found = [
            e.body
            for e in self.extract.events_of(encounter_id, Diagnosis.KIND)
            if isinstance(e.body, Diagnosis)
        ]
        primary = [d for d in found if d.rank == DiagnosisRank.PRIMARY]
        secondary = dict.fromkeys(d.icd10 for d in found if d.rank == DiagnosisRank.SECONDARY)
        main = primary[-1] if primary else None
        return {
            "chandoan_chinh_ma": main.icd10 if main else "",
            "chandoan_chinh_ten": (main.description or "") if main else "",
            "chandoan_kemtheo_ma": ";".join(secondary),
        }

    def discharge(self, encounter: Encounter) -> dict[str, Value]:
        """The discharge codes: the encounter's, else its latest discharge movement's."""
        result, kind = encounter.treatment_result, encounter.discharge_type
        for event in reversed(self.extract.events_of(encounter.id, Movement.KIND)):
            body = event.body
            if isinstance(body, Movement) and body.movement == MovementKind.DISCHARGE:
                result, kind = result or body.treatment_result, kind or body.discharge_type
                break
        return {"ketqua_dieutri_ma": result, "loai_ravien_ma": kind}


# ------------------------------------------------------------------ the groups


def _patient(b: _Builder) -> Node:
    p = b.extract.patient
    item = _group("ThongTinBenhNhan").body
    assert isinstance(item, Item)
    birth = p.date_of_birth
    allergies = _list(
        _list_spec(item, "DanhSachDiUng"),
        (
            _record(
                _list_spec(item, "DanhSachDiUng").item,
                {
                    "ma_diung": a.id,
                    "tacnhan": a.substance,
                    "mathuocvattu_byt": a.drug_code,
                    "phanung": a.reaction,
                    "mucdo": _SEVERITY[a.severity],
                    "trangthai": _ALLERGY_STATUS[AllergyStatus(a.status)],
                    "thoigian_ghinhan": a.created_at,
                },
            )
            for a in b.extract.allergies
            if a.deleted_at is None and a.status != AllergyStatus.ENTERED_IN_ERROR
        ),
    )
    problems = _list(
        _list_spec(item, "DanhSachTienSuBenh"),
        (
            _record(
                _list_spec(item, "DanhSachTienSuBenh").item,
                {
                    "ma_tiensu": pb.id,
                    "ma_icd": pb.icd10,
                    "ten_benh": pb.description,
                    "trangthai": _PROBLEM_STATUS[ProblemStatus(pb.status)],
                    "ngay_khoiphat": (
                        None
                        if pb.onset is None
                        else pb.onset.date.strftime(DATE_FORMAT)
                        if pb.onset.date
                        else f"{pb.onset.year:04d}"
                    ),
                },
            )
            for pb in b.extract.problems
            if pb.deleted_at is None and pb.status != ProblemStatus.ENTERED_IN_ERROR
        ),
    )
    values: dict[str, Value] = {
        "ma_benhnhan": p.mrn,
        "id_benhnhan": p.id,
        "hoten": p.full_name,
        "ngaysinh": birth.date if birth else None,
        "namsinh": f"{birth.year:04d}" if birth else None,
        "gioitinh_ma": _SEX[p.sex],
        "cccd_so": p.cccd,
        "cmnd_so": p.cmnd,
        "thebhyt_so": p.bhyt_number,
        "thebhyt_tungay": p.bhyt_valid_from,
        "thebhyt_denngay": p.bhyt_valid_to,
        "thebhyt_noidkbd_ma": p.bhyt_registered_facility,
        "dinhdanh_trangthai": _IDENTITY[p.identity_status],
        "dienthoai": ";".join(p.phones),
        "diachi": p.address,
        "dantoc_ten": p.ethnicity,
        "nghenghiep_ten": p.occupation,
        "nguoithan_hoten": p.guardian_name,
    }
    return _record(item, values, (allergies, problems))


def _admissions(b: _Builder) -> Node:
    spec = _list_spec(_group("ThongTinVaoVien").body, "ThongTinVaoVien")
    items = []
    for encounter in b.encounters:
        admitted = next(
            (
                e.body.department_id
                for e in b.extract.events_of(encounter.id, Movement.KIND)
                if isinstance(e.body, Movement) and e.body.movement == MovementKind.ADMISSION
            ),
            encounter.department_id,
        )
        items.append(
            _record(
                spec.item,
                {
                    "ma_luotkham": encounter.id,
                    "loai_luotkham": _ENCOUNTER_KIND[EncounterKind(encounter.kind)],
                    "trangthai": _ENCOUNTER_STATUS[encounter.status],
                    "thoigian_vaovien": encounter.started_at,
                    "thoigian_ravien": encounter.ended_at,
                    "khoa_vaovien_ten": b.department(admitted),
                    "khoa_hientai_ten": b.department(encounter.department_id),
                    "giuong_ma": b.bed(encounter.bed_id),
                    "lydo_vaovien": encounter.reason,
                    "bacsi_dieutri_hoten": b.name(encounter.attending_id),
                },
            )
        )
    return _list(spec, items)


def _treatment(b: _Builder) -> Node:
    item = _group("ThongTinDieuTri").body
    assert isinstance(item, Item)
    diagnoses, notes, vitals, movements = [], [], [], []
    for event in b.events:
        body = event.body
        if isinstance(body, Diagnosis):
            diagnoses.append(
                b.entry(
                    event,
                    ma_icd=body.icd10,
                    ten_benh=body.description,
                    loai_chandoan=_RANK[DiagnosisRank(body.rank)],
                )
            )
        elif isinstance(body, ClinicalNote):
            notes.append(
                b.entry(
                    event,
                    loai_phieu=_NOTE_TYPE[body.note_type],
                    noidung=body.text,
                    ylenh=body.orders_text,
                )
            )
        elif isinstance(body, VitalSigns):
            measured: dict[str, Value] = {
                _VITAL_FIELDS[m.code].name: m.value for m in body.measurements
            }
            vitals.append(b.entry(event, **measured))
        elif isinstance(body, Movement):
            movements.append(
                b.entry(
                    event,
                    loai=_MOVEMENT[MovementKind(body.movement)],
                    khoa_ten=b.department(body.department_id),
                    giuong_ma=b.bed(body.bed_id),
                    ketqua_dieutri_ma=body.treatment_result,
                    loai_ravien_ma=body.discharge_type,
                )
            )
    discharges = [
        {
            "ma_luotkham": e.id,
            "thoigian_ravien": e.ended_at,
            **b.discharge(e),
            **b.diagnoses(e.id),
        }
        for e in b.encounters
        if e.status == "finished"
    ]
    lists = []
    for spec, rows in zip(
        item.lists, (diagnoses, notes, vitals, movements, discharges), strict=True
    ):
        lists.append(_list(spec, (_record(spec.item, row) for row in rows)))
    return _record(item, {}, lists)


def _drug_orders(b: _Builder) -> Node:
    item = _group("YLenhThuocVatTu").body
    assert isinstance(item, Item)
    prescriptions_spec, orders_spec, given_spec = item.lists
    drugs_spec = prescriptions_spec.item.lists[0]
    prescriptions = []
    for event in b.of(Prescription):
        body = event.body
        assert isinstance(body, Prescription)
        drugs = _list(
            drugs_spec,
            (
                _record(
                    drugs_spec.item,
                    {
                        "mathuocvattu_byt": i.drug_code,
                        "ten_thuoc": i.drug_name,
                        "lieudung": i.dosage,
                        "duongdung": i.route,
                        "soluong": i.quantity,
                        "donvi": i.unit,
                        "songay": i.days,
                    },
                )
                for i in body.items
            ),
        )
        values = b.entry(
            event,
            ma_donthuoc=body.code,
            chandoan_ma=";".join(body.diagnosis_codes),
            loidan=body.advice,
            ngay_taikham=body.follow_up,
        )
        prescriptions.append(_record(prescriptions_spec.item, values, (drugs,)))
    orders = []
    for event in b.of(MedicationOrder):
        body = event.body
        assert isinstance(body, MedicationOrder)
        values = b.entry(
            event,
            mathuocvattu_byt=body.drug_code,
            ten_thuoc=body.drug_name,
            lieu=body.dose,
            donvi=body.dose_unit,
            duongdung=body.route,
            giodung=";".join(body.times),
            ngay_batdau=body.start_date,
            songay=body.days,
            khican="1" if body.as_needed else "0",
            huongdan=body.instructions,
        )
        orders.append(_record(orders_spec.item, values))
    given = []
    for event in b.of(MedicationAdministration):
        body = event.body
        assert isinstance(body, MedicationAdministration)
        order = b.extract.latest_version(body.medication_order_id)
        if order is None or not isinstance(order.body, MedicationOrder):
            # The order was marked entered in error: what was given cannot be named.
            continue
        values = b.entry(
            event,
            ma_ylenh=order.id,
            mathuocvattu_byt=order.body.drug_code,
            ten_thuoc=order.body.drug_name,
            thoigian_dukien=body.scheduled_for,
            ketqua=_OUTCOME[AdministrationOutcome(body.outcome)],
            lieu=body.dose,
            donvi=body.dose_unit,
            duongdung=body.route,
            vitri=body.site,
            lydo=body.reason,
            quet_vongtay="1" if body.wristband_scanned else "0",
        )
        given.append(_record(given_spec.item, values))
    return _record(
        item,
        {},
        (
            _list(prescriptions_spec, prescriptions),
            _list(orders_spec, orders),
            _list(given_spec, given),
        ),
    )


def _answered(b: _Builder) -> set[str]:
    answered = set()
    for event in b.extract.current_events():
        if isinstance(event.body, LabResult | ImagingReport):
            order = b.order(event.body.order_id)
            if order is not None:
                answered.add(order.id)
    return answered


def _service_orders(b: _Builder) -> Node:
    spec = _list_spec(_group("PhieuChiDinh").body, "PhieuChiDinh")
    answered = _answered(b)
    items = []
    for event in b.of(Order):
        body = event.body
        assert isinstance(body, Order)
        values = b.entry(
            event,
            nhom_dichvu=_CATEGORY[OrderCategory(body.category)],
            ma_dichvu=body.service_code,
            ten_dichvu=body.service_name,
            mucdo_uutien=_PRIORITY[body.priority],
            chandoan_lydo=body.indication,
            trangthai_ketqua="co_ketqua" if event.id in answered else "chua_co",
        )
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _study_values(study: ImagingStudy | None) -> dict[str, Value]:
    if study is None:
        return {}
    return {
        "ma_ca_chup": study.study_instance_uid,
        "ma_truycap": study.accession_number,
        "thoigian_chup": study.study_at,
        "mota_ca_chup": study.description,
        "so_loat": len(study.series),
        "so_anh": sum(s.instances for s in study.series),
        "kythuat_ma": "\\".join(study.modalities),
    }


def _imaging(b: _Builder) -> Node:
    spec = _list_spec(_group("KetQuaChanDoanHinhAnh").body, "KetQuaChanDoanHinhAnh")
    studies = {s.study_instance_uid: s for s in b.extract.imaging_studies if s.deleted_at is None}
    order_ids = {e.id for e in b.of(Order)}
    items, read = [], set()
    for event in b.of(ImagingReport):
        body = event.body
        assert isinstance(body, ImagingReport)
        order = b.order(body.order_id)
        study = studies.get(body.study_instance_uid or "")
        if study is not None:
            read.add(study.study_instance_uid)
        values = {
            **_study_values(study),
            "ma_chidinh": order.id if order else "",
            "ma_dichvu": body.service_code,
            "ten_dichvu": order.body.service_name
            if order and isinstance(order.body, Order)
            else "",
            "kythuat_ma": body.modality,
            "mota": body.findings,
            "ketluan": body.conclusion,
        }
        if body.study_instance_uid and study is None:
            values["ma_ca_chup"] = body.study_instance_uid
        items.append(_record(spec.item, b.entry(event, **values)))
    for study in studies.values():
        order = b.order(study.order_id)
        in_scope = b.whole_chart or (order is not None and order.id in order_ids)
        if study.study_instance_uid in read or not in_scope:
            continue
        values = {
            **_study_values(study),
            "ma_luotkham": order.encounter_id if order else "",
            "ma_chidinh": order.id if order else "",
            "ma_dichvu": order.body.service_code if order and isinstance(order.body, Order) else "",
            "ten_dichvu": order.body.service_name
            if order and isinstance(order.body, Order)
            else "",
        }
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _labs(b: _Builder) -> Node:
    spec = _list_spec(_group("KetQuaXetNghiem").body, "KetQuaXetNghiem")
    items = []
    for event in b.of(LabResult):
        body = event.body
        assert isinstance(body, LabResult)
        order = b.order(body.order_id)
        values = b.entry(
            event,
            ma_chidinh=order.id if order else "",
            ma_dichvu=order.body.service_code if order and isinstance(order.body, Order) else "",
            ma_xetnghiem=body.test_code,
            ten_xetnghiem=body.test_name,
            ma_loinc=body.loinc,
            ketqua=body.value,
            ketqua_so=body.numeric_value(),
            donvi=body.unit,
            csbt_thap=body.ref_low,
            csbt_cao=body.ref_high,
            csbt_mota=body.ref_text,
            danhgia=_FLAG.get(AbnormalFlag(body.flag), ""),
        )
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _summary_note(b: _Builder, encounter_id: str) -> str:
    notes = [
        e.body.text
        for e in b.extract.events_of(encounter_id, ClinicalNote.KIND)
        if isinstance(e.body, ClinicalNote) and e.body.note_type == "discharge_summary"
    ]
    return notes[-1] if notes else ""


def _transfers(b: _Builder) -> Node:
    spec = _list_spec(_group("GiayChuyenVien").body, "GiayChuyenVien")
    items = []
    for encounter in b.encounters:
        codes = b.discharge(encounter)
        if encounter.status != "finished" or codes["loai_ravien_ma"] not in (
            TRANSFER_DISCHARGE_TYPES
        ):
            continue
        values: dict[str, Value] = {
            "ma_luotkham": encounter.id,
            "thoigian_chuyen": encounter.ended_at,
            **codes,
            **b.diagnoses(encounter.id),
            "lydo_vaovien": encounter.reason,
            "tomtat_benhan": _summary_note(b, encounter.id),
            "bacsi_hoten": b.name(encounter.attending_id),
        }
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _emergencies(b: _Builder) -> Node:
    spec = _list_spec(_group("HoSoCapCuu").body, "HoSoCapCuu")
    items = []
    for encounter in b.encounters:
        if encounter.kind != EncounterKind.EMERGENCY:
            continue
        values: dict[str, Value] = {
            "ma_luotkham": encounter.id,
            "thoigian_den": encounter.started_at,
            "thoigian_ra": encounter.ended_at,
            "khoa_ten": b.department(encounter.department_id),
            "lydo_vaovien": encounter.reason,
            **b.diagnoses(encounter.id),
            **(b.discharge(encounter) if encounter.status == "finished" else {}),
            "bacsi_hoten": b.name(encounter.attending_id),
        }
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _procedures(b: _Builder) -> Node:
    spec = _list_spec(_group("PhieuThuThuat").body, "PhieuThuThuat")
    items = []
    for event in b.of(Order):
        body = event.body
        assert isinstance(body, Order)
        if body.category != OrderCategory.PROCEDURE:
            continue
        values = b.entry(
            event,
            ma_dichvu=body.service_code,
            ten_dichvu=body.service_name,
            mucdo_uutien=_PRIORITY[body.priority],
            chandoan_lydo=body.indication,
        )
        items.append(_record(spec.item, values))
    return _list(spec, items)


def _surgeries() -> Node:
    return _list(_list_spec(_group("PhieuPhauThuat").body, "PhieuPhauThuat"), ())


def medical_record(extract: ChartExtract, encounter_id: str | None = None) -> Node:
    """The chart (or one encounter of it, `encounter_id`) as the `HoSoBenhAn` tree.

    An encounter the extract does not hold raises ValidationError on "encounter"; a value
    longer than the table allows raises ValidationError naming the field ("max_length").
    """
    b = _Builder(extract, encounter_id)
    head = extract.letterhead
    attributes: dict[str, Value] = {
        "phienban": MAPPING_VERSION,
        "ma_cskcb": head.facility_code,
        "ten_cskcb": head.facility_name,
        "thoigian_xuat": extract.printed_at,
        "pham_vi": "toan_bo" if encounter_id is None else "luot_kham",
        "pham_vi_ma_luotkham": encounter_id,
    }
    groups = (
        _patient(b),
        _admissions(b),
        _treatment(b),
        _drug_orders(b),
        _service_orders(b),
        _imaging(b),
        _labs(b),
        _transfers(b),
        _emergencies(b),
        _procedures(b),
        _surgeries(),
    )
    return Node(
        ROOT,
        "record",
        children=groups,
        attributes=tuple((f.name, _text(f, attributes.get(f.name))) for f in _ROOT_ATTRIBUTES),
    )


# ------------------------------------------------------------------ serialising


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _xml_lines(node: Node, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attributes = "".join(f' {k}="{_escape(v, attribute=True)}"' for k, v in node.attributes)
    if node.kind == "field":
        if node.text:
            out.append(f"{pad}<{node.tag}>{_escape(node.text)}</{node.tag}>")
        else:
            out.append(f"{pad}<{node.tag}/>")
    elif not node.children:
        out.append(f"{pad}<{node.tag}{attributes}/>")
    else:
        out.append(f"{pad}<{node.tag}{attributes}>")
        for child in node.children:
            _xml_lines(child, depth + 1, out)
        out.append(f"{pad}</{node.tag}>")


def to_xml(tree: Node) -> bytes:
    """The tree as an XML document: UTF-8 with its declaration, two-space indent, LF."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _xml_lines(tree, 0, out)
    return ("\n".join(out) + "\n").encode("utf-8")


def _json_value(node: Node) -> object:
    if node.kind == "field":
        return node.text
    if node.kind == "list":
        return [_json_value(item) for item in node.children]
    return {child.tag: _json_value(child) for child in node.children}


def to_json(tree: Node) -> bytes:
    """The tree as a JSON document: `{"HoSoBenhAn": {attributes…, groups…}}`, UTF-8
    characters kept, two-space indent, LF."""
    body = {**dict(tree.attributes), **{c.tag: _json_value(c) for c in tree.children}}
    text = json.dumps({tree.tag: body}, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


#: The export formats: name → (serialiser, the format's name in the audit log).
FORMATS = {"xml": (to_xml, "hsba+xml"), "json": (to_json, "hsba+json")}


def check_format(file_format: str) -> str:
    """`file_format` if it is one of `FORMATS`, else ValidationError on "format"."""
    if file_format not in FORMATS:
        raise ValidationError(
            "format",
            "choice",
            f"Định dạng {file_format!r} không có; chọn xml hoặc json",
            f"No format {file_format!r}; choose xml or json",
        )
    return file_format


def render(extract: ChartExtract, file_format: str, encounter_id: str | None = None) -> bytes:
    """`medical_record` serialised as `file_format` ("xml" or "json")."""
    return FORMATS[check_format(file_format)][0](medical_record(extract, encounter_id))


@dataclass(frozen=True)
class Rendering:
    """One export asked for: the format and the scope, checked when made (before the chart
    is read). Called with the chart, it gives the bytes; `audit_format` is the format's
    name in the audit log. The services take it as given (they may not import interop)."""

    file_format: str = "xml"
    encounter_id: str | None = None

    def __post_init__(self) -> None:
        check_format(self.file_format)

    @property
    def audit_format(self) -> str:
        """ "hsba+xml" or "hsba+json"."""
        return FORMATS[self.file_format][1]

    def __call__(self, extract: ChartExtract) -> bytes:
        return render(extract, self.file_format, self.encounter_id)


# ------------------------------------------------------------------ schema and documentation


def _xsd_field(field: Field, pad: str) -> list[str]:
    pattern = TYPES[field.type][0]
    lines = [
        f'{pad}<xs:element name="{field.name}">',
        f"{pad}  <xs:simpleType>",
        f'{pad}    <xs:restriction base="xs:string">',
        f'{pad}      <xs:maxLength value="{field.size}"/>',
    ]
    if field.type != "chuoi":
        lines.append(f'{pad}      <xs:pattern value="({_escape(pattern, attribute=True)})?"/>')
    lines += [f"{pad}    </xs:restriction>", f"{pad}  </xs:simpleType>", f"{pad}</xs:element>"]
    return lines


def _xsd_item(item: Item, pad: str, occurs: str = "") -> list[str]:
    lines = [f'{pad}<xs:element name="{item.tag}"{occurs}>', f"{pad}  <xs:complexType>"]
    lines.append(f"{pad}    <xs:sequence>")
    for field in item.fields:
        lines += _xsd_field(field, pad + "      ")
    for spec in item.lists:
        lines += _xsd_list(spec, pad + "      ")
    lines += [f"{pad}    </xs:sequence>", f"{pad}  </xs:complexType>", f"{pad}</xs:element>"]
    return lines


def _xsd_list(spec: ListOf, pad: str) -> list[str]:
    return [
        f'{pad}<xs:element name="{spec.tag}">',
        f"{pad}  <xs:complexType>",
        f"{pad}    <xs:sequence>",
        *_xsd_item(spec.item, pad + "      ", ' minOccurs="0" maxOccurs="unbounded"'),
        f"{pad}    </xs:sequence>",
        f"{pad}  </xs:complexType>",
        f"{pad}</xs:element>",
    ]


def xsd() -> str:
    """The XML Schema of our `HoSoBenhAn` XML, written from `MAPPING`: every field present
    (empty when unknown), of its size and pattern; every list of any length."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- HoSoBenhAn as exported by EMR Desktop ({MAPPING_VERSION}); written from",
        "     emr_desktop.interop.hsba.MAPPING: our choices, not the CV 365 appendix. -->",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">',
        f'  <xs:element name="{ROOT}">',
        "    <xs:complexType>",
        "      <xs:sequence>",
    ]
    for group in MAPPING:
        if isinstance(group.body, Item):
            lines += _xsd_item(group.body, "        ")
        else:
            lines += _xsd_list(group.body, "        ")
    lines += ["      </xs:sequence>"]
    for field in _ROOT_ATTRIBUTES:
        lines.append(f'      <xs:attribute name="{field.name}" use="required">')
        lines += [
            "        <xs:simpleType>",
            '          <xs:restriction base="xs:string">',
            f'            <xs:maxLength value="{field.size}"/>',
        ]
        if field.type != "chuoi":
            pattern = _escape(TYPES[field.type][0], attribute=True)
            lines.append(f'            <xs:pattern value="({pattern})?"/>')
        lines += [
            "          </xs:restriction>",
            "        </xs:simpleType>",
            "      </xs:attribute>",
        ]
    lines += ["    </xs:complexType>", "  </xs:element>", "</xs:schema>"]
    return "\n".join(lines) + "\n"


def _field_table(fields: Iterable[Field]) -> list[str]:
    lines = [
        "| field | type | max | source in our records | name |",
        "|---|---|---|---|---|",
    ]
    for f in fields:
        known = "**known** (CV 365)" if f.known else "our choice"
        source = f.source.replace("|", "\\|")
        lines.append(f"| `{f.name}` | {f.type} | {f.size} | {source} | {known} |")
    return lines


def _markdown_item(item: Item, path: str, content: str, out: list[str]) -> None:
    out += ["", f"#### `{path}`", ""]
    if content:
        out += [f"One item per: {content}.", ""]
    if item.fields:
        out += _field_table(item.fields)
    else:
        out.append("No fields of its own: only the lists below.")
    for spec in item.lists:
        _markdown_item(spec.item, f"{path}/{spec.tag}/{spec.item.tag}", spec.content, out)


def mapping_markdown() -> str:
    """The mapping table as Markdown (docs/hsba-mapping.md carries it verbatim)."""
    out = [f"### Root `{ROOT}` (attributes)", "", *_field_table(_ROOT_ATTRIBUTES)]
    for group in MAPPING:
        out += ["", f"### {group.number}. `{group.tag}` — {group.title_vi}"]
        if isinstance(group.body, Item):
            _markdown_item(group.body, group.tag, "", out)
        else:
            spec = group.body
            _markdown_item(spec.item, f"{spec.tag}/{spec.item.tag}", spec.content, out)
    return "\n".join(out) + "\n"
