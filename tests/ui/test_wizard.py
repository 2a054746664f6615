"""The first-start wizard: a standalone PC and a PC joining a real server, inline errors,
and a recovery key that must be confirmed — and that really opens the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.ui.support import type_keys, type_text

from emr_desktop.core.ids import facility_id_for
from emr_desktop.core.records import Device, Facility
from emr_desktop.services import auth
from emr_desktop.store.store import STORE_FILE, Store
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential, server_url
from emr_desktop.syncclient.engine import pending_op_count, sync_once
from emr_desktop.ui import i18n
from emr_desktop.ui.wizard import (
    ADMIN_PAGE,
    FACILITY_PAGE,
    KEY_PAGE,
    MODE_PAGE,
    SERVER_PAGE,
    SetupWizard,
)

PASSWORD = "Bao-cao-giao-ban-7"


@pytest.fixture
def make_wizard(
    qtbot: QtBot, data_dir: Path, settings: QSettings
) -> Iterator[Callable[[], SetupWizard]]:
    made: list[SetupWizard] = []

    def make() -> SetupWizard:
        i18n.set_language(i18n.VIETNAMESE)
        wizard = SetupWizard(data_dir, settings)
        qtbot.addWidget(wizard)
        wizard.show()
        made.append(wizard)
        return wizard

    yield make
    for wizard in made:
        qtbot.waitUntil(lambda w=wizard: not w.busy, timeout=30_000)
        wizard.stop_worker()


def _next(wizard: SetupWizard) -> None:
    wizard.button(QWizard.WizardButton.NextButton).click()


def _back(wizard: SetupWizard) -> None:
    wizard.button(QWizard.WizardButton.BackButton).click()


def _fill_admin(qtbot: QtBot, wizard: SetupWizard) -> None:
    page = wizard.admin_page
    for field in (page.username, page.full_name, page.password, page.password_again):
        field.clear()
    type_keys(qtbot, page.username, "qt.nam")
    type_text(page.full_name, "Nguyễn Văn Nam")
    type_keys(qtbot, page.password, PASSWORD)
    type_keys(qtbot, page.password_again, PASSWORD)


def _wait_done(qtbot: QtBot, wizard: SetupWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30_000)


def _confirm_key(qtbot: QtBot, wizard: SetupWizard) -> Store:
    page = wizard.key_page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    key = wizard.recovery_key
    assert key is not None and page.key.text() == key and len(key.split("-")) == 8
    assert not finish.isEnabled()
    page.written.click()
    assert not finish.isEnabled()
    last = key.rsplit("-", 1)[1]
    type_keys(qtbot, page.last_group, "2222" if last != "2222" else "3333")
    assert not finish.isEnabled()
    page.last_group.clear()
    type_keys(qtbot, page.last_group, last.lower())
    assert finish.isEnabled()
    with qtbot.waitSignal(wizard.completed, timeout=5000) as done:
        finish.click()
    store = done.args[0]
    assert isinstance(store, Store)
    return store


def test_a_standalone_pc_is_set_up_and_its_recovery_key_opens_it(
    qtbot: QtBot, data_dir: Path, make_wizard: Callable[[], SetupWizard]
) -> None:
    wizard = make_wizard()
    assert wizard.currentId() == MODE_PAGE
    _next(wizard)
    assert wizard.currentId() == FACILITY_PAGE
    page = wizard.facility_page
    type_keys(qtbot, page.code, "70001")
    type_text(page.name, "Trung tâm Y tế huyện Đồng Phú")
    page.device_number.setValue(3)
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    _fill_admin(qtbot, wizard)
    assert wizard.button(QWizard.WizardButton.NextButton).text() == "&Tạo kho dữ liệu"
    _next(wizard)
    assert wizard.currentId() == KEY_PAGE
    _wait_done(qtbot, wizard)
    assert "Trung tâm Y tế huyện Đồng Phú" in wizard.key_page.status.text()
    # Neither back nor away before the key is confirmed.
    assert wizard.button(QWizard.WizardButton.BackButton).isHidden()
    wizard.reject()
    assert wizard.isVisible()
    store = _confirm_key(qtbot, wizard)
    key = wizard.recovery_key
    assert key is not None

    session = auth.login(store, "qt.nam", PASSWORD)
    assert (session.full_name, session.role) == ("Nguyễn Văn Nam", "admin")
    assert session.facility_id == facility_id_for("70001")
    with store.unit_of_work(user_id=None) as uow:
        assert uow.get(Facility, session.facility_id).name == "Trung tâm Y tế huyện Đồng Phú"
        assert [d.device_number for d in uow.find(Device)] == [3]
    store.close()
    recovered = Store.recover(data_dir, key)
    recovered.close()


def test_each_page_says_what_is_wrong_beside_the_field(
    qtbot: QtBot, data_dir: Path, make_wizard: Callable[[], SetupWizard]
) -> None:
    wizard = make_wizard()
    mode = wizard.mode_page
    mode.language.setCurrentIndex(mode.language.findData(i18n.ENGLISH))
    try:
        qtbot.waitUntil(lambda: mode.title() == "Set up this PC", timeout=2000)
        assert wizard.settings.value("ui/language") == i18n.ENGLISH
    finally:
        mode.language.setCurrentIndex(mode.language.findData(i18n.VIETNAMESE))
    qtbot.waitUntil(lambda: mode.title() == "Thiết lập máy này", timeout=2000)
    _next(wizard)
    page = wizard.facility_page
    type_keys(qtbot, page.code, "7001")
    _next(wizard)
    assert wizard.currentId() == FACILITY_PAGE
    assert "5 chữ số/chữ cái" in page.code_error.text() and page.code_error.isVisible()
    type_keys(qtbot, page.code, "1")
    _next(wizard)
    assert wizard.currentId() == FACILITY_PAGE
    assert page.code_error.isHidden() and "trống" in page.name_error.text()
    type_text(page.name, "Trạm Y tế xã Tân Lập")
    _next(wizard)

    admin = wizard.admin_page
    type_text(admin.username, "quản.trị")
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    assert "không dấu" in admin.username_error.text()
    admin.username.clear()
    type_keys(qtbot, admin.username, "qt.tanlap")
    type_text(admin.full_name, "Lò Thị Mai")
    type_keys(qtbot, admin.password, "ngan")
    _next(wizard)
    assert "ít nhất 8 ký tự" in admin.password_error.text()
    type_keys(qtbot, admin.password, "-hon-nua")
    type_keys(qtbot, admin.password_again, "ngan-hon")
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    assert admin.password_error.isHidden() and "khác nhau" in admin.again_error.text()
    assert not (data_dir / STORE_FILE).exists()
    wizard.reject()
    assert not wizard.isVisible()


def test_a_pc_joins_the_server_its_facility_and_number_come_from_there(
    qtbot: QtBot,
    data_dir: Path,
    make_wizard: Callable[[], SetupWizard],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.enroll_device()  # another PC took number 1
    wizard = make_wizard()
    wizard.mode_page.enrolled.click()
    _next(wizard)
    assert wizard.currentId() == SERVER_PAGE
    server = wizard.server_page
    type_keys(qtbot, server.url, "emr.ttyt.vn")
    type_keys(qtbot, server.code, "ABCD-EFGH-JKLM")
    _next(wizard)
    assert wizard.currentId() == SERVER_PAGE and "https://" in server.url_error.text()
    server.url.clear()
    type_keys(qtbot, server.url, live_server.base_url)
    type_text(server.device_name, "Khoa Nội – máy 2")
    _next(wizard)
    _fill_admin(qtbot, wizard)
    _next(wizard)
    _wait_done(qtbot, wizard)

    # A code the server does not know: said on the last page and beside the code, and the
    # store made for the attempt is gone.
    assert wizard.store is None
    assert "không đúng" in wizard.key_page.error.text()
    assert not (data_dir / STORE_FILE).exists()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    _back(wizard)
    _back(wizard)
    assert wizard.currentId() == SERVER_PAGE
    assert "Mã đăng ký không đúng" in server.code_error.text()

    server.code.clear()
    type_keys(qtbot, server.code, live_server.enroll_code())
    _next(wizard)
    _next(wizard)
    _wait_done(qtbot, wizard)
    assert wizard.facility_name == "Trung tâm Y tế huyện Thử"
    assert wizard.device_number == 2
    store = _confirm_key(qtbot, wizard)

    assert server_url(store) == live_server.base_url
    session = auth.login(store, "qt.nam", PASSWORD)
    assert session.facility_id == facility_id_for("70001")
    with store.unit_of_work(user_id=None) as uow:
        [device] = uow.find(Device)
    assert (device.device_number, device.name) == (2, "Khoa Nội – máy 2")
    client = SyncClient(live_server.base_url, credential=load_credential(store), timeout=10)
    report = sync_once(store, client)
    assert report.pushed > 0 and pending_op_count(store) == 0
    store.close()


def test_a_pc_joining_the_server_can_go_without_its_own_administrator(
    qtbot: QtBot,
    make_wizard: Callable[[], SetupWizard],
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    live_server.harness.add_user("qt.nam", "admin")  # IT's account, made on the server
    wizard = make_wizard()
    wizard.mode_page.enrolled.click()
    _next(wizard)
    server = wizard.server_page
    type_keys(qtbot, server.url, live_server.base_url)
    type_keys(qtbot, server.code, live_server.enroll_code())
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    page = wizard.admin_page
    assert page.no_local_admin.isVisible()

    # The name IT already has on the server is refused once the accounts are pulled.
    _fill_admin(qtbot, wizard)
    _next(wizard)
    _wait_done(qtbot, wizard)
    assert wizard.store is None
    assert "đã có trong cơ sở" in wizard.key_page.error.text()
    _back(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    assert "đã có trong cơ sở" in page.username_error.text()

    _back(wizard)
    server.code.clear()
    type_keys(qtbot, server.code, live_server.enroll_code())
    _next(wizard)
    page.no_local_admin.click()
    assert not page.username.isEnabled()
    _next(wizard)
    _wait_done(qtbot, wizard)
    assert wizard.unchecked_admin == "", wizard.key_page.error.text()
    assert wizard.store is not None, wizard.key_page.error.text()
    store = _confirm_key(qtbot, wizard)
    # Offline from now on: IT's server account logs in on this PC.
    assert auth.login(store, "qt.nam", "password-123").role == "admin"
    store.close()


def test_the_administrator_page_offers_no_skip_to_a_standalone_pc(
    qtbot: QtBot, make_wizard: Callable[[], SetupWizard]
) -> None:
    wizard = make_wizard()
    _next(wizard)
    assert wizard.currentId() == FACILITY_PAGE
    type_keys(qtbot, wizard.facility_page.code, "70001")
    type_text(wizard.facility_page.name, "Trạm Y tế xã Thử")
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE
    assert not wizard.admin_page.no_local_admin.isVisible()
    assert wizard.admin_page.wants_admin()
    _next(wizard)
    assert wizard.currentId() == ADMIN_PAGE  # the administrator's fields are required
