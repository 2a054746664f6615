"""`emr-admin pacs …`: this PC's PACS over DICOMweb.

* `pacs show` / `pacs set --url URL [--auth none|basic|bearer] [--pacs-user U]` /
  `pacs clear` — the settings (administrator). The password or token is read from
  `EMR_PACS_SECRET`, else from the next line of standard input (after the login password),
  and kept in the OS keyring; left out, the one already kept stays.
* `pacs search [--patient-id X] [--from DATE] [--to DATE] [--modality M] [--accession A]`
  — the studies the PACS has (audited: criteria names and the count, not the values).
* `pacs fetch STUDY_UID --patient ID_OR_MRN` — put a study of the PACS into a chart and
  its images into this PC's encrypted cache, for viewing when the link is down.
* `imaging upload STUDY_UID` — send a study imported on this PC to the PACS (STOW-RS), so
  that every PC can view it; the record says so only once the PACS holds every image.

`--user` is the member of staff running the command (as everywhere in `emr-admin`); the
PACS account is `--pacs-user`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from emr_desktop.core.imaging import DicomInstance, DicomStudy
from emr_desktop.core.timeutil import to_local
from emr_desktop.imaging import dicom
from emr_desktop.imaging.dicomweb import DicomWebClient, PacsError, failure_text
from emr_desktop.services import imaging
from emr_desktop.services import patients as patient_service
from emr_desktop.services.pacs import (
    PacsSettings,
    clear_pacs,
    pacs_client_args,
    pacs_settings,
    record_search,
    set_pacs,
)

if TYPE_CHECKING:
    from emr_desktop.cli.commands import Context

CREDENTIAL_ENV = "EMR_PACS_SECRET"
#: Instances fetched are stored in batches of about this many bytes (one transaction each),
#: so a study of hundreds of megabytes is never held whole in memory.
BATCH_BYTES = 32 * 1024 * 1024

_AUTH_VI = {
    "none": "không / none",
    "basic": "tên đăng nhập + mật khẩu / basic",
    "bearer": "mã truy cập / bearer token",
}


def add_commands(
    sub: Any, command: Callable[..., argparse.ArgumentParser], parser_class: type
) -> None:
    """Add `pacs show|set|clear|search|fetch` to `emr-admin`'s command tree."""
    pacs = sub.add_parser("pacs", help="PACS (DICOMweb)").add_subparsers(
        dest="pacs_command", required=True, parser_class=parser_class
    )
    command("show", pacs_show, parent=pacs, help="xem cấu hình / show the settings")
    p = command("set", pacs_set, parent=pacs, help="cấu hình PACS / set up the PACS")
    p.add_argument("--url", required=True, help="gốc DICOMweb, ví dụ https://pacs/dicom-web")
    p.add_argument(
        "--auth",
        choices=["none", "basic", "bearer"],
        help="xác thực / authentication (mặc định basic nếu có --pacs-user, không thì none)",
    )
    p.add_argument("--pacs-user", help="tên đăng nhập PACS / PACS user name")
    command("clear", pacs_clear, parent=pacs, help="bỏ cấu hình PACS / forget the PACS")

    p = command("search", pacs_search, parent=pacs, help="tìm ca chụp / search studies")
    p.add_argument("--patient-id", help="PatientID trên PACS / the PACS's patient id")
    p.add_argument("--from", dest="date_from", type=_date, help="từ ngày / from YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date, help="đến ngày / to YYYY-MM-DD")
    p.add_argument("--modality", help="ví dụ CT, MR, CR, US")
    p.add_argument("--accession", help="số tiếp nhận / accession number")
    p.add_argument("--limit", type=int, default=100)

    p = command("fetch", pacs_fetch, parent=pacs, help="lấy ca chụp về máy / fetch a study")
    p.add_argument("study", help="StudyInstanceUID")
    p.add_argument("--patient", required=True, help="id hoặc mã bệnh nhân / chart")
    p.add_argument("--order", help="chỉ định CĐHA mà ca chụp trả lời / the imaging order")
    p.add_argument(
        "--accept-mismatch",
        action="store_true",
        help="xác nhận dù thông tin trên ảnh khác hồ sơ / confirm a differing identity",
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày phải có dạng YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}"
        ) from None


