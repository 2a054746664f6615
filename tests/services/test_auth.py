"""Login, lockout, password policy and the permission matrix in services."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD

from emr_desktop.core.errors import AuthenticationError, PermissionDenied, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import User
from emr_desktop.core.text import username_key
from emr_desktop.core.timeutil import utc_now
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


# ------------------------------------------------------------------ usernames shared by PCs


def _account_from_another_pc(store: Store, username: str, password: str, role: str) -> str:
    """An account as a sync brings it: made on another PC, whose first administrator was
    given the same name offline (no check possible there). Returns its id."""
    with store.unit_of_work(user_id=None) as uow:
        [mine] = [u for u in uow.find(User) if u.username == "admin"]
        user = replace(
            mine,
            id=new_id(),
            device_id="another-pc",
            created_at=utc_now(),
            username=username,
            role=role,
            full_name="Đỗ Văn Khác",
            password_hash=auth.hash_password(password),
        )
        uow.add(user)
        uow.commit()
    return user.id


def test_a_shared_username_logs_each_person_into_their_own_account(store: Store) -> None:
    own = auth.login(store, "admin", ADMIN_PASSWORD)
    other_id = _account_from_another_pc(store, "ADMIN", "mat-khau-may-2", "doctor")

    assert auth.login(store, "admin", ADMIN_PASSWORD).user_id == own.user_id
    other = auth.login(store, "Admin", "mat-khau-may-2")
    assert (other.user_id, other.role) == (other_id, "doctor")
    with pytest.raises(AuthenticationError, match="Wrong username"):
        auth.login(store, "admin", "neither-password")
    # A failure audited for each account of the name.
    assert _audit_actions(store)[-4:] == ["login", "login", "login.failed", "login.failed"]


def test_a_password_opening_two_accounts_of_one_name_logs_no_one_in(store: Store) -> None:
    other_id = _account_from_another_pc(store, "admin", ADMIN_PASSWORD, "admin")
    with pytest.raises(AuthenticationError) as info:
        auth.login(store, "admin", ADMIN_PASSWORD)
    assert "CNTT" in info.value.message_vi and "IT staff" in info.value.message_en
    with store.engine.connect() as conn:
        action, detail = conn.exec_driver_sql(
            "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).one()
    assert action == "login.refused_ambiguous" and other_id in detail
    # Not a wrong password: nothing counts toward a lockout.
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM login_state").scalar_one() == 0


def test_wrong_passwords_at_a_shared_name_count_against_each_account(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _account_from_another_pc(store, "admin", "mat-khau-may-2", "doctor")
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(AuthenticationError, match="Wrong"):
            auth.login(store, "admin", "guess-guess")
    # Both accounts are locked: the right password of either is refused, as locked.
    for password in (ADMIN_PASSWORD, "mat-khau-may-2"):
        with pytest.raises(AuthenticationError, match="locked"):
            auth.login(store, "admin", password)
    later = utc_now() + auth.LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(auth, "utc_now", lambda: later)
    assert auth.login(store, "admin", "mat-khau-may-2").role == "doctor"
    assert auth.login(store, "admin", ADMIN_PASSWORD).role == "admin"


def test_a_locked_account_of_a_shared_name_does_not_answer_for_its_password(
    store: Store,
) -> None:
    other_id = _account_from_another_pc(store, "admin", "mat-khau-may-2", "doctor")
    with store.unit_of_work(user_id=None) as uow:
        for _ in range(auth.MAX_FAILURES):
            auth._failure(uow, other_id, utc_now())
        uow.commit()
    # The locked account's right password is just a wrong one for the other account.
    with pytest.raises(AuthenticationError, match="Wrong"):
        auth.login(store, "admin", "mat-khau-may-2")
    assert auth.login(store, "admin", ADMIN_PASSWORD).role == "admin"


def test_new_usernames_must_be_free_whatever_their_case(store: Store, admin: Session) -> None:
    _account_from_another_pc(store, "qt.may02", "mat-khau-may-2", "admin")
    for taken in ("QT.May02", "admin", "qt.may02"):
        with pytest.raises(ValidationError) as info:
            auth.add_user(
                store,
                admin,
                username=taken,
                role="nurse",
                full_name="Mai",
                password="long-enough-1",
            )
        assert (info.value.field, info.value.rule) == ("username", "unique")
        assert "đã có" in info.value.message_vi
    assert username_key(" QT.May02 ") == "qt.may02"
