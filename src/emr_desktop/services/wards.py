"""Departments, beds and the ward board: who lies in which bed (DESIGN §6 "ward board").

A department and its beds are facility records, synced like any other and managed by an
administrator. Who occupies a bed is not stored twice: it is the open inpatient stays
(`Encounter`, status in progress) of the department, each with its bed. District hospitals
are often full, so a bed may hold two patients ("nằm ghép") and a patient just admitted may
wait without a bed; the board shows both as they are.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import NotFound, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    Bed,
    ClinicalEvent,
    Department,
    DepartmentKind,
    Encounter,
    EncounterKind,
    EncounterStatus,
    Movement,
    MovementKind,
    Patient,
    Role,
    Sex,
    User,
)
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services.auth import Session, record_header
from emr_desktop.services.patients import resolve_patient_id
from emr_desktop.store import bulk
from emr_desktop.store.store import Store

log = logging.getLogger(__name__)

#: Departments whose patients stay in beds: the ones a ward board is drawn for.
WARD_KINDS = frozenset({DepartmentKind.INPATIENT, DepartmentKind.EMERGENCY})

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class BoardRow:
    """One line of the ward board: a bed with its patient, a free bed, or a patient of the
    department still waiting for a bed (`bed_id` None)."""

    bed_id: str | None
    bed_code: str
    patient_id: str | None = None
    patient_name: str | None = None
    mrn: str | None = None
    sex: str | None = None
    date_of_birth: BirthDate | None = None
    encounter_id: str | None = None
    admitted_at: datetime | None = None
    attending_name: str | None = None
    reason: str | None = None

    @property
    def free(self) -> bool:
        return self.patient_id is None


def bed_sort_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Order bed codes as people read them: "G2" before "G10"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _DIGITS.split(code)
        if part
    )


def list_departments(
    store: Store, session: Session, *, wards_only: bool = False
) -> list[Department]:
    """The facility's departments by name; `wards_only` keeps those with beds to lie in."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        found = [d for d in uow.find(Department) if d.deleted_at is None]
    if wards_only:
        found = [d for d in found if d.kind in WARD_KINDS]
    return sorted(found, key=lambda d: d.name.casefold())


def list_beds(store: Store, session: Session, department_id: str) -> list[Bed]:
    """The beds of a department, in reading order of their codes."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Department, department_id)
        beds = [b for b in uow.find(Bed, department_id=department_id) if b.deleted_at is None]
    return sorted(beds, key=lambda b: bed_sort_key(b.code))


def add_department(
    store: Store,
    session: Session,
    *,
    code: str,
    name: str,
    kind: str = DepartmentKind.INPATIENT,
) -> Department:
    """Create a department (administrator). Codes are unique within the facility."""
    session.require(Permission.USER_MANAGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        department = Department(
            **record_header(store, session), code=code.strip(), name=name.strip(), kind=kind
        )
        taken = [d for d in uow.find(Department, code=department.code) if d.deleted_at is None]
        if taken:
            raise ValidationError(
                "department_code",
                "unique",
                f"Mã khoa {department.code} đã có ({taken[0].name})",
                f"The department code {department.code} is taken ({taken[0].name})",
            )
        uow.add(department)
        uow.audit("department.add", target_kind="department", target_id=department.id)
        uow.commit()
    return department


def add_bed(store: Store, session: Session, *, department_id: str, code: str) -> Bed:
    """Add a bed to a department (administrator). Codes are unique within the department."""
    session.require(Permission.USER_MANAGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.get(Department, department_id)
        new_bed = Bed(
            **record_header(store, session), department_id=department_id, code=code.strip()
        )
        same = [
            b
            for b in uow.find(Bed, department_id=department_id)
            if b.deleted_at is None and b.code.casefold() == new_bed.code.casefold()
        ]
        if same:
            raise ValidationError(
                "bed_code",
                "unique",
                f"Khoa đã có giường {same[0].code}",
                f"The department already has bed {same[0].code}",
            )
        uow.add(new_bed)
        uow.audit("bed.add", target_kind="bed", target_id=new_bed.id)
        uow.commit()
    return new_bed


def ward_board(store: Store, session: Session, department_id: str) -> list[BoardRow]:
    """Every bed of the department with its current patient(s), free beds included, then
    the department's patients without a bed. Audited as a read of the department's list."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        department = uow.get(Department, department_id)
        if department.deleted_at is not None:
            raise NotFound("Khoa này đã bị xóa", "This department was deleted")
        beds = sorted(
            (b for b in uow.find(Bed, department_id=department_id) if b.deleted_at is None),
            key=lambda b: bed_sort_key(b.code),
        )
        stays = [
            e
            for e in uow.find(
                Encounter, department_id=department_id, status=EncounterStatus.IN_PROGRESS
            )
            if e.deleted_at is None and e.kind != EncounterKind.OUTPATIENT
        ]
        people: dict[str, Patient] = {}
        staff: dict[str, str] = {}
        for stay in stays:
            if stay.patient_id not in people:
                people[stay.patient_id] = uow.get(Patient, resolve_patient_id(uow, stay.patient_id))
            if stay.attending_id and stay.attending_id not in staff:
                try:
                    staff[stay.attending_id] = uow.get(User, stay.attending_id).full_name
                except NotFound:  # an account not synced here yet
                    staff[stay.attending_id] = ""
        uow.audit(
            "ward.board",
            target_kind="department",
            target_id=department_id,
            detail={"patients": len(stays)},
        )
        uow.commit()

    def occupied(bed: Bed | None, stay: Encounter) -> BoardRow:
        patient = people[stay.patient_id]
        return BoardRow(
            bed_id=bed.id if bed else None,
            bed_code=bed.code if bed else "",
            patient_id=patient.id,
            patient_name=patient.full_name,
            mrn=patient.mrn,
            sex=patient.sex,
            date_of_birth=patient.date_of_birth,
            encounter_id=stay.id,
            admitted_at=stay.started_at,
            attending_name=staff.get(stay.attending_id or "") or None,
            reason=stay.reason,
        )

    by_bed: dict[str, list[Encounter]] = {}
    for stay in sorted(stays, key=lambda e: e.started_at):
        by_bed.setdefault(stay.bed_id or "", []).append(stay)
    rows: list[BoardRow] = []
    for bed in beds:
        here = by_bed.pop(bed.id, [])
        rows.extend(occupied(bed, s) for s in here)
        if not here:
            rows.append(BoardRow(bed_id=bed.id, bed_code=bed.code))
    # Left: no bed yet, or a bed of another department (a transfer that kept its old bed).
    rows.extend(occupied(None, s) for group in by_bed.values() for s in group)
    return rows


