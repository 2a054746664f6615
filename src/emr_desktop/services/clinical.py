"""Recording, signing and correcting clinical events, and the encounter's course.

Each event kind needs `<family>.write` to record and `<family>.sign` to sign (see
`core.permissions`). Signing is an explicit act: the clinician confirms with their password;
the event then records who, when and the SHA-256 of the content they signed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from emr_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from emr_desktop.core.permissions import Permission, event_permission
from emr_desktop.core.records import (
    Allergy,
    AllergyStatus,
    Attachment,
    ClinicalEvent,
    ClinicalNote,
    Correction,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventBody,
    EventStatus,
    ExternalRecord,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Movement,
    MovementKind,
    NoteType,
    Patient,
    Problem,
    ProblemStatus,
    Role,
)
from emr_desktop.core.timeutil import require_aware, utc_now
from emr_desktop.services import catalogs
from emr_desktop.services.auth import Session, confirm_password, record_header
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)


def _refuse_external(body: EventBody) -> None:
    # Records from another facility come in only through `services.fhir_import`.
    if isinstance(body, ExternalRecord):
        raise ValidationError(
            "body",
            "read_only",
            "Hồ sơ từ cơ sở khác chỉ để xem: không ghi, sửa hay đính chính được "
            "(chỉ nhập từ tệp FHIR, hoặc đánh dấu nhập nhầm)",
            "A record from another facility is read-only: it cannot be written, edited or "
            "amended (only imported from a FHIR file, or marked entered in error)",
        )


def _check_write(session: Session, body: EventBody, *, external_ok: bool = False) -> None:
    session.require(event_permission(body.PERMISSION, body.WRITE_ACTION))
    if not external_ok:
        _refuse_external(body)
    # Nurses write nursing notes; medical notes are the doctors'.
    if (
        isinstance(body, ClinicalNote)
        and session.role == Role.NURSE
        and body.note_type != NoteType.NURSING
    ):
        raise PermissionDenied(
            "Điều dưỡng chỉ ghi phiếu chăm sóc (ghi chú điều dưỡng)",
            "Nurses write nursing notes only",
        )


def _sign(uow: UnitOfWork, session: Session, event: ClinicalEvent, password: str) -> ClinicalEvent:
    session.require(event_permission(event.body.PERMISSION, "sign"))
    confirm_password(uow, session, password)
    return _signed(session, event)


def _signed(session: Session, event: ClinicalEvent) -> ClinicalEvent:
    """`event` signed by the logged-in clinician, who has just confirmed their password."""
    return replace(
        event,
        status=EventStatus.SIGNED,
        signed_by=session.user_id,
        signed_at=utc_now(),
        content_hash=event.content_digest(),
    )


def _encounter_for(uow: UnitOfWork, patient_id: str, encounter_id: str | None) -> None:
    if encounter_id is None:
        return
    encounter = uow.get(Encounter, encounter_id)
    if resolve_patient_id(uow, encounter.patient_id) != resolve_patient_id(uow, patient_id):
        raise ValidationError(
            "encounter_id",
            "same_patient",
            "Lượt khám không thuộc bệnh nhân này",
            "The encounter belongs to another patient",
        )


def _new_event(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    encounter_id: str | None,
    body: EventBody,
    effective_at: datetime | None = None,
    corrects: str | None = None,
    correction: str | None = None,
    correction_reason: str | None = None,
) -> ClinicalEvent:
    header = record_header(store, session)
    return ClinicalEvent(
        **header,
        patient_id=patient_id,
        encounter_id=encounter_id,
        effective_at=effective_at or header["created_at"],
        body=body,
        corrects=corrects,
        correction=correction,
        correction_reason=correction_reason,
    )


def record_event(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    body: EventBody,
    encounter_id: str | None = None,
    effective_at: datetime | None = None,
    sign_password: str | None = None,
    attachment_data: bytes | None = None,
) -> ClinicalEvent:
    """Record one clinical event as a draft, or signed at once when a password is given."""
    _check_write(session, body)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Patient, patient_id)
        _encounter_for(uow, patient_id, encounter_id)
        if isinstance(body, MedicationAdministration):
            order = uow.get_event(body.medication_order_id)
            if not isinstance(order.body, MedicationOrder) or order.patient_id != patient_id:
                raise ValidationError(
                    "medication_order_id",
                    "same_patient",
                    "Y lệnh thuốc không thuộc bệnh nhân này",
                    "The medication order belongs to another patient",
                )
        event = _new_event(
            store,
            session,
            patient_id=patient_id,
            encounter_id=encounter_id,
            body=body,
            effective_at=require_aware(effective_at, "effective_at") if effective_at else None,
        )
        if sign_password is not None:
            event = _sign(uow, session, event, sign_password)
        if attachment_data is not None:
            uow.conn.exec_driver_sql(
                "INSERT INTO attachment_content(event_id, data) VALUES (?, ?)",
                (event.id, attachment_data),
            )
            # Queued for upload in the same transaction: no attachment can miss the server.
            uow.conn.exec_driver_sql(
                "INSERT INTO attachment_upload(event_id, queued_at) VALUES (?, ?)",
                (event.id, utc_now().isoformat()),
            )
        uow.add_event(event)
        uow.audit(
            f"{event.kind}.record",
            target_kind=event.kind,
            target_id=event.id,
            patient_id=patient_id,
            detail={"signed": event.status == EventStatus.SIGNED},
        )
        uow.commit()
    return event


def save_consultation(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    encounter_id: str | None,
    bodies: list[EventBody],
    sign_password: str | None = None,
) -> list[ClinicalEvent]:
    """Save what a doctor wrote in one consultation (vitals, note, diagnoses, prescription)
    as one transaction: all of it is kept, or none of it."""
    for body in bodies:
        _check_write(session, body)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Patient, patient_id)
        _encounter_for(uow, patient_id, encounter_id)
        if sign_password is not None:
            for body in bodies:
                session.require(event_permission(body.PERMISSION, "sign"))
            confirm_password(uow, session, sign_password)
        events = []
        for body in bodies:
            event = _new_event(
                store, session, patient_id=patient_id, encounter_id=encounter_id, body=body
            )
            if sign_password is not None:
                event = _signed(session, event)
            uow.add_event(event)
            events.append(event)
        uow.audit(
            "consultation.save",
            target_kind="encounter",
            target_id=encounter_id,
            patient_id=patient_id,
            detail={"events": len(events), "signed": sign_password is not None},
        )
        uow.commit()
    return events


def sign_event(store: Store, session: Session, event_id: str, password: str) -> ClinicalEvent:
    """Sign a draft: the clinician confirms with their password; the event is then frozen."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(event_id)
        if event.status == EventStatus.SIGNED:
            raise ConflictError("Bản ghi đã được ký", "The record is already signed")
        signed = _sign(uow, session, event, password)
        uow.replace_draft(signed)
        uow.audit(
            "event.sign",
            target_kind=event.kind,
            target_id=event.id,
            patient_id=event.patient_id,
            detail={"content_hash": signed.content_hash},
        )
        uow.commit()
    return signed


