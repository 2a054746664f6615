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

from sqlalchemy import Connection, Engine, bindparam, func, select

from emr_desktop.core.hlc import Hlc, HybridLogicalClock
from emr_desktop.core.ids import new_id
from emr_desktop.core.merge import MergeResult, merge_op
from emr_desktop.core.wire import Op
from emr_sync import authz, patients
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
from emr_sync.state import SERVER_DEVICE_ID as SERVER_DEVICE_ID
from emr_sync.state import State as State
from emr_sync.state import cache_states, remember_state
from emr_sync.state import load_state as load_state
from emr_sync.state import records_of_kind as records_of_kind

log = logging.getLogger(__name__)

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
    #: The stamp the server keeps for every acknowledged op whose HLC it clamped (this
    #: batch or an earlier push of the same op): the device adopts it, or it would keep a
    #: stamp no other replica has and diverge.
    clamped_hlcs: dict[str, str] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return {
            "acked": self.acked,
            "server_time_ms": self.server_time_ms,
            "skew_ms": self.skew_ms,
            "clamped": self.clamped,
            "clamped_hlcs": self.clamped_hlcs,
        }


@dataclass(frozen=True)
class PullResult:
    """What `/v1/pull` answers (without the server time, added by the route)."""

    ops: list[dict[str, Any]]
    next: int
    more: bool


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
    (`ApiError`, 403/422) refuses the whole batch: nothing is written. A patient op may be
    followed, in the same transaction, by ops of the server's own (`patients`: a same-CCCD
    link), which every PC of the facility then pulls.
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
    clamped_hlcs: dict[str, str] = {}
    with write_transaction(engine) as conn:
        now = clock()
        last_seq = lock_facility(conn, device.facility_id)
        seen = _known_op_ids(conn, [op.op_id for op in ops])
        received_at = now_iso()
        start_seq = last_seq
        keys = [(op.kind, op.record_id) for op in ops]
        keys += [("user", op.user_id) for op in ops if op.user_id]
        keys += [
            ("user", op.fields["signed_by"])
            for op in ops
            if isinstance(op.fields.get("signed_by"), str)
        ]
        with cache_states(conn, list(dict.fromkeys(keys))):
            for position, op in enumerate(ops):
                if op.op_id in seen:
                    stored = seen[op.op_id]
                    if stored is not None:
                        clamped_hlcs[op.op_id] = stored
                    continue
                seen[op.op_id] = None
                authz.authorize(conn, device.facility_id, device.id, op)
                hlc, client_hlc = _clamp(op.hlc, now, max_future_skew_ms, position)
                if client_hlc is not None:
                    clamped.append(op.op_id)
                    clamped_hlcs[op.op_id] = hlc
                last_seq += 1
                result, is_new = _append(
                    conn,
                    facility_id=device.facility_id,
                    seq=last_seq,
                    op=op,
                    hlc=hlc,
                    client_hlc=client_hlc,
                    received_at=received_at,
                )
                if op.kind == patients.PATIENT_KIND:
                    planned = patients.after_patient_op(
                        conn,
                        device.facility_id,
                        op.record_id,
                        result.values,
                        None if is_new else result.changed,
                    )
                    for server_op in planned:
                        last_seq += 1
                        _append_server_op(
                            conn,
                            facility_id=device.facility_id,
                            seq=last_seq,
                            kind=server_op.kind,
                            record_id=server_op.record_id,
                            fields=server_op.fields,
                            base={},
                            clock=clock,
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
        clamped_hlcs=clamped_hlcs,
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
    pulled = _append_server_op(
        conn,
        facility_id=facility_id,
        seq=last_seq,
        kind=kind,
        record_id=record_id,
        fields=fields,
        base=base or {},
        clock=clock,
    )
    conn.execute(facility.update().where(facility.c.id == facility_id).values(last_seq=last_seq))
    return pulled


def _append_server_op(
    conn: Connection,
    *,
    facility_id: str,
    seq: int,
    kind: str,
    record_id: str,
    fields: dict[str, Any],
    base: dict[str, str],
    clock: Callable[[], int],
) -> dict[str, Any]:
    """Log and apply a server op at sequence number `seq` (the caller keeps `last_seq`)."""
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
        base=base,
        user_id=None,
        created_at=now_iso(),
    )
    _append(
        conn,
        facility_id=facility_id,
        seq=seq,
        op=op,
        hlc=hlc,
        client_hlc=None,
        received_at=op.created_at,
    )
    return {"seq": seq, **op.to_wire()}


