"""Where this PC finds its facility's PACS, and how it authenticates there.

The address, the kind of authentication and the user name are settings of this PC for the
facility it works for: they live in the store's local `meta` table (not synced, no patient
data). The password or bearer token is a secret: it lives in the OS keyring beside the
database key, never in the database or a file (DESIGN §5).

An administrator sets it (`USER_MANAGE`); clinicians who read charts use it to build the
DICOMweb client (`pacs_client_args`), on the GUI's worker thread or from `emr-admin pacs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from emr_desktop.core.errors import KeyStoreError, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.services.auth import Session
from emr_desktop.services.endpoints import MAX_SECRET_LENGTH, Endpoint
from emr_desktop.store.store import Store

AuthKind = Literal["none", "basic", "bearer"]
AUTH_KINDS: tuple[AuthKind, ...] = ("none", "basic", "bearer")
MAX_USERNAME_LENGTH = 200


@dataclass(frozen=True)
class PacsSettings:
    """The PACS of the logged-in user's facility as this PC knows it (no secret in here)."""

    #: The DICOMweb root, e.g. "https://pacs.bvhuyen.vn/dicom-web"; None when not set up.
    url: str | None
    auth: AuthKind
    #: The user name for "basic" authentication.
    username: str | None
    #: Whether the keyring holds the password (basic) or token (bearer).
    has_secret: bool

    @property
    def configured(self) -> bool:
        return self.url is not None


# ------------------------------------------------------------------ where things are kept


PACS = Endpoint(
    prefix="pacs",
    name_vi="PACS",
    name_en="PACS",
    example="https://pacs.benhvien.vn/dicom-web",
    carries_vi="Ảnh và thông tin bệnh nhân",
    carries_en="Images and patient data",
)
_SETTINGS = ("url", "auth", "username")


def _read(store: Store, facility_id: str) -> tuple[str | None, AuthKind, str | None]:
    values = PACS.read(store, facility_id, _SETTINGS)
    auth = values.get("auth", "none")
    return values.get("url"), (auth if auth in AUTH_KINDS else "none"), values.get("username")


# ------------------------------------------------------------------ checks


def _check_auth(auth: str) -> AuthKind:
    if auth not in AUTH_KINDS:
        raise ValidationError(
            "auth",
            "choice",
            f"Kiểu xác thực {auth!r} không có; chọn một trong: none, basic, bearer",
            f"No authentication kind {auth!r}; choose one of: none, basic, bearer",
        )
    return auth


def _check_username(username: str | None) -> str:
    name = (username or "").strip()
    if not name:
        raise ValidationError(
            "username",
            "required",
            "Xác thực basic cần tên đăng nhập PACS",
            "Basic authentication needs a PACS user name",
        )
    if len(name) > MAX_USERNAME_LENGTH or ":" in name or any(ord(c) < 32 for c in name):
        raise ValidationError(
            "username",
            "format",
            "Tên đăng nhập PACS không được chứa ':' hay ký tự điều khiển (tối đa 200 ký tự)",
            "A PACS user name may not hold ':' or control characters (200 characters at most)",
        )
    return name


def _check_secret(secret: str, auth: AuthKind) -> str:
    what_vi, what_en = ("mật khẩu", "password") if auth == "basic" else ("mã truy cập", "token")
    if len(secret) > MAX_SECRET_LENGTH or any(ord(c) < 32 for c in secret):
        raise ValidationError(
            "secret",
            "format",
            f"{what_vi.capitalize()} PACS không được chứa ký tự điều khiển (tối đa 8192 ký tự)",
            f"The PACS {what_en} may not hold control characters (8192 characters at most)",
        )
    if auth == "bearer" and any(c.isspace() for c in secret):
        raise ValidationError(
            "secret",
            "format",
            "Mã truy cập PACS không được chứa khoảng trắng",
            "The PACS token may not hold spaces",
        )
    return secret


# ------------------------------------------------------------------ use cases


def pacs_settings(store: Store, session: Session) -> PacsSettings:
    """The PACS settings of the user's facility (no secret): for the administrator who edits
    them (`USER_MANAGE`) and for the clinicians who use them (`CHART_READ`)."""
    if not allows(session.role, Permission.USER_MANAGE):
        session.require(Permission.CHART_READ)
    url, auth, username = _read(store, session.facility_id)
    has_secret = auth != "none" and PACS.load_secret(store, session.facility_id) is not None
    return PacsSettings(url=url, auth=auth, username=username, has_secret=has_secret)


