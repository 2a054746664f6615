"""One closed encounter as the BHYT claim tables of QĐ 130/QĐ-BYT (as amended by QĐ 4750 and
QĐ 3176), wrapped in the `GIAMDINHHS` envelope. Reference: vietnam-formats.md §2 and §3.

Pure mapping: the services gather the chart (`ChartExtract`, audited), the catalogue prices,
the staff's practising-certificate codes and the departments' codes, and pass them in; this
module reads nothing else. Each table is its own UTF-8 XML document (XML1 `TONG_HOP`, XML2
drugs, XML3 services, XML4 paraclinical results, XML5 clinical progress); the envelope holds
each one base64-encoded in `NOIDUNGFILE`, byte for byte. The same input gives the same bytes.

A claim is refused, with a `ValidationError` whose field names the table and the field
("XML1.MA_BENH_CHINH") and nothing built, when the encounter is not finished, has no single
main diagnosis, the patient has no 15-character BHYT card valid on the encounter's dates (or
lacks a mandatory identity field), a record to be claimed is still an unsigned draft, a drug
or service has no price, or a prescriber has no practising-certificate code.

Every code-table choice is in the "code tables" section below, each citing the reference.
Where the reference has no answer, the choices are (also in docs/claim-xml130.md):

* `MA_LOAI_KCB`: outpatient and emergency visits → "01" (khám bệnh); inpatient stays → "03",
  or "09" when the stay lasted under 4 hours. The program does not record day treatment
  (04), outpatient treatment courses (02, 05, 08) or the other kinds.
* `MA_DOITUONG_KCB`: decided by staff after the visit (§3.8.5), so it may be given. When it
  is not: "2" (emergency) for an emergency encounter, "1.1" when the card's registered
  facility (MA_DKBD) is this facility; any other case is refused until a code is given.
  Only codes whose benefit is "100 % × card level" (or 100 % for 1.2) are accepted; codes
  with another benefit rule (1.13, 1.14, 1.18, 3.1, 7.x, 8, 9, 10) are refused, because the
  amounts below would be wrong for them.
* `MUC_HUONG`: the card's benefit level (§2.3: 1, 2, 5 → 100; 3 → 95; 4 → 80). NOT applied:
  the 100 % rule for a visit costing under 15 % of the base salary and co-payment exemption
  certificates (the base salary and the certificate are not recorded); BHXH's assessment
  recomputes the split, and the hospital's billing staff must check these cases.
* `MA_NHOM` (cost group): the reference did not retrieve the QĐ 5937 table (§8 item 8). The
  codes used (4 drugs in the BHYT list, 1 lab tests, 2 imaging, 18 procedures) follow the
  grouping of QĐ 4210/5937 as HIS vendors implement it — NOT CONFIRMED; verify them.
* `DUONG_DUNG` (route code), `MA_QUOCTICH`, `MA_DANTOC`, the residence codes (`MATINH_CU_TRU`,
  `MAHUYEN_CU_TRU`, `MAXA_CU_TRU`), `MA_KHUVUC`, `MA_TTDV`, `NHOM_MAU`, `SO_DANG_KY`,
  `TT_THAU`: not recorded by the program, or their code lists are not in the reference; left
  empty. `MA_NGHE_NGHIEP` is "00000" (the reference's "none") only when no occupation is
  recorded, else empty (the free text has no code).
* Drug codes (`MA_THUOC`) and service codes (`MA_DICH_VU`) are the hospital's catalogue codes
  as they are: the catalogue must hold the BHXH common-catalogue (DMDC) codes for a claim
  to pass assessment. ICD-10 codes are written as stored, with the dot ("J18.9").
* XML2 quantities. Prescriptions (outpatient, and the drugs given at discharge): the item's
  dispensed quantity and unit. Inpatient medication: one line per dose recorded as given
  (not held, refused or missed; doses marked entered in error are not claimed), in the
  catalogue's unit: the dose itself when its unit is the catalogue's unit ("1 viên"), else
  the dose divided by the catalogue strength when they share a unit (40 mg of "40 mg/0,4 ml"
  → 1 bơm tiêm; 20 mg → 0.5); any other dose is refused (XML2.SO_LUONG) rather than guessed.
* XML3. Lab and imaging orders are claimed once they have a result in the encounter (an order
  without a result was not performed); a procedure is claimed as ordered (the program keeps
  no separate "performed" record), its execution and result times being the order's. One
  unit each, `TYLE_TT_DV` and `TYLE_TT_BH` 100. The examination fee and bed-days are NOT
  claimed: no catalogue holds their prices, and bed-day rules (shared beds, bed types) are
  not recorded. No medical supplies either (`T_VTYT` = 0).
* XML4 is sent only when there are results, XML5 only for inpatient stays (§3.2). `MA_CHI_SO`
  is the lab catalogue's test code (the national indicator list is not in the reference).
* `MA_HSBA` is the patient's MRN; `NAM_QT`/`THANG_QT` the month of discharge (local time);
  `NGAY_TTOAN` is empty (not yet paid). `MA_LK` is the encounter id.
* Only signed records are claimed; an unsigned diagnosis, prescription, order, result,
  administration or note of the encounter refuses the claim (naming its table).
* `CHUKYDONVI` is written empty: the facility's digital signature (mandatory from
  01/01/2026) needs its registered certificate and the BHXH XSD's signature profile, which
  the reference did not find (§8 item 1). The file must be signed before it is sent.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from emr_desktop.core.catalog import DrugEntry, DrugRoute
from emr_desktop.core.documents import ChartExtract, ClaimSources
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.identity import bhyt_kind, decode_bhyt, is_bhyt_valid_on
from emr_desktop.core.records import (
    AdministrationOutcome,
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    ImagingReport,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    NoteType,
    Order,
    OrderCategory,
    Patient,
    Prescription,
    Sex,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local

__all__ = [
    "TABLE_FIELDS",
    "ClaimPrices",
    "ClaimTable",
    "ClaimXml",
    "build_claim",
    "envelope",
]

# ------------------------------------------------------------------ code tables (one place)

#: GIOI_TINH, §3.8.1.
GIOI_TINH: Final[Mapping[str, str]] = {Sex.MALE: "1", Sex.FEMALE: "2", Sex.OTHER: "3"}

#: MA_LOAI_KCB by encounter kind, §3.8.2 (01 khám bệnh, 03 điều trị nội trú). Emergency
#: visits are examinations; their category is MA_DOITUONG_KCB "2".
MA_LOAI_KCB: Final[Mapping[str, str]] = {
    EncounterKind.OUTPATIENT: "01",
    EncounterKind.EMERGENCY: "01",
    EncounterKind.INPATIENT: "03",
}
#: §3.8.2: an inpatient stay under 4 hours is coded 09.
SHORT_STAY_CODE: Final = "09"
SHORT_STAY: Final = timedelta(hours=4)
#: §3.8.2 SO_NGAY_DTRI: 0 for these; NGAY_RA − NGAY_VAO + 1 for 02, 03, 04, 06.
NO_TREATMENT_DAYS: Final = frozenset({"01", "07", "09"})
#: §3.2: XML5 is sent for these MA_LOAI_KCB only (inpatient-like stays and courses).
WITH_PROGRESS_NOTES: Final = frozenset({"02", "03", "04", "05", "06", "08", "09"})

#: KET_QUA_DTRI (§3.8.3) and MA_LOAI_RV (§3.8.4): `Encounter` keeps the codes themselves.
KET_QUA_DTRI: Final = frozenset("12345678")
MA_LOAI_RV: Final = frozenset("12345")

#: §2.3: payment from the BHYT fund by the card's benefit level (3rd character), in %.
BENEFIT_BY_LEVEL: Final[Mapping[int, int]] = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}

#: MA_DOITUONG_KCB accepted (§3.8.5, QĐ 3276 PL1): True when the benefit is
#: "100 % × card level", False for 1.2 (100 % regardless of the level).
VISIT_CATEGORIES: Final[Mapping[str, bool]] = {
    **dict.fromkeys(
        ("1.1", "1.3", "1.4", "1.5", "1.6", "1.7", "1.11", "1.12", "1.15", "1.16", "1.17"),
        True,
    ),
    **dict.fromkeys(("2", "3.2", "3.3", "3.6", "7"), True),
    "1.2": False,
}
EMERGENCY_CATEGORY: Final = "2"
REGISTERED_HERE_CATEGORY: Final = "1.1"

#: MA_NHOM cost groups — NOT CONFIRMED (the QĐ 5937 PL 3 table is §8 item 8): the grouping
#: HIS vendors implement (1 xét nghiệm, 2 chẩn đoán hình ảnh, 4 thuốc trong danh mục BHYT,
#: 18 thủ thuật).
COST_GROUP_DRUG: Final = "4"
COST_GROUPS: Final[Mapping[str, str]] = {
    OrderCategory.LAB: "1",
    OrderCategory.IMAGING: "2",
    OrderCategory.PROCEDURE: "18",
}

#: §3.8.6: PHAM_VI 1 = within the BHYT list; MA_PTTT 1 = fee for service; NGUON_CTRA 1 = the
#: BHYT fund. TYLE_TT_BH / TYLE_TT_DV 100 = no special ratio (§3.6.2, §3.6.3).
IN_BHYT_LIST: Final = "1"
FEE_FOR_SERVICE: Final = "1"
FUNDED_BY_BHYT: Final = "1"
FULL_RATIO: Final = Decimal(100)

#: §3.6.1 MA_NGHE_NGHIEP: "00000" when the patient has no occupation.
NO_OCCUPATION: Final = "00000"
#: §3.6.1: at most 12 secondary ICD-10 codes.
MAX_SECONDARY_CODES: Final = 12
#: XML3 unit of one service.
SERVICE_UNIT: Final = "lần"

# ------------------------------------------------------------------ tables' fields (§3.6)

XML1_FIELDS: Final = (
    "MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "NHOM_MAU",
    "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI", "MATINH_CU_TRU",
    "MAHUYEN_CU_TRU", "MAXA_CU_TRU", "DIEN_THOAI", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU",
    "GT_THE_DEN", "NGAY_MIEN_CCT", "LY_DO_VV", "LY_DO_VNT", "MA_LY_DO_VNT", "CHAN_DOAN_VAO",
    "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "MA_PTTT_QT",
    "MA_DOITUONG_KCB", "MA_NOI_DI", "MA_NOI_DEN", "MA_TAI_NAN", "NGAY_VAO",
    "NGAY_VAO_NOI_TRU", "NGAY_RA", "GIAY_CHUYEN_TUYEN", "SO_NGAY_DTRI", "PP_DIEU_TRI",
    "KET_QUA_DTRI", "MA_LOAI_RV", "GHI_CHU", "NGAY_TTOAN", "T_THUOC", "T_VTYT",
    "T_TONGCHI_BV", "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC",
    "T_BHTT_GDV", "NAM_QT", "THANG_QT", "MA_LOAI_KCB", "MA_KHOA", "MA_CSKCB", "MA_KHUVUC",
    "CAN_NANG", "CAN_NANG_CON", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM", "MA_HSBA", "MA_TTDV",
    "DU_PHONG",
)  # fmt: skip
XML2_FIELDS: Final = (
    "MA_LK", "STT", "MA_THUOC", "MA_PP_CHEBIEN", "MA_CSKCB_THUOC", "MA_NHOM", "TEN_THUOC",
    "DON_VI_TINH", "HAM_LUONG", "DUONG_DUNG", "DANG_BAO_CHE", "LIEU_DUNG", "CACH_DUNG",
    "SO_DANG_KY", "TT_THAU", "PHAM_VI", "TYLE_TT_BH", "SO_LUONG", "DON_GIA", "THANH_TIEN_BV",
    "THANH_TIEN_BH", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN", "T_NGUONKHAC_VTTN",
    "T_NGUONKHAC_CL", "T_NGUONKHAC", "MUC_HUONG", "T_BNTT", "T_BNCCT", "T_BHTT", "MA_KHOA",
    "MA_BAC_SI", "MA_DICH_VU", "NGAY_YL", "NGAY_TH_YL", "MA_PTTT", "NGUON_CTRA",
    "VET_THUONG_TP", "DU_PHONG",
)  # fmt: skip
XML3_FIELDS: Final = (
    "MA_LK", "STT", "MA_DICH_VU", "MA_PTTT_QT", "MA_VAT_TU", "MA_NHOM", "GOI_VTYT",
    "TEN_VAT_TU", "TEN_DICH_VU", "MA_XANG_DAU", "DON_VI_TINH", "PHAM_VI", "SO_LUONG",
    "DON_GIA_BV", "DON_GIA_BH", "TT_THAU", "TYLE_TT_DV", "TYLE_TT_BH", "THANH_TIEN_BV",
    "THANH_TIEN_BH", "T_TRANTT", "MUC_HUONG", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
    "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC", "T_BNTT", "T_BNCCT", "T_BHTT",
    "MA_KHOA", "MA_GIUONG", "MA_BAC_SI", "NGUOI_THUC_HIEN", "MA_BENH", "MA_BENH_YHCT",
    "NGAY_YL", "NGAY_TH_YL", "NGAY_KQ", "MA_PTTT", "VET_THUONG_TP", "PP_VO_CAM",
    "VI_TRI_TH_DVKT", "MA_MAY", "MA_HIEU_SP", "TAI_SU_DUNG", "DU_PHONG",
)  # fmt: skip
XML4_FIELDS: Final = (
    "MA_LK", "STT", "MA_DICH_VU", "MA_CHI_SO", "TEN_CHI_SO", "GIA_TRI", "DON_VI_DO", "MO_TA",
    "KET_LUAN", "NGAY_KQ", "MA_BS_DOC_KQ", "DU_PHONG",
)  # fmt: skip
XML5_FIELDS: Final = (
    "MA_LK", "STT", "DIEN_BIEN_LS", "GIAI_DOAN_BENH", "HOI_CHAN", "PHAU_THUAT",
    "THOI_DIEM_DBLS", "NGUOI_THUC_HIEN", "DU_PHONG",
)  # fmt: skip

#: Per table: (root tag, list tag, record tag) of §3.2, and its fields in order.
TABLE_TAGS: Final[Mapping[str, tuple[str, str | None, str]]] = {
    "XML1": ("TONG_HOP", None, "TONG_HOP"),
    "XML2": ("CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"),
    "XML3": ("CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"),
    "XML4": ("CHITIEU_CHITIET_DICHVUCANLAMSANG", "DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"),
    "XML5": (
        "CHITIEU_CHITIET_DIENBIENLAMSANG",
        "DSACH_CHI_TIET_DIEN_BIEN_BENH",
        "CHI_TIET_DIEN_BIEN_BENH",
    ),
}
TABLE_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "XML1": XML1_FIELDS,
    "XML2": XML2_FIELDS,
    "XML3": XML3_FIELDS,
    "XML4": XML4_FIELDS,
    "XML5": XML5_FIELDS,
}

_XML_DECLARATION: Final = '<?xml version="1.0" encoding="utf-8"?>\n'
_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_XSD: Final = "http://www.w3.org/2001/XMLSchema"
_CENT: Final = Decimal("0.01")
_MILLI: Final = Decimal("0.001")
#: GIA_TRI holds at most 50 characters (§3.6.4); a longer value goes to MO_TA.
_VALUE_MAX: Final = 50
_AMOUNT = re.compile(r"\s*([0-9]+(?:[.,][0-9]+)?)\s*([^\s/0-9][^\s/]*)")

Row = dict[str, str]


@dataclass(frozen=True)
class ClaimPrices:
    """The BHYT unit prices in VND the claim is priced with, by catalogue code."""

    drugs: Mapping[str, Decimal]
    #: Lab tests, imaging services and procedures, by the code an `Order` names.
    services: Mapping[str, Decimal]


@dataclass(frozen=True)
class ClaimTable:
    """One claim table: its LOAIHOSO ("XML1" …) and its XML document's bytes."""

    kind: str
    xml: bytes