def _read_secret() -> str | None:
    """The PACS password or token: `EMR_PACS_SECRET`, else a line of standard input (a
    prompt on a terminal). Nothing given: None (keep the one in the keyring)."""
    value = os.environ.get(CREDENTIAL_ENV)
    if value:
        return value
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Mật khẩu / mã truy cập PACS (Enter: giữ nguyên): ") or None
    return sys.stdin.readline().rstrip("\r\n") or None


def _settings_text(settings: PacsSettings) -> str:
    if not settings.configured:
        return "Chưa cấu hình PACS / No PACS set up"
    lines = [
        f"PACS: {settings.url}",
        f"Xác thực / Authentication: {_AUTH_VI[settings.auth]}",
    ]
    if settings.username:
        lines.append(f"Tên đăng nhập / User: {settings.username}")
    if settings.auth != "none":
        kept = "có / kept" if settings.has_secret else "KHÔNG CÓ / MISSING"
        lines.append(f"Mật khẩu trong kho khóa / Secret in the keyring: {kept}")
    return "\n".join(lines)


def _settings_data(settings: PacsSettings) -> dict[str, Any]:
    return {
        "url": settings.url,
        "auth": settings.auth,
        "username": settings.username,
        "has_secret": settings.has_secret,
    }


def pacs_show(ctx: Context) -> None:
    settings = pacs_settings(ctx.store, ctx.session)
    ctx.out.emit(_settings_data(settings), _settings_text(settings))


def pacs_set(ctx: Context) -> None:
    a = ctx.args
    auth = a.auth or ("basic" if a.pacs_user else "none")
    secret = _read_secret() if auth != "none" else None
    settings = set_pacs(ctx.store, ctx.session, a.url, auth, a.pacs_user, secret)
    ctx.out.emit(
        _settings_data(settings),
        f"Đã lưu cấu hình PACS / PACS settings saved\n{_settings_text(settings)}",
    )


def pacs_clear(ctx: Context) -> None:
    clear_pacs(ctx.store, ctx.session)
    ctx.out.emit({"cleared": True}, "Đã bỏ cấu hình PACS / PACS settings removed")


def _study_text(study: DicomStudy) -> str:
    when = to_local(study.study_at).strftime("%d/%m/%Y %H:%M") if study.study_at else "?"
    born = study.patient_birth_date.strftime("%d/%m/%Y") if study.patient_birth_date else "?"
    first = (
        f"{when}  {'/'.join(study.modalities) or '?'}  {study.description or ''}".rstrip()
        + f"  ({study.instance_count} ảnh / images)"
    )
    return "\n".join(
        [
            first,
            f"  {study.patient_name or '?'}  ID {study.patient_id or '?'}  {born}  "
            f"{study.patient_sex or '?'}  Acc {study.accession_number or '-'}",
            f"  {study.study_instance_uid}",
        ]
    )


def pacs_search(ctx: Context) -> None:
    a = ctx.args
    date_range = (a.date_from, a.date_to) if a.date_from or a.date_to else None
    criteria = [
        name
        for name, value in (
            ("patient_id", a.patient_id),
            ("study_date", date_range),
            ("modality", a.modality),
            ("accession", a.accession),
        )
        if value is not None
    ]
    with DicomWebClient(**pacs_client_args(ctx.store, ctx.session)) as client:
        studies = client.search_studies(
            patient_id=a.patient_id,
            study_date_range=date_range,
            modality=a.modality,
            accession=a.accession,
            limit=a.limit,
        )
    record_search(ctx.store, ctx.session, criteria, len(studies))
    text = "\n".join(_study_text(s) for s in studies) or "Không có ca chụp / No study found"
    ctx.out.emit(studies, text)


