"""`emr-admin export hsba PATIENT [--encounter ID] [--format xml|json] [--out FILE]`.

The chart (or one encounter of it) as the Ministry of Health's `HoSoBenhAn` document
(CV 365/TTYQG-GPQLCL; the mapping is in `emr_desktop.interop.hsba` and
docs/hsba-mapping.md): written atomically to `--out`, or to standard output. Needs the
export permission and is audited, like `export fhir`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emr_desktop.core.permissions import Permission
from emr_desktop.interop.hsba import FORMATS, Rendering
from emr_desktop.services import patients as patient_service
from emr_desktop.services.hsba import export_medical_record

if TYPE_CHECKING:
    from emr_desktop.cli.commands import Context


def add_export_command(exports: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `hsba` to `emr-admin export`."""
    p = command(
        "hsba",
        export_hsba,
        parent=exports,
        help="hồ sơ bệnh án theo CV 365 (XML/JSON) / the MoH HoSoBenhAn record (XML/JSON)",
    )
    p.add_argument("patient", help="id hoặc mã bệnh nhân / patient id or MRN")
    p.add_argument("--encounter", help="chỉ một lượt khám (id) / one encounter only (its id)")
    p.add_argument(
        "--format",
        dest="file_format",
        choices=sorted(FORMATS),
        default="xml",
        help="định dạng (mặc định xml) / format (default xml)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="ghi ra tệp (mặc định: in ra màn hình) / write to a file (default: standard output)",
    )


def export_hsba(ctx: Context) -> None:
    """The chart as `HoSoBenhAn`: to `--out` (written atomically) or standard output."""
    ctx.session.require(Permission.EXPORT)
    a = ctx.args
    patient_id = patient_service.find_patient_by_mrn_or_id(ctx.store, ctx.session, a.patient).id
    rendering = Rendering(a.file_format, a.encounter)
    data = export_medical_record(ctx.store, ctx.session, patient_id, rendering, destination=a.out)
    if a.out is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    ctx.out.emit(
        {"path": str(a.out), "format": a.file_format, "bytes": len(data)},
        f"Đã xuất hồ sơ bệnh án / HoSoBenhAn written: {a.out} ({len(data)} bytes)",
    )
