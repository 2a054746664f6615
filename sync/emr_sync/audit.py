"""The PCs' audit logs, kept on the server too (DESIGN §5): who read, wrote, signed, printed
or exported which chart survives the loss of the PC that logged it.

`POST /v1/audit` `{"protocol", "device_id", "rows": [row, …], "restored_from"?: hash}` →
`{"acked_seq", "acked_hash", "last_seq", "last_hash", "forked"}`. A row is the PC's
`audit_log` row (`core.auditchain.WIRE_FIELDS`); the answer names the last row of the batch
the server now holds (null for an empty batch) and the last row of the device's chain on the
server (`last_hash` is `GENESIS` when it holds none): an empty batch asks just that.

Rules, checked for the whole batch before anything is written (a refusal writes nothing):

* **This device's rows only**, at most `MAX_AUDIT_ROWS`, in the PC's order (403
  `wrong_device`, 422 `validation`).
* **Hash.** Each row's hash is recomputed with the PC's own function
  (`core.auditchain.row_hash`); a row whose hash is not its content's is refused (422
  `audit_hash_mismatch`, naming the row).
* **Chain.** A new row's `prev_hash` must be the hash of the device's last row on the
  server (or `GENESIS` for its first): otherwise 409 `audit_chain_broken`, naming the row.
* **Idempotent.** A row the server holds (same id, same hash) is acknowledged again: a PC
  that crashed between the answer and recording it sends the batch again harmlessly. The
  same id with another hash is refused (409 `audit_row_conflict`).
* **Restores.** A PC restored from a backup continues its chain from the backup's last row
  while the server may hold rows the lost PC wrote after it. Such a PC declares it:
  `restored_from` is a hash of its chain the server holds (or `GENESIS`), 409
  `audit_restore_unknown` otherwise. Then, once, the first new row may continue any row of
  the device the server holds: the server starts a new branch (`audit_row.branch`) and
  records the fork (`audit_fork`), so that `verify` lists it instead of calling it broken.
  The branch left behind stays, verified like any other: nothing logged is dropped.
  A PC refused `audit_restore_unknown` (this server was itself restored from a backup
  older than the row declared) asks the last row with an empty batch and goes on after it
  when its chain holds it, or declares `GENESIS` and sends its chain again from the start
  (`syncclient.engine._declare_again`): the rows held are acknowledged again, and the
  first row missing forks from the newest row held.

`verify` walks every device's chain (each branch from its recorded fork) and names the
first broken link; `patient_trail` lists who did what to a chart, for an inspector.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from emr_desktop.core.auditchain import GENESIS, HASHED_FIELDS, WIRE_FIELDS, row_hash
from emr_sync.db import (
    Bulk,
    audit_fork,
    audit_row,
    facility,
    now_iso,
    read_transaction,
    record_state,
    write_transaction,
)
from emr_sync.db import device as device_table
from emr_sync.errors import ApiError, forbidden
from emr_sync.ingest import DeviceIdentity

log = logging.getLogger(__name__)

#: Rows per request at most (a PC sends `syncclient.engine.AUDIT_BATCH`).
MAX_AUDIT_ROWS = 1000
_HASH = re.compile(r"[0-9a-f]{64}")
_MAX_TEXT = 200
_MAX_DETAIL = 64 * 1024
_OPTIONAL = ("user_id", "target_kind", "target_id", "patient_id")
_REQUIRED = ("id", "at", "device_id", "action")


@dataclass(frozen=True)
class AuditRow:
    """One row of a PC's audit log, as sent (`WIRE_FIELDS`)."""

    seq: int
    id: str
    at: str
    user_id: str | None
    device_id: str
    action: str
    target_kind: str | None
    target_id: str | None
    patient_id: str | None
    detail: str
    prev_hash: str
    hash: str

    def values(self) -> dict[str, Any]:
        """The row by field name."""
        return {name: getattr(self, name) for name in WIRE_FIELDS}

    def named(self) -> str:
        """How an error names the row: its number on the PC and its id (no content)."""
        return f"{self.seq} ({self.id})"


@dataclass(frozen=True)
class _Link:
    """The last row of a device's chain on the server."""

    branch: int
    seq: int
    hash: str


# ------------------------------------------------------------------ the request


