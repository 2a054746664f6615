"""Opening a chart: everything about one patient, fast (DESIGN §7: ≤ 150 ms to data).

Events and encounters come back as light rows: a ten-year chart has 10,000 events, and
rebuilding each as a validated record — or even parsing every body's JSON — would cost more
than the whole budget. An event's body is parsed when first read (the GUI reads only the rows
it shows); `full_event()` rebuilds one as a validated record (to sign, amend or print it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from emr_desktop.core.errors import NotFound, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    Allergy,
    Attachment,
    Bed,
    ClinicalEvent,
    Department,
    EncounterStatus,
    Patient,
    PatientLink,
    Problem,
)
from emr_desktop.services.auth import Session
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.services.wards import bed_sort_key
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.schema import TABLES_BY_KIND
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork


class ChartEvent(NamedTuple):
    """One event of the timeline, as stored (a tuple: ten thousand of them are cheap)."""

    id: str
    patient_id: str
    encounter_id: str | None
    kind: str
    #: ISO 8601 UTC, as stored: sorts as time does; `effective_time` parses it.
    effective_at: str
    status: str
    created_by: str
    signed_by: str | None
    corrects: str | None
    correction: str | None
    body_json: str

    @property
    def body(self) -> dict[str, Any]:
        """The event's content as plain data (parsed on each call: keep it if reused)."""
        value: dict[str, Any] = json.loads(self.body_json)
        return value

    @property
    def effective_time(self) -> datetime:
        """When the event happened, as a UTC datetime."""
        return datetime.fromisoformat(self.effective_at)


class ChartEncounter(NamedTuple):
    """One visit or stay of the chart, as stored."""

    id: str
    patient_id: str
    kind: str
    status: str
    started_at: str
    ended_at: str | None
    department_id: str | None
    reason: str | None


@dataclass(frozen=True)
class Chart:
    patient: Patient
    #: Charts merged into this one: their events are shown here too.
    merged_ids: tuple[str, ...]
    allergies: tuple[Allergy, ...]
    problems: tuple[Problem, ...]
    encounters: tuple[ChartEncounter, ...]
    #: Oldest first.
    events: tuple[ChartEvent, ...]

    def current_events(self) -> list[ChartEvent]:
        """The timeline as a clinician reads it: amended versions replaced by their latest
        amendment, entries marked in error left out."""
        superseded: set[str] = set()
        for event in self.events:
            if event.corrects is not None:
                superseded.add(event.corrects)
                if event.correction == "entered_in_error":
                    superseded.add(event.id)
        return [e for e in self.events if e.id not in superseded]


def linked_ids(uow: UnitOfWork, survivor: str) -> list[str]:
    """The survivor and every chart merged into it, transitively."""
    found = [survivor]
    frontier = [survivor]
    while frontier:
        current = frontier.pop()
        for link in uow.find(PatientLink, replaced_by=current):
            if link.status == "active" and link.replaced_id not in found:
                found.append(link.replaced_id)
                frontier.append(link.replaced_id)
    return found


def _records(uow: UnitOfWork, cls: type[Any], patient_ids: list[str]) -> tuple[Any, ...]:
    table = TABLES_BY_KIND[cls.KIND]
    stmt = table.select().where(table.c.patient_id.in_(patient_ids)).order_by(table.c.pk)
    return tuple(row_to_record(cls, row) for row in uow.conn.execute(stmt))


def open_chart(store: Store, session: Session, patient_id: str) -> Chart:
    """The whole chart of a patient (following merges), audited as a chart read."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, patient_id)
        patient = uow.get(Patient, survivor)
        ids = linked_ids(uow, survivor)
        marks = ",".join("?" * len(ids))
        # The DB-API cursor directly: SQLAlchemy's row objects cost a tenth of the budget.
        cursor = uow.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(
            "SELECT id, patient_id, encounter_id, kind, effective_at, status, created_by, "  # noqa: S608
            f"signed_by, corrects, correction, body FROM clinical_event "
            f"WHERE patient_id IN ({marks}) ORDER BY effective_at, pk",
            tuple(ids),
        )
        events = tuple(map(ChartEvent._make, cursor.fetchall()))
        cursor.execute(
            "SELECT id, patient_id, kind, status, started_at, ended_at, department_id, "  # noqa: S608
            f"reason FROM encounter WHERE patient_id IN ({marks}) AND deleted_at IS NULL "
            "ORDER BY started_at, pk",
            tuple(ids),
        )
        encounters = tuple(map(ChartEncounter._make, cursor.fetchall()))
        cursor.close()
        chart = Chart(
            patient=patient,
            merged_ids=tuple(ids[1:]),
            allergies=_records(uow, Allergy, ids),
            problems=_records(uow, Problem, ids),
            encounters=encounters,
            events=events,
        )
        uow.audit(
            "chart.read",
            target_kind="patient",
            target_id=survivor,
            patient_id=survivor,
            detail={"events": len(events)},
        )
        uow.commit()
    return chart


def full_event(store: Store, session: Session, event_id: str) -> ClinicalEvent:
    """One event rebuilt as a validated record."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(event_id)
        uow.audit(
            "event.read", target_kind=event.kind, target_id=event.id, patient_id=event.patient_id
        )
        uow.commit()
    return event


