"""Printed documents: what they are drawn from, what can be printed, and the audit of it.

The services gather a `core.documents.ChartExtract` (and audit the read as
`document.prepare`); `emr_desktop.printing` draws it. Printing itself goes through the OS
print dialog and never writes a plaintext PDF: the GUI calls `record_print` afterwards.
Saving a PDF is an explicit export (`export_pdf`): it needs the export permission, is
written atomically, and is audited without the file's name (it may hold a patient's name).

The facility's letterhead (governing body, address, phone, logo) is a field of the
`Facility` record, edited by an administrator (`update_letterhead`) and synced like any
other mutable record.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from emr_desktop.core.catalog import CatalogKind
from emr_desktop.core.documents import ChartExtract, DocumentKind, Letterhead
from emr_desktop.core.errors import ValidationError, parse_choice
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import (
    Allergy,
    ClinicalEvent,
    Correction,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    Facility,
    ImagingReport,
    ImagingStudy,
    Order,
    Patient,
    Problem,
    Role,
)
from emr_desktop.core.timeutil import to_local, utc_now
from emr_desktop.services import catalogs
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import linked_ids
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store.rows import row_to_event, row_to_record
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

#: The most copies one print job may ask for.
MAX_COPIES = 20

#: Documents printed from one clinical event (`target_id` is the event's id), by its kind.
EVENT_DOCUMENTS: dict[DocumentKind, str] = {
    DocumentKind.PRESCRIPTION: "prescription",
    DocumentKind.IMAGING_REPORT: "imaging_report",
}
#: Documents printed from one encounter (`target_id` is the encounter's id).
ENCOUNTER_DOCUMENTS = frozenset(
    {
        DocumentKind.DISCHARGE,
        DocumentKind.LAB_REPORT,
        DocumentKind.VISIT_SUMMARY,
        DocumentKind.REFERRAL,
        DocumentKind.MAR,
    }
)
#: Encounter documents that only an inpatient stay has.
_INPATIENT_DOCUMENTS = frozenset({DocumentKind.DISCHARGE, DocumentKind.MAR})

#: The title printed under a member of staff's signature, by role.
_TITLES = {Role.DOCTOR: "BS.", Role.NURSE: "ĐD.", Role.PHARMACIST: "DS."}

#: The columns `row_to_event` reads, as the store's schema names them (not the row's `pk`
#: and per-field stamps).
_EVENT_COLUMNS = tuple(c.name for c in clinical_event.columns if c.name not in ("pk", "field_hlc"))
_EVENT_SELECT = f"SELECT {', '.join(_EVENT_COLUMNS)} FROM clinical_event"  # noqa: S608


@dataclass(frozen=True)
class DocumentTarget:
    """One document the chart can print, for the chart's "Print" menu."""

    kind: DocumentKind
    #: The event or encounter it is printed from (None for the whole chart).
    target_id: str | None
    #: When it happened (UTC): the menu lists the newest first.
    when: datetime
    #: Short Vietnamese description ("Đơn thuốc 21/11/2026 09:15 (3 thuốc)").
    label: str


# ------------------------------------------------------------------ letterhead


def _letterhead(facility: Facility) -> Letterhead:
    return Letterhead(
        facility_code=facility.code,
        facility_name=facility.name,
        parent_name=facility.parent_name,
        address=facility.address,
        phone=facility.phone,
        logo=facility.logo_image(),
    )


def letterhead(store: Store, session: Session) -> Letterhead:
    """The letterhead of the logged-in user's facility (no patient data, not audited).

    Everyone who reads charts may read it (`PATIENT_READ`), and so may the administrator who
    edits it (`USER_MANAGE`: an administrator reads no patient data).
    """
    if not allows(session.role, Permission.USER_MANAGE):
        session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        return _letterhead(uow.get(Facility, session.facility_id))


