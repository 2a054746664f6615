"""Administration: facilities, staff accounts, enrollment codes and devices.

Used by the CLI, by `/v1/enroll` and by the device authentication of every request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.errors import EmrError
from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.records import User
from emr_desktop.core.text import username_key
from emr_sync.db import (
    conflict,
    device,
    enroll_code,
    facility,
    now_iso,
    op_log,
    read_transaction,
    record_state,
    write_transaction,
)
from emr_sync.errors import ApiError, forbidden, not_found
from emr_sync.ingest import (
    SERVER_DEVICE_ID,
    DeviceIdentity,
    append_server_op,
    records_of_kind,
)
from emr_sync.settings import DEFAULT_ENROLL_CODE_TTL

log = logging.getLogger(__name__)

# Unambiguous when read aloud or typed: no 0/O, 1/I/L.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
_MAX_DEVICES = 9999


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _facility_row(conn: Any, code: str) -> Any:
    row = conn.execute(select(facility).where(facility.c.code == code.strip().upper())).first()
    if row is None:
        raise not_found(
            "unknown_facility",
            f"Không có cơ sở mã {code} trên máy chủ",
            f"No facility with code {code} on this server",
        )
    return row


def add_facility(engine: Engine, code: str, name: str) -> dict[str, Any]:
    """Register a facility by its 5-character MoH code; its id is `facility_id_for(code)`."""
    code = code.strip().upper()
    if not (len(code) == 5 and code.isalnum()):
        raise ApiError(
            422,
            "validation",
            "Mã cơ sở gồm đúng 5 chữ cái hoặc chữ số",
            "A facility code is exactly 5 letters or digits",
            field="code",
        )
    if not name.strip():
        raise ApiError(
            422, "validation", "Cần tên cơ sở", "The facility needs a name", field="name"
        )
    with write_transaction(engine) as conn:
        if conn.execute(select(facility.c.id).where(facility.c.code == code)).first():
            raise ApiError(
                409,
                "facility_exists",
                f"Cơ sở {code} đã có",
                f"The facility {code} already exists",
            )
        record = {
            "id": facility_id_for(code),
            "code": code,
            "name": name.strip(),
            "last_seq": 0,
            "created_at": now_iso(),
        }
        conn.execute(facility.insert().values(**record))
    log.info("facility %s added", code)
    return {"id": record["id"], "code": code, "name": record["name"]}


def hash_password(password: str) -> str:
    """An argon2id hash, the form PCs verify at offline login."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def _live_users(conn: Any, facility_id: str) -> list[dict[str, Any]]:
    """The facility's accounts as merged on the server, deleted ones left out."""
    return [
        u
        for u in records_of_kind(conn, facility_id, "user")
        if u.get("username") and not u.get("deleted_at")
    ]


def add_user(
    engine: Engine,
    *,
    facility_code: str,
    username: str,
    role: str,
    full_name: str,
    password: str,
) -> dict[str, Any]:
    """Create a staff account as a "user" op from device "server"; the PCs pull it.

    The username must be free among the facility's accounts the server knows, compared by
    `username_key`: PCs log in by that key, and a shared name leaves the password to tell
    the accounts apart (see `emr_desktop.services.auth.login`).
    """
    if len(password) < 8:
        raise ApiError(
            422,
            "validation",
            "Mật khẩu cần ít nhất 8 ký tự",
            "A password needs at least 8 characters",
            field="password",
        )
    with write_transaction(engine) as conn:
        row = _facility_row(conn, facility_code)
        try:
            user = User(
                id=new_id(),
                facility_id=row.id,
                created_at=datetime.now(UTC),
                created_by=SERVER_DEVICE_ID,
                device_id=SERVER_DEVICE_ID,
                username=username,
                full_name=full_name,
                role=role,
                password_hash=hash_password(password),
            )
        except EmrError as exc:
            field = getattr(exc, "field", None)
            raise ApiError(422, exc.code, exc.message_vi, exc.message_en, field=field) from exc
        key = username_key(user.username)
        if any(username_key(u["username"]) == key for u in _live_users(conn, row.id)):
            raise ApiError(
                409,
                "user_exists",
                f"Tên đăng nhập {user.username} đã có trong cơ sở (không phân biệt chữ hoa, "
                "chữ thường)",
                f"The username {user.username} is taken in the facility (case does not matter)",
                field="username",
            )
        fields: dict[str, Any] = to_plain(user)
        append_server_op(conn, facility_id=row.id, kind=User.KIND, record_id=user.id, fields=fields)
    log.info("user %s added to facility %s", user.id, row.code)
    return {"id": user.id, "username": user.username, "role": user.role, "facility": row.code}


