"""Push and pull: sequencing, authorization and merge of ops on the server (DESIGN §4–§5).

A push is one transaction. The facility row is locked first (`SELECT … FOR UPDATE` on
PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers), so a facility's sequence
numbers are handed out in commit order: a puller that has seen `seq = n` has also seen every
op with a smaller `seq`, and never skips an op that committed late.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from emr_desktop.core.hlc import Hlc, HybridLogicalClock
from emr_desktop.core.ids import new_id
from emr_desktop.core.merge import EVENT_KIND, merge_op
from emr_desktop.core.permissions import allows, event_permission
from emr_desktop.core.records import EVENT_BODIES
from emr_desktop.core.wire import Op
from emr_sync.db import (
    conflict,
    dumps,
    facility,
    now_iso,
    op_log,
    read_transaction,
    record_state,
    write_transaction,
)
from emr_sync.errors import ApiError, forbidden
from emr_sync.settings import DEFAULT_MAX_FUTURE_SKEW_MS

log = logging.getLogger(__name__)

#: The device id of ops made on the server itself (users added with the CLI).
SERVER_DEVICE_ID = "server"
_LOOKUP_CHUNK = 500


def wall_ms() -> int:
    """The server's wall clock in Unix milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class DeviceIdentity:
    """An enrolled, authenticated device: the only party allowed to push or pull."""

    id: str
    facility_id: str
    name: str
    device_number: int


@dataclass(frozen=True)
class PushResult:
    """What `/v1/push` answers."""

    acked: list[str]
    server_time_ms: int
    skew_ms: int
    clamped: list[str] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {
            "acked": self.acked,
            "server_time_ms": self.server_time_ms,
            "skew_ms": self.skew_ms,
            "clamped": self.clamped,
        }


@dataclass(frozen=True)
class PullResult:
    """What `/v1/pull` answers (without the server time, added by the route)."""

    ops: list[dict[str, Any]]
    next: int
    more: bool


@dataclass
class _State:
    facility_id: str
    values: dict[str, Any]
    stamps: dict[str, str]


def push(
    engine: Engine,
    device: DeviceIdentity,
    ops: Sequence[Op],
    *,
    max_future_skew_ms: int = DEFAULT_MAX_FUTURE_SKEW_MS,
    clock: Callable[[], int] = wall_ms,
) -> PushResult:
    """Apply a batch of ops from `device` in one transaction and acknowledge every op.

    Ops already in the log are acknowledged again with no second effect. Any refused op
    (`ApiError`, 403/422) refuses the whole batch: nothing is written.
    """
    for op in ops:
        if op.device_id != device.id:
            raise forbidden(
                "wrong_device",
                "Thao tác mang mã thiết bị khác với thiết bị đã xác thực",
                "An op carries another device id than the authenticated device",
                "op.device_id",
            )
    clamped: list[str] = []
    with write_transaction(engine) as conn:
        now = clock()
        last_seq = lock_facility(conn, device.facility_id)
        seen = _known_op_ids(conn, [op.op_id for op in ops])
        received_at = now_iso()
        start_seq = last_seq
        for op in ops:
            if op.op_id in seen:
                continue
            seen.add(op.op_id)
            _authorize(conn, device, op)
            hlc, client_hlc = _clamp(op.hlc, now, max_future_skew_ms)
            if client_hlc is not None:
                clamped.append(op.op_id)
            last_seq += 1
            _append(
                conn,
                facility_id=device.facility_id,
                seq=last_seq,
                op=op,
                hlc=hlc,
                client_hlc=client_hlc,
                received_at=received_at,
            )
        if last_seq != start_seq:
            conn.execute(
                facility.update()
                .where(facility.c.id == device.facility_id)
                .values(last_seq=last_seq)
            )
    if last_seq != start_seq:
        log.info(
            "device %s pushed %d new ops (seq %d..%d)",
            device.id,
            last_seq - start_seq,
            start_seq + 1,
            last_seq,
        )
    if clamped:
        log.warning("device %s: %d ops clamped to server time", device.id, len(clamped))
    newest = max((Hlc.decode(op.hlc).wall_ms for op in ops), default=now)
    return PushResult(
        acked=list(dict.fromkeys(op.op_id for op in ops)),
        server_time_ms=now,
        skew_ms=newest - now,
        clamped=clamped,
    )


def pull(engine: Engine, device: DeviceIdentity, after: int, limit: int) -> PullResult:
    """The facility's ops with `seq > after`, in sequence order, without the device's own.

    `next` is the last sequence number examined (own ops included), so the next page starts
    after it; `more` tells whether later ops exist.
    """
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(op_log)
            .where(op_log.c.facility_id == device.facility_id, op_log.c.seq > after)
            .order_by(op_log.c.seq)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ops = [op_row_to_wire(row._mapping) for row in rows if row.device_id != device.id]
    return PullResult(ops=ops, next=int(rows[-1].seq) if rows else after, more=more)


