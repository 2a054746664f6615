"""The server's tables and engine (SQLite with WAL by default, or PostgreSQL).

SQLite serialises writers; a write transaction starts with `BEGIN IMMEDIATE` so that two
pushes never interleave between reading the facility's sequence and committing. On
PostgreSQL the facility row is locked with `SELECT … FOR UPDATE` instead (see `ingest`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

metadata = MetaData()

facility = Table(
    "facility",
    metadata,
    Column("id", Text, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("created_at", Text, nullable=False),
)

device = Table(
    "device",
    metadata,
    Column("id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("device_number", Integer, nullable=False),
    Column("credential_hash", Text, nullable=False),
    Column("enrolled_at", Text, nullable=False),
    Column("revoked_at", Text),
    UniqueConstraint("facility_id", "device_number", name="uq_device_number"),
)

enroll_code = Table(
    "enroll_code",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
    Column("used_by", Text),
)

op_log = Table(
    "op_log",
    metadata,
    Column("facility_id", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("op_id", Text, nullable=False, unique=True),
    Column("device_id", Text, nullable=False),
    Column("device_seq", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("hlc", Text, nullable=False),
    Column("base", Text, nullable=False),
    Column("user_id", Text),
    Column("created_at", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    #: The device's own HLC when the server clamped it (too far in the future), else NULL.
    Column("client_hlc", Text),
    PrimaryKeyConstraint("facility_id", "seq", name="pk_op_log"),
)

record_state = Table(
    "record_state",
    metadata,
    Column("facility_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("values", Text, nullable=False),
    Column("stamps", Text, nullable=False),
    PrimaryKeyConstraint("kind", "record_id", name="pk_record_state"),
)

conflict = Table(
    "conflict",
    metadata,
    Column("id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("winner_value", Text),
    Column("winner_hlc", Text, nullable=False),
    Column("loser_value", Text),
    Column("loser_hlc", Text, nullable=False),
    Column("status", Text, nullable=False, default="open"),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("kind", "record_id", "field", "loser_hlc", name="uq_conflict_loser"),
)

# ---------------------------------------------------------------- indexes over record_state
# Kept in the push transaction (see `emr_sync.patients`) so that duplicate detection and
# fetching by CCCD are index lookups, never scans of JSON values.

#: A live patient's CCCD (deleted patients and patients without a CCCD have no row).
patient_identity = Table(
    "patient_identity",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("cccd", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Index("ix_patient_identity_cccd", "cccd", "facility_id"),
)

#: Blocking key of a live patient for the duplicate score: folded family name, birth year.
patient_key = Table(
    "patient_key",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("name_block", Text, nullable=False),
    Column("birth_year", Integer),
    Index("ix_patient_key_block", "facility_id", "name_block", "birth_year"),
)

#: Every patient_link (status active, undone or deleted), by the two charts it joins.
patient_link_pair = Table(
    "patient_link_pair",
    metadata,
    Column("link_id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("replaced_id", Text, nullable=False),
    Column("replaced_by", Text, nullable=False),
    Column("status", Text, nullable=False),
    Index("ix_patient_link_pair_replaced", "replaced_id"),
    Index("ix_patient_link_pair_survivor", "replaced_by"),
)

#: The patient of each clinical event.
event_patient = Table(
    "event_patient",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("patient_id", Text, nullable=False),
    Index("ix_event_patient_patient", "patient_id"),
)

#: Likely duplicate charts for a clerk to review (`a_id` < `b_id`).
duplicate_candidate = Table(
    "duplicate_candidate",
    metadata,
    Column("id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("a_id", Text, nullable=False),
    Column("b_id", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("status", Text, nullable=False, default="open"),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("a_id", "b_id", name="uq_duplicate_pair"),
    Index("ix_duplicate_candidate_facility_status", "facility_id", "status"),
)

#: The bytes of attachment events (`core.records.Attachment`), uploaded by a PC after the
#: event's op (see `emr_sync.attachments`). `sha256` and `size` are the event's, checked on
#: upload; the index finds the same bytes kept for another event (an amendment's copy).
attachment_blob = Table(
    "attachment_blob",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("facility_id", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("device_id", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_attachment_blob_content", "facility_id", "sha256"),
)

#: The audit rows of every PC (DESIGN §5), as the PC wrote them, hash chain included (see
#: `emr_sync.audit`). `branch` is 0 for a device's chain, n for the n-th chain continued by
#: a restored copy of its store (`audit_fork`); `seq` is the PC's own row number.
audit_row = Table(
    "audit_row",
    metadata,
    Column("device_id", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("facility_id", Text, nullable=False),
    Column("branch", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("at", Text, nullable=False),
    Column("user_id", Text),
    Column("action", Text, nullable=False),
    Column("target_kind", Text),
    Column("target_id", Text),
    Column("patient_id", Text),
    Column("detail", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    PrimaryKeyConstraint("device_id", "id", name="pk_audit_row"),
    Index("ix_audit_row_chain", "device_id", "branch", "seq"),
    Index("ix_audit_row_hash", "device_id", "hash"),
    Index("ix_audit_row_patient", "patient_id"),
)

#: Where a restored PC's chain left the one the server held (`emr_sync.audit`): the hash
#: it declared (`restored_from`), the row its new branch continues (`fork_hash`) and the
#: tip of the chain it left (`abandoned_hash`), so that verify explains the fork.
audit_fork = Table(
    "audit_fork",
    metadata,
    Column("device_id", Text, nullable=False),
    Column("branch", Integer, nullable=False),
    Column("restored_from", Text, nullable=False),
    Column("fork_hash", Text, nullable=False),
    Column("first_row_id", Text, nullable=False),
    Column("abandoned_hash", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    PrimaryKeyConstraint("device_id", "branch", name="pk_audit_fork"),
)

MIGRATIONS = Path(__file__).with_name("migrations")
_WRITE = "emr_write"


def now_iso() -> str:
    """The current UTC time as ISO-8601 text (how every timestamp is stored)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


