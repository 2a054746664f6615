"""One signed prescription as the national e-prescription system's "send" body (JSON).

The body of ``POST /api/v1/gui-don-thuoc`` (vietnam-formats §4.4). The official field table
(QĐ 808/QĐ-BYT Phần V) could not be read; the fields follow independent implementations
(medium confidence). Everything they disagree on, and everything the program had to
choose, is in ONE block below (`GENDER_CODES` … `OMIT_EMPTY`), each with its reason, so a
correction from the official text is made there and nowhere else:

* ``gioi_tinh`` — 1 undetermined, 2 male, 3 female (§4.5), NOT the XML 130 codes;
* ``dot_dung_thuoc`` — an array of periods (one period here), sent only for the types that
  need it (narcotic ``n``, psychotropic ``h``, and ``y``); left out for ordinary ``c``
  prescriptions, so the array-versus-object conflict touches only those;
* ``ngay_tai_kham`` — the number of days from the prescription's date to the follow-up
  visit, as a string of digits (one implementation insists on days; a string of digits is
  also what the other accepts);
* ``hinh_thuc_dieu_tri`` — 1 outpatient, 2 inpatient, 4 other (emergency), from the
  encounter's kind, as the one documented list gives them (§4.6: unresolved, low);
* numbers (``gioi_tinh``, ``hinh_thuc_dieu_tri``, ``can_nang``, ``so_luong``) are JSON
  numbers: a server with string fields commonly accepts a number, the reverse rarely;
* dates ``dd/MM/yyyy``, the prescribing time ``yyyy-MM-dd HH:mm:ss``, both Vietnamese
  local time; a birth known by its year only is sent as the year alone (``"1948"``): a day
  is never invented (DESIGN §3);
* ``ma_dinh_danh_y_te`` (the health ID, the 10-digit social-insurance number) is the last 10
  characters of the BHYT card (§2.1, positions 6–15);
* the prescriber's and the facility's interconnection codes travel in the body
  (``ma_lien_thong_bac_si``, ``ma_lien_thong_co_so_kham_chua_benh``): how the official
  service authenticates a doctor is not known (§8 item 6);
* optional fields with no value are left out rather than sent empty.

What the validators reject is refused here first, with a `ValidationError` naming the JSON
field: a draft, no code (or a code of another facility), no diagnosis, no address, a drug
without its names, a quantity not above zero, a prescriber or facility without an
interconnection code. Pure: core only, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from emr_desktop.core.eprescription import prescription_type
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    ClinicalEvent,
    Diagnosis,
    DiagnosisRank,
    EncounterKind,
    EventStatus,
    Patient,
    Prescription,
    Sex,
)
from emr_desktop.core.timeutil import to_local

#: Where the body is posted, under the configured address of the national system.
SEND_PATH = "/api/v1/gui-don-thuoc"

# --------------------------------------------------------------------- the choices (one place)

#: §4.5: the e-prescription API's own gender codes (XML 130 uses 1 male, 2 female).
GENDER_CODES: Mapping[str, int] = {Sex.OTHER: 1, Sex.MALE: 2, Sex.FEMALE: 3}
#: §4.6 (unresolved): the one documented list, 1 ngoại trú, 2 nội trú, 3 ngoại trú ban ngày,
#: 4 khác. No encounter: the field is left out.
TREATMENT_FORMS: Mapping[str, int] = {
    EncounterKind.OUTPATIENT: 1,
    EncounterKind.INPATIENT: 2,
    EncounterKind.EMERGENCY: 4,
}
#: §4.3/§4.4: the types for which one implementation requires `dot_dung_thuoc`; sent as an
#: array (the C# model and its sample), left out for other types.
PERIOD_TYPES = frozenset({"n", "h", "y"})
#: §4.4: `ngay_tai_kham` as a number of days (a string of digits).
FOLLOW_UP_AS_DAYS = True
DATE_FORMAT = "%d/%m/%Y"
MOMENT_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_ADDRESS = 500
#: Optional fields with no value are not sent (rather than "" or null).
OMIT_EMPTY = True

# ----------------------------------------------------------------------------------------------


def _refuse(field: str, rule: str, vi: str, en: str) -> ValidationError:
    return ValidationError(field, rule, vi, en)


def _number(value: Decimal) -> int | float:
    """A decimal as a JSON number: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def _day(value: date) -> str:
    return value.strftime(DATE_FORMAT)