# ------------------------------------------------------------------ demo


@dataclass(frozen=True)
class _DemoWard:
    code: str
    name: str
    kind: str
    beds: tuple[str, ...]
    #: Who is admitted here: (lowest age, highest age, sex or None for any).
    ages: tuple[int, int, str | None]
    reasons: tuple[str, ...]
    #: Share of beds taken; then patients sharing a bed and patients waiting without one.
    occupancy: float
    shared: int = 0
    waiting: int = 0


def _rooms(prefix: str, rooms: range, beds_per_room: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{room}-G{bed}" for room in rooms for bed in range(1, beds_per_room + 1))


DEMO_WARDS: tuple[_DemoWard, ...] = (
    _DemoWard(
        "NOI",
        "Khoa Nội tổng hợp",
        DepartmentKind.INPATIENT,
        _rooms("P", range(201, 207), 4),
        (16, 95, None),
        (
            "Tăng huyết áp",
            "Viêm phổi",
            "Đái tháo đường typ 2 mất bù",
            "Suy tim",
            "Đợt cấp bệnh phổi tắc nghẽn mạn tính",
            "Xuất huyết tiêu hóa trên",
            "Nhồi máu não",
        ),
        occupancy=0.85,
        shared=2,
    ),
    _DemoWard(
        "NGOAI",
        "Khoa Ngoại tổng hợp",
        DepartmentKind.INPATIENT,
        _rooms("P", range(301, 305), 4),
        (16, 85, None),
        (
            "Viêm ruột thừa cấp",
            "Gãy kín xương cẳng tay",
            "Sỏi niệu quản",
            "Thoát vị bẹn",
            "Chấn thương phần mềm do tai nạn giao thông",
            "Viêm túi mật cấp",
        ),
        occupancy=0.7,
        waiting=1,
    ),
    _DemoWard(
        "NHI",
        "Khoa Nhi",
        DepartmentKind.INPATIENT,
        _rooms("P", range(101, 105), 4),
        (0, 15, None),
        (
            "Viêm phế quản phổi",
            "Tiêu chảy cấp",
            "Sốt xuất huyết Dengue",
            "Hen phế quản",
            "Viêm tiểu phế quản",
        ),
        occupancy=0.75,
        shared=1,
    ),
    _DemoWard(
        "SAN",
        "Khoa Phụ sản",
        DepartmentKind.INPATIENT,
        _rooms("P", range(401, 404), 4),
        (18, 45, Sex.FEMALE),
        (
            "Chuyển dạ đẻ",
            "Theo dõi sau mổ lấy thai",
            "Dọa sẩy thai",
            "Tiền sản giật",
            "Theo dõi sau đẻ thường",
        ),
        occupancy=0.6,
    ),
    _DemoWard(
        "HSCC",
        "Khoa Hồi sức cấp cứu",
        DepartmentKind.EMERGENCY,
        tuple(f"HS-{n:02d}" for n in range(1, 9)),
        (16, 95, None),
        (
            "Sốc nhiễm khuẩn",
            "Ngộ độc cấp",
            "Suy hô hấp cấp",
            "Đột quỵ não",
            "Đa chấn thương",
        ),
        occupancy=0.75,
    ),
)

#: How many stored patients the demo looks through when choosing whom to admit.
_DEMO_CANDIDATES = 5000


@dataclass(frozen=True)
class WardSeedReport:
    departments: int
    beds: int
    admitted: int


def seed_demo_wards(store: Store, session: Session, *, seed: int = 1) -> WardSeedReport:
    """Departments of a district hospital with their beds, and some demo patients admitted
    (administrator; after `seed_demo`). Running it again adds nothing.

    The departments and beds are ordinary records; the admissions, like the rest of the
    demo history, are written by the bulk path and stay on this PC (see `store.bulk`).
    """
    session.require(Permission.USER_MANAGE)
    rng = random.Random(seed)
    departments = beds = 0
    wards: list[tuple[_DemoWard, Department, list[Bed]]] = []
    for spec in DEMO_WARDS:
        existing = [
            d
            for d in list_departments(store, session)
            if d.code == spec.code and d.deleted_at is None
        ]
        if existing:
            department = existing[0]
        else:
            department = add_department(
                store, session, code=spec.code, name=spec.name, kind=spec.kind
            )
            departments += 1
        have = {b.code for b in list_beds(store, session, department.id)}
        for code in spec.beds:
            if code not in have:
                add_bed(store, session, department_id=department.id, code=code)
                beds += 1
        wards.append((spec, department, list_beds(store, session, department.id)))
    admitted = _admit_demo_patients(store, session, rng, wards)
    log.info("demo wards: %d departments, %d beds, %d admitted", departments, beds, admitted)
    return WardSeedReport(departments=departments, beds=beds, admitted=admitted)


def _admit_demo_patients(
    store: Store,
    session: Session,
    rng: random.Random,
    wards: list[tuple[_DemoWard, Department, list[Bed]]],
) -> int:
    # Imported here: the demo tables cost a tenth of a second the GUI need not pay at start.
    from emr_desktop.services.demo import DEMO_STAFF

    now = utc_now()
    today = now.date()
    with store.unit_of_work(user_id=session.user_id) as uow:
        open_stays = [
            e
            for e in uow.find(Encounter, status=EncounterStatus.IN_PROGRESS)
            if e.deleted_at is None
        ]
        busy = {e.patient_id for e in open_stays}
        staffed = {e.department_id for e in open_stays}
        doctor = next(
            (
                u
                for u in uow.find(User, username=DEMO_STAFF[0][0])
                if u.role == Role.DOCTOR and u.deleted_at is None
            ),
            None,
        )
        rows = uow.conn.exec_driver_sql(
            "SELECT id, sex, date_of_birth FROM patient WHERE deleted_at IS NULL "
            "ORDER BY pk LIMIT ?",
            (_DEMO_CANDIDATES,),
        ).fetchall()
    candidates: list[tuple[str, str, int]] = []
    for patient_id, sex, dob in rows:
        if patient_id in busy or not dob:
            continue
        candidates.append((patient_id, sex, BirthDate.parse(dob).age_on(today)))
    rng.shuffle(candidates)
    header = record_header(store, session)
    author = doctor.id if doctor else session.user_id
    batch = bulk.BulkBatch()
    for spec, department, ward_beds in wards:
        if department.id in staffed:
            continue
        low, high, sex_wanted = spec.ages
        fits = [
            c
            for c in candidates
            if low <= c[2] <= high and (sex_wanted is None or c[1] == sex_wanted)
        ]
        taken = rng.sample(ward_beds, round(len(ward_beds) * spec.occupancy))
        places: list[Bed | None] = [*taken, *rng.sample(taken, min(spec.shared, len(taken)))]
        places += [None] * spec.waiting
        for place, (patient_id, _sex, _age) in zip(places, fits, strict=False):
            candidates.remove((patient_id, _sex, _age))
            started = now - timedelta(days=rng.randint(0, 12), minutes=rng.randint(0, 1439))
            stay = Encounter(
                **{**header, "id": new_id(), "created_by": author, "created_at": started},
                patient_id=patient_id,
                kind=EncounterKind.INPATIENT,
                started_at=started,
                department_id=department.id,
                bed_id=place.id if place else None,
                attending_id=doctor.id if doctor else None,
                reason=rng.choice(spec.reasons),
            )
            batch.encounters.append(stay)
            batch.events.append(
                ClinicalEvent(
                    id=new_id(),
                    facility_id=session.facility_id,
                    patient_id=patient_id,
                    encounter_id=stay.id,
                    effective_at=started,
                    created_at=started,
                    created_by=author,
                    device_id=store.device_id,
                    body=Movement(
                        movement=MovementKind.ADMISSION,
                        department_id=department.id,
                        bed_id=stay.bed_id,
                    ),
                )
            )
    if batch.encounters:
        bulk.insert_rows(
            store,
            bulk.rows_for(batch),
            audit_user_id=session.user_id,
            audit_action="demo.wards",
            audit_detail={"admitted": len(batch.encounters)},
        )
    return len(batch.encounters)
