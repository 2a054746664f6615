"""The store of one PC: where the files are, how they are opened, backed up and recovered.

A data directory holds:

* `store.json` — no patient data: the store id, the format, the recovery-key salt;
* `emr.db` (+ `-wal`, `-shm`) — the SQLCipher database;
* `recovery.db` — the database key, encrypted under the recovery key;
* `backups/` — encrypted backups made before each migration.
"""

from __future__ import annotations

import json
import logging
import os
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine

from emr_desktop.core.errors import KeyStoreError, StorageError
from emr_desktop.core.hlc import HybridLogicalClock
from emr_desktop.core.ids import new_id
from emr_desktop.core.timeutil import utc_now
from emr_desktop.store import keys, metadata, migrate, restored
from emr_desktop.store.engine import make_engine
from emr_desktop.store.schema import meta
from emr_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

STORE_FILE = "store.json"
DB_FILE = "emr.db"
FORMAT = 1
BACKUP_SUFFIX = ".emrbak"


def _read_manifest(data_dir: Path) -> dict[str, Any]:
    path = data_dir / STORE_FILE
    if not path.exists():
        raise StorageError(
            f"{data_dir} chưa được khởi tạo (không có {STORE_FILE}); chạy `emr-admin init`",
            f"{data_dir} is not an initialised store (no {STORE_FILE}); run `emr-admin init`",
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"Không đọc được {path}: {exc}", f"Cannot read {path}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise StorageError(
            f"Định dạng kho dữ liệu {manifest.get('format')!r} không được hỗ trợ",
            f"Store format {manifest.get('format')!r} is not supported",
        )
    return manifest


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Store:
    """An open local store. Use `Store.init` once per PC, then `Store.open`."""

    def __init__(
        self, data_dir: Path, manifest: dict[str, Any], key: bytes, engine: Engine
    ) -> None:
        self.data_dir = data_dir
        self.store_id: str = manifest["store_id"]
        self._manifest = manifest
        self._key = key
        self.engine = engine
        values = self.read_meta()
        self.device_id = values["device_id"]
        self.clock = HybridLogicalClock(self.device_id)
        self.clock.restore(values.get("hlc_last"))

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def init(cls, data_dir: Path) -> tuple[Store, str]:
        """Create a new encrypted store; returns it and the recovery key to show once."""
        data_dir.mkdir(parents=True, exist_ok=True)
        # Only the account the program runs under may read the (encrypted) files.
        data_dir.chmod(0o700)
        if (data_dir / STORE_FILE).exists() or (data_dir / DB_FILE).exists():
            raise StorageError(
                f"{data_dir} đã có một kho dữ liệu; không ghi đè",
                f"{data_dir} already holds a store; it is not overwritten",
            )
        keys.check_keyring()
        store_id = new_id()
        key = keys.new_key()
        recovery_key = keys.new_recovery_key()
        salt = os.urandom(16)
        keys.write_recovery(data_dir, store_id, key, recovery_key, salt)
        keys.save_key(store_id, key)
        engine = make_engine(data_dir / DB_FILE, key, create=True)
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                meta.insert(),
                [
                    {"key": "store_id", "value": store_id},
                    {"key": "device_id", "value": new_id()},
                    {"key": "created_at", "value": utc_now().isoformat()},
                ],
            )
        manifest = {"format": FORMAT, "store_id": store_id, "recovery_salt": salt.hex()}
        _write_atomically(data_dir / STORE_FILE, json.dumps(manifest, indent=2).encode())
        log.info("initialised store %s", store_id)
        return cls(data_dir, manifest, key, engine), recovery_key

    @classmethod
    def open(cls, data_dir: Path, *, migrate_schema: bool = True) -> Store:
        """Open an existing store with the key from the keyring; migrate it if needed."""
        manifest = _read_manifest(data_dir)
        key = keys.load_key(manifest["store_id"])
        return cls._open_with_key(data_dir, manifest, key, migrate_schema=migrate_schema)

    @classmethod
    def _open_with_key(
        cls, data_dir: Path, manifest: dict[str, Any], key: bytes, *, migrate_schema: bool
    ) -> Store:
        engine = make_engine(data_dir / DB_FILE, key)
        if migrate_schema:
            current = migrate.current_revision(engine)
            if current != migrate.head_revision():
                if current is not None:
                    backup_dir = data_dir / "backups"
                    backup_dir.mkdir(exist_ok=True)
                    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
                    _backup(
                        data_dir,
                        engine,
                        key,
                        backup_dir / f"pre-migration-{current}-{stamp}{BACKUP_SUFFIX}",
                    )
                migrate.upgrade(engine)
        return cls(data_dir, manifest, key, engine)

    def close(self) -> None:
        """Persist the clock and release the database."""
        self.write_meta("hlc_last", self.clock.last.encode())
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- meta

    def unit_of_work(self, *, user_id: str | None) -> UnitOfWork:
        """A write transaction acting for `user_id`."""
        return UnitOfWork(self, user_id=user_id)

    def read_meta(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return metadata.read_meta(conn)

    def write_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            metadata.write_meta(conn, {key: value})

    # ---------------------------------------------------------------- backup and recovery

    def backup(self, target: Path) -> Path:
        """Write an encrypted backup (a tar of the encrypted files) to `target`."""
        _backup(self.data_dir, self.engine, self._key, target)
        return target

    @classmethod
    def recover(cls, data_dir: Path, recovery_key: str) -> Store:
        """Put the database key back into the keyring from the recovery key, and open."""
        manifest = _read_manifest(data_dir)
        key = keys.read_recovery(
            data_dir, manifest["store_id"], recovery_key, bytes.fromhex(manifest["recovery_salt"])
        )
        store = cls._open_with_key(data_dir, manifest, key, migrate_schema=True)
        keys.save_key(manifest["store_id"], key)
        return store

    @classmethod
    def restore(
        cls, data_dir: Path, backup_file: Path, *, recovery_key: str | None = None
    ) -> Store:
        """Replace the store in `data_dir` by the backup; the current files are kept aside.

        The key comes from the keyring, or from the recovery key when the PC was rebuilt.
        The backup of an enrolled PC is marked, before it replaces anything, to pull back
        from the server what the PC synced after the backup (`store.restored`).
        """
        if not backup_file.is_file():
            raise StorageError(
                f"Không có tệp sao lưu {backup_file}", f"No backup file at {backup_file}"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as tmp:
            staged = Path(tmp)
            _unpack(backup_file, staged)
            manifest = _read_manifest(staged)
            store_id = manifest["store_id"]
            if recovery_key is not None:
                key = keys.read_recovery(
                    staged, store_id, recovery_key, bytes.fromhex(manifest["recovery_salt"])
                )
            else:
                key = keys.load_key(store_id)
            _check_integrity(staged / DB_FILE, key)
            _mark_restored(staged / DB_FILE, key)
            previous = data_dir / f"replaced-{utc_now().strftime('%Y%m%dT%H%M%SZ')}"
            existing = [
                n
                for n in (
                    STORE_FILE,
                    DB_FILE,
                    keys.RECOVERY_FILE,
                    DB_FILE + "-wal",
                    DB_FILE + "-shm",
                )
                if (data_dir / n).exists()
            ]
            if existing:
                previous.mkdir()
                for name in existing:
                    os.replace(data_dir / name, previous / name)
            for name in (STORE_FILE, DB_FILE, keys.RECOVERY_FILE):
                os.replace(staged / name, data_dir / name)
        keys.save_key(store_id, key)
        return cls._open_with_key(data_dir, manifest, key, migrate_schema=True)


def _backup(data_dir: Path, engine: Engine, key: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as tmp:
        snapshot = Path(tmp) / DB_FILE
        raw = engine.raw_connection()
        try:
            with closing(sqlcipher3.connect(str(snapshot))) as dest:
                dest.execute(keys.raw_key_pragma(key))
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            raw.close()
        _check_integrity(snapshot, key)
        partial = target.with_name(target.name + ".part")
        with tarfile.open(partial, "w") as tar:
            tar.add(data_dir / STORE_FILE, arcname=STORE_FILE)
            tar.add(data_dir / keys.RECOVERY_FILE, arcname=keys.RECOVERY_FILE)
            tar.add(snapshot, arcname=DB_FILE)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    log.info("backup written")


def _mark_restored(db_file: Path, key: bytes) -> None:
    """Leave the catch-up mark in the restored database (`restored.mark_restored`)."""
    engine = make_engine(db_file, key)
    try:
        with engine.begin() as conn:
            restored.mark_restored(conn, now=utc_now())
    finally:
        # The last connection closed folds the WAL into the file: only the file moves.
        engine.dispose()


def _unpack(backup_file: Path, into: Path) -> None:
    wanted = {STORE_FILE, DB_FILE, keys.RECOVERY_FILE}
    try:
        with tarfile.open(backup_file, "r") as tar:
            names = set(tar.getnames())
            if names != wanted:
                raise StorageError(
                    "Tệp không phải là bản sao lưu EMR Desktop",
                    "The file is not an EMR Desktop backup",
                )
            tar.extractall(into, filter="data")
    except tarfile.TarError as exc:
        raise StorageError(
            f"Tệp sao lưu hỏng: {exc}", f"The backup file is damaged: {exc}"
        ) from exc


def _check_integrity(path: Path, key: bytes) -> None:
    try:
        with closing(sqlcipher3.connect(str(path))) as conn:
            conn.execute(keys.raw_key_pragma(key))
            problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            result = conn.execute("PRAGMA quick_check").fetchone()
    except sqlcipher3.DatabaseError:
        raise KeyStoreError(
            "Khóa không mở được bản sao lưu", "The key does not open the backup"
        ) from None
    if problems or result is None or result[0] != "ok":
        raise StorageError("Bản sao lưu bị hỏng", "The backup is corrupted")
