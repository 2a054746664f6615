"""The diagnoses tab: ICD-10 search without diacritics, primary and secondary, signing."""

from __future__ import annotations

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import admitted_patient, current, open_tab, sign_with
from tests.ui.conftest import logged_in, settle
from tests.ui.support import press_enter, type_keys, type_text

from emr_desktop.core.records import Diagnosis, Encounter, Patient
from emr_desktop.services import clinical
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.diagnoses import DiagnosesTab
from emr_desktop.ui.context import AppContext


@pytest.fixture
def scene(
    ctx: AppContext, store: Store, registrar: Session, doctor: Session
) -> tuple[Patient, Encounter]:
    logged_in(ctx, doctor)
    return admitted_patient(store, registrar, doctor)


def _search(qtbot: QtBot, ctx: AppContext, tab: DiagnosesTab, text: str) -> list[str]:
    tab.search.clear()
    type_keys(qtbot, tab.search, text)
    settle(qtbot, ctx)
    model = tab.results_model
    return [model.entry_at(row).code for row in range(model.rowCount())]


def test_find_viem_phoi_and_sign_it_as_primary(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    tab = open_tab(qtbot, ctx, DiagnosesTab, patient.id)
    codes = _search(qtbot, ctx, tab, "viem phoi")
    assert codes[0] == "J18.9"
    assert tab.results_model.index(0, 1).data() == "Viêm phổi, không đặc hiệu"
    press_enter(qtbot, tab.search)
    assert "J18.9" in tab.chosen.text()
    assert tab.description.text() == "Viêm phổi, không đặc hiệu"
    assert tab.rank.currentData() == "primary"

    tab.add_and_sign.click()
    sign_with(qtbot, ctx, tab, "wrong-password")
    assert tab.signature.error.isVisible()
    assert current(store, doctor, patient.id, "diagnosis") == []
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)

    [diagnosis] = current(store, doctor, patient.id, "diagnosis")
    assert diagnosis.status == "signed" and diagnosis.encounter_id == visit.id
    assert diagnosis.body == {
        "icd10": "J18.9",
        "rank": "primary",
        "description": "Viêm phổi, không đặc hiệu",
    }
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, 3).data() == "bệnh chính"
    # Ready for the next one, which is secondary now that the visit has its primary.
    assert tab.search.text() == "" and tab.rank.currentData() == "secondary"


def test_search_by_code_and_a_secondary_diagnosis(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J18.9", rank="primary", description="Viêm phổi"),
    )
    tab = open_tab(qtbot, ctx, DiagnosesTab, patient.id)
    codes = _search(qtbot, ctx, tab, "I10")
    assert codes[0] == "I10"
    # A second primary diagnosis for the visit is refused beside the rank.
    tab.choose(0)
    tab.rank.setCurrentIndex(tab.rank.findData("primary"))
    tab.add_draft.click()
    settle(qtbot, ctx)
    assert "J18.9" in tab.add_error.text()
    assert len(current(store, doctor, patient.id, "diagnosis")) == 1

    tab.rank.setCurrentIndex(tab.rank.findData("secondary"))
    tab.description.clear()
    type_text(tab.description, "Tăng huyết áp độ 2")
    tab.add_draft.click()
    settle(qtbot, ctx)
    added = [e for e in current(store, doctor, patient.id, "diagnosis") if e.status == "draft"]
    assert len(added) == 2
    hypertension = next(e for e in added if e.body["icd10"] == "I10")
    assert hypertension.body["rank"] == "secondary"
    assert hypertension.body["description"] == "Tăng huyết áp độ 2"

    # Sign the draft from the list.
    tab.table.selectRow(tab.model.row_of(hypertension.id))
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    signed = {e.body["icd10"]: e.status for e in current(store, doctor, patient.id, "diagnosis")}
    assert signed == {"J18.9": "draft", "I10": "signed"}


def test_entered_in_error_frees_the_primary_rank(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: tuple[Patient, Encounter]
) -> None:
    patient, visit = scene
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J20.9", rank="primary"),
        sign_password=STAFF_PASSWORD,
    )
    tab = open_tab(qtbot, ctx, DiagnosesTab, patient.id)
    assert tab.rank.currentData() == "secondary"
    tab.table.selectRow(0)
    tab.error_button.click()
    type_text(tab.signature.reason, "Chẩn đoán nhầm, đã có X-quang")
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert current(store, doctor, patient.id, "diagnosis") == []
    assert tab.model.rowCount() == 0
    assert tab.rank.currentData() == "primary"


def test_a_nurse_reads_diagnoses_but_does_not_write_them(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    registrar: Session,
    doctor: Session,
    nurse: Session,
) -> None:
    patient, visit = admitted_patient(store, registrar, doctor)
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J18.9", rank="primary"),
    )
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, DiagnosesTab, patient.id)
    assert tab.notice.isVisible()
    assert tab.notice.text() == "Chỉ bác sĩ được ghi chẩn đoán."
    assert not tab.add_box.isEnabled()
    tab.table.selectRow(0)
    assert not tab.sign_button.isEnabled() and not tab.error_button.isEnabled()
    assert tab.model.rowCount() == 1


def test_models_pass_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    scene: tuple[Patient, Encounter],
) -> None:
    patient, visit = scene
    clinical.record_event(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        body=Diagnosis(icd10="J18.9", rank="primary"),
    )
    tab = open_tab(qtbot, ctx, DiagnosesTab, patient.id)
    _search(qtbot, ctx, tab, "tang huyet ap")
    assert tab.results_model.rowCount() > 0
    qtmodeltester.check(tab.results_model)
    qtmodeltester.check(tab.model)
