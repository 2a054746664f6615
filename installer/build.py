#!/usr/bin/env python3
"""Build the desktop bundle and check it: `python3 installer/build.py [--clean]`.

1. PyInstaller (installer/emr-desktop.spec) makes ONE folder, `dist/emr-desktop/`, holding
   `emr-desktop` and `emr-admin` over one set of libraries.
2. From the bundle: `emr-desktop --version` (its version must be pyproject's),
   `emr-desktop --self-test` (every check must pass) and `emr-admin --help`, run with a
   keyring backend that fails if used (the self-test must never need the PC's own); then
   `emr-admin init` makes a store in a temporary directory (file keyring there) and the
   workstation opens its login window on it, off screen.
3. On Linux: `dist/emr-desktop-<version>-linux-x86_64.tar.gz` with the freedesktop entry
   (validated with desktop-file-validate when it is installed) and the icon, laid out for
   `/opt/emr-desktop` (installer/README.md).
4. One JSON line: the bundle's size (MB, files), the tarball's, and the times.

Runs with any Python 3.11+: it hands itself over to the project's `.venv` (made by
`python3 dev.py setup`, which installs PyInstaller with the `bundle` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "emr-desktop.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
WINDOWS = os.name == "nt"
VENV_PYTHON = ROOT / ".venv" / ("Scripts/python.exe" if WINDOWS else "bin/python")

#: What the spec makes (tests/installer checks the spec, the .iss and the .desktop agree).
BUNDLE_NAME = "emr-desktop"
DESKTOP_EXE = "emr-desktop"
ADMIN_EXE = "emr-admin"
#: Where the Linux tarball is meant to be unpacked (the .desktop entry names it).
LINUX_PREFIX = "/opt"
DESKTOP_FILE = INSTALLER / "linux" / "emr-desktop.desktop"
ICON_SVG = INSTALLER / "linux" / "emr-desktop.svg"
ICON_ICO = ROOT / "build" / "emr-desktop.ico"
TARBALL_DESKTOP = "share/applications/emr-desktop.desktop"
TARBALL_ICON = "share/icons/hicolor/scalable/apps/emr-desktop.svg"
#: A keyring that raises on every use: the bundle's self-test must not need the real one.
FAILING_KEYRING = "keyring.backends.fail.Keyring"


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def bundle_dir() -> Path:
    return DIST / BUNDLE_NAME


def executable(name: str) -> Path:
    return bundle_dir() / (name + (".exe" if WINDOWS else ""))


def tarball_path(version: str) -> Path:
    return DIST / f"emr-desktop-{version}-linux-x86_64.tar.gz"


def _run(cmd: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]  # noqa: S603
        [str(c) for c in cmd], text=True, check=False, **kwargs
    )


def _fail(message: str) -> NoReturn:
    sys.exit(f"installer/build.py: {message}")


def _in_venv() -> bool:
    return Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()


# ---------------------------------------------------------------------------- build


def make_icon() -> None:
    """The Windows icon (.ico), drawn by Qt from the SVG (the spec uses it when present)."""
    code = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication, QImage, QPainter, QColor\n"
        "from PySide6.QtSvg import QSvgRenderer\n"
        "app = QGuiApplication(['icon', '-platform', 'offscreen'])\n"
        "image = QImage(256, 256, QImage.Format.Format_ARGB32)\n"
        "image.fill(QColor(0, 0, 0, 0))\n"
        "painter = QPainter(image)\n"
        "QSvgRenderer(sys.argv[1]).render(painter)\n"
        "painter.end()\n"
        "sys.exit(0 if image.save(sys.argv[2], 'ICO') else 1)\n"
    )
    ICON_ICO.parent.mkdir(parents=True, exist_ok=True)
    result = _run([sys.executable, "-c", code, ICON_SVG, ICON_ICO])
    if result.returncode != 0 or not ICON_ICO.exists():
        _fail("could not draw the icon")


def pyinstaller(clean: bool) -> None:
    cmd: list[str | Path] = [sys.executable, "-m", "PyInstaller", "--noconfirm"]
    cmd += ["--log-level", "WARN", "--distpath", DIST, "--workpath", WORK]
    if clean:
        cmd.append("--clean")
    if _run([*cmd, SPEC], cwd=ROOT).returncode != 0:
        _fail("PyInstaller failed")


# ---------------------------------------------------------------------------- smoke


def _bundle_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHON_KEYRING_BACKEND"] = FAILING_KEYRING
    return env


def smoke(version: str) -> None:
    """Run the bundle's programs as IT would, and insist on the right answers."""
    env = _bundle_env()
    result = _run([executable(DESKTOP_EXE), "--version"], env=env, capture_output=True)
    print(result.stdout, end="", flush=True)
    first = result.stdout.splitlines()[0] if result.stdout else ""
    if result.returncode != 0 or first != f"emr-desktop {version}":
        _fail(
            f"--version from the bundle said {first!r} (rc {result.returncode}), "
            f"expected 'emr-desktop {version}'\n{result.stderr}"
        )
    result = _run([executable(DESKTOP_EXE), "--self-test", "--json"], env=env, capture_output=True)
    try:
        report = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        _fail(
            f"--self-test printed no JSON (rc {result.returncode})\n{result.stdout}\n"
            f"{result.stderr}"
        )
    for check in report["checks"]:
        mark = "OK  " if check["ok"] else "LỖI "
        print(f"  {mark} {check['name']}: {check['message_en']} ({check['seconds']} s)")
    if result.returncode != 0 or not report["ok"]:
        _fail(f"--self-test from the bundle failed (rc {result.returncode})\n{result.stderr}")
    result = _run([executable(ADMIN_EXE), "--help"], env=env, capture_output=True)
    if result.returncode != 0 or "usage: emr-admin" not in result.stdout:
        _fail(f"emr-admin --help from the bundle failed\n{result.stdout}\n{result.stderr}")
    workstation_starts()


