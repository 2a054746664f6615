"""Settings defaults and the schema migrations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.sync.conftest import TABLES

from emr_sync.db import make_engine, open_database, upgrade
from emr_sync.settings import Settings


def test_settings_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{(tmp_path / 'emr-sync.db').as_posix()}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8443)
    assert settings.max_body_bytes == 8 * 1024 * 1024
    assert settings.max_future_skew_ms == 5 * 60 * 1000
    assert settings.enroll_code_ttl == timedelta(hours=24)
    assert settings.tls_certfile is None
    assert settings.is_sqlite


def test_tls_needs_both_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="go together"):
        Settings(data_dir=tmp_path, tls_certfile=tmp_path / "c.pem")


def test_migrations_create_every_table_and_run_twice(sync_db_url: str) -> None:
    engine = open_database(sync_db_url)
    try:
        upgrade(engine)
        names = set(sa.inspect(engine).get_table_names())
        assert set(TABLES) <= names
    finally:
        engine.dispose()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    finally:
        engine.dispose()