@dataclass(frozen=True)
class ClaimXml:
    """A claim: the tables built alone, and the `GIAMDINHHS` envelope holding them."""

    tables: tuple[ClaimTable, ...]
    envelope: bytes

    def table(self, kind: str) -> ClaimTable | None:
        """The table `kind` ("XML1" …), or None when the claim has none."""
        return next((t for t in self.tables if t.kind == kind), None)


# ------------------------------------------------------------------ formats (§3.5)


def _refuse(field: str, rule: str, vi: str, en: str) -> ValidationError:
    return ValidationError(field, rule, vi, en)


def _minute(moment: datetime) -> str:
    """yyyymmddHHMM in Vietnam time (records are stored in UTC)."""
    return to_local(moment).strftime("%Y%m%d%H%M")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def _plain(value: Decimal) -> str:
    """A decimal with "." and no exponent or trailing zeros ("12500", "0.5")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _money(value: Decimal) -> Decimal:
    """An amount rounded to 2 decimals (§3.5), half up as Vietnamese invoices round."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _birth(patient: Patient) -> str:
    """NGAY_SINH: yyyymmdd + 0000; a year alone gives yyyy00000000 (§3.5)."""
    born = patient.date_of_birth
    if born is None:
        raise _refuse(
            "XML1.NGAY_SINH",
            "required",
            "Thiếu ngày/năm sinh của người bệnh",
            "The patient's date or year of birth is missing",
        )
    if born.date is None:
        return f"{born.year:04d}00000000"
    return f"{_day(born.date)}0000"


