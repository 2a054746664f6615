"""Fixtures for the sync server, shared with the sync client's tests.

* `sync_db_url`: a fresh empty database, once on SQLite (a temporary file) and once on
  PostgreSQL (`EMR_TEST_POSTGRES_URL`, each test in its own schema; skipped when unset).
* `sync_app`: a `SyncHarness` (settings, migrated engine, FastAPI app, facility "70001")
  with helpers to add facilities and users, make enroll codes, enroll and revoke devices.
* `live_server`: the same app served by uvicorn on 127.0.0.1 in a background thread;
  a `LiveServer` with `base_url` and the harness helpers.
* `OpMaker`: builds wire ops for one device the way a PC's unit of work does, acting for
  `user_id` (a user the server knows: `SyncHarness.staff(role)`), since the server checks
  every op against its user's role.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from emr_desktop.core.hlc import HybridLogicalClock
from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.wire import Op
from emr_sync import admin
from emr_sync.app import create_app
from emr_sync.db import dumps, facility, open_database, record_state
from emr_sync.ingest import DeviceIdentity
from emr_sync.settings import Settings

POSTGRES_ENV = "EMR_TEST_POSTGRES_URL"
FACILITY_CODE = "70001"
FACILITY_ID = facility_id_for(FACILITY_CODE)
TABLES = (
    "facility",
    "device",
    "enroll_code",
    "op_log",
    "record_state",
    "conflict",
    "patient_identity",
    "patient_key",
    "patient_link_pair",
    "event_patient",
    "duplicate_candidate",
    "attachment_blob",
    "audit_row",
    "audit_fork",
)
#: Any argon2id-shaped hash: the server never verifies passwords.
FAKE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$x$y"


@pytest.fixture(params=["sqlite", "postgresql"])
def sync_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: SQLite file, or a private schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'emr-sync.db').as_posix()}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    schema = f"emr_sync_test_{secrets.token_hex(6)}"
    admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin_engine.dispose()


@dataclass
class SyncHarness:
    """A migrated server database and its app, with administration shortcuts."""

    settings: Settings
    engine: sa.Engine
    app: FastAPI
    facility: dict[str, Any]

    def add_facility(self, code: str, name: str = "Cơ sở thử") -> dict[str, Any]:
        return admin.add_facility(self.engine, code, name)

    def enroll_code(
        self, facility_code: str = FACILITY_CODE, ttl: timedelta = timedelta(hours=1)
    ) -> str:
        return str(admin.make_enroll_code(self.engine, facility_code, ttl)["code"])

    def enroll_device(
        self, facility_code: str = FACILITY_CODE, name: str = "PC"
    ) -> tuple[DeviceIdentity, str]:
        """Enroll a new device directly (no HTTP); returns it and its credential."""
        answer = admin.enroll(
            self.engine,
            code=self.enroll_code(facility_code),
            device_id=new_id(),
            device_name=name,
        )
        return admin.authenticate(self.engine, answer["credential"]), answer["credential"]

    def revoke(self, device_id: str) -> None:
        admin.revoke_device(self.engine, device_id)

    def add_user(
        self, username: str, role: str, facility_code: str = FACILITY_CODE
    ) -> dict[str, Any]:
        return admin.add_user(
            self.engine,
            facility_code=facility_code,
            username=username,
            role=role,
            full_name="Nguyễn Văn An",
            password="password-123",
        )

    def staff(self, role: str, facility_code: str = FACILITY_CODE) -> str:
        """A user the server knows (its merged state only, no op to pull); returns its id."""
        user_id = new_id()
        values = {
            "id": user_id,
            "facility_id": facility_id_for(facility_code),
            "username": f"{role}.{secrets.token_hex(3)}",
            "full_name": "Nguyễn Văn An",
            "role": role,
            "password_hash": FAKE_HASH,
            "active": True,
        }
        with self.engine.begin() as conn:
            conn.execute(
                record_state.insert().values(
                    {
                        "facility_id": values["facility_id"],
                        "kind": "user",
                        "record_id": user_id,
                        "values": dumps(values),
                        "stamps": dumps({"*": "0"}),
                    }
                )
            )
        return user_id

    def maker(self, device: DeviceIdentity | str, role: str = "doctor", **kwargs: Any) -> OpMaker:
        """An `OpMaker` for `device` acting as a new user of `role` (of the device's facility)."""
        device_id = device if isinstance(device, str) else device.id
        facility_id = kwargs.get("facility_id", FACILITY_ID)
        code = self.facility_code(facility_id)
        return OpMaker(device_id, user_id=self.staff(role, code), **kwargs)

    def facility_code(self, facility_id: str) -> str:
        with self.engine.connect() as conn:
            code = conn.execute(
                sa.select(facility.c.code).where(facility.c.id == facility_id)
            ).scalar_one_or_none()
        return str(code) if code is not None else FACILITY_CODE

    def counts(self) -> dict[str, int]:
        """Rows in every table: compared before/after a refused request."""
        with self.engine.connect() as conn:
            return {
                name: conn.execute(
                    sa.select(sa.func.count()).select_from(sa.table(name))
                ).scalar_one()
                for name in TABLES
            }


@pytest.fixture
def sync_settings(tmp_path: Path, sync_db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "sync-data", database_url=sync_db_url)


@pytest.fixture
def sync_app(sync_settings: Settings) -> Iterator[SyncHarness]:
    engine = open_database(sync_settings.database_url)
    facility = admin.add_facility(engine, FACILITY_CODE, "Trung tâm Y tế huyện Thử")
    harness = SyncHarness(sync_settings, engine, create_app(sync_settings, engine), facility)
    yield harness
    engine.dispose()


@dataclass
class LiveServer:
    """The app served over real HTTP; `harness` gives the administration shortcuts."""

    base_url: str
    harness: SyncHarness

    def add_facility(self, code: str, name: str = "Cơ sở thử") -> dict[str, Any]:
        return self.harness.add_facility(code, name)

    def enroll_code(self, facility_code: str = FACILITY_CODE) -> str:
        return self.harness.enroll_code(facility_code)

    def revoke(self, device_id: str) -> None:
        self.harness.revoke(device_id)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a free port of 127.0.0.1 in a thread; yields the base URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="emr-sync-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live sync server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(sync_app: SyncHarness) -> Iterator[LiveServer]:
    with serve(sync_app.app) as base_url:
        yield LiveServer(base_url, sync_app)


@dataclass
class OpMaker:
    """Ops of one device, shaped like a PC's outbox rows (see store/uow.py)."""

    device_id: str
    facility_id: str = FACILITY_ID
    wall_ms: int | None = None
    #: The acting user of every op (None: the bootstrap ops of a PC's `init`).
    user_id: str | None = None
    seq: int = 0
    clock: HybridLogicalClock = field(init=False)

    def __post_init__(self) -> None:
        fixed = self.wall_ms
        self.clock = HybridLogicalClock(
            self.device_id, wall_ms=(lambda: fixed) if fixed is not None else None
        )

    def op(
        self,
        kind: str,
        record_id: str,
        fields: dict[str, Any],
        base: dict[str, str] | None = None,
        by: str | None = None,
        *,
        bootstrap: bool = False,
    ) -> Op:
        """One op; `by` overrides the acting user, `bootstrap` sends none."""
        self.seq += 1
        return Op(
            op_id=new_id(),
            device_id=self.device_id,
            device_seq=self.seq,
            kind=kind,
            record_id=record_id,
            fields=fields,
            hlc=self.clock.now().encode(),
            base=base or {},
            user_id=None if bootstrap else (by or self.user_id),
            created_at="2025-01-01T00:00:00+00:00",
        )

    def new(self, kind: str = "patient", *, by: str | None = None, **values: Any) -> Op:
        """A new mutable record: every field, id and facility_id included."""
        record_id = new_id()
        fields = {"id": record_id, "facility_id": self.facility_id, **values}
        return self.op(kind, record_id, fields, by=by)

    def user(self, role: str, username: str | None = None, *, by: str | None = None) -> Op:
        """A new staff account, written by `by` (an administrator)."""
        return self.new(
            "user",
            by=by,
            username=username or f"u{secrets.token_hex(3)}",
            role=role,
            full_name="Trần Thị Bình",
            password_hash=FAKE_HASH,
            active=True,
        )

    def event(self, body_kind: str, *, signed_by: str | None, record_id: str | None = None) -> Op:
        """A clinical event row (whole record), signed when `signed_by` is given."""
        record_id = record_id or new_id()
        fields: dict[str, Any] = {
            "id": record_id,
            "facility_id": self.facility_id,
            "patient_id": new_id(),
            "encounter_id": None,
            "kind": body_kind,
            "status": "signed" if signed_by else "draft",
            "signed_by": signed_by,
            "signed_at": "2025-01-01T00:00:00+00:00" if signed_by else None,
            "content_hash": "0" * 64 if signed_by else None,
            "body": {},
        }
        return self.op("clinical_event", record_id, fields)
