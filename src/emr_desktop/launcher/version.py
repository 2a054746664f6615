"""What `emr-desktop --version` reports: this program's version and what it is built on.

IT staff compare these lines between PCs and against the server when something differs, so
they name the versions that matter for compatibility: the program (the server may ask for a
minimum), the sync protocol, Python, Qt and SQLCipher (the database format).
"""

from __future__ import annotations

import platform
import sys
from contextlib import closing
from dataclasses import asdict, dataclass
from importlib import metadata

from emr_desktop.core.wire import PROTOCOL_VERSION

#: The distribution whose metadata holds the version (pyproject's `[project] name`).
DISTRIBUTION = "emr-desktop"
#: Shown when the metadata is missing (a bundle built without it): plainly not a release.
UNKNOWN_VERSION = "0+unknown"


def program_version() -> str:
    """The installed program's version, from the package metadata.

    A PyInstaller bundle carries the metadata too (the spec copies it; `installer/build.py`
    checks that the bundle's `--version` matches pyproject); without it the answer is
    `UNKNOWN_VERSION` rather than a guess that would look like a real release.
    """
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def sqlcipher_version() -> str:
    """SQLCipher's own version as the linked library reports it (e.g. "4.6.1 community")."""
    import sqlcipher3

    with closing(sqlcipher3.connect(":memory:")) as conn:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    return f"{row[0] if row else '?'} (SQLite {sqlcipher3.sqlite_version})"


def qt_version() -> str:
    """Qt's runtime version and PySide6's (QtCore only: no display is needed)."""
    import PySide6
    from PySide6.QtCore import qVersion

    return f"{qVersion()} (PySide6 {PySide6.__version__})"


@dataclass(frozen=True)
class VersionInfo:
    program: str
    protocol: int
    python: str
    qt: str
    sqlcipher: str
    platform: str
    frozen: bool


def version_info() -> VersionInfo:
    return VersionInfo(
        program=program_version(),
        protocol=PROTOCOL_VERSION,
        python=f"{platform.python_version()} ({platform.python_implementation()})",
        qt=qt_version(),
        sqlcipher=sqlcipher_version(),
        platform=f"{platform.system()} {platform.machine()}",
        frozen=bool(getattr(sys, "frozen", False)),
    )


def version_lines(info: VersionInfo) -> list[str]:
    """One line per fact, Vietnamese label first; the first line is the usual `prog X.Y.Z`."""
    return [
        f"emr-desktop {info.program}",
        f"Giao thức đồng bộ / sync protocol: {info.protocol}",
        f"Python: {info.python}",
        f"Qt: {info.qt}",
        f"SQLCipher: {info.sqlcipher}",
        f"Hệ điều hành / platform: {info.platform}",
    ]


def version_json(info: VersionInfo) -> dict[str, object]:
    return asdict(info)
