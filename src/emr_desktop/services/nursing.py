"""Nursing: the worklist of doses, right patient / right drug, and the medication record.

Where doses come from
---------------------
* **Ward** (`worklist(department_id=...)`): the signed `MedicationOrder` events of the
  department's in-progress inpatient or emergency stays. An order that was marked entered in
  error is gone; an order that was amended is replaced by its amendment for the doses due
  from the amendment's effective time on (earlier doses keep the earlier version), so a stop
  (`stop_medication_order`) is an amendment whose schedule ends before the stop. Draft
  orders are not given. Scheduled times come from `core.schedule`.
* **Injection booth** (`worklist(booth=True)`): the signed prescriptions of outpatient
  visits (or of no visit) whose lines are injections — route `im`, `iv`, `sc` or
  `intradermal` (tiêm bắp, tiêm tĩnh mạch, tiêm dưới da, tiêm trong da; infusions run on
  the wards). A line is due on each day of its course: from the local day the prescription
  was written, for its `days`. Its times per day are read from the dosage text written by
  `prescribing.dosage_text` ("ngày 2 lần, mỗi lần 1 ống"; once a day when absent); the
  doses of a day are scheduled from `BOOTH_DAY_START` local time, spread evenly over the
  day, and are never "overdue" (patients walk in): due from `DUE_WINDOW` before the slot
  until the next slot's time (the next morning for once a day), missed after. The booth's
  list starts at local midnight at the latest. Prescriptions older than `BOOTH_LOOKBACK`
  are not read. A booth dose refers to its prescription line as ``"<prescription id>/<drug code>"``
  (a prescription names a drug once), which is what its administrations record as
  `medication_order_id`.

Statuses (module constants below)
---------------------------------
A scheduled dose with no administration is *upcoming* until `DUE_WINDOW` before its time,
*due* from then until `DUE_WINDOW` after it, *overdue* after that, and *missed* (shown as
such, nothing is written) `MISSED_AFTER` after its time. Once recorded it shows the outcome:
*given*, *partial* (given, less than ordered), *held*, *refused*, *missed*. An as-needed
(PRN) order shows once, with status *as_needed* and `next_allowed_at` while its minimum
interval runs.

The double-dose rule
--------------------
A scheduled dose is recorded once: a second record of the same (order, scheduled time) —
except a *given* after a *held* or *refused* (the patient changed their mind) — or a *given*
dose less than the minimum interval from another dose of the order given, is refused with
`DoubleDose` unless the nurse gives an `override_reason`; the dose is then written, the
reason kept in its `reason`, with an audit row ``administration.override`` (rule and the
clashing administration's id, no free text) in the same transaction. The minimum interval
(`min_interval`) is the order's shortest gap between two scheduled times, 24 h for one time
a day, less `INTERVAL_TOLERANCE` (never below `MIN_INTERVAL_FLOOR`); `PRN_MIN_INTERVAL`
for an as-needed order. The ordered dose is a ceiling: more is refused, less is partial.

Two PCs recording the same dose offline write two events (clinical events merge by union).
`detect_double_doses` runs after a pull and records each extra *given* dose of the same
(order, scheduled time) in the local `conflict` table (kind ``medication_administration``,
field ``double_dose``, `record_id` the extra administration, values "time · dose · nurse"
of the first and of the extra one, stamps of both): both stay in the record, the worklist
and the MAR show both (`ScheduledDose.double_dose`). An extra dose is not reported when
every earlier one was recorded on the same PC: that PC's own rule already refused it or
audited its override. Settling the conflict acknowledges it; a record that was wrong is
marked entered in error like any other.

Wristbands
----------
A wristband's barcode holds ``WRISTBAND_PREFIX`` + the medical record number (MRN), e.g.
``BN0000001234``: it cannot be mistaken for a CCCD (12 digits) or a drug code. A typed MRN
is accepted as well, its leading zeros optional. A drug is identified by its catalogue code
(what the pharmacy label's barcode holds), case-insensitive.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar, cast

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.errors import ConflictError, NotFound, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    AdministrationOutcome,
    Bed,
    ClinicalEvent,
    Correction,
    Department,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventStatus,
    Facility,
    MedicationAdministration,
    MedicationOrder,
    MutableRecord,
    Patient,
    Prescription,
    VitalSigns,
)
from emr_desktop.core.schedule import (
    all_doses,
    day_offsets,
    doses_between,
    dosing_interval,
    last_day,
    schedules_nothing_from,
    spread_times,
)
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import VIETNAM_TZ, require_aware, utc_now
from emr_desktop.core.wristband import WRISTBAND_PREFIX as WRISTBAND_PREFIX  # re-exported
from emr_desktop.core.wristband import wristband_code as wristband_code
from emr_desktop.services import catalogs, clinical
from emr_desktop.services.auth import Session, confirm_password, record_header
from emr_desktop.services.chart import linked_ids
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.services.prescribing import format_amount
from emr_desktop.services.wards import bed_sort_key
from emr_desktop.store.metadata import write_meta
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.schema import TABLES_BY_KIND
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

#: A dose is "due" from this long before its time until this long after it.
DUE_WINDOW = timedelta(minutes=30)
#: A dose not recorded this long after its time shows as "missed".
MISSED_AFTER = timedelta(hours=4)
#: The minimum interval between two given doses is the order's interval less this.
INTERVAL_TOLERANCE = timedelta(hours=1)
#: ... and never less than this.
MIN_INTERVAL_FLOOR = timedelta(minutes=30)
#: Minimum interval between two doses of an as-needed order.
PRN_MIN_INTERVAL = timedelta(hours=4)
#: Local time of the first booth dose of a day.
BOOTH_DAY_START = "07:00"
#: Injection routes the booth gives (`core.catalog.DrugRoute` values).
BOOTH_ROUTES = frozenset({"im", "iv", "sc", "intradermal"})
#: What a wristband barcode holds before the MRN.


class DoseStatus(StrEnum):
    OVERDUE = "overdue"
    DUE = "due"
    UPCOMING = "upcoming"
    GIVEN = "given"
    PARTIAL = "partial"
    HELD = "held"
    REFUSED = "refused"
    MISSED = "missed"
    #: An as-needed order: give when needed (see `ScheduledDose.next_allowed_at`).
    AS_NEEDED = "as_needed"


class WrongPatient(ValidationError):
    """The wristband scanned is not the patient the dose is for (field "wristband")."""


class WrongDrug(ValidationError):
    """The drug scanned is not ordered for this patient (field "drug")."""


class NotDue(ValidationError):
    """The drug is ordered for this patient but no dose of it is due now (field "drug")."""


class DoubleDose(ValidationError):
    """The dose was already recorded, or the last one was given less than the minimum
    interval ago (field "override_reason": give a reason to override)."""


@dataclass(frozen=True)
class Administration:
    """One administration event as the nurse reads it."""

    event_id: str
    order_id: str
    scheduled_for: datetime | None
    outcome: str
    #: When it was given (or held, refused): the event's effective time.
    at: datetime
    dose: Decimal | None
    dose_unit: str | None
    reason: str | None
    site: str | None
    wristband_scanned: bool
    recorded_by: str
    recorded_by_name: str
    device_id: str
    signed: bool
    #: The ordered dose was not given in full.
    partial: bool


@dataclass(frozen=True)
class ScheduledDose:
    """One dose of the worklist (or a PRN order), with what was recorded for it."""

    #: The medication order event id, or ``"<prescription id>/<drug code>"`` at the booth.
    order_id: str
    #: True for a booth dose (from an outpatient prescription).
    booth: bool
    patient_id: str
    patient_name: str
    mrn: str
    sex: str
    date_of_birth: BirthDate | None
    encounter_id: str | None
    bed_code: str | None
    department_id: str | None
    drug_code: str
    drug_name: str
    dose: Decimal
    dose_unit: str
    route: str
    instructions: str | None
    #: When the dose is due (UTC); None for an as-needed order.
    due_at: datetime | None
    as_needed: bool
    status: str
    administrations: tuple[Administration, ...]
    #: For an as-needed order: not before this time (None: may be given now).
    next_allowed_at: datetime | None = None

    @property
    def double_dose(self) -> bool:
        """Two or more *given* administrations of this scheduled dose (after a sync)."""
        return (
            self.due_at is not None
            and sum(1 for a in self.administrations if a.outcome == "given") > 1
        )


@dataclass(frozen=True)
class MarCell:
    """One scheduled time of one drug on the MAR grid."""

    due_at: datetime
    #: Local "HH:MM", the grid's column.
    time: str
    status: str
    administrations: tuple[Administration, ...]


@dataclass(frozen=True)
class MarRow:
    """One order on the MAR grid of a day."""

    order_id: str
    drug_code: str
    drug_name: str
    dose: Decimal
    dose_unit: str
    route: str
    instructions: str | None
    as_needed: bool
    #: Scheduled doses of the day, by time.
    cells: tuple[MarCell, ...]
    #: Administrations of the day with no scheduled time (as-needed doses).
    prn: tuple[Administration, ...]
    #: The order was stopped (or ends) before the end of the day.
    stopped: bool


@dataclass(frozen=True)
class MarGrid:
    """The medication administration record of one patient for one local day."""

    patient_id: str
    day: date
    #: Every local "HH:MM" of the day's scheduled doses, sorted: the grid's columns.
    times: tuple[str, ...]
    rows: tuple[MarRow, ...]


@dataclass(frozen=True)
class OrderLine:
    """A medication order as the handover lists it (new or stopped in the shift)."""

    order_id: str
    drug_name: str
    dose: Decimal
    dose_unit: str
    route: str
    times: tuple[str, ...]
    as_needed: bool
    at: datetime
    by_name: str


@dataclass(frozen=True)
class HandoverPatient:
    """What happened to one patient's medication in the shift."""

    patient_id: str
    patient_name: str
    mrn: str
    bed_code: str | None
    given: tuple[ScheduledDose, ...]
    held: tuple[ScheduledDose, ...]
    refused: tuple[ScheduledDose, ...]
    missed: tuple[ScheduledDose, ...]
    #: Still not recorded at the end of the shift (or now, if earlier), more than
    #: `DUE_WINDOW` late.
    overdue: tuple[ScheduledDose, ...]
    prn_given: tuple[Administration, ...]
    new_orders: tuple[OrderLine, ...]
    stopped_orders: tuple[OrderLine, ...]
    latest_vitals: VitalSigns | None
    latest_vitals_at: datetime | None


