"""A ward with two admitted patients and medication orders due now, for the nursing GUI.

"Now" is not the wall clock: every test here runs with the nursing screens' clock
(`emr_desktop.ui.nursing.clock`) pinned by the autouse `clock` fixture — by default to 10:00
Vietnam time today, far from the shift changes (07:00, 14:00, 21:00) and from midnight — and
the orders, the doses selected and recorded and the MAR day are all taken at that moment.
So no test depends on the minute, the shift or the day it runs in. A test may pin another
time of day by parametrizing `clock` indirectly with "HH:MM:SS".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.records import EncounterKind, Patient
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import clinical, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import ScheduledDose
from emr_desktop.store.store import Store
from emr_desktop.ui import nursing as nursing_ui

#: Formulary codes (the bundled catalogue): injections given on the ward.
CEFTRIAXONE = "T0040"  # Ceftriaxon 1 g, lọ, iv
GENTAMICIN = "T0044"  # Gentamicin 80 mg/2 ml, ống, im
PARACETAMOL = "T0001"  # Paracetamol 500 mg, viên, oral


@dataclass(frozen=True)
class Ward:
    department_id: str
    #: In bed G1: ceftriaxone due now, paracetamol when needed.
    first: Patient
    #: In bed G2: gentamicin due now.
    second: Patient
    first_stay: str
    second_stay: str


#: The default time of day of the pinned clock.
PINNED_TIME = "10:00:00"


class PinnedClock:
    """The nursing screens' clock, stopped at `moment` (an aware datetime)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    @property
    def day(self) -> date:
        """The local (Vietnam) date of the pinned moment."""
        return self.moment.astimezone(VIETNAM_TZ).date()

    def pin(self, day: date, time_of_day: str = PINNED_TIME) -> None:
        """Stop the clock at `time_of_day` ("HH:MM:SS", Vietnam time) of `day`."""
        self.moment = datetime.combine(day, time.fromisoformat(time_of_day), VIETNAM_TZ)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> PinnedClock:
    """Pin the nursing screens' clock: today (Vietnam time) at `PINNED_TIME`, or at the time
    of day the test parametrizes `clock` with (indirectly)."""
    pinned = PinnedClock(datetime.now(VIETNAM_TZ))
    pinned.pin(pinned.day, getattr(request, "param", PINNED_TIME))
    monkeypatch.setattr(nursing_ui, "clock", pinned)
    return pinned


def now_clock() -> str:
    """The minute of the pinned clock, Vietnam time: an order at this time is due now."""
    return nursing_ui.now().astimezone(VIETNAM_TZ).strftime("%H:%M")


def _admit(store: Store, doctor: Session, department_id: str, bed: str, name: str) -> tuple:
    bed_id = next(b.id for b in wards.list_beds(store, doctor, department_id) if b.code == bed)
    patient = patients.register_patient(
        store, doctor, full_name=name, sex="female", date_of_birth="1960"
    )
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind=EncounterKind.INPATIENT,
        department_id=department_id,
        bed_id=bed_id,
        reason="Viêm phổi",
    )
    return patient, stay.id


def order(
    store: Store,
    doctor: Session,
    stay_id: str,
    drug_code: str,
    *,
    times: tuple[str, ...] = (),
    as_needed: bool = False,
    dose: str = "1",
) -> str:
    """A signed medication order starting on the pinned day; returns its event id."""
    event = nursing.order_medication(
        store,
        doctor,
        encounter_id=stay_id,
        drug_code=drug_code,
        dose=Decimal(dose),
        times=times or ((now_clock(),) if not as_needed else ()),
        start_date=nursing_ui.today(),
        days=3,
        as_needed=as_needed,
        sign_password=STAFF_PASSWORD,
    )
    return event.id


@pytest.fixture
def ward(store: Store, admin: Session, doctor: Session, clock: PinnedClock) -> Ward:
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    for bed in ("G1", "G2"):
        wards.add_bed(store, admin, department_id=department.id, code=bed)
    first, first_stay = _admit(store, doctor, department.id, "G1", "Nguyễn Thị Mai")
    second, second_stay = _admit(store, doctor, department.id, "G2", "Trần Văn Bình")
    order(store, doctor, first_stay, CEFTRIAXONE)
    order(store, doctor, first_stay, PARACETAMOL, as_needed=True)
    order(store, doctor, second_stay, GENTAMICIN)
    return Ward(department.id, first, second, first_stay, second_stay)


def administrations(
    store: Store, session: Session, patient_id: str
) -> list[nursing.Administration]:
    """Every administration recorded on the pinned day for the patient, read back from the
    store."""
    grid = nursing.mar_grid(
        store, session, patient_id=patient_id, day=nursing_ui.today(), now=nursing_ui.now()
    )
    found = [a for row in grid.rows for cell in row.cells for a in cell.administrations]
    found += [a for row in grid.rows for a in row.prn]
    return found


def select_dose(store: Store, session: Session, patient_id: str, drug_code: str) -> ScheduledDose:
    """The dose of `drug_code` to give the patient at the pinned moment."""
    return nursing.select_dose(
        store, session, patient_id=patient_id, drug_code_or_barcode=drug_code, now=nursing_ui.now()
    )


def record(
    store: Store,
    session: Session,
    dose: ScheduledDose,
    outcome: str = "given",
    *,
    reason: str | None = None,
    override_reason: str | None = None,
) -> None:
    """Record `dose` (as the service would from another screen) at the pinned moment."""
    nursing.record_administration(
        store,
        session,
        order_id=dose.order_id,
        scheduled_for=dose.due_at,
        outcome=outcome,
        reason=reason,
        override_reason=override_reason,
        at=nursing_ui.now(),
    )


def audit_actions(store: Store, action: str) -> int:
    with store.unit_of_work(user_id=None) as uow:
        row = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE action = ?", (action,)
        ).fetchone()
    return int(row[0])