# --------------------------------------------------------------------------- internals


def _known_op_ids(conn: Connection, op_ids: Iterable[str]) -> dict[str, str | None]:
    """The ops already logged: op_id → the stamp stored for it when it was clamped."""
    wanted = list(dict.fromkeys(op_ids))
    known: dict[str, str | None] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        rows = conn.execute(
            select(op_log.c.op_id, op_log.c.hlc, op_log.c.client_hlc).where(
                op_log.c.op_id.in_(chunk)
            )
        )
        for op_id, hlc, client_hlc in rows:
            known[op_id] = hlc if client_hlc is not None else None
    return known


def _clamp(hlc: str, now_ms: int, max_future_skew_ms: int, position: int) -> tuple[str, str | None]:
    """The HLC to store, and the device's own when it was too far ahead (else None).

    A clamped stamp is the server's time with the op's position in the batch as counter,
    so the device's ops keep their order among themselves.
    """
    stamp = Hlc.decode(hlc)
    if stamp.wall_ms - now_ms <= max_future_skew_ms:
        return hlc, None
    return Hlc(now_ms, position, stamp.node).encode(), hlc


def _append(
    conn: Connection,
    *,
    facility_id: str,
    seq: int,
    op: Op,
    hlc: str,
    client_hlc: str | None,
    received_at: str,
) -> tuple[MergeResult, bool]:
    conn.execute(
        _INSERT_OP,
        {
            "facility_id": facility_id,
            "seq": seq,
            "op_id": op.op_id,
            "device_id": op.device_id,
            "device_seq": op.device_seq,
            "kind": op.kind,
            "record_id": op.record_id,
            "fields": dumps(op.fields),
            "hlc": hlc,
            "base": dumps(op.base),
            "user_id": op.user_id,
            "created_at": op.created_at,
            "received_at": received_at,
            "client_hlc": client_hlc,
        },
    )
    return _apply(conn, facility_id, op, hlc)


# Statements built once: they run for every pushed op (see `state.load_state`).
_INSERT_OP = op_log.insert()
_INSERT_STATE = record_state.insert()
_UPDATE_STATE = (
    record_state.update()
    .where(
        record_state.c.kind == bindparam("w_kind"), record_state.c.record_id == bindparam("w_rid")
    )
    .values({"values": bindparam("w_values"), "stamps": bindparam("w_stamps")})
)


def _apply(conn: Connection, facility_id: str, op: Op, hlc: str) -> tuple[MergeResult, bool]:
    """Merge `op` into the record's state; returns the merge and whether it was new here."""
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
            _INSERT_STATE,
            {
                "facility_id": facility_id,
                "kind": op.kind,
                "record_id": op.record_id,
                "values": dumps(result.values),
                "stamps": dumps(result.stamps),
            },
        )
    elif result.values != state.values or result.stamps != state.stamps:
        conn.execute(
            _UPDATE_STATE,
            {
                "w_kind": op.kind,
                "w_rid": op.record_id,
                "w_values": dumps(result.values),
                "w_stamps": dumps(result.stamps),
            },
        )
    owner = state.facility_id if state is not None else facility_id
    remember_state(conn, op.kind, op.record_id, State(owner, result.values, result.stamps))
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
    patients.reindex(
        conn,
        facility_id,
        op.kind,
        op.record_id,
        result.values,
        None if state is None else result.changed,
    )
    return result, state is None
