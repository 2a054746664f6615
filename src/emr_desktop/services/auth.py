"""Staff accounts, login, lockout and the logged-in session (DESIGN §5)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.permissions import Permission, require
from emr_desktop.core.records import User
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

# argon2id with OWASP's first recommended profile (19 MiB, 2 passes, 1 lane). A doctor
# confirms their password at every signature, on old PCs: this keeps that near 20 ms while
# an offline guess still costs 19 MiB of memory. Hashes record their own parameters, so
# raising these later still verifies old hashes.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@dataclass(frozen=True)
class Session:
    """The logged-in member of staff on whose behalf services act."""

    user_id: str
    username: str
    full_name: str
    role: str
    facility_id: str

    def require(self, permission: Permission) -> None:
        """Raise `PermissionDenied` unless this user's role allows `permission`."""
        require(self.role, permission)


def record_header(store: Store, session: Session) -> dict[str, Any]:
    """The fields every new record starts with: a new id, the user's facility, now, the
    logged-in user and this PC."""
    return {
        "id": new_id(),
        "facility_id": session.facility_id,
        "created_at": utc_now(),
        "created_by": session.user_id,
        "device_id": store.device_id,
    }


def hash_password(password: str) -> str:
    """An argon2id hash of a new password, after checking the password policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "password",
            "min_length",
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự",
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters",
        )
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _failure(uow: UnitOfWork, user_id: str, now: datetime) -> bool:
    """Count a failed login; True when the account is now locked."""
    row = uow.conn.exec_driver_sql(
        "SELECT failed_count FROM login_state WHERE user_id = ?", (user_id,)
    ).fetchone()
    count = (row[0] if row else 0) + 1
    locked_until = (now + LOCKOUT).isoformat() if count >= MAX_FAILURES else None
    uow.conn.exec_driver_sql(
        "INSERT INTO login_state(user_id, failed_count, locked_until) VALUES (?, ?, ?) "
        "ON CONFLICT(user_id) DO UPDATE SET failed_count = excluded.failed_count, "
        "locked_until = excluded.locked_until",
        (user_id, 0 if locked_until else count, locked_until),
    )
    return locked_until is not None


def _locked_until(uow: UnitOfWork, user_id: str, now: datetime) -> datetime | None:
    row = uow.conn.exec_driver_sql(
        "SELECT locked_until FROM login_state WHERE user_id = ?", (user_id,)
    ).fetchone()
    if row is None or row[0] is None:
        return None
    until = datetime.fromisoformat(row[0])
    return until if until > now else None


def login(store: Store, username: str, password: str) -> Session:
    """Check the password and open a session; five failures lock the account 15 minutes.

    Every success and failure is audited. The error never says whether the username exists.
    """
    now = utc_now()
    wrong = AuthenticationError("Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password")
    with store.unit_of_work(user_id=None) as uow:
        users = [u for u in uow.find(User, username=username) if u.deleted_at is None]
        user = users[0] if users else None
        if user is None or not user.active:
            uow.audit("login.failed", detail={"reason": "unknown_or_inactive"})
            uow.commit()
            raise wrong
        uow.user_id = user.id
        until = _locked_until(uow, user.id, now)
        if until is not None:
            uow.audit("login.refused_locked", target_kind="user", target_id=user.id)
            uow.commit()
            minutes = max(1, int((until - now).total_seconds() // 60) + 1)
            raise AuthenticationError(
                f"Tài khoản đang bị khóa do nhập sai mật khẩu nhiều lần; thử lại sau "
                f"{minutes} phút",
                f"The account is locked after repeated wrong passwords; try again in {minutes} min",
            )
        if not _password_matches(user.password_hash, password):
            locked = _failure(uow, user.id, now)
            uow.audit(
                "login.failed", target_kind="user", target_id=user.id, detail={"locked": locked}
            )
            uow.commit()
            raise wrong
        uow.conn.exec_driver_sql("DELETE FROM login_state WHERE user_id = ?", (user.id,))
        uow.audit("login", target_kind="user", target_id=user.id)
        uow.commit()
    log.info("user %s logged in", user.id)
    return Session(user.id, user.username, user.full_name, user.role, user.facility_id)


def confirm_password(uow: UnitOfWork, session: Session, password: str) -> User:
    """Re-check the logged-in user's password (before signing); counts toward lockout."""
    user = uow.get(User, session.user_id)
    now = utc_now()
    if _locked_until(uow, user.id, now) is not None or not _password_matches(
        user.password_hash, password
    ):
        raise AuthenticationError(
            "Mật khẩu xác nhận không đúng", "The confirmation password is wrong"
        )
    return user


def add_user(
    store: Store,
    session: Session,
    *,
    username: str,
    role: str,
    full_name: str,
    password: str,
    practitioner_code: str | None = None,
) -> User:
    """Create a staff account (admin only)."""
    session.require(Permission.USER_MANAGE)
    with store.unit_of_work(user_id=session.user_id) as uow:
        user = User(
            **record_header(store, session),
            username=username,
            full_name=full_name,
            role=role,
            password_hash=hash_password(password),
            practitioner_code=practitioner_code,
        )
        if uow.find(User, username=user.username):
            raise ValidationError(
                "username",
                "unique",
                f"Tên đăng nhập {username!r} đã có",
                f"The username {username!r} is taken",
            )
        uow.add(user)
        uow.audit("user.add", target_kind="user", target_id=user.id, detail={"role": user.role})
        uow.commit()
    return user


def change_password(
    store: Store, session: Session, *, old_password: str, new_password: str
) -> None:
    """A user changes their own password."""
    with store.unit_of_work(user_id=session.user_id) as uow:
        user = confirm_password(uow, session, old_password)
        uow.update(replace(user, password_hash=hash_password(new_password)))
        uow.audit("user.password_changed", target_kind="user", target_id=user.id)
        uow.commit()
