"""Visits and stays from the chart: start a visit, admit to a department and bed, transfer,
discharge with the QĐ 130 result codes — what the store holds after each form."""

from __future__ import annotations

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_text

from emr_desktop.core.records import Bed, Department, Encounter, Patient
from emr_desktop.services import auth, chart, clinical, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.encounters import (
    ADMIT,
    DEPARTMENT,
    DISCHARGE,
    TRANSFER,
    VISIT,
    EncountersModel,
    EncountersTab,
)
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext


@pytest.fixture
def places(store: Store, admin: Session) -> dict[str, Department | Bed]:
    medicine = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    surgery = wards.add_department(store, admin, code="NGOAI", name="Khoa Ngoại tổng hợp")
    clinic = wards.add_department(
        store, admin, code="KKB", name="Khoa Khám bệnh", kind="outpatient"
    )
    return {
        "medicine": medicine,
        "surgery": surgery,
        "clinic": clinic,
        "bed_1": wards.add_bed(store, admin, department_id=medicine.id, code="P201-G1"),
        "bed_2": wards.add_bed(store, admin, department_id=medicine.id, code="P201-G2"),
        "surgery_bed": wards.add_bed(store, admin, department_id=surgery.id, code="P301-G1"),
    }


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Bùi Văn Khánh", sex="male", date_of_birth="1972"
    )


def _encounters(store: Store, session: Session, patient_id: str) -> list[Encounter]:
    with store.unit_of_work(user_id=session.user_id) as uow:
        return uow.find(Encounter, patient_id=patient_id)


def _movements(store: Store, session: Session, patient_id: str) -> list[str]:
    result = chart.open_chart(store, session, patient_id)
    return [e.body["movement"] for e in result.events if e.kind == "movement"]


def _tab(qtbot: QtBot, ctx: AppContext, patient_id: str) -> EncountersTab:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    view.tabs.setCurrentWidget(view.encounters)
    return view.encounters


def _choose(combo: object, data: str) -> None:
    index = combo.findData(data)  # type: ignore[attr-defined]
    assert index >= 0, data
    combo.setCurrentIndex(index)  # type: ignore[attr-defined]


