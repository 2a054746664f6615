"""Attachment bytes on the server: `PUT`/`GET /v1/attachments/{event_id}` over real HTTP,
on SQLite and PostgreSQL (`sync_db_url`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.sync.conftest import LiveServer, OpMaker, SyncHarness, serve

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Attachment
from emr_desktop.core.wire import Op
from emr_sync import attachments, ingest
from emr_sync.app import create_app
from emr_sync.db import attachment_blob
from emr_sync.ingest import DeviceIdentity
from emr_sync.settings import Settings

SCAN = b"%PDF-1.4\n" + os.urandom(40_000) + b"\n%%EOF\n"


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
        yield http


def _auth(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def _attachment_op(pc: OpMaker, data: bytes, *, kind: str = "attachment") -> Op:
    """A draft attachment event (as `services.clinical.attach_document` writes it)."""
    event_id = new_id()
    body: dict[str, Any] = {
        "title": "Giấy chuyển tuyến",
        "media_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if kind != "attachment":
        body = {"text": "Khám lại sau 1 tuần"}
    fields: dict[str, Any] = {
        "id": event_id,
        "facility_id": pc.facility_id,
        "patient_id": new_id(),
        "encounter_id": None,
        "kind": kind,
        "status": "draft",
        "signed_by": None,
        "signed_at": None,
        "content_hash": None,
        "body": body,
    }
    return pc.op("clinical_event", event_id, fields)


def _pushed_event(
    sync_app: SyncHarness, device: DeviceIdentity, data: bytes, *, kind: str = "attachment"
) -> str:
    op = _attachment_op(sync_app.maker(device), data, kind=kind)
    ingest.push(sync_app.engine, device, [op])
    return op.record_id


def _blobs(sync_app: SyncHarness) -> list[tuple[str, str, int]]:
    with sync_app.engine.connect() as conn:
        rows = conn.execute(
            sa.select(attachment_blob.c.event_id, attachment_blob.c.sha256, attachment_blob.c.size)
        ).all()
    return [(r.event_id, r.sha256, r.size) for r in rows]


def _error(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_an_uploaded_attachment_is_read_back_by_every_device_of_the_facility(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    author, author_key = sync_app.enroll_device(name="PC 1")
    other, other_key = sync_app.enroll_device(name="PC 2")
    event_id = _pushed_event(sync_app, author, SCAN)
    put = client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(author_key))
    assert put.status_code == 200, put.text
    assert put.json() == {
        "event_id": event_id,
        "sha256": hashlib.sha256(SCAN).hexdigest(),
        "size": len(SCAN),
        "stored": True,
    }
    for key in (author_key, other_key):
        got = client.get(f"/v1/attachments/{event_id}", headers=_auth(key))
        assert got.status_code == 200
        assert got.content == SCAN
        assert got.headers["x-emr-sha256"] == hashlib.sha256(SCAN).hexdigest()
        assert got.headers["cache-control"] == "no-store"
    assert other.facility_id == author.facility_id


def test_a_repeated_upload_is_answered_ok_without_a_second_copy(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device, key = sync_app.enroll_device()
    other, other_key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    answers = [
        client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(k))
        for k in (key, key, other_key)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["stored"] for a in answers] == [True, False, False]
    assert _blobs(sync_app) == [(event_id, hashlib.sha256(SCAN).hexdigest(), len(SCAN))]
    assert other.facility_id == device.facility_id


def test_bytes_that_are_not_the_events_are_refused(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device, key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    same_size = bytes(b ^ 0xFF for b in SCAN[:10]) + SCAN[10:]
    for wrong in (same_size, SCAN + b"\n", SCAN[:-1]):
        response = client.put(f"/v1/attachments/{event_id}", content=wrong, headers=_auth(key))
        assert response.status_code == 422
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("attachment_mismatch", "body")
        assert "SHA-256" in error["message_vi"] and "SHA-256" in error["message_en"]
    assert _blobs(sync_app) == []
    missing = client.get(f"/v1/attachments/{event_id}", headers=_auth(key))
    assert (missing.status_code, _error(missing)) == (404, "attachment_not_uploaded")


def test_an_event_the_server_does_not_hold_is_refused(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device, key = sync_app.enroll_device()
    unknown = new_id()
    note = _pushed_event(sync_app, device, SCAN, kind="clinical_note")
    for event_id in (unknown, note):
        put = client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(key))
        assert (put.status_code, _error(put)) == (404, "attachment_event_not_found")
        got = client.get(f"/v1/attachments/{event_id}", headers=_auth(key))
        assert (got.status_code, _error(got)) == (404, "attachment_event_not_found")
    too_long = client.get(f"/v1/attachments/{'x' * 65}", headers=_auth(key))
    assert (too_long.status_code, too_long.json()["error"]["field"]) == (422, "event_id")
    assert _blobs(sync_app) == []


def test_another_facilitys_device_may_neither_upload_nor_read(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    sync_app.add_facility("70002", "Trạm Y tế xã Thử")
    device, key = sync_app.enroll_device()
    stranger, stranger_key = sync_app.enroll_device("70002")
    assert stranger.facility_id != device.facility_id
    event_id = _pushed_event(sync_app, device, SCAN)
    put = client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(stranger_key))
    assert (put.status_code, _error(put)) == (403, "other_facility")
    assert _blobs(sync_app) == []
    assert (
        client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(key)).status_code
        == 200
    )
    got = client.get(f"/v1/attachments/{event_id}", headers=_auth(stranger_key))
    assert (got.status_code, _error(got)) == (403, "other_facility")
    assert SCAN[:64] not in got.content


def test_devices_must_authenticate_and_be_enrolled(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device, key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    assert client.put(f"/v1/attachments/{event_id}", content=SCAN).status_code == 401
    assert client.get(f"/v1/attachments/{event_id}").status_code == 401
    bad = client.get(f"/v1/attachments/{event_id}", headers=_auth("not-a-credential"))
    assert bad.status_code == 401
    assert client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(key)).is_success
    sync_app.revoke(device.id)
    revoked = client.get(f"/v1/attachments/{event_id}", headers=_auth(key))
    assert (revoked.status_code, _error(revoked)) == (403, "device_revoked")


def test_an_old_protocol_is_told_to_update(client: httpx.Client, sync_app: SyncHarness) -> None:
    device, key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    response = client.put(
        f"/v1/attachments/{event_id}",
        content=SCAN,
        headers={**_auth(key), "X-EMR-Protocol": "0"},
    )
    assert (response.status_code, _error(response)) == (426, "update_required")
    assert _blobs(sync_app) == []


def test_an_amendment_reads_the_bytes_of_the_attachment_it_copies(
    client: httpx.Client, sync_app: SyncHarness
) -> None:
    device, key = sync_app.enroll_device()
    original = _pushed_event(sync_app, device, SCAN)
    # `services.clinical` amends with the original's body and no bytes of its own.
    amendment = _pushed_event(sync_app, device, SCAN)
    other = _pushed_event(sync_app, device, SCAN[:-7])
    client.put(f"/v1/attachments/{original}", content=SCAN, headers=_auth(key))
    client.put(f"/v1/attachments/{other}", content=SCAN[:-7], headers=_auth(key))
    assert client.get(f"/v1/attachments/{amendment}", headers=_auth(key)).content == SCAN
    assert client.get(f"/v1/attachments/{other}", headers=_auth(key)).content == SCAN[:-7]


def test_the_size_limit_is_the_records_and_is_checked_while_reading(
    client: httpx.Client, sync_app: SyncHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = attachments.MAX_ATTACHMENT_BYTES
    Attachment(title="x", media_type="image/png", size=limit, sha256="0" * 64)
    with pytest.raises(ValidationError):
        Attachment(title="x", media_type="image/png", size=limit + 1, sha256="0" * 64)
    device, key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", len(SCAN) - 1)
    declared = client.put(f"/v1/attachments/{event_id}", content=SCAN, headers=_auth(key))
    assert (declared.status_code, _error(declared)) == (413, "attachment_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while reading
        for start in range(0, len(SCAN), 4096):
            yield SCAN[start : start + 4096]

    streamed = client.put(f"/v1/attachments/{event_id}", content=chunks(), headers=_auth(key))
    assert (streamed.status_code, _error(streamed)) == (413, "attachment_too_large")
    gzipped = client.put(
        f"/v1/attachments/{event_id}",
        content=b"x",
        headers={**_auth(key), "Content-Encoding": "gzip"},
    )
    assert (gzipped.status_code, _error(gzipped)) == (415, "unsupported_encoding")
    assert _blobs(sync_app) == []
    monkeypatch.undo()
    fine = client.put(f"/v1/attachments/{event_id}", content=chunks(), headers=_auth(key))
    assert fine.status_code == 200


def test_the_json_body_limit_does_not_apply_to_attachments(sync_app: SyncHarness) -> None:
    small = Settings(
        data_dir=sync_app.settings.data_dir,
        database_url=sync_app.settings.database_url,
        max_body_bytes=4096,
    )
    device, key = sync_app.enroll_device()
    event_id = _pushed_event(sync_app, device, SCAN)
    with serve(create_app(small, sync_app.engine)) as base_url, httpx.Client() as http:
        response = http.put(
            f"{base_url}/v1/attachments/{event_id}", content=SCAN, headers=_auth(key)
        )
        assert response.status_code == 200, response.text
        assert http.get(f"{base_url}/v1/attachments/{event_id}", headers=_auth(key)).content == (
            SCAN
        )