def update_letterhead(
    store: Store,
    session: Session,
    *,
    parent_name: str | None,
    address: str | None,
    phone: str | None,
    logo: bytes | None,
) -> Letterhead:
    """Set the facility's letterhead (administrator). Every field is set as given: an empty
    text clears it, `logo=None` removes the logo. Synced to the facility's other PCs.

    The logo must be a PNG or JPEG image of at most 256 KiB (ValidationError on "logo");
    the phone a Vietnamese number (ValidationError on "phone").
    """
    session.require(Permission.USER_MANAGE)
    encoded = None
    if logo is not None:
        encoded = base64.b64encode(Facility.check_logo(logo)).decode("ascii")
    with store.unit_of_work(user_id=session.user_id) as uow:
        current = uow.get(Facility, session.facility_id)
        updated = replace(
            current,
            parent_name=parent_name or None,
            address=address or None,
            phone=phone or None,
            logo=encoded,
        )
        changed = uow.update(updated)
        uow.audit(
            "facility.letterhead",
            target_kind="facility",
            target_id=current.id,
            detail={"fields": changed},
        )
        uow.commit()
    return _letterhead(updated)


# ------------------------------------------------------------------ chart extract


def _kind(kind: DocumentKind | str) -> DocumentKind:
    return parse_choice(DocumentKind, kind, "kind", "loại giấy tờ", "document kind")


def _audit_document(
    uow: UnitOfWork,
    action: str,
    kind: DocumentKind,
    target_id: str | None,
    patient_id: str,
    **counts: int,
) -> None:
    """Audit one document's `action` (ids and counts only: nothing of the patient)."""
    uow.audit(
        action,
        target_kind=kind.value,
        target_id=target_id,
        patient_id=patient_id,
        detail={"kind": kind.value, **counts},
    )


def _target_error(rule: str, vi: str, en: str) -> ValidationError:
    return ValidationError("target_id", rule, vi, en)


def _cursor(uow: UnitOfWork) -> Any:
    # The DB-API cursor directly: SQLAlchemy's row objects would cost more than the rest
    # of a 10,000-event extract.
    return uow.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


def _events(uow: UnitOfWork, where: str, params: Sequence[Any]) -> list[ClinicalEvent]:
    """Full, validated events (oldest first) of the rows matching `where`."""
    cursor = _cursor(uow)
    try:
        cursor.execute(f"{_EVENT_SELECT} WHERE {where} ORDER BY effective_at, pk", tuple(params))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [row_to_event(dict(zip(_EVENT_COLUMNS, row, strict=True))) for row in rows]


def _encounters(uow: UnitOfWork, where: str, params: Sequence[Any]) -> list[Encounter]:
    cursor = _cursor(uow)
    try:
        cursor.execute(
            f"SELECT * FROM encounter WHERE deleted_at IS NULL AND {where} "  # noqa: S608
            "ORDER BY started_at, pk",
            tuple(params),
        )
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [row_to_record(Encounter, dict(zip(names, row, strict=True))) for row in rows]


def _patient_records(uow: UnitOfWork, cls: type[Any], patient_ids: list[str]) -> tuple[Any, ...]:
    table = TABLES_BY_KIND[cls.KIND]
    stmt = (
        table.select()
        .where(table.c.patient_id.in_(patient_ids), table.c.deleted_at.is_(None))
        .order_by(table.c.pk)
    )
    return tuple(row_to_record(cls, row) for row in uow.conn.execute(stmt))


_Found = TypeVar("_Found", ClinicalEvent, Encounter)


def _of_chart(found: list[_Found], ids: list[str], what_vi: str, what_en: str) -> _Found:
    """The target found, if it belongs to the chart (`ids`: the merged patients' ids)."""
    if not found or found[0].patient_id not in ids:
        raise _target_error(
            "unknown",
            f"Không có {what_vi} này trong hồ sơ bệnh nhân",
            f"No such {what_en} in the patient's chart",
        )
    return found[0]


