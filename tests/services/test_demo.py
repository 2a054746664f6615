"""Tests for emr_desktop.services.demo: the demo-data seeder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

from emr_desktop.core.catalog import CatalogKind, Icd10Entry, load_builtin
from emr_desktop.core.errors import PermissionDenied
from emr_desktop.core.identity import decode_bhyt, validate_cccd, validate_phone
from emr_desktop.core.records import (
    Diagnosis,
    Encounter,
    EventStatus,
    Patient,
    Prescription,
    VitalSigns,
)
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import demo
from emr_desktop.services.auth import Session, login
from emr_desktop.services.patients import find_patients
from emr_desktop.store import audit
from emr_desktop.store.rows import row_to_event, row_to_record
from emr_desktop.store.store import Store

N = 300


def _new_store(path: Path) -> tuple[Store, Session]:
    from emr_desktop.services.setup import initialize

    store, _ = initialize(
        path,
        facility_code="70001",
        facility_name="TTYT Demo",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password="admin-password-1",
    )
    return store, login(store, "admin", "admin-password-1")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, demo.SeedReport]]:
    base = tmp_path_factory.mktemp("demo")
    os.environ["XDG_DATA_HOME"] = str(base / "xdg")
    store, session = _new_store(base / "data")
    progress: list[int] = []
    report = demo.seed_demo(store, session, patients=N, seed=7, progress=progress.append)
    assert progress == [N]
    yield store, report
    store.close()


def _rows(store: Store, sql: str) -> list[Any]:
    with store.engine.connect() as conn:
        rows = list(conn.exec_driver_sql(sql))
        conn.rollback()
    return rows


def _patients(store: Store) -> list[Patient]:
    return [row_to_record(Patient, r) for r in _rows(store, "SELECT * FROM patient ORDER BY pk")]


def test_counts(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, report = seeded
    assert report.patients == N
    assert _rows(store, "SELECT count(*) FROM patient")[0][0] == N
    assert _rows(store, "SELECT count(*) FROM encounter")[0][0] == report.encounters
    assert _rows(store, "SELECT count(*) FROM clinical_event")[0][0] == report.events
    # About a third have history, each encounter at least four events.
    assert len({r[0] for r in _rows(store, "SELECT patient_id FROM encounter")}) > 0.15 * N
    assert report.events >= 4 * report.encounters
    assert report.seconds > 0


def test_demographics_are_valid_and_plausible(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, _ = seeded
    patients = _patients(store)
    cccds = [p.cccd for p in patients if p.cccd]
    assert len(cccds) == len(set(cccds))
    assert 0.7 * N < len(cccds) < 0.95 * N
    for p in patients:
        assert p.date_of_birth is not None
        if p.cccd:
            year = p.date_of_birth.year
            assert validate_cccd(p.cccd, sex=p.sex, birth_year=year) == p.cccd
        if p.bhyt_number:
            info = decode_bhyt(p.bhyt_number)
            assert info.social_insurance_number[:2] == info.province_code
            if info.group_code == "TE":
                assert info.level == 1
        for phone in p.phones:
            assert validate_phone(phone) == phone
        assert p.address and p.address.count(",") == 2
        if p.cccd is None:
            assert p.identity_status == "incomplete"
    with_bhyt = sum(1 for p in patients if p.bhyt_number)
    assert 0.55 * N < with_bhyt < 0.85 * N
    assert sum(1 for p in patients if p.phones) > 0.65 * N
    assert any(p.date_of_birth and p.date_of_birth.is_year_only for p in patients)
    assert any(p.guardian_name for p in patients)
    mrns = sorted(int(p.mrn) for p in patients)
    assert mrns == list(range(mrns[0], mrns[0] + N))


def test_seeded_patients_are_found(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, _ = seeded
    clerk = login(store, "demo.tiepdon", "demo-tiepdon-2025")
    patients = _patients(store)
    for p in patients[:: N // 10]:
        by_name = find_patients(store, clerk, fold(p.full_name), limit=200)
        assert p.id in {q.id for q in by_name}
    with_cccd = next(p for p in patients if p.cccd)
    assert with_cccd.cccd is not None
    assert [q.id for q in find_patients(store, clerk, with_cccd.cccd)] == [with_cccd.id]


def test_history_reads_back_signed(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, _ = seeded
    staff = {r[0]: r[1] for r in _rows(store, "SELECT role, id FROM app_user")}
    sexes = {p.id: p.sex for p in _patients(store)}
    kinds: set[str] = set()
    for row in _rows(store, "SELECT * FROM clinical_event"):
        event = row_to_event(row)
        kinds.add(event.kind)
        assert event.status == EventStatus.SIGNED
        assert event.signed_by == event.created_by
        assert event.content_hash == event.content_digest()
        assert event.signed_at is not None
        assert event.signed_at >= event.created_at
        if isinstance(event.body, VitalSigns):
            assert event.created_by == staff["nurse"]
        else:
            assert event.created_by == staff["doctor"]
        if isinstance(event.body, Diagnosis) and sexes[event.patient_id] == "male":
            assert not event.body.icd10.startswith("O")
        if isinstance(event.body, Prescription):
            assert all(item.dosage and item.quantity > 0 for item in event.body.items)
    assert kinds == {"vital_signs", "clinical_note", "diagnosis", "prescription"}
    for row in _rows(store, "SELECT * FROM encounter"):
        encounter = row_to_record(Encounter, row)
        assert encounter.status == "finished"
        assert encounter.ended_at is not None
        assert encounter.started_at <= encounter.ended_at <= utc_now()


def test_no_outbox_and_one_audit_row(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, _ = seeded
    kinds = {r[0] for r in _rows(store, "SELECT kind FROM outbox")}
    assert not kinds & {"patient", "encounter", "clinical_event"}
    assert len(_rows(store, "SELECT * FROM audit_log WHERE action = 'demo.seed'")) == 1
    with store.engine.connect() as conn:
        assert audit.verify(conn).ok
        conn.rollback()


def test_same_seed_same_people(seeded: tuple[Store, demo.SeedReport], tmp_path: Path) -> None:
    store, _ = seeded
    other, session = _new_store(tmp_path / "again")
    try:
        demo.seed_demo(other, session, patients=N, seed=7)
        first = [(p.mrn, p.full_name, p.cccd, p.bhyt_number) for p in _patients(store)]
        again = [(p.mrn, p.full_name, p.cccd, p.bhyt_number) for p in _patients(other)]
        assert first == again
        third, session3 = _new_store(tmp_path / "other-seed")
        try:
            demo.seed_demo(third, session3, patients=50, seed=8)
            names = [p.full_name for p in _patients(third)]
            assert names != [name for _, name, _, _ in first[:50]]
        finally:
            third.close()
    finally:
        other.close()


def test_second_run_keeps_cccds_unique(tmp_path: Path) -> None:
    store, session = _new_store(tmp_path / "data")
    try:
        demo.seed_demo(store, session, patients=50, seed=3)
        demo.seed_demo(store, session, patients=50, seed=3)
        cccds = [p.cccd for p in _patients(store) if p.cccd]
        assert len(cccds) == len(set(cccds))
        assert len(_patients(store)) == 100
    finally:
        store.close()


def test_only_an_administrator_seeds(seeded: tuple[Store, demo.SeedReport]) -> None:
    store, _ = seeded
    doctor = login(store, "demo.bacsi", "demo-bacsi-2025")
    with pytest.raises(PermissionDenied):
        demo.seed_demo(store, doctor, patients=1)


def test_curated_codes_are_in_the_catalogues() -> None:
    with_names = {
        e.code for e in load_builtin(CatalogKind.ICD10) if isinstance(e, Icd10Entry) and e.name_vi
    }
    dx, drugs = demo.curated_codes()
    assert set(dx) <= with_names
    drug_codes = {e.code for e in load_builtin(CatalogKind.DRUGS)}
    assert set(drugs) <= drug_codes


def test_generate_patients_is_deterministic() -> None:
    first = [(p.full_name, p.cccd) for p in demo.generate_patients(seed=11, count=200)]
    again = [(p.full_name, p.cccd) for p in demo.generate_patients(seed=11, count=200)]
    assert first == again
    families = [name.split()[0] for name, _ in first]
    assert 0.25 < families.count("Nguyễn") / len(families) < 0.5
