"""The orders tab: ordering from the lists, entering lab results flagged against the range."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import admitted_patient, current, open_tab, sign_with
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.records import Encounter, Order, Patient
from emr_desktop.services import clinical
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.orders import FLAG_COLOURS, OR_FLAG, OR_RESULT, OrdersTab
from emr_desktop.ui.context import AppContext


@pytest.fixture
def scene(
    ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    logged_in(ctx, doctor)
    return admitted_patient(store, registrar, doctor)


def _tick(qtbot: QtBot, tab: OrdersTab, typed: str, code: str) -> None:
    tab.filter.clear()
    type_keys(qtbot, tab.filter, typed)
    model = tab.services_model
    [row] = [r for r in range(model.rowCount()) if model.service_at(r).code == code]
    model.set_ticked(row, True)


def _creatinine_order(store: Store, doctor: Session, patient: Patient, visit: Encounter) -> str:
    order = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Order(
            category="lab",
            service_code="XN0205",
            service_name="Định lượng creatinin",
            priority="routine",
        ),
        sign_password=STAFF_PASSWORD,
    )
    return order.id


def test_order_several_lab_tests_with_one_signature(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    assert tab.category.currentData() == "lab"
    assert tab.services_model.rowCount() > 50
    # Ticks survive a new filter: urea, then creatinine.
    _tick(qtbot, tab, "ure", "XN0204")
    _tick(qtbot, tab, "creat", "XN0205")
    assert [s.code for s in tab.services_model.ticked()] == ["XN0204", "XN0205"]
    assert tab.ticked_count.text() == "Đã chọn 2 dịch vụ"
    tab.priority.setCurrentIndex(tab.priority.findData("urgent"))
    type_text(tab.indication, "Theo dõi chức năng thận")
    tab.place_and_sign.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)

    orders = current(store, doctor, patient.id, "order")
    assert sorted(o.body["service_code"] for o in orders) == ["XN0204", "XN0205"]
    for order in orders:
        assert order.status == "signed" and order.encounter_id == visit.id
        assert order.body["priority"] == "urgent"
        assert order.body["indication"] == "Theo dõi chức năng thận"
        assert order.body["category"] == "lab"
    assert tab.model.rowCount() == 2
    assert tab.services_model.ticked() == []


def test_nothing_ticked_nothing_ordered(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    tab.place_draft.click()
    settle(qtbot, ctx)
    assert tab.place_error.isVisible()
    assert current(store, doctor, patient.id, "order") == []


def test_lab_result_is_flagged_against_the_patients_range(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    order_id = _creatinine_order(store, doctor, patient, visit)
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    tab.table.selectRow(tab.model.row_of(order_id))
    assert tab.result_button.isEnabled()
    tab.result_button.click()
    settle(qtbot, ctx)
    assert tab.result_box.isVisible()
    # The patient is a woman: the women's range applies.
    assert tab.reference.text() == "Khoảng tham chiếu: 44 – 80 µmol/L"
    type_keys(qtbot, tab.value, "60")
    assert tab.flag.text() == "bình thường"
    tab.value.clear()
    type_keys(qtbot, tab.value, "132")
    assert tab.flag.text() == "cao"
    assert FLAG_COLOURS["high"] in tab.flag.styleSheet()
    tab.save_result.click()
    settle(qtbot, ctx)

    [result] = current(store, doctor, patient.id, "lab_result")
    assert result.body["order_id"] == order_id and result.encounter_id == visit.id
    assert result.body["value"] == "132" and result.body["flag"] == "high"
    assert result.body["unit"] == "µmol/L"
    assert not tab.result_box.isVisible()
    row = tab.model.row_of(order_id)
    assert tab.model.rowCount() == 1  # the result sits on its order's row
    assert tab.model.index(row, OR_RESULT).data() == "132 µmol/L ↑"
    assert tab.model.index(row, OR_FLAG).data() == "cao"
    brush = tab.model.index(row, OR_RESULT).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == FLAG_COLOURS["high"]


def test_a_nurse_enters_results_but_does_not_order(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    doctor: Session,
    nurse: Session,
) -> None:
    patient, visit = admitted_patient(store, registrar, doctor)
    order_id = _creatinine_order(store, doctor, patient, visit)
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    assert not tab.place_box.isEnabled()
    assert tab.notice.isVisible()
    tab.table.selectRow(tab.model.row_of(order_id))
    assert not tab.sign_button.isEnabled() and not tab.error_button.isEnabled()
    tab.result_button.click()
    settle(qtbot, ctx)
    assert not tab.save_result_signed.isVisible()
    type_text(tab.value, "3,5")
    assert tab.flag.text() == "thấp"
    tab.save_result.click()
    settle(qtbot, ctx)
    [result] = current(store, nurse, patient.id, "lab_result")
    assert (result.body["value"], result.body["flag"], result.status) == ("3,5", "low", "draft")
    assert result.created_by == nurse.user_id


def test_imaging_order_signed_from_the_list_then_cancelled(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    tab.category.setCurrentIndex(tab.category.findData("imaging"))
    settle(qtbot, ctx)
    _tick(qtbot, tab, "x quang nguc thang", "HA0001")
    tab.place_draft.click()
    settle(qtbot, ctx)
    [order] = current(store, doctor, patient.id, "order")
    assert order.status == "draft" and order.body["category"] == "imaging"
    assert order.body["service_name"] == "X-quang ngực thẳng"

    tab.table.selectRow(0)
    assert not tab.result_button.isEnabled()  # imaging reports are not typed here
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert current(store, doctor, patient.id, "order")[0].status == "signed"

    tab.table.selectRow(0)
    tab.error_button.click()
    type_text(tab.signature.reason, "Bệnh nhân chuyển tuyến, hủy chỉ định")
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert current(store, doctor, patient.id, "order") == []
    assert tab.model.rowCount() == 0


def test_models_pass_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, visit = scene
    order_id = _creatinine_order(store, doctor, patient, visit)
    clinical.record_lab_result(
        store, doctor, patient_id=patient.id, test_code="XN0205", value="70", order_id=order_id
    )
    clinical.record_lab_result(store, doctor, patient_id=patient.id, test_code="XN0204", value="9")
    tab = open_tab(qtbot, ctx, OrdersTab, patient.id)
    assert tab.model.rowCount() == 2  # the order with its result, and a result on its own
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.services_model)
