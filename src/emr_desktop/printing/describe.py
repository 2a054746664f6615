"""Records in the words printed on Vietnamese forms: one place for every printed label."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from emr_desktop.core.catalog import CatalogKind, DrugRoute, Icd10Entry, load_builtin
from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.records import (
    VITAL_SPECS,
    Attachment,
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    Encounter,
    EventBody,
    ImagingReport,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    Order,
    Prescription,
    PrescriptionItem,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.layout import amount, vn_date, vn_time

ENCOUNTER_KIND_VI = {
    "outpatient": "Khám ngoại trú",
    "inpatient": "Điều trị nội trú",
    "emergency": "Cấp cứu",
}
EVENT_KIND_VI = {
    "vital_signs": "Dấu hiệu sinh tồn",
    "clinical_note": "Ghi chép",
    "diagnosis": "Chẩn đoán",
    "order": "Chỉ định",
    "lab_result": "Kết quả xét nghiệm",
    "imaging_report": "Kết quả chẩn đoán hình ảnh",
    "prescription": "Đơn thuốc",
    "medication_order": "Y lệnh thuốc",
    "medication_administration": "Thực hiện thuốc",
    "movement": "Vào/chuyển/ra khoa",
    "attachment": "Tài liệu đính kèm",
}
NOTE_TYPE_VI = {
    "progress": "Diễn biến bệnh",
    "admission": "Bệnh án vào viện",
    "daily_treatment": "Tờ điều trị",
    "discharge_summary": "Tổng kết bệnh án ra viện",
    "consultation": "Hội chẩn",
    "nursing": "Chăm sóc điều dưỡng",
}
ORDER_CATEGORY_VI = {"lab": "Xét nghiệm", "imaging": "Chẩn đoán hình ảnh", "procedure": "Thủ thuật"}
PRIORITY_VI = {"routine": "thường", "urgent": "khẩn", "stat": "cấp cứu"}
FLAG_VI = {"low": "Thấp", "high": "Cao", "abnormal": "Bất thường", "normal": "", "": ""}
FLAG_MARK = {"low": "L", "high": "H", "abnormal": "*", "normal": "", "": ""}
OUTCOME_VI = {"given": "Đã dùng", "held": "Tạm hoãn", "refused": "Từ chối", "missed": "Bỏ lỡ"}
MOVEMENT_VI = {"admission": "Vào khoa", "transfer": "Chuyển khoa", "discharge": "Ra viện"}
SEVERITY_VI = {"mild": "nhẹ", "moderate": "vừa", "severe": "nặng"}
#: KET_QUA_DTRI (QĐ 130).
TREATMENT_RESULT_VI = {
    "1": "Khỏi",
    "2": "Đỡ",
    "3": "Không thay đổi",
    "4": "Nặng hơn",
    "5": "Tử vong",
    "6": "Tiên lượng nặng xin về",
    "7": "Chưa xác định",
    "8": "Tử vong ngoại viện",
}
#: MA_LOAI_RV (QĐ 130).
DISCHARGE_TYPE_VI = {
    "1": "Ra viện",
    "2": "Chuyển tuyến theo yêu cầu chuyên môn",
    "3": "Trốn viện",
    "4": "Xin ra viện",
    "5": "Chuyển tuyến theo yêu cầu người bệnh",
}
#: Vital signs in the order a Vietnamese chart lists them, with short names.
_VITAL_SHORT = {
    VitalCode.PULSE: "Mạch",
    VitalCode.TEMPERATURE: "Nhiệt độ",
    VitalCode.SYSTOLIC: "HA",
    VitalCode.RESPIRATORY_RATE: "Nhịp thở",
    VitalCode.SPO2: "SpO₂",
    VitalCode.WEIGHT: "Cân nặng",
    VitalCode.HEIGHT: "Chiều cao",
    VitalCode.BLOOD_GLUCOSE: "Đường huyết",
}
_VITAL_UNITS = {"/min": "lần/phút"}


@cache
def _icd10_names() -> dict[str, str]:
    return {e.code: e.name for e in load_builtin(CatalogKind.ICD10) if isinstance(e, Icd10Entry)}


def diagnosis_name(extract: ChartExtract, code: str) -> str:
    """The name of an ICD-10 code: as the clinician described it in this chart, else the
    catalogue's name ("" if neither knows it)."""
    for event in extract.events:
        if (
            isinstance(event.body, Diagnosis)
            and event.body.icd10 == code
            and event.body.description
        ):
            return event.body.description
    return _icd10_names().get(code, "")


