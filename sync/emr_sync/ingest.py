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
from operator import is_
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from emr_desktop.core.hlc import Hlc, HybridLogicalClock
from emr_desktop.core.ids import new_id
from emr_desktop.core.merge import MergeResult, merge_op
from emr_desktop.core.wire import Op
from emr_sync import authz, patients
from emr_sync.db import (
    Bulk,
    conflict,
    dumps,
    facility,
    now_iso,
    op_log,
    read_together,
    read_transaction,
    record_state,
    write_transaction,
)
from emr_sync.errors import ApiError, forbidden
from emr_sync.settings import DEFAULT_MAX_FUTURE_SKEW_MS
from emr_sync.state import SERVER_DEVICE_ID as SERVER_DEVICE_ID
from emr_sync.state import State as State
from emr_sync.state import (
    cache_states,
    keep_decoded,
    prefetch_keys,
    remember_state,
    states_query,
    take_states,
)
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

    The facility is locked first, and everything the batch reads is read under the lock
    (all at once: the states of its records and users, the ops already logged, the patient
    indexes it will look up). The batch is then merged in memory (`_Batch`) and written in
    one go just before commit. (Reading before the lock and reading again what pushes
    committed meanwhile changed was tried: with the devices of a ward pushing the same
    records, most of it was read twice, and the server's threads, sharing one interpreter
    lock, held the facility longer, not shorter.)
    """
    for op in ops:
        if op.device_id != device.id:
            raise forbidden(
                "wrong_device",
                "Thao tác mang mã thiết bị khác với thiết bị đã xác thực",
                "An op carries another device id than the authenticated device",
                "op.device_id",
            )
    texts = [(dumps(op.fields), dumps(op.base) if op.base else "{}") for op in ops]
    stamps = [Hlc.decode(op.hlc) for op in ops]
    keys = [(op.kind, op.record_id) for op in ops]
    keys += [("user", op.user_id) for op in ops if op.user_id]
    keys += [
        ("user", op.fields["signed_by"])
        for op in ops
        if isinstance(op.fields.get("signed_by"), str)
    ]
    op_ids = [op.op_id for op in ops]
    clamped: list[str] = []
    clamped_hlcs: dict[str, str] = {}
    with write_transaction(engine) as conn, cache_states(conn, []):
        now = clock()
        indexes = patients.IndexWriter(conn)
        start_seq, seen = _lock_and_read(conn, indexes, device.facility_id, ops, keys)
        indexes.prefetch(
            device.facility_id,
            [
                (_values_of(load_state(conn, op.kind, op.record_id)), op.fields)
                for op in ops
                if op.kind == patients.PATIENT_KIND and op.op_id not in seen
            ],
        )
        batch = _Batch(conn, device.facility_id, start_seq, now_iso(), clock, indexes)
        for position, op in enumerate(ops):
            if op.op_id in seen:
                stored = seen[op.op_id]
                if stored is not None:
                    clamped_hlcs[op.op_id] = stored
                continue
            seen[op.op_id] = None
            if op.user_id is None:
                batch.flush_log()  # the bootstrap rule reads the device's logged ops
            authz.authorize(conn, device.facility_id, device.id, op)
            hlc, client_hlc = _clamp(op.hlc, stamps[position], now, max_future_skew_ms, position)
            if client_hlc is not None:
                clamped.append(op.op_id)
                clamped_hlcs[op.op_id] = hlc
            fields_text, base_text = texts[position]
            result, is_new = batch.append(
                op, hlc=hlc, client_hlc=client_hlc, fields_text=fields_text, base_text=base_text
            )
            if op.kind == patients.PATIENT_KIND:
                planned = indexes.after_patient_op(
                    device.facility_id,
                    op.record_id,
                    result.values,
                    None if is_new else result.changed,
                )
                for server_op in planned:
                    batch.append_server_op(server_op.kind, server_op.record_id, server_op.fields)
        batch.flush()
        last_seq = batch.last_seq
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
    newest = max((stamp.wall_ms for stamp in stamps), default=now)
    return PushResult(
        acked=list(dict.fromkeys(op_ids)),
        server_time_ms=now,
        skew_ms=newest - now,
        clamped=clamped,
        clamped_hlcs=clamped_hlcs,
    )


def _values_of(state: State | None) -> dict[str, Any] | None:
    return None if state is None else state.values


def pull(
    engine: Engine, device: DeviceIdentity, after: int, limit: int, *, own: bool = False
) -> PullResult:
    """The facility's ops with `seq > after`, in sequence order, without the device's own
    unless `own` (a PC restored from a backup gets back what it pushed after the backup).

    `next` is the last sequence number examined (own ops included), so the next page starts
    after it; `more` tells whether later ops exist. Only the device's facility is read,
    `own` or not.
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
    ops = [op_row_to_wire(row._mapping) for row in rows if own or row.device_id != device.id]
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
    last = conn.execute(_LOCK_FACILITY, {"facility": facility_id}).scalar_one_or_none()
    if last is None:
        raise _unknown_facility()
    return int(last)


