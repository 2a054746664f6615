"""End to end through the real main window: a doctor logs in, scans the chip CCCD of a new
patient with a keyboard-wedge scanner, registers them, records vitals, a signed note, a
diagnosis found without diacritics and a prescription that trips the allergy warning; locks
the screen; a nurse takes over the PC. Then what the store holds and what the audit log
says are checked through the services and the audit table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import sign_with
from tests.ui.conftest import settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import (
    ClinicalNote,
    Diagnosis,
    EncounterStatus,
    Prescription,
    VitalSigns,
)
from emr_desktop.services import chart as chart_service
from emr_desktop.services import maintenance, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.banner import ALLERGY_STYLE, open_encounter
from emr_desktop.ui.chart.prescriptions import ALLERGY_COLOUR
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.main_window import MainWindow

CCCD = "036078001234"
# What a keyboard-wedge scanner types for the card of Phạm Văn Hùng: the digits survive, the
# diacritics do not (see ../shared/reference/vietnam-formats.md for the payload's fields).
WEDGE_SCAN = f"{CCCD}|162345678|Ph?m V?n H?ng|15081978|Nam|X? H?i Ninh, H?i H?u, Nam ??nh|20052021"
NAME = "Phạm Văn Hùng"
ADDRESS = "Xóm 3, xã Hải Ninh, huyện Hải Hậu, Nam Định"
NOTE_TEXT = "Sốt 3 ngày, ho đờm vàng. Phổi ran nổ đáy phải. Chẩn đoán viêm phổi cộng đồng."
ADVICE = "Uống nhiều nước, tái khám sau 7 ngày"
AMOXICILLIN = "T0021"


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def _audit_rows(store: Store, after_seq: int = 0) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        result = conn.exec_driver_sql(
            "SELECT seq, action, user_id, target_kind, target_id, patient_id, detail "
            "FROM audit_log WHERE seq > ? ORDER BY seq",
            (after_seq,),
        )
        rows = [dict(row._mapping) for row in result]
    for row in rows:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return rows


def _last_seq(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT max(seq) FROM audit_log").scalar() or 0)


def _sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    """Through the login screen's own widgets, as staff do."""
    screen = window.login
    if not screen.username.isReadOnly():
        screen.username.clear()
        type_keys(qtbot, screen.username, username)
    type_text(screen.password, password)
    qtbot.mouseClick(screen.sign_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.ctx.session is not None
            and window.ctx.session.username == username
            and not window.ctx.locked
        ),
        timeout=10_000,
    )


def _show(qtbot: QtBot, ctx: AppContext, view: ChartView, tab: Any) -> None:
    view.tabs.setCurrentWidget(tab)
    settle(qtbot, ctx)
    assert tab.isVisible()


