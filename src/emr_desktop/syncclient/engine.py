"""One sync: push the outbox, then pull the facility's changes (DESIGN §4).

Safe to retry after a crash at any point:

* an outbox row is deleted only in the transaction that records its acknowledgement, so a
  row pushed but not yet deleted is simply pushed again; the server acknowledges it again
  without a second effect;
* a pulled page is applied together with the cursor that follows it, in one transaction,
  so a dropped link resumes exactly after the last page applied, and an op applied twice
  changes nothing (the merge is idempotent).
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from emr_desktop.core.errors import SyncError
from emr_desktop.core.timeutil import utc_now
from emr_desktop.core.wire import PUSH_BATCH, Op
from emr_desktop.store.mrn import set_mrn_block
from emr_desktop.store.replica import adopt_server_stamps, apply_remote_ops
from emr_desktop.store.schema import outbox
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import Enrollment, PullPage, SyncClient
from emr_desktop.syncclient.credentials import SERVER_URL_KEY, save_credential

log = logging.getLogger(__name__)

PULL_CURSOR_KEY = "sync_pull_cursor"
SKEW_KEY = "sync_clock_skew_ms"
LAST_SUCCESS_KEY = "sync_last_success"
#: The cursor before the first pull: everything.
START_CURSOR = "0"


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: ops sent and acknowledged, ops received, new conflicts."""

    pushed: int
    pulled: int
    conflicts: int
    skew_ms: int