def diagnosis_text(extract: ChartExtract, code: str) -> str:
    """ "J06.9 — Viêm đường hô hấp trên cấp" (the code alone if it has no name)."""
    name = diagnosis_name(extract, code)
    return f"{code} — {name}" if name else code


def route_vi(route: str) -> str:
    """The Vietnamese name of a route code ("oral" → "uống"); unknown codes as they are."""
    try:
        return DrugRoute(route).label_vi
    except ValueError:
        return route


def vitals_text(body: VitalSigns) -> str:
    """ "Mạch 80 lần/phút · Nhiệt độ 37,2 °C · HA 120/80 mmHg · …" """
    parts: list[str] = []
    for code, name in _VITAL_SHORT.items():
        value = body.value(code)
        if code == VitalCode.SYSTOLIC:
            diastolic = body.value(VitalCode.DIASTOLIC)
            if value is not None:
                shown = (
                    f"{amount(value)}/{amount(diastolic)}"
                    if diastolic is not None
                    else amount(value)
                )
                parts.append(f"HA {shown} mmHg")
            continue
        if value is None:
            continue
        unit = VITAL_SPECS[code].unit
        parts.append(f"{name} {amount(value)} {_VITAL_UNITS.get(unit, unit)}")
    if (
        body.value(VitalCode.SYSTOLIC) is None
        and (d := body.value(VitalCode.DIASTOLIC)) is not None
    ):
        parts.append(f"HA tâm trương {amount(d)} mmHg")
    return " · ".join(parts)


def item_text(item: PrescriptionItem) -> str:
    """One prescription line's use: "Uống: ngày 2 lần, mỗi lần 1 viên — 7 ngày"."""
    return f"{item.dosage} — {item.days} ngày"


def lab_reference(body: LabResult) -> str:
    """The reference range as printed: "3,5 – 5,0", "< 5,2", "Âm tính" or ""."""
    if body.ref_text:
        return body.ref_text
    low, high = body.ref_low, body.ref_high
    if low is not None and high is not None:
        return f"{amount(low)} – {amount(high)}"
    if high is not None:
        return f"≤ {amount(high)}"
    if low is not None:
        return f"≥ {amount(low)}"
    return ""


def weight_kg(extract: ChartExtract, encounter_id: str | None) -> Decimal | None:
    """The latest weight recorded in the encounter (or the chart, if None)."""
    weight: Decimal | None = None
    for event in extract.events_of(encounter_id, VitalSigns.KIND):
        assert isinstance(event.body, VitalSigns)
        value = event.body.value(VitalCode.WEIGHT)
        if value is not None:
            weight = value
    return weight


def encounter_label(extract: ChartExtract, encounter: Encounter) -> str:
    """ "Điều trị nội trú 02/11/2026 – 09/11/2026 — Khoa Nội" """
    kind = ENCOUNTER_KIND_VI.get(encounter.kind, encounter.kind)
    span = vn_date(to_local(encounter.started_at).date())
    if encounter.ended_at is not None:
        end = vn_date(to_local(encounter.ended_at).date())
        if end != span:
            span = f"{span} – {end}"
    department = extract.departments.get(encounter.department_id or "", "")
    return f"{kind} {span}" + (f" — {department}" if department else "")


