"""A PC older than the server's minimum client version: it says so, keeps working offline,
and sends everything once "updated" (its reported version changed), against the real
server on 127.0.0.1."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from tests.conftest import STAFF_PASSWORD
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    SyncHarness,
    live_server,
    serve,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import Pc, make_pc
from tests.syncclient.test_engine import _work

from emr_desktop import __version__
from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.cli.main import main as emr_admin
from emr_desktop.services import auth
from emr_desktop.services import patients as patient_service
from emr_desktop.syncclient.client import SyncClient, UpdateRequired
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_desktop.syncclient.loop import SyncLoop
from emr_sync.app import create_app

MINIMUM = "0.2.0"


@dataclass
class Gated:
    base_url: str
    harness: SyncHarness


def _gated(harness: SyncHarness, minimum: str) -> Iterator[Gated]:
    settings = replace(harness.settings, min_client_version=minimum)
    with serve(create_app(settings, harness.engine)) as base_url:
        yield Gated(base_url, harness)


@pytest.fixture
def gated(sync_app: SyncHarness) -> Iterator[Gated]:  # noqa: F811 - the fixture above
    """The test server with a minimum client version of 0.2.0."""
    yield from _gated(sync_app, MINIMUM)


def _enrolled(pc: Pc, server: Gated, version: str) -> SyncClient:
    client = SyncClient(server.base_url, timeout=10, client_version=version)
    enroll(pc.store, server.base_url, server.harness.enroll_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _server_ops(server: Gated) -> int:
    return server.harness.counts()["op_log"]


def test_health_tells_the_minimum(gated: Gated, live_server: LiveServer) -> None:  # noqa: F811
    assert SyncClient(gated.base_url).health().min_client_version == MINIMUM
    assert SyncClient(live_server.base_url).health().min_client_version is None


def test_every_request_says_this_programs_version(sync_app: SyncHarness) -> None:  # noqa: F811
    # A minimum equal to the package version lets the default client through; one just
    # above it names the package version as the PC's.
    for minimum, refused in ((__version__, False), (__version__ + ".1", True)):
        for server in _gated(sync_app, minimum):
            client = SyncClient(server.base_url, timeout=10)
            code = sync_app.enroll_code()
            if not refused:
                client.enroll(code=code, device_id="a" * 26, device_name="PC")
                continue
            with pytest.raises(UpdateRequired) as info:
                client.enroll(code=code, device_id="b" * 26, device_name="PC")
            assert (info.value.client_version, info.value.min_client_version) == (
                __version__,
                minimum,
            )


def test_an_old_pc_keeps_working_offline_and_sends_everything_after_the_update(
    tmp_path: Path, gated: Gated
) -> None:
    pc = make_pc(tmp_path, "a")
    client = _enrolled(pc, gated, MINIMUM)
    sync_once(pc.store, client)
    on_server = _server_ops(gated)
    assert pending_op_count(pc.store) == 0

    client.client_version = "0.1.0"  # the PC is now older than the server's minimum
    loop = SyncLoop(pc.store, client, interval=60, first_retry=1, update_retry=3600)
    assert loop.run_now() is None
    status = loop.status()
    assert status.update_required and not status.online
    assert (status.client_version, status.min_client_version) == ("0.1.0", MINIMUM)
    assert status.last_error is not None
    assert "Phiên bản 0.1.0 cũ hơn phiên bản tối thiểu 0.2.0 của máy chủ" in status.last_error
    assert "cần cập nhật; vẫn làm việc ngoại tuyến được" in status.last_error
    assert "Version 0.1.0 is older than the server's minimum version 0.2.0" in status.last_error
    assert loop.next_delay() == 3600  # no quick retries that cannot succeed

    # Every local action still works, and the outbox keeps growing.
    rng = random.Random(5)
    counts = []
    for _ in range(3):
        _work(pc, rng, 2)
        counts.append(pending_op_count(pc.store))
        with pytest.raises(UpdateRequired):
            sync_once(pc.store, client)
    assert counts == sorted(counts) and counts[0] > 0 and counts[-1] > counts[0]
    doctor = auth.login(pc.store, "bs.a", STAFF_PASSWORD)
    found = patient_service.find_patients(pc.store, doctor, "Lê Văn")
    assert len(found) == 6
    moved = patient_service.update_patient(pc.store, doctor, found[0].id, address="Thôn Mới")
    assert patient_service.get_patient(pc.store, doctor, found[0].id).address == moved.address
    assert _server_ops(gated) == on_server  # nothing reached the server

    # "Update" the program: the next sync sends everything waiting.
    waiting = pending_op_count(pc.store)
    client.client_version = "0.2.1"
    report = loop.run_now()
    assert report is not None
    assert report.pushed == waiting
    status = loop.status()
    assert status.online and not status.update_required
    assert status.pending_ops == 0
    assert (status.client_version, status.min_client_version) == (None, None)
    assert _server_ops(gated) == on_server + waiting
    assert loop.next_delay() == 60


def test_a_protocol_refusal_keeps_its_own_message() -> None:
    error = UpdateRequired()
    assert error.client_version is None and "client_version" not in error.to_dict()
    assert "Máy chủ yêu cầu cập nhật" in error.message_vi
    versioned = UpdateRequired("0.1.0", MINIMUM).to_dict()
    assert (versioned["client_version"], versioned["min_client_version"]) == ("0.1.0", MINIMUM)
    assert versioned["code"] == "update_required"


def test_emr_admin_sync_says_the_pc_must_be_updated(
    tmp_path: Path,
    sync_app: SyncHarness,  # noqa: F811 - the fixture above
    capsys: pytest.CaptureFixture[str],
) -> None:
    minimum = "99.0"  # above the installed version, which `emr-admin` reports
    for server in _gated(sync_app, minimum):
        pc = make_pc(tmp_path, "a")
        _enrolled(pc, server, minimum)
        capsys.readouterr()
        assert emr_admin(["--data-dir", str(tmp_path / "a"), "sync", "--once"]) == EXIT_ERROR
        err = capsys.readouterr().err
        assert (
            f"Phiên bản {__version__} cũ hơn phiên bản tối thiểu 99.0 của máy chủ: cần cập nhật; "
            "vẫn làm việc ngoại tuyến được" in err
        )
        assert f"Version {__version__} is older than the server's minimum version 99.0" in err
        assert err.index("Phiên bản") < err.index("Version")