def enroll(
    store: Store,
    server_url: str,
    code: str,
    device_name: str,
    *,
    client: SyncClient | None = None,
) -> Enrollment:
    """Enroll this PC with the server using a one-time code; keep the credential.

    The server must know this PC's facility: a PC initialised for one facility is never
    enrolled into another, whose data it would then mix with its own.
    """
    client = client or SyncClient(server_url)
    facility_id = store.read_meta().get("facility_id")
    result = client.enroll(code=code, device_id=store.device_id, device_name=device_name)
    if facility_id is not None and result.facility_id != facility_id:
        raise SyncError(
            f"Mã đăng ký thuộc cơ sở {result.facility_code} ({result.facility_name}), "
            "không phải cơ sở của máy này",
            f"The enrollment code belongs to facility {result.facility_code} "
            f"({result.facility_name}), not to this PC's facility",
        )
    if result.device_id != store.device_id:
        raise SyncError(
            "Máy chủ trả về mã thiết bị khác với mã của máy này",
            "The server answered with a device id that is not this PC's",
        )
    save_credential(store, result.credential)
    with store.unit_of_work(user_id=None) as uow:
        for key, value in (
            (SERVER_URL_KEY, client.base_url),
            ("sync_device_number", str(result.device_number)),
            ("sync_facility_code", result.facility_code),
        ):
            uow.conn.exec_driver_sql(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        # The server numbers the facility's PCs: take its block, so no two PCs print the
        # same record number.
        set_mrn_block(uow.conn, store.device_id, result.device_number)
        uow.audit("device.enroll", target_kind="device", target_id=store.device_id)
        uow.commit()
    log.info("enrolled device %s as number %d", store.device_id, result.device_number)
    return result


def pending_op_count(store: Store) -> int:
    """Outbox rows not yet acknowledged by the server."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _next_batch(store: Store) -> list[Op]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.device_seq).limit(PUSH_BATCH))
        return [
            Op(
                op_id=m["op_id"],
                device_id=m["device_id"],
                device_seq=m["device_seq"],
                kind=m["kind"],
                record_id=m["record_id"],
                fields=json.loads(m["fields"]),
                hlc=m["hlc"],
                base=json.loads(m["base"]),
                user_id=m["user_id"],
                created_at=m["created_at"],
            )
            for m in (row._mapping for row in rows)
        ]


def _write_meta(store: Store, values: dict[str, str]) -> None:
    with store.engine.begin() as conn:
        for key, value in values.items():
            conn.exec_driver_sql(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def push_outbox(store: Store, client: SyncClient) -> tuple[int, int | None]:
    """Send the outbox in batches; returns (ops acknowledged, last skew reported)."""
    pushed = 0
    skew: int | None = None
    while True:
        batch = _next_batch(store)
        if not batch:
            return pushed, skew
        result = client.push(device_id=store.device_id, ops=batch)
        skew = result.skew_ms
        sent = {op.op_id for op in batch}
        acked = sent.intersection(result.acked)
        if acked:
            with store.engine.begin() as conn:
                if result.clamped_hlcs:
                    adopt_server_stamps(conn, batch, result.clamped_hlcs)
                conn.execute(delete(outbox).where(outbox.c.op_id.in_(sorted(acked))))
        pushed += len(acked)
        if len(acked) < len(sent):
            # The server kept some ops back: pushing them again now would loop forever.
            raise SyncError(
                f"Máy chủ chưa nhận {len(sent) - len(acked)} thay đổi; sẽ thử lại sau",
                f"The server did not accept {len(sent) - len(acked)} changes; will retry later",
            )


def pull_changes(store: Store, client: SyncClient) -> tuple[int, int, int]:
    """Fetch and apply pages until the server has no more.

    While a page is applied, the next one is already being fetched by a thread that only
    talks to the server (the store keeps its single writer); an error of that fetch is
    raised once the page before it is committed, as if the pages came one after the other.

    Returns (ops received, new conflicts, this PC's clock minus the server's in ms, as
    seen at the last page).
    """
    pulled = conflicts = skew = 0
    cursor = store.read_meta().get(PULL_CURSOR_KEY, START_CURSOR)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="emr-sync-pull") as network:
        coming = network.submit(_fetch_page, client, cursor)
        while True:
            try:
                page, skew = coming.result()
            except BaseException:
                # The future holds the error: dropping it here leaves no reference cycle
                # (error → traceback → this frame → future → error) keeping the failed
                # response alive until a garbage collection closes it in no given order.
                del coming
                raise
            last = not page.more or page.next == cursor
            if not last:
                coming = network.submit(_fetch_page, client, page.next)
            with _collector_paused(), store.unit_of_work(user_id=None) as uow:
                report = apply_remote_ops(uow.conn, store, page.ops)
                uow.conn.exec_driver_sql(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (PULL_CURSOR_KEY, page.next),
                )
                uow.commit()
            pulled += len(page.ops)
            conflicts += len(report.conflicts)
            if last:
                return pulled, conflicts, skew
            cursor = page.next


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while one page is applied.

    A page makes hundreds of thousands of short-lived objects (ops, rows, values); they
    are freed by reference counting when the page is done, but meanwhile each collection
    walks them and every other live object again (about a sixth of a first pull's time).
    Collection resumes after the page. Left alone if something else turned it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _fetch_page(client: SyncClient, cursor: str) -> tuple[PullPage, int]:
    """One page after `cursor`, with this PC's clock minus the server's when it came."""
    page = client.pull(after=cursor)
    return page, time.time_ns() // 1_000_000 - page.server_time_ms


def sync_once(store: Store, client: SyncClient) -> SyncReport:
    """Push everything waiting, then pull everything new. Raises `SyncError` on failure;
    whatever was acknowledged or applied before the failure stays done."""
    pushed, skew = push_outbox(store, client)
    pulled, conflicts, seen_skew = pull_changes(store, client)
    # The server's own measure (from the stamps pushed) is better than one round trip's.
    skew = seen_skew if skew is None else skew
    _write_meta(store, {LAST_SUCCESS_KEY: utc_now().isoformat(), SKEW_KEY: str(skew)})
    log.info("sync: pushed %d, pulled %d, conflicts %d", pushed, pulled, conflicts)
    return SyncReport(pushed=pushed, pulled=pulled, conflicts=conflicts, skew_ms=skew)
