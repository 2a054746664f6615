"""A ward with two admitted patients and medication orders due now, for the nursing GUI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.records import EncounterKind, Patient
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import clinical, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

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


def now_clock() -> str:
    """The current minute in Vietnam time: an order at this time is due now."""
    return datetime.now(VIETNAM_TZ).strftime("%H:%M")


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
    """A signed medication order starting today; returns its event id."""
    event = nursing.order_medication(
        store,
        doctor,
        encounter_id=stay_id,
        drug_code=drug_code,
        dose=Decimal(dose),
        times=times or ((now_clock(),) if not as_needed else ()),
        start_date=datetime.now(VIETNAM_TZ).date(),
        days=3,
        as_needed=as_needed,
        sign_password=STAFF_PASSWORD,
    )
    return event.id


@pytest.fixture
def ward(store: Store, admin: Session, doctor: Session) -> Ward:
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
    """Every administration recorded today for the patient, read back from the store."""
    grid = nursing.mar_grid(
        store, session, patient_id=patient_id, day=datetime.now(VIETNAM_TZ).date()
    )
    found = [a for row in grid.rows for cell in row.cells for a in cell.administrations]
    found += [a for row in grid.rows for a in row.prn]
    return found


def audit_actions(store: Store, action: str) -> int:
    with store.unit_of_work(user_id=None) as uow:
        row = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE action = ?", (action,)
        ).fetchone()
    return int(row[0])
