"""A FHIR Bundle from another facility, kept in a chart as read-only external records.

`interop.fhir_import.parse_bundle` reads and validates the file; this module finds the chart
and writes the records. The two are siblings (DESIGN §2): what this module needs of a parsed
Bundle is the `ImportBundle` protocol below, which `interop.fhir_import.ParsedBundle` meets.

* **Whose chart.** The Bundle's CCCD, then its BHYT card number, each matching exactly one
  surviving chart of this facility (merges followed); else the chart the user names
  (`patient_id`; basis None). Whatever found it, what differs between the Bundle's Patient
  and the chart (name folded, birth date, sex, CCCD, BHYT) is listed, and an import with
  differences needs `confirm_mismatch=True`, as a DICOM import does (`services.imaging`).
* **Our own records.** A Bundle whose source facility code is this facility's is refused
  ("own_facility"): its records are this facility's own, already in the store (every PC of
  the facility syncs them), and importing them would show each one twice.
* **What is written.** One `ExternalRecord` event per clinical resource, signed by the
  importing clinician (password confirmed): an attestation of the import; the original
  signer stays in the body. All of it in one unit of work: everything is written, or nothing.
  A resource already imported into the chart (same event id) is left as it is — also when it
  was marked entered in error since; one changed at its source since an earlier import is
  written as an amendment of the earlier version (the source's correction), the only way an
  external record is ever amended (`services.clinical` refuses users' edits and amendments).
  The event ids are derived (`interop.fhir_import.record_id`), so two PCs importing the same
  file into the same chart while offline write the same events, which sync merges into one.
* **Who may.** Importing needs `result.sign` (doctors: who may sign results from elsewhere
  may accept them into a chart; the sync server checks the same for the synced events) and
  `patient.read`. Audited "fhir.match" (the preview) and "fhir.import", with counts and the
  basis of the match, never patient data.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import Mismatch
from emr_desktop.core.permissions import Permission, event_permission
from emr_desktop.core.records import (
    ClinicalEvent,
    Correction,
    EventStatus,
    ExternalRecord,
    Facility,
    Patient,
)
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services.auth import Session, confirm_password, record_header
from emr_desktop.services.chart import linked_ids
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store.rows import row_to_event
from emr_desktop.store.schema import clinical_event
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

#: Why an external record is amended by a later import (no patient data: it is synced).
UPDATED_AT_SOURCE = "Cập nhật từ cơ sở gửi / Updated at the source"
_SEX_VI = {"male": "Nam", "female": "Nữ"}


class ImportPatient(Protocol):
    """Who the Bundle says the patient is."""

    @property
    def name(self) -> str | None: ...
    @property
    def birth_date(self) -> str | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def cccd(self) -> str | None: ...
    @property
    def bhyt(self) -> str | None: ...


class ImportSource(Protocol):
    """The facility the Bundle came from."""

    @property
    def facility_code(self) -> str | None: ...


class ImportEntry(Protocol):
    """One external record to write: its event id, when it happened, its body."""

    @property
    def record_id(self) -> str: ...
    @property
    def effective_at(self) -> datetime | None: ...
    @property
    def body(self) -> ExternalRecord: ...


class ImportBundle(Protocol):
    """A Bundle read and validated (`interop.fhir_import.ParsedBundle`)."""

    @property
    def patient(self) -> ImportPatient: ...
    @property
    def source(self) -> ImportSource: ...
    @property
    def skipped(self) -> tuple[tuple[str, int], ...]: ...
    def records(self, *, patient_id: str, imported_at: datetime) -> Sequence[ImportEntry]: ...


@dataclass(frozen=True)
class ImportMatch:
    """Whose chart the Bundle goes to: `basis` "cccd", "bhyt", or None (chosen by the user,
    or not found when `patient_id` is None); `mismatches` to confirm before importing."""

    patient_id: str | None
    basis: str | None
    mismatches: tuple[Mismatch, ...] = ()


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: records `new`, `updated` (changed at the source) and
    `unchanged` (already in the chart), the new and updated ones by resource type."""

    match: ImportMatch
    new: int
    updated: int
    unchanged: int
    by_type: dict[str, int]


@dataclass(frozen=True)
class ImportReport:
    """What an import did (`plan`) and the ids of the events it wrote."""

    plan: ImportPlan
    event_ids: tuple[str, ...]


# --------------------------------------------------------------------------- matching


def _survivors(uow: UnitOfWork, patients: Iterable[Patient]) -> list[str]:
    found: dict[str, None] = {}
    for patient in patients:
        if patient.deleted_at is not None:
            continue
        survivor = resolve_patient_id(uow, patient.id)
        if uow.get(Patient, survivor).deleted_at is None:
            found[survivor] = None
    return list(found)