def _event_target(
    uow: UnitOfWork, kind: DocumentKind, target_id: str, ids: list[str]
) -> tuple[list[Encounter], list[ClinicalEvent]]:
    """The event a document is printed from, with its encounter and the encounter's events
    (and, for an imaging report, the order it answers)."""
    event = _of_chart(_events(uow, "id = ?", (target_id,)), ids, "bản ghi", "record")
    if event.kind != EVENT_DOCUMENTS[kind] or event.correction == Correction.ENTERED_IN_ERROR:
        raise _target_error(
            "kind",
            f"Bản ghi này không in được thành {kind.title_vi.lower()}",
            f"This record cannot be printed as a {kind.value.replace('_', ' ')} document",
        )
    corrections: dict[str, str] = dict(
        uow.conn.exec_driver_sql(
            "SELECT correction, id FROM clinical_event WHERE corrects = ?", (event.id,)
        ).fetchall()
    )
    if Correction.ENTERED_IN_ERROR.value in corrections:
        raise _target_error(
            "entered_in_error",
            "Bản ghi này đã bị đánh dấu nhập nhầm; không in",
            "This record was marked entered in error; it is not printed",
        )
    if Correction.AMENDS.value in corrections:
        raise _target_error(
            "superseded",
            "Bản ghi này đã được đính chính; hãy in bản đính chính",
            "This record was amended; print the amended version",
        )
    encounters: list[Encounter] = []
    events = [event]
    if event.encounter_id is not None:
        # The encounter's diagnoses and weight are printed on the document too.
        encounters = _encounters(uow, "id = ?", (event.encounter_id,))
        events = _events(uow, "encounter_id = ?", (event.encounter_id,))
    order_id = event.body.order_id if isinstance(event.body, ImagingReport) else None
    if order_id is not None and order_id not in {e.id for e in events}:
        # The order it answers (what was asked for, and why), if outside the encounter.
        order = [
            e
            for e in _events(uow, "id = ?", (order_id,))
            if e.patient_id in ids and isinstance(e.body, Order)
        ]
        events = sorted(order + events, key=lambda e: e.effective_at)
    return encounters, events


def _encounter_target(
    uow: UnitOfWork, kind: DocumentKind, target_id: str, ids: list[str]
) -> tuple[list[Encounter], list[ClinicalEvent]]:
    """The encounter a document is printed from, with every event of it."""
    encounter = _of_chart(_encounters(uow, "id = ?", (target_id,)), ids, "lượt khám", "encounter")
    if kind in _INPATIENT_DOCUMENTS and encounter.kind != EncounterKind.INPATIENT:
        raise _target_error(
            "inpatient",
            f"{kind.title_vi} chỉ in cho đợt điều trị nội trú",
            f"The {kind.value.replace('_', ' ')} is printed for inpatient stays only",
        )
    if kind == DocumentKind.DISCHARGE and encounter.status != EncounterStatus.FINISHED:
        raise _target_error(
            "finished",
            "Bệnh nhân chưa được cho ra viện",
            "The patient has not been discharged yet",
        )
    return [encounter], _events(uow, "encounter_id = ?", (target_id,))


