"""`postgres-setup.sql`, `backup.sh` and `restore.sh` against the real PostgreSQL
(`EMR_TEST_POSTGRES_URL`): a role and database made as the IT staff would, a real push
through the server, a dump, its rotation, and a restore that holds the same state."""

from __future__ import annotations

import os
import random
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from tests.sync.conftest import FACILITY_CODE, TABLES, serve
from tests.sync.deploy.conftest import DEPLOY, Database, tool
from tests.syncclient.support import make_pc
from tests.syncclient.test_engine import _work

from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_sync import admin
from emr_sync.app import create_app
from emr_sync.db import open_database
from emr_sync.settings import Settings

SETUP = DEPLOY / "postgres-setup.sql"


def _psql(
    url: str, *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("psql"), "--no-psqlrc", "--dbname", url, *args],
        capture_output=True,
        text=True,
        check=check,
        input=stdin,
    )


@pytest.fixture
def setup_names(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """A role and a database name for `postgres-setup.sql`; both dropped at the end."""
    suffix = secrets.token_hex(4)
    role, db = f"emr_sync_role_{suffix}", f"emr_sync_db_{suffix}"
    yield role, db
    admin_engine = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}_other"')
    admin_engine.dispose()


def _libpq(sqlalchemy_url: str, **parts: Any) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql", **parts)
    return url.render_as_string(hide_password=False)


def test_setup_makes_a_role_that_owns_only_its_database(
    pg_admin_url: str, setup_names: tuple[str, str], tmp_path: Path
) -> None:
    role, db = setup_names
    admin_uri = _libpq(pg_admin_url)
    setup = ["-v", f"role={role}", "-v", f"db={db}", "-f", str(SETUP)]
    _psql(admin_uri, "-v", "password=first-pw", *setup)
    _psql(admin_uri, "-v", "password=second-pw", *setup)  # again: idempotent

    facts = _psql(
        admin_uri,
        *("-tA", "-v", f"role={role}", "-v", f"db={db}"),
        stdin="SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
        "pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), "
        "array_to_string(r.rolconfig, ';') "
        "FROM pg_roles r, pg_database d WHERE r.rolname = :'role' AND d.datname = :'db'",
    ).stdout.strip()
    assert facts.split("|") == [
        "t",
        "f",
        "f",
        "f",
        "f",
        role,
        "UTF8",
        "idle_in_transaction_session_timeout=5min;TimeZone=UTC",
    ]

    # The server migrates and runs as that role.
    app_url = make_url(pg_admin_url).set(username=role, database=db)
    engine = open_database(app_url.render_as_string(hide_password=False))
    try:
        admin.add_facility(engine, FACILITY_CODE, "Trung tâm Y tế huyện Thử")
        with engine.connect() as conn:
            owner = conn.exec_driver_sql(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'op_log'"
            ).scalar()
        assert owner == role
    finally:
        engine.dispose()

    # Another login role cannot even connect to the database.
    _psql(admin_uri, "-c", f'CREATE ROLE "{role}_other" LOGIN')
    refused = _psql(
        _libpq(pg_admin_url, username=f"{role}_other", database=db), "-c", "SELECT 1", check=False
    )
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr


def _table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every server table, sorted: two databases with equal answers hold the
    same state."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(
                    (tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')),  # noqa: S608 - our table names
                    key=repr,
                )
                for name in (*TABLES, "attachment_blob", "alembic_version")
            }
    finally:
        engine.dispose()


def _push_real_work(tmp_path: Path, database: Database) -> int:
    """Two PCs' work pushed through the server onto `database`; returns the op count."""
    settings = Settings(data_dir=tmp_path / "server", database_url=database.sqlalchemy_url)
    engine = open_database(settings.database_url)
    try:
        admin.add_facility(engine, FACILITY_CODE, "Trung tâm Y tế huyện Thử")
        with serve(create_app(settings, engine)) as url:
            for name, number in (("a", 1), ("b", 2)):
                pc = make_pc(tmp_path, name, number)
                client = SyncClient(url, timeout=30)
                code = admin.make_enroll_code(engine, FACILITY_CODE)["code"]
                enroll(pc.store, url, code, "PC", client=client)
                client.credential = load_credential(pc.store)
                _work(pc, random.Random(number), 3)
                sync_once(pc.store, client)
                assert pending_op_count(pc.store) == 0
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM op_log").scalar_one())
    finally:
        engine.dispose()


def _script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEPLOY / name), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def test_backup_then_restore_into_a_fresh_database_keeps_every_row(
    tmp_path: Path, new_database: Callable[[], Database]
) -> None:
    tool("pg_dump")
    tool("pg_restore")
    source, target = new_database(), new_database()
    ops = _push_real_work(tmp_path, source)
    assert ops > 20
    backups = tmp_path / "backups"
    env = {"EMR_SYNC_DATABASE_URL": source.sqlalchemy_url, "EMR_BACKUP_DIR": str(backups)}

    made = []
    for _ in range(3):
        result = _script("backup.sh", "-k", "2", env=env)
        assert result.returncode == 0, result.stderr
        made.append(Path(result.stdout.strip()))
    # Rotation: the newest two are kept.
    assert sorted(backups.iterdir()) == made[1:]
    assert oct(made[-1].stat().st_mode & 0o777) == "0o600"

    restored = _script("restore.sh", str(made[-1]), target.libpq_uri, env={})
    assert restored.returncode == 0, restored.stderr
    before = _table_rows(source.sqlalchemy_url)
    assert len(before["op_log"]) == ops
    assert _table_rows(target.sqlalchemy_url) == before

    # The restored database serves: the server starts on it and its sequence goes on.
    engine = open_database(target.sqlalchemy_url)
    try:
        status = admin.status(engine)
        assert status["facilities"][0]["last_seq"] == ops
    finally:
        engine.dispose()

    # A database that already holds the server's tables is never restored over.
    again = _script("restore.sh", str(made[-1]), target.libpq_uri, env={})
    assert again.returncode == 1
    assert "already holds" in again.stderr


def test_backup_refuses_what_it_cannot_back_up(tmp_path: Path) -> None:
    sqlite = _script(
        "backup.sh",
        env={
            "EMR_SYNC_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "EMR_BACKUP_DIR": str(tmp_path),
        },
    )
    assert sqlite.returncode == 2
    assert "only PostgreSQL" in sqlite.stderr
    keep = _script("backup.sh", "-k", "0", env={"EMR_BACKUP_DIR": str(tmp_path)})
    assert keep.returncode == 2
    assert "KEEP" in keep.stderr
    missing = _script("restore.sh", str(tmp_path / "none.dump"), "postgresql://x/y", env={})
    assert missing.returncode == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_failed_dump_leaves_no_file(tmp_path: Path, pg_admin_url: str) -> None:
    tool("pg_dump")
    gone = _libpq(pg_admin_url, database=f"emr_missing_{secrets.token_hex(4)}")
    result = _script("backup.sh", "-d", str(tmp_path), env={"EMR_BACKUP_DATABASE": gone})
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