@dataclass(frozen=True)
class Handover:
    """The shift handover of a ward."""

    department_id: str
    start: datetime
    end: datetime
    patients: tuple[HandoverPatient, ...]


# ---------------------------------------------------------------------------- loading


_EVENT_COLUMNS = (
    "pk, id, patient_id, encounter_id, kind, effective_at, created_at, created_by, "
    "device_id, status, corrects, correction, body, field_hlc"
)


@dataclass(frozen=True)
class _Row:
    """A clinical event row, its body left as plain data (parsing thousands of bodies into
    records would cost the worklist its budget)."""

    pk: int
    id: str
    patient_id: str
    encounter_id: str | None
    kind: str
    effective_at: datetime
    created_at: datetime
    created_by: str
    device_id: str
    status: str
    corrects: str | None
    correction: str | None
    body: dict[str, Any]
    body_text: str
    field_hlc: str

    @property
    def hlc(self) -> str:
        """The stamp of the row's last write."""
        stamps: dict[str, str] = json.loads(self.field_hlc)
        return stamps.get("*") or max(stamps.values(), default="")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


#: Event rows already parsed, by (id, stamps): an event whose stamps are the same holds
#: the same values (signed events never change). Kept while the worklist is refreshed.
_EVENT_ROWS: dict[tuple[str, str], _Row] = {}
_EVENT_ROWS_KEPT = 10_000


def _rows(uow: UnitOfWork, where: str, params: Sequence[Any]) -> list[_Row]:
    found = uow.conn.exec_driver_sql(
        f"SELECT {_EVENT_COLUMNS} FROM clinical_event WHERE {where} ORDER BY pk",  # noqa: S608
        tuple(params),
    ).fetchall()
    rows = []
    for r in found:
        key = (r[1], r[13])
        row = _EVENT_ROWS.get(key)
        if row is None:
            if len(_EVENT_ROWS) >= _EVENT_ROWS_KEPT:
                _EVENT_ROWS.clear()
            row = _EVENT_ROWS[key] = _Row(
                pk=r[0],
                id=r[1],
                patient_id=r[2],
                encounter_id=r[3],
                kind=r[4],
                effective_at=_moment(r[5]),
                created_at=_moment(r[6]),
                created_by=r[7],
                device_id=r[8],
                status=r[9],
                corrects=r[10],
                correction=r[11],
                body=json.loads(r[12]),
                body_text=r[12],
                field_hlc=r[13],
            )
        rows.append(row)
    return rows


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _rows_in(
    uow: UnitOfWork, column: str, values: Sequence[str], kinds: Sequence[str], since: str = ""
) -> list[_Row]:
    """Rows of `kinds` whose `column` is one of `values` (effective at or after `since`)."""
    found: list[_Row] = []
    for chunk in _chunks(sorted(set(values))):
        where = f"{column} IN ({_marks(len(chunk))}) AND kind IN ({_marks(len(kinds))})"
        params: list[Any] = [*chunk, *kinds]
        if since:
            where += " AND effective_at >= ?"
            params.append(since)
        found.extend(_rows(uow, where, params))
    found.sort(key=lambda r: r.pk)
    return found


def _superseded(rows: Iterable[_Row]) -> set[str]:
    """Ids of the rows no longer in force: corrected ones and entered-in-error markers."""
    gone: set[str] = set()
    for row in rows:
        if row.corrects is not None:
            gone.add(row.corrects)
            if row.correction == Correction.ENTERED_IN_ERROR:
                gone.add(row.id)
    return gone


@dataclass(frozen=True)
class _Version:
    """One signed version of an order in force for the doses due in [starts, ends)."""

    #: The order id a dose refers to (``"<prescription>/<drug>"`` for a booth line).
    ref: str
    #: The first version's reference: doses of all versions are matched through it.
    root: str
    patient_id: str
    encounter_id: str | None
    order: MedicationOrder
    starts: datetime | None
    ends: datetime | None
    created_at: datetime
    created_by: str
    booth: bool = False
    #: This version stops the order: it schedules nothing from its start on.
    is_stop: bool = False
    #: When the order was stopped at the end of this version, and by whom.
    stopped_at: datetime | None = None
    stopped_by: str | None = None

    def doses(self, start: datetime, end: datetime) -> list[datetime]:
        """The doses of this version due in [start, end) and within its own window."""
        if self.starts is not None and self.starts > start:
            start = self.starts
        if self.ends is not None and self.ends < end:
            end = self.ends
        return doses_between(self.order, start, end)


def _roots(rows: Sequence[_Row]) -> dict[str, str]:
    """The first version of every order among `rows` (amendments point back to it)."""
    parent = {r.id: r.corrects for r in rows if r.corrects and r.correction == Correction.AMENDS}
    roots: dict[str, str] = {}
    for row in rows:
        current, seen = row.id, {row.id}
        while current in parent and parent[current] not in seen:
            current = parent[current]
            seen.add(current)
        roots[row.id] = current
    return roots


def _boundary(row: _Row, by_id: Mapping[str, _Row]) -> datetime:
    """When an amendment takes over: its effective time when it was given one of its own,
    else when it was written (`clinical.amend_event` keeps the original's effective time)."""
    original = by_id.get(row.corrects or "")
    if original is not None and row.effective_at != original.effective_at:
        return row.effective_at
    return row.created_at


def _chains(rows: Sequence[_Row]) -> tuple[list[list[_Row]], dict[str, str]]:
    """Signed versions in force of each order, in the order they took over, and the roots."""
    roots = _roots(rows)
    void = {r.id for r in rows if r.correction == Correction.ENTERED_IN_ERROR} | {
        r.corrects for r in rows if r.correction == Correction.ENTERED_IN_ERROR and r.corrects
    }
    by_id = {r.id: r for r in rows}
    chains: dict[str, list[_Row]] = {}
    for row in rows:
        if row.id in void or row.status != EventStatus.SIGNED:
            continue
        chains.setdefault(roots[row.id], []).append(row)
    ordered = []
    for versions in chains.values():
        versions.sort(
            key=lambda r: (
                (0, r.created_at) if r.corrects is None else (1, _boundary(r, by_id)),
                r.pk,
            )
        )
        ordered.append(versions)
    return ordered, roots


def _order_body(row: _Row) -> MedicationOrder:
    return _parsed_order(row.body_text)


@functools.lru_cache(maxsize=8192)
def _parsed_order(body: str) -> MedicationOrder:
    # Orders are read again at every refresh of a worklist and rarely change: parsing and
    # validating each body once saves a good part of the list's time.
    return from_plain(MedicationOrder, json.loads(body))


def _versions_of_orders(rows: Sequence[_Row]) -> tuple[list[_Version], dict[str, str]]:
    chains, roots = _chains(rows)
    by_id = {r.id: r for r in rows}
    versions: list[_Version] = []
    for chain in chains:
        bodies = [_order_body(r) for r in chain]
        starts = [None if n == 0 else _boundary(r, by_id) for n, r in enumerate(chain)]
        stops = [
            begins is not None and schedules_nothing_from(body, begins)
            for body, begins in zip(bodies, starts, strict=True)
        ]
        for n, row in enumerate(chain):
            ends = starts[n + 1] if n + 1 < len(chain) else None
            stopped = n + 1 < len(chain) and stops[n + 1]
            versions.append(
                _Version(
                    ref=row.id,
                    root=roots[row.id],
                    patient_id=row.patient_id,
                    encounter_id=row.encounter_id,
                    order=bodies[n],
                    starts=starts[n],
                    ends=ends,
                    created_at=row.created_at,
                    created_by=row.created_by,
                    is_stop=stops[n],
                    stopped_at=ends if stopped else None,
                    stopped_by=chain[n + 1].created_by if stopped else None,
                )
            )
    return versions, roots


