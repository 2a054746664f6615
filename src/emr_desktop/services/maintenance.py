"""IT tasks: audit verification, backups, restore and key recovery."""

from __future__ import annotations

from pathlib import Path

from emr_desktop.core.permissions import Permission
from emr_desktop.services.auth import Session
from emr_desktop.store import audit
from emr_desktop.store.audit import VerifyResult
from emr_desktop.store.store import Store


def verify_audit(store: Store, session: Session) -> VerifyResult:
    """Walk the audit chain and name the first broken link, if any."""
    session.require(Permission.AUDIT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        result = audit.verify(uow.conn)
        uow.audit("audit.verify", detail={"rows": result.rows, "ok": result.ok})
        uow.commit()
    return result


def backup_store(store: Store, session: Session, target: Path) -> Path:
    """Write an encrypted backup of the whole store."""
    session.require(Permission.BACKUP)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.audit("backup", detail={"file": target.name})
        uow.commit()
    return store.backup(target)
