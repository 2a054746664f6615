"""`emr-admin export claim ENCOUNTER_ID [--out FILE] [--visit-category CODE]`: the BHYT claim
of one finished encounter as the QĐ 130 XML tables in their `GIAMDINHHS` envelope.

The envelope goes to `--out` (written atomically) or to standard output. A claim that cannot
be made (open encounter, no main diagnosis, no valid card, a drug without a price …) fails
with the table and field named ("XML1.MA_BENH_CHINH") and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emr_desktop.interop.claim130 import claim_envelope
from emr_desktop.services.claims import export_claim

if TYPE_CHECKING:
    from emr_desktop.cli.commands import Context


def add_commands(exports: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `claim` to `emr-admin export`."""
    p = command(
        "claim",
        export_claim_command,
        parent=exports,
        help="hồ sơ đề nghị thanh toán BHYT (XML QĐ 130) của một lượt khám đã kết thúc / "
        "the BHYT claim XML (QĐ 130) of a finished encounter",
    )
    p.add_argument("encounter", help="mã lượt khám / encounter id")
    p.add_argument(
        "--visit-category",
        help="mã đối tượng đến KCB (QĐ 3276), ví dụ 1.3 / MA_DOITUONG_KCB, e.g. 1.3",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="ghi ra tệp (mặc định: in ra màn hình) / write to a file (default: standard output)",
    )


def export_claim_command(ctx: Context) -> None:
    """Build and export the claim; report where it went."""
    destination = ctx.args.out
    data = export_claim(
        ctx.store,
        ctx.session,
        ctx.args.encounter,
        claim_envelope,
        destination,
        visit_category=ctx.args.visit_category,
    )
    if destination is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    ctx.out.emit(
        {"path": str(destination), "bytes": len(data)},
        f"Đã xuất hồ sơ BHYT (XML QĐ 130) / Claim XML written: {destination} ({len(data)} bytes)",
    )
