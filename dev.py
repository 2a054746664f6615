#!/usr/bin/env python3
"""Set up EMR Desktop in a local virtual environment and run it or its tests.

    python3 dev.py demo            # set up, build a demo store and run the program on it
    python3 dev.py test            # set up and run the whole test suite
    python3 dev.py bench [--full]  # set up and run the benchmarks (small size unless --full)

Only Python 3.11+ is needed; everything else is installed into `.venv` beside this file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"

# Debian packages the program needs at run time beyond Python wheels: the libraries Qt's
# platform plugins load (offscreen for tests, xcb on a desktop), a font with Vietnamese, and
# socat, whose pseudo-terminal pairs stand in for a serial QR scanner in the tests; poppler
# (pdftotext, pdftoppm) and zbar (zbarimg) with which the tests read printed documents back.
# Installed only when running as root on Debian.
APT_PACKAGES: list[str] = [
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libfontconfig1",
    "libdbus-1-3",
    "libglib2.0-0",
    "fonts-dejavu-core",
    "socat",
    "poppler-utils",
    "zbar-tools",
    # A real PACS for the imaging tests (started by the tests on loopback, never as a service).
    "orthanc",
    "orthanc-dicomweb",
    # Qt's xcb platform plugin (a Linux desktop) loads these too; the bundle carries them.
    "libxcb-icccm4",
    "libxcb-keysyms1",
    # installer/build.py: PyInstaller reads binaries with objdump; the .desktop entry is
    # checked with desktop-file-validate.
    "binutils",
    "desktop-file-utils",
    # The sync server's TLS reverse proxy, tested with its shipped configuration
    # (sync/deploy/nginx; started by the tests on loopback, never as a service).
    "nginx",
    # The IT guides (docs/it) use these, and their doc runner test runs every command.
    "curl",
    "jq",
    "openssl",
]


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def _apt_install() -> None:
    if not APT_PACKAGES or shutil.which("apt-get") is None:
        return
    missing = [
        p
        for p in APT_PACKAGES
        if subprocess.run(["dpkg", "-s", p], capture_output=True, check=False).returncode != 0
    ]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sys.exit(f"Please install these Debian packages first: {' '.join(missing)}")
    _run("apt-get", "update")
    _run("apt-get", "install", "-y", "--no-install-recommends", *missing)


def setup() -> None:
    """Create `.venv` and install the project with its server, dev and bundle extras."""
    _apt_install()
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    fingerprint = (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == fingerprint:
        return
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[server,dev,bundle]")
    STAMP.write_bytes(fingerprint)


def demo() -> None:
    """Build a demo store (once) and open the workstation on it.

    On a machine without a display (a server, CI) the program runs off screen instead and
    walks through its main screens, saving a screenshot of each.
    """
    data_dir = ROOT / ".demo-data"
    env = dict(os.environ)
    # A demo box may have no Secret Service; `emr-desktop --demo` keeps the demo store's key
    # in a file keyring inside the demo directory. Real ward PCs use the OS keyring.
    command: list[str | Path] = [
        BIN / "emr-desktop",
        "--demo",
        "--data-dir",
        data_dir,
        "--demo-patients",
        "20000",
    ]
    has_display = any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and not has_display:
        shots = data_dir / "screenshots"
        env["QT_QPA_PLATFORM"] = "offscreen"
        command += ["--tour", shots]
        print(
            "Không có màn hình / no display: the workstation runs off screen and saves"
            f" screenshots of its main screens in {shots}",
            flush=True,
        )
    _run(*command, env=env)


DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def test(extra: list[str]) -> None:
    """Run the whole test suite (the server's tests also on PostgreSQL when one is here)."""
    env = dict(os.environ)
    if "EMR_TEST_POSTGRES_URL" not in env:
        if _postgres_reachable():
            env["EMR_TEST_POSTGRES_URL"] = DEFAULT_POSTGRES_URL
        else:
            print(
                "No PostgreSQL on 127.0.0.1:5432: the server's PostgreSQL tests are skipped",
                flush=True,
            )
    # The GUI tests draw real windows off screen.
    env["QT_QPA_PLATFORM"] = "offscreen"
    # One test process per core (pytest-xdist) unless the caller chose: every test keeps its
    # files in its own temporary directory and its server on its own port or schema.
    chosen = any(a.startswith(("-n", "--numprocesses")) for a in extra)
    parallel = [] if chosen else ["-n", "auto"]
    _run(PYTHON, "-m", "pytest", *parallel, *extra, env=env)


#: (script, arguments at smoke size, arguments at full size)
BENCHMARKS = [
    ("bench_seed.py", ["--patients", "3000"], ["--patients", "1000000"]),
    ("bench_search.py", ["--patients", "3000"], ["--patients", "1000000"]),
    (
        "bench_chart.py",
        ["--patients", "1000", "--encounters", "50", "--events", "1000"],
        ["--patients", "10000"],
    ),
    ("bench_consultation.py", ["--patients", "1000", "--runs", "10"], ["--patients", "10000"]),
    ("bench_encryption.py", ["--patients", "200"], ["--patients", "3000"]),
    ("bench_sync_push.py", ["--ops", "1000"], ["--ops", "10000"]),
    ("bench_sync_pull.py", ["--ops", "5000"], ["--ops", "100000"]),
    (
        "bench_sync_first_sync.py",
        ["--patients", "200", "--link", "slow"],
        ["--patients", "5000", "--link", "slow"],
    ),
    (
        "bench_sync_first_sync.py",
        ["--patients", "200", "--link", "lan"],
        ["--patients", "50000", "--link", "lan"],
    ),
    (
        "bench_sync_pg_ingest.py",
        ["--devices", "2", "--ops-per-device", "300"],
        ["--devices", "8", "--ops-per-device", "2000"],
    ),
    ("bench_ui_startup.py", ["--runs", "3", "--patients", "100"], ["--runs", "10"]),
    ("bench_ui_chart_open.py", ["--smoke"], []),
    ("bench_ui_search_typing.py", ["--patients", "2000"], ["--patients", "100000"]),
    (
        "bench_printing.py",
        ["--runs", "3", "--years", "2", "--patients", "200", "--events", "1000"],
        [],
    ),
    ("bench_imaging.py", ["--slices", "40", "--runs", "5"], ["--slices", "200", "--runs", "20"]),
    ("bench_imaging_import.py", ["--slices", "40", "--runs", "1"], []),
    ("bench_interop.py", ["--patients", "200", "--events", "500"], []),
]


def bench(full: bool) -> None:
    """Run every benchmark; each prints one JSON object."""
    env = dict(os.environ)
    # The GUI benchmarks draw real windows, off screen.
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for script, small, large in BENCHMARKS:
        _run(PYTHON, ROOT / "benchmarks" / script, *(large if full else small), env=env)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "setup", "bench"}:
        sys.exit(__doc__)
    setup()
    if argv[0] == "demo":
        demo()
    elif argv[0] == "test":
        test(argv[1:])
    elif argv[0] == "bench":
        bench("--full" in argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
