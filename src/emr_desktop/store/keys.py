"""The database key: a random 256-bit key in the OS keyring, plus a recovery copy.

At `init` a recovery key is shown once. It unwraps a copy of the database key kept beside the
store in `recovery.db` — a tiny SQLCipher file keyed by an argon2id hash of the recovery key —
so IT can recover a PC whose keyring was wiped (DESIGN §5).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import sqlcipher3
from argon2.low_level import Type, hash_secret_raw

from emr_desktop.core.errors import KeyStoreError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "emr-desktop"
RECOVERY_FILE = "recovery.db"
KEY_BYTES = 32

# Backends that keep secrets in a file readable by anyone with the disk, or nowhere at all.
_INSECURE_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


def _describe(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def check_keyring() -> keyring.backend.KeyringBackend:
    """The keyring to use, refusing an insecure one the administrator did not choose.

    On a headless Linux box with `keyrings.alt` installed, keyring silently falls back to a
    plaintext file. We accept a file keyring only when selected explicitly through
    `PYTHON_KEYRING_BACKEND`.
    """
    backend = keyring.get_keyring()
    name = _describe(backend)
    chosen = bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    children = getattr(backend, "backends", None)
    if children is not None:  # a ChainerBackend: judge by what it would really use
        names = [_describe(b) for b in children]
        insecure = not names or all(n.startswith(_INSECURE_MODULES) for n in names)
    else:
        insecure = name.startswith(_INSECURE_MODULES)
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")) or (
        insecure and not chosen
    ):
        raise KeyStoreError(
            "Không có kho khóa an toàn của hệ điều hành (Windows Credential Manager, macOS "
            "Keychain, Secret Service) để giữ khóa cơ sở dữ liệu. Quản trị viên có thể chọn "
            "rõ một kho khóa bằng biến môi trường PYTHON_KEYRING_BACKEND, ví dụ "
            "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring.",
            "No secure OS keyring (Windows Credential Manager, macOS Keychain, Secret "
            "Service) is available to hold the database key. An administrator may select one "
            "explicitly with the PYTHON_KEYRING_BACKEND environment variable, e.g. "
            "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring.",
        )
    return backend


def _username(store_id: str) -> str:
    return f"store-key:{store_id}"


def save_key(store_id: str, key: bytes) -> None:
    """Keep the database key in the keyring."""
    backend = check_keyring()
    try:
        backend.set_password(KEYRING_SERVICE, _username(store_id), key.hex())
    except keyring.errors.KeyringError as exc:
        raise KeyStoreError(
            f"Không lưu được khóa vào kho khóa: {exc}",
            f"Could not save the key in the keyring: {exc}",
        ) from exc


def load_key(store_id: str) -> bytes:
    """The database key from the keyring; a clear error if it is not there."""
    backend = check_keyring()
    try:
        value = backend.get_password(KEYRING_SERVICE, _username(store_id))
    except keyring.errors.KeyringError as exc:
        raise KeyStoreError(
            f"Không đọc được kho khóa: {exc}", f"Could not read the keyring: {exc}"
        ) from exc
    if value is None:
        raise KeyStoreError(
            "Không tìm thấy khóa của cơ sở dữ liệu này trong kho khóa. Dùng lệnh "
            "`emr-admin recover --recovery-key …` với khóa khôi phục đã in khi khởi tạo.",
            "The key of this database is not in the keyring. Use `emr-admin recover "
            "--recovery-key …` with the recovery key printed at init.",
        )
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyStoreError(
            "Khóa trong kho khóa bị hỏng", "The key held in the keyring is corrupted"
        )
    return key


def new_key() -> bytes:
    """A fresh random 256-bit database key."""
    return secrets.token_bytes(KEY_BYTES)


def raw_key_pragma(key: bytes) -> str:
    """SQLCipher's raw-key form: no per-open PBKDF2, since the key is already random."""
    return f"PRAGMA key = \"x'{key.hex()}'\""


# ------------------------------------------------------------------------- recovery key


def new_recovery_key() -> str:
    """160 random bits as 8 groups of 4 base32 characters, easy to read aloud and type."""
    text = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _normalize_recovery_key(recovery_key: str) -> bytes:
    cleaned = "".join(c for c in recovery_key.upper() if c.isalnum())
    # Base32 has no 0, 1 or 8: people misread O, I/L and B from paper.
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    if len(cleaned) != 32:
        raise KeyStoreError(
            "Khóa khôi phục phải gồm 32 ký tự (8 nhóm 4 ký tự)",
            "A recovery key has 32 characters (8 groups of 4)",
        )
    return cleaned.encode("ascii")


def _derive(recovery_key: str, salt: bytes) -> bytes:
    return hash_secret_raw(
        _normalize_recovery_key(recovery_key),
        salt,
        time_cost=3,
        memory_cost=65536,
        parallelism=2,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


@contextmanager
def _recovery_db(path: Path, wrapping_key: bytes) -> Iterator[Any]:
    with closing(sqlcipher3.connect(str(path))) as conn:
        conn.execute(raw_key_pragma(wrapping_key))
        yield conn


def write_recovery(
    data_dir: Path, store_id: str, key: bytes, recovery_key: str, salt: bytes
) -> None:
    """Keep a copy of `key` in `recovery.db`, readable only with the recovery key."""
    path = data_dir / RECOVERY_FILE
    path.unlink(missing_ok=True)
    with _recovery_db(path, _derive(recovery_key, salt)) as conn:
        conn.execute("CREATE TABLE wrapped_key (store_id TEXT PRIMARY KEY, key_hex TEXT)")
        conn.execute("INSERT INTO wrapped_key VALUES (?, ?)", (store_id, key.hex()))
        conn.commit()


def read_recovery(data_dir: Path, store_id: str, recovery_key: str, salt: bytes) -> bytes:
    """The database key unwrapped with the recovery key; a clear error if the key is wrong."""
    path = data_dir / RECOVERY_FILE
    if not path.exists():
        raise KeyStoreError(
            f"Không có tệp khôi phục {path}", f"There is no recovery file at {path}"
        )
    try:
        with _recovery_db(path, _derive(recovery_key, salt)) as conn:
            row = conn.execute(
                "SELECT key_hex FROM wrapped_key WHERE store_id = ?", (store_id,)
            ).fetchone()
    except sqlcipher3.DatabaseError:
        raise KeyStoreError("Khóa khôi phục không đúng", "The recovery key is wrong") from None
    if row is None:
        raise KeyStoreError(
            "Tệp khôi phục không thuộc cơ sở dữ liệu này",
            "The recovery file belongs to another database",
        )
    return bytes.fromhex(row[0])