def _birth_differs(person: ImportPatient, patient: Patient) -> str | None:
    """The chart's birth date as shown, when it differs from the Bundle's."""
    born, chart = person.birth_date, patient.date_of_birth
    if not born or chart is None:
        return None
    if chart.date is None or len(born) < 10:
        return None if born[:4] == str(chart.year) else chart.iso()
    return None if born[:10] == chart.date.isoformat() else chart.iso()


def mismatches(person: ImportPatient, patient: Patient) -> tuple[Mismatch, ...]:
    """What the Bundle says of the patient that the chart does not (user-visible text: it
    holds names and numbers, and is never logged)."""
    found = []
    if person.name and fold(person.name) != fold(patient.full_name):
        found.append(
            Mismatch(
                "name",
                f"Họ tên trong tệp “{person.name}” khác họ tên trong hồ sơ “{patient.full_name}”",
                f"The name in the file “{person.name}” differs from the chart's "
                f"“{patient.full_name}”",
            )
        )
    chart_birth = _birth_differs(person, patient)
    if chart_birth is not None:
        found.append(
            Mismatch(
                "birth_date",
                f"Ngày sinh trong tệp {person.birth_date} khác ngày sinh trong hồ sơ {chart_birth}",
                f"The birth date in the file {person.birth_date} differs from the chart's "
                f"{chart_birth}",
            )
        )
    if person.sex in _SEX_VI and patient.sex in _SEX_VI and person.sex != patient.sex:
        found.append(
            Mismatch(
                "sex",
                f"Giới tính trong tệp ({_SEX_VI[person.sex]}) khác hồ sơ ({_SEX_VI[patient.sex]})",
                f"The sex in the file ({person.sex}) differs from the chart's ({patient.sex})",
            )
        )
    for field, name, theirs, ours in (
        ("cccd", "CCCD", person.cccd, patient.cccd),
        ("bhyt", "BHYT", person.bhyt, patient.bhyt_number),
    ):
        if theirs and ours and theirs != ours:
            found.append(
                Mismatch(
                    field,
                    f"Số {name} trong tệp {theirs} khác hồ sơ {ours}",
                    f"The {name} number in the file {theirs} differs from the chart's {ours}",
                )
            )
    return tuple(found)


def _match(uow: UnitOfWork, bundle: ImportBundle, patient_id: str | None) -> ImportMatch:
    if patient_id is not None:
        survivor = resolve_patient_id(uow, patient_id)
        return ImportMatch(survivor, None, mismatches(bundle.patient, uow.get(Patient, survivor)))
    person = bundle.patient
    for basis, found in (
        ("cccd", uow.find(Patient, cccd=person.cccd) if person.cccd else []),
        ("bhyt", uow.find(Patient, bhyt_number=person.bhyt) if person.bhyt else []),
    ):
        charts = _survivors(uow, found)
        if len(charts) == 1:
            patient = uow.get(Patient, charts[0])
            return ImportMatch(charts[0], basis, mismatches(person, patient))
    return ImportMatch(None, None)


def _refuse_own(uow: UnitOfWork, session: Session, bundle: ImportBundle) -> None:
    code = uow.get(Facility, session.facility_id).code
    if bundle.source.facility_code == code:
        raise ValidationError(
            "source",
            "own_facility",
            f"Tệp được xuất từ chính cơ sở này ({code}): hồ sơ đã có sẵn, không nhập lại",
            f"The file was exported by this facility ({code}): its records are already "
            "here and are not imported again",
        )


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Step:
    entry: ImportEntry
    #: The current version it amends (changed at the source), None for a new record.
    amends: str | None


def _external_events(uow: UnitOfWork, survivor: str) -> list[ClinicalEvent]:
    rows = uow.conn.execute(
        select(clinical_event)
        .where(
            clinical_event.c.patient_id.in_(linked_ids(uow, survivor)),
            clinical_event.c.kind == ExternalRecord.KIND,
        )
        .order_by(clinical_event.c.effective_at, clinical_event.c.pk)
    )
    return [row_to_event(row) for row in rows]


def _source_key(body: ExternalRecord) -> tuple[str, str]:
    return body.source_identity, body.source_resource


def _steps(
    uow: UnitOfWork, bundle: ImportBundle, survivor: str, now: datetime
) -> tuple[list[_Step], int]:
    """What to write (new and updated records), and how many are already in the chart."""
    events = _external_events(uow, survivor)
    known = {e.id for e in events}
    bodies = [(e, e.body) for e in events if isinstance(e.body, ExternalRecord)]
    # The same content from the same source, whatever its id (a chart merged into this one
    # had its records imported under its own id).
    seen = {(*_source_key(body), body.resource) for _, body in bodies}
    superseded = {e.corrects for e in events if e.corrects is not None}
    current = {
        _source_key(body): event.id
        for event, body in bodies
        if event.id not in superseded and event.correction != Correction.ENTERED_IN_ERROR
    }
    steps, unchanged = [], 0
    for entry in bundle.records(patient_id=survivor, imported_at=now):
        key = _source_key(entry.body)
        if entry.record_id in known or (*key, entry.body.resource) in seen:
            unchanged += 1
            continue
        steps.append(_Step(entry, current.get(key)))
    return steps, unchanged


