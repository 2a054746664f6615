"""Faults on a real TCP path between PCs and the live server: nothing lost, nothing twice.

The PCs talk to uvicorn through `tests.syncclient.proxy.FaultProxy`, which cuts connections
mid-request and mid-response, duplicates requests and delays them; the server is stopped in
the middle of a large push and started again on the same database and port; and a PC's sync
process is killed after the server acknowledged a batch but before the PC recorded it.
After each, once the faults stop, the server's op log holds every op exactly once and the
PCs hold identical data. SQLite server only: the PostgreSQL path is the same code (the
server's own tests run both).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    SyncHarness,
    live_server,
    sync_app,
    sync_settings,
)
from tests.syncclient.proxy import fault_proxy
from tests.syncclient.support import Pc, canonical_dump, make_pc

from emr_desktop.core.errors import SyncError
from emr_desktop.core.records import Measurement, VitalSigns
from emr_desktop.core.wire import PUSH_BATCH
from emr_desktop.services import clinical
from emr_desktop.services import patients as patient_service
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_sync.app import create_app

_GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Nam")


@pytest.fixture
def sync_db_url(tmp_path: Path) -> str:
    """The server on SQLite only (overrides the shared fixture's two databases)."""
    return f"sqlite:///{(tmp_path / 'emr-sync.db').as_posix()}"


def work(pc: Pc, rng: random.Random, patients: int, *, allergy: bool = True) -> None:
    """Offline work on one PC: register patients, record vitals, add allergies, edit."""
    for i in range(patients):
        p = patient_service.register_patient(
            pc.store,
            pc.doctor,
            full_name=f"Lê Văn {_GIVEN[i % len(_GIVEN)]}",
            sex=rng.choice(("male", "female")),
            date_of_birth=str(rng.randint(1940, 2020)),
        )
        clinical.record_event(
            pc.store,
            pc.doctor,
            patient_id=p.id,
            body=VitalSigns(
                measurements=(Measurement("pulse", Decimal(rng.randint(60, 99)), "/min"),)
            ),
        )
        if allergy:
            clinical.add_allergy(pc.store, pc.doctor, patient_id=p.id, substance="Penicillin")
        if rng.random() < 0.5:
            patient_service.update_patient(pc.store, pc.doctor, p.id, address=f"Thôn {i}")


def enrolled(pc: Pc, server: LiveServer, url: str, timeout: float = 10) -> SyncClient:
    """Enroll `pc` (directly) and give it a client that talks to `url` (the proxy or not)."""
    direct = SyncClient(server.base_url, session=requests.Session(), timeout=10)
    enroll(pc.store, server.base_url, server.enroll_code(), "PC", client=direct)
    return SyncClient(
        url,
        session=requests.Session(),
        timeout=timeout,
        credential=load_credential(pc.store),
    )


def op_log_stats(engine: sa.Engine) -> tuple[int, int]:
    """(ops in the server's log, distinct op ids among them)."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT count(*), count(DISTINCT op_id) FROM op_log").one()
    return int(row[0]), int(row[1])


def assert_exactly_once(engine: sa.Engine, expected: int) -> None:
    total, distinct = op_log_stats(engine)
    assert total == expected
    assert distinct == expected


def sync_until_done(store: Store, client: SyncClient, attempts: int = 40) -> int:
    """Call `sync_once` until it succeeds with the faults still on; returns failures."""
    failures = 0
    for _ in range(attempts):
        try:
            sync_once(store, client)
        except SyncError:
            failures += 1
            continue
        return failures
    raise AssertionError("sync never succeeded")


@pytest.mark.parametrize("fault", ["cut_request", "cut_response", "duplicate", "delay"])
def test_faults_through_a_real_proxy_lose_nothing_and_apply_nothing_twice(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
    fault: str,
) -> None:
    rng = random.Random(hash(fault) & 0xFFFF)
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    engine = live_server.harness.engine
    with fault_proxy(live_server.base_url) as pa, fault_proxy(live_server.base_url) as pb:
        pa.delay_s = pb.delay_s = 0.6
        # A delayed request outlives the client's patience: the server applies it later.
        timeout = 0.3 if fault == "delay" else 10
        ca = enrolled(a, live_server, pa.url, timeout)
        cb = enrolled(b, live_server, pb.url, timeout)
        before, _ = op_log_stats(engine)
        for round_ in range(2):
            work(a, rng, 3)
            work(b, rng, 3)
            expected = before + pending_op_count(a.store) + pending_op_count(b.store)
            for proxy in (pa, pb):
                proxy.plan = [fault, None, fault, fault, None, fault, None, None, fault]
            failures = 0
            for store, client in ((a.store, ca), (b.store, cb)) if round_ else ((b.store, cb),):
                failures += sync_until_done(store, client)
            pa.clear()
            pb.clear()
            sync_once(a.store, ca)
            sync_once(b.store, cb)
            sync_once(a.store, ca)
            if fault != "duplicate":
                assert failures > 0, "the fault never reached the client"
            assert fault in pa.injected + pb.injected
            assert_exactly_once(engine, expected)
            assert pending_op_count(a.store) == pending_op_count(b.store) == 0
            assert canonical_dump(a.store) == canonical_dump(b.store)
            before = expected


# ---------------------------------------------------------------- server restarted


@contextmanager
def serve_on(harness: SyncHarness, port: int) -> Iterator[object]:
    """A new uvicorn server for the same database on `port`; yields the server."""
    import uvicorn

    app = create_app(harness.settings, harness.engine)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="emr-sync-restartable", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sync server did not start")
        time.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=10)


def test_server_restarted_during_a_large_push(
    tmp_path: Path,
    sync_app: SyncHarness,  # noqa: F811 - the fixture imported above
) -> None:
    from tests.sync.conftest import _free_port

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    work(a, random.Random(5), 1200, allergy=False)  # about 3,000 ops
    waiting = pending_op_count(a.store)
    assert waiting >= 2900  # 12 batches of 256
    outcome: list[BaseException | None] = []
    with serve_on(sync_app, port) as server:
        server_url = LiveServer(url, sync_app)
        ca = enrolled(a, server_url, url)
        cb = enrolled(b, server_url, url)
        expected = op_log_stats(sync_app.engine)[0] + waiting + pending_op_count(b.store)
        # Slow the push a little so the server stops with batches still to come.
        with fault_proxy(url) as proxy:
            proxy.plan = [None] * 4 + ["delay"] * 20
            proxy.delay_s = 0.02
            ca.base_url = proxy.url

            def push() -> None:
                try:
                    sync_once(a.store, ca)
                    outcome.append(None)
                except BaseException as exc:
                    outcome.append(exc)

            pusher = threading.Thread(target=push)
            pusher.start()
            deadline = time.monotonic() + 30
            while op_log_stats(sync_app.engine)[0] < 512:
                assert time.monotonic() < deadline, "the push never started"
                time.sleep(0.005)
            server.should_exit = True  # type: ignore[attr-defined]
            server.force_exit = True  # type: ignore[attr-defined]
            pusher.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], SyncError), outcome
    applied, _ = op_log_stats(sync_app.engine)
    assert 0 < applied < expected  # stopped part-way
    # Acknowledged batches left the outbox; the batch cut off may be on the server as well.
    assert 0 < pending_op_count(a.store) <= expected - applied + PUSH_BATCH
    # The server comes back on the same database and port; the PC just syncs again.
    ca.base_url = url
    with serve_on(sync_app, port):
        sync_once(a.store, ca)
        sync_once(b.store, cb)
        sync_once(a.store, ca)
    assert_exactly_once(sync_app.engine, expected)
    assert pending_op_count(a.store) == 0
    assert canonical_dump(a.store) == canonical_dump(b.store)


# ---------------------------------------------------------------- client killed

_CHILD = textwrap.dedent(
    """
    import sys, time
    import requests
    from requests.adapters import HTTPAdapter
    from emr_desktop.store.store import Store
    from emr_desktop.syncclient.client import SyncClient
    from emr_desktop.syncclient.credentials import load_credential
    from emr_desktop.syncclient.engine import sync_once

    class FreezeAfterAck(HTTPAdapter):
        # The push's answer is in this process: announce it, then wait to be killed
        # before the engine records the acknowledgement.
        def send(self, request, *args, **kwargs):
            response = super().send(request, *args, **kwargs)
            if request.path_url == "/v1/push" and response.status_code == 200:
                response.content
                print("ACKED", flush=True)
                time.sleep(120)
            return response

    store = Store.open(__import__("pathlib").Path(sys.argv[1]))
    session = requests.Session()
    session.mount("http://", FreezeAfterAck())
    client = SyncClient(sys.argv[2], session=session, credential=load_credential(store))
    sync_once(store, client)
    print("SYNCED", flush=True)
    """
)


def test_client_killed_between_the_ack_and_recording_it(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    engine = live_server.harness.engine
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    ca = enrolled(a, live_server, live_server.base_url)
    cb = enrolled(b, live_server, live_server.base_url)
    work(a, random.Random(6), 20)
    work(b, random.Random(7), 5)
    waiting = pending_op_count(a.store)
    before, _ = op_log_stats(engine)
    a.store.close()
    with fault_proxy(live_server.base_url) as proxy:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(tmp_path / "a"), proxy.url],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline().strip()
            assert line == "ACKED", line
            assert proxy.response_seen.is_set()  # the answer did pass the wire
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
            if child.stdout is not None:
                child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    # The server applied the batch; the PC, killed, did not record the acknowledgement.
    applied, _ = op_log_stats(engine)
    assert applied == before + min(waiting, 256)
    store = Store.open(tmp_path / "a")
    try:
        assert pending_op_count(store) == waiting
        expected = before + waiting + pending_op_count(b.store)
        sync_once(store, ca)
        sync_once(b.store, cb)
        sync_once(store, ca)
        assert_exactly_once(engine, expected)
        assert pending_op_count(store) == 0
        assert canonical_dump(store) == canonical_dump(b.store)
    finally:
        store.close()
