"""One sync: push the outbox, then pull the facility's changes (DESIGN §4).

Safe to retry after a crash at any point:

* an outbox row is deleted only in the transaction that records its acknowledgement, so a
  row pushed but not yet deleted is simply pushed again; the server acknowledges it again
  without a second effect;
* a pulled page is applied together with the cursor that follows it, in one transaction,
  so a dropped link resumes exactly after the last page applied, and an op applied twice
  changes nothing (the merge is idempotent).

Attachment bytes (`attachment_content`) travel apart from the ops, after the records
(records first: a clinician waits for the chart, not for a scan):

* **Upload.** `services.clinical` queues the bytes of every attachment saved here
  (`attachment_upload`, in the transaction that keeps them); once the outbox is pushed —
  the server takes bytes only for an event it holds — they are sent oldest first, and a
  queue row is deleted only after the server's OK. A crash in between sends them again;
  the server answers OK without a second copy.
* **Download.** After the pull, the bytes of attachment events this PC has no content for
  are fetched, newest first (the documents most likely opened next), checked against the
  event's size and SHA-256 before they are kept, and never written over existing content.

Both are bounded per sync (`ATTACHMENT_BUDGET_BYTES` each way, so a first sync of many
scans does not hold up the next records sync; the loop runs again at once while some are
left) and best-effort: a refused or corrupt attachment is counted in the report, logged by
event id, skipped and tried again at the next sync; it never fails the sync of the records.

The audit log (`store.audit`, DESIGN §5) goes to the server last, in order, in batches
(`push_audit`): `AUDIT_PUSHED_SEQ_KEY` moves only after the server's OK for a batch, so a
crash in between sends the batch again, which the server acknowledges again. Best-effort
like the attachments: a failure is counted in the report and retried at the next sync.
Bounded per sync (`AUDIT_BATCH` × `AUDIT_BATCHES_PER_SYNC` rows); the rest go at the next
sync. A restored store sends, from what was pushed as of its backup, a chain the server may
have continued past the backup: the server refuses it, answers its last row, and the PC,
finding that row nowhere in its own chain and a restore in its log, declares the restore
(`restored_from`) and the server keeps the new branch beside the old one
(`emr_sync.audit`). When the server does not hold the row declared (409
`audit_restore_unknown`: the server too was restored, from an older backup, while the
declaration was pending), the PC asks the server's last row: in its own chain, sending
goes on after it with nothing declared; elsewhere, the PC declares from the chain's start
and sends it all again, the rows the server holds being acknowledged again
(`_declare_again`). The status bar's pending count does not include audit rows.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from emr_desktop.core.errors import SyncError
from emr_desktop.core.timeutil import utc_now
from emr_desktop.core.wire import PUSH_BATCH, Op
from emr_desktop.store import audit, restored
from emr_desktop.store.metadata import write_meta
from emr_desktop.store.mrn import set_mrn_block
from emr_desktop.store.replica import adopt_server_stamps, apply_remote_ops
from emr_desktop.store.schema import attachment_upload, outbox
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import (
    AuditAck,
    Enrollment,
    PullPage,
    ServerRefused,
    SyncClient,
)
from emr_desktop.syncclient.credentials import SERVER_URL_KEY, save_credential

log = logging.getLogger(__name__)

PULL_CURSOR_KEY = restored.PULL_CURSOR_KEY
SKEW_KEY = "sync_clock_skew_ms"
LAST_SUCCESS_KEY = "sync_last_success"
#: The cursor before the first pull: everything.
START_CURSOR = "0"
#: Attachment bytes sent, and received, per sync at most (the events' sizes); one
#: attachment is always tried, however large.
ATTACHMENT_BUDGET_BYTES = 16 * 1024 * 1024
#: Attachments fetched per sync at most: also bounds the requests for attachments the
#: server does not hold yet (the PC that saved them has not uploaded them).
MAX_DOWNLOADS = 100
#: The last audit row the server acknowledged: its seq and hash (`push_audit`).
AUDIT_PUSHED_SEQ_KEY = "audit_pushed_seq"
AUDIT_PUSHED_HASH_KEY = "audit_pushed_hash"
#: While a restored store's chain is declared to the server: the hash it continues from.
AUDIT_RESTORED_FROM_KEY = "audit_restored_from"
#: Audit rows per request (the server takes up to 1000), and requests per sync at most.
AUDIT_BATCH = 500
AUDIT_BATCHES_PER_SYNC = 40


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: ops sent and acknowledged, ops received, new conflicts, and the
    attachments whose bytes went up or came down (or failed, to be tried again)."""

    pushed: int
    pulled: int
    conflicts: int
    skew_ms: int
    uploaded: int = 0
    downloaded: int = 0
    attachment_failures: int = 0
    #: Attachments left for the next sync by the per-sync budget (not the failed ones).
    attachments_left: int = 0
    #: Audit rows the server acknowledged, left for the next sync, and whether sending
    #: them failed (retried at the next sync; the records are synced all the same).
    audit_pushed: int = 0
    audit_left: int = 0
    audit_failed: bool = False


