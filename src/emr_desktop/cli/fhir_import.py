"""`emr-admin import fhir FILE`: another facility's FHIR Bundle into a chart, read-only.

Without `--yes` nothing is written: the command shows where the file comes from, whose chart
it goes to (found by CCCD, then BHYT, or named with `--patient`), what differs between the
file's patient and the chart, and how many records would be imported. With `--yes` it imports
them, signed by `--user` (the login password confirms the signature); a differing identity
needs `--accept-mismatch` as well.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emr_desktop.core.errors import EmrError
from emr_desktop.core.timeutil import to_local
from emr_desktop.interop.fhir_import import ParsedBundle, read_bundle
from emr_desktop.services import fhir_import
from emr_desktop.services import patients as patient_service

if TYPE_CHECKING:
    from emr_desktop.cli.commands import Context

_BASIS = {
    "cccd": "số CCCD / citizen ID",
    "bhyt": "số thẻ BHYT / health insurance card",
    None: "chọn bằng --patient / chosen with --patient",
}
_SEX = {"male": "Nam / male", "female": "Nữ / female"}


def add_commands(
    sub: Any, command: Callable[..., argparse.ArgumentParser], parser_class: type
) -> None:
    """Add `import fhir` to `emr-admin`'s command tree."""
    imports = sub.add_parser(
        "import", help="nhập hồ sơ từ cơ sở khác / import records from another facility"
    ).add_subparsers(dest="import_command", required=True, parser_class=parser_class)
    p = command(
        "fhir",
        import_fhir,
        parent=imports,
        help="FHIR R4 Bundle (JSON) thành hồ sơ ngoài chỉ đọc / as read-only external records",
    )
    p.add_argument("file", type=Path, help="tệp FHIR Bundle JSON / the Bundle file")
    p.add_argument("--patient", help="id hoặc mã bệnh nhân (mặc định: tự tìm) / the chart")
    p.add_argument("--yes", action="store_true", help="nhập thật (mặc định chỉ xem) / import")
    p.add_argument(
        "--accept-mismatch",
        action="store_true",
        help="xác nhận nhập dù thông tin trong tệp khác hồ sơ / confirm a differing identity",
    )


def _source_lines(parsed: ParsedBundle) -> list[str]:
    source = parsed.source
    code = f" ({source.facility_code})" if source.facility_code else ""
    when = to_local(parsed.timestamp).strftime("%d/%m/%Y %H:%M") if parsed.timestamp else "?"
    person = parsed.patient
    ids = "  ".join(
        x
        for x in (person.cccd and f"CCCD {person.cccd}", person.bhyt and f"BHYT {person.bhyt}")
        if x
    )
    return [
        f"Nguồn / Source: {source.name}{code}, gói / bundle {parsed.bundle_id or '?'}, {when}",
        f"Bệnh nhân trong tệp / Patient in the file: {person.name or '?'}  "
        f"{person.birth_date or '?'}  {_SEX.get(person.sex or '', '?')}  {ids}".rstrip(),
    ]


def import_fhir(ctx: Context) -> None:
    """Show what the file holds and whose chart it goes to; with --yes, import it."""
    a = ctx.args
    parsed = read_bundle(a.file)
    chosen = (
        patient_service.find_patient_by_mrn_or_id(ctx.store, ctx.session, a.patient).id
        if a.patient
        else None
    )
    plan = fhir_import.plan_import(ctx.store, ctx.session, parsed, patient_id=chosen)
    match = plan.match
    lines = _source_lines(parsed)
    data: dict[str, Any] = {
        "source": {
            "name": parsed.source.name,
            "identifier": parsed.source.identifier,
            "bundle_id": parsed.bundle_id,
        },
        "patient_id": match.patient_id,
        "basis": match.basis,
        "mismatches": [m._asdict() for m in match.mismatches],
        "new": plan.new,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "types": plan.by_type,
        "skipped": dict(parsed.skipped),
        "imported": False,
    }
    if match.patient_id is None:
        lines.append("Không tìm thấy hồ sơ bệnh nhân / No matching chart; dùng / use --patient")
        ctx.out.emit(data, "\n".join(lines))
        if a.yes:
            raise EmrError("Chưa nhập: chọn hồ sơ bằng --patient", "Not imported: use --patient")
        return
    patient = patient_service.get_patient(ctx.store, ctx.session, match.patient_id)
    lines.append(
        f"Hồ sơ / Chart: {patient.mrn}  {patient.full_name}  [{patient.id}] ({_BASIS[match.basis]})"
    )
    lines += [f"  KHÁC / DIFFERS: {m.vi} / {m.en}" for m in match.mismatches]
    lines.append(
        f"Bản ghi / Records: {plan.new} mới / new, {plan.updated} cập nhật / updated, "
        f"{plan.unchanged} đã có / already in the chart"
    )
    lines += [f"  {kind}: {count}" for kind, count in plan.by_type.items()]
    if parsed.skipped:
        skipped = ", ".join(f"{kind} ×{count}" for kind, count in parsed.skipped)
        lines.append(f"Không nhập loại / Types not imported: {skipped}")
    if not a.yes:
        lines.append("Chưa nhập gì: chạy lại với --yes / Nothing imported: run again with --yes")
        ctx.out.emit(data, "\n".join(lines))
        return
    if match.mismatches and not a.accept_mismatch:
        lines.append(
            "Không nhập: thông tin khác hồ sơ, xác nhận bằng --accept-mismatch / "
            "Not imported: differs from the chart, confirm with --accept-mismatch"
        )
        ctx.out.emit(data, "\n".join(lines))
        raise EmrError(
            "Thông tin bệnh nhân trong tệp khác hồ sơ",
            "The patient in the file differs from the chart",
        )
    report = fhir_import.import_bundle(
        ctx.store,
        ctx.session,
        parsed,
        password=ctx.password,
        patient_id=chosen,
        confirm_mismatch=bool(match.mismatches),
    )
    data.update(imported=True, event_ids=list(report.event_ids))
    lines.append(
        f"Đã nhập / Imported: {report.plan.new + report.plan.updated} bản ghi / records "
        f"(ký bởi / signed by {ctx.session.full_name})"
    )
    ctx.out.emit(data, "\n".join(lines))