def duplicate_usernames(engine: Engine) -> list[dict[str, Any]]:
    """Usernames shared by several accounts of one facility (compared by `username_key`),
    with those accounts: made on different PCs offline, before names were checked. Such
    a name logs in only by a password that opens one of its accounts; rename all but one
    (`rename_user`)."""
    with read_transaction(engine) as conn:
        facilities = conn.execute(select(facility.c.id, facility.c.code)).all()
        found = []
        for fac in sorted(facilities, key=lambda f: f.code):
            by_key: dict[str, list[dict[str, Any]]] = {}
            for user in _live_users(conn, fac.id):
                by_key.setdefault(username_key(user["username"]), []).append(user)
            for key, users in sorted(by_key.items()):
                if len(users) > 1:
                    accounts = [_account(u) for u in users]
                    found.append({"facility": fac.code, "username": key, "accounts": accounts})
    return found


def _shared_names(conn: Any, facility_id: str) -> int:
    """How many usernames of a facility belong to several accounts."""
    keys = [username_key(u["username"]) for u in _live_users(conn, facility_id)]
    return len({k for k in keys if keys.count(k) > 1})


def _account(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "username": user["username"],
        "role": user.get("role"),
        "full_name": user.get("full_name"),
        "active": user.get("active", True),
        "device_id": user.get("device_id"),
    }


def rename_user(engine: Engine, user_id: str, new_username: str) -> dict[str, Any]:
    """Give an account a new username, as a "user" op from device "server" that changes
    that field only: the PCs pull it like any edit of the account (its password and role
    stay). The new name must be valid and free in the facility (`username_key`)."""
    with write_transaction(engine) as conn:
        row = conn.execute(
            select(record_state.c.facility_id, record_state.c["values"]).where(
                record_state.c.kind == User.KIND, record_state.c.record_id == user_id
            )
        ).first()
        if row is None:
            raise not_found(
                "unknown_user", f"Không có tài khoản {user_id}", f"No account {user_id}"
            )
        values = json.loads(row[1])
        try:
            renamed = dataclasses.replace(from_plain(User, values), username=new_username.strip())
        except EmrError as exc:
            field = getattr(exc, "field", None)
            raise ApiError(422, exc.code, exc.message_vi, exc.message_en, field=field) from exc
        key = username_key(renamed.username)
        if any(
            username_key(u["username"]) == key and u["id"] != user_id
            for u in _live_users(conn, row.facility_id)
        ):
            raise ApiError(
                409,
                "user_exists",
                f"Tên đăng nhập {renamed.username} đã có trong cơ sở",
                f"The username {renamed.username} is taken in the facility",
                field="username",
            )
        append_server_op(
            conn,
            facility_id=row.facility_id,
            kind=User.KIND,
            record_id=user_id,
            fields={"username": renamed.username},
        )
    log.info("user %s renamed", user_id)
    return {"id": user_id, "old_username": values.get("username"), "username": renamed.username}


def make_enroll_code(
    engine: Engine, facility_code: str, ttl: timedelta = DEFAULT_ENROLL_CODE_TTL
) -> dict[str, Any]:
    """A new one-time enrollment code for a facility; only its hash is stored."""
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    expires = datetime.now(UTC) + ttl
    with write_transaction(engine) as conn:
        row = _facility_row(conn, facility_code)
        conn.execute(
            enroll_code.insert().values(
                code_hash=_sha256(code),
                facility_id=row.id,
                expires_at=expires.isoformat(timespec="microseconds"),
            )
        )
    shown = "-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4))
    return {"code": shown, "facility": row.code, "expires_at": expires.isoformat()}