def _unknown_facility() -> ApiError:
    return ApiError(
        404,
        "unknown_facility",
        "Cơ sở không có trên máy chủ",
        "The facility is not known to this server",
    )


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
    last_seq = lock_facility(conn, facility_id)
    batch = _Batch(conn, facility_id, last_seq, now_iso(), clock)
    pulled = batch.append_server_op(kind, record_id, fields, base or {})
    batch.flush()
    return pulled


# --------------------------------------------------------------------------- internals


def _lock_and_read(
    conn: Connection,
    indexes: patients.IndexWriter,
    facility_id: str,
    ops: Sequence[Op],
    keys: list[tuple[str, str]],
) -> tuple[int, dict[str, str | None]]:
    """Lock the facility, then read what the batch needs: the ops already logged (see
    `_known_op_ids`), the states of `keys`, and on PostgreSQL the patient index rows the
    batch's patient ops may look up. Returns the facility's last sequence number and the
    ops seen.

    On PostgreSQL all of it is one pipeline, one wait: each wait while the facility is
    locked is also a wait for the interpreter lock, held meanwhile by the server's other
    threads (decoding other requests). The reads run after the lock is granted.
    """
    op_ids = [op.op_id for op in ops]
    keys = list(dict.fromkeys(keys))
    if conn.dialect.name != "postgresql":
        start_seq = lock_facility(conn, facility_id)
        seen = _known_op_ids(conn, op_ids)
        prefetch_keys(conn, keys)
        return start_seq, seen
    statements = [(_LOCK_SQL, (facility_id,)), (_KNOWN_OPS_ANY, (list(dict.fromkeys(op_ids)),))]
    states = states_query(conn, keys)
    if states is not None:
        statements.append(states[1])
    identity_keys, block_keys = indexes.guess_keys(
        facility_id, [op.fields for op in ops if op.kind == patients.PATIENT_KIND]
    )
    if identity_keys:
        statements.append(indexes.identities_query(identity_keys))
    if block_keys:
        statements.append(indexes.blocks_query(block_keys))
    results = iter(read_together(conn, statements))
    locked = next(results)
    if not locked:
        raise _unknown_facility()
    seen = {
        op_id: hlc if client_hlc is not None else None for op_id, hlc, client_hlc in next(results)
    }
    if states is not None:
        take_states(conn, states[0], next(results))
    if identity_keys:
        indexes.take_identities(identity_keys, next(results))
    if block_keys:
        indexes.take_blocks(block_keys, next(results))
    return int(locked[0][0]), seen


def _known_op_ids(conn: Connection, op_ids: Iterable[str]) -> dict[str, str | None]:
    """The ops already logged: op_id → the stamp stored for it when it was clamped."""
    wanted = list(dict.fromkeys(op_ids))
    known: dict[str, str | None] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = conn.execute(_KNOWN_OPS, {"ids": wanted[start : start + _LOOKUP_CHUNK]})
        for op_id, hlc, client_hlc in rows:
            known[op_id] = hlc if client_hlc is not None else None
    return known


