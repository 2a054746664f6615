"""Setting up a PC: the store, its facility, this device, the first administrator."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from emr_desktop.core.errors import SyncError
from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.records import Device, Facility, User
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services.auth import hash_password
from emr_desktop.store.keys import RECOVERY_FILE
from emr_desktop.store.mrn import set_mrn_block
from emr_desktop.store.store import DB_FILE, STORE_FILE, Store

log = logging.getLogger(__name__)

# The device id exists only once the store does; validation must come first.
_PENDING = "pending"


@dataclass(frozen=True)
class EnrolledFacility:
    """What the server answered when this PC enrolled: its facility and its number."""

    facility_id: str
    facility_code: str
    facility_name: str
    device_number: int


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
    admin: User,
    device_name: str,
    device_number: int,
) -> None:
    device_id = store.device_id
    with store.unit_of_work(user_id=None) as uow:
        # A new PC knows only the facility's code and name. The rest (the letterhead) is
        # left unwritten: every PC of the facility writes this record when it is set up,
        # and a PC set up later must not overwrite the letterhead with its empty values.
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
    store, recovery_key = Store.init(data_dir)
    _write_setup(store, facility, admin, device_name, device_number)
    return store, recovery_key


def initialize_enrolled(
    data_dir: Path,
    *,
    enroll: Callable[[Store], EnrolledFacility],
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    device_name: str = "",
) -> tuple[Store, str]:
    """Create the store of a PC joining a facility on a server; returns it and the recovery
    key (show once).

    The facility and this PC's number come from the server: `enroll` is given the new,
    still empty store, enrolls it (`syncclient.engine.enroll`) and says what the server
    answered. When it fails (a wrong code, no link), the new store is removed again, so the
    setup can be retried; the administrator's details are checked before anything is made.
    """
    admin = _first_admin(_PENDING, admin_username, admin_full_name, admin_password)
    store, recovery_key = Store.init(data_dir)
    try:
        enrolled = enroll(store)
        facility = _facility(enrolled.facility_code, enrolled.facility_name)
        if facility.id != enrolled.facility_id:
            raise SyncError(
                "Máy chủ trả về mã cơ sở không khớp với cơ sở của nó",
                "The server answered with a facility id that does not match its code",
            )
        _write_setup(store, facility, admin, device_name, enrolled.device_number)
    except BaseException:
        _remove_new_store(store)
        raise
    return store, recovery_key


def _remove_new_store(store: Store) -> None:
    """Delete the files of a store made moments ago whose setup failed (no data in it)."""
    store.engine.dispose()
    for name in (STORE_FILE, DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", RECOVERY_FILE):
        with contextlib.suppress(FileNotFoundError):
            (store.data_dir / name).unlink()
    log.info("removed the unfinished store %s", store.store_id)