def test_the_model_passes_the_qt_model_checks(
    qtmodeltester: ModelTester,
    store: Store,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
    model = EncountersModel()
    model.set_encounters(chart.open_chart(store, doctor, patient.id).encounters)
    model.set_directory(chart.facility_directory(store, doctor))
    qtmodeltester.check(model)


def test_a_visit_is_started_and_ended_with_its_result(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    assert tab.visit_button.isEnabled() and not tab.discharge_button.isEnabled()
    tab.visit_button.click()
    settle(qtbot, ctx)
    assert tab.form_box.isVisible()
    _choose(tab.department, places["clinic"].id)
    type_text(tab.reason, "Ho khan 2 tuần")
    tab.save_button.click()
    settle(qtbot, ctx)
    [visit] = _encounters(store, doctor, patient.id)
    assert (visit.kind, visit.status, visit.reason) == (
        "outpatient",
        "in_progress",
        "Ho khan 2 tuần",
    )
    assert visit.department_id == places["clinic"].id
    assert visit.attending_id == doctor.user_id
    # The chart reloaded: the open visit is listed, selected and can be ended.
    assert tab.model.rowCount() == 1
    assert tab.selected_encounter() is not None
    assert not tab.visit_button.isEnabled() and tab.discharge_button.isEnabled()
    assert tab.model.data(tab.model.index(0, DEPARTMENT)) == "Khoa Khám bệnh"

    tab.discharge_button.click()
    settle(qtbot, ctx)
    _choose(tab.treatment_result, "2")
    tab.save_button.click()
    settle(qtbot, ctx)
    [visit] = _encounters(store, doctor, patient.id)
    assert (visit.status, visit.treatment_result, visit.discharge_type) == ("finished", "2", "1")
    assert tab.visit_button.isEnabled() and not tab.discharge_button.isEnabled()


def test_admission_transfer_and_discharge_move_the_patient_between_beds(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    tab.admit_button.click()
    settle(qtbot, ctx)
    _choose(tab.department, places["medicine"].id)
    beds = [tab.bed.itemText(i) for i in range(tab.bed.count())]
    assert beds == ["(chưa xếp giường)", "Giường P201-G1", "Giường P201-G2"]
    _choose(tab.bed, places["bed_2"].id)
    type_text(tab.reason, "Viêm phổi")
    tab.save_button.click()
    settle(qtbot, ctx)
    [stay] = _encounters(store, nurse, patient.id)
    assert (stay.kind, stay.department_id, stay.bed_id) == (
        "inpatient",
        places["medicine"].id,
        places["bed_2"].id,
    )
    assert tab.model.data(tab.model.index(0, DEPARTMENT)) == "Khoa Nội tổng hợp · P201-G2"
    assert tab.transfer_button.isEnabled() and not tab.admit_button.isEnabled()

    tab.transfer_button.click()
    settle(qtbot, ctx)
    _choose(tab.department, places["surgery"].id)
    _choose(tab.bed, places["surgery_bed"].id)
    tab.save_button.click()
    settle(qtbot, ctx)
    [stay] = _encounters(store, nurse, patient.id)
    assert (stay.department_id, stay.bed_id) == (places["surgery"].id, places["surgery_bed"].id)

    tab.discharge_button.click()
    settle(qtbot, ctx)
    _choose(tab.treatment_result, "1")
    _choose(tab.discharge_type, "4")
    tab.save_button.click()
    settle(qtbot, ctx)
    [stay] = _encounters(store, nurse, patient.id)
    assert (stay.status, stay.bed_id, stay.treatment_result, stay.discharge_type) == (
        "finished",
        None,
        "1",
        "4",
    )
    assert _movements(store, nurse, patient.id) == ["admission", "transfer", "discharge"]


def test_a_taken_bed_stays_choosable_for_a_shared_bed(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    other = patients.register_patient(store, registrar, full_name="Lý Văn Sơn", sex="male")
    clinical.start_encounter(
        store,
        doctor,
        patient_id=other.id,
        kind="inpatient",
        department_id=places["medicine"].id,
        bed_id=places["bed_1"].id,
    )
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.admit_button.click()
    settle(qtbot, ctx)
    _choose(tab.department, places["medicine"].id)
    beds = [tab.bed.itemText(i) for i in range(tab.bed.count())]
    assert beds == [
        "(chưa xếp giường)",
        "Giường P201-G2",
        "Giường P201-G1 (đã có người: nằm ghép)",
    ]


def test_admission_needs_a_department_and_says_so_beside_it(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.open_form(ADMIT)
    settle(qtbot, ctx)
    tab.department.setCurrentIndex(-1)
    tab.save_button.click()
    assert tab.fields["department_id"].error.text() == "Chọn khoa"
    assert not tab.fields["department_id"].error.isHidden()
    assert _encounters(store, doctor, patient.id) == []


def test_without_departments_the_admission_form_asks_for_them(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.open_form(ADMIT)
    settle(qtbot, ctx)
    assert tab.no_departments.isVisible()
    assert not tab.save_button.isEnabled()
    tab.close_form()
    tab.open_form(VISIT)
    settle(qtbot, ctx)
    assert not tab.no_departments.isVisible() and tab.save_button.isEnabled()


def test_an_end_before_the_start_is_refused_beside_the_time(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.open_form(DISCHARGE)
    settle(qtbot, ctx)
    tab.ended_at.setDateTime(tab.ended_at.dateTime().addDays(-2))
    tab.save_button.click()
    settle(qtbot, ctx)
    error = tab.fields["ended_at"].error
    assert error.text() == "Thời điểm kết thúc trước thời điểm bắt đầu"
    assert tab.form_box.isVisible()
    [visit] = _encounters(store, doctor, patient.id)
    assert visit.status == "in_progress"


def test_roles_that_cannot_manage_encounters_get_no_buttons(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session, patient: Patient
) -> None:
    auth.add_user(
        store,
        admin,
        username="ds.thu",
        role="pharmacist",
        full_name="Vũ Thị Thu",
        password="staff-password-1",
    )
    pharmacist = auth.login(store, "ds.thu", "staff-password-1")
    tab = _tab(qtbot, logged_in(ctx, pharmacist), patient.id)
    assert tab.admit_button.isHidden() and tab.visit_button.isHidden()
    assert tab.transfer_button.isHidden() and tab.discharge_button.isHidden()


def test_transfer_needs_a_selected_open_stay(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    places: dict[str, Department | Bed],
) -> None:
    clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    assert not tab.transfer_button.isEnabled()
    tab.table.clearSelection()
    tab.open_form(TRANSFER)
    _choose(tab.department, places["surgery"].id)
    tab.save_button.click()
    assert tab.error.text() == "Hãy chọn lượt khám/điều trị trong danh sách trước"
