"""This PC's PACS settings: address and user name in the local settings, the password or token
in the OS keyring (never in the database), set by an administrator, used by clinicians."""

from __future__ import annotations

import json

import keyring
import pytest

from emr_desktop.core.errors import KeyStoreError, PermissionDenied, ValidationError
from emr_desktop.services.auth import Session
from emr_desktop.services.pacs import (
    clear_pacs,
    pacs_client_args,
    pacs_settings,
    record_search,
    set_pacs,
)
from emr_desktop.store.keys import KEYRING_SERVICE
from emr_desktop.store.store import Store

URL = "https://pacs.bvhuyen.vn/dicom-web"
PASSWORD = "Pacs-secret-2024"


def _everything_in_the_database(store: Store) -> str:
    """Every table's rows as text: where a leaked secret would show."""
    with store.engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return "\n".join(
            str(tuple(row))
            for table in tables
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"').all()  # noqa: S608
        )


def _audit(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT target_kind, target_id, patient_id, detail FROM audit_log WHERE action = ? "
            "ORDER BY seq",
            (action,),
        ).all()
    return [
        {"target_kind": r[0], "target_id": r[1], "patient_id": r[2], "detail": json.loads(r[3])}
        for r in rows
    ]


def _keyring_secret(store: Store, session: Session) -> str | None:
    return keyring.get_password(
        KEYRING_SERVICE, f"pacs-secret:{store.store_id}:{session.facility_id}"
    )


def test_not_set_up_yet(store: Store, admin: Session, doctor: Session) -> None:
    settings = pacs_settings(store, admin)
    assert not settings.configured
    assert (settings.url, settings.auth, settings.username, settings.has_secret) == (
        None,
        "none",
        None,
        False,
    )
    with pytest.raises(ValidationError) as missing:
        pacs_client_args(store, doctor)
    assert missing.value.rule == "not_configured"
    assert "emr-admin pacs set" in missing.value.message_vi


def test_basic_authentication_keeps_the_password_in_the_keyring(
    store: Store, admin: Session, doctor: Session
) -> None:
    settings = set_pacs(store, admin, URL + "/", "basic", "emr-ward", PASSWORD)
    assert settings.url == URL  # the trailing slash dropped
    assert (settings.auth, settings.username, settings.has_secret) == ("basic", "emr-ward", True)
    assert pacs_settings(store, doctor) == settings
    assert _keyring_secret(store, admin) == PASSWORD
    # The address is a setting of this PC; the password is nowhere in the database.
    assert URL in _everything_in_the_database(store)
    assert PASSWORD not in _everything_in_the_database(store)

    assert pacs_client_args(store, doctor) == {"base_url": URL, "auth": ("emr-ward", PASSWORD)}

    [entry] = _audit(store, "pacs.settings")
    assert entry["target_kind"] == "facility"
    assert entry["target_id"] == admin.facility_id
    assert entry["patient_id"] is None
    assert entry["detail"] == {"fields": ["url", "auth", "username", "secret"], "auth": "basic"}


def test_changing_the_address_keeps_the_password(
    store: Store, admin: Session, doctor: Session
) -> None:
    set_pacs(store, admin, URL, "basic", "emr-ward", PASSWORD)
    other = "https://pacs2.bvhuyen.vn:8443/orthanc/dicom-web"
    set_pacs(store, admin, other, "basic", "emr-ward", None)
    assert pacs_client_args(store, doctor) == {"base_url": other, "auth": ("emr-ward", PASSWORD)}
    assert _audit(store, "pacs.settings")[-1]["detail"] == {"fields": ["url"], "auth": "basic"}
    # A new kind of authentication needs its own secret.
    with pytest.raises(ValidationError) as token_needed:
        set_pacs(store, admin, other, "bearer", None, None)
    assert (token_needed.value.field, token_needed.value.rule) == ("secret", "required")
    assert pacs_settings(store, admin).auth == "basic"


def test_bearer_token_and_no_authentication(store: Store, admin: Session, doctor: Session) -> None:
    set_pacs(store, admin, URL, "bearer", "ignored-user", "eyJhbGciOi.token.sig")
    assert pacs_client_args(store, doctor) == {"base_url": URL, "bearer": "eyJhbGciOi.token.sig"}
    assert pacs_settings(store, admin).username is None
    set_pacs(store, admin, URL, "none", None, None)
    assert pacs_client_args(store, doctor) == {"base_url": URL}
    assert _keyring_secret(store, admin) is None  # the old token is removed from the keyring
    assert not pacs_settings(store, admin).has_secret


