"""The encrypted store on a real SQLCipher file: keys, recovery, backups, plaintext leaks."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest

from emr_desktop.core.errors import KeyStoreError, StorageError
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store import keys
from emr_desktop.store.store import DB_FILE, Store


def _register_marker(store: Store, session: Session) -> tuple[str, str]:
    patient = patients.register_patient(
        store,
        session,
        full_name="Khổng Thị Xuyến",
        sex="female",
        date_of_birth="1961-05-04",
        cccd="001161987654",
        phones=("0987123456",),
        address="Thôn Đoài, xã Yên Thường",
    )
    return patient.full_name, patient.cccd or ""


def test_store_files_hold_no_plaintext_patient_data(
    store: Store, doctor: Session, data_dir: Path, tmp_path: Path
) -> None:
    name, cccd = _register_marker(store, doctor)
    backup = store.backup(tmp_path / "b.emrbak")
    store.close()
    needles = [
        name.encode(),
        cccd.encode(),
        # (No needle shorter than 6 bytes: megabytes of ciphertext contain any 3 bytes.)
        "Xuyến".encode(),
        b"0987123456",
        "Xuyến".encode("utf-16-le"),
        cccd.encode("utf-16-le"),
    ]
    files = [p for p in data_dir.rglob("*") if p.is_file()] + [backup]
    assert any(p.name == DB_FILE for p in files)
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle not in content, f"{needle!r} found in {path}"


def test_wal_holds_no_plaintext_while_open(store: Store, doctor: Session, data_dir: Path) -> None:
    name, cccd = _register_marker(store, doctor)
    wal = data_dir / f"{DB_FILE}-wal"
    assert wal.exists() and wal.stat().st_size > 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert cccd.encode() not in content
            assert name.encode() not in content


def test_wrong_key_is_refused_and_nothing_is_created(store: Store, data_dir: Path) -> None:
    store.close()
    before = (data_dir / DB_FILE).read_bytes()
    keyring.set_password(keys.KEYRING_SERVICE, f"store-key:{store.store_id}", os.urandom(32).hex())
    with pytest.raises(KeyStoreError) as info:
        Store.open(data_dir)
    assert "sai khóa" in info.value.message_vi and "wrong key" in info.value.message_en
    assert (data_dir / DB_FILE).read_bytes() == before


def test_missing_key_says_how_to_recover(
    store: Store, data_dir: Path, store_and_recovery: tuple[Store, str]
) -> None:
    store.close()
    keyring.delete_password(keys.KEYRING_SERVICE, f"store-key:{store.store_id}")
    with pytest.raises(KeyStoreError, match="recover"):
        Store.open(data_dir)
    recovered = Store.recover(data_dir, store_and_recovery[1].lower())
    recovered.close()
    Store.open(data_dir).close()


def test_wrong_recovery_key_is_refused(store: Store, data_dir: Path) -> None:
    store.close()
    with pytest.raises(KeyStoreError, match="wrong"):
        Store.recover(data_dir, keys.new_recovery_key())
    with pytest.raises(KeyStoreError, match="32"):
        Store.recover(data_dir, "ABCD")


def test_missing_database_is_not_recreated(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="emr-admin init"):
        Store.open(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere" / DB_FILE).exists()


def test_init_refuses_to_overwrite(store: Store, data_dir: Path) -> None:
    with pytest.raises(StorageError, match="already holds"):
        Store.init(data_dir)


def test_backup_restore_round_trip(
    store: Store, doctor: Session, data_dir: Path, tmp_path: Path
) -> None:
    _register_marker(store, doctor)
    backup = store.backup(tmp_path / "before.emrbak")
    late = patients.register_patient(
        store, doctor, full_name="Lò Văn Páo", sex="male", date_of_birth="1970"
    )
    store.close()
    restored = Store.restore(data_dir, backup)
    with restored.unit_of_work(user_id=None) as uow:
        mrns = [row[0] for row in uow.conn.exec_driver_sql("SELECT mrn FROM patient")]
    assert late.mrn not in mrns and len(mrns) == 1
    restored.close()
    assert any(p.name.startswith("replaced-") for p in data_dir.iterdir())


def test_restore_on_a_rebuilt_pc_with_the_recovery_key(
    store_and_recovery: tuple[Store, str], doctor: Session, tmp_path: Path
) -> None:
    store, recovery_key = store_and_recovery
    _register_marker(store, doctor)
    backup = store.backup(tmp_path / "b.emrbak")
    store.close()
    keyring.delete_password(keys.KEYRING_SERVICE, f"store-key:{store.store_id}")
    new_dir = tmp_path / "new-pc"
    with pytest.raises(KeyStoreError):
        Store.restore(new_dir, backup)
    restored = Store.restore(new_dir, backup, recovery_key=recovery_key)
    with restored.unit_of_work(user_id=None) as uow:
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM patient").scalar() == 1
    restored.close()


def test_damaged_backup_is_refused(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.emrbak"
    bad.write_bytes(b"not a backup")
    with pytest.raises(StorageError, match=r"damaged|not an EMR"):
        Store.restore(tmp_path / "x", bad)


def test_clock_survives_restart(store: Store, doctor: Session, data_dir: Path) -> None:
    _register_marker(store, doctor)
    last = store.clock.last
    store.close()
    reopened = Store.open(data_dir)
    assert reopened.clock.now() > last
    reopened.close()


def test_seeded_patients_leave_no_plaintext_on_disk(
    store: Store, admin: Session, data_dir: Path
) -> None:
    from emr_desktop.services import demo

    demo.seed_demo(store, admin, patients=200, seed=3, workers=0)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT full_name, cccd FROM patient WHERE cccd IS NOT NULL LIMIT 50"
        ).fetchall()
    assert len(rows) == 50
    needles = {n for name, cccd in rows for n in (name.encode(), cccd.encode())}
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            leaked = [n for n in needles if n in content]
            assert not leaked, f"{leaked[:3]!r} found in {path.name}"
    store.close()
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not [n for n in needles if n in content], path.name
