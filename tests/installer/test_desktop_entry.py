"""The Linux freedesktop entry: valid, and pointing at what the tarball holds where the
install instructions put it."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "installer" / "linux" / "emr-desktop.desktop"
ICON = ROOT / "installer" / "linux" / "emr-desktop.svg"


def _build_constants() -> dict[str, str]:
    import ast

    values: dict[str, str] = {}
    for node in ast.parse((ROOT / "installer" / "build.py").read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                values[node.targets[0].id] = value.value
    return values


def _entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string(ENTRY.read_text("utf-8"))
    return parser["Desktop Entry"]


def test_entry_points_into_the_unpacked_tarball() -> None:
    build = _build_constants()
    entry = _entry()
    installed = f"{build['LINUX_PREFIX']}/{build['BUNDLE_NAME']}"
    assert entry["Exec"] == f"{installed}/{build['DESKTOP_EXE']}"
    assert entry["TryExec"] == entry["Exec"]
    assert entry["Icon"] == f"{installed}/{build['TARBALL_ICON']}"
    assert entry["Icon"].endswith(ICON.name)


def test_entry_speaks_vietnamese_and_english() -> None:
    entry = _entry()
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    assert "Bệnh án điện tử" in entry["Name[vi]"]
    assert entry["Name"] == "EMR Desktop"
    assert entry["Comment[vi]"] and entry["Comment"]
    assert "MedicalSoftware" in entry["Categories"].split(";")


def test_icon_is_an_svg_image() -> None:
    import xml.etree.ElementTree as ET

    root = ET.parse(ICON).getroot()  # noqa: S314 - our own file
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-utils is not installed (dev.py setup installs it)",
)
def test_desktop_file_validate_accepts_it() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(ENTRY)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""
