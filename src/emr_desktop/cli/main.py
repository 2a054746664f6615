"""`emr-admin`: the same services the GUI calls, from a terminal or a script.

Every command takes `--data-dir`; commands acting for a person take `--user NAME` and read
the password from `EMR_PASSWORD` or standard input; `--json` prints machine-readable output;
errors go to stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from emr_desktop.cli import claims as claim_commands
from emr_desktop.cli import commands
from emr_desktop.cli import eprescription as eprescription_commands
from emr_desktop.cli import fhir_import as fhir_import_commands
from emr_desktop.cli import hsba as hsba_commands
from emr_desktop.cli import pacs as pacs_commands
from emr_desktop.core.codec import to_plain
from emr_desktop.core.errors import EmrError
from emr_desktop.syncclient.trust import use_system_trust

EXIT_ERROR = 2
EXIT_USAGE = 64


@dataclass
class Output:
    """Where results go: human text (Vietnamese first) or one JSON document."""

    as_json: bool

    def emit(self, data: Any, text: str) -> None:
        if self.as_json:
            print(json.dumps(to_plain(data), ensure_ascii=False, indent=2))
        else:
            print(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"Lỗi cú pháp / Usage error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def read_password(variable: str, prompt: str) -> str:
    """A password from the environment variable, else one line of standard input."""
    value = os.environ.get(variable)
    if value:
        return value
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise EmrError(
            f"Thiếu mật khẩu: đặt biến {variable} hoặc nhập qua stdin",
            f"No password: set {variable} or give it on standard input",
        )
    return line.rstrip("\r\n")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày phải có dạng YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    # The global options are accepted before and after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="thư mục dữ liệu / data directory (or EMR_DATA_DIR)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    common.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS, help="log to stderr"
    )
    parser = _Parser(
        prog="emr-admin", description="EMR Desktop — quản trị / administration", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(
        name: str, func: Callable[..., None], *, user: bool = True, parent: Any = sub, **kw: Any
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, parents=[common], **kw)
        p.set_defaults(func=func, needs_user=user)
        if user:
            p.add_argument("--user", required=True, help="tên đăng nhập / username")
        return p

    p = command("init", commands.init, user=False, help="tạo kho dữ liệu mới / new store")
    p.add_argument("--facility", help="mã cơ sở KCB (5 ký tự); không dùng với --server")
    p.add_argument("--facility-name")
    p.add_argument(
        "--admin",
        help="tên đăng nhập quản trị viên của máy; với --server có thể bỏ khi máy chủ đã có "
        "quản trị viên / this PC's administrator; optional with --server when the server "
        "has an administrator account",
    )
    p.add_argument("--admin-full-name", default="Quản trị viên")
    p.add_argument("--device-number", type=int, default=1)
    p.add_argument(
        "--server", help="gia nhập cơ sở trên máy chủ / join the facility on this server URL"
    )
    p.add_argument("--code", help="mã đăng ký một lần (với --server) / one-time enroll code")
    p.add_argument("--device-name", help="tên máy (với --server) / device name")

    users = sub.add_parser("user", help="tài khoản / accounts").add_subparsers(
        dest="user_command", required=True, parser_class=_Parser
    )
    p = command("add", commands.user_add, parent=users)
    p.add_argument("username")
    p.add_argument(
        "--role", required=True, choices=["registrar", "nurse", "doctor", "pharmacist", "admin"]
    )
    p.add_argument("--full-name", required=True)
    p.add_argument("--practitioner-code")

    facility = sub.add_parser(
        "facility", help="cơ sở, tiêu đề giấy tờ in / facility, letterhead"
    ).add_subparsers(dest="facility_command", required=True, parser_class=_Parser)
    command("show", commands.facility_show, parent=facility, help="xem tiêu đề / show")
    p = command("set", commands.facility_set, parent=facility, help="đặt tiêu đề / set")
    p.add_argument(
        "--parent-name",
        help="cơ quan chủ quản / governing body, ví dụ 'SỞ Y TẾ TỈNH HÀ NAM' ('' xóa / clears)",
    )
    p.add_argument("--address", help="địa chỉ / address ('' xóa / clears)")
    p.add_argument("--phone", help="số điện thoại / phone ('' xóa / clears)")
    logo = p.add_mutually_exclusive_group()
    logo.add_argument("--logo", type=Path, help="ảnh PNG/JPEG ≤ 256 KB / PNG or JPEG image")
    logo.add_argument("--no-logo", action="store_true", help="bỏ logo / remove the logo")

    patients = sub.add_parser("patient", help="bệnh nhân / patients").add_subparsers(
        dest="patient_command", required=True, parser_class=_Parser
    )
    p = command("add", commands.patient_add, parent=patients)
    p.add_argument("--full-name", required=True)
    p.add_argument("--sex", required=True, choices=["male", "female", "other"])
    p.add_argument("--dob", help="YYYY-MM-DD hoặc YYYY")
    p.add_argument("--cccd")
    p.add_argument("--cmnd")
    p.add_argument("--bhyt")
    p.add_argument("--bhyt-from", type=_parse_date)
    p.add_argument("--bhyt-to", type=_parse_date)
    p.add_argument("--phone", action="append", default=[])
    p.add_argument("--address")
    p.add_argument("--guardian")
    p.add_argument("--mother", help="id hoặc mã BN của mẹ (trẻ sơ sinh)")
    p = command("from-qr", commands.patient_from_qr, parent=patients)
    p.add_argument("payload", help="nội dung mã QR trên CCCD gắn chip")
    p.add_argument("--phone", action="append", default=[])
    p.add_argument("--bhyt")
    p.add_argument("--dry-run", action="store_true", help="chỉ đọc mã, không lưu")
    p = command("search", commands.patient_search, parent=patients)
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p = command("show", commands.patient_show, parent=patients)
    p.add_argument("patient", help="id hoặc mã bệnh nhân")
    p = command("update", commands.patient_update, parent=patients)
    p.add_argument("patient")
    p.add_argument("--full-name")
    p.add_argument("--sex", choices=["male", "female", "other"])
    p.add_argument("--dob")
    p.add_argument("--cccd")
    p.add_argument("--bhyt")
    p.add_argument("--phone", action="append")
    p.add_argument("--address")

    p = command("duplicates", commands.patient_duplicates, parent=patients)
    p.add_argument("patient")
    p = command("merge", commands.patient_merge, parent=patients)
    p.add_argument("survivor", help="hồ sơ giữ lại / chart that stays")
    p.add_argument("replaced", help="hồ sơ gộp vào / chart merged into it")
    p.add_argument("--reason", required=True)
    p = command("unmerge", commands.patient_unmerge, parent=patients)
    p.add_argument("link", help="mã lần gộp / merge link id")

    conflicts = sub.add_parser("conflicts", help="xung đột / conflicts").add_subparsers(
        dest="conflicts_command", required=True, parser_class=_Parser
    )
    command("list", commands.conflicts_list, parent=conflicts)
    p = command("resolve", commands.conflicts_resolve, parent=conflicts)
    p.add_argument("conflict", type=int)
    p.add_argument("--keep", required=True, choices=["winner", "other"])

    p = command("chart", commands.chart, help="xem bệnh án / open a chart")
    p.add_argument("patient")

    encounters = sub.add_parser("encounter", help="lượt khám / encounters").add_subparsers(
        dest="encounter_command", required=True, parser_class=_Parser
    )
    p = command("start", commands.encounter_start, parent=encounters)
    p.add_argument("patient")
    p.add_argument("--kind", required=True, choices=["outpatient", "inpatient", "emergency"])
    p.add_argument("--reason")
    p.add_argument("--department")
    p.add_argument("--bed")
    p = command("transfer", commands.encounter_transfer, parent=encounters)
    p.add_argument("encounter")
    p.add_argument("--department", required=True)
    p.add_argument("--bed")
    p = command("discharge", commands.encounter_discharge, parent=encounters)
    p.add_argument("encounter")
    p.add_argument("--result", required=True, help="KET_QUA_DTRI 1–8")
    p.add_argument("--discharge-type", default="1", help="MA_LOAI_RV 1–5")

    def event_command(name: str, func: Callable[..., None], help_text: str) -> Any:
        ep = command(name, func, help=help_text)
        ep.add_argument("patient")
        ep.add_argument("--encounter")
        ep.add_argument("--sign", action="store_true", help="ký ngay (xác nhận bằng mật khẩu)")
        return ep

    p = event_command("vitals", commands.vitals, "dấu hiệu sinh tồn / vital signs")
    for flag in ("temperature", "pulse", "respiratory-rate", "spo2", "weight", "height", "glucose"):
        p.add_argument(f"--{flag}")
    p.add_argument("--bp", help="huyết áp, ví dụ 120/80")
    p = event_command("note", commands.note, "ghi chép / clinical note")
    p.add_argument(
        "--type",
        default="progress",
        choices=[
            "progress",
            "admission",
            "daily_treatment",
            "discharge_summary",
            "consultation",
            "nursing",
        ],
    )
    p.add_argument("--text", required=True)
    p.add_argument("--orders", help="y lệnh (tờ điều trị)")
    p = event_command("diagnosis", commands.diagnosis, "chẩn đoán ICD-10 / diagnosis")
    p.add_argument("--icd10", required=True)
    p.add_argument("--rank", default="primary", choices=["primary", "secondary"])
    p.add_argument("--description")
    p = event_command("order", commands.order, "chỉ định / order")
    p.add_argument("--category", required=True, choices=["lab", "imaging", "procedure"])
    p.add_argument("--service", required=True, help="mã dịch vụ trong danh mục")
    p.add_argument("--priority", default="routine", choices=["routine", "urgent", "stat"])
    p.add_argument("--indication")
    p = event_command("result", commands.result, "kết quả xét nghiệm / lab result")
    p.add_argument("--test", required=True, help="mã xét nghiệm")
    p.add_argument("--value", required=True)
    p.add_argument("--order-id")
    p = event_command("imaging-report", commands.imaging_report, "kết quả CĐHA")
    p.add_argument("--service", required=True)
    p.add_argument("--findings", required=True)
    p.add_argument("--conclusion", required=True)
    p.add_argument("--order-id")
    p = event_command("prescription", commands.prescription, "đơn thuốc / prescription")
    p.add_argument(
        "--item",
        action="append",
        required=True,
        help="MÃ_THUỐC:SỐ_LƯỢNG:SỐ_NGÀY:cách dùng, ví dụ T0001:20:5:1 viên x 2 lần/ngày",
    )
    p.add_argument("--advice")
    p.add_argument("--diagnosis", action="append", default=[], help="mã ICD-10")
    p = event_command("medication-order", commands.medication_order, "y lệnh thuốc nội trú")
    p.add_argument("--drug", required=True)
    p.add_argument("--dose", required=True)
    p.add_argument("--dose-unit", required=True)
    p.add_argument("--route", required=True)
    p.add_argument("--times", default="", help="giờ dùng, ví dụ 08:00,20:00")
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--start", type=_parse_date)
    p.add_argument("--as-needed", action="store_true")
    p = event_command("administration", commands.administration, "thực hiện thuốc")
    p.add_argument("--order-id", required=True)
    p.add_argument("--outcome", required=True, choices=["given", "held", "refused", "missed"])
    p.add_argument("--dose")
    p.add_argument("--dose-unit")
    p.add_argument("--route")
    p.add_argument("--reason")
    p.add_argument("--scheduled-for")
    p.add_argument("--wristband-scanned", action="store_true")

    p = command("allergy", commands.allergy, help="dị ứng / allergy")
    p.add_argument("patient")
    p.add_argument("--substance", required=True)
    p.add_argument("--reaction")
    p.add_argument("--severity", default="moderate", choices=["mild", "moderate", "severe"])
    p = command("sign", commands.sign, help="ký bản ghi / sign a record")
    p.add_argument("event")
    p = command("entered-in-error", commands.entered_in_error, help="đánh dấu nhập nhầm")
    p.add_argument("event")
    p.add_argument("--reason", required=True)

    p = command("seed-demo", commands.seed_demo, help="dữ liệu mẫu / demo data")
    p.add_argument("--patients", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)

    audit = sub.add_parser("audit", help="nhật ký / audit log").add_subparsers(
        dest="audit_command", required=True, parser_class=_Parser
    )
    command("verify", commands.audit_verify, parent=audit)
    p = command("backup", commands.backup, help="sao lưu mã hóa / encrypted backup")
    p.add_argument("file", type=Path)
    p = command("restore", commands.restore, user=False, help="khôi phục từ bản sao lưu")
    p.add_argument("file", type=Path)
    p.add_argument("--recovery-key")
    p = command("recover", commands.recover, user=False, help="khôi phục khóa / recover key")
    p.add_argument("--recovery-key", required=True)

    p = command("enroll", commands.enroll, help="đăng ký máy với máy chủ / enroll this PC")
    p.add_argument("--server", required=True, help="địa chỉ máy chủ / server URL")
    p.add_argument("--code", required=True, help="mã đăng ký một lần / one-time code")
    p.add_argument(
        "--device-name",
        help="tên máy, ví dụ 'Khoa Nội 1' (mặc định: tên máy tính) / device name "
        "(default: the computer's name)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="đăng ký lại máy đã đăng ký (ổ đĩa chuyển sang máy mới, kho khóa bị xóa); mã "
        "thiết bị cũ hết hiệu lực / enroll again a PC the server knows (disk moved to a new "
        "PC, keyring wiped); the old credential stops working",
    )
    p = command("sync", commands.sync, user=False, help="đồng bộ với máy chủ / sync")
    p.add_argument("--once", action="store_true", help="đồng bộ một lần rồi thoát / sync once")
    p.add_argument(
        "--interval", type=float, default=60.0, help="giây giữa hai lần / seconds between runs"
    )

    imaging = sub.add_parser("imaging", help="ảnh DICOM / imaging").add_subparsers(
        dest="imaging_command", required=True, parser_class=_Parser
    )
    p = command(
        "import",
        commands.imaging_import,
        parent=imaging,
        help="nhập ảnh từ tệp, thư mục, đĩa (DICOMDIR) / import DICOM files, folders, media",
    )
    p.add_argument("paths", nargs="+", help="tệp, thư mục hoặc DICOMDIR / files, folders")
    p.add_argument("--patient", help="id hoặc mã bệnh nhân (mặc định: tự tìm) / chart")
    p.add_argument("--order", help="chỉ định CĐHA mà ca chụp trả lời / the imaging order")
    p.add_argument("--yes", action="store_true", help="nhập thật (mặc định chỉ xem) / import")
    p.add_argument(
        "--accept-mismatch",
        action="store_true",
        help="xác nhận nhập dù thông tin trên ảnh khác hồ sơ / confirm a differing identity",
    )
    p.add_argument(
        "--skip-corrupt",
        action="store_true",
        help="nhập các tệp tốt của ca chụp có tệp hỏng / import the good files of a study",
    )
    p = command("studies", commands.imaging_studies, parent=imaging, help="ca chụp / studies")
    p.add_argument("patient", help="id hoặc mã bệnh nhân")
    pacs_commands.add_imaging_commands(imaging, command)

    catalogs = sub.add_parser("catalog", help="danh mục / catalogues").add_subparsers(
        dest="catalog_command", required=True, parser_class=_Parser
    )
    p = command("import", commands.catalog_import, parent=catalogs)
    p.add_argument("kind", choices=["icd10", "drugs", "lab_tests", "imaging", "procedures"])
    p.add_argument("file", type=Path)
    exports = sub.add_parser(
        "export", help="xuất hồ sơ theo chuẩn trao đổi / export in an exchange format"
    ).add_subparsers(dest="export_command", required=True, parser_class=_Parser)
    p = command(
        "fhir",
        commands.export_fhir,
        parent=exports,
        help="toàn bộ hồ sơ thành FHIR R4 Bundle (JSON) / the whole chart as a FHIR R4 Bundle",
    )
    p.add_argument("patient", help="id hoặc mã bệnh nhân")
    p.add_argument(
        "--out",
        type=Path,
        help="ghi ra tệp (mặc định: in ra màn hình) / write to a file (default: standard output)",
    )
    hsba_commands.add_export_command(exports, command)
    claim_commands.add_commands(exports, command)
    pacs_commands.add_commands(sub, command, _Parser)
    eprescription_commands.add_commands(sub, command, _Parser)
    fhir_import_commands.add_commands(sub, command, _Parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `emr-admin`."""
    use_system_trust()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.json = getattr(args, "json", False)
    args.verbose = getattr(args, "verbose", False)
    args.data_dir = getattr(args, "data_dir", None) or os.environ.get("EMR_DATA_DIR")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    out = Output(as_json=args.json)
    if args.data_dir is None:
        print(
            "Lỗi cú pháp / Usage error: cần --data-dir (hoặc EMR_DATA_DIR) / "
            "--data-dir is required",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args.data_dir = Path(args.data_dir)
    try:
        commands.run(args, out)
    except EmrError as exc:
        if args.json:
            print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"Lỗi: {exc.message_vi}\nError: {exc.message_en}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
