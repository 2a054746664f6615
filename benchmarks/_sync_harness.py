"""Shared set-up for the sync benchmarks: a live server, PCs, and ops made in bulk.

* `live_server(database_url)`: the `emr_sync` app on a migrated database, served by uvicorn
  on a free port of 127.0.0.1 in a thread, facility 70001 added;
* `new_pc(dir)`: a PC initialised for facility 70001 with a logged-in doctor;
* `make_work(pc, ops)`: offline work through the services (patients, vitals, edits) until
  the outbox holds at least `ops` ops — what a ward PC really pushes;
* `ops_from_store(store)`: the ops a PC would have written for every row of a store seeded
  with `services.demo.seed_demo` (demo seeding writes no outbox rows), shaped exactly like
  the unit of work's (`uow.add` / `uow.add_event`);
* `load_op_log(engine, device, ops)`: appends ops to the server's log in bulk, as pushes
  would have, without the per-op merge (a pull reads only the log).

Everything lives in a temporary directory removed at exit (file keyring, see `_harness`).
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from _harness import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "sync", ROOT):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

FACILITY_CODE = "70001"
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Nam")


@dataclass
class Server:
    base_url: str
    engine: Any
    settings: Any

    def enroll_code(self) -> str:
        from datetime import timedelta

        from emr_sync import admin

        return str(admin.make_enroll_code(self.engine, FACILITY_CODE, timedelta(hours=1))["code"])

    def enroll_device(self, name: str = "bench") -> tuple[Any, str]:
        """A device enrolled directly (no HTTP): its identity and credential."""
        from emr_desktop.core.ids import new_id
        from emr_sync import admin

        answer = admin.enroll(
            self.engine, code=self.enroll_code(), device_id=new_id(), device_name=name
        )
        return admin.authenticate(self.engine, answer["credential"]), answer["credential"]

    def op_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM op_log").scalar_one())


@contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(data_dir: Path, database_url: str | None = None) -> Iterator[Server]:
    """The sync server on `database_url` (default: SQLite in `data_dir`), on loopback."""
    import uvicorn

    from emr_sync import admin
    from emr_sync.app import create_app
    from emr_sync.db import open_database
    from emr_sync.settings import Settings

    url = database_url or f"sqlite:///{(data_dir / 'emr-sync.db').as_posix()}"
    settings = Settings(data_dir=data_dir, database_url=url)
    engine = open_database(url)
    admin.add_facility(engine, FACILITY_CODE, "TTYT Benchmark")
    app = create_app(settings, engine)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="bench-sync-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sync server did not start")
        time.sleep(0.01)
    try:
        yield Server(f"http://127.0.0.1:{port}", engine, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


@dataclass
class Pc:
    store: Any
    doctor: Any


def new_pc(data_dir: Path, device_number: int = 1) -> Pc:
    from emr_desktop.services import auth
    from emr_desktop.services.setup import initialize

    store, _ = initialize(
        data_dir,
        facility_code=FACILITY_CODE,
        facility_name="TTYT Benchmark",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
        device_number=device_number,
    )
    admin = auth.login(store, "admin", ADMIN_PASSWORD)
    auth.add_user(
        store,
        admin,
        username="bench.doctor",
        role="doctor",
        full_name="Bác Sĩ Đo",
        password=ADMIN_PASSWORD,
    )
    return Pc(store, auth.login(store, "bench.doctor", ADMIN_PASSWORD))


def enroll_pc(pc: Pc, server: Server, session: Any = None) -> Any:
    """Enroll over HTTP; returns a `SyncClient` holding the credential."""
    import requests

    from emr_desktop.syncclient.client import SyncClient
    from emr_desktop.syncclient.credentials import load_credential
    from emr_desktop.syncclient.engine import enroll

    client = SyncClient(server.base_url, session=session or requests.Session(), timeout=120)
    enroll(pc.store, server.base_url, server.enroll_code(), "bench PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def make_work(pc: Pc, ops: int, seed: int = 1) -> int:
    """Register patients, record vitals and edit addresses until `ops` ops wait."""
    import random

    from emr_desktop.core.records import Measurement, VitalSigns
    from emr_desktop.services import clinical, patients
    from emr_desktop.syncclient.engine import pending_op_count

    rng = random.Random(seed)
    count, i = pending_op_count(pc.store), 0
    while count < ops:
        p = patients.register_patient(
            pc.store,
            pc.doctor,
            full_name=f"Nguyễn Thị {_GIVEN[i % len(_GIVEN)]}",
            sex=rng.choice(("male", "female")),
            date_of_birth=str(rng.randint(1940, 2020)),
            phones=(f"09{rng.randint(10_000_000, 99_999_999)}",),
            address=f"Thôn {rng.randint(1, 12)}, xã Tân Lập",
        )
        count += 1
        if count < ops:
            clinical.record_event(
                pc.store,
                pc.doctor,
                patient_id=p.id,
                body=VitalSigns(
                    measurements=(
                        Measurement("pulse", Decimal(rng.randint(60, 99)), "/min"),
                        Measurement("temperature", Decimal("36.8"), "°C"),
                    )
                ),
            )
            count += 1
        if count < ops and rng.random() < 0.3:
            patients.update_patient(pc.store, pc.doctor, p.id, address=f"Xóm {i % 9 + 1}")
            count += 1
        i += 1
    return pending_op_count(pc.store)


def ops_from_store(store: Any, device_id: str, limit: int | None = None) -> list[Any]:
    """Ops for every record of `store`, as its unit of work would have written them."""
    from sqlalchemy import select

    from emr_desktop.core.codec import to_plain
    from emr_desktop.core.hlc import HybridLogicalClock
    from emr_desktop.core.ids import new_id
    from emr_desktop.core.records import MutableRecord
    from emr_desktop.core.timeutil import utc_now
    from emr_desktop.core.wire import Op
    from emr_desktop.store.rows import row_to_record
    from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event

    classes = {c.KIND: c for c in MutableRecord.__subclasses__() if c.KIND in TABLES_BY_KIND}
    clock = HybridLogicalClock(device_id)
    created = to_plain(utc_now())
    event_columns = [c.name for c in clinical_event.columns if c.name not in ("pk", "field_hlc")]
    ops: list[Any] = []
    # Who acts: nobody for the facility and the first administrator (the server accepts
    # those as a device's bootstrap), an administrator for staff, a doctor for the rest.
    with store.engine.connect() as conn:
        user_table = TABLES_BY_KIND["user"]
        users = conn.execute(
            select(user_table.c.id, user_table.c.role).order_by(user_table.c.pk)
        ).all()
    admin_id = next((u for u, r in users if r == "admin"), None)
    doctor_id = next((u for u, r in users if r == "doctor"), admin_id)

    def actor(kind: str, record_id: str) -> str | None:
        if kind == "facility" or record_id == admin_id:
            return None
        return admin_id if kind in ("user", "device") else doctor_id

    def add(kind: str, record_id: str, fields: dict[str, Any]) -> bool:
        ops.append(
            Op(
                op_id=new_id(),
                device_id=device_id,
                device_seq=len(ops) + 1,
                kind=kind,
                record_id=record_id,
                fields=fields,
                hlc=clock.now().encode(),
                base={},
                user_id=actor(kind, record_id),
                created_at=created,
            )
        )
        return limit is not None and len(ops) >= limit

    order = sorted(TABLES_BY_KIND, key=lambda k: (k != "facility", k != "user"))
    with store.engine.connect() as conn:
        for kind in order:
            table = TABLES_BY_KIND[kind]
            if kind not in classes:
                continue
            for row in conn.execute(select(table).order_by(table.c.pk)):
                record = row_to_record(classes[kind], row)
                if add(kind, record.id, to_plain(record)):
                    return ops
        for row in conn.execute(select(clinical_event).order_by(clinical_event.c.pk)):
            fields = {name: row._mapping[name] for name in event_columns}
            fields["body"] = json.loads(fields["body"])
            if add("clinical_event", fields["id"], fields):
                return ops
    return ops


def load_op_log(engine: Any, device: Any, ops: list[Any], batch: int = 5000) -> None:
    """Append `ops` of `device` to the server's log after its last sequence number."""
    from emr_desktop.core.codec import to_plain
    from emr_sync.db import dumps, facility, now_iso, op_log, write_transaction

    with write_transaction(engine) as conn:
        last = int(
            conn.execute(
                facility.select()
                .with_only_columns(facility.c.last_seq)
                .where(facility.c.id == device.facility_id)
            ).scalar_one()
        )
        received = now_iso()
        for start in range(0, len(ops), batch):
            rows = []
            for op in ops[start : start + batch]:
                last += 1
                rows.append(
                    {
                        "facility_id": device.facility_id,
                        "seq": last,
                        "op_id": op.op_id,
                        "device_id": op.device_id,
                        "device_seq": op.device_seq,
                        "kind": op.kind,
                        "record_id": op.record_id,
                        "fields": dumps(to_plain(op.fields)),
                        "hlc": op.hlc,
                        "base": dumps(op.base),
                        "user_id": op.user_id,
                        "created_at": op.created_at,
                        "received_at": received,
                        "client_hlc": None,
                    }
                )
            conn.execute(op_log.insert(), rows)
        conn.execute(
            facility.update().where(facility.c.id == device.facility_id).values(last_seq=last)
        )


def seeded_store(data_dir: Path, patients: int) -> Any:
    """A PC store seeded with `patients` demo patients and their history."""
    from emr_desktop.services import auth, demo
    from emr_desktop.services.setup import initialize

    store, _ = initialize(
        data_dir,
        facility_code=FACILITY_CODE,
        facility_name="TTYT Benchmark",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
    )
    demo.seed_demo(
        store, auth.login(store, "admin", ADMIN_PASSWORD), patients=patients, seed=1, workers=1
    )
    return store
