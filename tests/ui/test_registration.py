"""The registration form: inline messages under each field, nothing saved until valid,
BHYT card entry, a CCCD already registered, and what the store holds afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import PATIENTS, AppContext
from emr_desktop.ui.labels import age_text
from emr_desktop.ui.registration import RegistrationForm

QR = "001085001234|123456789|Nguyễn Văn An|07031985|Nam|Số 5 ngõ 2, Hà Nội|15062021"


@pytest.fixture
def form(qtbot: QtBot, ctx: AppContext, registrar: Session) -> Iterator[RegistrationForm]:
    logged_in(ctx, registrar)
    widget = RegistrationForm(ctx)
    qtbot.addWidget(widget)
    widget.show()
    widget.start_new()
    yield widget
    settle(qtbot, ctx)
    # qtbot has closed the widget and asked for its deletion: let it go before the context
    # stops its worker, so none of its timers fires into a stopped worker.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _fill(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Type into a field and leave it, as a clerk tabbing through the form does."""
    edit.clear()
    if text.isascii():
        type_keys(qtbot, edit, text)
    else:
        type_text(edit, text)
    edit.editingFinished.emit()


def _patient_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM patient").scalar() or 0)


def _shown(form: RegistrationForm) -> dict[str, str]:
    return {f: m.text() for f, m in form.messages.items() if m.isVisible()}


def test_a_complete_registration_with_a_bhyt_card_is_stored_as_typed(
    qtbot: QtBot, ctx: AppContext, form: RegistrationForm, store: Store, registrar: Session
) -> None:
    _fill(qtbot, form.full_name, "phạm thị thu hà")
    qtbot.keyClick(form.full_name, Qt.Key.Key_Return)
    assert form.sex.hasFocus()  # Enter moves on, as at every registration desk
    _fill(qtbot, form.cccd, "036190001122")
    assert form.sex.currentData() == "female"  # the CCCD's 4th digit, filled for the clerk
    _fill(qtbot, form.date_of_birth, "14/02/1990")
    assert set(_shown(form)) == {"date_of_birth"}  # a hint, not an error
    born = BirthDate.of(dt.date(1990, 2, 14))
    assert form.messages["date_of_birth"].text() == age_text(born, dt.date.today())
    _fill(qtbot, form.cmnd, "163000111")
    _fill(qtbot, form.bhyt_number, "gd4363612345678")
    _fill(qtbot, form.bhyt_valid_from, "01/01/2026")
    _fill(qtbot, form.bhyt_valid_to, "31/12/2099")
    _fill(qtbot, form.bhyt_registered_facility, "36001")
    _fill(qtbot, form.phone, "0912 345 678, +84 24 3825 1234")
    _fill(qtbot, form.address, "Xóm 2, xã Hải Minh, Nam Định")
    form.ethnicity.setCurrentText("Kinh")
    _fill(qtbot, form.occupation, "Giáo viên")
    changes: list[tuple[str, str]] = []
    ctx.data_changed.connect(lambda kind, pid: changes.append((kind, pid)))
    with (
        qtbot.waitSignal(form.registered, timeout=5000) as registered,
        qtbot.waitSignal(ctx.open_chart_requested, timeout=5000) as opened,
    ):
        qtbot.keyClick(form.occupation, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved = patients.get_patient(store, registrar, registered.args[0])
    assert opened.args == [saved.id] and (PATIENTS, saved.id) in changes
    assert saved.full_name == "Phạm Thị Thu Hà" and saved.sex == "female"
    assert saved.date_of_birth is not None and saved.date_of_birth.iso() == "1990-02-14"
    assert (saved.cccd, saved.cmnd) == ("036190001122", "163000111")
    assert saved.bhyt_number == "GD4363612345678"
    assert (saved.bhyt_valid_from, saved.bhyt_valid_to) == (
        dt.date(2026, 1, 1),
        dt.date(2099, 12, 31),
    )
    assert saved.bhyt_registered_facility == "36001"
    assert saved.phones == ("02438251234", "0912345678")
    assert saved.address == "Xóm 2, xã Hải Minh, Nam Định"
    assert (saved.ethnicity, saved.occupation) == ("Kinh", "Giáo viên")
    assert saved.identity_status == "verified"
    assert form.full_name.text() == "" and form.cccd.text() == ""  # ready for the next one


def test_every_broken_rule_shows_under_its_field_and_nothing_is_saved(
    qtbot: QtBot, form: RegistrationForm, store: Store
) -> None:
    _fill(qtbot, form.full_name, "Hồ Văn Tư")
    _fill(qtbot, form.date_of_birth, "31/02/1980")
    _fill(qtbot, form.cccd, "00108500123")
    _fill(qtbot, form.phone, "12345")
    _fill(qtbot, form.bhyt_number, "ZZ4010123456789")
    _fill(qtbot, form.bhyt_valid_from, "01/06/2026")
    _fill(qtbot, form.bhyt_valid_to, "01/01/2026")
    assert not form.save()
    shown = _shown(form)
    assert set(shown) == {
        "sex",
        "date_of_birth",
        "cccd",
        "phone",
        "bhyt_number",
        "bhyt_valid_to",
    }
    assert shown["sex"] == "Chọn giới tính của bệnh nhân."
    assert "không có thật" in shown["date_of_birth"]
    assert "12 chữ số" in shown["cccd"] and not shown["cccd"].startswith("cccd:")
    assert "ZZ" in shown["bhyt_number"]
    assert form.sex.hasFocus()  # the first field in error
    assert form.full_name.isEnabled() and not form.full_name.isReadOnly()
    assert _patient_count(store) == 0

    form.sex.setCurrentIndex(form.sex.findData("male"))
    _fill(qtbot, form.date_of_birth, "1980")
    _fill(qtbot, form.cccd, "")
    _fill(qtbot, form.phone, "0987654321")
    _fill(qtbot, form.bhyt_number, "")
    _fill(qtbot, form.bhyt_valid_from, "")
    _fill(qtbot, form.bhyt_valid_to, "")
    assert set(_shown(form)) <= {"date_of_birth"}
    with qtbot.waitSignal(form.registered, timeout=5000):
        assert form.save()
    assert _patient_count(store) == 1


def test_a_cccd_that_contradicts_sex_and_birth_year_is_caught_before_saving(
    qtbot: QtBot, form: RegistrationForm
) -> None:
    _fill(qtbot, form.full_name, "Lý Thị Mai")
    form.sex.setCurrentIndex(form.sex.findData("female"))
    _fill(qtbot, form.date_of_birth, "1986")
    _fill(qtbot, form.cccd, "001085001234")
    shown = _shown(form)
    assert "cccd" in shown and "giới tính" in shown["cccd"]
    assert not form.save()


def test_messages_follow_the_language(qtbot: QtBot, form: RegistrationForm) -> None:
    _fill(qtbot, form.cccd, "12345")
    assert "12 chữ số" in _shown(form)["cccd"]
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: "12 digits" in form.messages["cccd"].text())
    assert form.save_button.text() == "Register and open chart"


