"""Two PCs against the real server (`emr_sync`, uvicorn on 127.0.0.1), with faults."""

from __future__ import annotations

import random
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import FaultyAdapter, Pc, canonical_dump, make_pc
from tests.syncclient.test_engine import _work

from emr_desktop.core.errors import SyncError
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once


def _enrolled(
    pc: Pc, server: LiveServer, adapter: FaultyAdapter | None = None, *, replace: bool = False
) -> SyncClient:
    session = requests.Session()
    if adapter is not None:
        session.mount("http://", adapter)
    client = SyncClient(server.base_url, session=session, timeout=10)
    enroll(pc.store, server.base_url, server.enroll_code(), "PC", client=client, replace=replace)
    client.credential = load_credential(pc.store)
    return client


def _op_count(server: LiveServer) -> int:
    return server.harness.counts()["op_log"]


def test_two_pcs_converge_through_the_real_server(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    rng = random.Random(11)
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    ca, cb = _enrolled(a, live_server), _enrolled(b, live_server)
    for order in ("ab", "ba", "abab"):
        _work(a, rng, 2)
        _work(b, rng, 2)
        expected = _op_count(live_server) + pending_op_count(a.store) + pending_op_count(b.store)
        for who in order:
            sync_once(*((a.store, ca) if who == "a" else (b.store, cb)))
        sync_once(a.store, ca)
        sync_once(b.store, cb)
        assert _op_count(live_server) == expected
        assert canonical_dump(a.store) == canonical_dump(b.store)


def test_faults_on_the_real_server_lose_nothing(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    rng = random.Random(12)
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    faulty = FaultyAdapter(HTTPAdapter())
    ca, cb = _enrolled(a, live_server, faulty), _enrolled(b, live_server)
    _work(a, rng, 3)
    _work(b, rng, 3)
    expected = _op_count(live_server) + pending_op_count(a.store) + pending_op_count(b.store)
    sync_once(b.store, cb)
    faulty.faults = ["drop_after", "duplicate", "drop_before", None, "drop_after"] * 4
    for _ in range(40):
        try:
            sync_once(a.store, ca)
        except SyncError:
            continue
        if not faulty.faults:
            break
    faulty.faults = []
    sync_once(a.store, ca)
    sync_once(b.store, cb)
    assert _op_count(live_server) == expected
    assert pending_op_count(a.store) == 0
    assert canonical_dump(a.store) == canonical_dump(b.store)


def test_enrolled_pcs_issue_record_numbers_from_their_own_blocks(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    from emr_desktop.services import patients as patient_service

    # Both PCs were set up offline as "PC 1"; the server numbers them at enrollment.
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 1)
    before = patient_service.register_patient(a.store, a.doctor, full_name="Lý Văn Tư", sex="male")
    _enrolled(a, live_server)
    _enrolled(b, live_server)
    # Enrolling again (a replacement) keeps the block: no number is issued twice.
    _enrolled(a, live_server, replace=True)
    mrns = [
        patient_service.register_patient(pc.store, pc.doctor, full_name="Lý Văn Tư", sex="male").mrn
        for pc in (a, a, b)
    ]
    assert before.mrn == "0001000000"
    assert mrns == ["0001000001", "0001000002", "0002000000"]