_TIMES_PER_DAY = re.compile(r"ngày\s+(\d+)\s+lần", re.IGNORECASE)
_AMOUNT = re.compile(r"mỗi\s+lần\s+([0-9]+(?:[.,][0-9]+)?)", re.IGNORECASE)


def _booth_order(item: Mapping[str, Any], start: date) -> MedicationOrder:
    """A prescription line given at the booth, as an order with its slots."""
    dosage = str(item.get("dosage", ""))
    found = _TIMES_PER_DAY.search(dosage)
    per_day = max(1, min(int(found.group(1)), 24)) if found else 1
    amount = _AMOUNT.search(dosage)
    days = int(item["days"])
    if amount is not None:
        dose = Decimal(amount.group(1).replace(",", "."))
    else:
        dose = (Decimal(str(item["quantity"])) / (days * per_day)).quantize(Decimal("0.01"))
    return MedicationOrder(
        drug_code=item["drug_code"],
        drug_name=item["drug_name"],
        dose=dose if dose > 0 else Decimal(1),
        dose_unit=item["unit"],
        route=item.get("route") or "im",
        times=spread_times(BOOTH_DAY_START, per_day),
        start_date=start,
        days=days,
        instructions=dosage,
    )


def _versions_of_prescriptions(rows: Sequence[_Row]) -> tuple[list[_Version], dict[str, str]]:
    """The injection lines of prescriptions in force (the latest signed version of each)."""
    chains, roots = _chains(rows)
    versions: list[_Version] = []
    for chain in chains:
        row = chain[-1]
        start = row.effective_at.astimezone(VIETNAM_TZ).date()
        root = roots[row.id]
        for item in row.body.get("items", []):
            if item.get("route") not in BOOTH_ROUTES:
                continue
            versions.append(
                _Version(
                    ref=f"{row.id}/{item['drug_code']}",
                    root=f"{root}/{item['drug_code']}",
                    patient_id=row.patient_id,
                    encounter_id=row.encounter_id,
                    order=_booth_order(item, start),
                    starts=None,
                    ends=None,
                    created_at=row.created_at,
                    created_by=row.created_by,
                    booth=True,
                )
            )
    return versions, roots


def _root_of(order_ref: str, roots: Mapping[str, str]) -> str:
    event_id, slash, drug = order_ref.partition("/")
    root = roots.get(event_id, event_id)
    return f"{root}/{drug}" if slash else root


def _administrations(
    rows: Sequence[_Row], roots: Mapping[str, str], names: Mapping[str, str]
) -> dict[str, list[Administration]]:
    """Administrations in force, by the root of their order, in time order."""
    gone = _superseded(rows)
    found: dict[str, list[Administration]] = {}
    for row in rows:
        if row.id in gone:
            continue
        body = row.body
        scheduled = body.get("scheduled_for")
        dose = body.get("dose")
        reason = body.get("reason")
        admin = Administration(
            event_id=row.id,
            order_id=body["medication_order_id"],
            scheduled_for=_moment(scheduled) if scheduled else None,
            outcome=body["outcome"],
            at=row.effective_at,
            dose=Decimal(dose) if dose is not None else None,
            dose_unit=body.get("dose_unit"),
            reason=reason,
            site=body.get("site"),
            wristband_scanned=bool(body.get("wristband_scanned")),
            recorded_by=row.created_by,
            recorded_by_name=names.get(row.created_by, ""),
            device_id=row.device_id,
            signed=row.status == EventStatus.SIGNED,
            partial=False,
        )
        found.setdefault(_root_of(admin.order_id, roots), []).append(admin)
    for admins in found.values():
        admins.sort(key=lambda a: (a.at, a.event_id))
    return found


def _with_partial(admin: Administration, order: MedicationOrder) -> Administration:
    partial = (
        admin.outcome == AdministrationOutcome.GIVEN
        and admin.dose is not None
        and admin.dose_unit == order.dose_unit
        and admin.dose < order.dose
    )
    return replace(admin, partial=partial) if partial else admin


def _recorded_status(admins: Sequence[Administration]) -> str | None:
    given = [a for a in admins if a.outcome == AdministrationOutcome.GIVEN]
    if given:
        return DoseStatus.PARTIAL if all(a.partial for a in given) else DoseStatus.GIVEN
    if admins:
        return admins[-1].outcome
    return None


def _time_status(due_at: datetime, now: datetime, *, booth: bool, gap: timedelta) -> str:
    if now < due_at - DUE_WINDOW:
        return DoseStatus.UPCOMING
    if booth:
        # Patients walk in: a booth dose stays due until the next one's time.
        return DoseStatus.DUE if now < due_at + gap else DoseStatus.MISSED
    if now <= due_at + DUE_WINDOW:
        return DoseStatus.DUE
    if now < due_at + MISSED_AFTER:
        return DoseStatus.OVERDUE
    return DoseStatus.MISSED


def min_interval(order: MedicationOrder) -> timedelta:
    """The shortest time allowed between two given doses of `order` (see the module doc)."""
    if order.as_needed:
        return PRN_MIN_INTERVAL
    return max(dosing_interval(order.times) - INTERVAL_TOLERANCE, MIN_INTERVAL_FLOOR)


@dataclass
class _Who:
    """Patients, beds and staff names a list of doses is drawn with."""

    patients: dict[str, Patient] = field(default_factory=dict)
    beds: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    #: Per encounter id: (department id, bed code) of the stay.
    places: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: Per surviving patient id: the bed code of the stay in the ward.
    bed_of: dict[str, str | None] = field(default_factory=dict)


R = TypeVar("R", bound=MutableRecord)

#: Records already built from their rows, by (kind, id, stamps): a row whose stamps are the
#: same holds the same values. Rebuilding a record runs its validation again (names, CCCD
#: …), a good part of a worklist's time when it is refreshed after every sync.
_RECORDS: dict[tuple[str, str, str], MutableRecord] = {}
_RECORDS_KEPT = 20_000


def _find(
    uow: UnitOfWork, cls: type[R], column: str, values: Iterable[str], **where: str
) -> list[R]:
    """Records of `cls` whose `column` is one of `values` (and other columns equal `where`)."""
    table = TABLES_BY_KIND[cls.KIND]
    found: list[R] = []
    for chunk in _chunks(sorted(set(values))):
        stmt = table.select().where(table.c[column].in_(chunk))
        for name, value in where.items():
            stmt = stmt.where(table.c[name] == value)
        for row in uow.conn.execute(stmt.order_by(table.c.pk)):
            key = (cls.KIND, row.id, row.field_hlc)
            record = _RECORDS.get(key)
            if record is None:
                if len(_RECORDS) >= _RECORDS_KEPT:
                    _RECORDS.clear()
                record = _RECORDS[key] = row_to_record(cls, row)
            found.append(cast(R, record))
    return found


def _staff_names(uow: UnitOfWork) -> dict[str, str]:
    rows = uow.conn.exec_driver_sql("SELECT id, full_name FROM app_user").fetchall()
    return {r[0]: r[1] for r in rows}


def _dose(
    version: _Version,
    due_at: datetime | None,
    admins: Sequence[Administration],
    who: _Who,
    now: datetime,
    status: str | None = None,
) -> ScheduledDose:
    order = version.order
    patient = who.patients[version.patient_id]
    department_id, bed_code = who.places.get(version.encounter_id or "", (None, None))
    next_allowed = None
    if due_at is None:
        given = [a for a in admins if a.outcome == AdministrationOutcome.GIVEN]
        if given and given[-1].at + min_interval(order) > now:
            next_allowed = given[-1].at + min_interval(order)
        status = DoseStatus.AS_NEEDED
    elif status is None:
        status = _recorded_status(admins) or _time_status(
            due_at, now, booth=version.booth, gap=dosing_interval(order.times)
        )
    return ScheduledDose(
        order_id=version.ref,
        booth=version.booth,
        patient_id=patient.id,
        patient_name=patient.full_name,
        mrn=patient.mrn,
        sex=patient.sex,
        date_of_birth=patient.date_of_birth,
        encounter_id=version.encounter_id,
        bed_code=bed_code,
        department_id=department_id,
        drug_code=order.drug_code,
        drug_name=order.drug_name,
        dose=order.dose,
        dose_unit=order.dose_unit,
        route=order.route,
        instructions=order.instructions,
        due_at=due_at,
        as_needed=order.as_needed,
        status=status,
        administrations=tuple(admins),
        next_allowed_at=next_allowed,
    )


