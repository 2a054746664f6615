"""Remote systems a PC talks to for its facility (the PACS, the national e-prescription
system): where they are, and the secret that opens them.

The address and the other plain settings are this PC's, for the facility it works for: they
live in the store's local `meta` table (not synced, no patient data), under keys
"<prefix>:<facility id>:<name>". The password or token is a secret: it lives in the OS
keyring beside the database key, never in the database or a file (DESIGN §5).

Both systems receive patient data, so their address must be https; plain http is accepted
only for a server on this very PC (a test server, or a TLS tunnel ending here).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import keyring.errors

from emr_desktop.core.errors import KeyStoreError, ValidationError
from emr_desktop.store.keys import KEYRING_SERVICE, check_keyring
from emr_desktop.store.metadata import write_meta
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

MAX_URL_LENGTH = 2000
MAX_SECRET_LENGTH = 8192
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """Whether `host` names this very PC."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    """One kind of remote system, named as the messages name it."""

    #: Prefix of its `meta` keys and of its keyring entry ("pacs", "eprescription").
    prefix: str
    #: Its name in a sentence ("PACS", "hệ thống đơn thuốc quốc gia").
    name_vi: str
    name_en: str
    #: An address to show as an example.
    example: str
    #: What travels to it, in a sentence's subject ("Ảnh và thông tin bệnh nhân").
    carries_vi: str
    carries_en: str

    # ------------------------------------------------------------ plain settings (meta)

    def meta_key(self, facility_id: str, name: str) -> str:
        return f"{self.prefix}:{facility_id}:{name}"

    def read(self, store: Store, facility_id: str, names: Iterable[str]) -> dict[str, str]:
        """The settings `names` this PC holds for the facility (missing or empty ones left out)."""
        values = store.read_meta()
        found = {name: values.get(self.meta_key(facility_id, name), "") for name in names}
        return {name: value for name, value in found.items() if value}

    def write(self, uow: UnitOfWork, facility_id: str, values: Mapping[str, str]) -> None:
        """Set the settings `values` in the unit of work (committed by the caller)."""
        write_meta(uow.conn, {self.meta_key(facility_id, n): v for n, v in values.items()})

    def forget(self, uow: UnitOfWork, facility_id: str, names: Iterable[str]) -> None:
        """Remove the settings `names` in the unit of work (committed by the caller)."""
        for name in names:
            uow.conn.exec_driver_sql(
                "DELETE FROM meta WHERE key = ?", (self.meta_key(facility_id, name),)
            )

    # ------------------------------------------------------------ the address

    def check_url(self, url: str) -> str:
        """`url` without surrounding blanks or a trailing "/", or a ValidationError on field
        "url": not an http(s) URL, holding credentials, a query or a fragment, or plain http
        to another machine."""
        url = url.strip().rstrip("/")
        parts = urlsplit(url)
        if len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                "url",
                "format",
                f"Địa chỉ {self.name_vi} phải là một URL https://…, ví dụ {self.example} "
                f"(đã nhập {url[:100]!r})",
                f"The {self.name_en} address must be an https://… URL, e.g. {self.example} "
                f"(got {url[:100]!r})",
            )
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValidationError(
                "url",
                "format",
                f"Địa chỉ {self.name_vi} không được chứa tên đăng nhập, mật khẩu, '?' hay '#'; "
                "nhập tên đăng nhập và mật khẩu riêng",
                f"The {self.name_en} address may not hold a user name, password, '?' or '#'; "
                "give the user name and password separately",
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValidationError(
                "url",
                "tls",
                f"{self.carries_vi} phải được mã hóa khi truyền: dùng https://; http:// chỉ "
                f"được phép với {self.name_vi} trên chính máy này",
                f"{self.carries_en} must be encrypted in transit: use https://; http:// is "
                f"allowed only for a {self.name_en} on this very PC",
            )
        return url

    # ------------------------------------------------------------ the secret (keyring)

    def _keyring_user(self, store: Store, facility_id: str) -> str:
        return f"{self.prefix}-secret:{store.store_id}:{facility_id}"

    def _keyring_error(self, doing_vi: str, doing_en: str, exc: Exception) -> KeyStoreError:
        return KeyStoreError(
            f"Kho khóa lỗi khi {doing_vi} mật khẩu {self.name_vi}: {exc}",
            f"The keyring failed to {doing_en} the {self.name_en} password: {exc}",
        )

    def load_secret(self, store: Store, facility_id: str) -> str | None:
        backend = check_keyring()
        try:
            value = backend.get_password(KEYRING_SERVICE, self._keyring_user(store, facility_id))
        except keyring.errors.KeyringError as exc:
            raise self._keyring_error("đọc", "read", exc) from exc
        return str(value) if value else None

    def save_secret(self, store: Store, facility_id: str, secret: str) -> None:
        backend = check_keyring()
        try:
            backend.set_password(KEYRING_SERVICE, self._keyring_user(store, facility_id), secret)
        except keyring.errors.KeyringError as exc:
            raise self._keyring_error("lưu", "save", exc) from exc

    def delete_secret(self, store: Store, facility_id: str) -> None:
        backend = check_keyring()
        try:
            backend.delete_password(KEYRING_SERVICE, self._keyring_user(store, facility_id))
        except keyring.errors.PasswordDeleteError:
            pass  # there was none
        except keyring.errors.KeyringError as exc:
            raise self._keyring_error("xóa", "remove", exc) from exc
