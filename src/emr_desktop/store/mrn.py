"""Medical record numbers: each PC issues them from its own block (DESIGN §4 "Duplicates").

Device N owns N·10⁶ … N·10⁶ + 999,999, printed as 10 digits. The number comes from the
server at enrollment (PC 1 until then), so two enrolled PCs never print the same MRN; an
MRN is a label for people, never a record's identity.

A PC restored from a backup does not know the numbers it issued after the backup until it
has pulled its own patients back from the server (`store.restored`): meanwhile it issues
numbers beyond a skip that grows with the backup's age (`restore_skip`), so it keeps
registering patients offline; once they are back, its counter moves past all of them
(`move_past_issued`). The counter never moves back.
"""

from __future__ import annotations

from sqlalchemy import Connection

MRN_BLOCK = 1_000_000


def set_mrn_block(conn: Connection, device_id: str, device_number: int) -> None:
    """Issue this PC's next MRNs from the block of `device_number`.

    Numbers already issued from another block stay on their charts; when the PC already
    uses this block, nothing changes (so re-enrolling never re-issues a number).
    """
    first = device_number * MRN_BLOCK
    row = conn.exec_driver_sql(
        "SELECT first FROM mrn_range WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is not None and row[0] == first:
        return
    conn.exec_driver_sql(
        "INSERT INTO mrn_range(device_id, first, last, next) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(device_id) DO UPDATE SET first = excluded.first, last = excluded.last, "
        "next = excluded.next",
        (device_id, first, first + MRN_BLOCK - 1, first),
    )


#: After a restore, numbers skipped per day since the backup's last write: a PC may have
#: issued numbers after the backup that only the server knows until the catch-up pull. One
#: registration desk registers a few hundred new patients on its busiest days; 1,000 a day
#: leaves room above that.
RESTORE_SKIP_PER_DAY = 1_000
#: Numbers skipped at least (the backup is minutes old, or this PC's clock is behind).
RESTORE_SKIP_MIN = 10_000
_DAY_MS = 86_400_000


def restore_skip(elapsed_ms: int) -> int:
    """How many numbers a restored PC skips, the backup being `elapsed_ms` old."""
    days = -(-max(elapsed_ms, 0) // _DAY_MS)  # whole days, rounded up
    return max(RESTORE_SKIP_MIN, RESTORE_SKIP_PER_DAY * days)


def skip_after_restore(conn: Connection, device_id: str, count: int) -> int | None:
    """Move this PC's next number `count` further, within its block; returns the new next
    number (past the block's end when the block cannot hold `count` more: the PC then
    registers nobody until IT acts), or None when the PC has no block.

    Until the catch-up pull brings back the numbers issued after the backup, the PC keeps
    registering patients, offline too, with numbers it cannot have issued before.
    """
    row = conn.exec_driver_sql(
        "SELECT next, last FROM mrn_range WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is None:
        return None
    moved = min(int(row[0]) + count, int(row[1]) + 1)
    conn.exec_driver_sql("UPDATE mrn_range SET next = ? WHERE device_id = ?", (moved, device_id))
    return moved


def move_past_issued(conn: Connection, device_id: str) -> int | None:
    """Move this PC's next number past every number of its block held in the store (never
    back); returns the next number, or None when the PC has no block.

    Called once a restored PC has pulled back its own patients: every number it ever
    issued and synced is then here.
    """
    row = conn.exec_driver_sql(
        "SELECT first, last, next FROM mrn_range WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is None:
        return None
    first, last, current = (int(v) for v in row)
    # Fixed width: the block's numbers sort as text the way they sort as numbers.
    highest = conn.exec_driver_sql(
        "SELECT max(mrn) FROM patient WHERE length(mrn) = 10 AND mrn NOT GLOB '*[^0-9]*' "
        "AND mrn BETWEEN ? AND ?",
        (f"{first:010d}", f"{last:010d}"),
    ).scalar()
    moved = current if highest is None else max(current, int(highest) + 1)
    if moved != current:
        conn.exec_driver_sql(
            "UPDATE mrn_range SET next = ? WHERE device_id = ?", (moved, device_id)
        )
    return moved


def numbers_shared(conn: Connection, device_id: str) -> int:
    """How many numbers of this PC's block are on more than one chart (0 unless a restored
    PC skipped too few)."""
    row = conn.exec_driver_sql(
        "SELECT first, last FROM mrn_range WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is None:
        return 0
    shared = conn.exec_driver_sql(
        "SELECT count(*) FROM (SELECT mrn FROM patient WHERE mrn BETWEEN ? AND ? "
        "GROUP BY mrn HAVING count(*) > 1)",
        (f"{int(row[0]):010d}", f"{int(row[1]):010d}"),
    ).scalar()
    return int(shared or 0)
