"""Shared fixtures: a real SQLCipher store in a temporary directory, and logged-in staff.

The keyring is selected explicitly (a file keyring in a temporary directory), as an
administrator would on a PC without a secure OS keyring.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before keyring is imported anywhere: it picks its backend once per process.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="emr-test-keyring-")
# GUI tests draw real windows, off screen; QSettings go to a temporary directory.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="emr-test-config-")

import pytest

from emr_desktop.services import auth
from emr_desktop.services.auth import Session
from emr_desktop.services.setup import initialize
from emr_desktop.store.store import Store

ADMIN_PASSWORD = "admin-password-1"
STAFF_PASSWORD = "staff-password-1"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store_and_recovery(data_dir: Path) -> Iterator[tuple[Store, str]]:
    store, recovery_key = initialize(
        data_dir,
        facility_code="70001",
        facility_name="Trung tâm Y tế huyện Thử",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
    )
    yield store, recovery_key
    store.engine.dispose()


@pytest.fixture
def store(store_and_recovery: tuple[Store, str]) -> Store:
    return store_and_recovery[0]


@pytest.fixture
def admin(store: Store) -> Session:
    return auth.login(store, "admin", ADMIN_PASSWORD)


def _staff(store: Store, admin: Session, username: str, role: str, full_name: str) -> Session:
    auth.add_user(
        store, admin, username=username, role=role, full_name=full_name, password=STAFF_PASSWORD
    )
    return auth.login(store, username, STAFF_PASSWORD)


@pytest.fixture
def doctor(store: Store, admin: Session) -> Session:
    return _staff(store, admin, "bs.lan", "doctor", "Trần Thị Lan")


@pytest.fixture
def nurse(store: Store, admin: Session) -> Session:
    return _staff(store, admin, "dd.hoa", "nurse", "Lê Thị Hoa")


@pytest.fixture
def registrar(store: Store, admin: Session) -> Session:
    return _staff(store, admin, "tn.minh", "registrar", "Phạm Văn Minh")