# ------------------------------------------------------------------ money (§3.7)


@dataclass(frozen=True)
class _Amounts:
    """One line's money: hospital cost, BHYT scope, and the provisional split."""

    total: Decimal
    insured: Decimal
    fund: Decimal
    copay: Decimal
    self_pay: Decimal


def _price_line(quantity: Decimal, price: Decimal, benefit: int) -> _Amounts:
    """§3.7 with TYLE_TT_DV = TYLE_TT_BH = 100 and no other funding source."""
    total = _money(quantity * price * FULL_RATIO / 100)
    insured = _money(quantity * price * FULL_RATIO / 100 * FULL_RATIO / 100)
    fund = _money(insured * benefit / 100)
    return _Amounts(total, insured, fund, insured - fund, total - insured)


def _money_fields(amounts: _Amounts, benefit: int) -> Row:
    zero = "0"
    return {
        "THANH_TIEN_BV": _plain(amounts.total),
        "THANH_TIEN_BH": _plain(amounts.insured),
        "T_NGUONKHAC_NSNN": zero,
        "T_NGUONKHAC_VTNN": zero,
        "T_NGUONKHAC_VTTN": zero,
        "T_NGUONKHAC_CL": zero,
        "T_NGUONKHAC": zero,
        "MUC_HUONG": str(benefit),
        "T_BNTT": _plain(amounts.self_pay),
        "T_BNCCT": _plain(amounts.copay),
        "T_BHTT": _plain(amounts.fund),
    }


