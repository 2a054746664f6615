"""Push, pull, enrollment and recovery from faults, with real stores and an in-memory server."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from tests.syncclient.support import (
    FAKE_URL,
    FakeServer,
    FaultyAdapter,
    Pc,
    canonical_dump,
    make_pc,
)

from emr_desktop.core.errors import SyncError
from emr_desktop.core.records import Measurement, VitalSigns
from emr_desktop.services import clinical
from emr_desktop.services import patients as patient_service
from emr_desktop.store import replica
from emr_desktop.syncclient import engine
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential, server_url
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once


def _enrolled(pc: Pc, server: FakeServer, session: requests.Session | None = None) -> SyncClient:
    client = SyncClient(FAKE_URL, session=session or server.session())
    enroll(pc.store, FAKE_URL, server.new_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _work(pc: Pc, rng: random.Random, patients: int = 3) -> None:
    """Register patients, record vitals, add an allergy, edit a name: offline work."""
    for i in range(patients):
        p = patient_service.register_patient(
            pc.store, pc.doctor, full_name=f"Lê Văn {chr(65 + i)}", sex="male", date_of_birth="1990"
        )
        clinical.record_event(
            pc.store,
            pc.doctor,
            patient_id=p.id,
            body=VitalSigns(
                measurements=(Measurement("pulse", Decimal(rng.randint(60, 99)), "/min"),)
            ),
        )
        clinical.add_allergy(pc.store, pc.doctor, patient_id=p.id, substance="Penicillin")
        if rng.random() < 0.5:
            patient_service.update_patient(pc.store, pc.doctor, p.id, address=f"Thôn {i}")


def test_enroll_keeps_credential_in_keyring_and_url_in_meta(tmp_path: Path) -> None:
    pc, server = make_pc(tmp_path, "a"), FakeServer()
    client = SyncClient(FAKE_URL, session=server.session())
    result = enroll(pc.store, FAKE_URL, server.new_code(), "PC Khoa Nội", client=client)
    assert load_credential(pc.store) == result.credential
    assert server_url(pc.store) == FAKE_URL
    assert result.credential not in str(pc.store.read_meta())


def test_enroll_refuses_another_facility(tmp_path: Path) -> None:
    pc, server = make_pc(tmp_path, "a"), FakeServer()
    client = SyncClient(FAKE_URL, session=server.session())
    with pytest.raises(SyncError, match="70002"):
        enroll(pc.store, FAKE_URL, server.new_code("70002"), "PC", client=client)
    with pytest.raises(SyncError, match="not enrolled"):
        load_credential(pc.store)


def test_two_pcs_converge_whatever_the_order(tmp_path: Path) -> None:
    rng = random.Random(7)
    server = FakeServer()
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    ca, cb = _enrolled(a, server), _enrolled(b, server)
    for order in ("ab", "ba", "aab", "bba"):
        _work(a, rng, 2)
        _work(b, rng, 2)
        expected = len(server.log) + pending_op_count(a.store) + pending_op_count(b.store)
        for who in order:
            sync_once(*((a.store, ca) if who == "a" else (b.store, cb)))
        sync_once(a.store, ca)
        sync_once(b.store, cb)
        assert len(server.log) == expected
        assert len(set(server.op_ids())) == len(server.log)
        assert pending_op_count(a.store) == pending_op_count(b.store) == 0
        assert canonical_dump(a.store) == canonical_dump(b.store)
    # Nothing left to do: a further sync moves nothing.
    report = sync_once(a.store, ca)
    assert (report.pushed, report.pulled, report.conflicts) == (0, 0, 0)


def test_push_in_batches_ordered_by_device_seq(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PUSH_BATCH", 4)
    server = FakeServer()
    a = make_pc(tmp_path, "a")
    client = _enrolled(a, server)
    _work(a, random.Random(1), 3)
    waiting = pending_op_count(a.store)
    report = sync_once(a.store, client)
    assert report.pushed == waiting
    pushes = [r for r in server.requests_seen if r.path_url == "/v1/push"]
    assert len(pushes) == -(-waiting // 4)
    seqs = [op["device_seq"] for _, _, op in server.log]
    assert seqs == sorted(seqs)


def test_crash_between_ack_and_delete_pushes_again_without_double_effect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeServer()
    a = make_pc(tmp_path, "a")
    client = _enrolled(a, server)
    _work(a, random.Random(2), 2)
    waiting = pending_op_count(a.store)
    real_begin = type(a.store.engine).begin
    calls = itertools.count()

    def crash_once(self: object) -> object:
        if next(calls) == 0:
            raise RuntimeError("power cut")
        return real_begin(self)  # type: ignore[arg-type]

    monkeypatch.setattr(type(a.store.engine), "begin", crash_once)
    with pytest.raises(RuntimeError):
        sync_once(a.store, client)
    monkeypatch.undo()
    assert len(server.log) == waiting  # the server has them...
    assert pending_op_count(a.store) == waiting  # ...and the PC still holds them
    report = sync_once(a.store, client)
    assert report.pushed == waiting
    assert len(server.log) == waiting
    assert pending_op_count(a.store) == 0


def test_dropped_pull_resumes_after_the_last_page_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FakeServer()
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    ca, cb = _enrolled(a, server), _enrolled(b, server)
    _work(a, random.Random(3), 4)
    sync_once(a.store, ca)
    cb.pull_limit = 5
    real_apply = replica.apply_remote_ops
    pages = itertools.count()

    def fail_on_third_page(*args: object) -> object:
        if next(pages) == 2:
            raise RuntimeError("link dropped mid-page")
        return real_apply(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "apply_remote_ops", fail_on_third_page)
    with pytest.raises(RuntimeError):
        sync_once(b.store, cb)
    assert b.store.read_meta()[engine.PULL_CURSOR_KEY] != "0"
    monkeypatch.setattr(engine, "apply_remote_ops", real_apply)
    pulls_before = len([r for r in server.requests_seen if r.path_url.startswith("/v1/pull")])
    sync_once(b.store, cb)
    sync_once(a.store, ca)
    assert canonical_dump(a.store) == canonical_dump(b.store)
    pulls = [r.path_url for r in server.requests_seen if r.path_url.startswith("/v1/pull")]
    # The resumed pull started after the two pages already applied.
    assert "after=0&" not in pulls[pulls_before]


@pytest.mark.parametrize("fault", ["drop_before", "drop_after", "duplicate"])
def test_faults_lose_nothing_and_apply_nothing_twice(tmp_path: Path, fault: str) -> None:
    rng = random.Random(4)
    server = FakeServer()
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    faulty_a = FaultyAdapter(server)
    session_a = requests.Session()
    session_a.mount(FAKE_URL, faulty_a)
    ca, cb = _enrolled(a, server, session_a), _enrolled(b, server)
    _work(a, rng, 3)
    _work(b, rng, 3)
    expected = pending_op_count(a.store) + pending_op_count(b.store) + len(server.log)
    sync_once(b.store, cb)
    # Every request of A's next syncs meets the fault, then some pass, and so on.
    faulty_a.faults = [fault, None, fault, fault, None, None, fault] * 4
    failures = 0
    for _ in range(40):
        try:
            sync_once(a.store, ca)
        except SyncError:
            failures += 1
            continue
        if not faulty_a.faults:
            break
    faulty_a.faults = []
    sync_once(a.store, ca)
    sync_once(b.store, cb)
    assert fault == "duplicate" or failures > 0
    assert len(server.log) == expected
    assert len(set(server.op_ids())) == expected
    assert pending_op_count(a.store) == 0
    assert canonical_dump(a.store) == canonical_dump(b.store)


def test_skew_reported_by_the_server_is_kept(tmp_path: Path) -> None:
    server = FakeServer(ahead_ms=120_000)
    a = make_pc(tmp_path, "a")
    client = _enrolled(a, server)
    _work(a, random.Random(5), 1)
    report = sync_once(a.store, client)
    assert report.skew_ms == -120_000
    assert a.store.read_meta()[engine.SKEW_KEY] == "-120000"