def _doses_of(
    versions: Sequence[_Version],
    admins: Mapping[str, list[Administration]],
    who: _Who,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[ScheduledDose]:
    """The scheduled doses of `versions` in [start, end), and one line per as-needed order
    in force at `now`."""
    doses: list[ScheduledDose] = []
    for version in versions:
        order = version.order
        mine = [_with_partial(a, order) for a in admins.get(version.root, [])]
        if order.as_needed:
            first = datetime.combine(order.start_date, time(), VIETNAM_TZ)
            last = datetime.combine(last_day(order) + timedelta(days=1), time(), VIETNAM_TZ)
            in_force = (version.starts is None or version.starts <= now) and (
                version.ends is None or now < version.ends
            )
            if in_force and first <= now < last:
                doses.append(_dose(version, None, mine, who, now))
            continue
        by_time: dict[datetime, list[Administration]] = {}
        for admin in mine:
            if admin.scheduled_for is not None:
                by_time.setdefault(admin.scheduled_for, []).append(admin)
        for due_at in version.doses(start, end):
            doses.append(_dose(version, due_at, by_time.get(due_at, []), who, now))
    return doses


_RANK = {
    DoseStatus.OVERDUE: 0,
    DoseStatus.DUE: 1,
    DoseStatus.UPCOMING: 2,
    DoseStatus.AS_NEEDED: 4,
}


def _sort_key(dose: ScheduledDose) -> tuple[int, datetime, str, str]:
    if dose.status == DoseStatus.MISSED and not dose.administrations:
        rank = 0  # nothing written yet: as urgent as an overdue dose
    else:
        rank = _RANK.get(DoseStatus(dose.status), 3)
    return (rank, dose.due_at or _FAR_PAST, dose.bed_code or "", dose.drug_name)


_FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)


def _patients(uow: UnitOfWork, ids: Iterable[str], who: _Who) -> dict[str, list[str]]:
    """Load the surviving chart of each patient id; returns survivor → every linked id.

    Charts touched by no merge (nearly all) are read in one query; the others follow their
    links one by one.
    """
    wanted = sorted({i for i in ids if i not in who.patients})
    merged: set[str] = set()
    for chunk in _chunks(wanted):
        marks = _marks(len(chunk))
        merged.update(
            value
            for row in uow.conn.exec_driver_sql(
                "SELECT replaced_id, replaced_by FROM patient_link WHERE status = 'active' "  # noqa: S608
                f"AND (replaced_id IN ({marks}) OR replaced_by IN ({marks}))",
                (*chunk, *chunk),
            )
            for value in row
        )
    linked: dict[str, list[str]] = {}
    for patient in _find(uow, Patient, "id", [i for i in wanted if i not in merged]):
        who.patients[patient.id] = patient
        linked[patient.id] = [patient.id]
    for patient_id in wanted:
        if patient_id in who.patients:
            continue
        survivor = resolve_patient_id(uow, patient_id)
        if survivor not in who.patients:
            who.patients[survivor] = uow.get(Patient, survivor)
            linked[survivor] = linked_ids(uow, survivor)
        who.patients[patient_id] = who.patients[survivor]
    return linked


def _since(moment: datetime) -> str:
    plain: str = to_plain(moment)
    return plain


def _ward_doses(
    uow: UnitOfWork, department_id: str, start: datetime, end: datetime, now: datetime
) -> tuple[list[ScheduledDose], list[_Version], dict[str, list[Administration]], _Who, list[_Row]]:
    """The doses of a ward's current stays in [start, end), with what they were made of."""
    department = uow.get(Department, department_id)
    if department.deleted_at is not None:
        raise NotFound("Khoa này đã bị xóa", "This department was deleted")
    stays = [
        e
        for e in _find(
            uow, Encounter, "department_id", [department_id], status=EncounterStatus.IN_PROGRESS
        )
        if e.deleted_at is None and e.kind != EncounterKind.OUTPATIENT
    ]
    who = _Who(staff=_staff_names(uow))
    who.beds = {b.id: b.code for b in _find(uow, Bed, "department_id", [department_id])}
    for stay in stays:
        if stay.bed_id and stay.bed_id not in who.beds:
            other = uow.find(Bed, id=stay.bed_id)
            who.beds[stay.bed_id] = other[0].code if other else ""
        who.places[stay.id] = (department_id, who.beds.get(stay.bed_id or "") or None)
    linked = _patients(uow, (s.patient_id for s in stays), who)
    for stay in stays:
        who.bed_of.setdefault(who.patients[stay.patient_id].id, who.places[stay.id][1])
    order_rows = _rows_in(uow, "encounter_id", [s.id for s in stays], [MedicationOrder.KIND])
    versions, roots = _versions_of_orders(order_rows)
    admin_rows = _rows_in(
        uow,
        "patient_id",
        [pid for ids in linked.values() for pid in ids],
        [MedicationAdministration.KIND],
        _since(start - _HISTORY),
    )
    admins = _administrations(admin_rows, roots, who.staff)
    doses = _doses_of(versions, admins, who, start, end, now)
    return doses, versions, admins, who, order_rows


#: How far back administrations are read for a list: a dose is not recorded as given more
#: than a day before its time, and the longest minimum interval is a day.
_HISTORY = timedelta(days=1)
#: How far back the booth looks for prescriptions whose course may still run.
BOOTH_LOOKBACK = timedelta(days=90)


def _booth_versions(
    uow: UnitOfWork, since: str, patient_ids: Sequence[str] | None = None
) -> tuple[list[_Version], dict[str, str]]:
    """Injection lines of the outpatient prescriptions written since `since` (of some
    patients, or of everyone)."""
    if patient_ids is None:
        rx_rows = _rows(uow, "kind = ? AND effective_at >= ?", (Prescription.KIND, since))
    else:
        rx_rows = _rows_in(uow, "patient_id", patient_ids, [Prescription.KIND], since)
    inpatient: set[str] = set()
    for encounter_id in {r.encounter_id for r in rx_rows if r.encounter_id}:
        found = uow.find(Encounter, id=encounter_id)
        if found and found[0].kind != EncounterKind.OUTPATIENT:
            inpatient.add(encounter_id)
    return _versions_of_prescriptions([r for r in rx_rows if r.encounter_id not in inpatient])


def _booth_doses(
    uow: UnitOfWork, start: datetime, end: datetime, now: datetime
) -> list[ScheduledDose]:
    """The booth's doses in [start, end)."""
    versions, roots = _booth_versions(uow, _since(min(start, now) - BOOTH_LOOKBACK))
    # Only lines whose course reaches the window.
    versions = [v for v in versions if v.doses(start, end)]
    if not versions:
        return []
    who = _Who(staff=_staff_names(uow))
    linked = _patients(uow, {v.patient_id for v in versions}, who)
    admin_rows = _rows_in(
        uow,
        "patient_id",
        [pid for ids in linked.values() for pid in ids],
        [MedicationAdministration.KIND],
        _since(start - _HISTORY),
    )
    admins = _administrations(admin_rows, roots, who.staff)
    return _doses_of(versions, admins, who, start, end, now)


def _now(now: datetime | None) -> datetime:
    return utc_now() if now is None else require_aware(now, "now")


# ---------------------------------------------------------------------------- wristbands


def _mrn_of(code: str) -> str:
    text = "".join(code.split()).upper()
    if not text:
        raise ValidationError(
            "wristband",
            "required",
            "Quét vòng tay hoặc nhập mã bệnh nhân",
            "Scan the wristband or type the patient number",
        )
    if text.startswith(WRISTBAND_PREFIX):
        text = text[len(WRISTBAND_PREFIX) :]
    if text.isdigit() and len(text) < _MRN_DIGITS:
        text = text.zfill(_MRN_DIGITS)
    return text


#: Record numbers are written with this many digits (`patients.next_mrn`).
_MRN_DIGITS = 10


def _patient_by_code(uow: UnitOfWork, code: str) -> Patient:
    mrn = _mrn_of(code)
    found = [p for p in uow.find(Patient, mrn=mrn) if p.deleted_at is None]
    if not found:
        raise NotFound(
            f"Không có bệnh nhân mang mã {mrn}", f"No patient has the record number {mrn}"
        )
    return uow.get(Patient, resolve_patient_id(uow, found[0].id))


def patient_for_wristband(store: Store, session: Session, code: str) -> Patient:
    """The patient of a scanned wristband (or a typed MRN), following chart merges.

    `NotFound` if no chart has it; `ValidationError` (field "wristband") if it is empty.
    """
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        patient = _patient_by_code(uow, code)
        uow.audit(
            "nursing.wristband",
            target_kind="patient",
            target_id=patient.id,
            patient_id=patient.id,
        )
        uow.commit()
    return patient