def test_an_already_registered_cccd_offers_that_chart(
    qtbot: QtBot, ctx: AppContext, form: RegistrationForm, store: Store, registrar: Session
) -> None:
    existing = patients.register_from_qr(store, registrar, QR)
    _fill(qtbot, form.full_name, "Nguyễn Văn An")
    _fill(qtbot, form.cccd, "001085001234")
    qtbot.waitUntil(form.existing_box.isVisible)
    assert existing.mrn in form.existing_text.text()
    assert "đã được đăng ký" in _shown(form)["cccd"]
    assert not form.save()
    with (
        qtbot.waitSignal(ctx.open_chart_requested) as opened,
        qtbot.waitSignal(form.closed),
    ):
        form.open_existing.click()
    assert opened.args == [existing.id]
    assert _patient_count(store) == 1


def test_a_cccd_registered_meanwhile_elsewhere_is_refused_by_the_service(
    qtbot: QtBot, ctx: AppContext, form: RegistrationForm, store: Store, nurse: Session
) -> None:
    _fill(qtbot, form.full_name, "Nguyễn Văn An")
    _fill(qtbot, form.cccd, "001085001234")
    settle(qtbot, ctx)  # looked up: nobody has it yet
    assert form.existing_box.isHidden()
    other = patients.register_from_qr(store, nurse, QR)  # another desk, a second later
    assert form.save()
    qtbot.waitUntil(form.general_error.isVisible)
    assert other.mrn in form.general_error.text()
    qtbot.waitUntil(form.existing_box.isVisible)
    assert form.save_button.isEnabled() and form.full_name.text() == "Nguyễn Văn An"
    assert _patient_count(store) == 1


def test_an_expired_card_is_recorded_with_a_warning(
    qtbot: QtBot, form: RegistrationForm, store: Store, registrar: Session
) -> None:
    _fill(qtbot, form.full_name, "Đinh Văn Nam")
    form.sex.setCurrentIndex(form.sex.findData("male"))
    _fill(qtbot, form.bhyt_number, "HT2010123456789")
    _fill(qtbot, form.bhyt_valid_to, "31/12/2020")
    message = form.messages["bhyt_valid_to"]
    assert message.isVisible() and message.property("level") == "warning"
    assert "hết hạn" in message.text()
    with qtbot.waitSignal(form.registered, timeout=5000) as registered:
        assert form.save()
    saved = patients.get_patient(store, registrar, registered.args[0])
    assert saved.bhyt_valid_to == dt.date(2020, 12, 31)
    assert saved.identity_status == "unknown"


def test_a_year_only_birth_stays_year_only_and_a_child_needs_a_guardian(
    qtbot: QtBot, form: RegistrationForm, store: Store, registrar: Session
) -> None:
    _fill(qtbot, form.full_name, "Vàng A Páo")
    form.sex.setCurrentIndex(form.sex.findData("male"))
    _fill(qtbot, form.date_of_birth, str(dt.date.today().year - 6))
    assert form.messages["guardian_name"].isVisible()
    _fill(qtbot, form.guardian_name, "Vàng A Chử")
    assert form.messages["guardian_name"].isHidden()
    with qtbot.waitSignal(form.registered, timeout=5000) as registered:
        assert form.save()
    saved = patients.get_patient(store, registrar, registered.args[0])
    assert saved.date_of_birth is not None and saved.date_of_birth.is_year_only
    assert saved.guardian_name == "Vàng A Chử" and saved.identity_status == "incomplete"


def test_escape_closes_the_form_without_saving(
    qtbot: QtBot, form: RegistrationForm, store: Store
) -> None:
    _fill(qtbot, form.full_name, "Trịnh Văn Bô")
    with qtbot.waitSignal(form.closed):
        qtbot.keyClick(form.full_name, Qt.Key.Key_Escape)
    assert form.full_name.text() == ""
    assert _patient_count(store) == 0
