"""Staff accounts, login, lockout and the logged-in session (DESIGN §5)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.permissions import Permission, require
from emr_desktop.core.records import User
from emr_desktop.core.text import username_key
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store.schema import TABLES_BY_KIND
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


@cache
def _decoy_hash() -> str:
    """A hash no password is given for: verified when a username has no account, so that
    a login for a name nobody has takes as long as one for a real account."""
    return _hasher.hash(new_id())


def accounts_named(uow: UnitOfWork, username: str) -> list[User]:
    """The accounts (active or not, never deleted ones) whose username is `username` in the
    sense of `username_key`: usually one, several when PCs chose the same name offline."""
    key = username_key(username)
    # Usernames are ASCII (`User` refuses others), so SQLite's lower() folds them as
    # casefold() does; the exact comparison below is the rule.
    table = TABLES_BY_KIND[User.KIND]
    rows = uow.conn.execute(
        select(table.c.id).where(
            func.lower(table.c.username) == key.lower(), table.c.deleted_at.is_(None)
        )
    ).scalars()
    found = [uow.get(User, user_id) for user_id in rows]
    return sorted(
        (u for u in found if username_key(u.username) == key),
        key=lambda u: (u.created_at, u.id),
    )


def check_username_free(uow: UnitOfWork, username: str) -> None:
    """Refuse a new account's username already used by another account this store knows
    (its facility's: a PC holds its facility's accounts), compared by `username_key`."""
    if accounts_named(uow, username):
        raise ValidationError(
            "username",
            "unique",
            f"Tên đăng nhập {username!r} đã có trong cơ sở (không phân biệt chữ hoa, chữ "
            "thường); chọn tên khác",
            f"The username {username!r} is taken in the facility (case does not matter); "
            "choose another",
        )


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
    """Check the password and open a session; five failures lock an account 15 minutes.

    Every success and failure is audited. The error never says whether the username exists.

    Usernames are compared by `username_key`. Several active accounts may share one name
    (made on different PCs offline, before names were checked): the password decides.
    It is verified against every account of the name, locked ones included, and nothing
    stops early, so the time taken does not tell which account matched, and a name nobody
    has is verified against a decoy hash. Then:

    * exactly one account not locked matches, and no other account of the name does: that
      account logs in;
    * the password matches several accounts of the name: refused, audited
      (`login.refused_ambiguous`), and the user is told to ask IT (one account must be
      renamed, `emr-sync-server user rename`); no one is logged in, since either could be
      the person typing;
    * nothing matches: a failure is counted on every account of the name that is not
      locked, as a guess at a shared name is a guess at each of its accounts (so the name
      does not multiply an attacker's tries); when every account of the name is locked the
      answer is "locked", as for a single account. A locked account's password never
      changes the outcome while it is locked, except to refuse an ambiguous login.
    """
    now = utc_now()
    wrong = AuthenticationError("Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password")
    with store.unit_of_work(user_id=None) as uow:
        accounts = [u for u in accounts_named(uow, username) if u.active]
        if not accounts:
            _password_matches(_decoy_hash(), password)
            uow.audit("login.failed", detail={"reason": "unknown_or_inactive"})
            uow.commit()
            raise wrong
        locks = {u.id: _locked_until(uow, u.id, now) for u in accounts}
        # Every hash is verified: no early exit, whatever matched.
        matching = [u for u in accounts if _password_matches(u.password_hash, password)]
        usable = [u for u in matching if locks[u.id] is None]
        if len(usable) == 1 and len(matching) == 1:
            user = usable[0]
        elif usable:
            _refuse_ambiguous(uow, matching)
        else:
            _refuse_failed(uow, accounts, locks, now, wrong)
        uow.user_id = user.id
        uow.conn.exec_driver_sql("DELETE FROM login_state WHERE user_id = ?", (user.id,))
        uow.audit("login", target_kind="user", target_id=user.id)
        uow.commit()
    log.info("user %s logged in", user.id)
    return Session(user.id, user.username, user.full_name, user.role, user.facility_id)


def _refuse_ambiguous(uow: UnitOfWork, matching: list[User]) -> NoReturn:
    """The password opens several accounts of one name: no one is logged in."""
    uow.audit(
        "login.refused_ambiguous",
        target_kind="user",
        target_id=matching[0].id,
        detail={"accounts": [u.id for u in matching]},
    )
    uow.commit()
    log.warning("login refused: %d accounts share a username and a password", len(matching))
    raise AuthenticationError(
        "Tên đăng nhập này được dùng cho nhiều tài khoản có cùng mật khẩu, nên không biết "
        "bạn là ai. Hãy báo bộ phận CNTT để đổi tên một tài khoản.",
        "This username belongs to several accounts with the same password, so it is not "
        "known who you are. Ask the IT staff to rename one of the accounts.",
    )


def _refuse_failed(
    uow: UnitOfWork,
    accounts: list[User],
    locks: dict[str, datetime | None],
    now: datetime,
    wrong: AuthenticationError,
) -> NoReturn:
    """No account of the name opened: count the failure, or say the accounts are locked."""
    unlocked = [u for u in accounts if locks[u.id] is None]
    if not unlocked:
        until = min(t for t in locks.values() if t is not None)
        for user in accounts:
            uow.audit("login.refused_locked", target_kind="user", target_id=user.id)
        uow.commit()
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise AuthenticationError(
            f"Tài khoản đang bị khóa do nhập sai mật khẩu nhiều lần; thử lại sau {minutes} phút",
            f"The account is locked after repeated wrong passwords; try again in {minutes} min",
        )
    for user in unlocked:
        locked = _failure(uow, user.id, now)
        uow.audit("login.failed", target_kind="user", target_id=user.id, detail={"locked": locked})
    uow.commit()
    raise wrong


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
    """Create a staff account (admin only); its username must be free in the facility
    (`check_username_free`)."""
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
        check_username_free(uow, user.username)
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
