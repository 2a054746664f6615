"""`emr-desktop --version`: the program's version from its metadata, and what it runs on."""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import sqlcipher3

from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_desktop.launcher import version

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def test_program_version_is_pyprojects() -> None:
    assert version.program_version() == _pyproject_version()


def test_missing_metadata_gives_an_obviously_unreleased_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version.metadata, "version", missing)
    assert version.program_version() == version.UNKNOWN_VERSION


def test_version_info_names_the_linked_libraries() -> None:
    info = version.version_info()
    assert info.protocol == PROTOCOL_VERSION
    assert info.python.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    # SQLCipher's own version, read from the library, and the SQLite it is built on.
    assert f"SQLite {sqlcipher3.sqlite_version}" in info.sqlcipher
    assert info.sqlcipher.split()[0].count(".") == 2
    from PySide6.QtCore import qVersion

    assert info.qt.startswith(qVersion())
    assert info.frozen is False
    lines = version.version_lines(info)
    assert lines[0] == f"emr-desktop {_pyproject_version()}"
    assert any(line.endswith(f": {PROTOCOL_VERSION}") for line in lines)
    assert version.version_json(info)["sqlcipher"] == info.sqlcipher
