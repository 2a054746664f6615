"""Setting up a PC: the store, its facility, this device, the first administrator."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from emr_desktop.core.ids import facility_id_for, new_id
from emr_desktop.core.records import Device, Facility, User
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services.auth import hash_password
from emr_desktop.store.mrn import set_mrn_block
from emr_desktop.store.store import Store


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
    now = utc_now()
    facility_id = facility_id_for(facility_code)
    # The device id exists only once the store does; validation must come first.
    device_id_placeholder = "pending"
    facility = Facility(
        id=facility_id,
        facility_id=facility_id,
        created_at=now,
        created_by="system",
        device_id=device_id_placeholder,
        code=facility_code,
        name=facility_name,
    )
    admin_hash = hash_password(admin_password)
    admin = User(
        id=new_id(),
        facility_id=facility_id,
        created_at=now,
        created_by="system",
        device_id=device_id_placeholder,
        username=admin_username,
        full_name=admin_full_name,
        role="admin",
        password_hash=admin_hash,
    )
    store, recovery_key = Store.init(data_dir)
    device_id = store.device_id
    with store.unit_of_work(user_id=None) as uow:
        uow.add(replace(facility, device_id=device_id))
        uow.add(
            Device(
                id=device_id,
                facility_id=facility_id,
                created_at=now,
                created_by="system",
                device_id=device_id,
                name=device_name or f"PC {device_number}",
                device_number=device_number,
            )
        )
        uow.add(replace(admin, device_id=device_id))
        set_mrn_block(uow.conn, device_id, device_number)
        uow.conn.exec_driver_sql(
            "INSERT INTO meta(key, value) VALUES ('facility_id', ?)", (facility_id,)
        )
        uow.audit("store.init", target_kind="facility", target_id=facility_id)
        uow.commit()
    return store, recovery_key