def chart_extract(
    store: Store,
    session: Session,
    patient_id: str,
    kind: DocumentKind,
    target_id: str | None = None,
) -> ChartExtract:
    """What one document is drawn from, audited as `document.prepare`.

    Merged charts are followed. The scope depends on the document: the whole chart for
    `CHART_EXPORT` (no target); for `PRESCRIPTION` and `IMAGING_REPORT` (target: the event)
    the event with its encounter and the encounter's events (diagnoses, weight), and for an
    imaging report the order it answers; for the others (target: the encounter) one
    encounter and all its events (`DISCHARGE` and `MAR` only for inpatient stays,
    `DISCHARGE` only once discharged). Allergies and problems are always included; the
    chart's imaging studies only in `CHART_EXPORT`. Events include corrections and entries
    marked in error (`ChartExtract.current_events()` leaves them out). A target of the wrong
    kind, of another patient, unknown, amended or marked in error raises ValidationError on
    "target_id".
    """
    session.require(Permission.PRINT)
    session.require(Permission.CHART_READ)
    kind = _kind(kind)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        patient = uow.get(Patient, survivor)
        ids = linked_ids(uow, survivor)
        if kind == DocumentKind.CHART_EXPORT:
            if target_id is not None:
                raise _target_error(
                    "none",
                    "Bản trích xuất hồ sơ là toàn bộ hồ sơ, không chọn bản ghi",
                    "The chart export is the whole chart: it takes no target",
                )
            marks = _marks(ids)
            encounters = _encounters(uow, f"patient_id IN ({marks})", ids)
            events = _events(uow, f"patient_id IN ({marks})", ids)
        elif not target_id:
            raise _target_error(
                "required",
                f"Chọn bản ghi để in {kind.title_vi.lower()}",
                f"Choose the record to print the {kind.value.replace('_', ' ')} from",
            )
        elif kind in EVENT_DOCUMENTS:
            encounters, events = _event_target(uow, kind, target_id, ids)
        else:
            encounters, events = _encounter_target(uow, kind, target_id, ids)
        conn = uow.conn
        users = conn.exec_driver_sql("SELECT id, full_name, role FROM app_user").fetchall()
        extract = ChartExtract(
            letterhead=_letterhead(uow.get(Facility, session.facility_id)),
            patient=patient,
            allergies=_patient_records(uow, Allergy, ids),
            problems=_patient_records(uow, Problem, ids),
            encounters=tuple(encounters),
            events=tuple(events),
            staff={user_id: name for user_id, name, _ in users},
            departments=dict(conn.exec_driver_sql("SELECT id, name FROM department").fetchall()),
            beds=dict(conn.exec_driver_sql("SELECT id, code FROM bed").fetchall()),
            printed_by=session.full_name,
            printed_at=utc_now(),
            staff_titles={
                user_id: _TITLES[Role(role)] for user_id, _, role in users if role in _TITLES
            },
            imaging_studies=(
                _patient_records(uow, ImagingStudy, ids)
                if kind == DocumentKind.CHART_EXPORT
                else ()
            ),
        )
        _audit_document(uow, "document.prepare", kind, target_id, survivor, events=len(events))
        uow.commit()
    return extract


# ------------------------------------------------------------------ what can be printed


@dataclass(frozen=True)
class _TargetRow:
    id: str
    encounter_id: str | None
    kind: str
    effective_at: str
    status: str
    corrects: str | None
    correction: str | None
    #: Prescriptions: the number of drugs; imaging reports: the service code.
    detail: Any


def _current(rows: Iterable[_TargetRow]) -> list[_TargetRow]:
    rows = list(rows)
    superseded: set[str] = set()
    for row in rows:
        if row.corrects is not None:
            superseded.add(row.corrects)
            if row.correction == Correction.ENTERED_IN_ERROR:
                superseded.add(row.id)
    return [r for r in rows if r.id not in superseded]


