"""Medical record numbers: each PC issues them from its own block (DESIGN §4 "Duplicates").

Device N owns N·10⁶ … N·10⁶ + 999,999, printed as 10 digits. The number comes from the
server at enrollment (PC 1 until then), so two enrolled PCs never print the same MRN; an
MRN is a label for people, never a record's identity.
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