# ------------------------------------------------------------------ the claim's context


@dataclass(frozen=True)
class _Claim:
    """What every table of one claim needs."""

    chart: ChartExtract
    encounter: Encounter
    events: tuple[ClinicalEvent, ...]
    prices: ClaimPrices
    practitioners: Mapping[str, str]
    departments: Mapping[str, str]
    drugs: Mapping[str, DrugEntry]
    benefit: int
    visit_kind: str

    @property
    def key(self) -> str:
        return self.encounter.id

    def of(self, kind: str) -> list[ClinicalEvent]:
        return [e for e in self.events if e.kind == kind]

    def practitioner(self, user_id: str | None, field: str, what_vi: str, what_en: str) -> str:
        """The practising-certificate code of a clinician the table must name."""
        code = self.practitioners.get(user_id or "")
        if not code:
            name = self.chart.staff_name(user_id) or (user_id or "?")
            raise _refuse(
                field,
                "practitioner_code",
                f"{what_vi} ({name}) chưa có số chứng chỉ hành nghề trong tài khoản",
                f"The {what_en} ({name}) has no practising-certificate number on the account",
            )
        return code

    def practitioner_or_empty(self, user_id: str | None) -> str:
        return self.practitioners.get(user_id or "", "")

    def department_at(self, moment: datetime) -> str:
        """MA_KHOA of the department the patient was in at `moment`."""
        department = self.encounter.department_id
        for event in self.of(Movement.KIND):
            body = event.body
            assert isinstance(body, Movement)
            if event.effective_at <= moment and body.department_id:
                department = body.department_id
        return self._department_code(department)

    def department_codes(self) -> str:
        """MA_KHOA of XML1: the departments of the stay in order, ";"-separated."""
        ids: list[str] = []
        for event in self.of(Movement.KIND):
            body = event.body
            assert isinstance(body, Movement)
            if body.department_id and (not ids or ids[-1] != body.department_id):
                ids.append(body.department_id)
        if not ids and self.encounter.department_id:
            ids.append(self.encounter.department_id)
        return ";".join(self._department_code(d) for d in ids)

    def _department_code(self, department_id: str | None) -> str:
        if department_id is None:
            return ""
        code = self.departments.get(department_id)
        if not code:
            raise _refuse(
                "XML1.MA_KHOA",
                "unknown_department",
                "Không tìm thấy mã khoa của một khoa người bệnh đã nằm",
                "A department of the stay has no department code",
            )
        return code


# ------------------------------------------------------------------ checks before building


def _finished_encounter(chart: ChartExtract, encounter_id: str) -> Encounter:
    try:
        encounter = chart.encounter(encounter_id)
    except KeyError:
        raise _refuse(
            "encounter_id",
            "unknown",
            "Không có lượt khám này trong hồ sơ",
            "No such encounter in the chart",
        ) from None
    if encounter.status != EncounterStatus.FINISHED or encounter.ended_at is None:
        cancelled = encounter.status == EncounterStatus.CANCELLED
        raise _refuse(
            "XML1.NGAY_RA",
            "cancelled" if cancelled else "not_finished",
            "Lượt khám đã bị hủy: không đề nghị thanh toán"
            if cancelled
            else "Lượt khám/đợt điều trị chưa kết thúc: chưa lập được hồ sơ thanh toán BHYT",
            "The encounter was cancelled: nothing to claim"
            if cancelled
            else "The encounter is not finished yet: no claim can be made",
        )
    if encounter.treatment_result not in KET_QUA_DTRI:
        raise _refuse(
            "XML1.KET_QUA_DTRI",
            "required",
            "Thiếu kết quả điều trị (mã 1–8)",
            "The treatment result (code 1–8) is missing",
        )
    if encounter.discharge_type not in MA_LOAI_RV:
        raise _refuse(
            "XML1.MA_LOAI_RV",
            "required",
            "Thiếu loại ra viện (mã 1–5)",
            "The discharge type (code 1–5) is missing",
        )
    return encounter


def _card_level(patient: Patient, encounter: Encounter) -> int:
    """The benefit level of the patient's 15-character card, valid over the encounter."""
    if not patient.bhyt_number:
        raise _refuse(
            "XML1.MA_THE_BHYT",
            "required",
            "Người bệnh không có thẻ BHYT: không lập hồ sơ thanh toán BHYT",
            "The patient has no BHYT card: there is nothing to claim",
        )
    if bhyt_kind(patient.bhyt_number) != "card_code":
        raise _refuse(
            "XML1.MA_THE_BHYT",
            "card_code",
            "Hồ sơ BHYT cần mã thẻ 15 ký tự (ví dụ HT3010123456789), không phải mã số BHXH "
            "hay số CCCD: cập nhật mã thẻ của người bệnh",
            "The claim needs the 15-character card code (e.g. HT3010123456789), not the "
            "social-insurance or CCCD number: update the patient's card",
        )
    for name, value in (
        ("GT_THE_TU", patient.bhyt_valid_from),
        ("GT_THE_DEN", patient.bhyt_valid_to),
        ("MA_DKBD", patient.bhyt_registered_facility),
    ):
        if value is None:
            raise _refuse(
                f"XML1.{name}",
                "required",
                "Thiếu hạn thẻ BHYT hoặc nơi đăng ký KCB ban đầu trên thẻ",
                "The BHYT card's validity or registered primary-care facility is missing",
            )
    assert encounter.ended_at is not None
    for moment in (encounter.started_at, encounter.ended_at):
        day = to_local(moment).date()
        if not is_bhyt_valid_on(patient.bhyt_valid_from, patient.bhyt_valid_to, day):
            late = patient.bhyt_valid_to is not None and day > patient.bhyt_valid_to
            raise _refuse(
                "XML1.GT_THE_DEN" if late else "XML1.GT_THE_TU",
                "expired" if late else "not_yet_valid",
                f"Thẻ BHYT không còn giá trị ngày {day:%d/%m/%Y} của lượt khám",
                f"The BHYT card is not valid on {day.isoformat()}, a day of the encounter",
            )
    return decode_bhyt(patient.bhyt_number).level