def workstation_starts() -> float:
    """The bundle's emr-admin sets up a store, and its workstation opens the login window
    on it (off screen): the GUI, keyrings.alt and the migrations from the bundle.

    The store's key goes to a file keyring inside a temporary directory, removed after.
    """
    with tempfile.TemporaryDirectory(prefix="emr-bundle-smoke-") as folder:
        root = Path(folder)
        env = _bundle_env()
        env.update(
            PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
            XDG_DATA_HOME=str(root / "keyring"),
            XDG_CONFIG_HOME=str(root / "config"),
            LOCALAPPDATA=str(root / "keyring"),
            APPDATA=str(root / "config"),
            QT_QPA_PLATFORM="offscreen",
        )
        data = root / "data"
        init: list[str | Path] = [executable(ADMIN_EXE), "--data-dir", data, "--json", "init"]
        result = _run(
            [
                *init,
                "--facility",
                "70001",
                "--facility-name",
                "Kiểm tra bản đóng gói",
                "--admin",
                "admin",
            ],
            env=env,
            capture_output=True,
            input="bundle-smoke-admin-1\n",
        )
        if result.returncode != 0:
            _fail(f"emr-admin init from the bundle failed\n{result.stdout}\n{result.stderr}")
        probe: list[str | Path] = [executable(DESKTOP_EXE), "--data-dir", data, "--startup-probe"]
        result = _run(probe, env=env, capture_output=True)
        try:
            seconds = float(json.loads(result.stdout.strip().splitlines()[-1])["login_window_s"])
        except (ValueError, IndexError, KeyError):
            _fail(f"the workstation did not open from the bundle\n{result.stdout}\n{result.stderr}")
        print(f"  OK   workstation: login window in {seconds} s (off screen)", flush=True)
        return seconds


# ---------------------------------------------------------------------------- Linux tarball


def validate_desktop_entry() -> bool:
    """desktop-file-validate's verdict, when it is installed (dev.py installs it)."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        print("desktop-file-validate is not installed: the .desktop entry is not validated")
        return False
    result = _run([tool, DESKTOP_FILE], capture_output=True)
    if result.returncode != 0 or result.stdout.strip():
        _fail(f"desktop-file-validate:\n{result.stdout}{result.stderr}")
    return True


def _owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def tarball(version: str) -> Path:
    """`emr-desktop/` (the bundle, the entry and the icon) for unpacking into /opt."""
    target = tarball_path(version)
    partial = target.with_name(target.name + ".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(bundle_dir(), arcname=BUNDLE_NAME, filter=_owned_by_root)
        tar.add(DESKTOP_FILE, arcname=f"{BUNDLE_NAME}/{TARBALL_DESKTOP}", filter=_owned_by_root)
        tar.add(ICON_SVG, arcname=f"{BUNDLE_NAME}/{TARBALL_ICON}", filter=_owned_by_root)
    partial.replace(target)
    return target


# ---------------------------------------------------------------------------- main


def _size(folder: Path) -> tuple[float, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 1), len(files)


def build(clean: bool) -> dict[str, object]:
    version = project_version()
    started = time.perf_counter()
    make_icon()
    pyinstaller(clean)
    built = time.perf_counter()
    smoke(version)
    smoked = time.perf_counter()
    size_mb, files = _size(bundle_dir())
    summary: dict[str, object] = {
        "version": version,
        "bundle": str(bundle_dir().relative_to(ROOT)),
        "bundle_mb": size_mb,
        "bundle_files": files,
        "build_s": round(built - started, 1),
        "smoke_s": round(smoked - built, 1),
    }
    if sys.platform.startswith("linux"):
        summary["desktop_entry_validated"] = validate_desktop_entry()
        target = tarball(version)
        summary["tarball"] = str(target.relative_to(ROOT))
        summary["tarball_mb"] = round(target.stat().st_size / 1e6, 1)
        summary["tarball_s"] = round(time.perf_counter() - smoked, 1)
    summary["total_s"] = round(time.perf_counter() - started, 1)
    return summary


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache first")
    args = parser.parse_args(argv)
    if not _in_venv():
        if not VENV_PYTHON.exists():
            _run([sys.executable, ROOT / "dev.py", "setup"], cwd=ROOT, check=True)
        sys.exit(_run([VENV_PYTHON, Path(__file__).resolve(), *argv]).returncode)
    print(json.dumps(build(args.clean)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
