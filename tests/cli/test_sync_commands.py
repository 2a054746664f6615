"""`emr-admin enroll` and `emr-admin sync`, in process, against the in-memory server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from tests.syncclient.support import FAKE_URL, FakeServer

from emr_desktop.cli.main import EXIT_ERROR, main

ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    fake = FakeServer()
    monkeypatch.setattr(requests, "Session", fake.session)
    return fake


def _run(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


@pytest.fixture
def data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("EMR_PASSWORD", ADMIN_PASSWORD)
    assert (
        _run(path, "init", "--facility", "70001", "--facility-name", "TTYT", "--admin", "qt") == 0
    )
    monkeypatch.setenv("EMR_NEW_PASSWORD", "doctor-password-1")
    args = ["user", "add", "bs", "--role", "doctor", "--full-name", "Đỗ Thị Hằng", "--user", "qt"]
    assert _run(path, *args) == 0
    capsys.readouterr()
    return path


def test_enroll_then_sync_once(
    data_dir: Path, server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = server.new_code()
    args = ["enroll", "--server", FAKE_URL, "--code", code, "--device-name", "Khoa Nội"]
    assert _run(data_dir, *args, "--user", "qt") == 0
    out = capsys.readouterr().out
    assert out.index("Đã đăng ký") < out.index("Enrolled")
    assert _run(data_dir, "sync", "--once", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pushed"] == len(server.log) > 0
    assert report["pulled"] == 0
    assert _run(data_dir, "sync", "--once") == 0
    out = capsys.readouterr().out
    assert "Đã gửi 0, đã nhận 0, xung đột 0" in out
    assert "pushed 0, pulled 0, conflicts 0" in out


def test_enroll_needs_an_administrator(
    data_dir: Path,
    server: FakeServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMR_PASSWORD", "doctor-password-1")
    args = ["enroll", "--server", FAKE_URL, "--code", server.new_code(), "--user", "bs"]
    assert _run(data_dir, *args) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "quản trị viên" in err
    assert "administrator" in err


def test_sync_before_enroll_says_so(
    data_dir: Path, server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(data_dir, "sync", "--once") == EXIT_ERROR
    assert "emr-admin enroll" in capsys.readouterr().err