def _visit_category(
    chart: ChartExtract, encounter: Encounter, given: str | None
) -> tuple[str, bool]:
    """MA_DOITUONG_KCB, and whether the card's level applies to it."""
    code = given.strip() if given else None
    if code is None:
        if encounter.kind == EncounterKind.EMERGENCY:
            code = EMERGENCY_CATEGORY
        elif chart.patient.bhyt_registered_facility == chart.letterhead.facility_code:
            code = REGISTERED_HERE_CATEGORY
        else:
            raise _refuse(
                "XML1.MA_DOITUONG_KCB",
                "required",
                "Người bệnh đăng ký KCB ban đầu ở cơ sở khác: chọn mã đối tượng đến KCB "
                "(QĐ 3276, ví dụ 1.3 có giấy chuyển tuyến)",
                "The patient's card is registered at another facility: give the visit "
                "category (QĐ 3276, e.g. 1.3 with a transfer slip)",
            )
    if code not in VISIT_CATEGORIES:
        listed = ", ".join(VISIT_CATEGORIES)
        raise _refuse(
            "XML1.MA_DOITUONG_KCB",
            "choice",
            f"Mã đối tượng đến KCB {code!r} không lập được tự động; dùng một trong: {listed}",
            f"Visit category {code!r} cannot be claimed by this program; use one of: {listed}",
        )
    return code, VISIT_CATEGORIES[code]


_DRAFT_TABLES: Final[Mapping[str, str]] = {
    Diagnosis.KIND: "XML1.MA_BENH_CHINH",
    Prescription.KIND: "XML2",
    MedicationAdministration.KIND: "XML2",
    Order.KIND: "XML3",
    LabResult.KIND: "XML4",
    ImagingReport.KIND: "XML4",
    ClinicalNote.KIND: "XML5",
}


def _refuse_drafts(events: Iterable[ClinicalEvent]) -> None:
    for event in events:
        table = _DRAFT_TABLES.get(event.kind)
        if table is not None and event.status != EventStatus.SIGNED:
            raise _refuse(
                table,
                "draft",
                "Lượt khám còn bản ghi chưa ký (chẩn đoán, đơn thuốc, chỉ định, kết quả, "
                "thực hiện thuốc hoặc diễn biến): ký hoặc đánh dấu nhập nhầm trước khi lập hồ sơ",
                "The encounter still has an unsigned record (diagnosis, prescription, order, "
                "result, administration or note): sign it or mark it in error first",
            )


# ------------------------------------------------------------------ XML1


def _diagnoses(claim: _Claim) -> tuple[str, list[str], str, str]:
    """MA_BENH_CHINH, MA_BENH_KT, CHAN_DOAN_VAO and CHAN_DOAN_RV."""
    main: list[str] = []
    secondary: list[str] = []
    texts: dict[str, str] = {}
    for event in claim.of(Diagnosis.KIND):
        body = event.body
        assert isinstance(body, Diagnosis)
        texts.setdefault(body.icd10, body.description or body.icd10)
        found = main if body.rank == DiagnosisRank.PRIMARY else secondary
        if body.icd10 not in found:
            found.append(body.icd10)
    if not main:
        raise _refuse(
            "XML1.MA_BENH_CHINH",
            "required",
            "Lượt khám chưa có chẩn đoán chính (ICD-10)",
            "The encounter has no main (primary) ICD-10 diagnosis",
        )
    if len(main) > 1:
        raise _refuse(
            "XML1.MA_BENH_CHINH",
            "single",
            f"Lượt khám có {len(main)} chẩn đoán chính ({', '.join(main)}); hồ sơ BHYT cần "
            "đúng một: đính chính hoặc đánh dấu nhập nhầm các chẩn đoán còn lại",
            f"The encounter has {len(main)} main diagnoses ({', '.join(main)}); a claim "
            "takes exactly one: amend the others or mark them in error",
        )
    others = [code for code in secondary if code != main[0]]
    if len(others) > MAX_SECONDARY_CODES:
        raise _refuse(
            "XML1.MA_BENH_KT",
            "max_codes",
            f"Tối đa {MAX_SECONDARY_CODES} mã bệnh kèm theo (đang có {len(others)})",
            f"At most {MAX_SECONDARY_CODES} secondary codes (there are {len(others)})",
        )
    first = texts[next(iter(texts))]
    discharge = "; ".join(
        f"{code} - {texts[code]}" if texts[code] != code else code for code in main + others
    )
    return main[0], others, first, discharge


def _weight(claim: _Claim) -> str:
    weights = [
        value
        for event in claim.of(VitalSigns.KIND)
        if isinstance(event.body, VitalSigns)
        and (value := event.body.value(VitalCode.WEIGHT)) is not None
    ]
    return _plain(weights[-1].quantize(_CENT, rounding=ROUND_HALF_UP)) if weights else ""