def _clamp(
    hlc: str, stamp: Hlc, now_ms: int, max_future_skew_ms: int, position: int
) -> tuple[str, str | None]:
    """The HLC to store, and the device's own when it was too far ahead (else None);
    `stamp` is `hlc` decoded.

    A clamped stamp is the server's time with the op's position in the batch as counter,
    so the device's ops keep their order among themselves.
    """
    if stamp.wall_ms - now_ms <= max_future_skew_ms:
        return hlc, None
    return Hlc(now_ms, position, stamp.node).encode(), hlc


# Statements built once: they run for every push.
_LOCK_FACILITY = (
    select(facility.c.last_seq).where(facility.c.id == bindparam("facility")).with_for_update()
)
_LOCK_SQL = "SELECT last_seq FROM facility WHERE id = %s FOR UPDATE"  # PostgreSQL only
_KNOWN_OPS_ANY = "SELECT op_id, hlc, client_hlc FROM op_log WHERE op_id = ANY(%b::TEXT[])"
_KNOWN_OPS = select(op_log.c.op_id, op_log.c.hlc, op_log.c.client_hlc).where(
    op_log.c.op_id.in_(bindparam("ids", expanding=True))
)
_NEWEST_HLC = select(func.max(op_log.c.hlc)).where(op_log.c.facility_id == bindparam("facility"))
_SERVER_SEQ = select(func.coalesce(func.max(op_log.c.device_seq), 0)).where(
    op_log.c.facility_id == bindparam("facility"), op_log.c.device_id == SERVER_DEVICE_ID
)


