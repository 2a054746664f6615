"""A PC restored from a backup gets back what it synced after the backup (DESIGN §4, §5).

Everything an enrolled PC synced after its backup is on the server, but the server never
sends a PC its own ops, and the restored store's pull cursor and record-number counter are
the backup's: without more, the PC would never see those records again and would issue
again the record numbers it gave since. So restoring an enrolled PC, in the restored file
before it takes the place of the current one (a restored store is never without it):

* marks the store (`CATCH_UP_KEY`): its next syncs pull with `own=1`, so the server sends
  this device's ops too, from the backup's own cursor — every op pushed after the backup
  has a later sequence number than any the backup saw. The cursor moves with every page
  applied, so an interrupted catch-up resumes after its last page; the mark stays until a
  pull has reached the end;
* skips record numbers (`mrn.restore_skip`, more the older the backup): until the catch-up
  is done the PC keeps registering patients, offline too, with numbers it cannot have
  issued after the backup; and skips outbox numbers (`OUTBOX_SKIP`), so that no
  `device_seq` is given twice either.

The last page of the catch-up clears the mark and moves the counter past every number of
the PC's block that the store then holds, in that page's transaction (`finish_catch_up`).

Starting the catch-up from the backup's cursor and not from the log's beginning matters:
ops applied again after later writes to the same fields look concurrent to the merge and
would fill the review queue with conflicts that never were.

A store never enrolled has nothing on any server: restoring it changes nothing more. But
a backup taken while the PC was standalone, restored after the lost disk had been enrolled
and had synced, comes back without the enrollment; it is enrolled again as the same device
(`enroll --replace`), and its counter is the backup's, in the block the lost disk issued
numbers from. So a replacing enrollment marks a store that was never enrolled, never
pulled and is not marked already, the same way (`needs_replace_catch_up`). Any other store
is either a disk of the device that knows everything it issued, or a restored backup of an
enrolled PC, which the restore marked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection

from emr_desktop.core.hlc import Hlc
from emr_desktop.store import mrn
from emr_desktop.store.metadata import read_meta, write_meta

log = logging.getLogger(__name__)

#: In `meta` while a restored store has not yet pulled back its own ops.
CATCH_UP_KEY = "sync_restore_catch_up"
#: Written at enrollment (`syncclient.engine.enroll`): the store is known to a server.
DEVICE_NUMBER_KEY = "sync_device_number"
#: The last sequence number pulled (`syncclient.engine`).
PULL_CURSOR_KEY = "sync_pull_cursor"
#: Outbox numbers (`device_seq`) skipped at a restore: more ops than a PC makes in decades.
OUTBOX_SKIP = 1_000_000_000


@dataclass(frozen=True)
class RestoreMark:
    """What the restore left for the catch-up pull."""

    restored_at: str
    #: The restored store's clock: every write this PC made up to it is in the store.
    clock: str
    #: Record numbers skipped, and the next one after the skip (None: no block).
    mrn_skipped: int
    mrn_next: int | None


def mark_restored(conn: Connection, *, now: datetime) -> RestoreMark | None:
    """Mark the restored store for the catch-up pull and skip record numbers, in the
    caller's transaction on the restored file; None for a store never enrolled."""
    values = read_meta(conn)
    if DEVICE_NUMBER_KEY not in values:
        return None
    device_id = values["device_id"]
    now_ms = int(now.timestamp() * 1000)
    skipped = mrn.restore_skip(now_ms - _last_write_ms(conn, values, default=now_ms))
    mark = RestoreMark(
        restored_at=now.isoformat(),
        clock=values.get("hlc_last", ""),
        mrn_skipped=skipped,
        mrn_next=mrn.skip_after_restore(conn, device_id, skipped),
    )
    write_meta(conn, {CATCH_UP_KEY: json.dumps(asdict(mark), sort_keys=True)})
    _skip_outbox_numbers(conn)
    log.info("restored store marked for catch-up; %d record numbers skipped", skipped)
    return mark


def needs_replace_catch_up(values: Mapping[str, str]) -> bool:
    """Whether a store about to be enrolled again as a device the server knows
    (`enroll --replace`), from its `meta` before, must be marked as `mark_restored` does:
    it was never enrolled (a backup from before the enrollment, restored), never pulled,
    and is not marked. The server knows this device, so some disk of it may have pushed
    ops and issued record numbers this store has never seen."""
    return not any(key in values for key in (DEVICE_NUMBER_KEY, PULL_CURSOR_KEY, CATCH_UP_KEY))


def pending_catch_up(values: Mapping[str, str]) -> RestoreMark | None:
    """The mark of a restored store whose catch-up pull has not completed, from `meta`."""
    text = values.get(CATCH_UP_KEY)
    return None if text is None else RestoreMark(**json.loads(text))


def finish_catch_up(conn: Connection, device_id: str) -> int | None:
    """Clear the mark and move the record-number counter past every number of this PC's
    block in the store; returns the next number (None: no block). In the transaction of
    the catch-up's last page."""
    conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (CATCH_UP_KEY,))
    next_mrn = mrn.move_past_issued(conn, device_id)
    shared = mrn.numbers_shared(conn, device_id)
    if shared:
        # The skip was too short: more numbers were issued after the backup than skipped.
        log.error("after the restore, %d record numbers of this PC are on two charts", shared)
    log.info("restored store caught up with the server")
    return next_mrn


def _skip_outbox_numbers(conn: Connection) -> None:
    """Number this PC's next ops far beyond any it gave after the backup: a `device_seq` is
    never given twice (`schema.outbox`), and the numbers cost nothing."""
    # SQLite keeps an AUTOINCREMENT table's last number in `sqlite_sequence`.
    updated = conn.exec_driver_sql(
        "UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'outbox'", (OUTBOX_SKIP,)
    )
    if not updated.rowcount:
        conn.exec_driver_sql(
            "INSERT INTO sqlite_sequence(name, seq) VALUES ('outbox', ?)", (OUTBOX_SKIP,)
        )


def _last_write_ms(conn: Connection, values: Mapping[str, str], *, default: int) -> int:
    """When the backed-up store was last written (Unix ms): its newest audit row or its
    clock, whichever is later; `default` when it holds neither (an enrolled store always
    holds its enrollment's audit row)."""
    found: list[int] = []
    if values.get("hlc_last"):
        found.append(Hlc.decode(values["hlc_last"]).wall_ms)
    newest = conn.exec_driver_sql("SELECT max(at) FROM audit_log").scalar()
    if newest:
        found.append(int(datetime.fromisoformat(str(newest)).timestamp() * 1000))
    return max(found, default=default)
