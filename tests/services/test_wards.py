"""Departments, beds and the ward board; the demo wards of a district hospital."""

from __future__ import annotations

from datetime import date

import pytest

from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.records import EncounterKind
from emr_desktop.services import auth, clinical, demo, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def _ward(store: Store, admin: Session, beds: tuple[str, ...] = ("G1", "G2", "G10")) -> str:
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    for code in beds:
        wards.add_bed(store, admin, department_id=department.id, code=code)
    return department.id


def _admit(
    store: Store, doctor: Session, department_id: str, bed_id: str | None, name: str
) -> tuple[str, str]:
    patient = patients.register_patient(
        store, doctor, full_name=name, sex="female", date_of_birth="1950"
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
    return patient.id, stay.id


def test_the_board_shows_every_bed_free_or_taken_and_who_waits_without_one(
    store: Store, admin: Session, doctor: Session
) -> None:
    department_id = _ward(store, admin)
    g1, g2, g10 = wards.list_beds(store, admin, department_id)
    assert [g1.code, g2.code, g10.code] == ["G1", "G2", "G10"]
    assert all(row.free for row in wards.ward_board(store, doctor, department_id))

    first, stay = _admit(store, doctor, department_id, g2.id, "Nguyễn Thị Hoa")
    sharing, _ = _admit(store, doctor, department_id, g2.id, "Lê Thị Mai")
    waiting, _ = _admit(store, doctor, department_id, None, "Phạm Thị Cúc")
    board = wards.ward_board(store, doctor, department_id)
    assert [(r.bed_code, r.patient_id) for r in board] == [
        ("G1", None),
        ("G2", first),
        ("G2", sharing),
        ("G10", None),
        ("", waiting),
    ]
    row = board[1]
    assert row.patient_name == "Nguyễn Thị Hoa" and row.sex == "female"
    assert row.attending_name == doctor.full_name and row.reason == "Viêm phổi"
    assert row.encounter_id == stay and row.admitted_at is not None
    assert row.date_of_birth is not None and row.date_of_birth.year == 1950

    clinical.discharge_patient(store, doctor, stay, treatment_result="1")
    clinical.transfer_patient(
        store,
        doctor,
        wards.ward_board(store, doctor, department_id)[-1].encounter_id or "",
        department_id=department_id,
        bed_id=g10.id,
    )
    board = wards.ward_board(store, doctor, department_id)
    assert [(r.bed_code, r.patient_id) for r in board] == [
        ("G1", None),
        ("G2", sharing),
        ("G10", waiting),
    ]


def test_only_an_administrator_manages_departments_and_beds(
    store: Store, admin: Session, doctor: Session
) -> None:
    with pytest.raises(PermissionDenied):
        wards.add_department(store, doctor, code="NHI", name="Khoa Nhi")
    department_id = _ward(store, admin, beds=("G1",))
    with pytest.raises(PermissionDenied):
        wards.add_bed(store, doctor, department_id=department_id, code="G2")
    with pytest.raises(ValidationError) as taken:
        wards.add_department(store, admin, code="NOI", name="Khoa Nội 2")
    assert taken.value.field == "department_code"
    with pytest.raises(ValidationError) as same_bed:
        wards.add_bed(store, admin, department_id=department_id, code="g1")
    assert same_bed.value.field == "bed_code"
    with pytest.raises(ValidationError) as blank:
        wards.add_bed(store, admin, department_id=department_id, code="  ")
    assert blank.value.field == "bed_code"
    # Names of departments are no patient data; the patients on the board are.
    assert [d.code for d in wards.list_departments(store, doctor)] == ["NOI"]
    with pytest.raises(PermissionDenied):
        wards.ward_board(store, admin, department_id)


def test_outpatient_departments_are_not_wards(store: Store, admin: Session) -> None:
    wards.add_department(store, admin, code="KKB", name="Khoa Khám bệnh", kind="outpatient")
    wards.add_department(store, admin, code="HSCC", name="Khoa Hồi sức cấp cứu", kind="emergency")
    assert [d.code for d in wards.list_departments(store, admin, wards_only=True)] == ["HSCC"]


def test_bed_codes_sort_as_people_read_them() -> None:
    codes = ["P10-G2", "P2-G10", "P2-G2", "HS-01", "P2-g1"]
    assert sorted(codes, key=wards.bed_sort_key) == ["HS-01", "P2-g1", "P2-G2", "P2-G10", "P10-G2"]


def test_demo_wards_admit_fitting_patients_once(store: Store, admin: Session) -> None:
    demo.seed_demo(store, admin, patients=400, seed=3, workers=0)
    report = wards.seed_demo_wards(store, admin)
    assert report.departments == 5 and report.beds == sum(len(w.beds) for w in wards.DEMO_WARDS)
    assert report.admitted > 40
    again = wards.seed_demo_wards(store, admin)
    assert (again.departments, again.beds, again.admitted) == (0, 0, 0)

    doctor = auth.login(store, "demo.bacsi", "demo-bacsi-2025")
    today = date.today()
    by_code = {d.code: d for d in wards.list_departments(store, doctor, wards_only=True)}
    assert set(by_code) == {"NOI", "NGOAI", "NHI", "SAN", "HSCC"}
    admitted = 0
    for code, department in by_code.items():
        taken = [r for r in wards.ward_board(store, doctor, department.id) if not r.free]
        admitted += len(taken)
        assert taken and all(r.attending_name == "Nguyễn Minh Tuấn" for r in taken)
        assert all(r.date_of_birth is not None for r in taken)
        ages = [r.date_of_birth.age_on(today) for r in taken if r.date_of_birth]
        if code == "NHI":
            assert max(ages) <= 15
        if code == "SAN":
            assert {r.sex for r in taken} == {"female"} and min(ages) >= 18
    assert admitted == report.admitted
