"""Setting up a PC: the store, its facility, this device, the first administrator.

A store is made in a staging directory inside the data directory (`.setup-…`) and moved
into place only once it is complete, its manifest last: the manifest is what makes the
program open a store instead of offering the setup (`ui.app`), so a crash or a power cut
at any point of a setup leaves either no store or a complete one — never one with no
administrator that nobody can log into. The facility, this device and the first
administrator are written in one transaction. The next setup in that data directory
removes what an interrupted one left (`_clear_unfinished`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from emr_desktop.core.errors import StorageError, SyncError, ValidationError
from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.records import Device, Facility, User
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services.auth import check_username_free, hash_password
from emr_desktop.store.keys import RECOVERY_FILE
from emr_desktop.store.mrn import set_mrn_block
from emr_desktop.store.store import DB_FILE, STORE_FILE, Store

log = logging.getLogger(__name__)

# The device id exists only once the store does; validation must come first.
_PENDING = "pending"
#: The staging directories of setups, inside the data directory.
_STAGING_PREFIX = ".setup-"
#: The store's files, the manifest last: moved in this order into the data directory.
_STORE_FILES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", RECOVERY_FILE, STORE_FILE)


@dataclass(frozen=True)
class EnrolledFacility:
    """What the server answered when this PC enrolled: its facility and its number."""

    facility_id: str
    facility_code: str
    facility_name: str
    device_number: int


@dataclass(frozen=True)
class EnrolledSetup:
    """A PC set up by joining its facility on the server."""

    store: Store
    #: Shown once: it opens the store when the keyring is lost.
    recovery_key: str
    #: The facility's accounts were pulled during the setup, so the first administrator's
    #: username was checked against them. False: the pull failed (no link, server down);
    #: the setup went on, offline-first, and the name could not be checked.
    accounts_checked: bool
    #: The local first administrator made, or None when none was asked for (staff log in
    #: with the facility's accounts pulled from the server).
    admin_username: str | None


def _facility(code: str, name: str) -> Facility:
    facility_id = facility_id_for(code)
    return Facility(
        id=facility_id,
        facility_id=facility_id,
        created_at=utc_now(),
        created_by="system",
        device_id=_PENDING,
        code=code,
        name=name,
    )


def _first_admin(facility_id: str, username: str, full_name: str, password: str) -> User:
    return User(
        id=new_id(),
        facility_id=facility_id,
        created_at=utc_now(),
        created_by="system",
        device_id=_PENDING,
        username=username,
        full_name=full_name,
        role="admin",
        password_hash=hash_password(password),
    )


def _write_setup(
    store: Store,
    facility: Facility,
    admin: User | None,
    device_name: str,
    device_number: int,
) -> None:
    device_id = store.device_id
    with store.unit_of_work(user_id=None) as uow:
        # A new PC knows only the facility's code and name. The rest (the letterhead) is
        # left unwritten: a PC set up later must not overwrite the letterhead with its
        # empty values. A PC joining a facility may have pulled the record already.
        if not uow.find(Facility, id=facility.id):
            uow.add(replace(facility, device_id=device_id), only=("code", "name"))
        uow.add(
            Device(
                id=device_id,
                facility_id=facility.id,
                created_at=utc_now(),
                created_by="system",
                device_id=device_id,
                name=device_name or f"PC {device_number}",
                device_number=device_number,
            )
        )
        if admin is not None:
            uow.add(replace(admin, facility_id=facility.id, device_id=device_id))
        set_mrn_block(uow.conn, device_id, device_number)
        uow.conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES ('facility_id', ?)", (facility.id,)
        )
        uow.audit("store.init", target_kind="facility", target_id=facility.id)
        uow.commit()


def initialize(
    data_dir: Path,
    *,
    facility_code: str,
    facility_name: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    device_name: str = "",
    device_number: int = 1,
) -> tuple[Store, str]:
    """Create an encrypted store for a facility; returns it and the recovery key (show once).

    Validation runs before anything is written, so bad input leaves no half-made store.
    """
    facility = _facility(facility_code, facility_name)
    admin = _first_admin(facility.id, admin_username, admin_full_name, admin_password)
    store, recovery_key = _init_staged(data_dir)
    try:
        _write_setup(store, facility, admin, device_name, device_number)
    except BaseException:
        _remove_new_store(store)
        raise
    return _move_into_place(store, data_dir), recovery_key


def initialize_enrolled(
    data_dir: Path,
    *,
    enroll: Callable[[Store], EnrolledFacility],
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    device_name: str = "",
    pull_accounts: Callable[[Store], object] | None = None,
) -> EnrolledSetup:
    """Create the store of a PC joining a facility on a server.

    The facility and this PC's number come from the server: `enroll` is given the new,
    still empty store, enrolls it (`syncclient.engine.enroll`) and says what the server
    answered. When it fails (a wrong code, no link), the new store is removed again, so the
    setup can be retried; the administrator's details are checked before anything is made.

    Usernames are not checked anywhere a PC sets itself up offline, so after enrolling,
    `pull_accounts` (the first pull of the facility's records, over the link that just
    worked) brings the facility's accounts, and then:

    * a first administrator (`admin_username` given) must have a username no account of
      the facility has (`auth.check_username_free`); if it is taken the setup is refused
      and the store removed, like any failed setup (the enrollment code is used by then:
      the message says so);
    * with no `admin_username`, no local administrator is made, but only when the pull
      brought an active administrator account: staff then log in with the facility's
      accounts (offline too: their password hashes are in the store now).

    When the pull fails the setup still completes (offline-first), with the local
    administrator unchecked (`EnrolledSetup.accounts_checked` False, for the caller to say
    so); a setup without a local administrator then refuses, as nobody could log in.

    The facility, this device and the administrator are written together, after the
    pull, and the store appears in `data_dir` only then (see the module): a crash before
    leaves no store, and the setup is simply done again (with a new enrollment code: the
    server may have used the first).
    """
    admin = (
        _first_admin(_PENDING, admin_username, admin_full_name, admin_password)
        if admin_username.strip()
        else None
    )
    store, recovery_key = _init_staged(data_dir)
    try:
        enrolled = enroll(store)
        facility = _facility(enrolled.facility_code, enrolled.facility_name)
        if facility.id != enrolled.facility_id:
            raise SyncError(
                "Máy chủ trả về mã cơ sở không khớp với cơ sở của nó",
                "The server answered with a facility id that does not match its code",
            )
        checked = _pull_accounts(store, pull_accounts)
        if admin is None:
            _require_facility_admin(store, checked)
        else:
            admin = replace(admin, facility_id=facility.id)
            if checked:
                _check_admin_username(store, admin.username)
        _write_setup(store, facility, admin, device_name, enrolled.device_number)
    except BaseException:
        _remove_new_store(store)
        raise
    placed = _move_into_place(store, data_dir)
    return EnrolledSetup(placed, recovery_key, checked, admin.username if admin else None)


def _pull_accounts(store: Store, pull: Callable[[Store], object] | None) -> bool:
    """Run the setup's first pull; False when it failed (the setup goes on without it)."""
    if pull is None:
        return False
    try:
        pull(store)
    except (SyncError, OSError) as exc:
        log.warning("setup: the facility's accounts could not be fetched (%s)", type(exc).__name__)
        return False
    return True