def check_wristband(store: Store, session: Session, *, patient_id: str, code: str) -> Patient:
    """Confirm the wristband scanned is the patient of the dose chosen on the worklist.

    Raises `WrongPatient` (naming both record numbers, never another patient's name).
    """
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        expected = uow.get(Patient, resolve_patient_id(uow, patient_id))
        try:
            scanned = _patient_by_code(uow, code)
        except NotFound:
            scanned = None
        if scanned is None or scanned.id != expected.id:
            shown = scanned.mrn if scanned is not None else _mrn_of(code)
            uow.audit(
                "nursing.wrong_patient",
                target_kind="patient",
                target_id=expected.id,
                patient_id=expected.id,
            )
            uow.commit()
            raise WrongPatient(
                "wristband",
                "same_patient",
                f"SAI BỆNH NHÂN: vòng tay quét mang mã {shown}, liều thuốc này dành cho "
                f"bệnh nhân mã {expected.mrn}",
                f"WRONG PATIENT: the wristband scanned is record number {shown}; this dose is "
                f"for record number {expected.mrn}",
            )
        uow.audit(
            "nursing.wristband",
            target_kind="patient",
            target_id=expected.id,
            patient_id=expected.id,
        )
        uow.commit()
    return expected


# ---------------------------------------------------------------------------- worklist


def worklist(
    store: Store,
    session: Session,
    *,
    department_id: str | None = None,
    booth: bool = False,
    now: datetime | None = None,
    before_hours: int = 12,
    after_hours: int = 12,
) -> list[ScheduledDose]:
    """The doses of a ward (`department_id`) or of the injection booth (`booth=True`) due
    from `before_hours` before `now` to `after_hours` after it, sorted overdue (and missed
    with nothing recorded), due, upcoming (each by time), then recorded ones by time, then
    as-needed orders. At the booth the window starts at the latest at local midnight.

    Audited as a read of the list ("nursing.worklist").
    """
    session.require(Permission.CHART_READ)
    if (department_id is None) == (not booth):
        raise ValidationError(
            "department_id",
            "choice",
            "Chọn một khoa hoặc buồng tiêm",
            "Choose a ward or the injection booth",
        )
    moment = _now(now)
    start = moment - timedelta(hours=before_hours)
    end = moment + timedelta(hours=after_hours)
    with store.unit_of_work(user_id=session.user_id) as uow:
        if booth:
            midnight = datetime.combine(
                moment.astimezone(VIETNAM_TZ).date(), time(), VIETNAM_TZ
            ).astimezone(UTC)
            doses = _booth_doses(uow, min(start, midnight), end, moment)
        else:
            assert department_id is not None
            doses = _ward_doses(uow, department_id, start, end, moment)[0]
        uow.audit(
            "nursing.worklist",
            target_kind="booth" if booth else "department",
            target_id=department_id,
            detail={"doses": len(doses)},
        )
        uow.commit()
    doses.sort(key=_sort_key)
    return doses


def _drug_code_of(scanned: str) -> str:
    code = "".join(scanned.split()).upper()
    if not code:
        raise ValidationError(
            "drug", "required", "Quét hoặc nhập mã thuốc", "Scan or type the drug code"
        )
    return code


def select_dose(
    store: Store,
    session: Session,
    *,
    patient_id: str,
    drug_code_or_barcode: str,
    now: datetime | None = None,
) -> ScheduledDose:
    """The dose to give after the wristband and then the drug were scanned.

    The earliest overdue or due dose of that drug for this patient (ward or booth), or its
    as-needed order. Raises `WrongDrug` if the drug is not ordered for this patient (the
    message names the drug scanned and the drugs due), and `NotDue` if it is but no dose
    is due now (the message says when the last one was given and when the next is due).
    """
    session.require(Permission.CHART_READ)
    code = _drug_code_of(drug_code_or_barcode)
    moment = _now(now)
    with store.unit_of_work(user_id=session.user_id) as uow:
        start, end = moment - timedelta(days=1), moment + timedelta(days=1)
        versions, admins, who, patient = _patient_plan(uow, patient_id, start, open_stays_only=True)
        doses = _doses_of(versions, admins, who, start, end, moment)
        formulary = catalogs.drug_entries(uow)
        uow.audit(
            "nursing.select_dose",
            target_kind="patient",
            target_id=patient.id,
            patient_id=patient.id,
            detail={"drug_code": code},
        )
        uow.commit()
    mine = [d for d in doses if d.drug_code.upper() == code]
    pending = sorted(
        (d for d in mine if d.status in (DoseStatus.OVERDUE, DoseStatus.DUE)),
        key=lambda d: (d.due_at or _FAR_PAST, d.order_id),
    )
    if pending:
        return pending[0]
    prn = [d for d in mine if d.as_needed]
    if prn:
        return prn[0]
    if not mine:
        due_names = sorted(
            {
                d.drug_name
                for d in doses
                if d.status in (DoseStatus.OVERDUE, DoseStatus.DUE) or d.as_needed
            }
        )
        entry = formulary.get(code) or next(
            (e for c, e in formulary.items() if c.upper() == code), None
        )
        scanned = f"{entry.name_vi} ({code})" if entry is not None else code
        if code.startswith(WRISTBAND_PREFIX) and code[len(WRISTBAND_PREFIX) :].isdigit():
            scanned_vi, scanned_en = f"vòng tay {code}", f"a wristband ({code})"
        else:
            scanned_vi = scanned_en = scanned
        expected_vi = ", ".join(due_names) or "không có thuốc nào"
        expected_en = ", ".join(due_names) or "none"
        raise WrongDrug(
            "drug",
            "ordered",
            f"SAI THUỐC: đã quét {scanned_vi}, không có trong y lệnh của bệnh nhân mã "
            f"{patient.mrn}. Thuốc đến giờ: {expected_vi}",
            f"WRONG DRUG: scanned {scanned_en}, which is not ordered for record number "
            f"{patient.mrn}. Due now: {expected_en}",
        )
    name = mine[0].drug_name
    given = [
        a.at for d in mine for a in d.administrations if a.outcome == AdministrationOutcome.GIVEN
    ]
    coming = sorted(
        d.due_at for d in mine if d.status == DoseStatus.UPCOMING and d.due_at is not None
    )
    last_vi = f"; lần dùng gần nhất {_clock(max(given))}" if given else ""
    last_en = f"; last given {_clock(max(given))}" if given else ""
    next_vi = f"; liều tiếp theo lúc {_clock(coming[0])}" if coming else ""
    next_en = f"; next dose at {_clock(coming[0])}" if coming else ""
    raise NotDue(
        "drug",
        "due",
        f"{name}: chưa đến giờ dùng{last_vi}{next_vi}",
        f"{name}: no dose is due now{last_en}{next_en}",
    )