def parse_batch(body: dict[str, Any], device: DeviceIdentity) -> tuple[list[AuditRow], str | None]:
    """The rows and the restore declaration of a `/v1/audit` body, checked row by row."""
    if body.get("device_id") != device.id:
        raise _wrong_device("device_id")
    raw = body.get("rows")
    if not isinstance(raw, list):
        raise _invalid("rows", "Phải là một danh sách", "Must be a list")
    if len(raw) > MAX_AUDIT_ROWS:
        raise _invalid(
            "rows",
            f"Tối đa {MAX_AUDIT_ROWS} dòng nhật ký mỗi lần gửi",
            f"At most {MAX_AUDIT_ROWS} audit rows per request",
        )
    restored_from = body.get("restored_from")
    if restored_from is not None and not _is_hash(restored_from):
        raise _invalid("restored_from", "Phải là một mã băm SHA-256", "Must be a SHA-256 hash")
    rows = [_parse_row(item, n) for n, item in enumerate(raw)]
    for n, row in enumerate(rows):
        if row.device_id != device.id:
            raise _wrong_device(f"rows[{n}].device_id")
        if row_hash(row.prev_hash, row.values()) != row.hash:
            raise ApiError(
                422,
                "audit_hash_mismatch",
                f"Mã băm của dòng nhật ký {row.named()} không khớp nội dung của nó",
                f"The hash of audit row {row.named()} does not match its content",
                field=f"rows[{n}].hash",
            )
        if n and row.seq <= rows[n - 1].seq:
            raise _invalid(
                f"rows[{n}].seq",
                "Các dòng nhật ký phải theo thứ tự số dòng tăng dần",
                "Audit rows must come in increasing seq order",
            )
    return rows, restored_from


def _parse_row(item: Any, n: int) -> AuditRow:
    if not isinstance(item, dict):
        raise _invalid(f"rows[{n}]", "Phải là một đối tượng", "Must be an object")
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq < 2**62:
        raise _invalid(f"rows[{n}].seq", "Phải là số nguyên dương", "Must be a positive integer")
    for name in _REQUIRED:
        value = item.get(name)
        if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
            raise _invalid(f"rows[{n}].{name}", "Thiếu hoặc sai kiểu chuỗi", "Missing or not text")
    for name in _OPTIONAL:
        value = item.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > _MAX_TEXT):
            raise _invalid(f"rows[{n}].{name}", "Phải là chuỗi hoặc null", "Must be text or null")
    detail = item.get("detail")
    if not isinstance(detail, str) or len(detail) > _MAX_DETAIL:
        raise _invalid(f"rows[{n}].detail", "Phải là chuỗi JSON", "Must be JSON text")
    for name in ("prev_hash", "hash"):
        if not _is_hash(item.get(name)):
            raise _invalid(
                f"rows[{n}].{name}", "Phải là một mã băm SHA-256", "Must be a SHA-256 hash"
            )
    values: dict[str, Any] = {name: item.get(name) for name in WIRE_FIELDS}
    return AuditRow(**values)


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and _HASH.fullmatch(value) is not None


# ------------------------------------------------------------------ receiving rows


