"""The ward board: beds with their patients, free beds, opening a chart, admin's beds form."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import EncounterKind
from emr_desktop.services import clinical, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.context import CHART, WARD, AppContext
from emr_desktop.ui.ward import SETTING_DEPARTMENT, BoardModel, WardBoard, day_of_stay


def _ward(store: Store, admin: Session, code: str, name: str, beds: tuple[str, ...]) -> str:
    department = wards.add_department(store, admin, code=code, name=name)
    for bed in beds:
        wards.add_bed(store, admin, department_id=department.id, code=bed)
    return department.id


def _admit(store: Store, doctor: Session, department_id: str, bed_code: str, name: str) -> str:
    bed = next(b for b in wards.list_beds(store, doctor, department_id) if b.code == bed_code)
    patient = patients.register_patient(
        store, doctor, full_name=name, sex="male", date_of_birth="1956"
    )
    clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind=EncounterKind.INPATIENT,
        department_id=department_id,
        bed_id=bed.id,
        reason="Viêm phổi",
    )
    return patient.id


def _board(qtbot: QtBot, ctx: AppContext) -> WardBoard:
    board = WardBoard(ctx)
    qtbot.addWidget(board)
    board.show()
    settle(qtbot, ctx)
    return board


def _cells(board: WardBoard, column: int) -> list[str]:
    model = board.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _double_click(qtbot: QtBot, board: WardBoard, row: int) -> None:
    """A real double click: the press of the first click, then the double click."""
    center = board.view.visualRect(board.model.index(row, BoardModel.PATIENT)).center()
    qtbot.mouseClick(board.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(board.view.viewport(), Qt.MouseButton.LeftButton, pos=center)


def test_a_doctor_sees_the_beds_and_opens_a_chart_by_double_click(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session, doctor: Session
) -> None:
    department_id = _ward(store, admin, "NOI", "Khoa Nội tổng hợp", ("G1", "G2", "G10"))
    _ward(store, admin, "NHI", "Khoa Nhi", ("N1",))
    patient_id = _admit(store, doctor, department_id, "G2", "Đặng Văn Sáu")
    ctx.settings.setValue(SETTING_DEPARTMENT, department_id)
    board = _board(qtbot, logged_in(ctx, doctor))

    assert board.department.count() == 2
    assert board.department_id() == department_id
    assert _cells(board, BoardModel.BED) == ["G1", "G2", "G10"]
    assert _cells(board, BoardModel.PATIENT)[0] == "Trống"
    assert _cells(board, BoardModel.PATIENT)[1].startswith("Đặng Văn Sáu — ")
    assert _cells(board, BoardModel.DAY)[1] == "1"
    assert doctor.full_name == _cells(board, BoardModel.ATTENDING)[1]
    assert "nam" in _cells(board, BoardModel.AGE_SEX)[1]
    free = board.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(free, QBrush)
    assert board.model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "3 giường" in board.summary.text() and "2 trống" in board.summary.text()

    with qtbot.waitSignal(ctx.open_chart_requested, timeout=2000) as opened:
        _double_click(qtbot, board, 1)
    assert opened.args == [patient_id]
    board.view.setCurrentIndex(board.model.index(1, 0))
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=2000) as opened:
        press_enter(qtbot, board.view)
    assert opened.args == [patient_id]
    # A free bed opens nothing.
    with qtbot.assertNotEmitted(ctx.open_chart_requested):
        _double_click(qtbot, board, 0)


def test_the_board_follows_admissions_and_discharges(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session, nurse: Session, doctor: Session
) -> None:
    department_id = _ward(store, admin, "NGOAI", "Khoa Ngoại", ("G1", "G2"))
    board = _board(qtbot, logged_in(ctx, nurse))
    assert _cells(board, BoardModel.PATIENT) == ["Trống", "Trống"]

    patient_id = _admit(store, doctor, department_id, "G1", "Hà Văn Bảy")
    ctx.data_changed.emit(WARD, patient_id)
    settle(qtbot, ctx)
    assert _cells(board, BoardModel.PATIENT)[0].startswith("Hà Văn Bảy")

    [stay] = [r for r in wards.ward_board(store, doctor, department_id) if not r.free]
    clinical.discharge_patient(store, doctor, stay.encounter_id or "", treatment_result="1")
    board.hide()
    ctx.data_changed.emit(CHART, patient_id)
    settle(qtbot, ctx)
    assert _cells(board, BoardModel.PATIENT)[0].startswith("Hà Văn Bảy")  # hidden: not yet
    board.show()
    settle(qtbot, ctx)
    assert _cells(board, BoardModel.PATIENT) == ["Trống", "Trống"]


def test_an_administrator_adds_a_department_and_its_beds(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session
) -> None:
    board = _board(qtbot, logged_in(ctx, admin))
    form = board.form
    assert form is not None
    assert board.notice.isVisible()
    type_keys(qtbot, form.department_code, "HSCC")
    type_text(form.department_name, "Khoa Hồi sức cấp cứu")
    form.department_kind.setCurrentIndex(form.department_kind.findData("emergency"))
    form.add_department.click()
    settle(qtbot, ctx)
    settle(qtbot, ctx)
    [department] = wards.list_departments(store, admin)
    assert (department.code, department.name, department.kind) == (
        "HSCC",
        "Khoa Hồi sức cấp cứu",
        "emergency",
    )
    assert board.department_id() == department.id

    for code in ("HS-01", "HS-02"):
        type_keys(qtbot, form.bed_code, code)
        press_enter(qtbot, form.bed_code)
        settle(qtbot, ctx)
    settle(qtbot, ctx)
    assert [b.code for b in wards.list_beds(store, admin, department.id)] == ["HS-01", "HS-02"]
    assert _cells(board, BoardModel.BED) == ["HS-01", "HS-02"]
    # An administrator does not see patients: the beds alone, no "free" marks.
    assert _cells(board, BoardModel.PATIENT) == ["", ""]
    assert "không xem" in board.notice.text()

    type_keys(qtbot, form.bed_code, "hs-01")
    press_enter(qtbot, form.bed_code)
    settle(qtbot, ctx)
    assert "HS-01" in form.bed_error.text()
    assert len(wards.list_beds(store, admin, department.id)) == 2

    form.department_code.clear()
    type_keys(qtbot, form.department_code, "HSCC")
    type_text(form.department_name, "Khoa khác")
    form.add_department.click()
    settle(qtbot, ctx)
    assert "HSCC" in form.department_error.text()
    assert len(wards.list_departments(store, admin)) == 1


def test_clinicians_get_no_department_form(qtbot: QtBot, ctx: AppContext, doctor: Session) -> None:
    board = _board(qtbot, logged_in(ctx, doctor))
    assert board.form is None
    assert "quản trị viên" in board.notice.text()


@pytest.mark.parametrize("patients_shown", [True, False])
def test_the_board_model_is_a_sound_qt_model(
    qtmodeltester: ModelTester, patients_shown: bool
) -> None:
    model = BoardModel()
    model.set_rows(
        [
            wards.BoardRow(bed_id="b1", bed_code="G1"),
            wards.BoardRow(
                bed_id=None, bed_code="", patient_id="p1", patient_name="Lò Văn Pọm", mrn="1"
            ),
        ],
        patients_shown=patients_shown,
    )
    qtmodeltester.check(model)


def test_the_day_of_admission_is_day_one() -> None:
    assert day_of_stay(date(2025, 3, 1), date(2025, 3, 1)) == 1
    assert day_of_stay(date(2025, 2, 27), date(2025, 3, 1)) == 3
