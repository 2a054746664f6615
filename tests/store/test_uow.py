"""Unit of work: record, outbox op and audit row are committed together or not at all."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import event

from emr_desktop.core.errors import ConflictError, NotFound
from emr_desktop.core.hlc import Hlc
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.store import Store


def _patient(store: Store, **overrides: object) -> Patient:
    values: dict[str, object] = {
        "id": new_id(),
        "facility_id": "f",
        "created_at": utc_now(),
        "created_by": "u",
        "device_id": store.device_id,
        "mrn": "0001000999",
        "full_name": "Trịnh Văn Bình",
        "sex": "male",
    }
    values.update(overrides)
    return Patient(**values)  # type: ignore[arg-type]


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        value = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608
    assert isinstance(value, int)
    return value


def test_record_outbox_and_audit_commit_together(store: Store) -> None:
    before = {t: _count(store, t) for t in ("patient", "outbox", "audit_log")}
    patient = _patient(store)
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(patient)
        uow.audit("patient.register", target_kind="patient", target_id=patient.id)
        uow.commit()
    after = {t: _count(store, t) for t in before}
    assert {t: after[t] - before[t] for t in before} == {"patient": 1, "outbox": 1, "audit_log": 1}
    with store.engine.connect() as conn:
        op = conn.exec_driver_sql(
            "SELECT kind, record_id, fields, hlc, base, user_id, device_id FROM outbox "
            "ORDER BY device_seq DESC LIMIT 1"
        ).one()
    assert op.kind == "patient" and op.record_id == patient.id and op.user_id == "u1"
    assert op.device_id == store.device_id
    fields = json.loads(op.fields)
    assert fields["full_name"] == "Trịnh Văn Bình" and fields["mrn"] == "0001000999"
    assert json.loads(op.base) == {}
    assert Hlc.decode(op.hlc).node == store.device_id


def test_nothing_is_written_without_commit(store: Store) -> None:
    before = {t: _count(store, t) for t in ("patient", "outbox", "audit_log", "patient_fts")}
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(_patient(store))
        uow.audit("patient.register")
    assert {t: _count(store, t) for t in before} == before


def test_failure_while_writing_the_outbox_rolls_back_the_record(store: Store) -> None:
    before = {t: _count(store, t) for t in ("patient", "outbox")}

    def fail_on_outbox(conn, cursor, statement, *args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO outbox"):
            raise OSError("disk full")

    def register() -> None:
        with store.unit_of_work(user_id="u1") as uow:
            uow.add(_patient(store))
            uow.commit()

    event.listen(store.engine, "before_cursor_execute", fail_on_outbox)
    try:
        with pytest.raises(OSError, match="disk full"):
            register()
    finally:
        event.remove(store.engine, "before_cursor_execute", fail_on_outbox)
    assert {t: _count(store, t) for t in before} == before


def test_update_sends_changed_fields_by_name_with_their_base(store: Store) -> None:
    patient = _patient(store)
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(patient)
        uow.commit()
    with store.unit_of_work(user_id="u1") as uow:
        base = uow.field_hlcs(Patient, patient.id)
        changed = uow.update(
            replace(patient, address="Xóm 2, xã Đông Hưng", phones=("0912000111",)), base=base
        )
        uow.commit()
    assert sorted(changed) == ["address", "phones"]
    with store.engine.connect() as conn:
        op = conn.exec_driver_sql(
            "SELECT fields, base, hlc FROM outbox ORDER BY device_seq DESC LIMIT 1"
        ).one()
    assert json.loads(op.fields) == {"address": "Xóm 2, xã Đông Hưng", "phones": ["0912000111"]}
    assert json.loads(op.base) == {"address": base["address"], "phones": base["phones"]}
    with store.unit_of_work(user_id="u1") as uow:
        stamps = uow.field_hlcs(Patient, patient.id)
        assert stamps["address"] == op.hlc and stamps["full_name"] == base["full_name"]
        assert uow.get(Patient, patient.id).address == "Xóm 2, xã Đông Hưng"


def test_update_without_change_writes_nothing(store: Store) -> None:
    patient = _patient(store)
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(patient)
        uow.commit()
    before = _count(store, "outbox")
    with store.unit_of_work(user_id="u1") as uow:
        assert uow.update(patient) == []
        uow.commit()
    assert _count(store, "outbox") == before


def test_identity_fields_cannot_change(store: Store) -> None:
    patient = _patient(store)
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(patient)
        uow.commit()
    with store.unit_of_work(user_id="u1") as uow, pytest.raises(ConflictError):
        uow.update(replace(patient, created_by="someone else"))


def test_get_missing_record(store: Store) -> None:
    with store.unit_of_work(user_id=None) as uow, pytest.raises(NotFound):
        uow.get(Patient, new_id())


def test_device_seq_is_never_reused(store: Store) -> None:
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(_patient(store, mrn="1"))
        uow.commit()
    with store.engine.begin() as conn:
        top = conn.exec_driver_sql("SELECT max(device_seq) FROM outbox").scalar()
        conn.exec_driver_sql("DELETE FROM outbox")
    with store.unit_of_work(user_id="u1") as uow:
        uow.add(_patient(store, mrn="2"))
        uow.commit()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT max(device_seq) FROM outbox").scalar() == top + 1
