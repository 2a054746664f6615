"""The background sync worker: timer, trigger, backoff with jitter, one sync at a time."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import requests
from tests.syncclient.support import FAKE_URL, FakeServer, FaultyAdapter, Pc, make_pc

from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_desktop.services import patients as patient_service
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll
from emr_desktop.syncclient.loop import SyncLoop


def _client(pc: Pc, server: FakeServer, session: requests.Session | None = None) -> SyncClient:
    client = SyncClient(FAKE_URL, session=session or server.session())
    enroll(pc.store, FAKE_URL, server.new_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _wait(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_status_before_any_sync(tmp_path: Path) -> None:
    pc = make_pc(tmp_path, "a")
    loop = SyncLoop(pc.store, _client(pc, FakeServer()))
    status = loop.status()
    assert not status.online
    assert status.pending_ops > 0
    assert status.last_success is None
    assert status.open_conflicts == 0


def test_runs_at_start_and_on_trigger(tmp_path: Path) -> None:
    pc, server = make_pc(tmp_path, "a"), FakeServer()
    loop = SyncLoop(pc.store, _client(pc, server), interval=3600)
    loop.start()
    try:
        _wait(lambda: loop.status().online and loop.status().pending_ops == 0)
        patient_service.register_patient(pc.store, pc.doctor, full_name="Võ Thị Mai", sex="female")
        assert loop.status().pending_ops == 1
        loop.trigger()
        _wait(lambda: loop.status().pending_ops == 0)
        status = loop.status()
        assert status.last_success is not None
        assert status.last_error is None
        assert status.clock_skew_ms is not None
    finally:
        loop.stop()
    assert len(server.log) == len(set(server.op_ids()))


def test_failures_back_off_with_jitter_then_recover(tmp_path: Path) -> None:
    pc, server = make_pc(tmp_path, "a"), FakeServer()
    faulty = FaultyAdapter(server)
    session = requests.Session()
    session.mount(FAKE_URL, faulty)
    loop = SyncLoop(
        pc.store,
        _client(pc, server, session),
        interval=60,
        first_retry=2,
        max_backoff=30,
        rng=random.Random(1),
    )
    assert loop.next_delay() == 60
    faulty.faults = ["drop_before"] * 6
    delays = []
    for _ in range(6):
        assert loop.run_now() is None
        delays.append(loop.next_delay())
    status = loop.status()
    assert not status.online
    assert status.last_error is not None
    assert "Không kết nối được" in status.last_error
    ceilings = [2, 4, 8, 16, 30, 30]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) > 3  # jittered, not a fixed ladder
    assert loop.run_now() is not None
    assert loop.next_delay() == 60
    assert loop.status().online


def test_update_required_is_shown(tmp_path: Path) -> None:
    pc, server = make_pc(tmp_path, "a"), FakeServer()
    client = _client(pc, server)
    server.protocols = frozenset({PROTOCOL_VERSION + 1})
    loop = SyncLoop(pc.store, client)
    loop.run_now()
    status = loop.status()
    assert status.update_required
    assert not status.online
    assert status.last_error is not None
    assert "cập nhật" in status.last_error


def test_only_one_sync_at_a_time(tmp_path: Path) -> None:
    pc = make_pc(tmp_path, "a")
    active = 0
    most = 0
    guard = threading.Lock()

    class Slow(FakeServer):
        def send(
            self, request: requests.PreparedRequest, *a: object, **k: object
        ) -> requests.Response:
            nonlocal active, most
            with guard:
                active += 1
                most = max(most, active)
            time.sleep(0.02)
            try:
                return super().send(request)
            finally:
                with guard:
                    active -= 1

    loop = SyncLoop(pc.store, _client(pc, Slow()), interval=0.01)
    loop.start()
    threads = [threading.Thread(target=loop.run_now) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(5):
        loop.trigger()
        time.sleep(0.02)
    for t in threads:
        t.join()
    loop.stop()
    assert most == 1