def op_row_to_wire(row: Any) -> dict[str, Any]:
    """One op_log row as a pulled op: `{"seq", **op}`."""
    return {
        "seq": int(row["seq"]),
        "op_id": row["op_id"],
        "device_id": row["device_id"],
        "device_seq": int(row["device_seq"]),
        "kind": row["kind"],
        "record_id": row["record_id"],
        "fields": json.loads(row["fields"]),
        "hlc": row["hlc"],
        "base": json.loads(row["base"]),
        "user_id": row["user_id"],
        "created_at": row["created_at"],
    }


def lock_facility(conn: Connection, facility_id: str) -> int:
    """Lock the facility row for this transaction; returns its last sequence number."""
    last = conn.execute(
        select(facility.c.last_seq).where(facility.c.id == facility_id).with_for_update()
    ).scalar_one_or_none()
    if last is None:
        raise ApiError(
            404,
            "unknown_facility",
            "Cơ sở không có trên máy chủ",
            "The facility is not known to this server",
        )
    return int(last)


def append_server_op(
    conn: Connection,
    *,
    facility_id: str,
    kind: str,
    record_id: str,
    fields: dict[str, Any],
    base: dict[str, str] | None = None,
    clock: Callable[[], int] = wall_ms,
) -> dict[str, Any]:
    """Write an op made on the server (device "server") so the facility's PCs pull it.

    Runs inside the caller's write transaction; the op is stamped after every op already
    logged for the facility. Returns the op as pulled.
    """
    last_seq = lock_facility(conn, facility_id) + 1
    newest = conn.execute(
        select(func.max(op_log.c.hlc)).where(op_log.c.facility_id == facility_id)
    ).scalar_one_or_none()
    server_clock = HybridLogicalClock(SERVER_DEVICE_ID, wall_ms=clock)
    hlc = (server_clock.observe(newest) if newest else server_clock.now()).encode()
    device_seq = conn.execute(
        select(func.coalesce(func.max(op_log.c.device_seq), 0)).where(
            op_log.c.facility_id == facility_id, op_log.c.device_id == SERVER_DEVICE_ID
        )
    ).scalar_one()
    op = Op(
        op_id=new_id(),
        device_id=SERVER_DEVICE_ID,
        device_seq=int(device_seq) + 1,
        kind=kind,
        record_id=record_id,
        fields=fields,
        hlc=hlc,
        base=base or {},
        user_id=None,
        created_at=now_iso(),
    )
    _append(
        conn,
        facility_id=facility_id,
        seq=last_seq,
        op=op,
        hlc=hlc,
        client_hlc=None,
        received_at=op.created_at,
    )
    conn.execute(facility.update().where(facility.c.id == facility_id).values(last_seq=last_seq))
    return {"seq": last_seq, **op.to_wire()}


def load_state(conn: Connection, kind: str, record_id: str) -> _State | None:
    """The merged current state of one record, or None if the server has never seen it."""
    row = conn.execute(
        select(record_state.c.facility_id, record_state.c["values"], record_state.c.stamps).where(
            record_state.c.kind == kind, record_state.c.record_id == record_id
        )
    ).first()
    if row is None:
        return None
    return _State(row[0], json.loads(row[1]), json.loads(row[2]))


def records_of_kind(conn: Connection, facility_id: str, kind: str) -> list[dict[str, Any]]:
    """The current values of every record of `kind` in a facility."""
    rows = conn.execute(
        select(record_state.c["values"]).where(
            record_state.c.facility_id == facility_id, record_state.c.kind == kind
        )
    ).scalars()
    return [json.loads(text) for text in rows]


# --------------------------------------------------------------------------- internals


def _known_op_ids(conn: Connection, op_ids: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(op_ids))
    known: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        known.update(
            conn.execute(select(op_log.c.op_id).where(op_log.c.op_id.in_(chunk))).scalars()
        )
    return known


def _other_facility() -> ApiError:
    return forbidden(
        "other_facility",
        "Thiết bị không được ghi hồ sơ của cơ sở khác",
        "A device may not write another facility's record",
        "op.fields.facility_id",
    )


def _invalid(field_name: str, vi: str, en: str) -> ApiError:
    return ApiError(422, "validation", vi, en, field=field_name)


