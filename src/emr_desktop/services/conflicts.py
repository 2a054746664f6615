"""The review queue of concurrent edits (DESIGN §4): nothing a user typed is lost.

When two PCs changed the same field from the same starting value, every replica keeps the
same winner and this PC keeps the losing value here. A clerk (or the clinician, for
clinical data) looks at both and either keeps the winner or puts the other value back —
the latter is an ordinary edit, synced like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.errors import ConflictError, NotFound, ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import MUTABLE_RECORDS, Patient
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

#: What a user needs to settle a conflict on a record of each kind.
_RESOLVE_PERMISSION: dict[str, Permission] = {
    "patient": Permission.PATIENT_EDIT,
    "patient_link": Permission.PATIENT_MERGE,
    "encounter": Permission.ENCOUNTER_WRITE,
    "allergy": Permission.ALLERGY_WRITE,
    "problem": Permission.PROBLEM_WRITE,
    "user": Permission.USER_MANAGE,
    "facility": Permission.USER_MANAGE,
    "device": Permission.USER_MANAGE,
    "department": Permission.USER_MANAGE,
    "bed": Permission.USER_MANAGE,
    # A dose recorded twice after a sync (`nursing.detect_double_doses`): acknowledged by
    # a nurse; both doses stay in the record.
    "medication_administration": Permission.ADMINISTRATION_WRITE,
}


@dataclass(frozen=True)
class Conflict:
    """Two values written concurrently to one field; `winner_value` is the one in force."""

    id: int
    kind: str
    record_id: str
    field: str
    winner_value: Any
    winner_hlc: str
    loser_value: Any
    loser_hlc: str
    status: str
    created_at: str


def list_conflicts(store: Store, session: Session, *, status: str = "open") -> list[Conflict]:
    """Conflicts of this PC's replica, oldest first."""
    session.require(Permission.PATIENT_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT id, kind, record_id, field, winner_value, winner_hlc, loser_value, "
            "loser_hlc, status, created_at FROM conflict WHERE status = ? ORDER BY id",
            (status,),
        ).fetchall()
        uow.audit("conflict.list", detail={"count": len(rows)})
        uow.commit()
    return [
        Conflict(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], json.loads(r[6]), r[7], r[8], r[9])
        for r in rows
    ]


def resolve_conflict(store: Store, session: Session, conflict_id: int, *, keep: str) -> Conflict:
    """Settle a conflict: `keep="winner"` leaves the record as it is, `keep="other"` writes
    the losing value back as a new edit (which then syncs to every PC)."""
    if keep not in ("winner", "other"):
        raise ValidationError(
            "keep",
            "choice",
            "Chọn giữ giá trị hiện tại hoặc giá trị kia",
            'Choose "winner" or "other"',
        )
    with store.unit_of_work(user_id=session.user_id) as uow:
        row = uow.conn.exec_driver_sql(
            "SELECT kind, record_id, field, loser_value, status FROM conflict WHERE id = ?",
            (conflict_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"Không có xung đột {conflict_id}", f"No conflict {conflict_id}")
        kind, record_id, field, loser_value, status = row
        session.require(_RESOLVE_PERMISSION.get(kind, Permission.USER_MANAGE))
        if status != "open":
            raise ConflictError(
                "Xung đột này đã được giải quyết", "This conflict is already settled"
            )
        if keep == "other" and kind not in MUTABLE_RECORDS:
            raise ValidationError(
                "keep",
                "not_mutable",
                "Cả hai bản ghi đều được giữ trong hồ sơ; bản ghi sai hãy đánh dấu nhập nhầm",
                "Both records stay in the chart; mark the wrong one as entered in error",
            )
        if keep == "other":
            cls = MUTABLE_RECORDS[kind]
            current = uow.get(cls, record_id)
            plain = to_plain(current)
            plain[field] = json.loads(loser_value)
            updated = from_plain(cls, plain)
            uow.update(updated, base=uow.field_hlcs(cls, record_id))
        uow.conn.exec_driver_sql(
            "UPDATE conflict SET status = 'resolved' WHERE id = ?", (conflict_id,)
        )
        uow.audit(
            "conflict.resolve",
            target_kind=kind,
            target_id=record_id,
            patient_id=record_id if kind == Patient.KIND else None,
            detail={"conflict_id": conflict_id, "field": field, "kept": keep},
        )
        uow.commit()
    return next(c for c in list_conflicts(store, session, status="resolved") if c.id == conflict_id)
