"""Test support for sync: PCs made of real stores, an in-memory server, a faulty transport.

`FakeServer` speaks the wire protocol of `core.wire` as a requests transport adapter: it
keeps ops by op id with a per-facility sequence, like the real server, but no merge (the
PCs do that). `FaultyAdapter` wraps any adapter (the fake, or a real HTTP one) and drops the
connection before sending, after the server has processed the request, or sends a request
twice.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from sqlalchemy import select
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD

from emr_desktop.core.codec import to_plain
from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.wire import SUPPORTED_PROTOCOLS, Op
from emr_desktop.services import auth
from emr_desktop.services.auth import Session
from emr_desktop.services.setup import initialize
from emr_desktop.store.rows import expand_stamps
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event, outbox
from emr_desktop.store.store import Store

FACILITY_CODE = "70001"
FAKE_URL = "http://sync.test"
#: Kept before any test replaces `requests.Session` to reach the fake from the CLI.
_SESSION_CLASS = requests.Session


@dataclass
class Pc:
    """One ward PC: its store, its administrator and a doctor, both logged in."""

    store: Store
    admin: Session
    doctor: Session


def make_pc(tmp_path: Path, name: str, device_number: int = 1) -> Pc:
    store, _ = initialize(
        tmp_path / name,
        facility_code=FACILITY_CODE,
        facility_name="Trung tâm Y tế huyện Thử",
        admin_username=f"admin.{name}",
        admin_full_name="Quản Trị Viên",
        admin_password=ADMIN_PASSWORD,
        device_number=device_number,
    )
    admin = auth.login(store, f"admin.{name}", ADMIN_PASSWORD)
    auth.add_user(
        store,
        admin,
        username=f"bs.{name}",
        role="doctor",
        full_name="Trần Thị Lan",
        password=STAFF_PASSWORD,
    )
    return Pc(store, admin, auth.login(store, f"bs.{name}", STAFF_PASSWORD))


def outbox_ops(store: Store) -> list[Op]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.device_seq)).all()
    return [
        Op(
            op_id=r.op_id,
            device_id=r.device_id,
            device_seq=r.device_seq,
            kind=r.kind,
            record_id=r.record_id,
            fields=json.loads(r.fields),
            hlc=r.hlc,
            base=json.loads(r.base),
            user_id=r.user_id,
            created_at=r.created_at,
        )
        for r in rows
    ]


def canonical_dump(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every replicated row with its values and per-field stamps, in a stable order."""
    dump: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for table in [*TABLES_BY_KIND.values(), clinical_event]:
            rows = []
            for row in conn.execute(select(table).order_by(table.c.id)):
                values = {k: v for k, v in row._mapping.items() if k not in ("pk", "field_hlc")}
                names = [k for k in values if k != "id"]
                values["stamps"] = expand_stamps(row._mapping["field_hlc"], names)
                rows.append(values)
            dump[table.name] = rows
    return dump


# ------------------------------------------------------------------ fake server


def _response(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response


def _error(request: requests.PreparedRequest, status: int, code: str) -> requests.Response:
    return _response(
        request,
        status,
        {"error": {"code": code, "message_vi": f"Lỗi {code}", "message_en": f"Error {code}"}},
    )


@dataclass
class FakeServer(BaseAdapter):
    """The sync server in memory, reached through `requests`."""

    codes: dict[str, str] = field(default_factory=dict)  # enrollment code → facility code
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)  # credential → (dev, fac)
    log: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    requests_seen: list[requests.PreparedRequest] = field(default_factory=list)
    protocols: frozenset[int] = SUPPORTED_PROTOCOLS
    ahead_ms: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        super().__init__()

    def new_code(self, facility_code: str = FACILITY_CODE) -> str:
        code = new_id()[-8:]
        self.codes[code] = facility_code
        return code

    def session(self) -> requests.Session:
        s = _SESSION_CLASS()
        s.mount(FAKE_URL, self)
        return s

    def op_ids(self) -> list[str]:
        return [op["op_id"] for _, _, op in self.log]

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        with self.lock:
            self.requests_seen.append(request)
            return self._route(request)

    def close(self) -> None:
        pass

    def _body(self, request: requests.PreparedRequest) -> dict[str, Any]:
        raw = request.body if isinstance(request.body, bytes) else b""
        if request.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        data: dict[str, Any] = json.loads(raw)
        return data

    def _device(self, headers: Mapping[str, str]) -> tuple[str, str] | None:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        return self.devices.get(token)

    def _route(self, request: requests.PreparedRequest) -> requests.Response:
        url = urlsplit(request.url or "")
        now = time.time_ns() // 1_000_000 + self.ahead_ms
        if url.path == "/v1/health":
            return _response(
                request,
                200,
                {"status": "ok", "protocols": sorted(self.protocols), "server_time_ms": now},
            )
        if request.method == "POST":
            body = self._body(request)
            if body.get("protocol") not in self.protocols:
                return _error(request, 426, "update_required")
            if url.path == "/v1/enroll":
                facility_code = self.codes.pop(body["code"], None)
                if facility_code is None:
                    return _error(request, 403, "bad_code")
                credential = new_id()
                facility_id = facility_id_for(facility_code)
                self.devices[credential] = (body["device_id"], facility_id)
                return _response(
                    request,
                    200,
                    {
                        "device_id": body["device_id"],
                        "device_number": len(self.devices),
                        "facility_id": facility_id,
                        "facility_code": facility_code,
                        "facility_name": "TTYT",
                        "credential": credential,
                    },
                )
        device = self._device(request.headers)
        if device is None:
            return _error(request, 401, "not_enrolled")
        device_id, facility_id = device
        if url.path == "/v1/push":
            acked = []
            for item in body["ops"]:
                op = Op.from_wire(item)
                if op.op_id not in self.seen:
                    self.seen.add(op.op_id)
                    self.log.append((len(self.log) + 1, facility_id, to_plain(op.to_wire())))
                acked.append(op.op_id)
            return _response(
                request,
                200,
                {"acked": acked, "server_time_ms": now, "skew_ms": -self.ahead_ms, "clamped": []},
            )
        if url.path == "/v1/pull":
            query = parse_qs(url.query)
            after, limit = int(query["after"][0]), int(query["limit"][0])
            newer = [(seq, op) for seq, fac, op in self.log if seq > after and fac == facility_id]
            window = newer[:limit]
            return _response(
                request,
                200,
                {
                    # A device's own ops are not sent back, but they move its cursor.
                    "ops": [
                        {"seq": seq, **op} for seq, op in window if op["device_id"] != device_id
                    ],
                    "next": window[-1][0] if window else after,
                    "more": len(newer) > limit,
                    "server_time_ms": now,
                },
            )
        return _error(request, 404, "not_found")


# ------------------------------------------------------------------ faults


class FaultyAdapter(BaseAdapter):
    """Wraps a transport; each request takes the next fault from `faults` (None: none).

    * "drop_before": the connection breaks before the request reaches the server;
    * "drop_after": the server processes the request, the answer is lost;
    * "duplicate": the request reaches the server twice (a retrying proxy).
    """

    def __init__(self, inner: BaseAdapter, faults: list[str | None] | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.faults: list[str | None] = list(faults or [])
        self.injected: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            self.injected.append(fault)
        if fault == "drop_before":
            raise requests.ConnectionError("connection reset before sending")
        if fault == "duplicate":
            self.inner.send(request.copy(), *args, **kwargs)
        response = self.inner.send(request, *args, **kwargs)
        if fault == "drop_after":
            raise requests.ConnectionError("connection reset after the server answered")
        return response

    def close(self) -> None:
        self.inner.close()