def test_a_secret_lost_from_the_keyring_is_a_clear_error(
    store: Store, admin: Session, doctor: Session
) -> None:
    set_pacs(store, admin, URL, "basic", "emr-ward", PASSWORD)
    keyring.delete_password(KEYRING_SERVICE, f"pacs-secret:{store.store_id}:{admin.facility_id}")
    assert not pacs_settings(store, admin).has_secret
    with pytest.raises(KeyStoreError) as lost:
        pacs_client_args(store, doctor)
    assert "emr-admin pacs set" in lost.value.message_en


def test_clear(store: Store, admin: Session, doctor: Session) -> None:
    set_pacs(store, admin, URL, "basic", "emr-ward", PASSWORD)
    clear_pacs(store, admin)
    assert not pacs_settings(store, admin).configured
    assert _keyring_secret(store, admin) is None
    with pytest.raises(ValidationError):
        pacs_client_args(store, doctor)
    assert len(_audit(store, "pacs.cleared")) == 1


def test_who_may_do_what(
    store: Store, admin: Session, doctor: Session, nurse: Session, registrar: Session
) -> None:
    for clinician in (doctor, nurse):
        with pytest.raises(PermissionDenied):
            set_pacs(store, clinician, URL, "none", None, None)
        with pytest.raises(PermissionDenied):
            clear_pacs(store, clinician)
    set_pacs(store, admin, URL, "basic", "emr-ward", PASSWORD)
    assert pacs_client_args(store, nurse)["base_url"] == URL
    # The administrator reads no patient data, so gets no client to the images; the
    # registrar neither (no clinical reading).
    for outsider in (admin, registrar):
        with pytest.raises(PermissionDenied):
            pacs_client_args(store, outsider)
    with pytest.raises(PermissionDenied):
        pacs_settings(store, registrar)


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://pacs.bvhuyen.vn/dicom-web", "format"),
        ("pacs.bvhuyen.vn/dicom-web", "format"),
        ("https://", "format"),
        ("https://emr:secret@pacs.bvhuyen.vn/dicom-web", "format"),
        ("https://pacs.bvhuyen.vn/dicom-web?token=x", "format"),
        # Patient images may not cross the network unencrypted.
        ("http://pacs.bvhuyen.vn/dicom-web", "tls"),
        ("http://192.168.1.20:8042/dicom-web", "tls"),
    ],
)
def test_bad_addresses(store: Store, admin: Session, url: str, rule: str) -> None:
    with pytest.raises(ValidationError) as bad:
        set_pacs(store, admin, url, "none", None, None)
    assert (bad.value.field, bad.value.rule) == ("url", rule)
    assert not pacs_settings(store, admin).configured


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8042/dicom-web", "http://localhost:8042/dicom-web", "http://[::1]/"]
)
def test_plain_http_only_on_this_pc(store: Store, admin: Session, url: str) -> None:
    assert set_pacs(store, admin, url, "none", None, None).url == url.rstrip("/")


def test_bad_credentials(store: Store, admin: Session) -> None:
    with pytest.raises(ValidationError) as kind:
        set_pacs(store, admin, URL, "digest", "u", "p")
    assert (kind.value.field, kind.value.rule) == ("auth", "choice")
    with pytest.raises(ValidationError) as user:
        set_pacs(store, admin, URL, "basic", "  ", PASSWORD)
    assert (user.value.field, user.value.rule) == ("username", "required")
    with pytest.raises(ValidationError) as colon:
        set_pacs(store, admin, URL, "basic", "emr:ward", PASSWORD)
    assert colon.value.rule == "format"
    with pytest.raises(ValidationError) as secret:
        set_pacs(store, admin, URL, "basic", "emr", None)
    assert (secret.value.field, secret.value.rule) == ("secret", "required")
    with pytest.raises(ValidationError):
        set_pacs(store, admin, URL, "bearer", None, "two words")
    with pytest.raises(ValidationError):
        set_pacs(store, admin, URL, "basic", "emr", "line\nbreak")
    assert not pacs_settings(store, admin).configured
    assert _keyring_secret(store, admin) is None


def test_searches_are_audited_without_their_values(
    store: Store, doctor: Session, registrar: Session
) -> None:
    record_search(store, doctor, ["study_date", "patient_id"], 3)
    [entry] = _audit(store, "pacs.search")
    assert entry["detail"] == {"criteria": ["patient_id", "study_date"], "found": 3}
    assert entry["patient_id"] is None
    with pytest.raises(PermissionDenied):
        record_search(store, registrar, [], 0)
