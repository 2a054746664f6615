"""Attachment bytes travel between PCs through the real server (uvicorn on 127.0.0.1):
uploaded after the records, fetched by the other PCs, checked, and never lost to a fault."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import Pc, make_pc
from tests.syncclient.test_live_server import _enrolled

from emr_desktop.core.errors import NotFound
from emr_desktop.core.records import Attachment, ClinicalNote, Patient
from emr_desktop.services import chart, clinical, patients
from emr_desktop.store.store import Store
from emr_desktop.syncclient import engine
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import (
    SyncReport,
    pending_op_count,
    pending_upload_count,
    sync_once,
)
from emr_desktop.syncclient.loop import SyncLoop
from emr_sync.db import attachment_blob

REFERRAL = b"%PDF-1.4\n" + os.urandom(30_000) + b"\n%%EOF\n"
KEY_IMAGE = b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)


class AttachmentFaults(HTTPAdapter):
    """Real HTTP, with faults on the attachment routes only: the answer of the next
    `drop_uploads` uploads is lost (after the server stored them), the next
    `corrupt_downloads` downloads arrive with one byte changed."""

    def __init__(self) -> None:
        super().__init__()
        self.drop_uploads = 0
        self.corrupt_downloads = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        response = super().send(request, *args, **kwargs)
        if "/v1/attachments/" not in (request.url or ""):
            return response
        if request.method == "PUT" and self.drop_uploads:
            self.drop_uploads -= 1
            raise requests.ConnectionError("connection reset after the server answered")
        if request.method == "GET" and self.corrupt_downloads and response.status_code == 200:
            self.corrupt_downloads -= 1
            body = bytearray(response.content)
            body[len(body) // 2] ^= 0x01
            response._content = bytes(body)
        return response


def _client(pc: Pc, server: LiveServer, faults: AttachmentFaults) -> SyncClient:
    _enrolled(pc, server)
    session = requests.Session()
    session.mount("http://", faults)
    faulty = SyncClient(server.base_url, session=session, timeout=10)
    faulty.credential = load_credential(pc.store)
    return faulty


def _patient(pc: Pc) -> Patient:
    return patients.register_patient(
        pc.store, pc.doctor, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


def _attach(pc: Pc, patient: Patient, data: bytes, title: str = "Giấy chuyển tuyến") -> str:
    media = "image/png" if data.startswith(b"\x89PNG") else "application/pdf"
    event = clinical.attach_document(
        pc.store, pc.doctor, patient_id=patient.id, title=title, media_type=media, data=data
    )
    return event.id


def _server_blobs(server: LiveServer) -> dict[str, str]:
    with server.harness.engine.connect() as conn:
        rows = conn.execute(sa.select(attachment_blob.c.event_id, attachment_blob.c.sha256))
        return {r.event_id: r.sha256 for r in rows}


def _content_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM attachment_content").scalar_one())


def test_a_file_attached_offline_reaches_the_other_pc(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    patient = _patient(a)
    # Offline: PC 1 is not even enrolled yet.
    referral = _attach(a, patient, REFERRAL)
    key_image = _attach(a, patient, KEY_IMAGE, "Ảnh chính CT ngực")
    assert pending_upload_count(a.store) == 2
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    sent = sync_once(a.store, link_a)
    assert (sent.uploaded, sent.attachment_failures, sent.attachments_left) == (2, 0, 0)
    assert pending_upload_count(a.store) == 0
    assert _server_blobs(live_server) == {
        referral: hashlib.sha256(REFERRAL).hexdigest(),
        key_image: hashlib.sha256(KEY_IMAGE).hexdigest(),
    }
    got = sync_once(b.store, link_b)
    assert (got.downloaded, got.attachment_failures) == (2, 0)
    assert clinical.read_attachment(b.store, b.doctor, referral) == REFERRAL
    assert clinical.read_attachment(b.store, b.doctor, key_image) == KEY_IMAGE
    # Fetched bytes are not queued again, and a second sync moves nothing.
    assert pending_upload_count(b.store) == 0
    again = sync_once(b.store, link_b)
    assert (again.uploaded, again.downloaded, again.attachment_failures) == (0, 0, 0)


def test_an_upload_whose_answer_was_lost_is_sent_again_harmlessly(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a = make_pc(tmp_path, "a", 1)
    faults = AttachmentFaults()
    link = _client(a, live_server, faults)
    event_id = _attach(a, _patient(a), REFERRAL)
    faults.drop_uploads = 1
    first = sync_once(a.store, link)
    # The records went; the server holds the bytes, but the PC never heard so.
    assert pending_op_count(a.store) == 0
    assert (first.uploaded, first.attachment_failures) == (0, 1)
    assert pending_upload_count(a.store) == 1
    assert list(_server_blobs(live_server)) == [event_id]
    second = sync_once(a.store, link)
    assert (second.uploaded, second.attachment_failures) == (1, 0)
    assert pending_upload_count(a.store) == 0
    assert list(_server_blobs(live_server)) == [event_id]


def test_a_crash_between_the_servers_ok_and_the_queue_delete_loses_nothing(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    event_id = _attach(a, _patient(a), REFERRAL)

    def crash(_store: Store, _seq: int) -> None:
        raise SystemExit("the PC lost power")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "_dequeue", crash)
        with pytest.raises(SystemExit):
            sync_once(a.store, link_a)
    assert pending_upload_count(a.store) == 1
    assert sync_once(a.store, link_a).uploaded == 1
    assert pending_upload_count(a.store) == 0
    sync_once(b.store, link_b)
    assert clinical.read_attachment(b.store, b.doctor, event_id) == REFERRAL


def test_a_corrupted_download_is_refused_and_fetched_again(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a = _enrolled(a, live_server)
    faults = AttachmentFaults()
    link_b = _client(b, live_server, faults)
    event_id = _attach(a, _patient(a), KEY_IMAGE)
    sync_once(a.store, link_a)
    faults.corrupt_downloads = 1
    bad = sync_once(b.store, link_b)
    assert (bad.pulled > 0, bad.downloaded, bad.attachment_failures) == (True, 0, 1)
    assert _content_rows(b.store) == 0
    with pytest.raises(NotFound):
        clinical.read_attachment(b.store, b.doctor, event_id)
    good = sync_once(b.store, link_b)
    assert (good.downloaded, good.attachment_failures) == (1, 0)
    assert clinical.read_attachment(b.store, b.doctor, event_id) == KEY_IMAGE


def test_a_refused_upload_blocks_neither_the_records_nor_the_other_files(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    patient = _patient(a)
    broken = _attach(a, patient, REFERRAL)
    # The bytes no longer match their event (a damaged disk block): the server refuses them.
    with a.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE attachment_content SET data = ? WHERE event_id = ?",
            (REFERRAL[:-1] + b"X", broken),
        )
    fine = _attach(a, patient, KEY_IMAGE)
    note = clinical.record_event(
        a.store,
        a.doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="Ho khan 3 ngày"),
    )
    report = sync_once(a.store, link_a)
    assert (report.uploaded, report.attachment_failures) == (1, 1)
    assert pending_op_count(a.store) == 0 and pending_upload_count(a.store) == 1
    status = SyncLoop(a.store, link_a).status()
    assert (status.pending_ops, status.pending_uploads) == (1, 1)
    sync_once(b.store, link_b)
    assert clinical.read_attachment(b.store, b.doctor, fine) == KEY_IMAGE
    events = {e.id for e in chart.open_chart(b.store, b.doctor, patient.id).events}
    assert {broken, fine, note.id} <= events
    # Still queued, still refused at the next sync: never dropped.
    assert sync_once(a.store, link_a).attachment_failures == 1
    assert pending_upload_count(a.store) == 1


def test_a_first_sync_takes_the_attachments_a_budget_at_a_time(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    patient = _patient(a)
    ids = [_attach(a, patient, os.urandom(10_000), f"Trang {n}") for n in range(1, 4)]
    budget = 15_000  # one attachment per sync (the first always goes)
    up = [sync_once(a.store, link_a, attachment_budget_bytes=budget) for _ in range(3)]
    assert [(r.uploaded, r.attachments_left) for r in up] == [(1, 2), (1, 1), (1, 0)]
    assert set(_server_blobs(live_server)) == set(ids)
    down = [sync_once(b.store, link_b, attachment_budget_bytes=budget) for _ in range(3)]
    assert [(r.downloaded, r.attachments_left) for r in down] == [(1, 2), (1, 1), (1, 0)]
    # Newest first: the documents a clinician is likeliest to open next.
    with b.store.engine.connect() as conn:
        order = [
            r[0]
            for r in conn.exec_driver_sql("SELECT event_id FROM attachment_content ORDER BY rowid")
        ]
    assert order == list(reversed(ids))


def test_a_corrected_attachment_opens_on_every_pc(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    link_a, link_b = _enrolled(a, live_server), _enrolled(b, live_server)
    original = clinical.attach_document(
        a.store,
        a.doctor,
        patient_id=_patient(a).id,
        title="Giấy chuyển tuyến",
        media_type="application/pdf",
        data=REFERRAL,
    )
    body = original.body
    assert isinstance(body, Attachment)
    amended = clinical.amend_event(
        a.store,
        a.doctor,
        original.id,
        body=dataclasses.replace(body, title="Giấy chuyển tuyến (bản đúng)"),
        reason="Sửa tiêu đề",
    )
    report = sync_once(a.store, link_a)
    # The amendment carries no bytes of its own: the server answers with the original's.
    assert (report.uploaded, report.downloaded) == (1, 1)
    sync_once(b.store, link_b)
    for pc in (a, b):
        assert clinical.read_attachment(pc.store, pc.doctor, amended.id) == REFERRAL


def test_the_server_unreachable_for_attachments_only_is_reported_not_raised(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
) -> None:
    a = make_pc(tmp_path, "a", 1)
    link = _enrolled(a, live_server)
    patient = _patient(a)
    _attach(a, patient, REFERRAL)
    _attach(a, patient, KEY_IMAGE)
    clinical.record_event(
        a.store,
        a.doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="Sốt 38,5 độ"),
    )
    faults = AttachmentFaults()
    faults.drop_uploads = 5
    session = requests.Session()
    session.mount("http://", faults)
    flaky = SyncClient(live_server.base_url, session=session, timeout=10)
    flaky.credential = link.credential
    report = sync_once(a.store, flaky)
    # The link broke at the first file: the second was not tried, the records all went.
    assert (report.pushed > 0, report.uploaded, report.attachment_failures) == (True, 0, 1)
    assert pending_op_count(a.store) == 0 and pending_upload_count(a.store) == 2


def test_the_loop_goes_on_at_once_while_the_budget_leaves_attachments(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = make_pc(tmp_path, "a", 1)
    link = _enrolled(a, live_server)
    patient = _patient(a)
    ids = [_attach(a, patient, os.urandom(10_000), f"Trang {n}") for n in range(1, 5)]
    monkeypatch.setattr(engine, "ATTACHMENT_BUDGET_BYTES", 15_000)
    reports: list[SyncReport] = []
    loop = SyncLoop(a.store, link, interval=3600, on_report=reports.append)
    loop.start()
    try:
        deadline = time.monotonic() + 30
        while pending_upload_count(a.store) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.stop()
    # Four runs one after the other, not one an hour.
    assert pending_upload_count(a.store) == 0
    assert [r.uploaded for r in reports[:4]] == [1, 1, 1, 1]
    assert set(_server_blobs(live_server)) == set(ids)
    assert loop.status().pending_ops == 0
