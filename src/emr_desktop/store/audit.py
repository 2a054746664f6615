"""The audit log: append-only, hash-chained (DESIGN §5).

Each row's hash covers its content and the previous row's hash, so changing, removing or
reordering any row breaks the chain from that row on; `verify` names the first broken link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from emr_desktop.core.ids import new_id
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.rows import dumps

GENESIS = "0" * 64
_FIELDS = (
    "id",
    "at",
    "user_id",
    "device_id",
    "action",
    "target_kind",
    "target_id",
    "patient_id",
    "detail",
)


def _digest(prev_hash: str, row: dict[str, Any]) -> str:
    content = dumps({name: row[name] for name in _FIELDS})
    return hashlib.sha256(f"{prev_hash}|{content}".encode()).hexdigest()


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
    row["hash"] = _digest(prev_hash, row)
    conn.exec_driver_sql(
        "INSERT INTO audit_log (id, at, user_id, device_id, action, target_kind, target_id, "
        "patient_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        tuple(row[k] for k in (*_FIELDS, "prev_hash", "hash")),
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
        if _digest(prev_hash, row) != row["hash"]:
            return VerifyResult(count, seq, "row content changed / nội dung bị sửa")
        prev_hash = row["hash"]
        expected_seq = seq + 1
    return VerifyResult(count, None, None)
