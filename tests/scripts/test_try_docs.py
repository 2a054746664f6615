"""`scripts/try_docs.py`: the IT documentation run as written, and loud when a step breaks.

The first test runs docs/it/workstations.md for real: a sync server on 127.0.0.1 started by
the doc itself, real encrypted stores, `emr-admin` and `emr-sync-server` as separate
processes, a file keyring.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "try_docs.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("try_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["try_docs"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


try_docs = _load()


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=1500,
    )


def _doc(path: Path, *blocks: str, language: str = "sh") -> Path:
    parts = ["# Thử / Trial", ""]
    for block in blocks:
        parts += ["Một bước / a step:", "", f"```{language}", block, "```", ""]
    path.write_text("\n".join(parts), "utf-8")
    return path


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_workstations_doc_runs_as_written() -> None:
    missing = [tool for tool in ("curl", "jq", "openssl") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the IT docs need {', '.join(missing)} on the test box (apt-get install)")
    doc = ROOT / "docs" / "it" / "workstations.md"
    blocks = try_docs.sh_blocks(doc.read_text("utf-8"))
    assert len(blocks) >= 15
    done = _run("--doc", "workstations")
    assert done.returncode == 0, done.stdout + done.stderr[-6000:]
    assert f"OK      workstations.md: {len(blocks)} blocks" in done.stdout
    # What the doc promises, seen in its own output: the unsynced patient came through the
    # replaced PC to another PC, and the enrolments went as it says.
    assert "Bùi Thị Chuyển Máy" in done.stderr + done.stdout
    assert "(thay thế / replacement)" in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_server_doc_runs_as_written() -> None:
    # It sets up the server on the PostgreSQL of the box (127.0.0.1:5432), as IT would.
    if not os.environ.get("EMR_TEST_POSTGRES_URL"):
        pytest.skip("EMR_TEST_POSTGRES_URL is not set: no PostgreSQL for the server doc")
    doc = ROOT / "docs" / "it" / "server.md"
    blocks = try_docs.sh_blocks(doc.read_text("utf-8"))
    assert blocks
    done = _run("--doc", "server")
    assert done.returncode == 0, done.stdout + done.stderr[-6000:]
    assert f"OK      server.md: {len(blocks)} blocks" in done.stdout


def test_a_failing_block_stops_the_doc_and_names_its_line(tmp_path: Path) -> None:
    doc = _doc(
        tmp_path / "hong.md",
        'echo "khối một / block one"',
        "true\nfalse\necho NOT-AFTER-FALSE",
        "echo BLOCK-THREE-RAN",
    )
    failed_at = doc.read_text("utf-8").splitlines().index("false") + 1
    done = _run("--doc", str(doc))
    assert done.returncode == 1
    assert f"FAILED  hong.md:{failed_at} (block 2 of 3, from line {failed_at - 1})" in done.stdout
    assert "exit status 1" in done.stdout
    assert "khối một / block one" in done.stdout
    assert "NOT-AFTER-FALSE" not in done.stdout
    assert "BLOCK-THREE-RAN" not in done.stdout


def test_a_failure_inside_a_command_substitution_fails(tmp_path: Path) -> None:
    doc = _doc(tmp_path / "thay-the.md", 'X="$(false; echo hidden)"\necho "got $X"')
    done = _run("--doc", str(doc))
    assert done.returncode == 1
    assert "got hidden" not in done.stdout
    assert "FAILED  thay-the.md:" in done.stdout


def test_an_unset_variable_names_its_block(tmp_path: Path) -> None:
    doc = _doc(tmp_path / "bien.md", "echo ok", 'echo "$KHONG_CO_BIEN_NAY"')
    done = _run("--doc", str(doc))
    assert done.returncode == 1
    assert "FAILED  bien.md:" in done.stdout
    assert "(block 2 of 2" in done.stdout


def test_console_blocks_are_never_run(tmp_path: Path) -> None:
    doc = _doc(tmp_path / "windows.md", "false", language="console")
    done = _run("--doc", str(doc))
    assert done.returncode == 0
    assert "OK      windows.md: 0 blocks" in done.stdout


def test_each_doc_gets_a_clean_environment_and_a_fresh_workdir(tmp_path: Path) -> None:
    doc = _doc(
        tmp_path / "moi-truong.md",
        "\n".join(
            (
                'test "$PWD" = "$EMR_IT_WORKDIR"',
                'test -z "$(ls -A "$EMR_IT_WORKDIR")"',
                'test -z "$(ls -A "$HOME")"',
                'test -z "${EMR_PASSWORD:-}"',
                'test -z "${EMR_DATA_DIR:-}"',
                'test -n "$EMR_IT_PORT"',
                'test "$PYTHON_KEYRING_BACKEND" = keyrings.alt.file.PlaintextKeyring',
                "command -v emr-admin",
                "command -v emr-sync-server",
                "export DA_XUAT=1",
            )
        ),
        'test "$DA_XUAT" = 1  # what one block exports, the next sees',
    )
    env = {**os.environ, "EMR_PASSWORD": "khong-duoc-lo", "EMR_DATA_DIR": str(tmp_path)}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    done = _run("--doc", str(doc), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "khong-duoc-lo" not in done.stdout + done.stderr


def test_what_a_failing_doc_left_running_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    doc = _doc(tmp_path / "nen.md", f"sleep 600 &\necho $! > '{pid_file}'\nfalse")
    done = _run("--doc", str(doc))
    assert done.returncode == 1
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) is not running.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_docs_run_in_the_order_the_index_links_them(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "1. [b](b.md#phan)\n2. [a](a.md)\n3. [b again](b.md)\n[outside](../x.md)\n", "utf-8"
    )
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / name).write_text("# x\n", "utf-8")
    order = [p.name for p in try_docs.doc_order(tmp_path)]
    assert order == ["README.md", "b.md", "a.md", "c.md"]


def test_blocks_are_found_with_their_lines() -> None:
    text = "\n".join(
        ("# t", "```sh", "echo 1", "```", "````console", "```sh", "no", "````", "```sh", "a", "```")
    )
    blocks = try_docs.sh_blocks(text)
    assert [(b.line, b.text) for b in blocks] == [(3, "echo 1"), (10, "a")]
    with pytest.raises(ValueError, match="line 2"):
        try_docs.sh_blocks("# t\n```sh\necho never closed\n")