def enroll(
    store: Store,
    server_url: str,
    code: str,
    device_name: str,
    *,
    client: SyncClient | None = None,
    replace: bool = False,
) -> Enrollment:
    """Enroll this PC with the server using a one-time code; keep the credential.

    The server must know this PC's facility: a PC initialised for one facility is never
    enrolled into another, whose data it would then mix with its own.

    `replace` enrolls again a store the server knows already — its disk moved to a new PC,
    or its keyring wiped, so the credential is gone: the same device id, number and MRN
    block, a new credential (the old one stops working), and the outbox is pushed at the
    next sync as this device's, as if nothing had happened. A replaced store that was
    never enrolled — a backup taken before the enrollment, restored — is marked for the
    catch-up pull as a restored one is (`restored.needs_replace_catch_up`): the lost disk
    may have synced patients and issued record numbers it has never seen.
    """
    client = client or SyncClient(server_url)
    before = store.read_meta()
    facility_id = before.get("facility_id")
    # A replaced store never enrolled (a backup from before the enrollment) pulls back
    # what the lost disk synced, and skips the numbers it may have issued.
    catch_up = replace and restored.needs_replace_catch_up(before)
    result = client.enroll(
        code=code, device_id=store.device_id, device_name=device_name, replace=replace
    )
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
        write_meta(
            uow.conn,
            {
                SERVER_URL_KEY: client.base_url,
                restored.DEVICE_NUMBER_KEY: str(result.device_number),
                "sync_facility_code": result.facility_code,
            },
        )
        # The server numbers the facility's PCs: take its block, so no two PCs print the
        # same record number.
        set_mrn_block(uow.conn, store.device_id, result.device_number)
        mark = restored.mark_restored(uow.conn, now=utc_now()) if catch_up else None
        uow.audit(
            "device.enroll",
            target_kind="device",
            target_id=store.device_id,
            detail={"replace": True, "catch_up": mark is not None} if replace else None,
        )
        uow.commit()
    log.info(
        "%s device %s as number %d",
        "re-enrolled (replacement)" if replace else "enrolled",
        store.device_id,
        result.device_number,
    )
    return result


def pending_op_count(store: Store) -> int:
    """Outbox rows not yet acknowledged by the server."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def pending_upload_count(store: Store) -> int:
    """Attachments whose bytes the server does not hold yet (queued on this PC)."""
    with store.engine.connect() as conn:
        return _queued_uploads(conn)


def _queued_uploads(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(attachment_upload)).scalar_one())


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
        write_meta(conn, values)


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

    A store restored from a backup (`store.restored`) pulls its own ops too until a pull
    reaches the end: the pages of that catch-up are applied like any other, with the
    cursor, so it resumes where it stopped; the last one clears the mark and moves the
    record-number counter past every number of this PC in the store.

    Returns (ops received, new conflicts, this PC's clock minus the server's in ms, as
    seen at the last page).
    """
    pulled = conflicts = skew = 0
    values = store.read_meta()
    cursor = values.get(PULL_CURSOR_KEY, START_CURSOR)
    catch_up = restored.pending_catch_up(values)
    own = catch_up is not None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="emr-sync-pull") as network:
        coming = network.submit(_fetch_page, client, cursor, own)
        while True:
            try:
                page, skew = coming.result()
            except BaseException:
                # The future holds the error: dropping it here leaves no reference cycle
                # (error → traceback → this frame → future → error) keeping the failed
                # response alive until a garbage collection closes it in no given order.
                del coming
                raise
            if own and not page.own:
                raise _server_without_own()
            last = not page.more or page.next == cursor
            if not last:
                coming = network.submit(_fetch_page, client, page.next, own)
            with _collector_paused(), store.unit_of_work(user_id=None) as uow:
                if catch_up is None:
                    report = apply_remote_ops(uow.conn, store, page.ops)
                else:
                    report = apply_remote_ops(uow.conn, store, page.ops, own_until=catch_up.clock)
                write_meta(uow.conn, {PULL_CURSOR_KEY: page.next})
                if catch_up is not None and last:
                    restored.finish_catch_up(uow.conn, store.device_id)
                    uow.audit("store.restore_caught_up", detail={"cursor": page.next})
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