def _xml1(
    claim: _Claim,
    category: str,
    drug_rows: list[Row],
    service_rows: list[Row],
) -> Row:
    chart, encounter, patient = claim.chart, claim.encounter, claim.chart.patient
    assert encounter.ended_at is not None
    main, others, admitted_with, discharged_with = _diagnoses(claim)

    def total(rows: Iterable[Row], name: str) -> Decimal:
        return sum((Decimal(row[name]) for row in rows), Decimal(0))

    lines = [*drug_rows, *service_rows]
    inpatient = encounter.kind == EncounterKind.INPATIENT
    days = 0
    if claim.visit_kind not in NO_TREATMENT_DAYS:
        days = (to_local(encounter.ended_at).date() - to_local(encounter.started_at).date()).days
        days += 1
    prescriptions = [e.body for e in claim.of(Prescription.KIND)]
    advice = [p.advice for p in prescriptions if isinstance(p, Prescription) and p.advice]
    follow_ups = sorted(
        {p.follow_up for p in prescriptions if isinstance(p, Prescription) and p.follow_up}
    )
    ended = to_local(encounter.ended_at)
    fund = total(lines, "T_BHTT")
    return {
        "MA_LK": claim.key,
        "STT": "1",
        "MA_BN": patient.mrn,
        "HO_TEN": patient.full_name,
        "SO_CCCD": patient.cccd or patient.cmnd or "",
        "NGAY_SINH": _birth(patient),
        "GIOI_TINH": GIOI_TINH[patient.sex],
        "MA_NGHE_NGHIEP": NO_OCCUPATION if patient.occupation is None else "",
        "DIA_CHI": patient.address or "",
        "DIEN_THOAI": patient.phones[0] if patient.phones else "",
        "MA_THE_BHYT": patient.bhyt_number or "",
        "MA_DKBD": patient.bhyt_registered_facility or "",
        "GT_THE_TU": _day(patient.bhyt_valid_from) if patient.bhyt_valid_from else "",
        "GT_THE_DEN": _day(patient.bhyt_valid_to) if patient.bhyt_valid_to else "",
        "LY_DO_VV": encounter.reason or "",
        "LY_DO_VNT": (encounter.reason or "") if inpatient else "",
        "CHAN_DOAN_VAO": admitted_with,
        "CHAN_DOAN_RV": discharged_with,
        "MA_BENH_CHINH": main,
        "MA_BENH_KT": ";".join(others),
        "MA_DOITUONG_KCB": category,
        "NGAY_VAO": _minute(encounter.started_at),
        "NGAY_VAO_NOI_TRU": _minute(encounter.started_at) if inpatient else "",
        "NGAY_RA": _minute(encounter.ended_at),
        "SO_NGAY_DTRI": str(days),
        "KET_QUA_DTRI": encounter.treatment_result or "",
        "MA_LOAI_RV": encounter.discharge_type or "",
        "GHI_CHU": " ".join(advice),
        "T_THUOC": _plain(total(drug_rows, "THANH_TIEN_BV")),
        "T_VTYT": "0",
        "T_TONGCHI_BV": _plain(total(lines, "THANH_TIEN_BV")),
        "T_TONGCHI_BH": _plain(total(lines, "THANH_TIEN_BH")),
        "T_BNTT": _plain(total(lines, "T_BNTT")),
        "T_BNCCT": _plain(total(lines, "T_BNCCT")),
        "T_BHTT": _plain(fund),
        "T_NGUONKHAC": "0",
        # Every line is fee for service (MA_PTTT 1), so all of T_BHTT is outside DRG.
        "T_BHTT_GDV": _plain(fund),
        "NAM_QT": f"{ended.year:04d}",
        "THANG_QT": str(ended.month),
        "MA_LOAI_KCB": claim.visit_kind,
        "MA_KHOA": claim.department_codes(),
        "MA_CSKCB": chart.letterhead.facility_code,
        "CAN_NANG": _weight(claim),
        "NGAY_TAI_KHAM": ";".join(_day(d) for d in follow_ups),
        "MA_HSBA": patient.mrn,
    }


# ------------------------------------------------------------------ XML2


def _drug_price(claim: _Claim, code: str, name: str) -> Decimal:
    price = claim.prices.drugs.get(code)
    if price is None:
        raise _refuse(
            "XML2.DON_GIA",
            "no_price",
            f"Thuốc {code} ({name}) chưa có giá trong danh mục thuốc",
            f"Drug {code} ({name}) has no price in the drug catalogue",
        )
    return price


def _drug_row(
    claim: _Claim,
    *,
    code: str,
    name: str,
    unit: str,
    quantity: Decimal,
    dosage: str,
    route: str,
    prescriber: str,
    ordered_at: datetime,
    given_at: datetime,
) -> Row:
    entry = claim.drugs.get(code)
    price = _drug_price(claim, code, name)
    amounts = _price_line(quantity, price, claim.benefit)
    return {
        "MA_LK": claim.key,
        "MA_THUOC": code,
        "MA_NHOM": COST_GROUP_DRUG,
        "TEN_THUOC": name,
        "DON_VI_TINH": unit,
        "HAM_LUONG": entry.strength if entry else "",
        "DANG_BAO_CHE": entry.dosage_form if entry else "",
        "LIEU_DUNG": dosage,
        "CACH_DUNG": route,
        "PHAM_VI": IN_BHYT_LIST,
        "TYLE_TT_BH": _plain(FULL_RATIO),
        "SO_LUONG": _plain(quantity),
        "DON_GIA": _plain(price),
        **_money_fields(amounts, claim.benefit),
        "MA_KHOA": claim.department_at(ordered_at),
        "MA_BAC_SI": prescriber,
        "NGAY_YL": _minute(ordered_at),
        "NGAY_TH_YL": _minute(given_at),
        "MA_PTTT": FEE_FOR_SERVICE,
        "NGUON_CTRA": FUNDED_BY_BHYT,
    }


def _route_vi(route: str) -> str:
    parsed = DrugRoute.parse(route)
    return parsed.label_vi if parsed else route


def _prescribed(claim: _Claim) -> list[Row]:
    rows: list[Row] = []
    for event in claim.of(Prescription.KIND):
        body = event.body
        assert isinstance(body, Prescription)
        prescriber = claim.practitioner(
            event.signed_by, "XML2.MA_BAC_SI", "Bác sĩ kê đơn", "prescriber"
        )
        for item in body.items:
            rows.append(
                _drug_row(
                    claim,
                    code=item.drug_code,
                    name=item.drug_name,
                    unit=item.unit,
                    quantity=item.quantity.quantize(_MILLI, rounding=ROUND_HALF_UP),
                    dosage=f"{item.dosage} [{item.days} ngày]",
                    route=_route_vi(item.route),
                    prescriber=prescriber,
                    ordered_at=event.effective_at,
                    given_at=event.effective_at,
                )
            )
    return rows