def receive(
    engine: Engine, device: DeviceIdentity, rows: list[AuditRow], restored_from: str | None
) -> dict[str, Any]:
    """Keep the rows of `device` that continue its chain (see the module's rules); answers
    the last row of the batch held and the last row of the device's chain."""
    with write_transaction(engine) as conn:
        # Two requests of one device never interleave (SQLite: BEGIN IMMEDIATE already).
        conn.execute(
            select(device_table.c.id).where(device_table.c.id == device.id).with_for_update()
        )
        tip = _tip(conn, device.id)
        if restored_from is not None and _seq_of(conn, device.id, restored_from) is None:
            raise ApiError(
                409,
                "audit_restore_unknown",
                "Máy chủ không giữ dòng nhật ký mà bản khôi phục nói là điểm tiếp nối",
                "The server holds no audit row with the hash the restored PC continues from",
                field="restored_from",
            )
        held = _held(conn, device.id, [row.id for row in rows])
        fresh: list[dict[str, Any]] = []
        fork: dict[str, Any] | None = None
        again = 0
        for n, row in enumerate(rows):
            if row.id in held:
                if held[row.id] != row.hash:
                    raise _conflict(
                        "audit_row_conflict",
                        f"Máy chủ đã giữ dòng nhật ký {row.named()} với nội dung khác",
                        f"The server already holds audit row {row.named()} with other content",
                        n,
                    )
                again += 1
                continue
            if row.prev_hash == (tip.hash if tip else GENESIS):
                branch, after_seq = (tip.branch, tip.seq) if tip else (0, 0)
            else:
                point = None if restored_from is None else _seq_of(conn, device.id, row.prev_hash)
                if point is None or fork is not None:
                    raise _chain_broken(row, n)
                branch, after_seq = _next_branch(conn, device.id), point
                fork = {
                    "device_id": device.id,
                    "branch": branch,
                    "restored_from": restored_from,
                    "fork_hash": row.prev_hash,
                    "first_row_id": row.id,
                    "abandoned_hash": tip.hash if tip else GENESIS,
                    "received_at": now_iso(),
                }
            if row.seq <= after_seq:
                raise _invalid(
                    f"rows[{n}].seq",
                    f"Dòng nhật ký {row.named()} có số dòng không sau dòng nó nối tiếp",
                    f"Audit row {row.named()} is numbered at or before the row it follows",
                )
            fresh.append(
                {
                    **row.values(),
                    "facility_id": device.facility_id,
                    "branch": branch,
                    "received_at": now_iso(),
                }
            )
            tip = _Link(branch, row.seq, row.hash)
        if fork is not None:
            conn.execute(audit_fork.insert().values(fork))
        bulk = Bulk(conn)
        bulk.insert(audit_row, fresh)
        bulk.run()
    if fork is not None:
        log.warning(
            "device %s: restored audit chain continues row %s as branch %d (row %s)",
            device.id,
            fork["fork_hash"][:12],
            fork["branch"],
            fork["first_row_id"],
        )
    if rows:
        log.info("device %s: %d audit rows kept, %d again", device.id, len(fresh), again)
    last = rows[-1] if rows else None
    return {
        "acked_seq": last.seq if last else None,
        "acked_hash": last.hash if last else None,
        "last_seq": tip.seq if tip else None,
        "last_hash": tip.hash if tip else GENESIS,
        "forked": fork is not None,
    }


