"""The prescriptions tab: drug search, dosage with the computed quantity, allergy and
duplicate warnings, signing; and who may do it."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.syncclient.portal import client, queue, running_portal, set_up
from tests.ui.chart.test_notes import admitted_patient, current, open_tab, sign_with
from tests.ui.conftest import logged_in, settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import Diagnosis, Encounter, Patient, Prescription
from emr_desktop.services import chart, clinical, eprescribing, patients, prescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store
from emr_desktop.syncclient.eprescription import send_due
from emr_desktop.ui.chart.prescriptions import (
    ALLERGY_COLOUR,
    IT_QUANTITY,
    REFUSED_COLOUR,
    RX_NATIONAL,
    PrescriptionsTab,
)
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import local_time


@pytest.fixture
def scene(
    ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    logged_in(ctx, doctor)
    return admitted_patient(store, registrar, doctor)


def _add(qtbot: QtBot, ctx: AppContext, tab: PrescriptionsTab, typed: str, code: str) -> None:
    """Find a drug as the doctor does and add the found one with Enter."""
    type_keys(qtbot, tab.search, typed)
    settle(qtbot, ctx)
    model = tab.results_model
    [row] = [r for r in range(model.rowCount()) if model.drug_at(r).code == code]
    tab.results.selectRow(row)
    press_enter(qtbot, tab.search)
    settle(qtbot, ctx)


def _overrides(store: Store) -> list[str]:
    with store.unit_of_work(user_id=None) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT target_id FROM audit_log WHERE action = 'prescription.allergy_override'"
        ).fetchall()
    return [row[0] for row in rows]


def test_prescribe_with_a_live_quantity_and_sign(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J20.9", rank="primary"),
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    assert tab.diagnoses.text() == "Chẩn đoán: J20.9"
    _add(qtbot, ctx, tab, "para 500", "T0001")
    assert tab.items_model.rowCount() == 1 and tab.search.text() == ""
    assert tab.dose.text() == "1" and tab.times.value() == 2 and tab.days.value() == 5
    assert tab.quantity.value() == 10

    tab.times.setValue(3)
    assert tab.quantity.value() == 15
    assert tab.items_model.index(0, IT_QUANTITY).data() == "15 viên"
    tab.dose.clear()
    type_keys(qtbot, tab.dose, "0,5")
    assert tab.quantity.value() == 8  # 0.5 × 3 × 5 = 7.5, rounded up to whole tablets
    tab.quantity.setValue(10)
    assert "8" in tab.computed.text()
    type_text(tab.instructions, "sau ăn")
    assert tab.quantity.value() == 8  # a new dosage recomputes the quantity
    tab.quantity.setValue(10)
    type_text(tab.advice, "Uống nhiều nước, tái khám sau 5 ngày")

    tab.save_and_sign.click()
    sign_with(qtbot, ctx, tab, "wrong-password")
    assert tab.signature.error.isVisible()
    assert current(store, doctor, patient.id, "prescription") == []
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)

    [event] = current(store, doctor, patient.id, "prescription")
    assert event.status == "signed" and event.encounter_id == visit.id
    stored = chart.full_event(store, doctor, event.id).body
    assert isinstance(stored, Prescription)
    [item] = stored.items
    assert item.drug_code == "T0001" and item.drug_name == "Paracetamol 500 mg"
    assert item.dosage == "Uống: ngày 3 lần, mỗi lần 0,5 viên, sau ăn"
    assert (item.quantity, item.unit, item.days, item.route) == (Decimal(10), "viên", 5, "oral")
    assert stored.diagnosis_codes == ("J20.9",)
    assert stored.advice == "Uống nhiều nước, tái khám sau 5 ngày"
    # The editor is empty again and the list shows the new prescription.
    assert tab.items_model.rowCount() == 0
    assert tab.model.rowCount() == 1
    tab.table.selectRow(0)
    assert "Paracetamol 500 mg" in tab.detail.text()
    # This PC sends nothing to the national system: no empty column for it.
    settle(qtbot, ctx)
    assert tab.table.isColumnHidden(RX_NATIONAL)


def test_allergy_warning_must_be_acknowledged(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    clinical.add_allergy(
        store,
        doctor,
        patient_id=patient.id,
        substance="Penicilin",
        reaction="Phù Quincke",
        severity="severe",
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    type_keys(qtbot, tab.search, "amoxi")
    settle(qtbot, ctx)
    # Already red in the search results, before it is chosen.
    row = next(
        r
        for r in range(tab.results_model.rowCount())
        if tab.results_model.drug_at(r).code == "T0021"
    )
    brush = tab.results_model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == ALLERGY_COLOUR
    tab.search.clear()
    _add(qtbot, ctx, tab, "amoxicilin 500", "T0021")

    assert tab.allergy_warning.isVisible() and tab.allergy_ack.isVisible()
    assert "DỊ ỨNG" in tab.allergy_warning.text()
    assert "Penicilin" in tab.allergy_warning.text() and "Phù Quincke" in tab.allergy_warning.text()
    assert ALLERGY_COLOUR in tab.allergy_warning.styleSheet()
    assert not tab.allergy_ack.isChecked()

    tab.save_draft.click()
    settle(qtbot, ctx)
    assert tab.save_error.isVisible()
    assert current(store, doctor, patient.id, "prescription") == []

    tab.allergy_ack.setChecked(True)
    tab.save_draft.click()
    settle(qtbot, ctx)
    [event] = current(store, doctor, patient.id, "prescription")
    assert event.status == "draft"
    assert event.body["items"][0]["drug_code"] == "T0021"
    assert _overrides(store) == [event.id]
    assert not tab.allergy_warning.isVisible()


def test_duplicate_drug_warnings(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0033", Decimal(1), 2, 5)],
        sign_password=STAFF_PASSWORD,
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    _add(qtbot, ctx, tab, "paracetamol 500", "T0001")
    assert not tab.duplicate_warning.isVisible()
    _add(qtbot, ctx, tab, "paracetamol 650", "T0002")
    assert tab.duplicate_warning.isVisible()
    assert "Paracetamol 650 mg" in tab.duplicate_warning.text()
    assert "Paracetamol 500 mg" in tab.duplicate_warning.text()
    # The second paracetamol goes; an ingredient already prescribed in this visit comes.
    tab.items.selectRow(1)
    tab.remove_item.click()
    settle(qtbot, ctx)
    assert not tab.duplicate_warning.isVisible()
    _add(qtbot, ctx, tab, "cefuroxim 750", "T0034")
    assert "Cefuroxim" in tab.duplicate_warning.text()
    assert "Cefuroxim 500 mg" in tab.duplicate_warning.text()
    assert not tab.allergy_warning.isVisible()
    # A warning only: the doctor may still prescribe.
    tab.save_draft.click()
    settle(qtbot, ctx)
    assert len(current(store, doctor, patient.id, "prescription")) == 2


def test_the_same_drug_twice_is_refused_on_saving(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    _add(qtbot, ctx, tab, "paracetamol 500", "T0001")
    _add(qtbot, ctx, tab, "paracetamol 500", "T0001")
    assert tab.duplicate_warning.text() == "Trùng thuốc: Paracetamol 500 mg được kê hai lần."
    tab.save_draft.click()
    settle(qtbot, ctx)
    assert "hai lần" in tab.save_error.text()
    assert current(store, doctor, patient.id, "prescription") == []
    assert tab.items_model.rowCount() == 2  # nothing the doctor typed is lost


def test_a_nurse_cannot_prescribe_or_sign(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    doctor: Session,
    nurse: Session,
) -> None:
    patient, visit = admitted_patient(store, registrar, doctor)
    draft = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
    )
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    assert tab.notice.isVisible() and tab.notice.text() == "Chỉ bác sĩ được kê đơn thuốc."
    assert not tab.editor.isEnabled()
    tab.table.selectRow(0)
    assert not tab.sign_button.isEnabled()
    # Even asked directly, the services refuse, and the refusal shows beside the password.
    tab.sign_selected()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert tab.signature.isVisible()
    assert "không được phép" in tab.signature.error.text()
    [event] = current(store, doctor, patient.id, "prescription")
    assert event.id == draft.id and event.status == "draft"


def test_cancel_a_prescription_entered_in_error(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    tab.table.selectRow(0)
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert current(store, doctor, patient.id, "prescription")[0].status == "signed"
    tab.table.selectRow(0)
    tab.error_button.click()
    type_text(tab.signature.reason, "Kê nhầm bệnh nhân")
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert current(store, doctor, patient.id, "prescription") == []
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
    prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    _add(qtbot, ctx, tab, "amoxi", "T0021")
    type_keys(qtbot, tab.search, "para")
    settle(qtbot, ctx)
    qtmodeltester.check(tab.results_model)
    qtmodeltester.check(tab.items_model)
    qtmodeltester.check(tab.model)


def _signed(store: Store, doctor: Session, patient: Patient, visit: Encounter, drug: str) -> str:
    event = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest(drug, Decimal(1), 3, 5)],
        diagnosis_codes=["J20.9"],
        sign_password=STAFF_PASSWORD,
    )
    return event.id


def _national(tab: PrescriptionsTab, event_id: str) -> str:
    return str(tab.model.index(tab.model.row_of(event_id), RX_NATIONAL).data())


def test_each_signed_prescription_shows_its_national_status_and_refusals_stand_out(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, visit = scene
    patients.update_patient(store, doctor, patient.id, address="Thôn Đông, xã Tượng Lĩnh")
    with running_portal() as portal:
        set_up(store, admin, doctor, portal.url)
        accepted = _signed(store, doctor, patient, visit, "T0001")
        refused = _signed(store, doctor, patient, visit, "T0021")
        tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
        settle(qtbot, ctx)
        assert _national(tab, accepted) == _national(tab, refused) == "Chờ gửi"
        assert not tab.table.isColumnHidden(RX_NATIONAL)
        assert not tab.national_warning.isVisible()

        portal.script[:] = ["ok", "refuse"]
        assert send_due(queue(store), client(portal.url)).sent == 1
        tab.load_national()
        settle(qtbot, ctx)
        assert _national(tab, accepted) == "Đã gửi cổng đơn thuốc quốc gia"
        assert _national(tab, refused) == "Bị từ chối: Địa chỉ không hợp lệ"
        row = tab.model.row_of(refused)
        brush = tab.model.index(row, RX_NATIONAL).data(Qt.ItemDataRole.ForegroundRole)
        assert brush.color().name() == REFUSED_COLOUR
        # The refusal is in a banner the prescriber cannot miss, with the system's reason.
        assert tab.national_warning.isVisible()
        banner = tab.national_warning.text()
        assert "từ chối 1 đơn thuốc" in banner and "Địa chỉ không hợp lệ" in banner
        # The detail says it too, and the prescription can be sent again from here.
        tab.table.selectRow(tab.model.row_of(accepted))
        assert not tab.resend_button.isEnabled()
        assert "Đơn thuốc quốc gia" in tab.detail.text()
        tab.table.selectRow(row)
        assert "Bị từ chối" in tab.detail.text()
        assert tab.resend_button.isVisible() and tab.resend_button.isEnabled()
        tab.resend_button.click()
        settle(qtbot, ctx)
        assert _national(tab, refused) == "Chờ gửi"
        assert not tab.national_warning.isVisible()
        assert send_due(queue(store), client(portal.url)).sent == 1
        tab.load_national()
        settle(qtbot, ctx)
        assert _national(tab, refused) == "Đã gửi cổng đơn thuốc quốc gia"


def test_a_connection_error_shows_when_the_next_try_is(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, visit = scene
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        offline = f"http://127.0.0.1:{sock.getsockname()[1]}"
    set_up(store, admin, doctor, offline)
    patients.update_patient(store, doctor, patient.id, address="Thôn Đông, xã Tượng Lĩnh")
    event_id = _signed(store, doctor, patient, visit, "T0001")
    assert send_due(queue(store), client(offline)).failed == 1
    submission = eprescribing.status_for(store, doctor, event_id)
    assert submission is not None and submission.next_attempt_at is not None
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    settle(qtbot, ctx)
    text = _national(tab, event_id)
    assert text == f"Lỗi kết nối, sẽ thử lại lúc {local_time(submission.next_attempt_at)}"
    assert not tab.national_warning.isVisible()


def test_a_draft_signed_in_the_tab_is_queued_at_once(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, visit = scene
    set_up(store, admin, doctor, "https://donthuoc.example.vn")
    draft = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest("T0001", Decimal(1), 3, 5)],
    )
    tab = open_tab(qtbot, ctx, PrescriptionsTab, patient.id)
    settle(qtbot, ctx)
    assert _national(tab, draft.id) == ""
    tab.table.selectRow(0)
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    settle(qtbot, ctx)
    assert _national(tab, draft.id) == "Chờ gửi"
