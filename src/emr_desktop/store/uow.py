"""Unit of work: one transaction that writes records, their outbox ops and audit rows.

Every change to the store goes through here (DESIGN §4 "Capture"): the record, the op that
will carry it to the server and the audit row are committed together or not at all.

    with store.unit_of_work(user_id=user.id) as uow:
        uow.add(patient)
        uow.commit()          # rolled back unless committed
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, select

from emr_desktop.core.codec import to_plain
from emr_desktop.core.errors import ConflictError, NotFound
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import ClinicalEvent, MutableRecord, Patient
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store import audit, search
from emr_desktop.store.rows import (
    column_value,
    compact_stamps,
    dumps,
    event_to_row,
    expand_stamps,
    row_to_event,
    row_to_record,
)
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event, outbox

R = TypeVar("R", bound=MutableRecord)


class UnitOfWork:
    """A write transaction on the store, acting for `user_id` (None only for system work)."""

    def __init__(self, store: Any, *, user_id: str | None) -> None:
        self._store = store
        self.user_id = user_id
        self.device_id: str = store.device_id
        self._conn: Connection | None = None
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self._conn = self._store.engine.connect()
        self._conn.begin()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._conn is not None
        try:
            if not self._committed:
                self._conn.rollback()
        finally:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    def commit(self) -> None:
        """Make every write of this unit durable, with the clock persisted."""
        self.conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES ('hlc_last', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (self._store.clock.last.encode(),),
        )
        self.conn.commit()
        self._committed = True

    # ------------------------------------------------------------ mutable records

    def get(self, cls: type[R], record_id: str) -> R:
        """A mutable record by id; `NotFound` if absent."""
        row = self._row(cls, record_id)
        return row_to_record(cls, row)

    def _row(self, cls: type[MutableRecord], record_id: str) -> Row[Any]:
        table = TABLES_BY_KIND[cls.KIND]
        row = self.conn.execute(select(table).where(table.c.id == record_id)).first()
        if row is None:
            raise NotFound(
                f"Không tìm thấy {cls.KIND} {record_id}", f"{cls.KIND} {record_id} not found"
            )
        return row

    def find(self, cls: type[R], **where: Any) -> list[R]:
        """Mutable records whose columns equal the given values."""
        table = TABLES_BY_KIND[cls.KIND]
        stmt = select(table)
        for name, value in where.items():
            stmt = stmt.where(table.c[name] == value)
        return [row_to_record(cls, row) for row in self.conn.execute(stmt.order_by(table.c.pk))]

    def field_hlcs(self, cls: type[MutableRecord], record_id: str) -> dict[str, str]:
        """The HLC of the last write of every field: the `base` of an edit started now."""
        return expand_stamps(self._row(cls, record_id)._mapping["field_hlc"], cls.mutable_fields())

    def add(self, record: MutableRecord, *, only: Collection[str] | None = None) -> None:
        """Insert a new mutable record and its outbox op.

        With `only`, the op carries just those fields (and the identity): the others are
        kept here unstamped, as never written, so that the same record written by another
        PC wins them whenever it arrives. A PC joining a facility writes the facility so.
        """
        hlc = self._store.clock.now().encode()
        plain: dict[str, Any] = to_plain(record)
        row = {name: column_value(value) for name, value in plain.items()}
        table = TABLES_BY_KIND[record.KIND]
        stamps = {"*": hlc}
        if only is not None:
            sent = set(only) | record.IDENTITY_FIELDS
            stamps = {"*": "", **dict.fromkeys(sorted(sent), hlc)}
            plain = {name: value for name, value in plain.items() if name in sent}
        result = self.conn.execute(table.insert().values(**row, field_hlc=dumps(stamps)))
        if isinstance(record, Patient):
            pk = result.inserted_primary_key
            assert pk is not None
            search.index_patient(self.conn, int(pk[0]), record, replace=False)
        self._emit(record.KIND, record.id, plain, hlc, {})

    def update(self, new: R, *, base: dict[str, str] | None = None) -> list[str]:
        """Write the fields of `new` that differ from the stored record.

        `base` is the per-field HLC the user's edit started from (`field_hlcs` when the form
        was opened); it travels with the op so the server can tell a concurrent edit.
        Returns the names of the changed fields.
        """
        cls = type(new)
        row = self._row(cls, new.id)
        stored = row._mapping
        current_hlc = expand_stamps(stored["field_hlc"], cls.mutable_fields())
        start = base if base is not None else dict(current_hlc)
        new_plain: dict[str, Any] = to_plain(new)
        new_row = {name: column_value(value) for name, value in new_plain.items()}
        for name in new.IDENTITY_FIELDS:
            if new_row[name] != stored[name]:
                raise ConflictError(
                    f"Không được đổi trường {name}", f"The field {name} cannot change"
                )
        changed = [name for name in new.mutable_fields() if new_row[name] != stored[name]]
        if not changed:
            return []
        hlc = self._store.clock.now().encode()
        current_hlc.update(dict.fromkeys(changed, hlc))
        table = TABLES_BY_KIND[cls.KIND]
        self.conn.execute(
            table.update()
            .where(table.c.id == new.id)
            .values(
                **{name: new_row[name] for name in changed},
                field_hlc=compact_stamps(current_hlc),
            )
        )
        if isinstance(new, Patient):
            search.index_patient(self.conn, int(stored["pk"]), new, replace=True)
        self._emit(
            cls.KIND,
            new.id,
            {name: new_plain[name] for name in changed},
            hlc,
            {name: start.get(name, "") for name in changed},
        )
        return changed

    # ------------------------------------------------------------ clinical events

    def add_event(self, event: ClinicalEvent) -> None:
        """Insert a clinical event (draft or signed) and its outbox op."""
        hlc = self._store.clock.now().encode()
        row = event_to_row(event)
        self.conn.execute(clinical_event.insert().values(**row, field_hlc=dumps({"*": hlc})))
        self._emit(ClinicalEvent.KIND, event.id, {**row, "body": json.loads(row["body"])}, hlc, {})

    def get_event(self, event_id: str) -> ClinicalEvent:
        """A clinical event by id; `NotFound` if absent."""
        row = self.conn.execute(
            select(clinical_event).where(clinical_event.c.id == event_id)
        ).first()
        if row is None:
            raise NotFound(
                f"Không tìm thấy sự kiện {event_id}", f"Clinical event {event_id} not found"
            )
        return row_to_event(row)

    def replace_draft(self, new: ClinicalEvent) -> None:
        """Overwrite a draft (an edit by its author, or its signing). Signed events refuse."""
        old = self.get_event(new.id)
        if old.status != "draft":
            raise ConflictError(
                "Bản ghi đã ký không được sửa; hãy tạo bản đính chính",
                "A signed record cannot be changed; write a correction instead",
            )
        stored = self.conn.execute(
            select(clinical_event.c.field_hlc).where(clinical_event.c.id == new.id)
        ).scalar_one()
        hlc = self._store.clock.now().encode()
        row = event_to_row(new)
        self.conn.execute(
            clinical_event.update()
            .where(clinical_event.c.id == new.id)
            .values(**row, field_hlc=dumps({"*": hlc}))
        )
        self._emit(
            ClinicalEvent.KIND,
            new.id,
            {**row, "body": json.loads(row["body"])},
            hlc,
            json.loads(stored),
        )

    # ------------------------------------------------------------ audit and outbox

    def audit(
        self,
        action: str,
        *,
        target_kind: str | None = None,
        target_id: str | None = None,
        patient_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit row in this transaction. `detail` must hold no patient data."""
        audit.append(
            self.conn,
            device_id=self.device_id,
            user_id=self.user_id,
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            patient_id=patient_id,
            detail=detail,
        )

    def _emit(
        self, kind: str, record_id: str, fields: dict[str, Any], hlc: str, base: dict[str, str]
    ) -> None:
        self.conn.execute(
            outbox.insert().values(
                op_id=new_id(),
                device_id=self.device_id,
                kind=kind,
                record_id=record_id,
                fields=dumps(fields),
                hlc=hlc,
                base=dumps(base),
                user_id=self.user_id,
                created_at=to_plain(utc_now()),
            )
        )