def _batches(parts: Iterator[bytes]) -> Iterator[list[tuple[DicomInstance, bytes]]]:
    """The instances as they arrive, checked, in batches of about `BATCH_BYTES`."""
    batch: list[tuple[DicomInstance, bytes]] = []
    size = 0
    for data in parts:
        batch.append((dicom.read_instance(data), data))
        size += len(data)
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def pacs_fetch(ctx: Context) -> None:
    a = ctx.args
    patient = patient_service.find_patient_by_mrn_or_id(ctx.store, ctx.session, a.patient)
    with DicomWebClient(**pacs_client_args(ctx.store, ctx.session)) as client:
        study = client.find_study(a.study)
        # The study goes into the chart first (refused on an identity mismatch unless
        # confirmed), then its images into the cache batch by batch: a link that drops
        # half-way leaves the study listed and what arrived cached, fetched again on demand.
        record = imaging.save_study(
            ctx.store,
            ctx.session,
            patient.id,
            study,
            [],
            source="pacs",
            order_id=a.order,
            confirm_mismatch=a.accept_mismatch,
        )
        fetched = added = size = 0
        for batch in _batches(client.retrieve_study(study.study_instance_uid)):
            added += imaging.add_instances(
                ctx.store, ctx.session, study.study_instance_uid, batch, source="pacs"
            )
            fetched += len(batch)
            size += sum(len(data) for _, data in batch)
    ctx.out.emit(
        {
            "record_id": record.id,
            "patient_id": record.patient_id,
            "study_instance_uid": study.study_instance_uid,
            "instances": fetched,
            "added": added,
            "bytes": size,
        },
        f"Đã lấy {fetched} ảnh ({size / 1e6:.1f} MB) vào hồ sơ {patient.mrn} / "
        f"Fetched {fetched} images ({size / 1e6:.1f} MB) into chart {patient.mrn}\n"
        f"{_study_text(study)}\n  [{record.id}]",
    )


def add_imaging_commands(
    imaging_parser: Any, command: Callable[..., argparse.ArgumentParser]
) -> None:
    """Add `imaging upload` to `emr-admin imaging`."""
    p = command(
        "upload",
        imaging_upload,
        parent=imaging_parser,
        help="gửi ca chụp nhập trên máy này lên PACS / send an imported study to the PACS",
    )
    p.add_argument("study", help="StudyInstanceUID")


def imaging_upload(ctx: Context) -> None:
    uid = ctx.args.study
    with DicomWebClient(**pacs_client_args(ctx.store, ctx.session)) as client:
        outcome = imaging.upload_study(
            ctx.store,
            ctx.session,
            uid,
            lambda study_uid, files: client.store_instances(files, study_uid=study_uid),
        )
    lines = [
        f"PACS đã lưu {outcome.stored}/{outcome.instances} ảnh / "
        f"The PACS stored {outcome.stored} of {outcome.instances} images"
    ]
    for sop, code in outcome.failed:
        vi, en = failure_text(code)
        lines.append(f"  PACS từ chối / refused {sop}: {vi} / {en}")
    if outcome.on_pacs:
        lines.append(
            "Ca chụp đã có trên PACS: mọi máy đều xem được / "
            "The study is on the PACS: every PC can view it"
        )
    else:
        lines.append(
            "Ca chụp CHƯA được đánh dấu là có trên PACS; chạy lại lệnh sau / "
            "The study is NOT marked as on the PACS; run the command again later"
        )
    ctx.out.emit(
        {
            "record_id": outcome.record_id,
            "study_instance_uid": uid,
            "instances": outcome.instances,
            "stored": outcome.stored,
            "failed": [{"sop_instance_uid": s, "reason": c} for s, c in outcome.failed],
            "on_pacs": outcome.on_pacs,
        },
        "\n".join(lines),
    )
    if not outcome.on_pacs:
        refused = len(outcome.failed)
        raise PacsError(
            f"PACS từ chối {refused} ảnh; ca chụp chưa được đánh dấu là có trên PACS",
            f"The PACS refused {refused} images; the study is not marked as on the PACS",
        )