@dataclass(frozen=True)
class FacilityDirectory:
    """Who is who and what is where in the facility: the names a chart shows beside ids."""

    #: User id → full name (authors and signers of events).
    staff: dict[str, str]
    #: Departments in use, by code.
    departments: tuple[Department, ...]
    #: Beds in use, by department then code.
    beds: tuple[Bed, ...]
    #: Bed id → id of the open encounter lying in it.
    occupied_beds: dict[str, str] = field(default_factory=dict)

    def staff_name(self, user_id: str | None) -> str:
        """The full name of a member of staff ("" if unknown)."""
        return self.staff.get(user_id or "", "")

    def department(self, department_id: str | None) -> Department | None:
        """A department by id, if it exists."""
        return next((d for d in self.departments if d.id == department_id), None)

    def department_name(self, department_id: str | None) -> str:
        """The name of a department ("" if none or unknown)."""
        department = self.department(department_id)
        return department.name if department is not None else ""

    def beds_of(self, department_id: str | None) -> list[Bed]:
        """The beds of one department."""
        return [b for b in self.beds if b.department_id == department_id]

    def bed_code(self, bed_id: str | None) -> str:
        """The code written on a bed ("" if none or unknown)."""
        return next((b.code for b in self.beds if b.id == bed_id), "")

    def bed_of_encounter(self, encounter_id: str) -> str | None:
        """The bed an open encounter lies in, if any."""
        return next((bed for bed, enc in self.occupied_beds.items() if enc == encounter_id), None)


def facility_directory(store: Store, session: Session) -> FacilityDirectory:
    """Staff names, departments, beds and which beds are taken (no patient data)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        conn = uow.conn
        users = conn.exec_driver_sql("SELECT id, full_name FROM app_user").fetchall()
        staff: dict[str, str] = dict(users)
        departments = sorted(
            (d for d in uow.find(Department) if d.deleted_at is None), key=lambda d: d.code
        )
        order = {d.id: i for i, d in enumerate(departments)}
        beds = sorted(
            (b for b in uow.find(Bed) if b.deleted_at is None and b.department_id in order),
            key=lambda b: (order[b.department_id], bed_sort_key(b.code)),
        )
        occupied: dict[str, str] = dict(
            conn.exec_driver_sql(
                "SELECT bed_id, id FROM encounter WHERE status = ? AND bed_id IS NOT NULL "
                "AND deleted_at IS NULL",
                (EncounterStatus.IN_PROGRESS.value,),
            ).fetchall()
        )
    return FacilityDirectory(
        staff=staff, departments=tuple(departments), beds=tuple(beds), occupied_beds=occupied
    )


def export_attachment(store: Store, session: Session, event_id: str, destination: Path) -> int:
    """Save a copy of an attached document to a file the user chose; returns its size.

    The copy leaves the encrypted store, so it needs the export permission and is audited
    as an export (the destination is not recorded: a file name may hold the patient's name).
    """
    session.require(Permission.CHART_READ)
    session.require(Permission.EXPORT)
    with store.unit_of_work(user_id=session.user_id) as uow:
        event = uow.get_event(event_id)
        if not isinstance(event.body, Attachment):
            raise ValidationError(
                "event_id",
                "attachment",
                "Bản ghi này không phải tệp đính kèm",
                "This record is not an attachment",
            )
        row = uow.conn.exec_driver_sql(
            "SELECT data FROM attachment_content WHERE event_id = ?", (event_id,)
        ).fetchone()
        if row is None:
            raise NotFound("Không có nội dung tệp đính kèm", "The attachment has no content")
        data: bytes = row[0]
        try:
            destination.write_bytes(data)
        except OSError as exc:
            raise ValidationError(
                "destination",
                "writable",
                f"Không ghi được tệp: {exc.strerror or exc}",
                f"Cannot write the file: {exc.strerror or exc}",
            ) from None
        uow.audit(
            "attachment.export",
            target_kind="attachment",
            target_id=event_id,
            patient_id=event.patient_id,
            detail={"bytes": len(data)},
        )
        uow.commit()
    return len(data)
