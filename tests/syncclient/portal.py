"""Test support for e-prescribing: a real HTTP national system on 127.0.0.1 that fails on cue.

`Portal` is a `http.server` in a thread, on a free port. It checks Basic authentication,
accepts each prescription code once (a second send gets the "already used" refusal the
national system gives), and follows a script of faults, one per request: a 500, a dropped
connection before or after the prescription was recorded, an answer slower than the
client's timeout after recording it, or a 422 refusal with an error list.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import STAFF_PASSWORD

from emr_desktop.core.records import ClinicalEvent, Patient
from emr_desktop.interop.eprescription import SEND_PATH, prescription_payload
from emr_desktop.services import clinical, eprescribing, patients, prescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store
from emr_desktop.syncclient.eprescription import PortalClient

USER, SECRET = "cs70001", "mat-khau-lien-thong"
#: What the client waits for an answer in these tests (a "slow" answer takes longer).
TIMEOUT = 0.6
ALREADY_USED = "Đơn thuốc đã được sử dụng trước đó, vui lòng kiểm tra lại mã đơn thuốc"
FAULTS = ("ok", "500", "drop_before", "drop_after", "slow_after", "refuse")


@dataclass
class Portal:
    """The national e-prescription system, as far as sending goes."""

    url: str = ""
    #: Faults for the next requests, in order ("ok" when empty).
    script: list[str] = field(default_factory=list)
    #: Code → the body accepted for it.
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (code, what happened) for every request, in order.
    log: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_for(self, code: str) -> int:
        return sum(1 for c, _ in self.log if c == code)

    def handle(self, body: dict[str, Any]) -> tuple[str, int, dict[str, Any] | None]:
        """(fault, status, answer) for one request; records an accepted code."""
        code = str(body.get("ma_don_thuoc"))
        with self.lock:
            fault = self.script.pop(0) if self.script else "ok"
            if fault in ("500", "drop_before"):
                self.log.append((code, fault))
                return fault, 500, {"success": "Lỗi hệ thống"}
            if fault == "refuse":
                self.log.append((code, "refused"))
                return (
                    fault,
                    422,
                    {
                        "success": "Dữ liệu không hợp lệ",
                        "danh_sach_cac_loi": [
                            {
                                "truong": "dia_chi",
                                "ma_loi": "E_DIA_CHI",
                                "thong_bao": "Địa chỉ không hợp lệ",
                            }
                        ],
                        "checksum": "c-422",
                    },
                )
            if code in self.accepted:
                self.log.append((code, "already_used"))
                return (
                    fault,
                    422,
                    {
                        "success": ALREADY_USED,
                        "danh_sach_cac_loi": [
                            {
                                "truong": "ma_don_thuoc",
                                "ma_loi": "E_USED",
                                "thong_bao": ALREADY_USED,
                            }
                        ],
                        "checksum": "c-used",
                    },
                )
            self.accepted[code] = body
            self.log.append((code, f"accepted/{fault}"))
            return fault, 200, {"success": "Gửi đơn thuốc thành công", "checksum": f"ck-{code}"}


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != SEND_PATH:
                self._answer(404, {"success": "Không tìm thấy"})
                return
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"success": "Sai tài khoản"})
                return
            fault, status, answer = portal.handle(json.loads(raw))
            if fault in ("drop_before", "drop_after"):
                self.close_connection = True
                return
            if fault == "slow_after":
                time.sleep(TIMEOUT + 0.4)
            self._answer(status, answer)

        def _answer(self, status: int, answer: dict[str, Any] | None) -> None:
            data = json.dumps(answer, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

    return Handler


@contextmanager
def running_portal() -> Iterator[Portal]:
    """A `Portal` listening on 127.0.0.1 at a free port, for the duration."""
    portal = Portal()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(portal))
    server.daemon_threads = True
    portal.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield portal
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def client(url: str, *, timeout: float = TIMEOUT) -> PortalClient:
    return PortalClient(url, username=USER, secret=SECRET, timeout=timeout)


def queue(store: Store) -> eprescribing.PortalQueue:
    """The queue as the GUI and the CLI wire it."""
    return eprescribing.PortalQueue(store, build_payload=prescription_payload)


def set_up(store: Store, admin: Session, doctor: Session, url: str) -> None:
    """E-prescribing on this PC, and the doctor's interconnection code."""
    eprescribing.set_eprescribing(
        store, admin, url=url, facility_link_code="CS70001", username=USER, secret=SECRET
    )
    eprescribing.set_prescriber_code(store, admin, doctor.username, "BS-0042")


def new_patient(
    store: Store, doctor: Session, *, address: str | None = "Thôn Đông, xã Tượng Lĩnh"
) -> Patient:
    return patients.register_patient(
        store,
        doctor,
        full_name="Hà Văn Sơn",
        sex="male",
        date_of_birth="1970-03-15",
        address=address,
    )


def prescribe(
    store: Store,
    doctor: Session,
    patient: Patient,
    *,
    signed: bool = True,
    drug: str = "T0001",
    password: str = STAFF_PASSWORD,
) -> ClinicalEvent:
    """A prescription in an outpatient visit with a diagnosis, signed unless told."""
    visit = clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
    return prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest(drug, Decimal(1), 3, 5)],
        diagnosis_codes=["J20.9"],
        advice="Uống nhiều nước",
        sign_password=password if signed else None,
    )
