"""Applying changes pulled from the server to this PC's tables (DESIGN §4 "Pull").

Pulled ops go through the same merge as on the server (`core.merge.merge_op`), so every
replica that has seen the same ops holds the same values. They write no outbox rows: a
pulled change is already on the server. Local edits still waiting in the outbox need no
replay: their rows hold the values with the stamps, and the merge keeps the later one.

A page is applied in bulk, with the result of applying its ops one by one: the rows the
page touches are read with a few queries per table, the ops are merged in order against
those rows, and the writes are sent together (many rows per INSERT). An op on a record that
an earlier op of the same page wrote first sends the writes waiting, then reads the row
back, exactly as if each op had been applied alone. The clock observes the page's latest
stamp once.
"""

from __future__ import annotations

import functools
import json
import logging
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from itertools import groupby
from typing import Any, TypeVar, Union, get_args, get_origin

from sqlalchemy import Connection, Dialect, Row, Table, bindparam, func, select

from emr_desktop.core.codec import decode_value, to_plain
from emr_desktop.core.merge import EVENT_KIND, FieldConflict, merge_op
from emr_desktop.core.records import MutableRecord, Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.core.wire import Op
from emr_desktop.store import search
from emr_desktop.store.rows import (
    _json_fields,
    compact_stamps,
    dumps,
    expand_stamps,
)
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event, conflict
from emr_desktop.store.schema import patient as patient_table

log = logging.getLogger(__name__)
R = TypeVar("R", bound=MutableRecord)

#: The record class of each mutable kind.
_RECORD_CLASSES: dict[str, type[MutableRecord]] = {
    cls.KIND: cls for cls in MutableRecord.__subclasses__() if cls.KIND in TABLES_BY_KIND
}
_FIELD_NAMES = {kind: [f.name for f in fields(cls)] for kind, cls in _RECORD_CLASSES.items()}
_FIELD_SETS = {kind: frozenset(names) for kind, names in _FIELD_NAMES.items()}
_EVENT_COLUMNS = [c.name for c in clinical_event.columns if c.name not in ("pk", "field_hlc")]
#: Record ids per `IN (...)` when a page's rows are read (well under SQLite's limit).
_READ_CHUNK = 500


@dataclass
class ApplyReport:
    """What one batch of pulled ops did to this PC's tables."""

    applied: int = 0
    skipped_own: int = 0
    unchanged: int = 0
    conflicts: list[FieldConflict] = field(default_factory=list)


def apply_remote_ops(
    conn: Connection, store: Any, ops: list[Op], *, own_until: str | None = None
) -> ApplyReport:
    """Merge `ops` (from the server, in its order) into the tables, in the caller's transaction.

    `store` gives the device id (this PC's own ops are skipped) and the clock, which
    observes the latest stamp so that later local writes sort after what was pulled.

    `own_until` (a store restored from a backup, catching up: `store.restored`) applies
    this PC's own ops too, the clock being the restored store's: the ops it made after
    the backup exist nowhere else. One device's writes are never concurrent, so two of
    them, the earlier at or before `own_until` (and so already in the store), make no
    conflict.
    """
    report = ApplyReport()
    if own_until is None:
        foreign = [op for op in ops if op.device_id != store.device_id]
    else:
        foreign = list(ops)
    report.skipped_own = len(ops) - len(foreign)
    if foreign:
        # HLC strings sort in clock order: observing the latest is observing them all.
        store.clock.observe(max(op.hlc for op in foreign))
    page = _Page(conn)
    page.read_rows(foreign)
    for op in foreign:
        if op.kind == EVENT_KIND:
            changed, conflicts = page.apply_event(op)
        elif op.kind in TABLES_BY_KIND:
            changed, conflicts = page.apply_record(op)
        else:
            # A kind this version does not know: an older program must not guess.
            log.warning("skipping op %s of unknown kind %s", op.op_id, op.kind)
            report.unchanged += 1
            continue
        report.conflicts.extend(conflicts)
        if changed:
            report.applied += 1
        else:
            report.unchanged += 1
    page.flush()
    if own_until is not None:
        report.conflicts = [
            c for c in report.conflicts if not _one_device_in_order(c, store.device_id, own_until)
        ]
    _record_conflicts(conn, report.conflicts)
    conn.exec_driver_sql(
        "INSERT INTO meta(key, value) VALUES ('hlc_last', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (store.clock.last.encode(),),
    )
    return report


