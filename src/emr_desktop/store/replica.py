"""Applying changes pulled from the server to this PC's tables (DESIGN §4 "Pull").

Pulled ops go through the same merge as on the server (`core.merge.merge_op`), so every
replica that has seen the same ops holds the same values. They write no outbox rows: a
pulled change is already on the server. Local edits still waiting in the outbox need no
replay: their rows hold the values with the stamps, and the merge keeps the later one.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select

from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.merge import EVENT_KIND, FieldConflict, merge_op
from emr_desktop.core.records import MutableRecord, Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.core.wire import Op
from emr_desktop.store import search
from emr_desktop.store.rows import (
    _json_fields,
    column_value,
    compact_stamps,
    dumps,
    expand_stamps,
)
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event, conflict

log = logging.getLogger(__name__)

#: The record class of each mutable kind.
_RECORD_CLASSES: dict[str, type[MutableRecord]] = {
    cls.KIND: cls for cls in MutableRecord.__subclasses__() if cls.KIND in TABLES_BY_KIND
}
_FIELD_NAMES = {kind: [f.name for f in fields(cls)] for kind, cls in _RECORD_CLASSES.items()}
_EVENT_COLUMNS = [c.name for c in clinical_event.columns if c.name not in ("pk", "field_hlc")]


@dataclass
class ApplyReport:
    """What one batch of pulled ops did to this PC's tables."""

    applied: int = 0
    skipped_own: int = 0
    unchanged: int = 0
    conflicts: list[FieldConflict] = field(default_factory=list)


def apply_remote_ops(conn: Connection, store: Any, ops: list[Op]) -> ApplyReport:
    """Merge `ops` (from the server, in its order) into the tables, in the caller's transaction.

    `store` gives the device id (this PC's own ops are skipped) and the clock, which
    observes every stamp so that later local writes sort after what was pulled.
    """
    report = ApplyReport()
    for op in ops:
        if op.device_id == store.device_id:
            report.skipped_own += 1
            continue
        store.clock.observe(op.hlc)
        if op.kind == EVENT_KIND:
            changed, conflicts = _apply_event(conn, op)
        elif op.kind in TABLES_BY_KIND:
            changed, conflicts = _apply_record(conn, op)
        else:
            # A kind this version does not know: an older program must not guess.
            log.warning("skipping op %s of unknown kind %s", op.op_id, op.kind)
            report.unchanged += 1
            continue
        _record_conflicts(conn, conflicts)
        report.conflicts.extend(conflicts)
        if changed:
            report.applied += 1
        else:
            report.unchanged += 1
    conn.exec_driver_sql(
        "INSERT INTO meta(key, value) VALUES ('hlc_last', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (store.clock.last.encode(),),
    )
    return report


def _plain_values(cls: type[MutableRecord], mapping: Any) -> dict[str, Any]:
    """A row's values in the plain form ops carry (JSON columns decoded)."""
    json_fields = _json_fields(cls)
    return {
        f.name: json.loads(mapping[f.name])
        if f.name in json_fields and mapping[f.name] is not None
        else mapping[f.name]
        for f in fields(cls)
    }


@functools.cache
def _statements(table: Table) -> tuple[Any, Any, Any]:
    """Select-by-id, insert and update-by-id of a table, built once: pulling 100,000 ops
    runs them 100,000 times, and building a statement cost more than running it."""
    return (
        select(table).where(table.c.id == bindparam("w_id")),
        table.insert(),
        table.update().where(table.c.id == bindparam("w_id")),
    )


def _apply_record(conn: Connection, op: Op) -> tuple[bool, list[FieldConflict]]:
    table: Table = TABLES_BY_KIND[op.kind]
    cls = _RECORD_CLASSES[op.kind]
    names = _FIELD_NAMES[op.kind]
    select_one, insert_one, update_one = _statements(table)
    row = conn.execute(select_one, {"w_id": op.record_id}).first()
    if row is None:
        values, stamps = None, None
    else:
        mapping = row._mapping
        values = _plain_values(cls, mapping)
        # Identity fields keep their creation stamp too: when two PCs created the same
        # record (the facility, derived from its code), the later creation wins everywhere.
        stamps = expand_stamps(mapping["field_hlc"], names)
    known = {name: value for name, value in op.fields.items() if name in names}
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
    changed = {name: column_value(result.values[name]) for name in result.changed}
    field_hlc = compact_stamps({n: s for n, s in result.stamps.items() if n in names})
    if row is None:
        inserted = conn.execute(insert_one, {**changed, "field_hlc": field_hlc})
        pk = inserted.inserted_primary_key
        assert pk is not None
        record_pk, replace = int(pk[0]), False
    else:
        conn.execute(update_one, {**changed, "field_hlc": field_hlc, "w_id": op.record_id})
        record_pk, replace = int(row._mapping["pk"]), True
    if cls is Patient:
        patient = from_plain(Patient, {n: result.values.get(n) for n in names})
        search.index_patient(conn, record_pk, patient, replace=replace)
    return True, result.conflicts


def _apply_event(conn: Connection, op: Op) -> tuple[bool, list[FieldConflict]]:
    select_one, insert_one, update_one = _statements(clinical_event)
    row = conn.execute(select_one, {"w_id": op.record_id}).first()
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
    new_row["body"] = dumps(new_row["body"])
    field_hlc = dumps(result.stamps)
    if row is None:
        conn.execute(insert_one, {**new_row, "field_hlc": field_hlc})
    else:
        conn.execute(update_one, {**new_row, "field_hlc": field_hlc, "w_id": op.record_id})
    return True, result.conflicts


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