def _fetch_page(client: SyncClient, cursor: str, own: bool) -> tuple[PullPage, int]:
    """One page after `cursor`, with this PC's clock minus the server's when it came."""
    page = client.pull(after=cursor, own=own)
    return page, time.time_ns() // 1_000_000 - page.server_time_ms


def _server_without_own() -> SyncError:
    # Pulling on without its own ops would leave the restored PC without what it synced
    # after the backup, for good: nothing is applied until the server can send them.
    return SyncError(
        "Máy này vừa khôi phục từ bản sao lưu và cần tải lại dữ liệu của chính nó, nhưng máy "
        "chủ chưa hỗ trợ; cần cập nhật máy chủ đồng bộ (dữ liệu trên máy này được giữ nguyên)",
        "This PC was restored from a backup and must pull back its own data, which the "
        "server does not support yet; the sync server must be updated (nothing on this PC "
        "is lost)",
    )


@dataclass(frozen=True)
class Transfers:
    """Attachments moved one way in one sync."""

    done: int
    failed: int
    #: Left for the next sync by the budget (0 when cut: the next sync is no sooner).
    left: int
    #: The link or the server failed: the other attachments were not tried.
    cut: bool


def _within_budget(sizes: list[int], budget_bytes: int) -> int:
    """How many of `sizes`, in order, fit in `budget_bytes` (at least one)."""
    total = count = 0
    for size in sizes:
        total += size
        if count and total > budget_bytes:
            break
        count += 1
    return count


def _refused_here(exc: SyncError) -> bool:
    """Whether the server refused this one attachment (others may go), rather than the
    link, the credential or the server as a whole failing (nothing else will)."""
    return isinstance(exc, ServerRefused) and 400 <= exc.status < 500 and exc.status != 401


def upload_attachments(
    store: Store, client: SyncClient, *, budget_bytes: int = ATTACHMENT_BUDGET_BYTES
) -> Transfers:
    """Send queued attachment bytes, oldest first, within `budget_bytes`; each queue row is
    deleted once the server holds its bytes. Call after the outbox is pushed."""
    with store.engine.connect() as conn:
        # An attachment saved since the outbox was pushed waits for its event's op.
        queued = conn.exec_driver_sql(
            "SELECT q.seq, q.event_id, length(c.data) FROM attachment_upload q "
            "LEFT JOIN attachment_content c ON c.event_id = q.event_id "
            "WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = q.event_id) "
            "ORDER BY q.seq"
        ).all()
        unpushed = _queued_uploads(conn) - len(queued)
    chosen = queued[: _within_budget([size or 0 for _, _, size in queued], budget_bytes)]
    done = failed = 0
    for seq, event_id, size in chosen:
        if size is None:
            # Queued with its bytes in one transaction: this cannot happen short of an edit
            # of the file by hand; nothing is left to send.
            log.error("attachment %s is queued for upload but has no content", event_id)
            _dequeue(store, seq)
            continue
        with store.engine.connect() as conn:
            data = conn.exec_driver_sql(
                "SELECT data FROM attachment_content WHERE event_id = ?", (event_id,)
            ).scalar_one()
        try:
            client.upload_attachment(event_id, data)
        except SyncError as exc:
            failed += 1
            log.warning("attachment %s not uploaded: %s", event_id, _error_code(exc))
            if not _refused_here(exc):
                return Transfers(done, failed, 0, cut=True)
            continue
        _dequeue(store, seq)
        done += 1
    return Transfers(done, failed, unpushed + len(queued) - len(chosen), cut=False)


def _dequeue(store: Store, seq: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(attachment_upload).where(attachment_upload.c.seq == seq))