def _prescription_body(prescription: ClinicalEvent) -> Prescription:
    body = prescription.body
    if not isinstance(body, Prescription):
        raise _refuse(
            "thong_tin_don_thuoc",
            "kind",
            "Bản ghi này không phải là đơn thuốc",
            "This record is not a prescription",
        )
    if prescription.status != EventStatus.SIGNED:
        raise _refuse(
            "signature",
            "signed",
            "Đơn thuốc chưa ký: chỉ gửi đơn đã ký lên hệ thống đơn thuốc quốc gia",
            "The prescription is a draft: only signed prescriptions are sent to the national "
            "e-prescription system",
        )
    return body


def _code(body: Prescription, facility_code: str) -> str:
    if body.code is None:
        raise _refuse(
            "ma_don_thuoc",
            "required",
            "Đơn thuốc không có mã đơn thuốc quốc gia",
            "The prescription has no national prescription code",
        )
    if body.code[:5].upper() != facility_code.upper():
        raise _refuse(
            "ma_don_thuoc",
            "facility",
            f"Mã đơn thuốc {body.code} không bắt đầu bằng mã cơ sở {facility_code}",
            f"The prescription code {body.code} does not start with the facility code "
            f"{facility_code}",
        )
    return body.code


def _diagnoses(diagnoses: Sequence[Diagnosis], names: Mapping[str, str]) -> list[dict[str, str]]:
    if not diagnoses:
        raise _refuse(
            "chan_doan",
            "required",
            "Đơn thuốc cần ít nhất một chẩn đoán (mã ICD-10)",
            "A prescription needs at least one diagnosis (ICD-10 code)",
        )
    ordered = sorted(diagnoses, key=lambda d: d.rank != DiagnosisRank.PRIMARY)
    found = []
    for n, diagnosis in enumerate(ordered):
        wording = " ".join((diagnosis.description or "").split())
        name = " ".join(names.get(diagnosis.icd10, "").split()) or wording
        if not name:
            raise _refuse(
                f"chan_doan[{n}].ten_chan_doan",
                "required",
                f"Không có tên chẩn đoán cho mã {diagnosis.icd10}",
                f"No diagnosis name for the code {diagnosis.icd10}",
            )
        found.append(
            {"ma_chan_doan": diagnosis.icd10, "ten_chan_doan": name, "ket_luan": wording or name}
        )
    return found


def _address(patient: Patient) -> str:
    address = " ".join((patient.address or "").split())
    if not address:
        raise _refuse(
            "dia_chi",
            "required",
            "Bệnh nhân chưa có địa chỉ: bổ sung địa chỉ trong hồ sơ rồi gửi lại",
            "The patient has no address: add it to the chart, then send again",
        )
    if len(address) > MAX_ADDRESS:
        raise _refuse(
            "dia_chi",
            "max_length",
            f"Địa chỉ dài quá {MAX_ADDRESS} ký tự",
            f"The address is longer than {MAX_ADDRESS} characters",
        )
    return address


def _items(body: Prescription, generic_names: Mapping[str, str]) -> list[dict[str, Any]]:
    items = []
    for n, item in enumerate(body.items):
        field = f"thong_tin_don_thuoc[{n}]"
        brand = " ".join(item.drug_name.split())
        generic = " ".join(generic_names.get(item.drug_code, "").split()) or brand
        for name, value in (("biet_duoc", brand), ("ten_thuoc", generic)):
            if not value:
                raise _refuse(
                    f"{field}.{name}",
                    "required",
                    f"Thuốc {item.drug_code} không có tên",
                    f"The drug {item.drug_code} has no name",
                )
        if not item.quantity > 0:
            raise _refuse(
                f"{field}.so_luong",
                "positive",
                f"Số lượng thuốc {item.drug_code} phải lớn hơn 0",
                f"The quantity of {item.drug_code} must be above 0",
            )
        items.append(
            {
                "ma_thuoc": item.drug_code,
                "biet_duoc": brand,
                "ten_thuoc": generic,
                "don_vi_tinh": item.unit,
                "so_luong": _number(item.quantity),
                "cach_dung": " ".join(item.dosage.split()),
            }
        )
    return items