def _check_admin_username(store: Store, username: str) -> None:
    """The first administrator's username, against the facility's accounts pulled."""
    with store.unit_of_work(user_id=None) as uow:
        try:
            check_username_free(uow, username)
        except ValidationError as taken:
            prefix = f"{taken.field}: "  # ValidationError puts it before the message
            raise ValidationError(
                "username",
                "unique",
                f"{taken.message_vi.removeprefix(prefix)}, hoặc bỏ trống để dùng tài "
                "khoản của cơ sở. Mã đăng ký đã được dùng: xin bộ phận CNTT mã mới.",
                f"{taken.message_en.removeprefix(prefix)}, or leave it empty to use the "
                "facility's accounts. The enrollment code is used now: ask the IT staff "
                "for a new one.",
            ) from taken


def _require_facility_admin(store: Store, checked: bool) -> None:
    """A PC set up without its own administrator needs one of the facility's."""
    if not checked:
        raise ValidationError(
            "username",
            "required",
            "Không tải được tài khoản của cơ sở từ máy chủ, nên cần tạo quản trị viên cho máy "
            "này. Mã đăng ký đã được dùng: xin bộ phận CNTT mã mới.",
            "The facility's accounts could not be fetched from the server, so this PC needs "
            "its own administrator. The enrollment code is used now: ask the IT staff for a "
            "new one.",
        )
    with store.unit_of_work(user_id=None) as uow:
        admins = [u for u in uow.find(User, role="admin", active=True) if u.deleted_at is None]
    if not admins:
        raise ValidationError(
            "username",
            "required",
            "Cơ sở chưa có tài khoản quản trị viên nào trên máy chủ, nên cần tạo quản trị "
            "viên cho máy này. Mã đăng ký đã được dùng: xin bộ phận CNTT mã mới.",
            "The facility has no administrator account on the server yet, so this PC needs "
            "its own administrator. The enrollment code is used now: ask the IT staff for a "
            "new one.",
        )


def _init_staged(data_dir: Path) -> tuple[Store, str]:
    """A new store in a staging directory of `data_dir`, after removing what an interrupted
    setup left there; refused, before anything is made, when `data_dir` holds a store."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # Only the account the program runs under may read the (encrypted) files.
    data_dir.chmod(0o700)
    _clear_unfinished(data_dir)
    if (data_dir / STORE_FILE).exists() or (data_dir / DB_FILE).exists():
        raise StorageError(
            f"{data_dir} đã có một kho dữ liệu; không ghi đè",
            f"{data_dir} already holds a store; it is not overwritten",
        )
    return Store.init(Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=data_dir)))


def _move_into_place(store: Store, data_dir: Path) -> Store:
    """Move the complete staged store into `data_dir`, its manifest last, and open it."""
    staging = store.data_dir
    store.close()
    for name in _STORE_FILES:
        if (staging / name).exists():
            os.replace(staging / name, data_dir / name)
    shutil.rmtree(staging)
    return Store.open(data_dir)


def _clear_unfinished(data_dir: Path) -> None:
    """Remove the staging directories of setups interrupted by a crash, and the files one
    of them had moved into `data_dir` when the crash came between the moves (its manifest
    still in the staging directory, its database no longer)."""
    for staging in sorted(data_dir.glob(f"{_STAGING_PREFIX}*")):
        if not staging.is_dir():
            continue
        moved_part = (
            (staging / STORE_FILE).exists()
            and not (staging / DB_FILE).exists()
            and not (data_dir / STORE_FILE).exists()
        )
        if moved_part:
            for name in _STORE_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (data_dir / name).unlink()
        shutil.rmtree(staging)
        log.warning("removed an unfinished setup (%s)", staging.name)


def _remove_new_store(store: Store) -> None:
    """Delete a store made moments ago whose setup failed (no data in it), with its
    staging directory."""
    store.engine.dispose()
    shutil.rmtree(store.data_dir, ignore_errors=True)
    log.info("removed the unfinished store %s", store.store_id)