def download_attachments(
    store: Store,
    client: SyncClient,
    *,
    budget_bytes: int = ATTACHMENT_BUDGET_BYTES,
    max_count: int = MAX_DOWNLOADS,
) -> Transfers:
    """Fetch the bytes of attachment events this PC has no content for, newest first,
    within `budget_bytes` and `max_count`; bytes that are not the event's are refused."""
    with store.engine.connect() as conn:
        missing = conn.exec_driver_sql(
            "SELECT e.id, e.body FROM clinical_event e WHERE e.kind = 'attachment' "
            "AND NOT EXISTS (SELECT 1 FROM attachment_content c WHERE c.event_id = e.id) "
            "ORDER BY e.pk DESC LIMIT ?",
            (max_count + 1,),
        ).all()
    wanted = [(event_id, json.loads(body)) for event_id, body in missing[:max_count]]
    chosen = wanted[: _within_budget([int(body["size"]) for _, body in wanted], budget_bytes)]
    done = failed = 0
    for event_id, body in chosen:
        try:
            data = client.download_attachment(event_id)
        except SyncError as exc:
            failed += 1
            log.warning("attachment %s not downloaded: %s", event_id, _error_code(exc))
            if not _refused_here(exc):
                return Transfers(done, failed, 0, cut=True)
            continue
        if len(data) != body["size"] or hashlib.sha256(data).hexdigest() != body["sha256"]:
            failed += 1
            log.warning("attachment %s refused: its bytes are not the event's", event_id)
            continue
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO attachment_content(event_id, data) VALUES (?, ?) "
                "ON CONFLICT(event_id) DO NOTHING",
                (event_id, data),
            )
        done += 1
    return Transfers(done, failed, len(missing) - len(chosen), cut=False)


@dataclass(frozen=True)
class AuditPush:
    """Audit rows sent in one sync."""

    pushed: int
    left: int
    failed: bool


def pending_audit_count(store: Store) -> int:
    """Audit rows the server has not acknowledged (not in the status bar's count)."""
    after = int(store.read_meta().get(AUDIT_PUSHED_SEQ_KEY, "0"))
    with store.engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE seq > ?", (after,))
        return int(found.scalar_one())


def push_audit(
    store: Store, client: SyncClient, *, max_batches: int = AUDIT_BATCHES_PER_SYNC
) -> AuditPush:
    """Send the audit rows the server has not acknowledged, in order, `AUDIT_BATCH` at a
    time, at most `max_batches` requests. Raises `SyncError` when the server refuses them;
    what was acknowledged before stays recorded."""
    pushed = 0
    for _ in range(max_batches):
        values = store.read_meta()
        after = int(values.get(AUDIT_PUSHED_SEQ_KEY, "0"))
        declared = values.get(AUDIT_RESTORED_FROM_KEY)
        with store.engine.connect() as conn:
            rows = audit.rows_after(conn, after, AUDIT_BATCH)
        if not rows:
            return AuditPush(pushed, 0, failed=False)
        try:
            ack = client.push_audit(device_id=store.device_id, rows=rows, restored_from=declared)
        except ServerRefused as exc:
            if exc.error_code == "audit_restore_unknown" and declared is not None:
                _declare_again(store, client)
                continue
            if exc.error_code != "audit_chain_broken" or declared is not None:
                raise
            _find_audit_branch(store, client, after)
            continue
        _record_audit_ack(store, ack, declared)
        pushed += len(rows)
    return AuditPush(pushed, pending_audit_count(store), failed=False)


def _record_audit_ack(store: Store, ack: AuditAck, declared: str | None) -> None:
    with store.engine.begin() as conn:
        write_meta(
            conn,
            {AUDIT_PUSHED_SEQ_KEY: str(ack.acked_seq), AUDIT_PUSHED_HASH_KEY: str(ack.acked_hash)},
        )
        if declared is not None and ack.last_hash == ack.acked_hash:
            # The server's chain of this device now ends with this PC's: nothing to declare.
            conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (AUDIT_RESTORED_FROM_KEY,))


def _find_audit_branch(store: Store, client: SyncClient, after: int) -> None:
    """The server refused rows after `after` as not following its chain: find out why.

    Its last row in this PC's chain: it holds more (an answer lost) or less (the server
    restored from its own backup) than recorded; sending goes on after that row. Nowhere
    in it: the server holds rows this store never had, i.e. this store is a backup restored
    after they were written; with a restore in the log, the restore is declared from the
    last row recorded as held. Otherwise nothing is declared: IT must look.
    """
    server = client.push_audit(device_id=store.device_id, rows=[])
    values = store.read_meta()
    with store.engine.connect() as conn:
        held = audit.seq_of_hash(conn, server.last_hash)
        was_restored = held is None and audit.restored_after(conn, after)
    if held is not None:
        log.warning("audit: the server holds this PC's chain up to row %d, not %d", held, after)
        _write_meta(
            store, {AUDIT_PUSHED_SEQ_KEY: str(held), AUDIT_PUSHED_HASH_KEY: server.last_hash}
        )
        return
    if not was_restored:
        raise SyncError(
            "Máy chủ giữ những dòng nhật ký của máy này mà máy này không có, dù máy không được "
            "khôi phục từ bản sao lưu: cần bộ phận CNTT kiểm tra (emr-sync-server audit verify)",
            "The server holds audit rows of this PC that this PC does not have, though it was "
            "not restored from a backup: IT must check (emr-sync-server audit verify)",
        )
    since = values.get(AUDIT_PUSHED_HASH_KEY, audit.GENESIS)
    log.warning("audit: restored store; declaring its chain from row %d", after)
    _write_meta(store, {AUDIT_RESTORED_FROM_KEY: since})


