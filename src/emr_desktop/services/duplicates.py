"""Duplicate charts: finding likely pairs, merging them and undoing a merge (DESIGN §3–§4).

A merge is a record (`PatientLink`: replaced → survivor), never a rewrite of the charts:
reads follow the link so the survivor shows the events of both, and undoing the merge
restores both charts exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from emr_desktop.core.errors import ConflictError, NotFound
from emr_desktop.core.matching import MatchScore, score
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import LinkStatus, Patient, PatientLink
from emr_desktop.services.auth import Session, record_header
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store import search
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.store import Store


@dataclass(frozen=True)
class Candidate:
    patient: Patient
    match: MatchScore


def likely_duplicates(
    store: Store, session: Session, patient_id: str, *, limit: int = 10
) -> list[Candidate]:
    """Other charts that may be the same person, best first (only likely ones)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        patient = uow.get(Patient, patient_id)
        pks = search.search_patient_pks(uow.conn, patient.full_name, 50)
        if patient.cccd:
            pks += search.search_patient_pks(uow.conn, patient.cccd, 5)
        others = [row_to_record(Patient, row) for row in search.fetch_by_pks(uow.conn, pks)]
        uow.audit(
            "patient.duplicates", target_kind="patient", target_id=patient_id, patient_id=patient_id
        )
        uow.commit()
    found: dict[str, Candidate] = {}
    for other in others:
        if other.id == patient.id:
            continue
        match = score(patient, other)
        if match.likely:
            found[other.id] = Candidate(other, match)
    return sorted(found.values(), key=lambda c: -c.match.score)[:limit]


def merge_patients(
    store: Store, session: Session, *, survivor_id: str, replaced_id: str, reason: str
) -> PatientLink:
    """Merge `replaced_id` into `survivor_id`: one chart showing the events of both."""
    session.require(Permission.PATIENT_MERGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        survivor = resolve_patient_id(uow, survivor_id)
        if resolve_patient_id(uow, replaced_id) != replaced_id:
            raise ConflictError(
                "Hồ sơ này đã được gộp vào hồ sơ khác", "This chart is already merged into another"
            )
        if survivor == replaced_id:
            raise ConflictError(
                "Không thể gộp hồ sơ với chính nó", "A chart cannot be merged into itself"
            )
        link = PatientLink(
            **record_header(store, session),
            replaced_id=replaced_id,
            replaced_by=survivor,
            reason=reason,
        )
        uow.add(link)
        uow.audit(
            "patient.merge",
            target_kind="patient",
            target_id=replaced_id,
            patient_id=survivor,
            detail={"link_id": link.id},
        )
        uow.commit()
    return link


def unmerge_patients(store: Store, session: Session, link_id: str) -> PatientLink:
    """Undo a merge: both charts are shown apart again, exactly as before."""
    session.require(Permission.PATIENT_MERGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        link = uow.get(PatientLink, link_id)
        if link.status != LinkStatus.ACTIVE:
            raise NotFound("Lần gộp này đã được hủy", "This merge was already undone")
        undone = replace(link, status=LinkStatus.UNDONE)
        uow.update(undone)
        uow.audit(
            "patient.unmerge",
            target_kind="patient",
            target_id=link.replaced_id,
            patient_id=link.replaced_by,
            detail={"link_id": link.id},
        )
        uow.commit()
    return undone