def _units_given(entry: DrugEntry, dose: Decimal, dose_unit: str) -> Decimal | None:
    """A dose in the catalogue's unit (None when the units do not say how)."""
    if dose_unit.strip().casefold() == entry.unit.strip().casefold():
        return dose
    match = _AMOUNT.match(entry.strength)
    if match is None or match.group(2).casefold() != dose_unit.strip().casefold():
        return None
    try:
        strength = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    return dose / strength if strength > 0 else None


def _administered(claim: _Claim) -> list[Row]:
    rows: list[Row] = []
    for event in claim.of(MedicationAdministration.KIND):
        body = event.body
        assert isinstance(body, MedicationAdministration)
        if body.outcome != AdministrationOutcome.GIVEN:
            continue
        # The version of the order the nurse gave the dose under: its time is the order's
        # (NGAY_YL), where a later amendment (a stop) may be dated after the dose.
        try:
            order = claim.chart.event(body.medication_order_id)
        except KeyError:
            raise _refuse(
                "XML2.MA_THUOC",
                "unknown_order",
                "Không tìm thấy y lệnh thuốc của một lần dùng thuốc trong đợt điều trị",
                "A dose given belongs to a medication order outside the encounter",
            ) from None
        ordered = order.body
        assert isinstance(ordered, MedicationOrder)
        entry = claim.drugs.get(ordered.drug_code)
        assert body.dose is not None and body.dose_unit is not None
        units = _units_given(entry, body.dose, body.dose_unit) if entry else None
        if entry is None or units is None or units <= 0:
            raise _refuse(
                "XML2.SO_LUONG",
                "unit",
                f"Không đổi được liều {_plain(body.dose)} {body.dose_unit} của "
                f"{ordered.drug_name} ra đơn vị tính trong danh mục thuốc",
                f"The dose {_plain(body.dose)} {body.dose_unit} of {ordered.drug_name} "
                "cannot be converted to the drug catalogue's unit",
            )
        rows.append(
            _drug_row(
                claim,
                code=ordered.drug_code,
                name=ordered.drug_name,
                unit=entry.unit,
                quantity=units.quantize(_MILLI, rounding=ROUND_HALF_UP),
                dosage=f"{_plain(body.dose)} {body.dose_unit}/lần",
                route=_route_vi(body.route or ordered.route),
                prescriber=claim.practitioner(
                    order.signed_by or order.created_by,
                    "XML2.MA_BAC_SI",
                    "Bác sĩ ra y lệnh thuốc",
                    "doctor who ordered the drug",
                ),
                ordered_at=order.effective_at,
                given_at=event.effective_at,
            )
        )
    return rows


# ------------------------------------------------------------------ XML3 and XML4


def _results_by_order(claim: _Claim) -> dict[str, list[ClinicalEvent]]:
    """Current order id → its results in the encounter, oldest first."""
    found: dict[str, list[ClinicalEvent]] = {}
    for event in claim.events:
        body = event.body
        if isinstance(body, LabResult | ImagingReport) and body.order_id:
            order = claim.chart.latest_version(body.order_id)
            if order is not None:
                found.setdefault(order.id, []).append(event)
    return found


def _services(claim: _Claim) -> list[Row]:
    rows: list[Row] = []
    results = _results_by_order(claim)
    for event in claim.of(Order.KIND):
        body = event.body
        assert isinstance(body, Order)
        done = results.get(event.id, [])
        if body.category != OrderCategory.PROCEDURE and not done:
            continue
        price = claim.prices.services.get(body.service_code)
        if price is None:
            raise _refuse(
                "XML3.DON_GIA_BV",
                "no_price",
                f"Dịch vụ {body.service_code} ({body.service_name}) chưa có giá trong danh mục",
                f"Service {body.service_code} ({body.service_name}) has no price in the catalogue",
            )
        amounts = _price_line(Decimal(1), price, claim.benefit)
        performers = list(
            dict.fromkeys(
                code
                for result in done
                if (code := claim.practitioner_or_empty(result.signed_by or result.created_by))
            )
        )
        started = done[0].effective_at if done else event.effective_at
        finished = done[-1].effective_at if done else event.effective_at
        rows.append(
            {
                "MA_LK": claim.key,
                "MA_DICH_VU": body.service_code,
                "MA_NHOM": COST_GROUPS[body.category],
                "TEN_DICH_VU": body.service_name,
                "DON_VI_TINH": SERVICE_UNIT,
                "PHAM_VI": IN_BHYT_LIST,
                "SO_LUONG": "1",
                "DON_GIA_BV": _plain(price),
                "DON_GIA_BH": _plain(price),
                "TYLE_TT_DV": _plain(FULL_RATIO),
                "TYLE_TT_BH": _plain(FULL_RATIO),
                **_money_fields(amounts, claim.benefit),
                "MA_KHOA": claim.department_at(event.effective_at),
                "MA_BAC_SI": claim.practitioner(
                    event.signed_by, "XML3.MA_BAC_SI", "Bác sĩ chỉ định", "ordering doctor"
                ),
                "NGUOI_THUC_HIEN": ";".join(performers),
                "NGAY_YL": _minute(event.effective_at),
                "NGAY_TH_YL": _minute(started),
                "NGAY_KQ": _minute(finished),
                "MA_PTTT": FEE_FOR_SERVICE,
            }
        )
    return rows


def _results(claim: _Claim) -> list[Row]:
    rows: list[Row] = []
    for event in claim.events:
        body = event.body
        if not isinstance(body, LabResult | ImagingReport):
            continue
        order = claim.chart.latest_version(body.order_id) if body.order_id else None
        service = (
            order.body.service_code
            if order is not None and isinstance(order.body, Order)
            else (body.test_code if isinstance(body, LabResult) else body.service_code)
        )
        row: Row = {
            "MA_LK": claim.key,
            "MA_DICH_VU": service,
            "NGAY_KQ": _minute(event.effective_at),
            "MA_BS_DOC_KQ": claim.practitioner_or_empty(event.signed_by),
        }
        if isinstance(body, LabResult):
            short = len(body.value) <= _VALUE_MAX
            row |= {
                "MA_CHI_SO": body.test_code,
                "TEN_CHI_SO": body.test_name,
                "GIA_TRI": body.value if short else "",
                "DON_VI_DO": body.unit or "",
                "MO_TA": "" if short else body.value,
            }
        else:
            row |= {"MO_TA": body.findings, "KET_LUAN": body.conclusion}
        rows.append(row)
    return rows