#: Built once: `json.dumps` with options builds an encoder per call, and a push dumps
#: several values per op.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Canonical JSON text for a JSON column."""
    return _ENCODER.encode(value)


class Bulk:
    """Writes of many rows, queued, then sent together by `run` in the order queued.

    On PostgreSQL each statement carries its rows as arrays (`unnest`, sent in binary: the
    text format escapes every JSON quote, slowly) and every statement goes in one pipeline:
    one wait for all of them instead of one each. Elsewhere each statement runs as an
    executemany. `rows` are dicts keyed by column name, every row with the same keys.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._postgresql = conn.dialect.name == "postgresql"
        self._queued: list[tuple[str, Any, Any]] = []

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (every column of `table` named)."""
        if rows:
            self._queued.append(("insert", table, rows))

    def update(self, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> None:
        """Update the rows found by their `keys` columns to their other columns in `rows`."""
        if rows:
            self._queued.append(("update", table, (keys, rows)))

    def delete(self, table: Table, column: str, values: list[Any]) -> None:
        """Delete the rows whose `column` is one of `values`."""
        if values:
            self._queued.append(("delete", table, (column, values)))

    def run(self) -> None:
        """Send everything queued (nothing is sent before)."""
        queued, self._queued = self._queued, []
        if not queued:
            return
        if not self._postgresql:
            for action, table, data in queued:
                _run_generic(self._conn, action, table, data)
            return
        statements = [_postgresql_statement(self._conn, *item) for item in queued]
        driver: Any = self._conn.connection.driver_connection  # the transaction's own
        with driver.cursor() as cursor, driver.pipeline():
            for statement, params in statements:
                cursor.execute(statement, params)


def read_together(
    conn: Connection, statements: list[tuple[str, tuple[Any, ...]]]
) -> list[list[tuple[Any, ...]]]:
    """PostgreSQL: run read statements (driver SQL and parameters) in one pipeline, in order,
    with one wait for all of them; returns each one's rows."""
    driver: Any = conn.connection.driver_connection  # the transaction's own connection
    cursors = [driver.cursor() for _ in statements]
    try:
        with driver.pipeline():
            for cursor, (statement, params) in zip(cursors, statements, strict=True):
                cursor.execute(statement, params)
        return [list(cursor.fetchall()) for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _run_generic(conn: Connection, action: str, table: Table, data: Any) -> None:
    if action == "insert" and conn.dialect.paramstyle == "qmark":
        # SQLite: the driver's executemany, without SQLAlchemy's work per row.
        names = list(data[0])
        quote = conn.dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in names)
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
        conn.exec_driver_sql(sql, [tuple(row[name] for name in names) for row in data])
    elif action == "insert":
        conn.execute(table.insert(), data)
    elif action == "update":
        keys, rows = data
        names = list(rows[0])
        where = [
            table.c[name] == bindparam(f"p{n}") for n, name in enumerate(names) if name in keys
        ]
        assign: dict[str, Any] = {
            name: bindparam(f"p{n}") for n, name in enumerate(names) if name not in keys
        }
        conn.execute(
            table.update().where(*where).values(assign),
            [{f"p{n}": row[name] for n, name in enumerate(names)} for row in rows],
        )
    else:
        column, wanted = data
        for start in range(0, len(wanted), 500):
            conn.execute(table.delete().where(table.c[column].in_(wanted[start : start + 500])))


def _postgresql_statement(
    conn: Connection, action: str, table: Table, data: Any
) -> tuple[str, tuple[list[Any], ...]]:
    # Identifiers come from the table's metadata (quoted); every value is a bound array.
    quote = conn.dialect.identifier_preparer.quote
    target = quote(table.name)

    def array(name: str) -> str:
        return f"%b::{table.c[name].type.compile(dialect=conn.dialect)}[]"

    if action == "delete":
        column, values = data
        sql = f"DELETE FROM {target} WHERE {quote(column)} = ANY({array(column)})"  # noqa: S608
        return sql, (list(values),)
    rows = data if action == "insert" else data[1]
    names = list(rows[0])
    arrays = tuple([row[name] for row in rows] for name in names)
    unnest = f"unnest({', '.join(array(name) for name in names)})"
    if action == "insert":
        columns = ", ".join(quote(name) for name in names)
        return f"INSERT INTO {target} ({columns}) SELECT * FROM {unnest}", arrays  # noqa: S608
    keys = data[0]
    assign = ", ".join(
        f"{quote(name)} = v.p{n}" for n, name in enumerate(names) if name not in keys
    )
    match = " AND ".join(
        f"{target}.{quote(name)} = v.p{n}" for n, name in enumerate(names) if name in keys
    )
    aliases = ", ".join(f"p{n}" for n in range(len(names)))
    sql = f"UPDATE {target} SET {assign} FROM {unnest} AS v({aliases}) WHERE {match}"  # noqa: S608
    return sql, arrays


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE` writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite would not).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on any error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: one consistent snapshot."""
    with engine.connect() as conn, conn.begin():
        yield conn


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema, in one transaction."""
    with write_transaction(engine) as conn:
        command.upgrade(alembic_config(conn), "head")


def open_database(url: str) -> Engine:
    """An engine on `url` with the schema migrated to head."""
    engine = make_engine(url)
    upgrade(engine)
    return engine
