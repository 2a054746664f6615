"""The nurses' worklist driven as at the bedside: a wedge scanner types the wristband code
and Enter, then the drug code and Enter; wrong patient and wrong drug are refused."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import (
    CEFTRIAXONE,
    GENTAMICIN,
    PinnedClock,
    Ward,
    administrations,
    order,
    record,
    select_dose,
)
from tests.ui.support import press_enter, type_keys, type_text
from tests.ui.test_scanner import VirtualPort

from emr_desktop.core.records import EncounterKind
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import chart, clinical, nursing, patients, prescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.vitals import readings_by_code
from emr_desktop.ui.context import SYNC, AppContext
from emr_desktop.ui.nursing.worklist import (
    BOOTH_MODE,
    SETTING_DEPARTMENT,
    SETTING_SCANNER_PORT,
    WARD_MODE,
    WorklistModel,
    WorklistScreen,
    looks_like_wristband,
)


@pytest.fixture
def beeps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: calls.append(1)))
    return calls


def _screen(qtbot: QtBot, ctx: AppContext, session: Session, ward: Ward) -> WorklistScreen:
    ctx.settings.setValue(SETTING_DEPARTMENT, ward.department_id)
    screen = WorklistScreen(logged_in(ctx, session))
    qtbot.addWidget(screen)
    screen.resize(1400, 900)
    screen.show()
    settle(qtbot, ctx)
    return screen


def _scan(qtbot: QtBot, ctx: AppContext, screen: WorklistScreen, code: str) -> None:
    type_keys(qtbot, screen.scan, code)
    press_enter(qtbot, screen.scan)
    settle(qtbot, ctx)


def _column(screen: WorklistScreen, column: int) -> list[str]:
    model = screen.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_the_ward_list_shows_due_doses_first_and_passes_the_model_test(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward, qtmodeltester: ModelTester
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)

    assert screen.worklist_mode() == WARD_MODE
    assert screen.department_id() == ward.department_id
    statuses = _column(screen, WorklistModel.STATUS)
    assert statuses[:2] == ["đến giờ", "đến giờ"]
    assert statuses[-1] == "khi cần"  # the as-needed paracetamol comes last
    assert sorted(_column(screen, WorklistModel.BED)[:2]) == ["G1", "G2"]
    assert "2 đến giờ" in screen.summary.text()
    due = screen.model.index(0, WorklistModel.STATUS)
    assert due.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#ffc107"
    qtmodeltester.check(screen.model)


def test_wristband_then_drug_opens_the_dose_and_records_it_given(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward, beeps: list[int]
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)

    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.first))
    assert screen.patient is not None and screen.patient.patient_id == ward.first.id
    assert screen.model.highlighted == ward.first.id
    assert ward.first.full_name in screen.patient_label.text()
    assert screen.scan.text() == ""

    _scan(qtbot, ctx, screen, CEFTRIAXONE.lower())  # barcodes arrive in any case
    dose = screen.panel.dose
    assert dose is not None and dose.drug_code == CEFTRIAXONE
    assert screen.panel.wristband_scanned
    assert screen.side.currentWidget() is screen.panel
    assert screen.panel.amount.text() == "1"

    qtbot.mouseClick(screen.panel.record_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)

    recorded = administrations(store, nurse, ward.first.id)
    assert [(a.outcome, a.wristband_scanned, a.recorded_by) for a in recorded] == [
        ("given", True, nurse.user_id)
    ]
    assert screen.panel.dose is None
    assert screen.alert.property("level") == "ok"
    assert beeps == []
    # The list was read again: the dose shows as given.
    row = next(
        r
        for r in range(screen.model.rowCount())
        if screen.model.dose_at(r).drug_code == CEFTRIAXONE
    )
    assert screen.model.index(row, WorklistModel.STATUS).data() == "đã dùng"


def test_a_drug_not_ordered_for_the_patient_is_refused_loudly(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward, beeps: list[int]
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.first))
    _scan(qtbot, ctx, screen, CEFTRIAXONE)
    assert screen.panel.dose is not None

    _scan(qtbot, ctx, screen, GENTAMICIN)  # the other patient's drug, picked up by mistake

    assert screen.alert.isVisible() and screen.alert.property("level") == "error"
    assert "SAI THUỐC" in screen.alert.text()
    assert screen.alert.font().pointSize() >= 20
    assert beeps == [1]
    assert screen.scan.text() == ""
    assert screen.panel.dose is None
    assert administrations(store, nurse, ward.first.id) == []
    assert administrations(store, nurse, ward.second.id) == []


def test_a_wristband_of_another_patient_is_refused_for_the_chosen_dose(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward, beeps: list[int]
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    row = next(
        r for r in range(screen.model.rowCount()) if screen.model.dose_at(r).drug_code == GENTAMICIN
    )
    screen.table.setFocus()
    screen.table.setCurrentIndex(screen.model.index(row, 0))
    press_enter(qtbot, screen.table)  # chosen by hand: the panel asks for the wristband
    assert screen.panel.dose is not None and screen.panel.dose.patient_id == ward.second.id
    assert not screen.panel.wristband_scanned
    assert "Chưa quét vòng tay" in screen.panel.wristband.text()

    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.first))

    assert "SAI BỆNH NHÂN" in screen.alert.text()
    assert beeps == [1]
    assert screen.panel.dose is not None and not screen.panel.wristband_scanned
    assert administrations(store, nurse, ward.second.id) == []

    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.second))
    assert screen.panel.wristband_scanned
    qtbot.mouseClick(screen.panel.record_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert [a.wristband_scanned for a in administrations(store, nurse, ward.second.id)] == [True]


def test_an_unknown_wristband_and_esc_for_the_next_patient(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward, beeps: list[int]
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    _scan(qtbot, ctx, screen, "BN9999999999")
    assert screen.patient is None
    assert screen.alert.property("level") == "error"
    assert beeps == [1]

    _scan(qtbot, ctx, screen, ward.second.mrn)  # the record number typed by hand
    assert screen.patient is not None and screen.patient.patient_id == ward.second.id
    qtbot.keyClick(screen.scan, Qt.Key.Key_Escape)
    assert screen.patient is None
    assert screen.model.highlighted is None
    assert not screen.side.isVisible()


def test_new_orders_arriving_by_sync_appear(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    nurse: Session,
    ward: Ward,
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    rows = screen.model.rowCount()
    order(store, doctor, ward.second_stay, CEFTRIAXONE)

    ctx.data_changed.emit(SYNC, "")
    settle(qtbot, ctx)

    assert screen.model.rowCount() == rows + 1
    assert screen.timer.isActive()


def test_the_booth_lists_no_ward_doses(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    screen.set_mode(BOOTH_MODE)
    settle(qtbot, ctx)

    assert screen.model.rowCount() == 0
    assert screen.summary.text() == "Không có liều thuốc nào trong danh sách."
    assert not screen.department.isVisible()
    assert screen.table.isColumnHidden(WorklistModel.BED)
    assert ctx.settings.value("nursing/mode") == BOOTH_MODE


def test_language_switch(qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    header = screen.model.headerData(WorklistModel.TIME, Qt.Orientation.Horizontal)
    assert header == "Giờ"
    assert screen.mode.itemText(1) == "Buồng tiêm"

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: screen.mode.itemText(1) == "Injection booth")
    assert screen.model.headerData(WorklistModel.TIME, Qt.Orientation.Horizontal) == "Time"
    assert screen.model.index(0, WorklistModel.STATUS).data() == "due now"
    assert screen.pages.tabText(1) == "Shift handover"


def test_a_registrar_sees_no_medication(
    qtbot: QtBot, ctx: AppContext, registrar: Session, ward: Ward
) -> None:
    screen = _screen(qtbot, ctx, registrar, ward)
    assert screen.model.rowCount() == 0
    assert not screen.scan.isEnabled()
    assert screen.notice.isVisible()


def test_wristband_codes_are_told_from_drug_codes() -> None:
    assert looks_like_wristband("BN0000001234")
    assert looks_like_wristband("bn0000001234")
    assert not looks_like_wristband("T0040")
    assert not looks_like_wristband("BN")


def test_vital_signs_recorded_at_the_booth(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    screen = _screen(qtbot, ctx, nurse, ward)
    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.second))
    screen.side.setCurrentWidget(screen.vitals_page)
    settle(qtbot, ctx)
    vitals = screen.vitals
    assert vitals is not None and vitals.save_button.isEnabled()

    type_text(vitals.inputs["temperature"], "38,5")
    type_text(vitals.inputs["pulse"], "96")
    qtbot.mouseClick(vitals.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)

    found = readings_by_code(chart.open_chart(store, nurse, ward.second.id))
    assert [r.value for r in found["temperature"]] == [38.5]
    assert [r.value for r in found["pulse"]] == [96]
    # Another patient gets a fresh, empty form.
    _scan(qtbot, ctx, screen, nursing.wristband_code(ward.first))
    assert screen.vitals is not vitals
    assert screen.vitals is not None and screen.vitals.inputs["temperature"].text() == ""


def test_the_booth_lists_outpatient_injections(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    nurse: Session,
    ward: Ward,
    clock: PinnedClock,
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Lê Văn Cường", sex="male", date_of_birth="1980"
    )
    visit = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind=EncounterKind.OUTPATIENT
    )
    prescription = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest(drug_code=GENTAMICIN, dose=Decimal(1), times_per_day=1, days=3)],
        sign_password=STAFF_PASSWORD,
    )
    # A booth course runs from the day the prescription was written (by the wall clock):
    # look at the booth on that day, at the pinned time of day.
    clock.pin(prescription.effective_at.astimezone(VIETNAM_TZ).date())
    screen = _screen(qtbot, ctx, nurse, ward)
    screen.set_mode(BOOTH_MODE)
    settle(qtbot, ctx)

    assert [screen.model.dose_at(r).patient_id for r in range(screen.model.rowCount())] == [
        patient.id
    ]
    assert screen.model.index(0, WorklistModel.DRUG).data().startswith("Gentamicin")


def test_a_serial_scanner_of_the_booth_works_like_the_scan_box(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward, tmp_path: Path
) -> None:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed: it provides the virtual serial port for this test")
    port = VirtualPort(tmp_path)
    port.plug_in()
    try:
        ctx.settings.setValue(SETTING_SCANNER_PORT, str(port.pc))
        screen = _screen(qtbot, ctx, nurse, ward)
        assert screen.scanner is not None
        qtbot.waitUntil(lambda: screen.scanner is not None and screen.scanner.connected)

        port.send(nursing.wristband_code(ward.first).encode() + b"\r\n")
        qtbot.waitUntil(lambda: screen.patient is not None, timeout=5000)
        settle(qtbot, ctx)
        port.send(CEFTRIAXONE.encode() + b"\r\n")
        qtbot.waitUntil(lambda: screen.panel.dose is not None, timeout=5000)
        assert screen.panel.wristband_scanned
        screen.hide()
        assert not screen.scanner.connected
    finally:
        port.unplug()


def test_a_dose_recorded_twice_stands_out(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward
) -> None:
    dose = select_dose(store, nurse, ward.second.id, GENTAMICIN)
    for override in (None, "Ghi từ máy buồng tiêm khi mất mạng"):
        record(store, nurse, dose, override_reason=override)
    screen = _screen(qtbot, ctx, nurse, ward)
    row = next(
        r for r in range(screen.model.rowCount()) if screen.model.dose_at(r).drug_code == GENTAMICIN
    )
    status = screen.model.index(row, WorklistModel.STATUS)
    assert status.data() == "⚠ đã dùng ×2"
    assert status.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#c62828"
    assert "hai lần" in status.data(Qt.ItemDataRole.ToolTipRole)