def _declare_again(store: Store, client: SyncClient) -> None:
    """The server holds no row with the hash this restored PC declared: it was itself
    restored, from a backup older than that row. Its last row of this device, when this
    chain holds it, is where sending goes on, with nothing to declare (the rows after it
    continue it); otherwise the restore is declared from the chain's start, sending every
    row again: those the server holds are acknowledged again, and the first it lacks
    starts the new branch from the newest row of this chain it holds."""
    server = client.push_audit(device_id=store.device_id, rows=[])
    with store.engine.begin() as conn:
        held = audit.seq_of_hash(conn, server.last_hash)
        if held is None:
            log.warning("audit: declared row unknown to the server; declaring from the start")
            values = {
                AUDIT_PUSHED_SEQ_KEY: "0",
                AUDIT_PUSHED_HASH_KEY: audit.GENESIS,
                AUDIT_RESTORED_FROM_KEY: audit.GENESIS,
            }
        else:
            log.warning("audit: declared row unknown to the server; going on after row %d", held)
            values = {AUDIT_PUSHED_SEQ_KEY: str(held), AUDIT_PUSHED_HASH_KEY: server.last_hash}
            conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (AUDIT_RESTORED_FROM_KEY,))
        write_meta(conn, values)


def _push_audit_reported(store: Store, client: SyncClient) -> AuditPush:
    """`push_audit`, its failure logged (by code) and reported instead of raised."""
    try:
        return push_audit(store, client)
    except SyncError as exc:
        log.warning("audit rows not sent: %s", _error_code(exc))
        return AuditPush(0, pending_audit_count(store), failed=True)


def _error_code(exc: SyncError) -> str:
    # The code only: a message may quote the server's words, never needed in this log.
    return exc.error_code if isinstance(exc, ServerRefused) else type(exc).__name__


def sync_once(
    store: Store, client: SyncClient, *, attachment_budget_bytes: int | None = None
) -> SyncReport:
    """Push everything waiting, pull everything new, then move attachment bytes (within
    `attachment_budget_bytes` each way, `ATTACHMENT_BUDGET_BYTES` unless given). Raises
    `SyncError` when the records fail; whatever was acknowledged or applied before the
    failure stays done. Attachments and the audit rows, sent last, never raise: their
    failures are counted in the report and tried again at the next sync."""
    budget = ATTACHMENT_BUDGET_BYTES if attachment_budget_bytes is None else attachment_budget_bytes
    pushed, skew = push_outbox(store, client)
    pulled, conflicts, seen_skew = pull_changes(store, client)
    # The server's own measure (from the stamps pushed) is better than one round trip's.
    skew = seen_skew if skew is None else skew
    _write_meta(store, {LAST_SUCCESS_KEY: utc_now().isoformat(), SKEW_KEY: str(skew)})
    up = upload_attachments(store, client, budget_bytes=budget)
    down = (
        Transfers(0, 0, 0, cut=True)
        if up.cut
        else download_attachments(store, client, budget_bytes=budget)
    )
    # The link failed on the attachments: the audit rows wait for the next sync.
    trail = (
        AuditPush(0, pending_audit_count(store), failed=True)
        if up.cut or down.cut
        else _push_audit_reported(store, client)
    )
    log.info(
        "sync: pushed %d, pulled %d, conflicts %d; attachments up %d, down %d, failed %d; "
        "audit rows %d%s",
        pushed,
        pulled,
        conflicts,
        up.done,
        down.done,
        up.failed + down.failed,
        trail.pushed,
        " (failed)" if trail.failed else "",
    )
    return SyncReport(
        pushed=pushed,
        pulled=pulled,
        conflicts=conflicts,
        skew_ms=skew,
        uploaded=up.done,
        downloaded=down.done,
        attachment_failures=up.failed + down.failed,
        attachments_left=up.left + down.left,
        audit_pushed=trail.pushed,
        audit_left=trail.left,
        audit_failed=trail.failed,
    )
