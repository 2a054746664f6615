"""Where this PC keeps what enrollment gave it (DESIGN §5).

The device credential is a secret: it lives in the OS keyring beside the database key,
never in the database or a file. The server address is not a secret: it lives in `meta`.
"""

from __future__ import annotations

import keyring.errors

from emr_desktop.core.errors import KeyStoreError, SyncError
from emr_desktop.store.keys import KEYRING_SERVICE, check_keyring
from emr_desktop.store.store import Store

SERVER_URL_KEY = "sync_server_url"


def _username(store_id: str) -> str:
    return f"device-credential:{store_id}"


def save_credential(store: Store, credential: str) -> None:
    """Keep the device credential in the OS keyring."""
    backend = check_keyring()
    try:
        backend.set_password(KEYRING_SERVICE, _username(store.store_id), credential)
    except keyring.errors.KeyringError as exc:
        raise KeyStoreError(
            f"Không lưu được mã thiết bị vào kho khóa: {exc}",
            f"Could not save the device credential in the keyring: {exc}",
        ) from exc


def load_credential(store: Store) -> str:
    """The device credential; a clear error when this PC was never enrolled."""
    backend = check_keyring()
    try:
        value = backend.get_password(KEYRING_SERVICE, _username(store.store_id))
    except keyring.errors.KeyringError as exc:
        raise KeyStoreError(
            f"Không đọc được kho khóa: {exc}", f"Could not read the keyring: {exc}"
        ) from exc
    if not value:
        number = store.read_meta().get("sync_device_number")
        if number is not None:
            # Enrolled before, but the credential is not in this keyring: the disk moved to
            # another PC, or the keyring was wiped.
            raise SyncError(
                f"Máy này đã đăng ký (máy số {number}) nhưng kho khóa không còn mã thiết bị; "
                "xin mã đăng ký mới rồi chạy `emr-admin enroll --replace --server … --code …`",
                f"This PC was enrolled (device {number}) but its credential is not in the "
                "keyring; get a new code and run `emr-admin enroll --replace --server … "
                "--code …`",
            )
        raise SyncError(
            "Máy này chưa được đăng ký với máy chủ; chạy `emr-admin enroll --server … --code …`",
            "This PC is not enrolled with the server; run `emr-admin enroll --server … --code …`",
        )
    return value


def server_url(store: Store) -> str:
    """The server this PC was enrolled with."""
    url = store.read_meta().get(SERVER_URL_KEY)
    if not url:
        raise SyncError(
            "Chưa có địa chỉ máy chủ; chạy `emr-admin enroll --server … --code …`",
            "No server address yet; run `emr-admin enroll --server … --code …`",
        )
    return url
