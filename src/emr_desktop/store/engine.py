"""Opening the SQLCipher file through SQLAlchemy.

The key is set on every new connection before anything is read; a wrong key is detected at
once and the file is never replaced by a new empty database.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from emr_desktop.core.errors import KeyStoreError, StorageError
from emr_desktop.store.keys import raw_key_pragma

log = logging.getLogger(__name__)


def _connect(path: Path, key: bytes | None, *, create: bool) -> Any:
    if not create and not path.exists():
        raise StorageError(f"Không tìm thấy cơ sở dữ liệu {path}", f"No database found at {path}")
    # Autocommit at the driver level: SQLAlchemy's "begin" event issues BEGIN IMMEDIATE.
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        if key is not None:
            conn.execute(raw_key_pragma(key))
        # Reading the schema is the first read of a page: a wrong key fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise KeyStoreError(
            "Khóa không mở được cơ sở dữ liệu (sai khóa hoặc tệp hỏng). Không có gì bị thay "
            "đổi. Dùng `emr-admin recover` với khóa khôi phục nếu kho khóa đã bị xóa.",
            "The key does not open the database (wrong key or damaged file). Nothing was "
            "changed. Use `emr-admin recover` with the recovery key if the keyring was wiped.",
        ) from None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    # Nothing entered may be lost: fsync the WAL at every commit, not only at checkpoints.
    conn.execute("PRAGMA synchronous = FULL")
    # Sorts and temporary tables stay in memory, never in a temp file beside the store.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA cache_size = -32000")
    return conn


def make_engine(path: Path, key: bytes | None, *, create: bool = False) -> Engine:
    """An engine over the SQLCipher file at `path`, keyed with `key`.

    `key=None` opens a plain SQLite file through the same driver: used only by the benchmark
    that measures what encryption costs.
    """
    _connect(path, key, create=create).close()  # fail early, in the caller's thread
    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: _connect(path, key, create=False),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=2,
    )

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # Take the write lock at the start: two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
