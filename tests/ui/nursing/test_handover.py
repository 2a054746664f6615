"""The shift handover: shift boundaries, the numbers per patient and for the ward, the text."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import CEFTRIAXONE, GENTAMICIN, Ward

from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import nursing
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.nursing.handover import HandoverModel, HandoverView, shift_bounds


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VIETNAM_TZ)


@pytest.mark.parametrize(
    ("moment", "offset", "start", "end"),
    [
        ("2025-03-12 07:00", 0, "2025-03-12 07:00", "2025-03-12 14:00"),
        ("2025-03-12 13:59", 0, "2025-03-12 07:00", "2025-03-12 14:00"),
        ("2025-03-12 14:05", -1, "2025-03-12 07:00", "2025-03-12 14:00"),
        ("2025-03-12 23:30", 0, "2025-03-12 21:00", "2025-03-13 07:00"),
        ("2025-03-13 02:00", 0, "2025-03-12 21:00", "2025-03-13 07:00"),
        ("2025-03-13 06:59", -1, "2025-03-12 14:00", "2025-03-12 21:00"),
        ("2025-03-13 07:10", -2, "2025-03-12 14:00", "2025-03-12 21:00"),
        ("2025-03-12 08:00", 2, "2025-03-12 21:00", "2025-03-13 07:00"),
    ],
)
def test_shift_bounds(moment: str, offset: int, start: str, end: str) -> None:
    assert shift_bounds(_at(moment), offset) == (_at(start), _at(end))


def test_the_handover_counts_each_patients_doses_and_copies_as_text(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    ward: Ward,
    qtmodeltester: ModelTester,
) -> None:
    for patient, drug, outcome in (
        (ward.first, CEFTRIAXONE, "given"),
        (ward.second, GENTAMICIN, "held"),
    ):
        dose = nursing.select_dose(store, nurse, patient_id=patient.id, drug_code_or_barcode=drug)
        nursing.record_administration(
            store,
            nurse,
            order_id=dose.order_id,
            scheduled_for=dose.due_at,
            outcome=outcome,
            reason=None if outcome == "given" else "Bệnh nhân nôn",
        )
    view = HandoverView(logged_in(ctx, nurse))
    qtbot.addWidget(view)
    view.show()
    view.set_department(ward.department_id)
    settle(qtbot, ctx)

    model = view.model
    rows = {model.index(r, HandoverModel.BED).data(): r for r in range(model.rowCount())}
    assert set(rows) == {"G1", "G2"}
    assert model.index(rows["G1"], HandoverModel.GIVEN).data() == "1"
    assert model.index(rows["G1"], HandoverModel.HELD).data() == ""
    assert model.index(rows["G2"], HandoverModel.HELD).data() == "1"
    assert model.index(rows["G2"], HandoverModel.GIVEN).data() == ""
    assert "1 đã dùng" in view.totals.text()
    assert "1 tạm hoãn" in view.totals.text()
    qtmodeltester.check(model)

    view.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert ward.first.full_name in text and ward.second.full_name in text
    assert "Bệnh nhân nôn" in text

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: "1 held" in view.totals.text())
    assert model.headerData(HandoverModel.HELD, Qt.Orientation.Horizontal) == "Held"


def test_stepping_to_the_previous_shift(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward
) -> None:
    view = HandoverView(logged_in(ctx, nurse))
    qtbot.addWidget(view)
    view.show()
    view.set_department(ward.department_id)
    settle(qtbot, ctx)
    assert not view.next_button.isEnabled()

    view.previous_button.click()
    settle(qtbot, ctx)
    assert view.offset == -1
    assert view.bounds()[1] == shift_bounds(datetime.now(VIETNAM_TZ))[0]
    assert view.next_button.isEnabled()
