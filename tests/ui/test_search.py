"""Finding a patient: search as you type, Enter and double-click, wedge scans, the way
into registration, unidentified emergency patients."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import Patient
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import PATIENTS, AppContext
from emr_desktop.ui.labels import label
from emr_desktop.ui.search import PatientSearchScreen, PatientTableModel

QR_AN = (
    "001085001234|123456789|Nguyễn Văn An|07031985|Nam|Số 5 ngõ 2, Phường Hàng Bạc, Hà Nội|15062021"
)


def _count(store: Store, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar() or 0)


def _searches(store: Store) -> int:
    return _count(store, "SELECT count(*) FROM audit_log WHERE action = 'patient.search'")


@pytest.fixture
def people(store: Store, registrar: Session) -> dict[str, Patient]:
    an = patients.register_from_qr(store, registrar, QR_AN, phones=("0912345678",))
    anh = patients.register_patient(
        store, registrar, full_name="Nguyễn Văn Ánh", sex="male", date_of_birth="1990"
    )
    nga = patients.register_patient(
        store,
        registrar,
        full_name="Đặng Thị Nga",
        sex="female",
        date_of_birth="12/05/1950",
        bhyt_number="HT2010123456789",
        address="Thôn 3, xã Tân Lập, Phú Thọ",
    )
    return {"an": an, "anh": anh, "nga": nga}


@pytest.fixture
def screen(qtbot: QtBot, ctx: AppContext, registrar: Session) -> Iterator[PatientSearchScreen]:
    logged_in(ctx, registrar)
    widget = PatientSearchScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    widget.focus_search()
    yield widget
    settle(qtbot, ctx)
    # qtbot has closed the widget and asked for its deletion: let it go before the context
    # stops its worker, so none of its timers fires into a stopped worker.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _names(screen: PatientSearchScreen) -> list[str]:
    model = screen.model
    return [model.patient_at(row).full_name for row in range(model.rowCount())]


def _wait_names(qtbot: QtBot, screen: PatientSearchScreen, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: sorted(_names(screen)) == sorted(expected), timeout=5000)


def test_results_model_passes_the_model_tester(
    qtmodeltester: Any, people: dict[str, Patient]
) -> None:
    model = PatientTableModel()
    model.set_patients(list(people.values()))
    qtmodeltester.check(model)
    nga = model.index(2, model.column_of("date_of_birth"))
    assert model.data(nga) == "12/05/1950"
    assert model.data(model.index(1, model.column_of("date_of_birth"))) == "1990"
    assert model.data(model.index(2, model.column_of("sex"))) == label("sex", "female")
    assert model.data(model.index(0, model.column_of("phones"))) == "0912345678"
    model.set_patients([])
    qtmodeltester.check(model)


def test_typing_without_accents_finds_patients_with_them(
    qtbot: QtBot, screen: PatientSearchScreen, people: dict[str, Patient]
) -> None:
    type_keys(qtbot, screen.query, "nguyen van")
    _wait_names(qtbot, screen, ["Nguyễn Văn An", "Nguyễn Văn Ánh"])
    assert "2" in screen.status.text()
    screen.query.clear()
    type_text(screen.query, "Đặng")
    _wait_names(qtbot, screen, ["Đặng Thị Nga"])
    screen.query.clear()
    type_keys(qtbot, screen.query, "HT2010123456789")
    _wait_names(qtbot, screen, ["Đặng Thị Nga"])
    screen.query.clear()
    type_keys(qtbot, screen.query, "tran thi")
    qtbot.waitUntil(lambda: screen._shown_query == "tran thi")
    assert _names(screen) == []
    assert (
        screen.status.text() == "Không tìm thấy bệnh nhân. Kiểm tra lại chính tả hoặc đăng ký mới."
    )


def test_a_fast_typist_costs_one_search_not_one_per_key(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, store: Store, people: Any
) -> None:
    before = _searches(store)
    # Keys closer together than the debounce pause: nothing is searched until the pause.
    type_keys(qtbot, screen.query, "dang thi nga")
    _wait_names(qtbot, screen, ["Đặng Thị Nga"])
    settle(qtbot, ctx)
    assert _searches(store) == before + 1


def test_a_result_for_text_since_changed_is_never_shown(
    qtbot: QtBot,
    ctx: AppContext,
    screen: PatientSearchScreen,
    people: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()
    release = threading.Event()
    real: Callable[..., list[Patient]] = patients.find_patients

    def slow_find(store: Store, session: Session, query: str, **kwargs: Any) -> list[Patient]:
        if query == "nguyen":
            started.set()
            release.wait(5)
        return real(store, session, query, **kwargs)

    monkeypatch.setattr(patients, "find_patients", slow_find)
    shown: list[list[str]] = []
    screen.model.modelReset.connect(lambda: shown.append(_names(screen)))
    type_keys(qtbot, screen.query, "nguyen")
    qtbot.waitUntil(started.is_set)
    screen.query.clear()
    type_keys(qtbot, screen.query, "dang")
    screen.search_now()
    release.set()
    settle(qtbot, ctx)
    assert _names(screen) == ["Đặng Thị Nga"]
    assert all("Nguyễn Văn An" not in names for names in shown)


def test_enter_opens_the_only_match_and_picks_among_several(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, people: dict[str, Patient]
) -> None:
    # Typed and Enter at once, before the pause: the search runs and the one match opens.
    type_keys(qtbot, screen.query, people["nga"].mrn)
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        press_enter(qtbot, screen.query)
    assert opened.args == [people["nga"].id]

    screen.query.clear()
    type_keys(qtbot, screen.query, "nguyen van")
    _wait_names(qtbot, screen, ["Nguyễn Văn An", "Nguyễn Văn Ánh"])
    press_enter(qtbot, screen.query)
    assert screen.table.hasFocus() and screen.table.currentIndex().row() == 0
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    second = screen.model.patient_at(1)
    with qtbot.waitSignal(ctx.open_chart_requested) as opened:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened.args == [second.id]

    first = screen.model.patient_at(0)
    with qtbot.waitSignal(ctx.open_chart_requested) as opened:
        screen.table.doubleClicked.emit(screen.model.index(0, 1))
    assert opened.args == [first.id]


def test_a_wedge_scan_finds_the_patient_by_number_though_the_name_is_garbled(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, people: dict[str, Patient]
) -> None:
    garbled = "001085001234|123456789|Nguy?n V?n An|07031985|Nam|S? 5 ng? 2|15062021"
    type_keys(qtbot, screen.query, garbled)
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        press_enter(qtbot, screen.query)
    assert opened.args == [people["an"].id]
    assert screen.query.text() == ""
    assert screen.side.isHidden()


def test_a_wedge_scan_of_a_new_card_fills_registration_and_asks_for_the_name(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, store: Store, registrar: Session
) -> None:
    type_keys(qtbot, screen.query, "079195000123||Tr?n Th? B?ch|12021995|N?|TP. H? Ch? Minh|")
    press_enter(qtbot, screen.query)
    form = screen.form
    qtbot.waitUntil(lambda: screen.side.isVisible() and form.cccd.text() == "079195000123")
    assert form.date_of_birth.text() == "12/02/1995"
    assert form.sex.currentData() == "female"
    assert form.full_name.text() == "" and form.full_name.hasFocus()
    assert form.messages["full_name"].isVisible()
    assert "họ tên" in form.messages["full_name"].text()
    assert not form.save()
    assert patients.find_patient_by_cccd(store, registrar, "079195000123") is None

    type_text(form.full_name, "Trần Thị Bích")
    assert form.messages["full_name"].isHidden()
    changes: list[tuple[str, str]] = []
    ctx.data_changed.connect(lambda kind, pid: changes.append((kind, pid)))
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        form.save_button.click()
    saved = patients.find_patient_by_cccd(store, registrar, "079195000123")
    assert saved is not None and opened.args == [saved.id]
    assert saved.full_name == "Trần Thị Bích" and saved.sex == "female"
    assert saved.date_of_birth is not None and saved.date_of_birth.iso() == "1995-02-12"
    assert saved.identity_status == "verified"
    assert (PATIENTS, saved.id) in changes
    assert screen.side.isHidden() and screen.query.hasFocus()


def test_a_serial_scan_of_a_clean_card_prefills_everything(
    qtbot: QtBot, screen: PatientSearchScreen
) -> None:
    with qtbot.waitSignal(screen.show_requested, timeout=5000):
        screen.handle_scan(QR_AN + "\r\n")
    form = screen.form
    assert form.full_name.text() == "Nguyễn Văn An"
    assert form.address.text() == "Số 5 ngõ 2, Phường Hàng Bạc, Hà Nội"
    assert form.cmnd.text() == "123456789" and form.date_of_birth.text() == "07/03/1985"
    assert all(
        message.isHidden() for field, message in form.messages.items() if field != "date_of_birth"
    )
    assert form.bhyt_number.hasFocus()


def test_a_scanned_wristband_number_is_searched_and_opened(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, people: dict[str, Patient]
) -> None:
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        screen.handle_scan(people["anh"].mrn + "\r")
    assert opened.args == [people["anh"].id]


def test_new_patient_starts_from_what_was_searched(
    qtbot: QtBot, screen: PatientSearchScreen, people: Any
) -> None:
    type_text(screen.query, "Hoàng Thị Mai")
    qtbot.waitUntil(lambda: screen._shown_query == "Hoàng Thị Mai")
    screen.new_button.click()
    assert screen.side.isVisible()
    assert screen.form.full_name.text() == "Hoàng Thị Mai"
    screen.form.cancel_button.click()
    assert screen.side.isHidden()
    screen.query.setText("0987 654 321")
    screen.new_button.click()
    assert screen.form.phone.text() == "0987 654 321" and screen.form.full_name.text() == ""


def test_new_registrations_elsewhere_refresh_the_results(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, store: Store, nurse: Session
) -> None:
    type_keys(qtbot, screen.query, "le van")
    qtbot.waitUntil(lambda: screen._shown_query == "le van")
    assert _names(screen) == []
    tam = patients.register_patient(store, nurse, full_name="Lê Văn Tám", sex="male")
    ctx.data_changed.emit(PATIENTS, tam.id)
    _wait_names(qtbot, screen, ["Lê Văn Tám"])


def test_one_click_registers_an_unidentified_emergency_patient(
    qtbot: QtBot, ctx: AppContext, screen: PatientSearchScreen, store: Store, nurse: Session
) -> None:
    screen.unidentified_button.click()
    panel = screen.unidentified
    assert panel.isVisible()
    assert not panel.register()
    assert panel.error.isVisible()
    panel.sex_buttons["male"].click()
    panel.age.setValue(40)
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened:
        qtbot.keyClick(panel.age, Qt.Key.Key_Return)
    saved = patients.get_patient(store, nurse, opened.args[0])
    assert saved.identity_status == "unknown" and saved.sex == "male"
    assert saved.full_name == patients.UNIDENTIFIED_NAME
    assert saved.date_of_birth is not None and saved.date_of_birth.is_year_only
    assert saved.date_of_birth.year == dt.date.today().year - 40
    assert screen.side.isHidden()


def test_a_role_that_cannot_read_patients_gets_no_search(
    qtbot: QtBot, ctx: AppContext, admin: Session
) -> None:
    logged_in(ctx, admin)
    widget = PatientSearchScreen(ctx)
    qtbot.addWidget(widget)
    assert not widget.query.isEnabled()
    assert not widget.new_button.isEnabled() and not widget.unidentified_button.isEnabled()
    assert widget.status.text() == "Vai trò của bạn không được tra cứu bệnh nhân."


def test_the_screen_follows_the_language(
    qtbot: QtBot, screen: PatientSearchScreen, people: Any
) -> None:
    model = screen.model
    name_column = model.column_of("full_name")
    assert model.headerData(name_column, Qt.Orientation.Horizontal) == "Họ và tên"
    assert screen.new_button.text() == "Bệnh nhân &mới"
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: screen.new_button.text() == "&New patient")
    assert model.headerData(name_column, Qt.Orientation.Horizontal) == "Full name"
    type_keys(qtbot, screen.query, "nguyen van")
    _wait_names(qtbot, screen, ["Nguyễn Văn An", "Nguyễn Văn Ánh"])
    assert screen.status.text() == "Patients found: 2."
