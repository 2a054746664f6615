"""`emr-sync-server`: run the sync server and administer it.

    emr-sync-server serve --data-dir /srv/emr-sync --certfile cert.pem --keyfile key.pem
    emr-sync-server facility add 70001 "Trung tâm Y tế huyện X"
    emr-sync-server user add bs.an --facility 70001 --role doctor --full-name "Nguyễn Văn An"
    emr-sync-server user duplicates | user rename USER_ID NEW_USERNAME
    emr-sync-server enroll-code --facility 70001
    emr-sync-server devices list | devices revoke ID | status
    emr-sync-server migrate            # bring the schema to this version's (also done by serve)
    emr-sync-server audit verify [--facility 70001]   # the PCs' audit chains (exit 1: broken)
    emr-sync-server audit show --patient-id ID        # who did what to a chart

Every command takes --data-dir / --database-url (or EMR_SYNC_DATA_DIR /
EMR_SYNC_DATABASE_URL) and --json. `serve --min-client-version` (or
EMR_SYNC_MIN_CLIENT_VERSION) refuses PCs older than that version (`emr_sync.versions`).
Errors go to stderr in Vietnamese and English.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from emr_desktop import __version__
from emr_desktop.core.errors import EmrError
from emr_sync import admin, audit
from emr_sync.db import open_database
from emr_sync.errors import ApiError
from emr_sync.settings import DEFAULT_PORT, Settings

DATA_DIR_ENV = "EMR_SYNC_DATA_DIR"
DATABASE_URL_ENV = "EMR_SYNC_DATABASE_URL"
MIN_CLIENT_VERSION_ENV = "EMR_SYNC_MIN_CLIENT_VERSION"
PASSWORD_ENV = "EMR_NEW_PASSWORD"  # noqa: S105 - the name of a variable


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="thư mục dữ liệu / data directory")
    common.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in data dir)")
    common.add_argument("--json", action="store_true", help="JSON output")

    parser = argparse.ArgumentParser(
        prog="emr-sync-server", description="EMR Desktop central sync server"
    )
    parser.add_argument("--version", action="version", version=f"emr-sync-server {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--certfile", type=Path, help="TLS certificate (PEM)")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument(
        "--min-client-version",
        help=f"phiên bản PC tối thiểu / oldest PC version accepted ({MIN_CLIENT_VERSION_ENV})",
    )

    sub.add_parser("migrate", parents=[common], help="apply the schema migrations and exit")

    fac = sub.add_parser("facility", help="facilities").add_subparsers(dest="action", required=True)
    fac_add = fac.add_parser("add", parents=[common], help="register a facility")
    fac_add.add_argument("code")
    fac_add.add_argument("name")

    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="action", required=True
    )
    user_add = user.add_parser(
        "add", parents=[common], help=f"add a user (password from {PASSWORD_ENV} or stdin)"
    )
    user_add.add_argument("username")
    user_add.add_argument("--facility", required=True)
    user_add.add_argument("--role", required=True)
    user_add.add_argument("--full-name", required=True)
    user_rename = user.add_parser(
        "rename", parents=[common], help="give an account a new username (synced to the PCs)"
    )
    user_rename.add_argument("id")
    user_rename.add_argument("new_username")
    user.add_parser(
        "duplicates", parents=[common], help="usernames shared by several accounts of a facility"
    )

    code = sub.add_parser("enroll-code", parents=[common], help="make a one-time enroll code")
    code.add_argument("--facility", required=True)

    devices = sub.add_parser("devices", help="enrolled devices").add_subparsers(
        dest="action", required=True
    )
    devices.add_parser("list", parents=[common])
    revoke = devices.add_parser("revoke", parents=[common])
    revoke.add_argument("id")

    sub.add_parser("status", parents=[common], help="facilities, sequences, conflicts")

    trail = sub.add_parser("audit", help="the PCs' audit logs").add_subparsers(
        dest="action", required=True
    )
    verify = trail.add_parser(
        "verify", parents=[common], help="check every device's chain; name the first broken link"
    )
    verify.add_argument("--facility", help="mã cơ sở / facility code")
    show = trail.add_parser("show", parents=[common], help="who did what to a chart")
    show.add_argument("--patient-id", required=True)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    data_dir = args.data_dir or Path(os.environ.get(DATA_DIR_ENV) or Path.home() / "emr-sync")
    url = args.database_url or os.environ.get(DATABASE_URL_ENV, "")
    extra: dict[str, Any] = {}
    if args.command == "serve":
        extra = {
            "host": args.host,
            "port": args.port,
            "tls_certfile": args.certfile,
            "tls_keyfile": args.keyfile,
            "min_client_version": args.min_client_version
            or os.environ.get(MIN_CLIENT_VERSION_ENV, ""),
        }
        if (args.certfile is None) != (args.keyfile is None):
            raise ApiError(
                2,
                "usage",
                "--certfile và --keyfile phải đi cùng nhau",
                "--certfile and --keyfile go together",
            )
    try:
        return Settings(data_dir=data_dir, database_url=url, **extra)
    except ValueError as exc:  # the only setting left that Settings itself refuses
        wanted = extra.get("min_client_version")
        raise ApiError(
            2,
            "usage",
            f"--min-client-version phải là số phiên bản PEP 440: {wanted!r}",
            f"--min-client-version must be a PEP 440 version: {wanted!r}",
            field="min_client_version",
        ) from exc


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu / Password: ")
        if getpass.getpass("Nhập lại / Repeat: ") != first:
            raise ApiError(
                1, "password_mismatch", "Hai mật khẩu không khớp", "The passwords do not match"
            )
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _serve(settings: Settings) -> None:
    import uvicorn

    from emr_sync.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(settings.tls_certfile) if settings.tls_certfile else None,
        ssl_keyfile=str(settings.tls_keyfile) if settings.tls_keyfile else None,
        proxy_headers=True,
    )


def _schema_revision(engine: Engine) -> dict[str, Any]:
    """What `migrate` reports: the schema revision now in the database, and this version."""
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"revision": revision, "version": __version__}


def _run(args: argparse.Namespace, engine: Engine) -> Any:
    command = args.command
    if command == "migrate":
        return _schema_revision(engine)
    if command == "facility":
        return admin.add_facility(engine, args.code, args.name)
    if command == "user" and args.action == "rename":
        return admin.rename_user(engine, args.id, args.new_username)
    if command == "user" and args.action == "duplicates":
        return admin.duplicate_usernames(engine)
    if command == "user":
        return admin.add_user(
            engine,
            facility_code=args.facility,
            username=args.username,
            role=args.role,
            full_name=args.full_name,
            password=_read_password(),
        )
    if command == "enroll-code":
        return admin.make_enroll_code(engine, args.facility, _settings(args).enroll_code_ttl)
    if command == "devices" and args.action == "list":
        return admin.list_devices(engine)
    if command == "devices":
        return admin.revoke_device(engine, args.id)
    if command == "audit" and args.action == "verify":
        return audit.verify(engine, args.facility)
    if command == "audit":
        return audit.patient_trail(engine, args.patient_id)
    return admin.status(engine)


def _print_human(command: str, result: Any) -> None:
    if command == "enroll-code":
        print(result["code"])
        print(f"Hết hạn / expires: {result['expires_at']}", file=sys.stderr)
    elif command == "devices" and isinstance(result, list):
        for d in result:
            state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
            print(f"{d['id']}\t{d['facility']}\t#{d['device_number']}\t{d['name']}\t{state}")
    elif command == "user" and isinstance(result, list):
        for dup in result:
            for a in dup["accounts"]:
                state = "active" if a["active"] else "inactive"
                print(f"{dup['facility']}\t{a['username']}\t{a['id']}\t{a['role']}\t{state}")
    elif command == "status":
        for f in result["facilities"]:
            print(
                f"{f['code']}\t{f['name']}\tseq {f['last_seq']}\tdevices {f['devices']}"
                f" (+{f['revoked_devices']} revoked)\topen conflicts {f['open_conflicts']}"
            )
            if f["duplicate_usernames"]:
                print(
                    f"{f['code']}\tcảnh báo / warning: {f['duplicate_usernames']} tên đăng nhập"
                    " dùng chung / shared usernames: emr-sync-server user duplicates",
                    file=sys.stderr,
                )
    elif command == "audit" and isinstance(result, list):
        for row in result:
            who = row["username"] or row["user_id"] or "-"
            print(f"{row['at']}\t{row['device_name'] or row['device_id']}\t{who}\t{row['action']}")
    elif command == "audit":
        _print_audit_verify(result)
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items()))


def _print_audit_verify(result: dict[str, Any]) -> None:
    for d in result["devices"]:
        broken = d["first_broken"]
        state = "ok"
        if broken is not None:
            state = (
                f"HỎNG / BROKEN branch {broken['branch']} row {broken['seq']} "
                f"({broken['row_id']}): {broken['reason_vi']} / {broken['reason_en']}"
            )
        print(f"{d['facility']}\t{d['device_id']}\t{d['name']}\t{d['rows']} rows\t{state}")
    for f in result["forks"]:
        print(
            f"rẽ nhánh sau khôi phục / fork after a restore: {f['device_id']} branch "
            f"{f['branch']} continues row {f['fork_seq']} ({f['received_at']})"
        )
    print(
        f"Nhật ký nguyên vẹn / Audit logs intact: {result['rows']} dòng/rows"
        if result["ok"]
        else "NHẬT KÝ BỊ SỬA / AUDIT LOG BROKEN",
        file=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `emr-sync-server`; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command == "serve":
            _serve(settings)
            return 0
        engine = open_database(settings.database_url)
        try:
            result = _run(args, engine)
        finally:
            engine.dispose()
    except (ApiError, EmrError) as exc:
        return _fail(args, exc.code, exc.message_vi, exc.message_en)
    except SQLAlchemyError as exc:
        return _fail(
            args,
            "database",
            f"Không mở được cơ sở dữ liệu: {type(exc).__name__}",
            f"The database cannot be used: {exc}",
        )
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_human(args.command, result)
    broken = args.command == "audit" and isinstance(result, dict) and not result["ok"]
    return 1 if broken else 0


def _fail(args: argparse.Namespace, code: str, vi: str, en: str) -> int:
    if args.json:
        error = {"code": code, "message_vi": vi, "message_en": en}
        print(json.dumps({"error": error}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"Lỗi: {vi}\nError: {en}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