def edit_draft(store: Store, session: Session, event_id: str, body: EventBody) -> ClinicalEvent:
    """Change a draft's content. Only its author may; signed events refuse."""
    _check_write(session, body)
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(event_id)
        if event.created_by != session.user_id:
            raise PermissionDenied(
                "Chỉ người viết mới sửa được bản nháp", "Only the author may edit a draft"
            )
        if type(body) is not type(event.body):
            raise ValidationError(
                "body",
                "same_kind",
                "Không được đổi loại bản ghi",
                "The kind of a record cannot change",
            )
        updated = replace(event, body=body)
        uow.replace_draft(updated)
        uow.audit(
            "event.edit_draft",
            target_kind=event.kind,
            target_id=event.id,
            patient_id=event.patient_id,
        )
        uow.commit()
    return updated


def _correct(
    store: Store,
    session: Session,
    event_id: str,
    correction: Correction,
    reason: str,
    body: EventBody | None,
    sign_password: str | None,
) -> ClinicalEvent:
    with store.unit_of_work(user_id=session.user_id) as uow:
        original = uow.get_event(event_id)
        if correction == Correction.AMENDS:
            _refuse_external(original.body)
        new_body = body if body is not None else original.body
        _check_write(session, new_body, external_ok=correction == Correction.ENTERED_IN_ERROR)
        if type(new_body) is not type(original.body):
            raise ValidationError(
                "body",
                "same_kind",
                "Bản đính chính phải cùng loại với bản gốc",
                "A correction has the kind of the original",
            )
        event = _new_event(
            store,
            session,
            patient_id=original.patient_id,
            encounter_id=original.encounter_id,
            body=new_body,
            effective_at=original.effective_at,
            corrects=original.id,
            correction=correction,
            correction_reason=reason,
        )
        if sign_password is not None:
            event = _sign(uow, session, event, sign_password)
        uow.add_event(event)
        uow.audit(
            f"event.{correction.value}",
            target_kind=original.kind,
            target_id=original.id,
            patient_id=original.patient_id,
            detail={"correction_id": event.id},
        )
        uow.commit()
    return event