# ------------------------------------------------------------------ XML5


def _progress(claim: _Claim) -> list[Row]:
    rows: list[Row] = []
    for event in claim.of(ClinicalNote.KIND):
        body = event.body
        assert isinstance(body, ClinicalNote)
        text = body.text
        if body.orders_text:
            text = f"{text}\nY lệnh: {body.orders_text}"
        rows.append(
            {
                "MA_LK": claim.key,
                "DIEN_BIEN_LS": text,
                "HOI_CHAN": body.text if body.note_type == NoteType.CONSULTATION else "",
                "THOI_DIEM_DBLS": _minute(event.effective_at),
                "NGUOI_THUC_HIEN": claim.practitioner_or_empty(event.signed_by),
            }
        )
    return rows


# ------------------------------------------------------------------ XML documents


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return (_XML_DECLARATION + text + "\n").encode("utf-8")


def _record(parent: ET.Element, tag: str, fields: tuple[str, ...], row: Row) -> None:
    record = parent if parent.tag == tag else ET.SubElement(parent, tag)
    for name in fields:
        ET.SubElement(record, name).text = row.get(name, "")


def table_xml(kind: str, rows: list[Row]) -> bytes:
    """One table as its own XML document (rows numbered STT from 1)."""
    root_tag, list_tag, record_tag = TABLE_TAGS[kind]
    fields = TABLE_FIELDS[kind]
    root = ET.Element(root_tag)
    parent = root if list_tag is None else ET.SubElement(root, list_tag)
    for number, row in enumerate(rows, start=1):
        _record(parent, record_tag, fields, {**row, "STT": str(number)})
    return _serialize(root)


def envelope(facility_code: str, created_on: date, tables: Iterable[ClaimTable]) -> bytes:
    """The `GIAMDINHHS` envelope of one episode (§3.3): each table base64 in NOIDUNGFILE."""
    root = ET.Element("GIAMDINHHS")
    root.set("xmlns:xsi", _XSI)
    root.set("xmlns:xsd", _XSD)
    ET.SubElement(ET.SubElement(root, "THONGTINDONVI"), "MACSKCB").text = facility_code
    info = ET.SubElement(root, "THONGTINHOSO")
    ET.SubElement(info, "NGAYLAP").text = _day(created_on)
    ET.SubElement(info, "SOLUONGHOSO").text = "1"
    episode = ET.SubElement(ET.SubElement(info, "DANHSACHHOSO"), "HOSO")
    for table in tables:
        file = ET.SubElement(episode, "FILEHOSO")
        ET.SubElement(file, "LOAIHOSO").text = table.kind
        ET.SubElement(file, "NOIDUNGFILE").text = base64.b64encode(table.xml).decode("ascii")
    # The facility's signature goes here once signing is set up (see the module docstring).
    ET.SubElement(root, "CHUKYDONVI")
    return _serialize(root)


# ------------------------------------------------------------------ the claim


def _visit_kind(encounter: Encounter) -> str:
    assert encounter.ended_at is not None
    code = MA_LOAI_KCB[encounter.kind]
    if encounter.kind == EncounterKind.INPATIENT and (
        encounter.ended_at - encounter.started_at < SHORT_STAY
    ):
        return SHORT_STAY_CODE
    return code


def build_claim(
    chart: ChartExtract,
    encounter_id: str,
    *,
    prices: ClaimPrices,
    practitioners: Mapping[str, str],
    departments: Mapping[str, str],
    drugs: Mapping[str, DrugEntry],
    created_on: date,
    visit_category: str | None = None,
) -> ClaimXml:
    """The claim tables of the finished encounter `encounter_id` of `chart`, and their
    envelope (dated `created_on`, the facility being the chart's letterhead).

    `practitioners` maps a user id to the practising-certificate number (MA_BAC_SI …),
    `departments` a department id to its code (MA_KHOA), `drugs` a drug code to its catalogue
    entry (strength, form, unit). `visit_category` is MA_DOITUONG_KCB when staff chose one.
    Raises ValidationError naming "XMLn.FIELD" for what makes the claim impossible.
    """
    encounter = _finished_encounter(chart, encounter_id)
    events = tuple(chart.events_of(encounter.id))
    _refuse_drafts(events)
    _birth(chart.patient)
    level = _card_level(chart.patient, encounter)
    category, by_level = _visit_category(chart, encounter, visit_category)
    claim = _Claim(
        chart=chart,
        encounter=encounter,
        events=events,
        prices=prices,
        practitioners=practitioners,
        departments=departments,
        drugs=drugs,
        benefit=BENEFIT_BY_LEVEL[level] if by_level else 100,
        visit_kind=_visit_kind(encounter),
    )
    _diagnoses(claim)
    drug_rows = _prescribed(claim) + _administered(claim)
    service_rows = _services(claim)
    builders: list[tuple[str, Callable[[], list[Row]]]] = [
        ("XML1", lambda: [_xml1(claim, category, drug_rows, service_rows)]),
        ("XML2", lambda: drug_rows),
        ("XML3", lambda: service_rows),
        ("XML4", lambda: _results(claim)),
    ]
    if claim.visit_kind in WITH_PROGRESS_NOTES:
        builders.append(("XML5", lambda: _progress(claim)))
    tables = []
    for kind, rows_of in builders:
        rows = rows_of()
        if rows:
            tables.append(ClaimTable(kind, table_xml(kind, rows)))
    return ClaimXml(
        tables=tuple(tables),
        envelope=envelope(chart.letterhead.facility_code, created_on, tables),
    )


def claim_envelope(sources: ClaimSources) -> bytes:
    """The envelope of the claim `sources` describe (`services.claims.export_claim` takes
    this builder); ValidationError naming "XMLn.FIELD" when the claim cannot be made."""
    return build_claim(
        sources.chart,
        sources.encounter_id,
        prices=ClaimPrices(drugs=sources.drug_prices, services=sources.service_prices),
        practitioners=sources.practitioners,
        departments=sources.departments,
        drugs=sources.drugs,
        created_on=sources.created_on,
        visit_category=sources.visit_category,
    ).envelope
