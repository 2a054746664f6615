"""Audit verification and backups through the services (admin only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emr_desktop.core.errors import PermissionDenied
from emr_desktop.services import maintenance
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def test_verify_and_backup_need_admin(
    store: Store, admin: Session, doctor: Session, tmp_path: Path
) -> None:
    assert maintenance.verify_audit(store, admin).ok
    assert maintenance.backup_store(store, admin, tmp_path / "b.emrbak").stat().st_size > 0
    with pytest.raises(PermissionDenied):
        maintenance.verify_audit(store, doctor)
    with pytest.raises(PermissionDenied):
        maintenance.backup_store(store, doctor, tmp_path / "c.emrbak")