def event_title(event: ClinicalEvent) -> str:
    """The heading of an event in a chronological listing."""
    body = event.body
    if isinstance(body, ClinicalNote):
        return NOTE_TYPE_VI.get(body.note_type, "Ghi chép")
    if isinstance(body, Movement):
        return MOVEMENT_VI.get(body.movement, "Vào/chuyển/ra khoa")
    return EVENT_KIND_VI.get(event.kind, event.kind)


def event_lines(extract: ChartExtract, event: ClinicalEvent) -> list[str]:
    """What an event says, as plain lines of Vietnamese text."""
    return _body_lines(extract, event.body)


def _body_lines(extract: ChartExtract, body: EventBody) -> list[str]:
    if isinstance(body, VitalSigns):
        return [vitals_text(body)]
    if isinstance(body, ClinicalNote):
        lines = body.text.splitlines() or [""]
        if body.orders_text:
            lines += ["Y lệnh:", *body.orders_text.splitlines()]
        return lines
    if isinstance(body, Diagnosis):
        rank = "chính" if body.rank == "primary" else "kèm theo"
        name = body.description or _icd10_names().get(body.icd10, "")
        return [f"{body.icd10} — {name} ({rank})" if name else f"{body.icd10} ({rank})"]
    if isinstance(body, Order):
        line = f"{ORDER_CATEGORY_VI.get(body.category, body.category)}: {body.service_name}"
        if body.priority != "routine":
            line += f" ({PRIORITY_VI.get(body.priority, body.priority)})"
        return [line] + ([f"Lý do: {body.indication}"] if body.indication else [])
    if isinstance(body, LabResult):
        line = f"{body.test_name}: {body.value}" + (f" {body.unit}" if body.unit else "")
        reference = lab_reference(body)
        if reference:
            line += f" (tham chiếu {reference})"
        if FLAG_VI.get(body.flag):
            line += f" — {FLAG_VI[body.flag]}"
        return [line]
    if isinstance(body, ImagingReport):
        return [f"{body.modality}: {body.findings}", f"Kết luận: {body.conclusion}"]
    if isinstance(body, Prescription):
        lines = [
            f"{n}. {i.drug_name} — SL {amount(i.quantity)} {i.unit}; {item_text(i)}"
            for n, i in enumerate(body.items, 1)
        ]
        if body.code:
            lines.insert(0, f"Mã đơn thuốc: {body.code}")
        if body.advice:
            lines.append(f"Lời dặn: {body.advice}")
        return lines
    if isinstance(body, MedicationOrder):
        when = "khi cần" if body.as_needed else ", ".join(body.times)
        line = (
            f"{body.drug_name} {amount(body.dose)} {body.dose_unit}, {route_vi(body.route)}, "
            f"{when}; {body.days} ngày từ {vn_date(body.start_date)}"
        )
        return [line] + ([body.instructions] if body.instructions else [])
    if isinstance(body, MedicationAdministration):
        line = OUTCOME_VI.get(body.outcome, body.outcome)
        if body.dose is not None:
            line += f" {amount(body.dose)} {body.dose_unit or ''}".rstrip()
        if body.scheduled_for is not None:
            line += f" (liều {vn_time(body.scheduled_for)})"
        return [line] + ([f"Lý do: {body.reason}"] if body.reason else [])
    if isinstance(body, Movement):
        parts = [MOVEMENT_VI.get(body.movement, body.movement)]
        if body.department_id:
            parts.append(extract.departments.get(body.department_id, ""))
        if body.treatment_result:
            parts.append(
                f"kết quả: {TREATMENT_RESULT_VI.get(body.treatment_result, body.treatment_result)}"
            )
        if body.discharge_type:
            parts.append(DISCHARGE_TYPE_VI.get(body.discharge_type, body.discharge_type))
        return [" — ".join(p for p in parts if p)]
    if isinstance(body, Attachment):
        return [f"{body.title} ({body.media_type}, {body.size:,} byte)".replace(",", ".")]
    return []