def set_pacs(
    store: Store,
    session: Session,
    url: str,
    auth: str,
    username: str | None,
    secret: str | None,
) -> PacsSettings:
    """Set this PC's PACS for the user's facility (administrator: `USER_MANAGE`).

    `url` is the DICOMweb root (https, or http on this PC only); `auth` is "none", "basic"
    (with `username` and a password as `secret`) or "bearer" (a token as `secret`). A `secret`
    of None keeps the one already in the keyring when the kind of authentication is
    unchanged. The secret goes to the OS keyring; the rest to this PC's settings. Audited
    without the address or the secret.
    """
    session.require(Permission.USER_MANAGE)
    clean_url = PACS.check_url(url)
    kind = _check_auth(auth)
    facility_id = session.facility_id
    old_url, old_auth, old_username = _read(store, facility_id)
    clean_username = _check_username(username) if kind == "basic" else None
    if kind == "none":
        new_secret = None
    elif secret:
        new_secret = _check_secret(secret, kind)
    elif kind == old_auth and PACS.load_secret(store, facility_id) is not None:
        new_secret = None  # keep the one in the keyring
    else:
        what_vi, what_en = ("mật khẩu", "password") if kind == "basic" else ("mã truy cập", "token")
        raise ValidationError(
            "secret",
            "required",
            f"Xác thực {kind} cần {what_vi} PACS",
            f"{kind.capitalize()} authentication needs the PACS {what_en}",
        )

    # The keyring first: if it cannot hold the secret, nothing has changed.
    if kind == "none":
        PACS.delete_secret(store, facility_id)
    elif new_secret is not None:
        PACS.save_secret(store, facility_id, new_secret)

    changed = [
        name
        for name, old, new in (
            ("url", old_url, clean_url),
            ("auth", old_auth, kind),
            ("username", old_username, clean_username),
        )
        if old != new
    ]
    if new_secret is not None:
        changed.append("secret")
    values = {"url": clean_url, "auth": kind, "username": clean_username or ""}
    with store.unit_of_work(user_id=session.user_id) as uow:
        PACS.write(uow, facility_id, values)
        uow.audit(
            "pacs.settings",
            target_kind="facility",
            target_id=facility_id,
            detail={"fields": changed, "auth": kind},
        )
        uow.commit()
    return PacsSettings(
        url=clean_url,
        auth=kind,
        username=clean_username,
        has_secret=kind != "none",
    )


def clear_pacs(store: Store, session: Session) -> None:
    """Forget this PC's PACS for the user's facility, secret included (`USER_MANAGE`)."""
    session.require(Permission.USER_MANAGE)
    facility_id = session.facility_id
    PACS.delete_secret(store, facility_id)
    with store.unit_of_work(user_id=session.user_id) as uow:
        PACS.forget(uow, facility_id, _SETTINGS)
        uow.audit("pacs.cleared", target_kind="facility", target_id=facility_id)
        uow.commit()


def pacs_client_args(store: Store, session: Session) -> dict[str, Any]:
    """The keyword arguments of `imaging.dicomweb.DicomWebClient` for the user's facility:
    `base_url`, and `auth=(username, password)` or `bearer=token`. For clinicians who read
    charts (`CHART_READ`); a clear error when the PACS is not set up or its secret is gone
    from the keyring."""
    session.require(Permission.CHART_READ)
    facility_id = session.facility_id
    url, auth, username = _read(store, facility_id)
    if url is None:
        raise ValidationError(
            "pacs",
            "not_configured",
            "Máy này chưa được cấu hình PACS; quản trị viên chạy "
            "`emr-admin pacs set --url …` hoặc vào phần Cài đặt",
            "No PACS is set up on this PC; an administrator runs `emr-admin pacs set --url …` "
            "or uses Settings",
        )
    args: dict[str, Any] = {"base_url": url}
    if auth == "none":
        return args
    secret = PACS.load_secret(store, facility_id)
    if secret is None:
        raise KeyStoreError(
            "Không tìm thấy mật khẩu PACS trong kho khóa của máy này; quản trị viên cần "
            "nhập lại (`emr-admin pacs set`)",
            "The PACS password is not in this PC's keyring; an administrator must enter it "
            "again (`emr-admin pacs set`)",
        )
    if auth == "basic":
        args["auth"] = (username or "", secret)
    else:
        args["bearer"] = secret
    return args


def record_search(store: Store, session: Session, criteria: Sequence[str], found: int) -> None:
    """Audit a search of the PACS ("pacs.search"): the names of the criteria used
    ("patient_id", "study_date", …) and how many studies came back — never their values,
    which may be a patient's id. For those who may search it (`CHART_READ`)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.audit(
            "pacs.search",
            target_kind="facility",
            target_id=session.facility_id,
            detail={"criteria": sorted(criteria), "found": found},
        )
        uow.commit()
