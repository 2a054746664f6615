"""Tests for emr_desktop.store.bulk: batch inserts of local-only records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import StorageError
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Encounter,
    EventStatus,
    Patient,
)
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store import audit, bulk, search
from emr_desktop.store.rows import row_to_record
from emr_desktop.store.store import Store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    from emr_desktop.services.setup import initialize

    created, _ = initialize(
        tmp_path / "data",
        facility_code="70001",
        facility_name="TTYT Demo",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password="admin-password-1",
    )
    yield created
    created.close()


def _facility_id(store: Store) -> str:
    return store.read_meta()["facility_id"]


def _patient(store: Store, mrn: int, name: str, cccd: str | None = None) -> Patient:
    return Patient(
        id=new_id(),
        facility_id=_facility_id(store),
        created_at=utc_now(),
        created_by="system",
        device_id=store.device_id,
        mrn=f"{mrn:010d}",
        full_name=name,
        sex="female",
        date_of_birth=BirthDate(1980, date(1980, 5, 17)),
        cccd=cccd,
        phones=("0912345678",),
        address="Thôn 3, Xã Cẩm Mỹ, Tỉnh Đồng Nai",
    )


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        value: int = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()  # noqa: S608
        conn.rollback()
    return value


def _mrn_next(store: Store) -> int:
    with store.engine.connect() as conn:
        value: int = conn.exec_driver_sql(
            "SELECT next FROM mrn_range WHERE device_id = ?", (store.device_id,)
        ).scalar_one()
        conn.rollback()
    return value


def test_batch_is_stored_indexed_and_kept_off_the_outbox(store: Store) -> None:
    first = _mrn_next(store)
    outbox_before = _count(store, "outbox")
    audit_before = _count(store, "audit_log")
    patients = [
        _patient(store, first, "Nguyễn Thị Hoa", "075180123456"),
        _patient(store, first + 1, "Trần Thị Đào"),
    ]
    now = utc_now()
    encounter = Encounter(
        id=new_id(),
        facility_id=_facility_id(store),
        created_at=now,
        created_by="system",
        device_id=store.device_id,
        patient_id=patients[0].id,
        kind="outpatient",
        status="finished",
        started_at=now,
        ended_at=now,
    )
    draft = ClinicalEvent(
        id=new_id(),
        facility_id=_facility_id(store),
        patient_id=patients[0].id,
        encounter_id=encounter.id,
        effective_at=now,
        created_at=now,
        created_by="system",
        device_id=store.device_id,
        body=ClinicalNote(note_type="progress", text="Ổn định."),
    )
    signed = ClinicalEvent(
        **{
            **draft.__dict__,
            "status": EventStatus.SIGNED,
            "signed_by": "system",
            "signed_at": now,
            "content_hash": draft.content_digest(),
        }
    )
    rows = bulk.rows_for(bulk.BulkBatch(patients=patients, encounters=[encounter], events=[signed]))
    bulk.insert_rows(
        store, rows, audit_user_id=None, audit_action="demo.seed", audit_detail={"patients": 2}
    )

    assert _mrn_next(store) == first + 2
    assert _count(store, "outbox") == outbox_before
    assert _count(store, "audit_log") == audit_before + 1
    stored = _count(store, "patient")
    with store.unit_of_work(user_id=None) as uow:
        assert audit.verify(uow.conn).ok
        fts = uow.conn.exec_driver_sql("SELECT count(*) FROM patient_fts").scalar_one()
        assert fts == stored == 2
        # The index points at the right rows: search by folded name and by CCCD.
        for query, expected in (
            ("nguyen thi hoa", patients[0]),
            ("dao", patients[1]),
            ("075180123456", patients[0]),
        ):
            pks = search.search_patient_pks(uow.conn, query)
            found = [row_to_record(Patient, r) for r in search.fetch_by_pks(uow.conn, pks)]
            assert [p.id for p in found] == [expected.id]
        assert uow.get(Patient, patients[0].id) == patients[0]
        assert uow.get(Encounter, encounter.id) == encounter
        assert uow.get_event(signed.id) == signed
        hlcs = uow.field_hlcs(Patient, patients[0].id)
        assert set(hlcs) == set(Patient.mutable_fields())
        assert all(stamp.endswith(store.device_id) for stamp in hlcs.values())


def test_patients_get_the_next_primary_keys(store: Store) -> None:
    first = _mrn_next(store)
    bulk.insert_batch(store, bulk.BulkBatch(patients=[_patient(store, first, "Lê Văn An")]))
    bulk.insert_batch(store, bulk.BulkBatch(patients=[_patient(store, first + 1, "Lê Văn Ba")]))
    with store.engine.connect() as conn:
        pks = [r[0] for r in conn.exec_driver_sql("SELECT pk FROM patient ORDER BY pk")]
        fts = [r[0] for r in conn.exec_driver_sql("SELECT rowid FROM patient_fts ORDER BY 1")]
        conn.rollback()
    assert pks == fts


def test_record_numbers_outside_the_free_range_are_refused(store: Store) -> None:
    first = _mrn_next(store)
    used = [_patient(store, first - 1, "Phạm Văn Cường")]
    with pytest.raises(StorageError):
        bulk.insert_batch(store, bulk.BulkBatch(patients=used))
    assert _count(store, "patient") == 0
    assert _mrn_next(store) == first


def test_taken_cccds(store: Store) -> None:
    first = _mrn_next(store)
    bulk.insert_batch(
        store, bulk.BulkBatch(patients=[_patient(store, first, "Võ Thị Mai", "075180654321")])
    )
    assert bulk.taken_cccds(store, ["075180654321", "075180000001"]) == {"075180654321"}
