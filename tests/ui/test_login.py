"""The login and lock screen, on a real store."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.services.auth import Session
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.login import LoginScreen


def _screen(qtbot: QtBot, ctx: AppContext) -> LoginScreen:
    screen = LoginScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.show_login()
    return screen


def test_the_right_password_logs_in(qtbot: QtBot, ctx: AppContext) -> None:
    screen = _screen(qtbot, ctx)
    type_keys(qtbot, screen.username, "admin")
    type_text(screen.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(ctx.session_changed, timeout=10_000) as blocker:
        press_enter(qtbot, screen.password)
    session = blocker.args[0]
    assert isinstance(session, Session)
    assert session.username == "admin"
    assert ctx.session == session
    assert screen.password.text() == ""


def test_a_wrong_password_is_refused_with_a_message_in_vietnamese(
    qtbot: QtBot, ctx: AppContext
) -> None:
    screen = _screen(qtbot, ctx)
    type_keys(qtbot, screen.username, "admin")
    type_text(screen.password, "wrong-password")
    screen.sign_in.click()
    qtbot.waitUntil(lambda: screen.error.text() != "", timeout=10_000)
    assert ctx.session is None
    assert "mật khẩu" in screen.error.text().lower()
    assert screen.password.text() == ""


def test_empty_fields_are_refused_before_asking_the_store(qtbot: QtBot, ctx: AppContext) -> None:
    i18n.set_language(i18n.ENGLISH)
    screen = _screen(qtbot, ctx)
    screen.sign_in.click()
    assert screen.error.text() == "Enter your username and password."
    assert ctx.db.pending() == 0


def test_lock_then_unlock_by_the_same_user_keeps_the_session(
    qtbot: QtBot, ctx: AppContext, doctor: Session
) -> None:
    ctx.set_session(doctor)
    screen = _screen(qtbot, ctx)
    ctx.lock()
    screen.show_locked(doctor)
    assert screen.username.text() == doctor.username
    assert screen.username.isReadOnly()
    assert screen.switch_user.isVisible()
    type_text(screen.password, STAFF_PASSWORD)
    with qtbot.waitSignal(ctx.locked_changed, timeout=10_000) as blocker:
        screen.sign_in.click()
    assert blocker.args == [False]
    assert ctx.session is not None and ctx.session.user_id == doctor.user_id
    assert not ctx.locked


def test_another_user_can_take_over_a_locked_screen(
    qtbot: QtBot, ctx: AppContext, doctor: Session, nurse: Session
) -> None:
    ctx.set_session(doctor)
    screen = _screen(qtbot, ctx)
    ctx.lock()
    screen.show_locked(doctor)
    screen.switch_user.click()
    assert not screen.username.isReadOnly()
    type_keys(qtbot, screen.username, nurse.username)
    type_text(screen.password, STAFF_PASSWORD)
    with qtbot.waitSignal(ctx.session_changed, timeout=10_000) as blocker:
        screen.sign_in.click()
    assert blocker.args[0].user_id == nurse.user_id


def test_the_language_switch_translates_the_screen_and_is_remembered(
    qtbot: QtBot, ctx: AppContext
) -> None:
    screen = _screen(qtbot, ctx)
    assert screen.sign_in.text() == "Đăng nhập"
    screen.language.setCurrentIndex(i18n.LANGUAGES.index(i18n.ENGLISH))
    # Qt posts the LanguageChange event: the texts change on the next turn of the loop.
    qtbot.waitUntil(lambda: screen.sign_in.text() == "Sign in")
    assert screen.title.text() == "EMR Desktop"
    assert ctx.settings.value("ui/language") == "en"
    screen.language.setCurrentIndex(i18n.LANGUAGES.index(i18n.VIETNAMESE))
    qtbot.waitUntil(lambda: screen.sign_in.text() == "Đăng nhập")


def test_a_store_that_cannot_be_opened_disables_login(qtbot: QtBot, ctx: AppContext) -> None:
    screen = _screen(qtbot, ctx)
    screen.show_store_error("Không mở được kho dữ liệu")
    assert not screen.sign_in.isEnabled()
    assert "Không mở được" in screen.error.text()
