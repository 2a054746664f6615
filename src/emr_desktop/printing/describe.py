"""Records in the words printed on Vietnamese forms: one place for every printed label, and
what the documents read from a chart extract (the encounter or record they are printed from,
its diagnoses, drugs, departments, allergies, who signed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cache

from emr_desktop.core.catalog import CatalogKind, DrugRoute, Icd10Entry, load_builtin
from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import (
    VITAL_SPECS,
    Allergy,
    AllergyStatus,
    Attachment,
    ClinicalEvent,
    ClinicalNote,
    Correction,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterStatus,
    EventBody,
    EventStatus,
    ExternalRecord,
    ImagingReport,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    MovementKind,
    Order,
    Prescription,
    PrescriptionItem,
    Problem,
    ProblemStatus,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import to_local
from emr_desktop.printing.layout import NOT_RECORDED, Signature, amount, vn_date, vn_time

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
    "external_record": "Hồ sơ từ cơ sở khác",
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


def diagnosis_name(extract: ChartExtract, code: str, encounter_id: str | None = None) -> str:
    """The name of an ICD-10 code as the clinician last described it: in the encounter
    `encounter_id` when they did there (a stay that says "Viêm phổi nặng" is not printed
    with an older visit's "Viêm phổi"), else anywhere in the chart; else the catalogue's
    name ("" if none knows it)."""
    here = anywhere = ""
    for event in extract.events_of(None, Diagnosis.KIND):
        body = event.body
        if isinstance(body, Diagnosis) and body.icd10 == code and body.description:
            anywhere = body.description
            if encounter_id is not None and event.encounter_id == encounter_id:
                here = body.description
    return here or anywhere or _icd10_names().get(code, "")


def diagnosis_text(extract: ChartExtract, code: str, encounter_id: str | None = None) -> str:
    """ "J06.9 — Viêm đường hô hấp trên cấp" (the code alone if it has no name), named as in
    the encounter `encounter_id` (`diagnosis_name`)."""
    name = diagnosis_name(extract, code, encounter_id)
    return f"{code} — {name}" if name else code


def encounter_diagnoses_text(extract: ChartExtract, encounter_id: str | None) -> str:
    """The encounter's current diagnoses, each code once in the order they were made:
    "J18.9 — Viêm phổi; I10 — Tăng huyết áp vô căn" ("" if it has none)."""
    if encounter_id is None:
        return ""
    codes: dict[str, None] = {}
    for event in extract.events_of(encounter_id, Diagnosis.KIND):
        if isinstance(event.body, Diagnosis):
            codes[event.body.icd10] = None
    return "; ".join(diagnosis_text(extract, code, encounter_id) for code in codes)


def diagnoses_by_rank(
    extract: ChartExtract, encounter_id: str
) -> tuple[list[Diagnosis], list[Diagnosis]]:
    """The encounter's current diagnoses, primary then secondary, each code once (its latest
    entry decides the rank), in the order they were made."""
    latest: dict[str, Diagnosis] = {}
    for event in extract.events_of(encounter_id, Diagnosis.KIND):
        if isinstance(event.body, Diagnosis):
            latest.pop(event.body.icd10, None)
            latest[event.body.icd10] = event.body
    primary = [d for d in latest.values() if d.rank == DiagnosisRank.PRIMARY]
    secondary = [d for d in latest.values() if d.rank != DiagnosisRank.PRIMARY]
    return primary, secondary


def diagnosis_summary(extract: ChartExtract, encounter_id: str) -> str:
    """ "Bệnh chính: I20.0 — Cơn đau thắt ngực …; bệnh kèm theo: I10 — …; E11.9 — …" """
    primary, secondary = diagnoses_by_rank(extract, encounter_id)

    def codes(diagnoses: list[Diagnosis]) -> str:
        return "; ".join(diagnosis_text(extract, d.icd10, encounter_id) for d in diagnoses)

    parts = []
    if primary:
        parts.append(f"Bệnh chính: {codes(primary)}")
    if secondary:
        parts.append(f"{'b' if primary else 'B'}ệnh kèm theo: {codes(secondary)}")
    return "; ".join(parts) or "chưa có chẩn đoán"


def coded_text(names: Mapping[str, str], code: str | None) -> str:
    """The name of a coded value (QĐ 130's treatment results, kinds of discharge …): the code
    itself if it is not known, "không ghi" if there is none."""
    if not code:
        return NOT_RECORDED
    return names.get(code, code)


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
    if isinstance(event.body, ExternalRecord):
        return external_lines(extract, event, event.body)
    return _body_lines(extract, event.body)


def external_lines(extract: ChartExtract, event: ClinicalEvent, body: ExternalRecord) -> list[str]:
    """A record from another facility: what it says, then where it comes from ("Nguồn: …,
    nhập ngày … bởi …") and who signed it there."""
    importer = extract.staff.get(event.created_by, "")
    origin = f"Nguồn: {body.source_name}, nhập ngày {vn_date(to_local(body.imported_at).date())}"
    lines = [body.summary, f"{origin} bởi {importer}" if importer else origin]
    if body.source_author:
        signed = f" lúc {vn_time(body.source_signed_at)}" if body.source_signed_at else ""
        lines.append(f"Người ký tại nơi gửi: {body.source_author}{signed}")
    return lines


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
        order = extract.latest_version(body.medication_order_id)
        if order is not None and isinstance(order.body, MedicationOrder):
            line = f"{order.body.drug_name}: {line}"
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


# --- What the documents read from the chart ---------------------------------------------


def encounter_target(extract: ChartExtract, encounter_id: str, document: str) -> Encounter:
    """The encounter a document is printed from: ValidationError on "target_id" when the
    extract does not hold it or it was cancelled. `document` names the document ("giấy
    ra viện") in the message."""
    try:
        encounter = extract.encounter(encounter_id)
    except KeyError:
        raise ValidationError(
            "target_id",
            "unknown",
            "Không có lượt khám này trong hồ sơ bệnh nhân",
            "No such encounter in the patient's chart",
        ) from None
    if encounter.status == EncounterStatus.CANCELLED:
        raise ValidationError(
            "target_id",
            "cancelled",
            f"Lượt khám này đã bị huỷ: không in {document}",
            "This encounter was cancelled: nothing is printed from it",
        )
    return encounter


def event_target(
    extract: ChartExtract, event_id: str, kind: type[EventBody], what_vi: str, what_en: str
) -> ClinicalEvent:
    """The record a document is printed from, refused (ValidationError on "target_id")
    unless it is a current record of `kind`: unknown, of another kind (`what_vi` and
    `what_en` name the kind in the message), marked entered in error, or amended (the
    amendment is what prints)."""
    try:
        event = extract.event(event_id)
    except KeyError:
        raise ValidationError(
            "target_id",
            "unknown",
            "Không có bản ghi này trong hồ sơ bệnh nhân",
            "No such record in the patient's chart",
        ) from None
    if not isinstance(event.body, kind) or event.correction == Correction.ENTERED_IN_ERROR:
        raise ValidationError(
            "target_id",
            "kind",
            f"Bản ghi này không phải {what_vi}",
            f"This record is not {what_en}",
        )
    latest = extract.latest_version(event.id)
    if latest is None:
        raise ValidationError(
            "target_id",
            "entered_in_error",
            "Bản ghi này đã bị đánh dấu nhập nhầm; không in",
            "This record was marked entered in error; it is not printed",
        )
    if latest.id != event.id:
        raise ValidationError(
            "target_id",
            "superseded",
            "Bản ghi này đã được đính chính; hãy in bản đính chính",
            "This record was amended; print the amended version",
        )
    return event


def encounter_department(extract: ChartExtract, encounter_id: str | None) -> str:
    """The name of the department the encounter was registered in ("" if not known)."""
    for encounter in extract.encounters:
        if encounter.id == encounter_id:
            return extract.departments.get(encounter.department_id or "", "")
    return ""


def has_draft(events: Iterable[ClinicalEvent]) -> bool:
    """Whether any of `events` is unsigned (the document then prints as a draft)."""
    return any(e.status != EventStatus.SIGNED for e in events)


def signer(extract: ChartExtract, event: ClinicalEvent) -> str:
    """Who signed `event`, or who wrote it while it is a draft ("" if not known)."""
    signed = event.status == EventStatus.SIGNED
    return extract.staff_name(event.signed_by if signed else event.created_by)


def signers(extract: ChartExtract, events: Iterable[ClinicalEvent]) -> str:
    """The names of who signed (or wrote) `events`, each once, in order, joined."""
    names = dict.fromkeys(signer(extract, e) for e in events)
    return ", ".join(name for name in names if name)


def signed_or_recorded(event: ClinicalEvent) -> datetime:
    """When `event` was signed, else when it took effect (a draft)."""
    signed = event.status == EventStatus.SIGNED
    return event.signed_at if signed and event.signed_at else event.effective_at


def signature(title: str, extract: ChartExtract, event: ClinicalEvent) -> Signature:
    """The signature box of the person who signed `event` (unsigned with the author's name
    while it is a draft)."""
    signed = event.status == EventStatus.SIGNED
    return Signature(title, signer(extract, event), event.signed_at if signed else None)


def service_text(order: Order) -> str:
    """The service an order asks for, with its priority when not routine: "Chụp X-quang
    ngực thẳng (khẩn)"."""
    if order.priority == "routine":
        return order.service_name
    return f"{order.service_name} ({PRIORITY_VI.get(order.priority, order.priority)})"


def order_names(extract: ChartExtract, encounter_id: str) -> dict[str, str]:
    """Order id → the service it asked for, for naming the results."""
    return {
        e.id: e.body.service_name
        for e in extract.events_of(encounter_id, Order.KIND)
        if isinstance(e.body, Order)
    }


def drug_names(extract: ChartExtract, encounter_id: str) -> list[str]:
    """The drugs of the encounter's current prescriptions and medication orders, each once,
    in the order they were first ordered (an amended order where its original stood)."""
    names: dict[str, None] = {}
    for event in extract.events:
        if event.encounter_id != encounter_id or event.corrects is not None:
            continue
        current = extract.latest_version(event.id)
        body = current.body if current is not None else None
        if isinstance(body, Prescription):
            names.update((item.drug_name, None) for item in body.items)
        elif isinstance(body, MedicationOrder):
            names[body.drug_name] = None
    return list(names)


@dataclass(frozen=True)
class DepartmentStay:
    """A stretch of an encounter in one department."""

    department: str
    bed: str
    since: datetime
    until: datetime | None


def department_stays(extract: ChartExtract, encounter: Encounter) -> list[DepartmentStay]:
    """Where the encounter went, from its admission and transfer movements (the encounter's
    own department when it has none); the last stay ends at the discharge."""
    moves = [
        e for e in extract.events_of(encounter.id, Movement.KIND) if isinstance(e.body, Movement)
    ]
    ended = discharge_time(extract, encounter)

    def stay(department_id: str, bed_id: str | None, since: datetime) -> DepartmentStay:
        department = extract.departments.get(department_id, "")
        return DepartmentStay(department, extract.beds.get(bed_id or "", ""), since, ended)

    stays: list[DepartmentStay] = []
    for event in moves:
        body = event.body
        assert isinstance(body, Movement)
        if body.movement == MovementKind.DISCHARGE or not body.department_id:
            continue
        if stays:
            stays[-1] = replace(stays[-1], until=event.effective_at)
        stays.append(stay(body.department_id, body.bed_id, event.effective_at))
    if not stays and encounter.department_id:
        stays.append(stay(encounter.department_id, encounter.bed_id, encounter.started_at))
    return [s for s in stays if s.department]


def stay_text(stay: DepartmentStay, *, span: bool = True) -> str:
    """ "Khoa Nội tổng hợp, giường 12 (22/10/2026 – 27/10/2026)" """
    text = stay.department + (f", giường {stay.bed}" if stay.bed else "")
    if not span:
        return text
    since = vn_date(to_local(stay.since).date())
    until = vn_date(to_local(stay.until).date()) if stay.until is not None else "nay"
    return f"{text} ({since} – {until})" if until != since else f"{text} ({since})"


def discharge_event(extract: ChartExtract, encounter_id: str) -> ClinicalEvent | None:
    """The encounter's (latest current) discharge movement, if any."""
    found = None
    for event in extract.events_of(encounter_id, Movement.KIND):
        if isinstance(event.body, Movement) and event.body.movement == MovementKind.DISCHARGE:
            found = event
    return found


def discharge_time(extract: ChartExtract, encounter: Encounter) -> datetime | None:
    """When the patient left: the discharge movement, else the encounter's end."""
    event = discharge_event(extract, encounter.id)
    return event.effective_at if event is not None else encounter.ended_at


def active_allergies(extract: ChartExtract) -> list[Allergy]:
    """The allergies that stand (not inactive, not entered in error, not deleted)."""
    return [
        a for a in extract.allergies if a.status == AllergyStatus.ACTIVE and a.deleted_at is None
    ]


def allergy_text(allergy: Allergy) -> str:
    """ "Penicilin — Nổi mề đay toàn thân (mức độ nặng)" """
    text = allergy.substance
    if allergy.reaction:
        text += f" — {allergy.reaction}"
    return f"{text} (mức độ {severity_vi(allergy.severity)})"


def severity_vi(severity: str) -> str:
    """ "nhẹ", "vừa", "nặng" (an unknown code as it is)."""
    return SEVERITY_VI.get(severity, severity)


def active_problems(extract: ChartExtract) -> list[Problem]:
    """The problem list's conditions still followed."""
    return [
        p for p in extract.problems if p.status == ProblemStatus.ACTIVE and p.deleted_at is None
    ]


def problem_text(problem: Problem) -> str:
    """ "I10 — Tăng huyết áp vô căn (từ 2016)" """
    text = f"{problem.icd10} — {problem.description}"
    if problem.onset is not None:
        since = vn_date(problem.onset.date) if problem.onset.date else str(problem.onset.year)
        text += f" (từ {since})"
    return text
