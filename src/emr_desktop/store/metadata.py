"""The `meta` table: this PC's settings and counters that are not records (store and device
ids, the sync cursor, the PACS and e-prescription settings, marks of work done).

Written in the caller's transaction, so a value is set together with what it describes (a
pulled page and the cursor after it, an acknowledgement and the mark it moves).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection


def read_meta(conn: Connection) -> dict[str, str]:
    """Every key of the table with its value."""
    return {str(k): str(v) for k, v in conn.exec_driver_sql("SELECT key, value FROM meta")}


def write_meta(conn: Connection, values: Mapping[str, str]) -> None:
    """Set each key to its value (added, or replaced)."""
    for key, value in values.items():
        conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