#: Types that `core.codec.decode_value` returns unchanged.
_AS_IS = (str, int, bool)


_DECODERS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _decoders(cls: type) -> tuple[tuple[str, Any], ...]:
    """Per init field of `cls`: None when `decode_value` would return the value unchanged
    (a plain str, int or bool, optional or not), `tuple` for a tuple of such values, else
    the type hint to decode it with."""
    if cls in _DECODERS:
        return _DECODERS[cls]
    hints = typing.get_type_hints(cls)
    plan: list[tuple[str, Any]] = []
    for f in fields(cls):
        if not f.init:
            continue
        hint = hints[f.name]
        options = [a for a in get_args(hint) if a is not type(None)]
        if get_origin(hint) in (Union, types.UnionType) and len(options) == 1:
            hint = options[0]
        if hint in _AS_IS:
            plan.append((f.name, None))
        elif get_origin(hint) is tuple and get_args(hint)[0] in _AS_IS:
            plan.append((f.name, tuple))  # `decode_value` keeps each item as it is
        else:
            plan.append((f.name, hints[f.name]))
    _DECODERS[cls] = tuple(plan)
    return _DECODERS[cls]


def _record_from_plain(cls: type[R], data: dict[str, Any]) -> R:
    """`core.codec.from_plain(cls, data)` for `data` holding every field, without the
    per-field decoding of values that decoding leaves as they are (most of a record)."""
    kwargs: dict[str, Any] = {}
    for name, hint in _decoders(cls):
        value = data[name]
        if hint is None or value is None:
            kwargs[name] = value
        elif hint is tuple:
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = decode_value(hint, value, name)
    return cls(**kwargs)


def _plain_values(cls: type[MutableRecord], mapping: Any) -> dict[str, Any]:
    """A row's values in the plain form ops carry (JSON columns decoded)."""
    json_fields = _json_fields(cls)
    return {
        f.name: json.loads(mapping[f.name])
        if f.name in json_fields and mapping[f.name] is not None
        else mapping[f.name]
        for f in fields(cls)
    }


@dataclass(frozen=True)
class _Statements:
    select_one: Any
    select_many: Any


@functools.cache
def _statements(table: Table) -> _Statements:
    """The statements of a table, built once: building one costs more than running it."""
    return _Statements(
        select_one=select(table).where(table.c.id == bindparam("w_id")),
        select_many=select(table).where(table.c.id.in_(bindparam("w_ids", expanding=True))),
    )


@functools.cache
def _write_sql(
    dialect: Dialect, table: Table, insert: bool, columns: tuple[str, ...]
) -> tuple[str, list[Callable[[Any], Any] | None]]:
    """The SQL that inserts rows with `columns` (followed by one `(?, …)` per row), or
    updates them by id (the id bound last), and each column's bind processor, as
    `table.insert()` / `table.update()` would use them."""
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    if insert:
        sql = f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    else:
        assignments = ", ".join(f"{quote(c)} = ?" for c in columns)
        sql = f"UPDATE {name} SET {assignments} WHERE id = ?"  # noqa: S608
    return sql, [table.c[c].type.bind_processor(dialect) for c in columns]


#: `rows.dumps` (the same bytes), with its encoder built once instead of once per value.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _stamps_json(stamps: dict[str, str]) -> str:
    """`_dumps(stamps)`, written directly when one stamp covers every field (most rows)."""
    if len(stamps) == 1 and "*" in stamps:
        return '{"*":' + _dumps(stamps["*"]) + "}"
    return _dumps(stamps)


def _table_of(kind: str) -> Table | None:
    return clinical_event if kind == EVENT_KIND else TABLES_BY_KIND.get(kind)


