"""The audit log: append-only, hash-chained (DESIGN §5).

Each row's hash covers its content and the previous row's hash, so changing, removing or
reordering any row breaks the chain from that row on; `verify` names the first broken link.
The hash is `core.auditchain.row_hash`, which the server recomputes for every row a PC
sends it (`syncclient.engine.push_audit`, `emr_sync.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from emr_desktop.core.auditchain import GENESIS, HASHED_FIELDS, WIRE_FIELDS, row_hash
from emr_desktop.core.ids import new_id
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.rows import dumps

__all__ = [
    "GENESIS",
    "RESTORE_ACTIONS",
    "VerifyResult",
    "append",
    "restored_after",
    "rows_after",
    "seq_of_hash",
    "verify",
]
#: Actions written when this store replaced a lost one from a backup (the restore command,
#: and the catch-up pull that follows it): the server may hold rows this copy never had.
RESTORE_ACTIONS = ("store.restore", "store.restore_caught_up")


def append(
    conn: Connection,
    *,
    device_id: str,
    user_id: str | None,
    action: str,
    target_kind: str | None = None,
    target_id: str | None = None,
    patient_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row. Must run inside the caller's write transaction (BEGIN IMMEDIATE)."""
    last = conn.exec_driver_sql("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev_hash = last[0] if last else GENESIS
    row: dict[str, Any] = {
        "id": new_id(),
        "at": utc_now().isoformat(),
        "user_id": user_id,
        "device_id": device_id,
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "patient_id": patient_id,
        "detail": dumps(detail or {}),
    }
    row["prev_hash"] = prev_hash
    row["hash"] = row_hash(prev_hash, row)
    conn.exec_driver_sql(
        "INSERT INTO audit_log (id, at, user_id, device_id, action, target_kind, target_id, "
        "patient_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        tuple(row[k] for k in (*HASHED_FIELDS, "prev_hash", "hash")),
    )


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify(conn: Connection) -> VerifyResult:
    """Walk the chain; report the first row whose link or content does not hold."""
    prev_hash = GENESIS
    expected_seq: int | None = None
    count = 0
    result = conn.exec_driver_sql(
        "SELECT seq, id, at, user_id, device_id, action, target_kind, target_id, patient_id, "
        "detail, prev_hash, hash FROM audit_log ORDER BY seq"
    )
    for values in result:
        row = dict(values._mapping)
        seq = row["seq"]
        count += 1
        if expected_seq is not None and seq != expected_seq:
            return VerifyResult(count, expected_seq, "row missing / thiếu dòng")
        if row["prev_hash"] != prev_hash:
            return VerifyResult(count, seq, "link to previous row broken / liên kết bị đứt")
        if row_hash(prev_hash, row) != row["hash"]:
            return VerifyResult(count, seq, "row content changed / nội dung bị sửa")
        prev_hash = row["hash"]
        expected_seq = seq + 1
    return VerifyResult(count, None, None)


def rows_after(conn: Connection, seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` rows after `seq`, in order, with `WIRE_FIELDS` (what the server gets)."""
    result = conn.exec_driver_sql(
        f"SELECT {', '.join(WIRE_FIELDS)} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",  # noqa: S608
        (seq, limit),
    )
    return [dict(values._mapping) for values in result]


def seq_of_hash(conn: Connection, hash_: str) -> int | None:
    """The seq of the row whose hash is `hash_` (0 for `GENESIS`); None: not in this chain."""
    if hash_ == GENESIS:
        return 0
    found = conn.exec_driver_sql("SELECT seq FROM audit_log WHERE hash = ?", (hash_,)).scalar()
    return None if found is None else int(found)


def restored_after(conn: Connection, seq: int) -> bool:
    """Whether a row after `seq` says this store was restored from a backup."""
    marks = ", ".join("?" for _ in RESTORE_ACTIONS)
    found = conn.exec_driver_sql(
        f"SELECT 1 FROM audit_log WHERE seq > ? AND action IN ({marks}) LIMIT 1",  # noqa: S608
        (seq, *RESTORE_ACTIONS),
    ).first()
    return found is not None
