"""Opening a chart: everything about one patient, fast (DESIGN §7: ≤ 150 ms to data).

Events and encounters come back as light rows: a ten-year chart has 10,000 events, and
rebuilding each as a validated record — or even parsing every body's JSON — would cost more
than the whole budget. An event's body is parsed when first read (the GUI reads only the rows
it shows); `full_event()` rebuilds one as a validated record (to sign, amend or print it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    Allergy,
    ClinicalEvent,
    Patient,
    PatientLink,
    Problem,
)
from emr_desktop.services.auth import Session
from emr_desktop.services.patients import resolve_patient_id
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


def _linked_ids(uow: UnitOfWork, survivor: str) -> list[str]:
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
        ids = _linked_ids(uow, survivor)
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