def enroll(
    engine: Engine, *, code: str, device_id: str, device_name: str, replace: bool = False
) -> dict[str, Any]:
    """Use a one-time code to enroll a device; returns the `/v1/enroll` answer.

    A device id the server knows already is enrolled again only with `replace` (the disk of
    an enrolled PC moved to a new PC, or a PC whose keyring was wiped): it keeps its number
    and facility, gets a new credential, and the old credential stops working (a revoked
    device is re-admitted: its replacement is deliberate). Without `replace` it is refused
    and the code stays unused, because the usual way to get there by mistake is a disk
    cloned from an enrolled PC: the copy would take over that PC's identity and the two
    would never see each other's changes (a PC is never sent its own ops). `replace` for a
    device the server does not know is refused too: there is nothing to replace.
    """
    secret = secrets.token_urlsafe(32)
    credential_hash = _sha256(secret)
    now = now_iso()
    with write_transaction(engine) as conn:
        row = conn.execute(
            select(enroll_code).where(enroll_code.c.code_hash == _sha256(_normalize_code(code)))
        ).first()
        if row is None:
            raise forbidden(
                "enroll_code_unknown",
                "Mã đăng ký không đúng",
                "The enrollment code is not valid",
                "code",
            )
        if row.used_at is not None:
            raise forbidden(
                "enroll_code_used",
                "Mã đăng ký đã được dùng",
                "The enrollment code has already been used",
                "code",
            )
        if datetime.fromisoformat(row.expires_at) <= datetime.now(UTC):
            raise forbidden(
                "enroll_code_expired",
                "Mã đăng ký đã hết hạn",
                "The enrollment code has expired",
                "code",
            )
        conn.execute(
            enroll_code.update()
            .where(enroll_code.c.code_hash == row.code_hash)
            .values(used_at=now, used_by=device_id)
        )
        fac = conn.execute(select(facility).where(facility.c.id == row.facility_id)).one()
        existing = conn.execute(select(device).where(device.c.id == device_id)).first()
        _check_replacement(existing, fac.id, replace)
        if existing is not None:
            number = int(existing.device_number)
            conn.execute(
                device.update()
                .where(device.c.id == device_id)
                .values(
                    name=device_name,
                    credential_hash=credential_hash,
                    enrolled_at=now,
                    revoked_at=None,
                )
            )
        else:
            number = (
                conn.execute(
                    select(func.coalesce(func.max(device.c.device_number), 0)).where(
                        device.c.facility_id == fac.id
                    )
                ).scalar_one()
                + 1
            )
            if number > _MAX_DEVICES:
                raise ApiError(
                    409,
                    "too_many_devices",
                    "Cơ sở đã đủ số thiết bị tối đa",
                    "The facility has the maximum number of devices",
                )
            conn.execute(
                device.insert().values(
                    id=device_id,
                    facility_id=fac.id,
                    name=device_name,
                    device_number=number,
                    credential_hash=credential_hash,
                    enrolled_at=now,
                )
            )
    log.info(
        "device %s %s in facility %s as number %d",
        device_id,
        "re-enrolled (replacement)" if replace else "enrolled",
        fac.code,
        number,
    )
    return {
        "device_id": device_id,
        "device_number": number,
        "facility_id": fac.id,
        "facility_code": fac.code,
        "facility_name": fac.name,
        "credential": f"{device_id}.{secret}",
    }


def _check_replacement(existing: Any, facility_id: str, replace: bool) -> None:
    """Refuse an enrollment that would take over, or claim to replace, the wrong device."""
    if existing is not None and existing.facility_id != facility_id:
        raise ApiError(
            409,
            "device_other_facility",
            "Thiết bị này đã đăng ký với cơ sở khác",
            "This device is enrolled with another facility",
            field="device_id",
        )
    if existing is not None and not replace:
        number = int(existing.device_number)
        raise ApiError(
            409,
            "device_already_enrolled",
            f"Máy này đã được đăng ký với máy chủ (máy số {number}). Nếu ổ đĩa của máy cũ "
            "được chuyển sang máy này, hoặc kho khóa của máy bị xóa, đăng ký lại với tùy "
            "chọn thay thế (--replace): máy cũ sẽ không đồng bộ được nữa. Nếu ổ đĩa được sao "
            "chép từ một máy đang dùng, đừng thay thế: khởi tạo kho dữ liệu mới. Mã đăng ký "
            "chưa bị dùng.",
            f"This PC is already enrolled with the server (device {number}). If the old "
            "PC's disk was moved to this PC, or its keyring was wiped, enroll again as a "
            "replacement (--replace): the old PC will no longer sync. If the disk was copied "
            "from a PC in use, do not replace it: initialise a new store. The code is still "
            "unused.",
            field="device_id",
        )
    if existing is None and replace:
        raise ApiError(
            409,
            "device_not_enrolled",
            "Máy chủ không có thiết bị này nên không có gì để thay thế; đăng ký không có "
            "--replace. Mã đăng ký chưa bị dùng.",
            "The server has no such device, so there is nothing to replace; enroll without "
            "--replace. The code is still unused.",
            field="replace",
        )