def _clock(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y")


# ---------------------------------------------------------------------------- recording


def _order_for(
    uow: UnitOfWork, order_id: str
) -> tuple[_Version, list[_Version], dict[str, str], list[str]]:
    """The version `order_id` names (an order event, or a booth line) and every version of
    the same order in force, the roots of the patient's orders and the patient's chart ids;
    refuses drafts and orders entered in error."""
    event_id, slash, _drug = order_id.partition("/")
    event = uow.get_event(event_id)
    kind = Prescription.KIND if slash else MedicationOrder.KIND
    if event.kind != kind:
        raise ValidationError(
            "order_id",
            "kind",
            "Mã y lệnh không phải là y lệnh thuốc",
            "The order id is not a medication order",
        )
    ids = linked_ids(uow, resolve_patient_id(uow, event.patient_id))
    rows = _rows_in(uow, "patient_id", ids, [kind])
    if slash:
        versions, roots = _versions_of_prescriptions(rows)
    else:
        versions, roots = _versions_of_orders(rows)
    root = _root_of(order_id, roots)
    chain = [v for v in versions if v.root == root]
    named = next((v for v in chain if v.ref == order_id), None)
    if named is None:
        raise ValidationError(
            "order_id",
            "in_force",
            "Y lệnh chưa ký, đã bị sửa hoặc hủy, hoặc không có thuốc này",
            "The order is not signed, was corrected or cancelled, or has no such drug",
        )
    return named, chain, roots, ids


def _check_scheduled(
    chain: Sequence[_Version], named: _Version, scheduled_for: datetime | None
) -> _Version:
    """The version in force for the dose at `scheduled_for`; refuses a time not scheduled."""
    if named.order.as_needed:
        if scheduled_for is not None:
            raise ValidationError(
                "scheduled_for",
                "as_needed",
                "Thuốc dùng khi cần không có giờ định sẵn",
                "An as-needed order has no scheduled time",
            )
        return named
    if scheduled_for is None:
        raise ValidationError(
            "scheduled_for",
            "required",
            "Chọn giờ dùng thuốc theo y lệnh",
            "Choose the scheduled time of the dose",
        )
    for version in chain:
        if scheduled_for in version.doses(scheduled_for, scheduled_for + timedelta(seconds=1)):
            return version
    raise ValidationError(
        "scheduled_for",
        "schedule",
        f"Y lệnh không có liều lúc {_clock(scheduled_for)}",
        f"The order has no dose scheduled at {_clock(scheduled_for)}",
    )


def _double_dose(
    admins: Sequence[Administration],
    order: MedicationOrder,
    scheduled_for: datetime | None,
    outcome: str,
    at: datetime,
) -> tuple[str, Administration] | None:
    """The rule a new record would break, with the administration it clashes with."""
    if scheduled_for is not None:
        same = [a for a in admins if a.scheduled_for == scheduled_for]
        for admin in same:
            # A dose held or refused may still be given later (the patient changed their
            # mind); anything else recorded twice is a second record of one dose.
            later_given = outcome == AdministrationOutcome.GIVEN and admin.outcome in (
                AdministrationOutcome.HELD,
                AdministrationOutcome.REFUSED,
            )
            if not later_given:
                return "same_dose", admin
    if outcome == AdministrationOutcome.GIVEN:
        interval = min_interval(order)
        for admin in admins:
            if admin.outcome == AdministrationOutcome.GIVEN and abs(at - admin.at) < interval:
                return "min_interval", admin
    return None


def record_administration(
    store: Store,
    session: Session,
    *,
    order_id: str,
    scheduled_for: datetime | None,
    outcome: str,
    dose: Decimal | None = None,
    dose_unit: str | None = None,
    reason: str | None = None,
    site: str | None = None,
    wristband_scanned: bool = False,
    override_reason: str | None = None,
    sign_password: str | None = None,
    at: datetime | None = None,
) -> ClinicalEvent:
    """Record a dose given, held, refused or missed, in one transaction with its audit.

    `order_id` is a `ScheduledDose.order_id`; `scheduled_for` its `due_at` (None for an
    as-needed dose). For *given*, `dose` defaults to the ordered dose and `dose_unit` to its
    unit; a smaller dose is a partial dose, a larger one is refused. Other outcomes need a
    `reason`. `at` is when it happened (default now). Signed at once when `sign_password`
    is given.

    Raises `DoubleDose` when the scheduled dose is already recorded (a *given* after a
    *held* or *refused* excepted) or, for *given*, another dose of the order was given less
    than the minimum interval from `at` — unless `override_reason` is given: the override
    reason is then kept in the record's `reason` and an audit row
    ``administration.override`` is written in the same transaction.
    """
    session.require(Permission.ADMINISTRATION_WRITE)
    if sign_password is not None:
        session.require(Permission.ADMINISTRATION_SIGN)
    moment = _now(at)
    if scheduled_for is not None:
        scheduled_for = require_aware(scheduled_for, "scheduled_for")
    override = " ".join((override_reason or "").split()) or None
    with store.unit_of_work(user_id=session.user_id) as uow:
        named, chain, roots, ids = _order_for(uow, order_id)
        version = _check_scheduled(chain, named, scheduled_for)
        order = version.order
        if outcome == AdministrationOutcome.GIVEN:
            dose = order.dose if dose is None else dose
            dose_unit = dose_unit or order.dose_unit
            if dose_unit != order.dose_unit:
                raise ValidationError(
                    "dose_unit",
                    "ordered_unit",
                    f"Đơn vị liều phải là {order.dose_unit} như y lệnh",
                    f"The dose unit must be {order.dose_unit}, as ordered",
                )
            if Decimal(str(dose)) > order.dose:
                raise ValidationError(
                    "dose",
                    "above_ordered",
                    f"Liều {dose} {dose_unit} vượt liều y lệnh {order.dose} {order.dose_unit}",
                    f"The dose {dose} {dose_unit} is above the ordered "
                    f"{order.dose} {order.dose_unit}",
                )
        else:
            dose = dose_unit = None
        admin_rows = _rows_in(uow, "patient_id", ids, [MedicationAdministration.KIND])
        admins = _administrations(admin_rows, roots, {}).get(version.root, [])
        clash = _double_dose(admins, order, scheduled_for, outcome, moment)
        if clash is not None and override is None:
            rule, previous = clash
            raise _double_dose_error(rule, previous, order)
        written_reason = " ".join((reason or "").split()) or None
        if clash is not None and override is not None:
            written_reason = f"{written_reason} — {override}" if written_reason else override
        body = MedicationAdministration(
            medication_order_id=version.ref,
            scheduled_for=scheduled_for,
            outcome=outcome,
            dose=dose,
            dose_unit=dose_unit,
            route=order.route,
            site=" ".join((site or "").split()) or None,
            reason=written_reason,
            wristband_scanned=wristband_scanned,
        )
        header = record_header(store, session)
        event = ClinicalEvent(
            **header,
            patient_id=resolve_patient_id(uow, named.patient_id),
            encounter_id=named.encounter_id,
            effective_at=moment,
            body=body,
        )
        if sign_password is not None:
            confirm_password(uow, session, sign_password)
            event = replace(
                event,
                status=EventStatus.SIGNED,
                signed_by=session.user_id,
                signed_at=utc_now(),
                content_hash=event.content_digest(),
            )
        uow.add_event(event)
        partial = outcome == AdministrationOutcome.GIVEN and Decimal(str(dose)) < order.dose
        uow.audit(
            f"{event.kind}.record",
            target_kind=event.kind,
            target_id=event.id,
            patient_id=event.patient_id,
            detail={
                "signed": event.status == EventStatus.SIGNED,
                "outcome": outcome,
                "partial": partial,
                "wristband_scanned": wristband_scanned,
            },
        )
        if clash is not None:
            uow.audit(
                "administration.override",
                target_kind=event.kind,
                target_id=event.id,
                patient_id=event.patient_id,
                detail={"rule": clash[0], "previous_id": clash[1].event_id, "order_id": order_id},
            )
        uow.commit()
    log.info("administration %s recorded (%s) for order %s", event.id, outcome, order_id)
    return event


def _double_dose_error(rule: str, previous: Administration, order: MedicationOrder) -> DoubleDose:
    when = _clock(previous.at)
    if rule == "same_dose":
        return DoubleDose(
            "override_reason",
            "same_dose",
            f"LIỀU ĐÃ ĐƯỢC GHI: {order.drug_name} liều này đã ghi lúc {when} "
            f"({_OUTCOME_VI.get(previous.outcome, previous.outcome)}). Muốn ghi lại, nhập lý do",
            f"DOSE ALREADY RECORDED: this dose of {order.drug_name} was recorded at {when} "
            f"({previous.outcome}). To record it again, give a reason",
        )
    hours = min_interval(order).total_seconds() / 3600
    return DoubleDose(
        "override_reason",
        "min_interval",
        f"TRÙNG LIỀU: {order.drug_name} đã dùng lúc {when}, chưa đủ khoảng cách tối thiểu "
        f"{hours:g} giờ. Muốn dùng, nhập lý do",
        f"DOUBLE DOSE: {order.drug_name} was given at {when}, less than the minimum "
        f"interval of {hours:g} hours ago. To give it, give a reason",
    )


_OUTCOME_VI: dict[str, str] = {
    AdministrationOutcome.GIVEN: "đã dùng",
    AdministrationOutcome.HELD: "tạm hoãn",
    AdministrationOutcome.REFUSED: "bệnh nhân từ chối",
    AdministrationOutcome.MISSED: "bỏ lỡ",
}


# ---------------------------------------------------------------------------- MAR and handover


def _patient_plan(
    uow: UnitOfWork, patient_id: str, start: datetime, *, open_stays_only: bool
) -> tuple[list[_Version], dict[str, list[Administration]], _Who, Patient]:
    """The orders (of open stays only, or of every stay) and booth lines of one patient,
    and the administrations since `start`."""
    who = _Who(staff=_staff_names(uow))
    survivor = resolve_patient_id(uow, patient_id)
    patient = uow.get(Patient, survivor)
    ids = linked_ids(uow, survivor)
    for pid in ids:
        who.patients[pid] = patient
    open_stays: set[str] = set()
    for pid in ids:
        for stay in uow.find(Encounter, patient_id=pid):
            bed = uow.find(Bed, id=stay.bed_id) if stay.bed_id else []
            who.places[stay.id] = (stay.department_id, bed[0].code if bed else None)
            if stay.status == EncounterStatus.IN_PROGRESS and stay.deleted_at is None:
                open_stays.add(stay.id)
    versions, roots = _versions_of_orders(_rows_in(uow, "patient_id", ids, [MedicationOrder.KIND]))
    if open_stays_only:
        versions = [v for v in versions if v.encounter_id in open_stays]
    booth, booth_roots = _booth_versions(uow, _since(start - BOOTH_LOOKBACK), ids)
    admin_rows = _rows_in(
        uow, "patient_id", ids, [MedicationAdministration.KIND], _since(start - _HISTORY)
    )
    admins = _administrations(admin_rows, {**roots, **booth_roots}, who.staff)
    return versions + booth, admins, who, patient


def _local_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), VIETNAM_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