class _Page:
    """One page of pulled ops applied in bulk, with the effect of applying them one by one.

    `_rows` holds the stored row of each record the page touches, as read at the start or
    after the last flush (None: no such row). A write goes to `_writes`, in op order per
    table, and its row leaves `_rows`; an op on a record with a write waiting flushes first
    and reads the row again, so every op sees the row as the op before left it.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[tuple[str, str], Row[Any] | None] = {}
        self._waiting: set[tuple[str, str]] = set()
        #: Per table, in op order: (insert or update, columns, values, record id).
        self._writes: dict[Table, list[tuple[bool, tuple[str, ...], dict[str, Any], str]]] = {}
        #: Patients to index: new ones by record id, stored ones by pk.
        self._index_new: dict[str, Patient] = {}
        self._index_stored: dict[int, Patient] = {}

    def read_rows(self, ops: list[Op]) -> None:
        """Read every stored row the ops touch: one query per table and chunk of ids."""
        wanted: dict[Table, dict[str, None]] = {}
        for op in ops:
            table = _table_of(op.kind)
            if table is not None:
                wanted.setdefault(table, {})[op.record_id] = None
        for table, ids in wanted.items():
            for record_id in ids:
                self._rows[(table.name, record_id)] = None
            # Most of a first pull is new: which rows exist is asked first, in plain SQL,
            # and only those are read whole (through the table, for its column types).
            stored = list(self._ids_and_pks(table, list(ids)))
            for start in range(0, len(stored), _READ_CHUNK):
                chunk = stored[start : start + _READ_CHUNK]
                for row in self.conn.execute(_statements(table).select_many, {"w_ids": chunk}):
                    self._rows[(table.name, row._mapping["id"])] = row

    def _row(self, table: Table, record_id: str) -> Row[Any] | None:
        key = (table.name, record_id)
        if key in self._waiting:
            self.flush()
        if key in self._rows:
            return self._rows[key]
        row = self.conn.execute(_statements(table).select_one, {"w_id": record_id}).first()
        self._rows[key] = row
        return row

    def _write(self, table: Table, record_id: str, insert: bool, values: dict[str, Any]) -> None:
        key = (table.name, record_id)
        self._rows.pop(key, None)
        self._waiting.add(key)
        self._writes.setdefault(table, []).append((insert, tuple(values), values, record_id))

    def apply_record(self, op: Op) -> tuple[bool, list[FieldConflict]]:
        table: Table = TABLES_BY_KIND[op.kind]
        cls = _RECORD_CLASSES[op.kind]
        names = _FIELD_NAMES[op.kind]
        name_set = _FIELD_SETS[op.kind]
        row = self._row(table, op.record_id)
        if row is None:
            values, stamps = None, None
        else:
            mapping = row._mapping
            values = _plain_values(cls, mapping)
            # Identity fields keep their creation stamp too: when two PCs created the same
            # record (the facility, derived from its code), the later creation wins everywhere.
            stamps = expand_stamps(mapping["field_hlc"], names)
        known = {name: value for name, value in op.fields.items() if name in name_set}
        result = merge_op(
            kind=op.kind,
            record_id=op.record_id,
            values=values,
            stamps=stamps,
            op_fields=known,
            op_hlc=op.hlc,
            op_base=op.base,
        )
        if not result.changed:
            return False, result.conflicts
        new_values = result.values
        changed: dict[str, Any] = {}
        for name in result.changed:
            # `rows.column_value`: lists and objects as JSON text.
            value = new_values[name]
            changed[name] = _dumps(value) if isinstance(value, (list, dict)) else value
        if row is None:
            # A new record: every field has the op's stamp (`rows.compact_stamps` of it).
            changed["field_hlc"] = _stamps_json({"*": op.hlc})
        else:
            changed["field_hlc"] = compact_stamps(
                {n: s for n, s in result.stamps.items() if n in name_set}
            )
        if cls is Patient:
            # Built (and so validated) now, as it was when each op was applied alone.
            patient = _record_from_plain(Patient, {n: result.values.get(n) for n in names})
            if row is None:
                self._index_new[op.record_id] = patient
            else:
                self._index_stored[int(row._mapping["pk"])] = patient
        self._write(table, op.record_id, row is None, changed)
        return True, result.conflicts

    def apply_event(self, op: Op) -> tuple[bool, list[FieldConflict]]:
        row = self._row(clinical_event, op.record_id)
        if row is None:
            values, stamps = None, None
        else:
            mapping = row._mapping
            values = {name: mapping[name] for name in _EVENT_COLUMNS}
            values["body"] = json.loads(values["body"])
            stamps = json.loads(mapping["field_hlc"])
        result = merge_op(
            kind=op.kind,
            record_id=op.record_id,
            values=values,
            stamps=stamps,
            op_fields=op.fields,
            op_hlc=op.hlc,
            op_base=op.base,
        )
        if values is not None and result.stamps == stamps:
            return False, result.conflicts
        new_row = {name: result.values.get(name) for name in _EVENT_COLUMNS}
        new_row["body"] = _dumps(new_row["body"])
        new_row["field_hlc"] = _stamps_json(result.stamps)
        self._write(clinical_event, op.record_id, row is None, new_row)
        return True, result.conflicts

    def flush(self) -> None:
        """Send the writes waiting, in op order per table, then index the patients."""
        dialect = self.conn.dialect
        for table, writes in self._writes.items():
            for (insert, columns), grouped in groupby(writes, key=lambda w: (w[0], w[1])):
                group = list(grouped)
                sql, processors = _write_sql(dialect, table, insert, columns)
                if any(processors):
                    rows = [
                        [
                            value if process is None or value is None else process(value)
                            for process, value in zip(processors, values.values(), strict=True)
                        ]
                        for _, _, values, _ in group
                    ]
                else:
                    rows = [list(values.values()) for _, _, values, _ in group]
                if insert:
                    search.insert_rows(self.conn, sql, rows)
                    continue
                ids = (record_id for _, _, _, record_id in group)
                for row, record_id in zip(rows, ids, strict=True):
                    row.append(record_id)
                self.conn.exec_driver_sql(sql, [tuple(row) for row in rows])
        self._writes.clear()
        self._waiting.clear()
        if self._index_new or self._index_stored:
            entries = list(self._index_stored.items())
            if self._index_new:
                pks = self._ids_and_pks(patient_table, list(self._index_new))
                entries += [(pks[rid], patient) for rid, patient in self._index_new.items()]
            search.index_patients(self.conn, entries, replace=list(self._index_stored))
            self._index_new.clear()
            self._index_stored.clear()

    def _ids_and_pks(self, table: Table, record_ids: list[str]) -> dict[str, int]:
        """The pk of each of `record_ids` stored in `table`."""
        found: dict[str, int] = {}
        name = self.conn.dialect.identifier_preparer.quote(table.name)
        for start in range(0, len(record_ids), _READ_CHUNK):
            chunk = record_ids[start : start + _READ_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.exec_driver_sql(
                f"SELECT id, pk FROM {name} WHERE id IN ({marks})",  # noqa: S608
                tuple(chunk),
            )
            found.update((str(rid), int(pk)) for rid, pk in rows)
        return found


def _one_device_in_order(c: FieldConflict, device_id: str, known_until: str) -> bool:
    """Whether both writes are this device's and the earlier one was in the store already
    (so the later was made on top of it)."""
    node = f":{device_id}"
    earlier = min(c.winner_hlc, c.loser_hlc)
    return c.winner_hlc.endswith(node) and c.loser_hlc.endswith(node) and earlier <= known_until


def _record_conflicts(conn: Connection, conflicts: list[FieldConflict]) -> None:
    if not conflicts:
        return
    now = to_plain(utc_now())
    conn.exec_driver_sql(
        "INSERT INTO conflict(kind, record_id, field, winner_value, winner_hlc, loser_value, "
        "loser_hlc, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) "
        "ON CONFLICT(kind, record_id, field, loser_hlc) DO NOTHING",
        [
            (
                c.kind,
                c.record_id,
                c.field,
                dumps(c.winner_value),
                c.winner_hlc,
                dumps(c.loser_value),
                c.loser_hlc,
                now,
            )
            for c in conflicts
        ],
    )
    log.info("recorded %d conflicts", len(conflicts))


def open_conflict_count(conn: Connection) -> int:
    """How many conflicts wait for review."""
    count = conn.execute(
        select(func.count()).select_from(conflict).where(conflict.c.status == "open")
    ).scalar_one()
    return int(count)


def adopt_server_stamps(conn: Connection, ops: list[Op], stamps: dict[str, str]) -> int:
    """Take the server's stamp for the fields written by this PC's ops that it re-stamped.

    The server clamps an HLC far ahead of its own clock (a PC whose clock is wrong) and
    every other replica receives the clamped stamp; this PC must hold the same one, or a
    later edit made elsewhere would win everywhere but here. Returns the records touched.
    """
    touched = 0
    for op in ops:
        new = stamps.get(op.op_id)
        if new is None or new == op.hlc:
            continue
        table = clinical_event if op.kind == EVENT_KIND else TABLES_BY_KIND.get(op.kind)
        if table is None:
            continue
        current = conn.execute(
            select(table.c.field_hlc).where(table.c.id == op.record_id)
        ).scalar_one_or_none()
        if current is None:
            continue
        held: dict[str, str] = json.loads(current)
        adopted = {name: (new if stamp == op.hlc else stamp) for name, stamp in held.items()}
        if adopted != held:
            conn.execute(
                table.update().where(table.c.id == op.record_id).values(field_hlc=dumps(adopted))
            )
            touched += 1
    return touched