def _day(moment: datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y")


def _minute(moment: datetime) -> str:
    return to_local(moment).strftime("%d/%m/%Y %H:%M")


def _span(started: datetime, ended: datetime | None) -> str:
    """ "02/11–09/11/2026", "28/12/2025–03/01/2026", "từ 02/11/2026", "02/11/2026"."""
    if ended is None:
        return f"từ {_day(started)}"
    first, last = to_local(started), to_local(ended)
    if first.date() == last.date():
        return _day(started)
    if first.year == last.year:
        return f"{first:%d/%m}–{last:%d/%m/%Y}"
    return f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"


_ENCOUNTER_NAMES = {
    EncounterKind.OUTPATIENT: "Lần khám ngoại trú",
    EncounterKind.EMERGENCY: "Lần cấp cứu",
    EncounterKind.INPATIENT: "Đợt nội trú",
}


def _encounter_label(encounter: Encounter, departments: dict[str, str]) -> str:
    if encounter.kind == EncounterKind.INPATIENT:
        when = _span(encounter.started_at, encounter.ended_at)
    else:
        when = _day(encounter.started_at)
    label = f"{_ENCOUNTER_NAMES[EncounterKind(encounter.kind)]} {when}"
    department = departments.get(encounter.department_id or "")
    return f"{label} — {department}" if department else label


def _draft(row: _TargetRow) -> str:
    return " — bản nháp" if row.status == EventStatus.DRAFT else ""


def targets(store: Store, session: Session, patient_id: str) -> list[DocumentTarget]:
    """What can be printed from a chart (merged charts followed), newest first.

    Current prescriptions (signed or draft) and imaging reports; for each encounter that is
    not cancelled: a visit summary and a referral, a lab report when it has lab results,
    a MAR for an inpatient stay with medication orders, a discharge paper once an inpatient
    stay is finished; and one export of the whole chart. Only the labels' few facts are
    read (no event is rebuilt). Audited as `document.list`.
    """
    session.require(Permission.PRINT)
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        patient = uow.get(Patient, survivor)
        ids = linked_ids(uow, survivor)
        marks = _marks(ids)
        cursor = _cursor(uow)
        try:
            cursor.execute(
                "SELECT id, encounter_id, kind, effective_at, status, corrects, correction, "  # noqa: S608
                "CASE kind WHEN 'prescription' THEN json_array_length(body, '$.items') "
                "WHEN 'imaging_report' THEN json_extract(body, '$.service_code') END "
                f"FROM clinical_event WHERE patient_id IN ({marks}) AND kind IN "
                "('prescription', 'imaging_report', 'lab_result', 'medication_order') "
                "ORDER BY effective_at, pk",
                tuple(ids),
            )
            rows = _current(_TargetRow(*row) for row in cursor.fetchall())
        finally:
            cursor.close()
        encounters = [
            e
            for e in _encounters(uow, f"patient_id IN ({marks})", ids)
            if e.status != EncounterStatus.CANCELLED
        ]
        departments: dict[str, str] = dict(
            uow.conn.exec_driver_sql("SELECT id, name FROM department").fetchall()
        )
        services: dict[str, str] = {}
        if any(r.kind == ImagingReport.KIND for r in rows):
            services = {e.code: e.name_vi for e in catalogs.entries(uow, CatalogKind.IMAGING)}
        found: list[DocumentTarget] = []
        for row in rows:
            when = datetime.fromisoformat(row.effective_at)
            if row.kind == "prescription":
                label = f"Đơn thuốc {_minute(when)} ({row.detail} thuốc){_draft(row)}"
                found.append(DocumentTarget(DocumentKind.PRESCRIPTION, row.id, when, label))
            elif row.kind == ImagingReport.KIND:
                name = services.get(str(row.detail), str(row.detail))
                label = f"{name} {_minute(when)}{_draft(row)}"
                found.append(DocumentTarget(DocumentKind.IMAGING_REPORT, row.id, when, label))
        with_results = {r.encounter_id for r in rows if r.kind == "lab_result"}
        with_orders = {r.encounter_id for r in rows if r.kind == "medication_order"}
        for encounter in encounters:
            label = _encounter_label(encounter, departments)
            kinds = [DocumentKind.VISIT_SUMMARY]
            if encounter.id in with_results:
                kinds.append(DocumentKind.LAB_REPORT)
            if encounter.kind == EncounterKind.INPATIENT:
                if encounter.id in with_orders:
                    kinds.append(DocumentKind.MAR)
                if encounter.status == EncounterStatus.FINISHED:
                    kinds.append(DocumentKind.DISCHARGE)
            kinds.append(DocumentKind.REFERRAL)
            found += [DocumentTarget(k, encounter.id, encounter.started_at, label) for k in kinds]
        # The whole chart is as new as its newest record: it comes first.
        latest = max([patient.created_at, *(t.when for t in found)])
        found.insert(
            0, DocumentTarget(DocumentKind.CHART_EXPORT, None, latest, "Toàn bộ hồ sơ bệnh án")
        )
        # Newest first; a stable sort keeps one encounter's documents in the order above.
        found.sort(key=lambda t: t.when, reverse=True)
        uow.audit(
            "document.list",
            target_kind="patient",
            target_id=survivor,
            patient_id=survivor,
            detail={"targets": len(found)},
        )
        uow.commit()
    return found


# ------------------------------------------------------------------ print and export


def record_print(
    store: Store,
    session: Session,
    kind: DocumentKind,
    patient_id: str,
    target_id: str | None,
    *,
    pages: int,
    copies: int,
) -> None:
    """Audit a document sent to a printer (`document.print`): the GUI calls this once the
    OS print dialog accepted the job."""
    session.require(Permission.PRINT)
    kind = _kind(kind)
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError(
            "copies",
            "range",
            f"Số bản in phải từ 1 đến {MAX_COPIES}",
            f"Copies must be between 1 and {MAX_COPIES}",
        )
    if pages < 1:
        raise ValidationError(
            "pages", "range", "Số trang phải từ 1 trở lên", "Pages must be at least 1"
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        _audit_document(
            uow, "document.print", kind, target_id, survivor, pages=pages, copies=copies
        )
        uow.commit()


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def _unwritable(exc: OSError) -> ValidationError:
    reason = exc.strerror or type(exc).__name__
    return ValidationError(
        "destination",
        "writable",
        f"Không ghi được tệp: {reason}",
        f"Cannot write the file: {reason}",
    )


def _write_atomically(destination: Path, data: bytes) -> None:
    """Write `data` to `destination` whole or not at all: a temporary file beside it (whose
    name holds nothing of the patient), then a rename over the destination."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=destination.parent, prefix=".emr-export-", suffix=".part"
        )
    except OSError as exc:
        raise _unwritable(exc) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, destination)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _unwritable(exc) from None


def export_pdf(
    store: Store,
    session: Session,
    kind: DocumentKind,
    patient_id: str,
    target_id: str | None,
    pdf: bytes,
    destination: Path,
) -> int:
    """Save a rendered document as a PDF file the user chose; returns the bytes written.

    The file leaves the encrypted store in plain text, so it needs the export permission
    and is audited as `document.export` (without the destination: a file name may hold the
    patient's name). It is written whole or not at all; a destination that cannot be
    written raises ValidationError on "destination".
    """
    session.require(Permission.PRINT)
    session.require(Permission.EXPORT)
    kind = _kind(kind)
    if not _is_pdf(pdf):
        raise ValidationError(
            "pdf", "format", "Dữ liệu không phải tệp PDF", "The data is not a PDF document"
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        _audit_document(uow, "document.export", kind, target_id, survivor, bytes=len(pdf))
        _write_atomically(destination, pdf)
        try:
            uow.commit()
        except BaseException:
            # No export without its audit row.
            with contextlib.suppress(OSError):
                destination.unlink()
            raise
    return len(pdf)


def export_file(
    store: Store,
    session: Session,
    kind: DocumentKind,
    patient_id: str,
    data: bytes,
    destination: Path | None,
    *,
    file_format: str,
) -> int:
    """Export a chart in an exchange format (`file_format`, e.g. "fhir+json"); returns the
    bytes exported.

    Like `export_pdf`, it needs the export permission and is audited as `document.export`
    (kind, format and size; never the destination). With a destination the file is written
    whole or not at all; with None the caller hands the data on itself (a terminal's
    standard output), and the export is audited all the same.
    """
    session.require(Permission.EXPORT)
    kind = _kind(kind)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        uow.audit(
            "document.export",
            target_kind=kind.value,
            target_id=None,
            patient_id=survivor,
            detail={"kind": kind.value, "format": file_format, "bytes": len(data)},
        )
        if destination is not None:
            _write_atomically(destination, data)
        try:
            uow.commit()
        except BaseException:
            # No export without its audit row.
            if destination is not None:
                with contextlib.suppress(OSError):
                    destination.unlink()
            raise
    return len(data)