def mar_grid(
    store: Store, session: Session, *, patient_id: str, day: date, now: datetime | None = None
) -> MarGrid:
    """The MAR of one patient for one local day: each order with its scheduled times and
    what was recorded for each, and the as-needed doses given. Audited as a chart read."""
    session.require(Permission.CHART_READ)
    moment = _now(now)
    start, end = _local_day(day)
    with store.unit_of_work(user_id=session.user_id) as uow:
        versions, admins, who, patient = _patient_plan(
            uow, patient_id, start, open_stays_only=False
        )
        uow.audit(
            "nursing.mar",
            target_kind="patient",
            target_id=patient.id,
            patient_id=patient.id,
            detail={"day": day.isoformat()},
        )
        uow.commit()
    chains: dict[str, list[_Version]] = {}
    for version in versions:
        chains.setdefault(version.root, []).append(version)
    rows: list[MarRow] = []
    for root, chain in chains.items():
        doses = _doses_of(chain, {root: admins.get(root, [])}, who, start, end, moment)
        cells = tuple(
            MarCell(
                due_at=d.due_at,
                time=d.due_at.astimezone(VIETNAM_TZ).strftime("%H:%M"),
                status=d.status,
                administrations=d.administrations,
            )
            for d in sorted(doses, key=lambda d: d.due_at or _FAR_PAST)
            if d.due_at is not None
        )
        order = chain[-1].order
        prn = tuple(
            _with_partial(a, order)
            for a in admins.get(root, [])
            if a.scheduled_for is None and start <= a.at < end
        )
        prn_in_force = order.as_needed and _runs_on(chain[-1], day, start, end)
        if not cells and not prn and not prn_in_force:
            continue
        shown = next((v for v in reversed(chain) if v.starts is None or v.starts < end), chain[0])
        rows.append(
            MarRow(
                order_id=shown.ref,
                drug_code=shown.order.drug_code,
                drug_name=shown.order.drug_name,
                dose=shown.order.dose,
                dose_unit=shown.order.dose_unit,
                route=shown.order.route,
                instructions=shown.order.instructions,
                as_needed=shown.order.as_needed,
                cells=cells,
                prn=prn,
                stopped=any(v.stopped_at is not None and v.stopped_at < end for v in chain),
            )
        )
    rows.sort(key=lambda r: (r.as_needed, fold(r.drug_name), r.order_id))
    times = tuple(sorted({c.time for r in rows for c in r.cells}))
    return MarGrid(patient_id=patient.id, day=day, times=times, rows=tuple(rows))


def _runs_on(version: _Version, day: date, start: datetime, end: datetime) -> bool:
    """An as-needed version is in force at some time of `day`."""
    order = version.order
    if not order.start_date <= day <= last_day(order):
        return False
    return (version.starts is None or version.starts < end) and (
        version.ends is None or version.ends > start
    )


def _order_line(version: _Version, at: datetime, by: str, who: _Who) -> OrderLine:
    order = version.order
    return OrderLine(
        order_id=version.ref,
        drug_name=order.drug_name,
        dose=order.dose,
        dose_unit=order.dose_unit,
        route=order.route,
        times=order.times,
        as_needed=order.as_needed,
        at=at,
        by_name=who.staff.get(by, ""),
    )