def _tip(conn: Connection, device_id: str) -> _Link | None:
    row = conn.execute(
        select(audit_row.c.branch, audit_row.c.seq, audit_row.c.hash)
        .where(audit_row.c.device_id == device_id)
        .order_by(audit_row.c.branch.desc(), audit_row.c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else _Link(int(row.branch), int(row.seq), str(row.hash))


def _seq_of(conn: Connection, device_id: str, hash_: str) -> int | None:
    """The seq of the device's row with `hash_` (0 for `GENESIS`), None when not held."""
    if hash_ == GENESIS:
        return 0
    found = conn.execute(
        select(audit_row.c.seq)
        .where(audit_row.c.device_id == device_id, audit_row.c.hash == hash_)
        .limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _held(conn: Connection, device_id: str, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(audit_row.c.id, audit_row.c.hash).where(
                audit_row.c.device_id == device_id, audit_row.c.id.in_(ids[start : start + 500])
            )
        )
        found.update({str(r.id): str(r.hash) for r in rows})
    return found


def _next_branch(conn: Connection, device_id: str) -> int:
    last = conn.execute(
        select(func.max(audit_fork.c.branch)).where(audit_fork.c.device_id == device_id)
    ).scalar()
    return int(last or 0) + 1


def _chain_broken(row: AuditRow, n: int) -> ApiError:
    return _conflict(
        "audit_chain_broken",
        f"Dòng nhật ký {row.named()} không nối tiếp dòng cuối máy chủ đang giữ của thiết bị "
        "này (nếu máy vừa khôi phục từ bản sao lưu, phải khai báo restored_from)",
        f"Audit row {row.named()} does not follow the last row the server holds for this "
        "device (a PC restored from a backup must declare restored_from)",
        n,
    )


def _conflict(code: str, vi: str, en: str, n: int) -> ApiError:
    return ApiError(409, code, vi, en, field=f"rows[{n}]")


def _wrong_device(field: str) -> ApiError:
    return forbidden(
        "wrong_device",
        "Thiết bị chỉ được gửi nhật ký của chính nó",
        "A device may send only its own audit rows",
        field,
    )


def _invalid(field: str, vi: str, en: str) -> ApiError:
    return ApiError(422, "validation", vi, en, field=field)


# ------------------------------------------------------------------ verify


@dataclass(frozen=True)
class Break:
    """The first link of a device's chain that does not hold."""

    branch: int
    seq: int
    row_id: str
    reason_vi: str
    reason_en: str


def verify(engine: Engine, facility_code: str | None = None) -> dict[str, Any]:
    """Walk every device's chain on the server (of one facility, given its code): each row's
    hash, each link, each branch from its recorded fork. `{"ok", "rows", "devices": [{…,
    "first_broken"}], "forks": [...]}`: forks after declared restores are listed, not broken."""
    devices: list[dict[str, Any]] = []
    forks: list[dict[str, Any]] = []
    with read_transaction(engine) as conn:
        query = select(device_table.c.id, device_table.c.name, facility.c.code).join(
            facility, facility.c.id == device_table.c.facility_id
        )
        if facility_code is not None:
            query = query.where(facility.c.code == facility_code.strip().upper())
        for found in conn.execute(
            query.order_by(facility.c.code, device_table.c.device_number)
        ).all():
            declared = {
                int(f.branch): dict(f._mapping)
                for f in conn.execute(select(audit_fork).where(audit_fork.c.device_id == found.id))
            }
            rows, broken, seqs = _walk(conn, found.id, declared)
            for branch in sorted(declared):
                fork = declared[branch]
                forks.append({**fork, "fork_seq": seqs.get(fork["fork_hash"])})
            devices.append(
                {
                    "device_id": found.id,
                    "name": found.name,
                    "facility": found.code,
                    "rows": rows,
                    "branches": len(declared) + 1 if rows else 0,
                    "first_broken": None if broken is None else broken.__dict__,
                }
            )
    return {
        "ok": all(d["first_broken"] is None for d in devices),
        "rows": sum(d["rows"] for d in devices),
        "devices": devices,
        "forks": forks,
    }


def _walk(
    conn: Connection, device_id: str, forks: dict[int, dict[str, Any]]
) -> tuple[int, Break | None, dict[str, int]]:
    """(rows, first break, seq of every hash seen) of one device's chain."""
    seen: dict[str, int] = {GENESIS: 0}
    branch, prev_hash, prev_seq, count = 0, GENESIS, 0, 0
    result = conn.execute(
        select(audit_row)
        .where(audit_row.c.device_id == device_id)
        .order_by(audit_row.c.branch, audit_row.c.seq)
    )
    for found in result:
        row = found._mapping
        count += 1
        if row["branch"] != branch:
            branch = int(row["branch"])
            fork = forks.get(branch)
            if fork is None or fork["fork_hash"] not in seen:
                return (
                    count,
                    _break(row, "nhánh không có điểm rẽ đã khai báo", "undeclared fork"),
                    seen,
                )
            prev_hash, prev_seq = fork["fork_hash"], seen[fork["fork_hash"]]
        if row["prev_hash"] != prev_hash:
            return count, _break(row, "liên kết bị đứt", "link to previous row broken"), seen
        if row_hash(prev_hash, {name: row[name] for name in HASHED_FIELDS}) != row["hash"]:
            return count, _break(row, "nội dung bị sửa", "row content changed"), seen
        if row["seq"] <= prev_seq:
            return count, _break(row, "sai thứ tự dòng", "rows out of order"), seen
        prev_hash, prev_seq = row["hash"], int(row["seq"])
        seen[prev_hash] = prev_seq
    return count, None, seen


def _break(row: Any, vi: str, en: str) -> Break:
    return Break(int(row["branch"]), int(row["seq"]), str(row["id"]), vi, en)


# ------------------------------------------------------------------ a chart's trail


def patient_trail(engine: Engine, patient_id: str) -> list[dict[str, Any]]:
    """Every audit row about the chart `patient_id`, from every device, oldest first, with
    the acting account's username (who did what to the chart, for an inspector)."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(
                audit_row.c.at,
                audit_row.c.device_id,
                device_table.c.name.label("device_name"),
                audit_row.c.user_id,
                audit_row.c.action,
                audit_row.c.target_kind,
                audit_row.c.target_id,
                audit_row.c.seq,
                audit_row.c.branch,
            )
            .join(device_table, device_table.c.id == audit_row.c.device_id, isouter=True)
            .where(audit_row.c.patient_id == patient_id)
            .order_by(audit_row.c.at, audit_row.c.device_id, audit_row.c.seq)
        ).all()
        users = _usernames(conn, {r.user_id for r in rows if r.user_id is not None})
    return [{**r._mapping, "username": users.get(r.user_id)} for r in rows]


def _usernames(conn: Connection, user_ids: set[str]) -> dict[str, str]:
    rows = conn.execute(
        select(record_state.c.record_id, record_state.c["values"]).where(
            record_state.c.kind == "user", record_state.c.record_id.in_(sorted(user_ids))
        )
    )
    return {str(r[0]): str(json.loads(r[1]).get("username")) for r in rows}
