"""The notes tab: drafts, signing with the password, amending, entered in error."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.records import ClinicalNote, Encounter, Patient
from emr_desktop.services import chart, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import ChartEvent
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.notes import ClinicalTab, NotesTab
from emr_desktop.ui.context import CHART, AppContext

Tab = TypeVar("Tab", bound=ClinicalTab)


def admitted_patient(
    store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    """A patient with an open outpatient visit, as a doctor finds them in the clinic."""
    patient = patients.register_patient(
        store,
        registrar,
        full_name="Nguyễn Thị Bích",
        sex="female",
        date_of_birth="1961-04-20",
        cccd="001161009988",
    )
    visit = clinical.start_encounter(
        store, doctor, patient_id=patient.id, kind="outpatient", reason="Ho, sốt"
    )
    return patient, visit


def open_tab(qtbot: QtBot, ctx: AppContext, tab_type: type[Tab], patient_id: str) -> Tab:
    """The tab over the patient's chart, reloaded after each write as the chart view does."""
    tab = tab_type(ctx, patient_id)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()

    def reload(kind: str, changed_id: str) -> None:
        if kind == CHART and changed_id == patient_id:
            ctx.call(chart.open_chart, patient_id, on_done=tab.set_chart)

    ctx.data_changed.connect(reload)
    reload(CHART, patient_id)
    settle(qtbot, ctx)
    return tab


def current(store: Store, session: Session, patient_id: str, kind: str) -> list[ChartEvent]:
    """What the chart now holds of one kind (amended versions replaced, errors left out)."""
    events = chart.open_chart(store, session, patient_id).current_events()
    return [e for e in events if e.kind == kind]


def all_events(store: Store, session: Session, patient_id: str, kind: str) -> list[ChartEvent]:
    return [e for e in chart.open_chart(store, session, patient_id).events if e.kind == kind]


def sign_with(qtbot: QtBot, ctx: AppContext, tab: ClinicalTab, password: str) -> None:
    assert tab.signature.isVisible()
    type_keys(qtbot, tab.signature.password, password)
    tab.signature.confirm.click()
    settle(qtbot, ctx)


@pytest.fixture
def scene(
    ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    logged_in(ctx, doctor)
    return admitted_patient(store, registrar, doctor)


def test_write_edit_and_sign_a_note(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    assert tab.model.rowCount() == 0
    tab.new_note.click()
    assert tab.is_editing()
    assert tab.note_type.currentData() == "progress"
    type_text(tab.text, "Ho khan 3 ngày, sốt 38,5 độ. Phổi ran nổ đáy phải.")
    tab.save_draft.click()
    settle(qtbot, ctx)

    [note] = current(store, doctor, patient.id, "clinical_note")
    assert note.status == "draft" and note.encounter_id == visit.id
    assert note.body == {
        "note_type": "progress",
        "text": "Ho khan 3 ngày, sốt 38,5 độ. Phổi ran nổ đáy phải.",
        "orders_text": None,
    }
    assert not tab.is_editing()
    assert tab.model.rowCount() == 1

    tab.table.selectRow(0)
    assert tab.edit_button.isEnabled() and tab.sign_button.isEnabled()
    assert not tab.amend_button.isEnabled()
    tab.edit_button.click()
    tab.text.clear()
    type_text(tab.text, "Ho khan 3 ngày, sốt 38,5 độ. Nghe phổi: ran nổ đáy phổi phải.")
    tab.save_draft.click()
    settle(qtbot, ctx)
    [note] = current(store, doctor, patient.id, "clinical_note")
    assert note.body["text"] == "Ho khan 3 ngày, sốt 38,5 độ. Nghe phổi: ran nổ đáy phổi phải."

    # A wrong password signs nothing and says so beside the password.
    tab.table.selectRow(0)
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, "not-my-password")
    assert tab.signature.isVisible()
    assert tab.signature.error.text() == "Mật khẩu xác nhận không đúng"
    assert current(store, doctor, patient.id, "clinical_note")[0].status == "draft"

    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert not tab.signature.isVisible()
    [note] = current(store, doctor, patient.id, "clinical_note")
    assert note.status == "signed" and note.signed_by == doctor.user_id
    # A signed note is read-only: no editing, only amending or marking in error.
    tab.table.selectRow(0)
    assert tab.viewer.isReadOnly()
    assert "ran nổ đáy phổi phải" in tab.viewer.toPlainText()
    assert not tab.edit_button.isEnabled() and not tab.sign_button.isEnabled()
    assert tab.amend_button.isEnabled()
    assert "Trần Thị Lan" in tab.heading.text()


def test_amend_keeps_the_original(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    tab.new_note.click()
    type_text(tab.text, "Chẩn đoán: viêm phế quản cấp.")
    tab.save_and_sign.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    [original] = current(store, doctor, patient.id, "clinical_note")
    assert original.status == "signed"

    tab.table.selectRow(0)
    tab.amend_button.click()
    assert tab.text.toPlainText() == "Chẩn đoán: viêm phế quản cấp."
    assert not tab.note_type.isEnabled()
    tab.text.clear()
    type_text(tab.text, "Chẩn đoán: viêm phổi thùy dưới phải.")
    # No reason: nothing is saved, the editor says what is missing.
    tab.save_and_sign.click()
    assert not tab.signature.isVisible()
    assert tab.editor_error.isVisible()
    type_text(tab.reason, "Kết quả X-quang ngực")
    tab.save_and_sign.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)

    [amended] = current(store, doctor, patient.id, "clinical_note")
    assert amended.corrects == original.id and amended.correction == "amends"
    assert amended.status == "signed"
    assert amended.body["text"] == "Chẩn đoán: viêm phổi thùy dưới phải."
    kept = chart.full_event(store, doctor, original.id)
    assert isinstance(kept.body, ClinicalNote)
    assert kept.status == "signed" and kept.body.text == "Chẩn đoán: viêm phế quản cấp."
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, 3).data() == "đã ký, đã đính chính"


