"""Fixtures for the tests of `sync/deploy/`: real PostgreSQL databases, real server
processes (`emr-sync-server serve`), free loopback ports.

* `pg_admin_url`: the test PostgreSQL (`EMR_TEST_POSTGRES_URL`), skipped when unset.
* `new_database`: makes a database with a random name on it (dropped at the end); returns
  its SQLAlchemy URL (`sqlalchemy_url`) and libpq URI (`libpq_uri`) for psql and pg_dump.
* `server_process`: starts `emr-sync-server serve` on a free port as its own process.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from tests.sync.conftest import POSTGRES_ENV, _free_port

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "sync" / "deploy"


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    return _free_port()


def tool(name: str) -> str:
    """The path of a program, or the test is skipped naming it."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@dataclass(frozen=True)
class Database:
    name: str
    url: URL

    @property
    def sqlalchemy_url(self) -> str:
        return self.url.render_as_string(hide_password=False)

    @property
    def libpq_uri(self) -> str:
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def pg_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


@pytest.fixture
def new_database(pg_admin_url: str) -> Iterator[Callable[[], Database]]:
    """Makes fresh databases named `emr_deploy_test_<random>`; all dropped at the end."""
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> Database:
        name = f"emr_deploy_test_{secrets.token_hex(5)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return Database(name, make_url(pg_admin_url).set(database=name))

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@dataclass(frozen=True)
class ServerProcess:
    base_url: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def server_process(
    database_url: str, data_dir: Path, *extra: str, port: int | None = None
) -> Iterator[ServerProcess]:
    """`emr-sync-server serve` in its own process on 127.0.0.1; stopped at the end."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / f"server-{port}.log").open("wb")
    command = [sys.executable, "-m", "emr_sync.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--data-dir", str(data_dir)]
    command += ["--database-url", database_url, *extra]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited: {(data_dir / f'server-{port}.log').read_text()}"
                )
            try:
                if requests.get(base_url + "/v1/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.1)
        yield ServerProcess(base_url, port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
