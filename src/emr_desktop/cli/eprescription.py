"""`emr-admin eprescription …`: this PC and the national e-prescription system.

* `eprescription show` / `eprescription set --url URL --facility-link-code CODE --account NAME`
  / `eprescription clear` — the settings (administrator). The account's password is read
  from `EMR_EPRESCRIPTION_SECRET`, else from the next line of standard input (after the
  login password), and kept in the OS keyring; left out, the one already kept stays.
* `eprescription doctor-code USERNAME CODE` (or `--remove`) — a doctor's interconnection
  code, issued by the national system (administrator).
* `eprescription queue PRESCRIPTION_ID` — queue an older signed prescription, or a refused
  one again once the chart is fixed.
* `eprescription send` — one pass over the queue now (what the GUI's background loop does).
* `eprescription status [PRESCRIPTION_ID]` — the queue's counts, or one prescription's state
  with the national system's reasons.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import PrescriptionSubmission, SubmissionStatus
from emr_desktop.core.timeutil import to_local
from emr_desktop.interop.eprescription import prescription_payload
from emr_desktop.services import eprescribing
from emr_desktop.syncclient.eprescription import PortalClient, send_due

if TYPE_CHECKING:
    from emr_desktop.cli.commands import Context

CREDENTIAL_ENV = "EMR_EPRESCRIPTION_SECRET"

_STATUS_VI = {
    SubmissionStatus.QUEUED: "chờ gửi / queued",
    SubmissionStatus.SENT: "đã gửi / sent",
    SubmissionStatus.REFUSED: "bị từ chối / refused",
    SubmissionStatus.FAILED: "lỗi kết nối, sẽ thử lại / failed, will retry",
}


def add_commands(
    sub: Any, command: Callable[..., argparse.ArgumentParser], parser_class: type
) -> None:
    """Add `eprescription show|set|clear|doctor-code|queue|send|status` to `emr-admin`."""
    group = sub.add_parser(
        "eprescription", help="đơn thuốc quốc gia / national e-prescription system"
    ).add_subparsers(dest="eprescription_command", required=True, parser_class=parser_class)
    command("show", show, parent=group, help="xem cấu hình / show the settings")
    p = command("set", set_up, parent=group, help="cấu hình / set up this PC")
    p.add_argument("--url", required=True, help="địa chỉ hệ thống / the system's address")
    p.add_argument(
        "--facility-link-code",
        required=True,
        help="mã liên thông cơ sở KCB / the facility's interconnection code",
    )
    p.add_argument("--account", required=True, help="tài khoản / the account name")
    command("clear", clear, parent=group, help="bỏ cấu hình / forget the settings")
    p = command(
        "doctor-code",
        doctor_code,
        parent=group,
        help="mã liên thông bác sĩ / a doctor's interconnection code",
    )
    p.add_argument("username", help="tên đăng nhập của bác sĩ / the doctor's user name")
    p.add_argument("code", nargs="?", help="mã liên thông / the code")
    p.add_argument("--remove", action="store_true", help="xóa mã / remove the code")
    p = command("queue", queue, parent=group, help="đưa đơn vào hàng đợi / queue a prescription")
    p.add_argument("prescription", help="id của đơn thuốc / the prescription's id")
    command("send", send, parent=group, help="gửi ngay / send what is due now")
    p = command("status", status, parent=group, help="tình trạng / the queue's state")
    p.add_argument("prescription", nargs="?", help="id của đơn thuốc / one prescription")


def _read_secret() -> str | None:
    """`EMR_EPRESCRIPTION_SECRET`, else a line of standard input (a prompt on a terminal);
    nothing given: None (keep the one in the keyring)."""
    value = os.environ.get(CREDENTIAL_ENV)
    if value:
        return value
    if sys.stdin.isatty():
        import getpass

        return (
            getpass.getpass("Mật khẩu tài khoản đơn thuốc quốc gia (Enter: giữ nguyên): ") or None
        )
    return sys.stdin.readline().rstrip("\r\n") or None


def _settings_text(settings: eprescribing.EPrescribingSettings) -> str:
    if not settings.configured:
        return "Chưa cấu hình gửi đơn thuốc quốc gia / E-prescribing is not set up"
    kept = "có / kept" if settings.has_secret else "KHÔNG CÓ / MISSING"
    since = to_local(settings.configured_at) if settings.configured_at else None
    return "\n".join(
        [
            f"Địa chỉ / Address: {settings.url}",
            f"Mã liên thông cơ sở / Facility code: {settings.facility_link_code}",
            f"Tài khoản / Account: {settings.username}",
            f"Mật khẩu trong kho khóa / Password in the keyring: {kept}",
            f"Gửi đơn ký từ / Sends prescriptions signed since: "
            f"{since.strftime('%d/%m/%Y %H:%M') if since else '?'}",
        ]
    )


def show(ctx: Context) -> None:
    settings = eprescribing.eprescribing_settings(ctx.store, ctx.session)
    ctx.out.emit(settings, _settings_text(settings))


def set_up(ctx: Context) -> None:
    a = ctx.args
    settings = eprescribing.set_eprescribing(
        ctx.store,
        ctx.session,
        url=a.url,
        facility_link_code=a.facility_link_code,
        username=a.account,
        secret=_read_secret(),
    )
    ctx.out.emit(settings, f"Đã lưu cấu hình / Settings saved\n{_settings_text(settings)}")


def clear(ctx: Context) -> None:
    eprescribing.clear_eprescribing(ctx.store, ctx.session)
    ctx.out.emit({"cleared": True}, "Đã bỏ cấu hình / Settings removed")


def doctor_code(ctx: Context) -> None:
    a = ctx.args
    if a.remove == bool(a.code):
        raise ValidationError(
            "code",
            "required",
            "Nhập mã liên thông, hoặc --remove để xóa",
            "Give the interconnection code, or --remove to remove it",
        )
    user = eprescribing.set_prescriber_code(ctx.store, ctx.session, a.username, a.code)
    ctx.out.emit(
        {"username": user.username, "eprescription_code": user.eprescription_code},
        f"{user.username}: {user.eprescription_code or '(không có / none)'}",
    )


def _submission_text(submission: PrescriptionSubmission) -> str:
    lines = [f"{submission.code}: {_STATUS_VI[SubmissionStatus(submission.status)]}"]
    if submission.status == SubmissionStatus.SENT and submission.sent_at:
        lines.append(f"  {to_local(submission.sent_at).strftime('%d/%m/%Y %H:%M')}")
    if submission.status == SubmissionStatus.REFUSED:
        lines += [f"  {line}" for line in eprescribing.errors_text(submission).splitlines()]
    if submission.status == SubmissionStatus.FAILED and submission.next_attempt_at:
        when = to_local(submission.next_attempt_at).strftime("%d/%m/%Y %H:%M")
        lines.append(f"  {submission.last_error or ''} — thử lại lúc / retry at {when}")
    return "\n".join(lines)


def queue(ctx: Context) -> None:
    submission = eprescribing.enqueue(ctx.store, ctx.session, ctx.args.prescription)
    ctx.out.emit(submission, _submission_text(submission))


def send(ctx: Context) -> None:
    pending = eprescribing.sending_queue(ctx.store, ctx.session, prescription_payload)
    connection = eprescribing.portal_connection(ctx.store)
    if connection is None:
        raise ValidationError(
            "eprescription",
            "not_configured",
            "Máy này chưa cấu hình gửi đơn thuốc quốc gia (`emr-admin eprescription set`)",
            "This PC is not set up for e-prescribing (`emr-admin eprescription set`)",
        )
    client = PortalClient(connection.url, username=connection.username, secret=connection.secret)
    try:
        report = send_due(pending, client)
    finally:
        client.close()
    ctx.out.emit(
        report,
        f"Đã gửi {report.sent}, bị từ chối {report.refused}, lỗi {report.failed}, "
        f"bỏ qua {report.skipped} / sent {report.sent}, refused {report.refused}, "
        f"failed {report.failed}, skipped {report.skipped}",
    )


def status(ctx: Context) -> None:
    if ctx.args.prescription:
        submission = eprescribing.status_for(ctx.store, ctx.session, ctx.args.prescription)
        if submission is None:
            ctx.out.emit(None, "Đơn thuốc chưa vào hàng đợi / The prescription was never queued")
            return
        ctx.out.emit(submission, _submission_text(submission))
        return
    counts = eprescribing.queue_counts(ctx.store, ctx.session)
    ctx.out.emit(
        counts,
        f"Chờ gửi / queued: {counts.queued}\nĐã gửi / sent: {counts.sent}\n"
        f"Bị từ chối / refused: {counts.refused}\nLỗi, sẽ thử lại / failed: {counts.failed}",
    )
