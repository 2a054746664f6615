"""The bytes of attachment events (`core.records.Attachment`: scans, PDFs, key images).

An attachment event syncs as an op like every clinical event; its bytes are too big for the
op log and travel apart: `PUT /v1/attachments/{event_id}` once the event's op is on the
server, `GET /v1/attachments/{event_id}` by the other PCs of the facility (DESIGN §4: nothing
entered on any PC may be lost, so the server keeps a copy).

Rules, checked here for both routes:

* **Facility.** Only devices of the event's facility may upload or read its bytes
  (403 `other_facility`), every enrolled device of it, as for pull: each of them already
  holds the event. Revoked devices are refused by authentication itself.
* **Event first.** The server accepts bytes only for an attachment event it already holds
  (404 `attachment_event_not_found`), and only bytes whose size and SHA-256 are the event's
  `size` and `sha256` (422 `attachment_mismatch`): a device cannot park other data here, and
  what a PC downloads is what the author attached. Any device of the facility may upload,
  not only the author's: the hash makes the bytes the same whoever sends them.
* **Idempotent.** Sending the same bytes again answers OK without a second write, so a PC
  that crashed between the upload and deleting its queue row just sends them again.

An amendment of an attachment (`services.clinical`) is a new event with the same `sha256`
and no bytes of its own: its GET answers with the bytes kept for another event of the
facility with that hash and size.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from emr_desktop.core.merge import EVENT_KIND
from emr_sync.db import attachment_blob, now_iso, read_transaction, write_transaction
from emr_sync.errors import ApiError, forbidden, not_found
from emr_sync.ingest import DeviceIdentity
from emr_sync.state import load_state

log = logging.getLogger(__name__)

#: The largest attachment: `core.records.Attachment` refuses a `size` above this.
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
_ATTACHMENT = "attachment"
_MAX_EVENT_ID = 64


@dataclass(frozen=True)
class AttachmentEvent:
    """What the server knows of an attachment event: the bytes it stands for."""

    event_id: str
    facility_id: str
    sha256: str
    size: int


def check_event_id(event_id: str) -> str:
    """`event_id` of a route, refused (422) when it cannot be a record id."""
    if not event_id or len(event_id) > _MAX_EVENT_ID or not event_id.isprintable():
        raise ApiError(
            422,
            "validation",
            "Mã sự kiện đính kèm không hợp lệ",
            "The attachment event id is not valid",
            field="event_id",
        )
    return event_id


def attachment_event(conn: Connection, device: DeviceIdentity, event_id: str) -> AttachmentEvent:
    """The attachment event `event_id` of the device's facility, or the refusal (404/403)."""
    state = load_state(conn, EVENT_KIND, event_id)
    if state is not None and state.facility_id != device.facility_id:
        raise forbidden(
            "other_facility",
            "Thiết bị không được đọc hay gửi tệp đính kèm của cơ sở khác",
            "A device may not read or send another facility's attachments",
            "event_id",
        )
    body: Any = None if state is None else state.values.get("body")
    if isinstance(body, str):
        body = json.loads(body)
    if (
        state is None
        or state.values.get("kind") != _ATTACHMENT
        or not isinstance(body, dict)
        or not isinstance(body.get("sha256"), str)
        or not isinstance(body.get("size"), int)
    ):
        raise not_found(
            "attachment_event_not_found",
            "Máy chủ chưa có sự kiện đính kèm này (hãy đồng bộ hồ sơ trước khi gửi tệp)",
            "The server holds no such attachment event (sync the records before the file)",
        )
    return AttachmentEvent(event_id, state.facility_id, body["sha256"].lower(), body["size"])


def upload_target(engine: Engine, device: DeviceIdentity, event_id: str) -> AttachmentEvent:
    """The event an upload is for, checked before its body is read."""
    with read_transaction(engine) as conn:
        return attachment_event(conn, device, event_id)


def store_upload(
    engine: Engine, device: DeviceIdentity, event_id: str, data: bytes
) -> dict[str, Any]:
    """Keep the bytes of `event_id` if they are the event's; answers what the server holds.

    `{"event_id", "sha256", "size", "stored"}`: `stored` is false when the server already
    held these bytes (a repeated upload).
    """
    digest = hashlib.sha256(data).hexdigest()
    try:
        stored = _store(engine, device, event_id, data, digest)
    except IntegrityError:
        # Two identical uploads raced (PostgreSQL): the first one's row is there now.
        stored = _store(engine, device, event_id, data, digest)
    if stored:
        log.info("device %s uploaded attachment %s (%d bytes)", device.id, event_id, len(data))
    return {"event_id": event_id, "sha256": digest, "size": len(data), "stored": stored}


def _store(engine: Engine, device: DeviceIdentity, event_id: str, data: bytes, digest: str) -> bool:
    with write_transaction(engine) as conn:
        event = attachment_event(conn, device, event_id)
        if len(data) != event.size or digest != event.sha256:
            raise ApiError(
                422,
                "attachment_mismatch",
                f"Nội dung gửi lên ({len(data)} byte) không khớp kích thước và mã SHA-256 "
                "của sự kiện đính kèm",
                f"The uploaded content ({len(data)} bytes) does not match the attachment "
                "event's size and SHA-256",
                field="body",
            )
        held = conn.execute(
            select(attachment_blob.c.sha256).where(attachment_blob.c.event_id == event_id)
        ).scalar_one_or_none()
        if held == digest:
            return False
        row = {
            "facility_id": event.facility_id,
            "sha256": digest,
            "size": len(data),
            "device_id": device.id,
            "received_at": now_iso(),
            "data": data,
        }
        if held is None:
            conn.execute(attachment_blob.insert().values(event_id=event_id, **row))
        else:
            # A draft's attachment replaced since the last upload: its bytes now are these.
            conn.execute(
                attachment_blob.update().where(attachment_blob.c.event_id == event_id).values(row)
            )
        return True


def load_content(engine: Engine, device: DeviceIdentity, event_id: str) -> tuple[bytes, str]:
    """The bytes of `event_id` and their SHA-256, or the refusal (404 when not uploaded)."""
    with read_transaction(engine) as conn:
        event = attachment_event(conn, device, event_id)
        data = conn.execute(
            select(attachment_blob.c.data).where(
                attachment_blob.c.event_id == event_id,
                attachment_blob.c.sha256 == event.sha256,
            )
        ).scalar_one_or_none()
        if data is None:
            data = conn.execute(
                select(attachment_blob.c.data)
                .where(
                    attachment_blob.c.facility_id == event.facility_id,
                    attachment_blob.c.sha256 == event.sha256,
                    attachment_blob.c.size == event.size,
                )
                .limit(1)
            ).scalar_one_or_none()
    if data is None:
        raise not_found(
            "attachment_not_uploaded",
            "Máy chủ chưa nhận nội dung tệp đính kèm này từ máy đã lưu nó; sẽ có sau khi "
            "máy đó đồng bộ",
            "The server has not yet received this attachment's content from the PC that "
            "saved it; it will be here once that PC syncs",
        )
    return bytes(data), event.sha256
