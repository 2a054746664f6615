"""What the sync review screen reads (DESIGN §4): conflicts as a clerk reads them, likely
duplicate charts waiting for a decision, and recent merges that may need undoing.

Settling a conflict and merging or unmerging charts are `conflicts.resolve_conflict` and
`duplicates.merge_patients` / `unmerge_patients`; this module only finds what to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emr_desktop.core.errors import NotFound, ValidationError
from emr_desktop.core.hlc import Hlc
from emr_desktop.core.matching import MatchScore, score
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    Allergy,
    Bed,
    Department,
    Device,
    Encounter,
    LinkStatus,
    MedicationAdministration,
    Patient,
    PatientLink,
    Problem,
    User,
)
from emr_desktop.services.auth import Session
from emr_desktop.services.conflicts import Conflict, list_conflicts
from emr_desktop.store import search
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

#: How many of the newest registrations the duplicate queue compares with the rest: new
#: duplicates come from new registrations, and each costs one name search.
RECENT_REGISTRATIONS = 200
#: Charts a name search brings back for comparison with one registration.
_NAME_MATCHES = 20

#: Kinds of record that belong to a patient's chart: a conflict on one names the patient.
_CHART_RECORDS: dict[str, type[Encounter] | type[Allergy] | type[Problem]] = {
    Encounter.KIND: Encounter,
    Allergy.KIND: Allergy,
    Problem.KIND: Problem,
}


@dataclass(frozen=True)
class Write:
    """One side of a conflict: when it was written and on which PC."""

    at: datetime | None
    device_id: str
    device_name: str | None


@dataclass(frozen=True)
class ConflictView:
    """A conflict with what a clerk needs to decide: whose record, and who wrote what when."""

    conflict: Conflict
    #: The patient the record belongs to (None: not a chart record, e.g. a department).
    patient: Patient | None
    #: The record's own name when it is not a patient's (a user, department or bed).
    record_name: str | None
    winner: Write
    loser: Write
    #: Readable names of values that are record ids (a department, a bed, a doctor).
    names: dict[str, str]


#: Fields whose values are ids of other records, and the kind of record they point at.
_REFERENCES: dict[str, type[Department] | type[Bed] | type[User]] = {
    "department_id": Department,
    "bed_id": Bed,
    "attending_id": User,
}


def _reference_names(uow: UnitOfWork, conflict: Conflict) -> dict[str, str]:
    cls = _REFERENCES.get(conflict.field)
    names: dict[str, str] = {}
    if cls is None:
        return names
    for value in (conflict.winner_value, conflict.loser_value):
        if isinstance(value, str):
            found: list[Any] = uow.find(cls, id=value)
            if found:
                record = found[0]
                names[value] = (
                    record.full_name
                    if isinstance(record, User)
                    else (record.code if isinstance(record, Bed) else record.name)
                )
    return names


def _write(stamp: str, devices: dict[str, str]) -> Write:
    try:
        hlc = Hlc.decode(stamp)
    except ValidationError:
        return Write(None, "", None)
    return Write(
        datetime.fromtimestamp(hlc.wall_ms / 1000, tz=UTC), hlc.node, devices.get(hlc.node)
    )


def _owner(uow: UnitOfWork, conflict: Conflict) -> tuple[Patient | None, str | None]:
    try:
        if conflict.kind == Patient.KIND:
            return uow.get(Patient, conflict.record_id), None
        if conflict.kind in _CHART_RECORDS:
            record: Any = uow.get(_CHART_RECORDS[conflict.kind], conflict.record_id)
            return uow.get(Patient, record.patient_id), None
        if conflict.kind == User.KIND:
            user = uow.get(User, conflict.record_id)
            return None, f"{user.full_name} ({user.username})"
        if conflict.kind == MedicationAdministration.KIND:
            # A dose recorded twice (`nursing.detect_double_doses`): the record is the event.
            return uow.get(Patient, uow.get_event(conflict.record_id).patient_id), None
        if conflict.kind == Department.KIND:
            return None, uow.get(Department, conflict.record_id).name
        if conflict.kind == Bed.KIND:
            return None, uow.get(Bed, conflict.record_id).code
    except NotFound:  # the record itself has not arrived yet
        return None, None
    return None, None


def conflict_views(store: Store, session: Session) -> list[ConflictView]:
    """The open conflicts, oldest first, each with its patient (or record) and both writes."""
    found = list_conflicts(store, session)
    with store.unit_of_work(user_id=session.user_id) as uow:
        devices = {d.id: d.name for d in uow.find(Device)}
        views = []
        for conflict in found:
            patient, name = _owner(uow, conflict)
            views.append(
                ConflictView(
                    conflict=conflict,
                    patient=patient,
                    record_name=name,
                    winner=_write(conflict.winner_hlc, devices),
                    loser=_write(conflict.loser_hlc, devices),
                    names=_reference_names(uow, conflict),
                )
            )
    return views


@dataclass(frozen=True)
class DuplicatePair:
    """Two charts that may be the same person; `first` was registered earlier."""

    first: Patient
    second: Patient
    match: MatchScore


def _pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def duplicate_pairs(
    store: Store, session: Session, *, recent: int = RECENT_REGISTRATIONS
) -> list[DuplicatePair]:
    """Likely duplicate charts among the `recent` newest registrations on this PC, best
    first.

    Each new chart is scored (`core.matching.score`) against the charts a search for its
    name or CCCD finds. Pairs ever merged are left out: merged ones are done, and a merge a
    clerk undid says the two are different people.
    """
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        links = uow.find(PatientLink)
        decided = {_pair_key(link.replaced_id, link.replaced_by) for link in links}
        merged_away = {
            link.replaced_id
            for link in links
            if link.status == LinkStatus.ACTIVE and link.deleted_at is None
        }
        newest = [
            row_to_record(Patient, row)
            for row in uow.conn.exec_driver_sql(
                "SELECT * FROM patient WHERE deleted_at IS NULL ORDER BY pk DESC LIMIT ?",
                (max(1, recent),),
            )
        ]
        pairs: dict[tuple[str, str], DuplicatePair] = {}
        for patient in newest:
            if patient.id in merged_away:
                continue
            pks = search.search_patient_pks(uow.conn, patient.full_name, _NAME_MATCHES)
            if patient.cccd:
                pks += search.search_patient_pks(uow.conn, patient.cccd, 5)
            for row in search.fetch_by_pks(uow.conn, pks):
                other = row_to_record(Patient, row)
                key = _pair_key(patient.id, other.id)
                if other.id == patient.id or key in decided or key in pairs:
                    continue
                match = score(patient, other)
                if match.likely:
                    first, second = sorted((patient, other), key=lambda p: (p.created_at, p.id))
                    pairs[key] = DuplicatePair(first, second, match)
        uow.audit("patient.duplicate_queue", detail={"pairs": len(pairs)})
        uow.commit()
    return sorted(pairs.values(), key=lambda p: (-p.match.score, -p.second.created_at.timestamp()))


@dataclass(frozen=True)
class Merge:
    """A merge in force: `replaced`'s chart is read through `survivor`'s."""

    link: PatientLink
    survivor: Patient
    replaced: Patient
    merged_by: str


def recent_merges(store: Store, session: Session, *, limit: int = 50) -> list[Merge]:
    """Merges in force, newest first (the ones a clerk may need to undo)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT * FROM patient_link WHERE status = ? AND deleted_at IS NULL "
            "ORDER BY created_at DESC, pk DESC LIMIT ?",
            (LinkStatus.ACTIVE.value, max(1, limit)),
        )
        links = [row_to_record(PatientLink, row) for row in rows]
        names: dict[str, str] = {}
        merges = []
        for link in links:
            if link.created_by not in names:
                found = uow.find(User, id=link.created_by)
                names[link.created_by] = found[0].full_name if found else ""
            merges.append(
                Merge(
                    link=link,
                    survivor=uow.get(Patient, link.replaced_by),
                    replaced=uow.get(Patient, link.replaced_id),
                    merged_by=names[link.created_by],
                )
            )
        uow.audit("patient.merges", detail={"count": len(merges)})
        uow.commit()
    return merges