def _interconnection(value: str | None, field: str, vi: str, en: str) -> str:
    code = (value or "").strip()
    if not code:
        raise _refuse(field, "required", vi, en)
    return code


def _birth(patient: Patient) -> str | None:
    born = patient.date_of_birth
    if born is None:
        return None
    return _day(born.date) if born.date is not None else f"{born.year:04d}"


def _periods(body: Prescription, start: date) -> list[dict[str, Any]]:
    days = max(item.days for item in body.items)
    end = date.fromordinal(start.toordinal() + days - 1)
    return [{"dot": 1, "tu_ngay": _day(start), "den_ngay": _day(end)}]


def _follow_up(body: Prescription, start: date) -> str | None:
    if body.follow_up is None:
        return None
    if FOLLOW_UP_AS_DAYS:
        return str(max(0, (body.follow_up - start).days))
    return _day(body.follow_up)


def prescription_payload(
    prescription: ClinicalEvent,
    patient: Patient,
    *,
    facility_code: str,
    facility_link_code: str | None,
    prescriber_link_code: str | None,
    diagnoses: Sequence[Diagnosis],
    diagnosis_names: Mapping[str, str],
    generic_names: Mapping[str, str],
    encounter_kind: str | None = None,
    weight_kg: Decimal | None = None,
) -> dict[str, Any]:
    """The "send prescription" body for a signed prescription.

    `diagnoses` are the prescription's (the primary first is sent first) with the doctor's
    wording as `description` (sent as the conclusion); `diagnosis_names` maps an ICD-10 code
    to its catalogue name; `generic_names` maps a drug code to its generic name (the
    prescribed product's name is the brand name). `facility_code` is the 5-character
    MA_CSKCB the code must start with. Raises `ValidationError` naming the JSON field for
    what the national system's validators would refuse.
    """
    body = _prescription_body(prescription)
    code = _code(body, facility_code)
    prescriber = _interconnection(
        prescriber_link_code,
        "ma_lien_thong_bac_si",
        "Bác sĩ kê đơn chưa có mã liên thông đơn thuốc quốc gia; quản trị viên cần nhập "
        "mã này cho tài khoản của bác sĩ",
        "The prescriber has no national e-prescription interconnection code; an "
        "administrator must enter it for the doctor's account",
    )
    facility = _interconnection(
        facility_link_code,
        "ma_lien_thong_co_so_kham_chua_benh",
        "Chưa cấu hình mã liên thông của cơ sở khám chữa bệnh",
        "The facility's interconnection code is not set up",
    )
    prescribed_at = to_local(prescription.effective_at)
    start = prescribed_at.date()
    payload: dict[str, Any] = {
        "loai_don_thuoc": prescription_type(code),
        "ma_don_thuoc": code,
        "ma_lien_thong_co_so_kham_chua_benh": facility,
        "ma_lien_thong_bac_si": prescriber,
        "ho_ten_benh_nhan": patient.full_name,
        "ma_dinh_danh_y_te": patient.bhyt_number[-10:] if patient.bhyt_number else None,
        "ma_dinh_danh_cong_dan": patient.cccd,
        "ngay_sinh_benh_nhan": _birth(patient),
        "can_nang": _number(weight_kg) if weight_kg is not None else None,
        "gioi_tinh": GENDER_CODES[patient.sex],
        "ma_so_the_bao_hiem_y_te": patient.bhyt_number,
        "thong_tin_nguoi_giam_ho": patient.guardian_name,
        "dia_chi": _address(patient),
        "chan_doan": _diagnoses(diagnoses, diagnosis_names),
        "hinh_thuc_dieu_tri": TREATMENT_FORMS.get(encounter_kind or ""),
        "dot_dung_thuoc": _periods(body, start)
        if prescription_type(code) in PERIOD_TYPES
        else None,
        "thong_tin_don_thuoc": _items(body, generic_names),
        "loi_dan": body.advice,
        "ngay_tai_kham": _follow_up(body, start),
        "ngay_gio_ke_don": _moment(prescribed_at),
    }
    if OMIT_EMPTY:
        payload = {name: value for name, value in payload.items() if value not in (None, "")}
    return payload


def _moment(local: datetime) -> str:
    return local.strftime(MOMENT_FORMAT)
