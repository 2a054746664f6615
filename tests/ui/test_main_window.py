"""The main window: login, workspace, lock, user switch, idle lock, messages, chart tabs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.errors import ValidationError
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def _login(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    screen = window.login
    if not screen.username.isReadOnly():
        screen.username.clear()
        type_keys(qtbot, screen.username, username)
    type_text(screen.password, password)
    screen.sign_in.click()
    qtbot.waitUntil(
        lambda: window.ctx.session is not None and not window.ctx.locked, timeout=10_000
    )


def test_it_starts_on_the_login_screen_and_logging_in_opens_the_workspace(
    qtbot: QtBot, window: MainWindow, doctor: Session
) -> None:
    assert window.stack.currentWidget() is window.login
    assert not window.lock_action.isEnabled()
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    assert window.workspace is not None
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.tabs.count() == 4
    assert [window.workspace.tabs.tabText(i) for i in range(4)] == [
        "Bệnh nhân",
        "Sơ đồ giường bệnh",
        "Điều dưỡng",
        "Xử lý đồng bộ",
    ]
    assert doctor.full_name in window.user_label.text()
    assert "bác sĩ" in window.user_label.text()


def test_lock_hides_the_workspace_and_the_same_user_returns_to_it(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, doctor: Session, store: Store
) -> None:
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    patient = patients.register_patient(store, doctor, full_name="Đỗ Văn Khoa", sex="male")
    chart = window.open_chart(patient.id)
    workspace = window.workspace
    assert chart is not None and workspace is not None
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert ctx.locked
    assert window.stack.currentWidget() is window.login
    assert window.login.username.isReadOnly()
    assert window.user_label.text() == ""
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    assert window.workspace is workspace
    assert chart in workspace.charts()


def test_another_user_at_the_lock_screen_gets_a_fresh_workspace(
    qtbot: QtBot,
    window: MainWindow,
    ctx: AppContext,
    doctor: Session,
    nurse: Session,
    store: Store,
) -> None:
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    patient = patients.register_patient(store, doctor, full_name="Đỗ Văn Khoa", sex="male")
    window.open_chart(patient.id)
    ctx.lock()
    window.login.switch_user.click()
    _login(qtbot, window, nurse.username, STAFF_PASSWORD)
    assert ctx.session is not None and ctx.session.user_id == nurse.user_id
    assert window.workspace is not None
    assert window.workspace.charts() == []
    assert nurse.full_name in window.user_label.text()


def test_the_screen_locks_itself_after_the_idle_time(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, doctor: Session
) -> None:
    ctx.settings.setValue("lock/idle_minutes", 0.005)  # 300 ms
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    assert window.idle.timer.interval() == 300
    qtbot.waitUntil(lambda: ctx.locked, timeout=5000)
    assert window.stack.currentWidget() is window.login


def test_typing_keeps_the_screen_unlocked(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, doctor: Session
) -> None:
    ctx.settings.setValue("lock/idle_minutes", 0.01)  # 600 ms
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    for _ in range(8):
        qtbot.wait(150)
        qtbot.keyClick(window.workspace.search, Qt.Key.Key_Shift)
    assert not ctx.locked
    qtbot.waitUntil(lambda: ctx.locked, timeout=5000)


def test_the_default_idle_time_is_five_minutes(ctx: AppContext) -> None:
    assert ctx.idle_ms() == 5 * 60_000
    ctx.settings.setValue("lock/idle_minutes", "nonsense")
    assert ctx.idle_ms() == 5 * 60_000


def test_errors_reach_the_message_bar_in_the_current_language(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    ctx.report_error(ValidationError("cccd", "length", "CCCD sai", "CCCD wrong"))
    assert window.messages.isVisible()
    assert window.messages.text.text() == "cccd: CCCD sai"
    assert window.messages.level == "error"


def test_a_chart_opens_once_per_patient(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, doctor: Session, store: Store
) -> None:
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    patient = patients.register_patient(store, doctor, full_name="Vũ Thị Mai", sex="female")
    ctx.open_chart_requested.emit(patient.id)
    ctx.open_chart_requested.emit(patient.id)
    assert window.workspace is not None
    assert len(window.workspace.charts()) == 1
    settle(qtbot, ctx)
    index = window.workspace.tabs.currentIndex()
    qtbot.waitUntil(lambda: "Vũ Thị Mai" in window.workspace.tabs.tabText(index))
    window.workspace.tabs.tabCloseRequested.emit(index)
    assert window.workspace.charts() == []
    # The fixed tabs cannot be closed.
    window.workspace.tabs.tabCloseRequested.emit(0)
    assert window.workspace.tabs.count() == 4


def test_the_language_menu_switches_the_whole_window(
    qtbot: QtBot, window: MainWindow, doctor: Session
) -> None:
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    window.language_actions[i18n.ENGLISH].trigger()
    try:
        qtbot.waitUntil(lambda: window.workspace.tabs.tabText(0) == "Patients")
        assert window.session_menu.title() == "&Session"
    finally:
        window.language_actions[i18n.VIETNAMESE].trigger()
    qtbot.waitUntil(lambda: window.workspace.tabs.tabText(0) == "Bệnh nhân")


def test_logging_out_returns_to_an_empty_login(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, doctor: Session
) -> None:
    _login(qtbot, window, doctor.username, STAFF_PASSWORD)
    window.logout_action.trigger()
    assert ctx.session is None
    assert window.workspace is None
    assert window.login.username.text() == ""