def test_entered_in_error_needs_a_reason_and_the_password(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    note = clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="Ghi nhầm bệnh nhân"),
        sign_password=STAFF_PASSWORD,
    )
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    tab.table.selectRow(0)
    tab.error_button.click()
    assert tab.signature.reason.isVisible()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert tab.signature.error.isVisible()  # the reason is missing
    # The password typed stays; the reason is added and confirmed.
    type_text(tab.signature.reason, "Nhầm bệnh nhân")
    tab.signature.confirm.click()
    settle(qtbot, ctx)
    assert current(store, doctor, patient.id, "clinical_note") == []
    [_original, correction] = all_events(store, doctor, patient.id, "clinical_note")
    assert correction.corrects == note.id and correction.correction == "entered_in_error"
    assert tab.model.rowCount() == 0


def test_daily_treatment_sheet_needs_the_orders(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    tab.new_note.click()
    tab.note_type.setCurrentIndex(tab.note_type.findData("daily_treatment"))
    assert tab.orders.isVisible()
    type_text(tab.text, "Bệnh nhân tỉnh, hết sốt, ăn uống được.")
    tab.save_draft.click()
    settle(qtbot, ctx)
    assert "Y lệnh trong ngày" in tab.editor_error.text()
    assert current(store, doctor, patient.id, "clinical_note") == []
    type_text(tab.orders, "Ceftriaxon 1 g x 2 lọ, tiêm TM chậm 8h - 20h")
    tab.save_draft.click()
    settle(qtbot, ctx)
    [sheet] = current(store, doctor, patient.id, "clinical_note")
    assert sheet.body["note_type"] == "daily_treatment"
    assert sheet.body["orders_text"] == "Ceftriaxon 1 g x 2 lọ, tiêm TM chậm 8h - 20h"


def test_a_nurse_writes_nursing_notes_only(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    doctor: Session,
    nurse: Session,
) -> None:
    patient, _visit = admitted_patient(store, registrar, doctor)
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        body=ClinicalNote(note_type="progress", text="Khám bệnh"),
    )
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    tab.table.selectRow(0)
    # The doctor's draft: the nurse may read it, not edit, amend or remove it.
    assert not tab.edit_button.isEnabled()
    assert not tab.error_button.isEnabled()
    tab.new_note.click()
    assert [tab.note_type.itemData(i) for i in range(tab.note_type.count())] == ["nursing"]
    type_text(tab.text, "Theo dõi dấu hiệu sinh tồn mỗi 3 giờ, bệnh nhân ngủ được.")
    tab.save_and_sign.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    nursing = [
        e
        for e in current(store, nurse, patient.id, "clinical_note")
        if e.created_by == nurse.user_id
    ]
    assert [(e.body["note_type"], e.status) for e in nursing] == [("nursing", "signed")]


def test_notes_model_and_language_switch(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, _visit = scene
    for text in ("Khám lần 1", "Khám lần 2"):
        clinical.record_event(
            store,
            doctor,
            patient_id=patient.id,
            body=ClinicalNote(note_type="progress", text=text),
        )
    tab = open_tab(qtbot, ctx, NotesTab, patient.id)
    qtmodeltester.check(tab.model)
    assert tab.model.headerData(1, Qt.Orientation.Horizontal) == "Ghi chép"
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: tab.new_note.text() == "&New note")
    assert tab.model.headerData(1, Qt.Orientation.Horizontal) == "Note"
    assert tab.model.index(0, 1).data() == "progress note"
