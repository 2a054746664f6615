"""The MAR grid: what was recorded shows in the drug's row under its time, day by day."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import (
    CEFTRIAXONE,
    PARACETAMOL,
    PinnedClock,
    Ward,
    record,
    select_dose,
)

from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import CHART, AppContext
from emr_desktop.ui.nursing.mar import GIVEN_MARK, MarModel, MarView


def _view(qtbot: QtBot, ctx: AppContext, session: Session, patient_id: str) -> MarView:
    view = MarView(logged_in(ctx, session), patient_id)
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, ctx)
    return view


def _row(model: MarModel, drug_name_start: str) -> int:
    return next(
        r
        for r in range(model.rowCount())
        if str(model.index(r, 0).data()).startswith(drug_name_start)
    )


def test_given_and_as_needed_doses_show_in_the_grid(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    ward: Ward,
    qtmodeltester: ModelTester,
) -> None:
    view = _view(qtbot, ctx, nurse, ward.first.id)
    model = view.model
    assert model.rowCount() == 2  # ceftriaxone on schedule, paracetamol when needed
    ceftriaxone = _row(model, "Ceftriaxon")
    (column,) = [c for c in range(1, len(model.times) + 1) if model.cell_at(ceftriaxone, c)]
    assert model.index(ceftriaxone, column).data() == "đến giờ"

    record(store, nurse, select_dose(store, nurse, ward.first.id, CEFTRIAXONE))
    prn = select_dose(store, nurse, ward.first.id, PARACETAMOL)
    assert prn.due_at is None
    record(store, nurse, prn)
    ctx.data_changed.emit(CHART, ward.first.id)
    settle(qtbot, ctx)

    cell = str(model.index(ceftriaxone, column).data())
    assert cell.startswith(GIVEN_MARK)
    paracetamol = _row(model, "Paracetamol")
    assert str(model.index(paracetamol, model.prn_column()).data()).startswith(GIVEN_MARK)
    assert nurse.full_name in str(
        model.index(ceftriaxone, column).data(Qt.ItemDataRole.ToolTipRole)
    )  # tooltip
    qtmodeltester.check(model)


def test_day_navigation(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward, clock: PinnedClock
) -> None:
    view = _view(qtbot, ctx, nurse, ward.first.id)
    today = clock.day
    assert view.current_day() == today

    view.previous_button.click()
    settle(qtbot, ctx)
    assert view.current_day() == today - timedelta(days=1)
    assert view.model.rowCount() == 0
    assert view.status.text() == "Không dùng thuốc trong ngày này."

    view.today_button.click()
    settle(qtbot, ctx)
    assert view.current_day() == today
    assert view.model.rowCount() == 2

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: view.status.text() == "2 drug(s) on this day.")
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Drug"


def test_no_patient_no_grid(qtbot: QtBot, ctx: AppContext, nurse: Session) -> None:
    view = MarView(logged_in(ctx, nurse), None)
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, ctx)
    assert view.model.rowCount() == 0
    assert view.model.columnCount() == 2