def amend_event(
    store: Store,
    session: Session,
    event_id: str,
    *,
    body: EventBody,
    reason: str,
    sign_password: str | None = None,
) -> ClinicalEvent:
    """Correct a record with a new version that amends it; the original stays as it was."""
    return _correct(store, session, event_id, Correction.AMENDS, reason, body, sign_password)


def mark_entered_in_error(
    store: Store, session: Session, event_id: str, *, reason: str, sign_password: str | None = None
) -> ClinicalEvent:
    """Mark a record as entered in error (wrong patient, wrong entry): a new record says so."""
    return _correct(
        store, session, event_id, Correction.ENTERED_IN_ERROR, reason, None, sign_password
    )


def record_lab_result(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    test_code: str,
    value: str,
    encounter_id: str | None = None,
    order_id: str | None = None,
    sign_password: str | None = None,
) -> ClinicalEvent:
    """Record a lab value; name, LOINC, unit, range and abnormal flag come from the catalogue."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        sex = uow.get(Patient, patient_id).sex
        entry = catalogs.lab_reference(uow, test_code, sex)
    if entry is None:
        raise ValidationError(
            "test_code",
            "catalog",
            f"Mã xét nghiệm {test_code!r} không có trong danh mục",
            f"Lab test code {test_code!r} is not in the catalogue",
        )
    applies = entry.sex is None or entry.sex == sex
    body = LabResult(
        test_code=test_code,
        test_name=entry.name_vi,
        value=value,
        order_id=order_id,
        loinc=entry.loinc or None,
        unit=entry.unit or None,
        ref_low=entry.ref_low if applies else None,
        ref_high=entry.ref_high if applies else None,
        ref_text=entry.ref_text or None,
        flag=catalogs.flag_value(entry, value, sex),
    )
    return record_event(
        store,
        session,
        patient_id=patient_id,
        body=body,
        encounter_id=encounter_id,
        sign_password=sign_password,
    )


def attach_document(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    title: str,
    media_type: str,
    data: bytes,
    encounter_id: str | None = None,
) -> ClinicalEvent:
    """Keep a document (scan, PDF, ECG) with the chart, inside the encrypted store."""
    body = Attachment(
        title=title, media_type=media_type, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    return record_event(
        store,
        session,
        patient_id=patient_id,
        body=body,
        encounter_id=encounter_id,
        attachment_data=data,
    )


def read_attachment(store: Store, session: Session, event_id: str) -> bytes:
    """The bytes of an attached document (audited as a chart read)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(event_id)
        row = uow.conn.exec_driver_sql(
            "SELECT data FROM attachment_content WHERE event_id = ?", (event_id,)
        ).fetchone()
        if row is None:
            raise NotFound("Không có nội dung tệp đính kèm", "The attachment has no content")
        uow.audit(
            "attachment.read",
            target_kind="attachment",
            target_id=event_id,
            patient_id=event.patient_id,
        )
        uow.commit()
    data: bytes = row[0]
    return data


# ------------------------------------------------------------------ encounters


