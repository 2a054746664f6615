"""Bulk insert of records made on this PC in large numbers (the demo seeder).

The unit of work writes one record at a time with its outbox op; loading a million demo
patients that way would take hours. This path writes whole batches with `executemany` in
one transaction per batch, and stores exactly what the unit of work would have stored:
the same columns (from `to_plain`), the same per-field HLC JSON (stamps from the store's
clock), the same search-index rows (`search.index_row`, rowid = `patient.pk`), and MRNs
taken from this PC's range, whose `next` is advanced past them.

What it does **not** write is outbox rows: bulk-loaded data is local only and is never
pushed to a server. That is what demo data needs (a training or benchmark PC must not flood
the hospital's server with a million invented patients). Anything that must be synced goes
through the unit of work instead.

Building rows (`rows_for`) is separate from inserting them (`insert_rows`) so that rows can
be built in another process; only the insert touches the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table

from emr_desktop.core.codec import to_plain
from emr_desktop.core.errors import StorageError
from emr_desktop.core.hlc import HybridLogicalClock
from emr_desktop.core.records import ClinicalEvent, Encounter, MutableRecord, Patient
from emr_desktop.store import audit, search
from emr_desktop.store.rows import column_value, dumps, event_to_row
from emr_desktop.store.schema import clinical_event, encounter, patient
from emr_desktop.store.store import Store

#: Stands for the HLC in a row's `field_hlc` template until the insert stamps it.
_HLC_MARK = "@hlc@"
#: A new record's fields all carry the stamp of its insert (see `rows.compact_stamps`).
_HLC_TEMPLATE = dumps({"*": _HLC_MARK})

_SIMPLE = (str, int, bool)


@dataclass
class BulkBatch:
    """Records to insert together. Events must belong to the batch's patients or to
    patients already stored."""

    patients: list[Patient] = field(default_factory=list)
    encounters: list[Encounter] = field(default_factory=list)
    events: list[ClinicalEvent] = field(default_factory=list)


@dataclass
class BulkRows:
    """A batch turned into column values, ready for `insert_rows` (picklable)."""

    #: Patient rows (without `pk` and `field_hlc`), with their (name, ident) index columns.
    patients: list[tuple[Any, ...]]
    patient_index: list[tuple[str, str]]
    mrns: list[int]
    encounters: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]

    @property
    def counts(self) -> tuple[int, int, int]:
        """(patients, encounters, events)."""
        return len(self.patients), len(self.encounters), len(self.events)


@functools.cache
def _columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.name not in ("pk", "field_hlc"))


@functools.cache
def _insert_sql(table: Table, *, with_pk: bool = False) -> str:
    names = (*(("pk",) if with_pk else ()), *_columns(table), "field_hlc")
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - names from the schema
        f"VALUES ({', '.join('?' * len(names))})"
    )


def _column(value: Any) -> Any:
    # Most values are text or None: skip the generic codec for them.
    if value is None or type(value) in _SIMPLE:
        return value
    return column_value(to_plain(value))


def _record_row(record: MutableRecord, table: Table) -> tuple[Any, ...]:
    return tuple(_column(getattr(record, name)) for name in _columns(table))


def _event_row(event: ClinicalEvent) -> tuple[Any, ...]:
    row = event_to_row(event)
    return tuple(row[name] for name in _columns(clinical_event))


def _mrn_number(mrn: str) -> int:
    if not (mrn.isascii() and mrn.isdigit()):
        raise StorageError(
            f"Mã bệnh nhân {mrn!r} không thuộc dải mã của máy này",
            f"Record number {mrn!r} is not from this PC's range",
        )
    return int(mrn)


def rows_for(batch: BulkBatch) -> BulkRows:
    """Column values of every record of `batch` (no database access)."""
    return BulkRows(
        patients=[_record_row(p, patient) for p in batch.patients],
        patient_index=[search.index_row(p) for p in batch.patients],
        mrns=[_mrn_number(p.mrn) for p in batch.patients],
        encounters=[_record_row(e, encounter) for e in batch.encounters],
        events=[_event_row(e) for e in batch.events],
    )


def _stamped(
    rows: Iterable[tuple[Any, ...]], template: str, clock: HybridLogicalClock
) -> list[tuple[Any, ...]]:
    return [(*row, template.replace(_HLC_MARK, clock.now().encode())) for row in rows]


def _advance_mrn_range(conn: Connection, device_id: str, mrns: list[int]) -> None:
    if not mrns:
        return
    found = conn.exec_driver_sql(
        "SELECT next, last FROM mrn_range WHERE device_id = ?", (device_id,)
    ).fetchone()
    if found is None or min(mrns) < found[0] or max(mrns) > found[1]:
        raise StorageError(
            "Mã bệnh nhân của lô dữ liệu nằm ngoài phần còn trống của dải mã máy này",
            "The batch's record numbers are outside the unused part of this PC's range",
        )
    conn.exec_driver_sql(
        "UPDATE mrn_range SET next = ? WHERE device_id = ?", (max(mrns) + 1, device_id)
    )


def insert_rows(
    store: Store,
    rows: BulkRows,
    *,
    audit_user_id: str | None = None,
    audit_action: str | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> None:
    """Insert one batch in one transaction: records, search index, MRN range, and
    optionally one audit row (`audit_action`; `audit_detail` must hold no patient data).

    No outbox rows are written: bulk-loaded records stay on this PC (module docstring).
    """
    clock = store.clock
    with store.engine.connect() as conn:
        conn.begin()
        try:
            _advance_mrn_range(conn, store.device_id, rows.mrns)
            if rows.patients:
                # The search index needs each patient's pk; they are handed out in order.
                start = conn.exec_driver_sql(
                    "SELECT coalesce(max(pk), 0) FROM patient"
                ).scalar_one()
                stamped = _stamped(rows.patients, _HLC_TEMPLATE, clock)
                conn.exec_driver_sql(
                    _insert_sql(patient, with_pk=True),
                    [(start + 1 + i, *row) for i, row in enumerate(stamped)],
                )
                conn.exec_driver_sql(
                    "INSERT INTO patient_fts(rowid, name, ident) VALUES (?, ?, ?)",
                    [
                        (start + 1 + i, name, ident)
                        for i, (name, ident) in enumerate(rows.patient_index)
                    ],
                )
                search.add_name_words(conn, (name for name, _ in rows.patient_index))
            if rows.encounters:
                conn.exec_driver_sql(
                    _insert_sql(encounter),
                    _stamped(rows.encounters, _HLC_TEMPLATE, clock),
                )
            if rows.events:
                conn.exec_driver_sql(
                    _insert_sql(clinical_event),
                    [(*row, dumps({"*": clock.now().encode()})) for row in rows.events],
                )
            if audit_action is not None:
                audit.append(
                    conn,
                    device_id=store.device_id,
                    user_id=audit_user_id,
                    action=audit_action,
                    detail=audit_detail,
                )
            conn.exec_driver_sql(
                "INSERT INTO meta(key, value) VALUES ('hlc_last', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (clock.last.encode(),),
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


def insert_batch(store: Store, batch: BulkBatch) -> BulkRows:
    """Build the rows of `batch` and insert them (`rows_for` then `insert_rows`)."""
    rows = rows_for(batch)
    insert_rows(store, rows)
    return rows


def taken_cccds(store: Store, cccds: list[str]) -> set[str]:
    """The CCCD numbers of `cccds` already registered in the store."""
    taken: set[str] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(cccds), 500):
            chunk = cccds[start : start + 500]
            marks = ",".join("?" * len(chunk))
            taken.update(
                value
                for (value,) in conn.exec_driver_sql(
                    f"SELECT cccd FROM patient WHERE cccd IN ({marks})",  # noqa: S608
                    tuple(chunk),
                )
            )
        conn.rollback()
    return taken


def patient_columns() -> tuple[str, ...]:
    """The patient columns `BulkRows.patients` tuples hold, in order."""
    return _columns(patient)