def test_a_consultation_from_card_scan_to_user_switch(
    qtbot: QtBot,
    window: MainWindow,
    ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    nurse: Session,
) -> None:
    start_seq = _last_seq(store)

    # --- Log in through the login screen.
    assert window.stack.currentWidget() is window.login
    _sign_in(qtbot, window, doctor.username, STAFF_PASSWORD)
    workspace = window.workspace
    assert workspace is not None and window.stack.currentWidget() is workspace
    assert doctor.full_name in window.user_label.text()
    search = workspace.search
    assert workspace.tabs.currentWidget() is search and search.query.hasFocus()

    # --- The wedge scanner types the card's QR payload and Enter into the search box.
    type_keys(qtbot, search.query, WEDGE_SCAN)
    press_enter(qtbot, search.query)
    form = search.form
    qtbot.waitUntil(lambda: search.side.isVisible() and form.cccd.text() == CCCD, timeout=10_000)
    settle(qtbot, ctx)
    assert search.query.text() == ""
    # Registration opened pre-filled from the card; the garbled name is left to the clerk.
    assert form.cmnd.text() == "162345678"
    assert form.date_of_birth.text() == "15/08/1978"
    assert form.sex.currentData() == "male"
    assert form.full_name.text() == ""
    # The cursor waits in the name field for the clerk, as on the search screen alone: the
    # window bringing the "Patients" tab to the front must not pull it back to the search box.
    assert form.full_name.hasFocus(), QApplication.focusWidget()
    assert form.messages["full_name"].isVisible()
    assert not form.existing_box.isVisible()
    assert patients.find_patient_by_cccd(store, doctor, CCCD) is None

    # --- Complete the registration from the card and save it: the chart opens.
    type_text(form.full_name, NAME)
    assert form.messages["full_name"].isHidden()
    type_text(form.address, ADDRESS)
    type_keys(qtbot, form.phone, "0912345678")
    with qtbot.waitSignal(ctx.open_chart_requested, timeout=10_000) as opened:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    [patient_id] = opened.args
    assert search.side.isHidden()
    [view] = workspace.charts()
    assert workspace.tabs.currentWidget() is view
    qtbot.waitUntil(lambda: view.chart is not None, timeout=10_000)
    settle(qtbot, ctx)
    assert view.patient_id == patient_id
    assert view.banner.name.text() == NAME
    assert CCCD in view.banner.identifiers.text()
    tab_title = workspace.tabs.tabText(workspace.tabs.indexOf(view))
    assert tab_title.startswith(NAME)

    # --- The allergy, typed in the chart's allergies tab (not from the drug catalogue).
    allergies = view.allergies
    _show(qtbot, ctx, view, allergies)
    section = allergies.allergies
    type_text(section.substance, "Penicilin")
    settle(qtbot, ctx)
    type_text(section.reaction, "Mày đay toàn thân")
    section.severity.setCurrentIndex(section.severity.findData("severe"))
    section.add_button.click()
    settle(qtbot, ctx)
    [allergy] = chart_service.open_chart(store, doctor, patient_id).allergies
    assert (allergy.substance, allergy.reaction, allergy.severity) == (
        "Penicilin",
        "Mày đay toàn thân",
        "severe",
    )

    # --- Start a visit (the clinical tabs write into the visit in progress).
    encounters = view.encounters
    _show(qtbot, ctx, view, encounters)
    no_visit = view.banner.encounter.text()
    assert encounters.visit_button.isEnabled()
    qtbot.mouseClick(encounters.visit_button, Qt.MouseButton.LeftButton)
    assert encounters.form_box.isVisible()
    type_text(encounters.reason, "Sốt, ho 3 ngày")
    settle(qtbot, ctx)
    qtbot.mouseClick(encounters.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert encounters.error.text() == ""
    assert view.chart is not None
    visit = open_encounter(view.chart)
    assert visit is not None and visit.kind == "outpatient"
    assert not encounters.form_box.isVisible()
    # The reload after the visit brought the allergy into the banner, in red.
    assert "Penicilin" in view.banner.allergies.text()
    assert view.banner.allergies.styleSheet() == ALLERGY_STYLE
    assert view.banner.encounter.text() not in ("", no_visit)

    # --- Vital signs, signed at once with the password.
    vitals = view.vitals
    _show(qtbot, ctx, view, vitals)
    for code, value in (
        ("temperature", "38,6"),
        ("pulse", "102"),
        ("systolic", "125"),
        ("diastolic", "80"),
        ("respiratory_rate", "24"),
        ("spo2", "94"),
    ):
        type_text(vitals.inputs[code], value)
    assert vitals.password.isVisible()
    type_text(vitals.password, STAFF_PASSWORD)
    qtbot.mouseClick(vitals.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert vitals.error.text() == ""
    assert all(edit.text() == "" for edit in vitals.inputs.values())
    assert [r.value for r in vitals.readings["temperature"]] == [38.6]

    # --- A progress note, signed with the password.
    notes = view.notes
    _show(qtbot, ctx, view, notes)
    qtbot.mouseClick(notes.new_note, Qt.MouseButton.LeftButton)
    assert notes.is_editing()
    type_text(notes.text, NOTE_TEXT)
    qtbot.mouseClick(notes.save_and_sign, Qt.MouseButton.LeftButton)
    sign_with(qtbot, ctx, notes, STAFF_PASSWORD)
    assert not notes.is_editing() and not notes.signature.is_open()
    assert notes.model.rowCount() == 1
    assert notes.model.event_at(0).status == "signed"

    # --- A diagnosis found by typing Vietnamese without diacritics.
    diagnoses = view.diagnoses
    _show(qtbot, ctx, view, diagnoses)
    type_keys(qtbot, diagnoses.search, "viem phoi")
    settle(qtbot, ctx)
    assert diagnoses.results_model.entry_at(0).code == "J18.9"
    press_enter(qtbot, diagnoses.search)
    assert "J18.9" in diagnoses.chosen.text()
    assert diagnoses.description.text() == "Viêm phổi, không đặc hiệu"
    assert diagnoses.rank.currentData() == "primary"
    qtbot.mouseClick(diagnoses.add_and_sign, Qt.MouseButton.LeftButton)
    sign_with(qtbot, ctx, diagnoses, STAFF_PASSWORD)
    assert diagnoses.model.rowCount() == 1
    assert diagnoses.model.event_at(0).status == "signed"

    # --- A prescription with a drug the patient is allergic to.
    prescriptions = view.prescriptions
    _show(qtbot, ctx, view, prescriptions)
    assert prescriptions.diagnoses.text() == "Chẩn đoán: J18.9"
    type_keys(qtbot, prescriptions.search, "amoxicilin 500")
    settle(qtbot, ctx)
    found = prescriptions.results_model
    [row] = [r for r in range(found.rowCount()) if found.drug_at(r).code == AMOXICILLIN]
    prescriptions.results.selectRow(row)
    press_enter(qtbot, prescriptions.search)
    settle(qtbot, ctx)
    assert prescriptions.items_model.rowCount() == 1
    # The allergy warning is on screen, in red, and must be acknowledged.
    warning = prescriptions.allergy_warning
    assert warning.isVisible() and prescriptions.allergy_ack.isVisible()
    assert "DỊ ỨNG" in warning.text()
    assert "Penicilin" in warning.text() and "Mày đay toàn thân" in warning.text()
    assert ALLERGY_COLOUR in warning.styleSheet()
    assert not prescriptions.allergy_ack.isChecked()
    prescriptions.dose.clear()
    type_keys(qtbot, prescriptions.dose, "1")
    prescriptions.times.setValue(3)
    prescriptions.days.setValue(7)
    assert prescriptions.quantity.value() == 21
    type_text(prescriptions.instructions, "sau ăn")
    type_text(prescriptions.advice, ADVICE)
    # Without the acknowledgement nothing is saved.
    qtbot.mouseClick(prescriptions.save_and_sign, Qt.MouseButton.LeftButton)
    assert prescriptions.save_error.isVisible() and not prescriptions.signature.is_open()
    assert ctx.db.pending() == 0
    prescriptions.allergy_ack.click()
    assert prescriptions.allergy_ack.isChecked() and prescriptions.save_error.isHidden()
    qtbot.mouseClick(prescriptions.save_and_sign, Qt.MouseButton.LeftButton)
    sign_with(qtbot, ctx, prescriptions, STAFF_PASSWORD)
    assert prescriptions.save_error.isHidden()
    assert prescriptions.items_model.rowCount() == 0 and not warning.isVisible()
    assert prescriptions.model.rowCount() == 1
    assert prescriptions.model.event_at(0).status == "signed"

    # --- Lock with Ctrl+L: the lock screen hides the chart.
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert ctx.locked
    assert window.stack.currentWidget() is window.login
    assert window.login.username.isReadOnly()
    assert window.login.username.text() == doctor.username
    assert window.login.switch_user.isVisible()
    assert window.user_label.text() == ""
    assert not view.isVisible()

    # --- Another member of staff logs in from the lock screen: a fresh workspace.
    qtbot.mouseClick(window.login.switch_user, Qt.MouseButton.LeftButton)
    assert not window.login.username.isReadOnly() and window.login.username.text() == ""
    _sign_in(qtbot, window, nurse.username, STAFF_PASSWORD)
    assert ctx.session is not None and ctx.session.user_id == nurse.user_id
    fresh = window.workspace
    assert fresh is not None and fresh is not workspace
    assert window.stack.currentWidget() is fresh
    assert fresh.charts() == []
    assert fresh.tabs.count() == 4
    assert all(NAME not in fresh.tabs.tabText(i) for i in range(fresh.tabs.count()))
    assert fresh.search.query.text() == "" and fresh.search.side.isHidden()
    assert nurse.full_name in window.user_label.text()
    assert doctor.full_name not in window.user_label.text()
    # The doctor's workspace and the chart in it are gone, not merely hidden.
    qtbot.waitUntil(lambda: not isValid(view) and not isValid(workspace), timeout=5000)
    settle(qtbot, ctx)

    # --- The audit log (read before the checks below, which add chart reads of their own).
    rows = _audit_rows(store, start_seq)
    actions = [row["action"] for row in rows]

    def first(action: str, **match: Any) -> dict[str, Any]:
        found = [r for r in rows if r["action"] == action and r.items() >= match.items()]
        assert found, f"no audit row {action} {match} in {actions}"
        return found[0]

    doctor_login = first("login", target_id=doctor.user_id)
    registered = first("patient.register", target_id=patient_id, user_id=doctor.user_id)
    chart_read = first("chart.read", patient_id=patient_id, user_id=doctor.user_id)
    allergy_added = first("allergy.add", target_id=allergy.id, patient_id=patient_id)
    visit_started = first("encounter.start", target_id=visit.id, user_id=doctor.user_id)
    written = {
        kind: first(f"{kind}.record", patient_id=patient_id, user_id=doctor.user_id)
        for kind in ("vital_signs", "clinical_note", "diagnosis", "prescription")
    }
    override = first("prescription.allergy_override", patient_id=patient_id)
    nurse_login = first("login", target_id=nurse.user_id)
    assert "login.failed" not in actions
    # In the order it happened.
    assert (
        doctor_login["seq"]
        < registered["seq"]
        < chart_read["seq"]
        < allergy_added["seq"]
        < visit_started["seq"]
        < written["vital_signs"]["seq"]
        < written["clinical_note"]["seq"]
        < written["diagnosis"]["seq"]
        < written["prescription"]["seq"]
        < override["seq"]
        < nurse_login["seq"]
    )
    # Every event was signed as it was written (with the password, in one step).
    assert all(row["detail"] == {"signed": True} for row in written.values())
    assert override["target_id"] == written["prescription"]["target_id"]
    assert override["user_id"] == doctor.user_id
    assert override["detail"] == {"drugs": [AMOXICILLIN], "allergies": [allergy.id]}
    # Nothing after the switch was done as the doctor.
    assert all(r["user_id"] != doctor.user_id for r in rows if r["seq"] > nurse_login["seq"])

    # --- What the store holds.
    patient = patients.find_patient_by_cccd(store, doctor, CCCD)
    assert patient is not None and patient.id == patient_id
    assert patient.full_name == NAME and patient.sex == "male"
    assert patient.date_of_birth is not None and patient.date_of_birth.iso() == "1978-08-15"
    assert patient.cmnd == "162345678" and patient.address == ADDRESS
    assert patient.phones == ("0912345678",)
    assert patient.identity_status == "verified"
    assert patient.created_by == doctor.user_id

    stored = chart_service.open_chart(store, doctor, patient_id)
    assert [(a.substance, a.status) for a in stored.allergies] == [("Penicilin", "active")]
    [encounter] = stored.encounters
    assert encounter.id == visit.id and encounter.status == EncounterStatus.IN_PROGRESS
    assert encounter.reason == "Sốt, ho 3 ngày"
    events = {e.kind: e for e in stored.current_events()}
    assert sorted(events) == ["clinical_note", "diagnosis", "prescription", "vital_signs"]
    assert len(stored.events) == 4
    for kind, summary in events.items():
        assert summary.id == written[kind]["target_id"]
        event = chart_service.full_event(store, doctor, summary.id)
        assert event.status == "signed", kind
        assert event.created_by == doctor.user_id and event.signed_by == doctor.user_id, kind
        assert event.encounter_id == visit.id, kind
        assert event.signed_at is not None, kind
        assert event.content_hash is not None and event.content_hash == event.content_digest()

    vital_signs = chart_service.full_event(store, doctor, events["vital_signs"].id).body
    assert isinstance(vital_signs, VitalSigns)
    assert {m.code: str(m.value) for m in vital_signs.measurements} == {
        "temperature": "38.6",
        "pulse": "102",
        "systolic": "125",
        "diastolic": "80",
        "respiratory_rate": "24",
        "spo2": "94",
    }
    note = chart_service.full_event(store, doctor, events["clinical_note"].id).body
    assert isinstance(note, ClinicalNote)
    assert note.text == NOTE_TEXT and note.note_type == "progress"
    diagnosis = chart_service.full_event(store, doctor, events["diagnosis"].id).body
    assert isinstance(diagnosis, Diagnosis)
    assert (diagnosis.icd10, diagnosis.rank) == ("J18.9", "primary")
    assert diagnosis.description == "Viêm phổi, không đặc hiệu"
    prescription = chart_service.full_event(store, doctor, events["prescription"].id).body
    assert isinstance(prescription, Prescription)
    [item] = prescription.items
    assert item.drug_code == AMOXICILLIN
    assert (item.quantity, item.days, item.route) == (21, 7, "oral")
    assert "ngày 3 lần" in item.dosage and "sau ăn" in item.dosage
    assert prescription.diagnosis_codes == ("J18.9",)
    assert prescription.advice == ADVICE

    # --- The audit chain holds from the first row to the last.
    verified = maintenance.verify_audit(store, admin)
    assert verified.ok, verified.reason
    assert verified.rows >= len(rows)
