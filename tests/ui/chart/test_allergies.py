"""The allergies and problem list tab: recording an allergy (from the drug catalogue or
typed freely) that the banner and prescribing then see, marking it inactive or entered in
error; adding and resolving chronic conditions; who may do what."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import admitted_patient, open_tab
from tests.ui.conftest import logged_in, settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import Allergy, Encounter, Patient, Problem
from emr_desktop.services import auth, chart, clinical
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.allergies import (
    AL_RECORDED,
    AL_SEVERITY,
    AL_STATUS,
    AL_SUBSTANCE,
    PAST_COLOUR,
    PR_STATUS,
    SEVERE_COLOUR,
    AllergiesTab,
)
from emr_desktop.ui.chart.notes import selected_row
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import CHART, AppContext


@pytest.fixture
def scene(
    ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    logged_in(ctx, doctor)
    return admitted_patient(store, registrar, doctor)


def _allergies(store: Store, session: Session, patient_id: str) -> list[Allergy]:
    return list(chart.open_chart(store, session, patient_id).allergies)


def _problems(store: Store, session: Session, patient_id: str) -> list[Problem]:
    return list(chart.open_chart(store, session, patient_id).problems)


def _open_view(qtbot: QtBot, ctx: AppContext, patient_id: str) -> ChartView:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    settle(qtbot, ctx)
    return view


def _select(tab: AllergiesTab, substance: str) -> None:
    model = tab.allergies.model
    [row] = [r for r in range(model.rowCount()) if model.allergy_at(r).substance == substance]
    tab.allergies.table.selectRow(row)


def _choose_reason(combo: QComboBox, code: str) -> None:
    combo.setCurrentIndex(combo.findData(code))


def test_an_allergy_from_the_drug_catalogue_reaches_the_banner_and_prescribing(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    view = _open_view(qtbot, ctx, patient.id)
    assert "Chưa ghi nhận dị ứng" in view.banner.allergies.text()
    # Alt+2: the tab after the timeline, from the keyboard.
    view.activateWindow()
    view.tabs.tabBar().setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.tabs.tabBar())
    qtbot.keyClick(view.tabs.tabBar(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert view.tabs.currentWidget() is view.allergies
    assert view.tabs.tabText(1) == "Dị ứng && bệnh mạn tính"
    section = view.allergies.allergies

    # Typed without diacritics; the catalogue answers as the nurse or doctor types.
    type_keys(qtbot, section.substance, "amoxi")
    settle(qtbot, ctx)
    assert section.drug_results.isVisible()
    model = section.drug_model
    [row] = [r for r in range(model.rowCount()) if model.drug_at(r).code == "T0021"]
    # Down moves into the results from the field; Enter takes the one reached.
    qtbot.keyClick(section.substance, Qt.Key.Key_Down)
    assert selected_row(section.drug_results) == 0
    section.drug_results.selectRow(row)
    press_enter(qtbot, section.substance)
    assert section.substance.text() == "Amoxicilin"
    assert "T0021" in section.source.text()
    assert not section.drug_results.isVisible()
    assert QApplication.focusWidget() is section.reaction
    type_text(section.reaction, "Mày đay toàn thân, khó thở")
    section.severity.setCurrentIndex(section.severity.findData("severe"))
    section.add_button.click()
    settle(qtbot, ctx)

    [allergy] = _allergies(store, doctor, patient.id)
    assert (allergy.substance, allergy.drug_code) == ("Amoxicilin", "T0021")
    assert (allergy.reaction, allergy.severity, allergy.status) == (
        "Mày đay toàn thân, khó thở",
        "severe",
        "active",
    )
    assert allergy.created_by == doctor.user_id
    # The form is empty again; the list shows it in red; the open chart's banner too.
    assert section.substance.text() == "" and section.drug is None
    assert section.model.rowCount() == 1
    brush = section.model.index(0, AL_SUBSTANCE).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == SEVERE_COLOUR
    assert "Amoxicilin" in view.banner.allergies.text()

    # A chart opened afresh shows it in red, and warns when that drug is prescribed.
    fresh = _open_view(qtbot, ctx, patient.id)
    assert "DỊ ỨNG: Amoxicilin (Mày đay toàn thân, khó thở, nặng)" in (
        fresh.banner.allergies.text()
    )
    assert SEVERE_COLOUR in fresh.banner.allergies.styleSheet()
    fresh.tabs.setCurrentWidget(fresh.prescriptions)
    prescriptions = fresh.prescriptions
    type_keys(qtbot, prescriptions.search, "amoxicilin 500")
    settle(qtbot, ctx)
    found = prescriptions.results_model
    [row] = [r for r in range(found.rowCount()) if found.drug_at(r).code == "T0021"]
    prescriptions.results.selectRow(row)
    press_enter(qtbot, prescriptions.search)
    settle(qtbot, ctx)
    assert prescriptions.allergy_warning.isVisible()
    assert "Amoxicilin" in prescriptions.allergy_warning.text()


def test_a_free_text_allergy_with_inline_checks(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, AllergiesTab, patient.id)
    section = tab.allergies
    assert section.add_box.isVisible() and not section.notice.isVisible()

    section.add_button.click()
    assert section.add_error.isVisible()
    assert "Tác nhân" in section.add_error.text()
    assert _allergies(store, nurse, patient.id) == []

    # A food is not in the drug catalogue: Enter goes on to the reaction.
    type_text(section.substance, "Hải sản (tôm, cua)")
    settle(qtbot, ctx)
    assert not section.add_error.isVisible()
    assert "Không chọn từ danh mục thuốc" in section.source.text()
    press_enter(qtbot, section.substance)
    assert QApplication.focusWidget() is section.reaction
    type_text(section.reaction, "Phù môi")
    section.severity.setCurrentIndex(section.severity.findData("mild"))
    section.add_button.click()
    settle(qtbot, ctx)
    [allergy] = _allergies(store, nurse, patient.id)
    assert (allergy.substance, allergy.drug_code, allergy.severity) == (
        "Hải sản (tôm, cua)",
        None,
        "mild",
    )

    # The same substance again, typed without diacritics, is caught before saving.
    type_keys(qtbot, section.substance, "hai san (tom, cua)")
    settle(qtbot, ctx)
    section.add_button.click()
    settle(qtbot, ctx)
    assert "đã được ghi nhận" in section.add_error.text()
    assert len(_allergies(store, nurse, patient.id)) == 1

    # Picking a drug, then typing over it, makes the allergy free text again.
    section.substance.clear()
    type_keys(qtbot, section.substance, "ibupro")
    settle(qtbot, ctx)
    section.drug_results.selectRow(0)
    press_enter(qtbot, section.substance)
    assert section.drug is not None and section.substance.text() == "Ibuprofen"
    type_keys(qtbot, section.substance, " gel")
    assert section.drug is None
    assert "Không chọn từ danh mục thuốc" in section.source.text()


def test_inactive_and_entered_in_error_leave_the_banner(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    for substance, severity in (
        ("Aspirin", "mild"),
        ("Penicilin", "severe"),
        ("Sữa bò", "moderate"),
    ):
        clinical.add_allergy(
            store, doctor, patient_id=patient.id, substance=substance, severity=severity
        )
    view = _open_view(qtbot, ctx, patient.id)
    view.tabs.setCurrentWidget(view.allergies)
    tab = view.allergies
    section = tab.allergies
    # Active ones first, the severe ones of those first.
    assert section.model.allergy_at(0).substance == "Penicilin"
    for name in ("Aspirin", "Penicilin", "Sữa bò"):
        assert name in view.banner.allergies.text()

    _select(tab, "Sữa bò")
    assert section.inactive_button.isEnabled() and section.error_button.isEnabled()
    section.inactive_button.click()
    assert section.status_panel.isVisible() and not section.status_panel.reason.isVisible()
    section.status_panel.confirm.click()
    settle(qtbot, ctx)
    statuses = {a.substance: a.status for a in _allergies(store, doctor, patient.id)}
    assert statuses == {"Aspirin": "active", "Penicilin": "active", "Sữa bò": "inactive"}
    assert "Sữa bò" not in view.banner.allergies.text()
    assert not section.status_panel.isVisible()
    # Inactive ones go below the active ones, in grey.
    last = section.model.rowCount() - 1
    assert section.model.index(last, AL_STATUS).data() == "hết hiệu lực"
    brush = section.model.index(last, AL_SUBSTANCE).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == PAST_COLOUR

    _select(tab, "Penicilin")
    section.error_button.click()
    assert section.status_panel.reason.isVisible()
    # The chart read again meanwhile (a change elsewhere) leaves the question open.
    ctx.data_changed.emit(CHART, patient.id)
    settle(qtbot, ctx)
    assert section.status_panel.isVisible()
    section.status_panel.confirm.click()
    settle(qtbot, ctx)
    assert section.status_panel.error.isVisible()
    assert {a.status for a in _allergies(store, doctor, patient.id)} == {"active", "inactive"}
    _choose_reason(section.status_panel.reason, "wrong_patient")
    section.status_panel.confirm.click()
    settle(qtbot, ctx)
    [penicillin] = [a for a in _allergies(store, doctor, patient.id) if a.substance == "Penicilin"]
    assert penicillin.status == "entered_in_error"
    assert "Penicilin" not in view.banner.allergies.text()
    assert "Aspirin" in view.banner.allergies.text()
    row = section.model.rowCount() - 1
    assert section.model.allergy_at(row).substance == "Penicilin"
    assert section.model.index(row, AL_SUBSTANCE).data(Qt.ItemDataRole.FontRole).strikeOut()
    _select(tab, "Penicilin")
    assert not section.inactive_button.isEnabled() and not section.error_button.isEnabled()

    _select(tab, "Aspirin")
    section.error_button.click()
    _choose_reason(section.status_panel.reason, "duplicate")
    # Meanwhile the same entry was corrected on another PC: the panel says so.
    [aspirin] = [a for a in _allergies(store, doctor, patient.id) if a.substance == "Aspirin"]
    clinical.set_allergy_status(
        store, doctor, allergy_id=aspirin.id, status="entered_in_error", reason="duplicate"
    )
    section.status_panel.confirm.click()
    settle(qtbot, ctx)
    assert section.status_panel.error.text() == "Mục này đã được đánh dấu ghi nhầm"
    section.status_panel.cancel.click()
    assert not section.status_panel.isVisible()
    ctx.data_changed.emit(CHART, patient.id)
    settle(qtbot, ctx)
    assert view.banner.allergies.text() == "Chưa ghi nhận dị ứng"


def test_problem_list_add_and_resolve(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, _visit = scene
    tab = open_tab(qtbot, ctx, AllergiesTab, patient.id)
    problems = tab.problems
    assert problems.add_box.isVisible() and not problems.notice.isVisible()

    problems.add_button.click()
    assert "Hãy chọn bệnh" in problems.add_error.text()
    type_keys(qtbot, problems.search, "tang huyet ap")
    settle(qtbot, ctx)
    found = problems.results_model
    assert found.rowCount() > 0
    [row] = [r for r in range(found.rowCount()) if found.entry_at(r).code == "I10"]
    problems.results.selectRow(row)
    press_enter(qtbot, problems.search)
    assert problems.chosen is not None and problems.chosen.code == "I10"
    assert "I10" in problems.chosen_label.text()
    assert problems.description.text()
    problems.description.clear()
    type_text(problems.description, "Tăng huyết áp độ II")
    press_enter(qtbot, problems.description)
    settle(qtbot, ctx)
    [problem] = _problems(store, doctor, patient.id)
    assert (problem.icd10, problem.description, problem.status) == (
        "I10",
        "Tăng huyết áp độ II",
        "active",
    )
    assert problems.model.rowCount() == 1 and problems.search.text() == ""

    # The same condition twice is caught before saving.
    type_keys(qtbot, problems.search, "I10")
    settle(qtbot, ctx)
    press_enter(qtbot, problems.search)
    problems.add_button.click()
    settle(qtbot, ctx)
    assert "đã có" in problems.add_error.text()
    assert len(_problems(store, doctor, patient.id)) == 1

    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="E11", description="Đái tháo đường típ 2"
    )
    ctx.data_changed.emit(CHART, patient.id)
    settle(qtbot, ctx)
    assert problems.model.rowCount() == 2
    [i10] = [r for r in range(2) if problems.model.problem_at(r).icd10 == "I10"]
    problems.table.selectRow(i10)
    problems.resolve_button.click()
    problems.status_panel.confirm.click()
    settle(qtbot, ctx)
    statuses = {p.icd10: p.status for p in _problems(store, doctor, patient.id)}
    assert statuses == {"I10": "resolved", "E11": "active"}
    # Current conditions first, the resolved one after them.
    assert problems.model.problem_at(0).icd10 == "E11"
    assert problems.model.index(1, PR_STATUS).data() == "đã khỏi"

    problems.table.selectRow(0)
    problems.error_button.click()
    _choose_reason(problems.status_panel.reason, "not_confirmed")
    problems.status_panel.confirm.click()
    settle(qtbot, ctx)
    statuses = {p.icd10: p.status for p in _problems(store, doctor, patient.id)}
    assert statuses == {"I10": "resolved", "E11": "entered_in_error"}


def test_roles_without_the_right_read_the_lists_only(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    nurse: Session,
    registrar: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, _visit = scene
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Penicilin")
    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="I10", description="Tăng huyết áp"
    )

    # A nurse records allergies but not the problem list.
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, AllergiesTab, patient.id)
    assert tab.allergies.add_box.isVisible() and tab.allergies.inactive_button.isVisible()
    problems = tab.problems
    assert problems.model.rowCount() == 1
    assert problems.notice.isVisible() and "bác sĩ" in problems.notice.text()
    assert not problems.add_box.isVisible()
    assert not problems.resolve_button.isVisible() and not problems.error_button.isVisible()

    # A pharmacist likewise.
    auth.add_user(
        store,
        admin,
        username="ds.thu",
        role="pharmacist",
        full_name="Đỗ Thị Thu",
        password=STAFF_PASSWORD,
    )
    logged_in(ctx, auth.login(store, "ds.thu", STAFF_PASSWORD))
    tab = open_tab(qtbot, ctx, AllergiesTab, patient.id)
    assert tab.allergies.add_box.isVisible() and not tab.problems.add_box.isVisible()

    # A role without the allergy right sees the list and why it cannot change it.
    logged_in(ctx, registrar)
    read_only = AllergiesTab(ctx, patient.id)
    qtbot.addWidget(read_only)
    read_only.show()
    read_only.set_chart(chart.open_chart(store, doctor, patient.id))
    section = read_only.allergies
    assert section.model.rowCount() == 1
    assert section.notice.isVisible() and "chỉ được xem" in section.notice.text()
    assert not section.add_box.isVisible()
    assert not section.inactive_button.isVisible() and not section.error_button.isVisible()


def test_models_and_language_switch(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    qtmodeltester: ModelTester,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, _visit = scene
    allergy = clinical.add_allergy(
        store, doctor, patient_id=patient.id, substance="Cefuroxim", severity="severe"
    )
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Phấn hoa")
    clinical.set_allergy_status(store, doctor, allergy_id=allergy.id, status="inactive")
    clinical.add_problem(
        store, doctor, patient_id=patient.id, icd10="J45", description="Hen phế quản"
    )
    tab = open_tab(qtbot, ctx, AllergiesTab, patient.id)
    # The staff names come with the facility directory, read after the chart.
    qtbot.waitUntil(lambda: tab.directory is not None)
    qtmodeltester.check(tab.allergies.model)
    qtmodeltester.check(tab.problems.model)
    model = tab.allergies.model
    assert model.index(0, AL_SUBSTANCE).data() == "Phấn hoa"
    assert model.index(0, AL_RECORDED).data().startswith("Trần Thị Lan · ")
    assert model.index(1, AL_SEVERITY).data() == "nặng"
    # A severe allergy no longer in force is not shown as a danger.
    brush = model.index(1, AL_SUBSTANCE).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color().name() == PAST_COLOUR
    assert tab.allergies.title() == "Dị ứng"

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: tab.allergies.title() == "Allergies")
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Substance"
    assert model.index(1, AL_STATUS).data() == "inactive"
    assert model.index(1, AL_SEVERITY).data() == "severe"
    assert tab.problems.title() == "Problem list (chronic conditions)"
    assert tab.problems.model.index(0, PR_STATUS).data() == "current"
    assert tab.allergies.add_button.text() == "&Add allergy"
    i18n.set_language(i18n.VIETNAMESE)
    qtbot.waitUntil(lambda: tab.allergies.title() == "Dị ứng")
    assert model.index(1, AL_STATUS).data() == "hết hiệu lực"