class _Batch:
    """The writes of one push (or one server op), kept in memory and written by `flush`.

    Runs under the facility lock, so until commit no other writer changes the facility's
    log, states or indexes: the batch can keep what it read and answer from memory. Record
    states go through the `state` cache (`load_state` sees the batch's own changes); the
    index rows through `patients.IndexWriter`. Only conflicts and patient links, both rare,
    are written at once.
    """

    def __init__(
        self,
        conn: Connection,
        facility_id: str,
        last_seq: int,
        received_at: str,
        clock: Callable[[], int],
        indexes: patients.IndexWriter | None = None,
    ) -> None:
        self.conn = conn
        self.facility_id = facility_id
        self.last_seq = last_seq
        self._start_seq = last_seq  # as the facility row holds it
        self.indexes = indexes if indexes is not None else patients.IndexWriter(conn)
        self._received_at = received_at
        self._clock = clock
        self._log: list[dict[str, Any]] = []
        #: (kind, record id) → the state to write, whether the record is new here, and the
        #: JSON text of its values when known (the op's own fields).
        self._states: dict[tuple[str, str], tuple[State, bool, str | None]] = {}
        #: The newest HLC and the server's last device_seq in the facility's log, pending
        #: ops included; read from the database the first time a server op needs them.
        self._newest_hlc: str | None = None
        self._server_seq: int | None = None
        self._newest_read = False

    def append(
        self,
        op: Op,
        *,
        hlc: str,
        client_hlc: str | None,
        fields_text: str,
        base_text: str,
        received_at: str | None = None,
    ) -> tuple[MergeResult, bool]:
        """Log `op` at the next sequence number and merge it into its record's state;
        returns the merge and whether the record was new here."""
        self.last_seq += 1
        self._log.append(
            {
                "facility_id": self.facility_id,
                "seq": self.last_seq,
                "op_id": op.op_id,
                "device_id": op.device_id,
                "device_seq": op.device_seq,
                "kind": op.kind,
                "record_id": op.record_id,
                "fields": fields_text,
                "hlc": hlc,
                "base": base_text,
                "user_id": op.user_id,
                "created_at": op.created_at,
                "received_at": received_at or self._received_at,
                "client_hlc": client_hlc,
            }
        )
        if self._newest_read and (self._newest_hlc is None or hlc > self._newest_hlc):
            self._newest_hlc = hlc
        return self._apply(op, hlc, fields_text)

    def append_server_op(
        self, kind: str, record_id: str, fields: dict[str, Any], base: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Log and apply an op made by the server, stamped after every op of the facility;
        returns it as pulled."""
        newest, device_seq = self._server_stamps()
        server_clock = HybridLogicalClock(SERVER_DEVICE_ID, wall_ms=self._clock)
        hlc = (server_clock.observe(newest) if newest else server_clock.now()).encode()
        self._server_seq = device_seq + 1
        op = Op(
            op_id=new_id(),
            device_id=SERVER_DEVICE_ID,
            device_seq=device_seq + 1,
            kind=kind,
            record_id=record_id,
            fields=fields,
            hlc=hlc,
            base=base or {},
            user_id=None,
            created_at=now_iso(),
        )
        self.append(
            op,
            hlc=hlc,
            client_hlc=None,
            fields_text=dumps(op.fields),
            base_text=dumps(op.base),
            received_at=op.created_at,
        )
        return {"seq": self.last_seq, **op.to_wire()}

    def flush_log(self) -> None:
        """Write the pending op_log rows (what `authz` reads of the log must see them)."""
        bulk = Bulk(self.conn)
        bulk.insert(op_log, self._log)
        bulk.run()
        self._log = []

    def flush(self) -> None:
        """Write everything pending, and the facility's last sequence number, together."""
        bulk = Bulk(self.conn)
        bulk.insert(op_log, self._log)
        self._log = []
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for (kind, record_id), (state, is_new, text) in self._states.items():
            values = dumps(state.values) if text is None else text
            stamps = dumps(state.stamps)
            keep_decoded(kind, record_id, state, values, stamps)
            row = {"kind": kind, "record_id": record_id, "values": values, "stamps": stamps}
            if is_new:
                inserts.append({"facility_id": state.facility_id, **row})
            else:
                updates.append(row)
        self._states.clear()
        bulk.insert(record_state, inserts)
        bulk.update(record_state, ["kind", "record_id"], updates)
        self.indexes.flush(bulk)
        if self.last_seq != self._start_seq:
            bulk.update(facility, ["id"], [{"id": self.facility_id, "last_seq": self.last_seq}])
            self._start_seq = self.last_seq
        bulk.run()

    def _server_stamps(self) -> tuple[str | None, int]:
        if not self._newest_read:
            newest = self.conn.execute(_NEWEST_HLC, {"facility": self.facility_id}).scalar()
            pending = [row["hlc"] for row in self._log]
            self._newest_hlc = max([*pending, newest] if newest else pending, default=None)
            self._newest_read = True
        if self._server_seq is None:
            logged = int(
                self.conn.execute(_SERVER_SEQ, {"facility": self.facility_id}).scalar_one()
            )
            pending_seqs = [
                int(row["device_seq"]) for row in self._log if row["device_id"] == SERVER_DEVICE_ID
            ]
            self._server_seq = max([logged, *pending_seqs])
        return self._newest_hlc, self._server_seq

    def _apply(self, op: Op, hlc: str, fields_text: str) -> tuple[MergeResult, bool]:
        """Merge `op` into the record's state; returns the merge and whether it was new here."""
        conn = self.conn
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
        key = (op.kind, op.record_id)
        if state is None or result.values != state.values or result.stamps != state.stamps:
            owner = self.facility_id if state is None else state.facility_id
            merged = State(owner, result.values, result.stamps)
            pending = self._states.get(key)
            is_new = state is None or (pending is not None and pending[1])
            # A new record, or an event taken whole, holds the op's fields themselves.
            text = fields_text if _holds_exactly(result.values, op.fields) else None
            self._states[key] = (merged, is_new, text)
            remember_state(conn, op.kind, op.record_id, merged)
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
                        facility_id=self.facility_id,
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
        self.indexes.reindex(
            self.facility_id,
            op.kind,
            op.record_id,
            result.values,
            None if state is None else result.changed,
        )
        return result, state is None


def _holds_exactly(values: dict[str, Any], fields: dict[str, Any]) -> bool:
    """Whether `values` holds exactly the objects of `fields`, so both dump alike."""
    return (
        len(values) == len(fields)
        and values.keys() == fields.keys()
        and all(map(is_, values.values(), fields.values()))
    )