def _plan(match: ImportMatch, steps: list[_Step], unchanged: int) -> ImportPlan:
    by_type = Counter(s.entry.body.resource_type for s in steps)
    updated = sum(1 for s in steps if s.amends is not None)
    return ImportPlan(
        match, len(steps) - updated, updated, unchanged, dict(sorted(by_type.items()))
    )


def plan_import(
    store: Store, session: Session, bundle: ImportBundle, *, patient_id: str | None = None
) -> ImportPlan:
    """What importing `bundle` would do, and into whose chart (`patient_id`: the chart the
    user chose; else found by CCCD, then BHYT). Nothing is written but the audit row
    "fhir.match". A Bundle of this facility's own is refused (see the module's docstring)."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        _refuse_own(uow, session, bundle)
        match = _match(uow, bundle, patient_id)
        steps, unchanged = (
            ([], 0)
            if match.patient_id is None
            else _steps(uow, bundle, match.patient_id, utc_now())
        )
        uow.audit(
            "fhir.match",
            target_kind="patient" if match.patient_id else None,
            target_id=match.patient_id,
            patient_id=match.patient_id,
            detail={"basis": match.basis, "mismatches": [m.field for m in match.mismatches]},
        )
        uow.commit()
    return _plan(match, steps, unchanged)


# --------------------------------------------------------------------------- importing


def _event(
    store: Store, session: Session, step: _Step, survivor: str, now: datetime
) -> ClinicalEvent:
    entry = step.entry
    header = {**record_header(store, session), "id": entry.record_id, "created_at": now}
    event = ClinicalEvent(
        **header,
        patient_id=survivor,
        encounter_id=None,
        effective_at=entry.effective_at or now,
        body=entry.body,
        corrects=step.amends,
        correction=Correction.AMENDS if step.amends else None,
        correction_reason=UPDATED_AT_SOURCE if step.amends else None,
    )
    # Signed by the importing clinician: an attestation that this is what the source sent.
    return replace(
        event,
        status=EventStatus.SIGNED,
        signed_by=session.user_id,
        signed_at=now,
        content_hash=event.content_digest(),
    )


def import_bundle(
    store: Store,
    session: Session,
    bundle: ImportBundle,
    *,
    password: str,
    patient_id: str | None = None,
    confirm_mismatch: bool = False,
) -> ImportReport:
    """Import `bundle` into a chart as signed external records, in one transaction.

    Refused: no chart found (ValidationError "patient"/"not_found": name one); differences
    between the Bundle's Patient and the chart unless `confirm_mismatch`
    ("patient"/"identity_mismatch"); a Bundle of this facility's own ("source"/
    "own_facility"); a wrong password. Records already imported are skipped.
    """
    session.require(event_permission(ExternalRecord.PERMISSION, ExternalRecord.WRITE_ACTION))
    session.require(Permission.PATIENT_READ)
    now = utc_now()
    with store.unit_of_work(user_id=session.user_id) as uow:
        _refuse_own(uow, session, bundle)
        match = _match(uow, bundle, patient_id)
        if match.patient_id is None:
            raise ValidationError(
                "patient",
                "not_found",
                "Không tìm thấy hồ sơ có cùng số CCCD hoặc BHYT; hãy chọn hồ sơ bệnh nhân",
                "No chart has the same CCCD or BHYT number; choose the patient's chart",
            )
        if match.mismatches and not confirm_mismatch:
            raise ValidationError(
                "patient",
                "identity_mismatch",
                "Thông tin bệnh nhân trong tệp khác hồ sơ; cần xác nhận: "
                + "; ".join(m.vi for m in match.mismatches),
                "The patient in the file differs from the chart; confirm first: "
                + "; ".join(m.en for m in match.mismatches),
            )
        confirm_password(uow, session, password)
        survivor = match.patient_id
        steps, unchanged = _steps(uow, bundle, survivor, now)
        events = [_event(store, session, step, survivor, now) for step in steps]
        for event in events:
            uow.add_event(event)
        plan = _plan(match, steps, unchanged)
        uow.audit(
            "fhir.import",
            target_kind="patient",
            target_id=survivor,
            patient_id=survivor,
            detail={
                "basis": match.basis,
                "new": plan.new,
                "updated": plan.updated,
                "unchanged": plan.unchanged,
                "skipped": sum(n for _, n in bundle.skipped),
                "types": plan.by_type,
                "mismatch_confirmed": [m.field for m in match.mismatches],
            },
        )
        uow.commit()
    log.info("FHIR import into %s: %d new, %d updated", survivor, plan.new, plan.updated)
    return ImportReport(plan, tuple(e.id for e in events))