def handover(
    store: Store,
    session: Session,
    *,
    department_id: str,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> Handover:
    """The shift handover of a ward: for each patient now in the ward, the doses of
    [start, end) given (partial ones included), held, refused, missed and still overdue
    (as they stand at `end`, or now if earlier), the as-needed doses given, the orders
    started (or changed) and stopped (or entered in error) in the shift, and the latest
    vital signs before `end`."""
    session.require(Permission.CHART_READ)
    start = require_aware(start, "start")
    end = require_aware(end, "end")
    if end <= start:
        raise ValidationError(
            "end", "order", "Giờ kết thúc ca trước giờ bắt đầu", "The shift ends before it starts"
        )
    moment = min(_now(now), end)
    with store.unit_of_work(user_id=session.user_id) as uow:
        doses, versions, admins, who, order_rows = _ward_doses(
            uow, department_id, start, end, moment
        )
        survivors = {p.id: p for p in who.patients.values()}
        vitals = {pid: _latest_vitals(uow, pid, end) for pid in survivors}
        uow.audit(
            "nursing.handover",
            target_kind="department",
            target_id=department_id,
            detail={"patients": len(survivors)},
        )
        uow.commit()
    beds = who.bed_of
    patients = []
    for patient in sorted(
        survivors.values(),
        key=lambda p: (bed_sort_key(beds.get(p.id) or "~"), fold(p.full_name)),
    ):
        mine = [d for d in doses if d.patient_id == patient.id and d.due_at is not None]

        def having(*statuses: str, among: list[ScheduledDose] = mine) -> tuple[ScheduledDose, ...]:
            return tuple(d for d in among if d.status in statuses)

        my_versions = [v for v in versions if who.patients[v.patient_id].id == patient.id]
        prn_given = tuple(
            a
            for root in {v.root for v in my_versions}
            for a in admins.get(root, [])
            if a.scheduled_for is None
            and a.outcome == AdministrationOutcome.GIVEN
            and start <= a.at < end
        )
        new_orders = tuple(
            _order_line(v, v.starts or v.created_at, v.created_by, who)
            for v in my_versions
            if not v.is_stop and start <= (v.starts or v.created_at) < end
        )
        stopped = [
            _order_line(v, v.stopped_at, v.stopped_by or "", who)
            for v in my_versions
            if v.stopped_at is not None and start <= v.stopped_at < end
        ]
        stopped += _entered_in_error(order_rows, patient, who, start, end)
        latest = vitals[patient.id]
        patients.append(
            HandoverPatient(
                patient_id=patient.id,
                patient_name=patient.full_name,
                mrn=patient.mrn,
                bed_code=beds.get(patient.id),
                given=having(DoseStatus.GIVEN, DoseStatus.PARTIAL),
                held=having(DoseStatus.HELD),
                refused=having(DoseStatus.REFUSED),
                missed=having(DoseStatus.MISSED),
                overdue=having(DoseStatus.OVERDUE),
                prn_given=tuple(sorted(prn_given, key=lambda a: a.at)),
                new_orders=new_orders,
                stopped_orders=tuple(stopped),
                latest_vitals=latest[0] if latest else None,
                latest_vitals_at=latest[1] if latest else None,
            )
        )
    return Handover(department_id=department_id, start=start, end=end, patients=tuple(patients))


def _entered_in_error(
    order_rows: Sequence[_Row], patient: Patient, who: _Who, start: datetime, end: datetime
) -> list[OrderLine]:
    """Orders of `patient` marked entered in error during [start, end)."""
    by_id = {r.id: r for r in order_rows}
    lines = []
    for row in order_rows:
        original = by_id.get(row.corrects or "")
        if (
            row.correction != Correction.ENTERED_IN_ERROR
            or original is None
            or who.patients[original.patient_id].id != patient.id
            or not start <= row.created_at < end
        ):
            continue
        order = _order_body(original)
        lines.append(
            OrderLine(
                order_id=original.id,
                drug_name=order.drug_name,
                dose=order.dose,
                dose_unit=order.dose_unit,
                route=order.route,
                times=order.times,
                as_needed=order.as_needed,
                at=row.created_at,
                by_name=who.staff.get(row.created_by, ""),
            )
        )
    return lines


def _latest_vitals(
    uow: UnitOfWork, patient_id: str, before: datetime
) -> tuple[VitalSigns, datetime] | None:
    """The last vital signs in force recorded before `before` on the patient's charts."""
    ids = linked_ids(uow, patient_id)
    found = uow.conn.exec_driver_sql(
        "SELECT id, effective_at, body, corrects, correction FROM clinical_event "  # noqa: S608
        f"WHERE patient_id IN ({_marks(len(ids))}) AND kind = ? AND effective_at < ? "
        f"ORDER BY effective_at DESC, pk DESC LIMIT 50",
        (*ids, VitalSigns.KIND, _since(before)),
    ).fetchall()
    gone: set[str] = set()
    for _id, _at, _body, corrects, correction in found:
        if corrects is not None:
            gone.add(corrects)
            if correction == Correction.ENTERED_IN_ERROR:
                gone.add(_id)
    for event_id, at, body, _corrects, _correction in found:
        if event_id not in gone:
            return from_plain(VitalSigns, json.loads(body)), _moment(at)
    return None


# ---------------------------------------------------------------------------- orders


def order_medication(
    store: Store,
    session: Session,
    *,
    encounter_id: str,
    drug_code: str,
    dose: Decimal,
    times: Sequence[str],
    start_date: date,
    days: int,
    as_needed: bool = False,
    dose_unit: str | None = None,
    route: str | None = None,
    instructions: str | None = None,
    sign_password: str | None = None,
) -> ClinicalEvent:
    """Order a drug for an open stay (doctor): name, unit and usual route from the
    formulary. Only a signed order reaches the nurses' worklist."""
    session.require(Permission.PRESCRIPTION_WRITE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        stay = uow.get(Encounter, encounter_id)
        if stay.status != EncounterStatus.IN_PROGRESS:
            raise ConflictError("Lượt điều trị đã kết thúc", "The stay is already closed")
        drug = catalogs.drug_entries(uow).get(drug_code.strip())
    if drug is None:
        raise ValidationError(
            "drug_code",
            "catalog",
            f"Mã thuốc {drug_code!r} không có trong danh mục thuốc",
            f"Drug code {drug_code!r} is not in the formulary",
        )
    body = MedicationOrder(
        drug_code=drug.code,
        drug_name=drug.name_vi,
        dose=dose,
        dose_unit=dose_unit or drug.unit,
        route=route or drug.route.value,
        times=tuple(t.strip() for t in times if t.strip()),
        start_date=start_date,
        days=days,
        as_needed=as_needed,
        instructions=" ".join((instructions or "").split()) or None,
    )
    return clinical.record_event(
        store,
        session,
        patient_id=stay.patient_id,
        body=body,
        encounter_id=encounter_id,
        sign_password=sign_password,
    )


def _stopped_body(order: MedicationOrder, at: datetime) -> MedicationOrder:
    """`order` cut so that it schedules nothing at or after `at`."""
    kept = 0
    for k in range(order.days):
        day = replace(order, start_date=order.start_date + timedelta(days=k), days=1)
        if all(m < at for m in all_doses(day)) and (
            not order.as_needed or day.start_date < at.astimezone(VIETNAM_TZ).date()
        ):
            kept = k + 1
        else:
            break
    if kept:
        return replace(order, days=kept)
    # Stopped before its first dose: one treatment day wholly in the past.
    span = max((extra for extra, _m in day_offsets(order.times)), default=0)
    before = at.astimezone(VIETNAM_TZ).date() - timedelta(days=span + 1)
    return replace(order, start_date=min(before, order.start_date), days=1)


def stop_medication_order(
    store: Store,
    session: Session,
    *,
    order_id: str,
    reason: str,
    sign_password: str,
    at: datetime | None = None,
) -> ClinicalEvent:
    """Stop an order from `at` (default now): a signed amendment, effective at `at`, whose
    schedule ends before it. Doses due before `at` stay on the record; none is due after.
    Signed at once (a stop that waited for a signature would leave the drug being given).
    """
    session.require(Permission.PRESCRIPTION_WRITE)
    session.require(Permission.PRESCRIPTION_SIGN)
    moment = _now(at)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            "reason", "required", "Ghi lý do ngừng thuốc", "Give the reason for stopping"
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        named, chain, _roots, _ids = _order_for(uow, order_id)
        if named.booth:
            raise ValidationError(
                "order_id",
                "kind",
                "Chỉ ngừng được y lệnh thuốc nội trú",
                "Only inpatient medication orders can be stopped here",
            )
        current = chain[-1]
        if current.is_stop:
            raise ConflictError("Y lệnh đã ngừng", "The order is already stopped")
        confirm_password(uow, session, sign_password)
        original = uow.get_event(current.ref)
        draft = ClinicalEvent(
            **record_header(store, session),
            patient_id=original.patient_id,
            encounter_id=original.encounter_id,
            effective_at=moment,
            body=_stopped_body(current.order, moment),
            corrects=current.ref,
            correction=Correction.AMENDS,
            correction_reason=reason,
        )
        event = replace(
            draft,
            status=EventStatus.SIGNED,
            signed_by=session.user_id,
            signed_at=utc_now(),
            content_hash=draft.content_digest(),
        )
        uow.add_event(event)
        uow.audit(
            "medication_order.stop",
            target_kind=original.kind,
            target_id=original.id,
            patient_id=original.patient_id,
            detail={"correction_id": event.id},
        )
        uow.commit()
    return event


# ---------------------------------------------------------------------------- after a sync

#: `meta` key: the last `clinical_event.pk` `detect_double_doses` looked at.
DOUBLE_DOSE_MARK = "nursing_double_dose_pk"
#: The conflict rows of a dose recorded twice (see the module docstring).
CONFLICT_KIND = MedicationAdministration.KIND
CONFLICT_FIELD = "double_dose"


def _summary(row: _Row, staff: Mapping[str, str]) -> str:
    """What the review screen shows of one administration: time · dose · nurse."""
    body = row.body
    parts = [_clock(row.effective_at)]
    if body.get("dose") is not None:
        parts.append(
            f"{format_amount(Decimal(body['dose']))} {body.get('dose_unit') or ''}".strip()
        )
    name = staff.get(row.created_by)
    if name:
        parts.append(name)
    return " · ".join(parts)


def detect_double_doses(store: Store) -> int:
    """Record a conflict for every extra *given* administration of one scheduled dose that
    arrived since the last run (two PCs recorded it offline). Returns how many were new.

    Needs no logged-in user (runs after a pull); idempotent; reads only the events stored
    since its last run (a watermark in `meta`) and the charts they belong to.
    """
    with store.unit_of_work(user_id=None) as uow:
        mark_row = uow.conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = ?", (DOUBLE_DOSE_MARK,)
        ).fetchone()
        mark = int(mark_row[0]) if mark_row else 0
        top = uow.conn.exec_driver_sql("SELECT max(pk) FROM clinical_event").scalar() or 0
        arrived = _rows(
            uow, "pk > ? AND pk <= ? AND kind = ?", (mark, top, MedicationAdministration.KIND)
        )
        charts = {
            r.patient_id
            for r in arrived
            if r.body.get("outcome") == AdministrationOutcome.GIVEN and r.body.get("scheduled_for")
        }
        staff = _staff_names(uow)
        done: set[str] = set()
        new = 0
        for patient_id in sorted(charts):
            try:
                survivor = resolve_patient_id(uow, patient_id)
            except NotFound:  # the chart itself has not arrived yet
                survivor = patient_id
            if survivor in done:
                continue
            done.add(survivor)
            new += _record_double_doses(uow, linked_ids(uow, survivor), staff)
        write_meta(uow.conn, {DOUBLE_DOSE_MARK: str(top)})
        uow.commit()
    if new:
        log.warning("double doses after sync: %d new conflicts", new)
    return new


def _record_double_doses(uow: UnitOfWork, ids: Sequence[str], staff: Mapping[str, str]) -> int:
    order_rows = _rows_in(uow, "patient_id", ids, [MedicationOrder.KIND, Prescription.KIND])
    roots = _roots(order_rows)
    rows = _rows_in(uow, "patient_id", ids, [MedicationAdministration.KIND])
    gone = _superseded(rows)
    doses: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        scheduled = row.body.get("scheduled_for")
        if row.id in gone or row.body.get("outcome") != AdministrationOutcome.GIVEN:
            continue
        if scheduled:
            key = (_root_of(row.body["medication_order_id"], roots), to_plain(_moment(scheduled)))
            doses.setdefault(key, []).append(row)
    new = 0
    for given in doses.values():
        if len(given) < 2:
            continue
        given.sort(key=lambda r: (r.effective_at, r.created_at, r.id))
        first = given[0]
        for n, extra in enumerate(given[1:], start=1):
            if all(earlier.device_id == extra.device_id for earlier in given[:n]):
                # Recorded on the PC that held the earlier ones: it passed (or overrode,
                # audited) the double-dose rule of `record_administration` there.
                continue
            known = uow.conn.exec_driver_sql(
                "SELECT 1 FROM conflict WHERE kind = ? AND field = ? AND record_id = ?",
                (CONFLICT_KIND, CONFLICT_FIELD, extra.id),
            ).fetchone()
            if known:
                continue
            uow.conn.exec_driver_sql(
                "INSERT INTO conflict(kind, record_id, field, winner_value, winner_hlc, "
                "loser_value, loser_hlc, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                (
                    CONFLICT_KIND,
                    extra.id,
                    CONFLICT_FIELD,
                    json.dumps(_summary(first, staff), ensure_ascii=False),
                    first.hlc,
                    json.dumps(_summary(extra, staff), ensure_ascii=False),
                    extra.hlc,
                    to_plain(utc_now()),
                ),
            )
            new += 1
    return new


def wristband_patients(
    store: Store, session: Session, patient_ids: Sequence[str], *, copies: int = 1
) -> tuple[str, list[Patient]]:
    """The facility's name and the patients whose wristbands are to be printed (merged
    charts as their survivor); audited as a print of each patient's wristband.

    The sheet itself is drawn by `printing.labels.wristband_sheet`, which needs no store.
    """
    session.require(Permission.PRINT)
    with store.unit_of_work(user_id=session.user_id) as uow:
        facility = uow.get(Facility, session.facility_id)
        chosen = [uow.get(Patient, resolve_patient_id(uow, pid)) for pid in patient_ids]
        for patient in chosen:
            uow.audit(
                "wristband.print",
                target_kind="patient",
                target_id=patient.id,
                patient_id=patient.id,
                detail={"copies": copies},
            )
        uow.commit()
    return facility.name, chosen