def _authorize(conn: Connection, device: DeviceIdentity, op: Op) -> None:
    state = load_state(conn, op.kind, op.record_id)
    claimed = op.fields.get("facility_id")
    if state is None:
        if claimed is None:
            raise _invalid(
                "op.fields.facility_id",
                "Hồ sơ mới phải ghi mã cơ sở",
                "A new record must name its facility",
            )
        if claimed != device.facility_id:
            raise _other_facility()
    elif state.facility_id != device.facility_id or (
        "facility_id" in op.fields and claimed != device.facility_id
    ):
        raise _other_facility()
    if op.kind == EVENT_KIND and op.fields.get("status") == "signed":
        _authorize_signature(conn, device, op)


def _authorize_signature(conn: Connection, device: DeviceIdentity, op: Op) -> None:
    body = EVENT_BODIES.get(str(op.fields.get("kind")))
    if body is None:
        raise _invalid(
            "op.fields.kind", "Loại sự kiện lâm sàng không rõ", "Unknown clinical event kind"
        )
    signer = op.fields.get("signed_by")
    if not isinstance(signer, str) or not signer:
        raise _invalid(
            "op.fields.signed_by",
            "Bản ghi đã ký phải có người ký",
            "A signed record needs a signer",
        )
    user = load_state(conn, "user", signer)
    if user is None or user.facility_id != device.facility_id:
        raise forbidden(
            "unknown_signer",
            "Người ký không phải nhân viên đã biết của cơ sở",
            "The signer is not a known member of the facility's staff",
            "op.fields.signed_by",
        )
    permission = event_permission(body.PERMISSION, "sign")
    role = str(user.values.get("role"))
    try:
        allowed = allows(role, permission)
    except ValueError:
        allowed = False
    if not allowed:
        raise forbidden(
            "role_cannot_sign",
            f"Vai trò {role} không được ký: {permission.value}",
            f"The role {role} may not sign: {permission.value}",
            "op.fields.signed_by",
        )


def _clamp(hlc: str, now_ms: int, max_future_skew_ms: int) -> tuple[str, str | None]:
    """The HLC to store, and the device's own when it was too far ahead (else None)."""
    stamp = Hlc.decode(hlc)
    if stamp.wall_ms - now_ms <= max_future_skew_ms:
        return hlc, None
    return Hlc(now_ms, stamp.counter, stamp.node).encode(), hlc


def _append(
    conn: Connection,
    *,
    facility_id: str,
    seq: int,
    op: Op,
    hlc: str,
    client_hlc: str | None,
    received_at: str,
) -> None:
    conn.execute(
        op_log.insert().values(
            facility_id=facility_id,
            seq=seq,
            op_id=op.op_id,
            device_id=op.device_id,
            device_seq=op.device_seq,
            kind=op.kind,
            record_id=op.record_id,
            fields=dumps(op.fields),
            hlc=hlc,
            base=dumps(op.base),
            user_id=op.user_id,
            created_at=op.created_at,
            received_at=received_at,
            client_hlc=client_hlc,
        )
    )
    _apply(conn, facility_id, op, hlc)


def _apply(conn: Connection, facility_id: str, op: Op, hlc: str) -> None:
    state = load_state(conn, op.kind, op.record_id)
    result = merge_op(
        kind=op.kind,
        record_id=op.record_id,
        values=state.values if state else None,
        stamps=state.stamps if state else None,
        op_fields=op.fields,
        op_hlc=hlc,
        op_base=op.base,
    )
    if state is None:
        conn.execute(
            record_state.insert().values(
                {
                    "facility_id": facility_id,
                    "kind": op.kind,
                    "record_id": op.record_id,
                    "values": dumps(result.values),
                    "stamps": dumps(result.stamps),
                }
            )
        )
    elif result.values != state.values or result.stamps != state.stamps:
        conn.execute(
            record_state.update()
            .where(record_state.c.kind == op.kind, record_state.c.record_id == op.record_id)
            .values({"values": dumps(result.values), "stamps": dumps(result.stamps)})
        )
    for lost in result.conflicts:
        exists = conn.execute(
            select(conflict.c.id).where(
                conflict.c.kind == lost.kind,
                conflict.c.record_id == lost.record_id,
                conflict.c.field == lost.field,
                conflict.c.loser_hlc == lost.loser_hlc,
            )
        ).first()
        if exists is None:
            conn.execute(
                conflict.insert().values(
                    id=new_id(),
                    facility_id=facility_id,
                    kind=lost.kind,
                    record_id=lost.record_id,
                    field=lost.field,
                    winner_value=dumps(lost.winner_value),
                    winner_hlc=lost.winner_hlc,
                    loser_value=dumps(lost.loser_value),
                    loser_hlc=lost.loser_hlc,
                    status="open",
                    created_at=now_iso(),
                )
            )
