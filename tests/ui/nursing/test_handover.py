"""The shift handover: shift boundaries, the numbers per patient and for the ward, the text."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import (
    CEFTRIAXONE,
    GENTAMICIN,
    PinnedClock,
    Ward,
    record,
    select_dose,
)

from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.nursing.handover import HandoverModel, HandoverView, shift_bounds, shift_title


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
        dose = select_dose(store, nurse, patient.id, drug)
        record(store, nurse, dose, outcome, reason=None if outcome == "given" else "Bệnh nhân nôn")
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
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward, clock: PinnedClock
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
    assert view.bounds()[1] == shift_bounds(clock.moment)[0]
    assert view.next_button.isEnabled()


@pytest.mark.parametrize(
    ("clock", "start", "end"),
    [
        ("06:59:59", "-1 21:00", "0 07:00"),
        ("07:00:00", "0 07:00", "0 14:00"),
        ("13:59:59", "0 07:00", "0 14:00"),
        ("20:59:59", "0 14:00", "0 21:00"),
        ("21:00:00", "0 21:00", "1 07:00"),
        ("23:59:59", "0 21:00", "1 07:00"),
        ("00:00:00", "-1 21:00", "0 07:00"),
    ],
    indirect=["clock"],
)
def test_the_shift_shown_is_the_one_in_progress_on_the_nursing_clock(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    ward: Ward,
    clock: PinnedClock,
    start: str,
    end: str,
) -> None:
    """The screen reads the shift from the nursing clock, not the wall clock: pinned a second
    before (or at) a shift change or midnight, it shows that shift with its doses."""

    def local(text: str) -> datetime:
        days, clock_time = text.split()
        day = clock.day + timedelta(days=int(days))
        return datetime.combine(day, time.fromisoformat(clock_time), VIETNAM_TZ)

    dose = select_dose(store, nurse, ward.first.id, CEFTRIAXONE)  # ordered at the pinned minute
    record(store, nurse, dose)
    view = HandoverView(logged_in(ctx, nurse))
    qtbot.addWidget(view)
    view.show()
    view.set_department(ward.department_id)
    settle(qtbot, ctx)

    assert view.bounds() == (local(start), local(end))
    assert view.shift.text().endswith(shift_title(local(start), local(end)))
    model = view.model
    rows = {model.index(r, HandoverModel.BED).data(): r for r in range(model.rowCount())}
    assert model.index(rows["G1"], HandoverModel.GIVEN).data() == "1"