def start_encounter(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    kind: str,
    reason: str | None = None,
    department_id: str | None = None,
    bed_id: str | None = None,
    started_at: datetime | None = None,
) -> Encounter:
    """Open a visit or stay. An inpatient stay records its admission movement too."""
    session.require(Permission.ENCOUNTER_WRITE)
    now = utc_now()
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Patient, patient_id)
        encounter = Encounter(
            **record_header(store, session),
            patient_id=patient_id,
            kind=kind,
            started_at=started_at or now,
            department_id=department_id,
            bed_id=bed_id,
            attending_id=session.user_id if session.role == Role.DOCTOR else None,
            reason=reason,
        )
        uow.add(encounter)
        if encounter.kind == EncounterKind.INPATIENT:
            _add_movement(
                uow,
                session,
                store,
                encounter,
                Movement(
                    movement=MovementKind.ADMISSION, department_id=department_id, bed_id=bed_id
                ),
            )
        uow.audit(
            "encounter.start",
            target_kind="encounter",
            target_id=encounter.id,
            patient_id=patient_id,
            detail={"kind": encounter.kind},
        )
        uow.commit()
    return encounter


def _add_movement(
    uow: UnitOfWork, session: Session, store: Store, encounter: Encounter, movement: Movement
) -> None:
    # Movements are the stay's administrative history: recorded, not signed.
    uow.add_event(
        _new_event(
            store,
            session,
            patient_id=encounter.patient_id,
            encounter_id=encounter.id,
            body=movement,
        )
    )