def authenticate(engine: Engine, credential: str) -> DeviceIdentity:
    """The device a `<device_id>.<secret>` credential belongs to (401 unknown, 403 revoked)."""
    device_id, dot, secret = credential.partition(".")
    unknown = ApiError(
        401,
        "unauthenticated",
        "Thiết bị chưa đăng ký hoặc thông tin xác thực sai",
        "Unknown device or wrong credential",
    )
    if not dot or not device_id or not secret:
        raise unknown
    with read_transaction(engine) as conn:
        row = conn.execute(select(device).where(device.c.id == device_id)).first()
    if row is None or not hmac.compare_digest(row.credential_hash, _sha256(secret)):
        raise unknown
    if row.revoked_at is not None:
        raise forbidden(
            "device_revoked",
            "Thiết bị đã bị thu hồi quyền đồng bộ",
            "This device has been revoked",
        )
    return DeviceIdentity(row.id, row.facility_id, row.name, int(row.device_number))


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every enrolled device with its facility code."""
    with read_transaction(engine) as conn:
        rows = conn.execute(
            select(device, facility.c.code.label("facility_code"))
            .join(facility, facility.c.id == device.c.facility_id)
            .order_by(facility.c.code, device.c.device_number)
        ).all()
    return [
        {
            "id": r.id,
            "facility": r.facility_code,
            "name": r.name,
            "device_number": r.device_number,
            "enrolled_at": r.enrolled_at,
            "revoked_at": r.revoked_at,
        }
        for r in rows
    ]


def revoke_device(engine: Engine, device_id: str) -> dict[str, Any]:
    """Stop a device from syncing (lost or retired PC). Its ops already pushed stay."""
    with write_transaction(engine) as conn:
        row = conn.execute(select(device).where(device.c.id == device_id)).first()
        if row is None:
            raise not_found(
                "unknown_device",
                f"Không có thiết bị {device_id}",
                f"No device {device_id}",
            )
        revoked_at = row.revoked_at or now_iso()
        conn.execute(device.update().where(device.c.id == device_id).values(revoked_at=revoked_at))
    log.info("device %s revoked", device_id)
    return {"id": device_id, "revoked_at": revoked_at}


def status(engine: Engine) -> dict[str, Any]:
    """Per facility: sequence, op count, devices (active/revoked), open conflicts, and
    usernames shared by several accounts (`duplicate_usernames` lists them)."""
    with read_transaction(engine) as conn:
        facilities = conn.execute(select(facility).order_by(facility.c.code)).all()
        result = []
        for fac in facilities:
            devices = conn.execute(
                select(device.c.revoked_at).where(device.c.facility_id == fac.id)
            ).scalars()
            revoked = [r for r in devices if r is not None]
            total_devices = conn.execute(
                select(func.count()).select_from(device).where(device.c.facility_id == fac.id)
            ).scalar_one()
            ops = conn.execute(
                select(func.count()).select_from(op_log).where(op_log.c.facility_id == fac.id)
            ).scalar_one()
            open_conflicts = conn.execute(
                select(func.count())
                .select_from(conflict)
                .where(conflict.c.facility_id == fac.id, conflict.c.status == "open")
            ).scalar_one()
            result.append(
                {
                    "code": fac.code,
                    "name": fac.name,
                    "id": fac.id,
                    "last_seq": int(fac.last_seq),
                    "ops": int(ops),
                    "devices": int(total_devices) - len(revoked),
                    "revoked_devices": len(revoked),
                    "open_conflicts": int(open_conflicts),
                    "duplicate_usernames": _shared_names(conn, fac.id),
                }
            )
    return {"facilities": result}
