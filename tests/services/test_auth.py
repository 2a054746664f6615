"""Login, lockout, password policy and the permission matrix in services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD

from emr_desktop.core.errors import AuthenticationError, PermissionDenied, ValidationError
from emr_desktop.services import auth
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def _audit_actions(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY seq")]


def test_login_and_failed_login_are_audited(store: Store) -> None:
    auth.login(store, "admin", ADMIN_PASSWORD)
    with pytest.raises(AuthenticationError):
        auth.login(store, "admin", "wrong")
    with pytest.raises(AuthenticationError):
        auth.login(store, "nobody", "wrong")
    actions = _audit_actions(store)
    assert actions[-3:] == ["login", "login.failed", "login.failed"]


def test_five_failures_lock_for_fifteen_minutes(
    store: Store, doctor: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError, match="Wrong"):
            auth.login(store, "bs.lan", "not-the-password")
    with pytest.raises(AuthenticationError, match="locked") as info:
        auth.login(store, "bs.lan", STAFF_PASSWORD)
    assert "15 min" in info.value.message_en and "khóa" in info.value.message_vi
    later = auth.utc_now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(auth, "utc_now", lambda: later)
    assert auth.login(store, "bs.lan", STAFF_PASSWORD).role == "doctor"


def test_success_resets_the_failure_count(store: Store, doctor: Session) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            auth.login(store, "bs.lan", "nope-nope")
    auth.login(store, "bs.lan", STAFF_PASSWORD)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            auth.login(store, "bs.lan", "nope-nope")
    auth.login(store, "bs.lan", STAFF_PASSWORD)


def test_passwords_are_argon2id_and_policy_checked(store: Store, admin: Session) -> None:
    user = auth.add_user(
        store,
        admin,
        username="dd.mai",
        role="nurse",
        full_name="Vũ Thị Mai",
        password="long-enough-1",
    )
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(ValidationError) as info:
        auth.add_user(
            store, admin, username="dd.cuc", role="nurse", full_name="Cúc", password="short"
        )
    assert info.value.field == "password"


def test_duplicate_username_and_bad_role(store: Store, admin: Session) -> None:
    with pytest.raises(ValidationError, match="taken"):
        auth.add_user(
            store, admin, username="admin", role="admin", full_name="Khác", password="long-enough-1"
        )
    with pytest.raises(ValidationError) as info:
        auth.add_user(
            store, admin, username="x", role="janitor", full_name="Khác", password="long-enough-1"
        )
    assert info.value.field == "role"


def test_only_admins_manage_users(store: Store, doctor: Session) -> None:
    with pytest.raises(PermissionDenied):
        auth.add_user(
            store, doctor, username="x", role="nurse", full_name="Khác", password="long-enough-1"
        )


def test_change_password(store: Store, doctor: Session) -> None:
    auth.change_password(store, doctor, old_password=STAFF_PASSWORD, new_password="new-password-2")
    with pytest.raises(AuthenticationError):
        auth.login(store, "bs.lan", STAFF_PASSWORD)
    assert auth.login(store, "bs.lan", "new-password-2").user_id == doctor.user_id