def transfer_patient(
    store: Store,
    session: Session,
    encounter_id: str,
    *,
    department_id: str,
    bed_id: str | None = None,
) -> Encounter:
    """Move an inpatient to another department or bed; the movement is kept in the history."""
    session.require(Permission.ENCOUNTER_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        encounter = uow.get(Encounter, encounter_id)
        _require_open(encounter)
        updated = replace(encounter, department_id=department_id, bed_id=bed_id)
        uow.update(updated)
        _add_movement(
            uow,
            session,
            store,
            encounter,
            Movement(movement=MovementKind.TRANSFER, department_id=department_id, bed_id=bed_id),
        )
        uow.audit(
            "encounter.transfer",
            target_kind="encounter",
            target_id=encounter_id,
            patient_id=encounter.patient_id,
        )
        uow.commit()
    return updated


def discharge_patient(
    store: Store,
    session: Session,
    encounter_id: str,
    *,
    treatment_result: str,
    discharge_type: str = "1",
    ended_at: datetime | None = None,
) -> Encounter:
    """Close a visit or stay with its result (QĐ 130 KET_QUA_DTRI / MA_LOAI_RV codes)."""
    session.require(Permission.ENCOUNTER_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        encounter = uow.get(Encounter, encounter_id)
        _require_open(encounter)
        updated = replace(
            encounter,
            status=EncounterStatus.FINISHED,
            ended_at=ended_at or utc_now(),
            treatment_result=treatment_result,
            discharge_type=discharge_type,
            bed_id=None,
        )
        uow.update(updated)
        _add_movement(
            uow,
            session,
            store,
            encounter,
            Movement(
                movement=MovementKind.DISCHARGE,
                treatment_result=treatment_result,
                discharge_type=discharge_type,
            ),
        )
        uow.audit(
            "encounter.discharge",
            target_kind="encounter",
            target_id=encounter_id,
            patient_id=encounter.patient_id,
        )
        uow.commit()
    return updated


def _require_open(encounter: Encounter) -> None:
    if encounter.status != EncounterStatus.IN_PROGRESS:
        raise ConflictError("Lượt khám/điều trị đã kết thúc", "The encounter is already closed")


# ------------------------------------------------------------------ allergies and problems


def add_allergy(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    substance: str,
    reaction: str | None = None,
    severity: str = "moderate",
    drug_code: str | None = None,
) -> Allergy:
    """Record an allergy; it shows in the chart banner and warns on prescribing."""
    session.require(Permission.ALLERGY_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Patient, patient_id)
        allergy = Allergy(
            **record_header(store, session),
            patient_id=patient_id,
            substance=substance,
            reaction=reaction,
            severity=severity,
            drug_code=drug_code,
        )
        uow.add(allergy)
        uow.audit("allergy.add", target_kind="allergy", target_id=allergy.id, patient_id=patient_id)
        uow.commit()
    return allergy


def add_problem(
    store: Store, session: Session, *, patient_id: str, icd10: str, description: str
) -> Problem:
    """Add a chronic condition to the problem list."""
    session.require(Permission.PROBLEM_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Patient, patient_id)
        problem = Problem(
            **record_header(store, session),
            patient_id=patient_id,
            icd10=icd10.strip().upper(),
            description=description,
        )
        uow.add(problem)
        uow.audit("problem.add", target_kind="problem", target_id=problem.id, patient_id=patient_id)
        uow.commit()
    return problem


class StatusReason(StrEnum):
    """Why an allergy or a problem is marked entered in error.

    Coded, not typed: the reason goes to the audit log, which is synced to the server and
    read by administrators, and must hold no patient data.
    """

    WRONG_PATIENT = "wrong_patient"
    DUPLICATE = "duplicate"
    ENTRY_MISTAKE = "entry_mistake"
    #: On review it is not an allergy (an intolerance, a side effect) or not the condition.
    NOT_CONFIRMED = "not_confirmed"


_REASONS = frozenset(reason.value for reason in StatusReason)
_IN_ERROR = "entered_in_error"
_Listed = TypeVar("_Listed", Allergy, Problem)


def _set_status(
    store: Store,
    session: Session,
    cls: type[_Listed],
    record_id: str,
    status: str,
    reason: str | None,
    allowed: tuple[str, ...],
) -> _Listed:
    if status not in allowed:
        listed = ", ".join(allowed)
        raise ValidationError(
            "status",
            "choice",
            f"Trạng thái {status!r} không hợp lệ; chọn một trong: {listed}",
            f"Invalid status {status!r}; choose one of: {listed}",
        )
    if status == _IN_ERROR and not reason:
        raise ValidationError(
            "reason",
            "required",
            "Cần nêu lý do ghi nhầm",
            "Give the reason it was entered in error",
        )
    if reason and reason not in _REASONS:
        listed = ", ".join(StatusReason)
        raise ValidationError(
            "reason",
            "choice",
            f"Lý do {reason!r} không hợp lệ; chọn một trong: {listed}",
            f"Invalid reason {reason!r}; choose one of: {listed}",
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        record = uow.get(cls, record_id)
        if record.deleted_at is not None or record.status == _IN_ERROR:
            raise ConflictError(
                "Mục này đã được đánh dấu ghi nhầm", "This entry is already marked entered in error"
            )
        if record.status == status:
            raise ConflictError(
                "Mục này đã ở trạng thái đó", f"This entry is already {status.replace('_', ' ')}"
            )
        updated = replace(record, status=status)
        uow.update(updated)
        uow.audit(
            f"{cls.KIND}.status",
            target_kind=cls.KIND,
            target_id=record.id,
            patient_id=record.patient_id,
            detail={"from": record.status, "to": status, "reason": reason or None},
        )
        uow.commit()
    return updated


def set_allergy_status(
    store: Store, session: Session, *, allergy_id: str, status: str, reason: str | None = None
) -> Allergy:
    """Mark an allergy inactive (no longer relevant) or entered in error (`reason`: a
    `StatusReason`, required). It leaves the banner and no longer warns on prescribing;
    the record is kept."""
    session.require(Permission.ALLERGY_WRITE)
    allowed = (AllergyStatus.INACTIVE.value, AllergyStatus.ENTERED_IN_ERROR.value)
    return _set_status(store, session, Allergy, allergy_id, status, reason, allowed)


def set_problem_status(
    store: Store, session: Session, *, problem_id: str, status: str, reason: str | None = None
) -> Problem:
    """Mark a problem of the list resolved, or entered in error (`reason`: a `StatusReason`,
    required). The record is kept."""
    session.require(Permission.PROBLEM_WRITE)
    allowed = (ProblemStatus.RESOLVED.value, ProblemStatus.ENTERED_IN_ERROR.value)
    return _set_status(store, session, Problem, problem_id, status, reason, allowed)
