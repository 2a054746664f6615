"""The `emr-desktop` entry point: --version and --self-test in process and as the installed
gui-script, and everything else handed to the workstation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from emr_desktop.launcher import main as launcher
from emr_desktop.launcher.version import program_version

ENTRY_POINT = Path(sys.executable).with_name("emr-desktop")


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["--version"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"emr-desktop {program_version()}"
    assert any("SQLCipher" in line for line in out)


def test_version_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["--version", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["program"] == program_version()
    assert set(data) >= {"protocol", "python", "qt", "sqlcipher"}


def test_server_without_self_test_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["--version", "--server", "http://127.0.0.1:1"]) == 2
    assert "--self-test" in capsys.readouterr().err


def test_other_arguments_go_to_the_workstation(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def workstation(argv: list[str]) -> int:
        seen.append(argv)
        return 7

    import emr_desktop.ui.app

    monkeypatch.setattr(emr_desktop.ui.app, "main", workstation)
    assert launcher.main(["--data-dir", "/nowhere", "--lang", "en"]) == 7
    assert seen == [["--data-dir", "/nowhere", "--lang", "en"]]
    assert not launcher.is_maintenance(["--demo"])
    assert launcher.is_maintenance(["--lang", "vi", "--self-test"])


def test_self_test_in_process_with_unreachable_server_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _closed_port_url()
    assert launcher.main(["--self-test", "--server", url, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["server"]
    assert url in failed[0]["message_en"]
    assert "Không kết nối được" in failed[0]["message_vi"]


def _entry_point_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    # A keyring that fails if used: the self-test must never touch the PC's own.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


@pytest.mark.skipif(not ENTRY_POINT.exists(), reason="the package is not installed in this env")
def test_installed_entry_point_version_and_self_test(tmp_path: Path) -> None:
    env = _entry_point_env(tmp_path)
    version = subprocess.run(
        [ENTRY_POINT, "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.splitlines()[0] == f"emr-desktop {program_version()}"
    test = subprocess.run(
        [ENTRY_POINT, "--self-test"], capture_output=True, text=True, env=env, timeout=240
    )
    assert test.returncode == 0, test.stdout + test.stderr
    lines = test.stdout.splitlines()
    assert lines[-1].startswith("ĐẠT / PASSED")
    # One line per check, Vietnamese then English.
    assert all(line.startswith("OK   ") and " / " in line for line in lines[:-1])
    assert len(lines) > 10
    # Nothing left behind in the temporary directory it used.
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.skipif(not ENTRY_POINT.exists(), reason="the package is not installed in this env")
def test_installed_entry_point_fails_on_an_unreachable_server(tmp_path: Path) -> None:
    env = _entry_point_env(tmp_path)
    result = subprocess.run(
        [ENTRY_POINT, "--self-test", "--server", _closed_port_url()],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].startswith("KHÔNG ĐẠT / FAILED")
    assert any(line.startswith("LỖI  server:") for line in result.stdout.splitlines())
    assert list((tmp_path / "tmp").iterdir()) == []
