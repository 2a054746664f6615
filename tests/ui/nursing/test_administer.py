"""The administration panel: held and refused need a reason, partial doses, the double-dose
refusal and its audited override, signing with the password."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import (
    CEFTRIAXONE,
    Ward,
    administrations,
    audit_actions,
    record,
    select_dose,
)
from tests.ui.support import type_text

from emr_desktop.core.records import AdministrationOutcome
from emr_desktop.services.auth import Session
from emr_desktop.services.nursing import ScheduledDose
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.nursing.administer import AdministrationPanel


def _dose(store: Store, nurse: Session, ward: Ward, drug_code: str = CEFTRIAXONE) -> ScheduledDose:
    return select_dose(store, nurse, ward.first.id, drug_code)


def _panel(
    qtbot: QtBot, ctx: AppContext, session: Session, dose: ScheduledDose
) -> AdministrationPanel:
    panel = AdministrationPanel(logged_in(ctx, session))
    qtbot.addWidget(panel)
    panel.show()
    panel.set_dose(dose, wristband_scanned=True)
    return panel


def _record(qtbot: QtBot, ctx: AppContext, panel: AdministrationPanel) -> None:
    qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)


def test_held_needs_a_reason_then_is_recorded_with_it(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    panel = _panel(qtbot, ctx, nurse, _dose(store, nurse, ward))
    recorded: list[object] = []
    panel.recorded.connect(recorded.append)

    qtbot.mouseClick(panel.outcome_buttons[AdministrationOutcome.HELD], Qt.MouseButton.LeftButton)
    assert not panel.amount.isEnabled() and not panel.site.isEnabled()
    _record(qtbot, ctx, panel)
    assert panel.reason_error.isVisible()
    assert administrations(store, nurse, ward.first.id) == []

    panel.reason.setCurrentIndex(1)  # the first usual reason for holding
    reason = panel.reason.currentText()
    assert reason
    _record(qtbot, ctx, panel)

    found = administrations(store, nurse, ward.first.id)
    assert [(a.outcome, a.reason, a.dose) for a in found] == [("held", reason, None)]
    assert len(recorded) == 1
    assert panel.dose is None


def test_refused_with_a_typed_reason(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    panel = _panel(qtbot, ctx, nurse, _dose(store, nurse, ward))
    panel.set_outcome(AdministrationOutcome.REFUSED)
    type_text(panel.reason.lineEdit(), "Bệnh nhân sợ tiêm, xin uống thuốc")
    _record(qtbot, ctx, panel)

    found = administrations(store, nurse, ward.first.id)
    assert [(a.outcome, a.reason) for a in found] == [
        ("refused", "Bệnh nhân sợ tiêm, xin uống thuốc")
    ]


def test_a_partial_dose_with_its_site_and_a_dose_above_the_order_refused(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    panel = _panel(qtbot, ctx, nurse, _dose(store, nurse, ward))
    panel.amount.clear()
    type_text(panel.amount, "2")
    _record(qtbot, ctx, panel)
    assert panel.amount_error.isVisible()
    assert administrations(store, nurse, ward.first.id) == []

    panel.amount.clear()
    type_text(panel.amount, "0,5")
    panel.site.setCurrentIndex(panel.site.findData("left_gluteal"))
    _record(qtbot, ctx, panel)

    (given,) = administrations(store, nurse, ward.first.id)
    assert (given.outcome, given.dose, given.partial, given.site) == (
        "given",
        Decimal("0.5"),
        True,
        "left_gluteal",
    )


def test_a_second_record_of_the_dose_is_refused_then_overridden_with_a_reason(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    dose = _dose(store, nurse, ward)
    record(store, nurse, dose)
    panel = _panel(qtbot, ctx, nurse, dose)
    _record(qtbot, ctx, panel)

    assert panel.override_box.isVisible()
    assert "LIỀU ĐÃ ĐƯỢC GHI" in panel.override_alert.text()
    assert len(administrations(store, nurse, ward.first.id)) == 1

    qtbot.mouseClick(panel.override_button, Qt.MouseButton.LeftButton)
    assert panel.override_error.isVisible()  # no reason, no override
    settle(qtbot, ctx)
    assert len(administrations(store, nurse, ward.first.id)) == 1

    type_text(panel.override_reason, "Lần ghi trước nhầm giờ, bác sĩ đã xác nhận")
    qtbot.mouseClick(panel.override_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)

    found = administrations(store, nurse, ward.first.id)
    assert len(found) == 2
    assert "bác sĩ đã xác nhận" in (found[-1].reason or "")
    assert audit_actions(store, "administration.override") == 1
    assert not panel.override_box.isVisible()


def test_signing_with_the_password_and_a_wrong_password(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    panel = _panel(qtbot, ctx, nurse, _dose(store, nurse, ward))
    assert panel.password.isVisible()
    assert panel.nurse.text() == nurse.full_name
    type_text(panel.password, "wrong-password")
    _record(qtbot, ctx, panel)
    assert panel.password_error.isVisible()
    assert administrations(store, nurse, ward.first.id) == []

    type_text(panel.password, STAFF_PASSWORD)
    _record(qtbot, ctx, panel)
    (given,) = administrations(store, nurse, ward.first.id)
    assert given.signed


def test_the_panel_follows_the_language(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    panel = _panel(qtbot, ctx, nurse, _dose(store, nurse, ward))
    assert panel.outcome_buttons[AdministrationOutcome.GIVEN].text() == "Đã &dùng"
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: panel.outcome_buttons[AdministrationOutcome.GIVEN].text() == "&Given")
    assert panel.record_button.text() == "Record"
