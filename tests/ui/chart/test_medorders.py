"""The medication orders tab: a doctor orders a drug for an admitted patient, signs it with
the password, the nurses' worklist gives its doses; stopping it ends them.

The tab's clock is pinned to 10:00 Vietnam time today (far from midnight), and the worklist
is read at that same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import current, open_tab, sign_with
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_keys, type_text

from emr_desktop.core.records import EncounterKind, Patient
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import clinical, nursing, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart import medorders
from emr_desktop.ui.chart.medorders import MedicationOrdersTab, parse_times
from emr_desktop.ui.context import AppContext

CEFTRIAXONE = "T0040"  # Ceftriaxon 1 g, lọ, iv


@dataclass(frozen=True)
class Stay:
    patient: Patient
    stay_id: str
    department_id: str


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """10:00 today, Vietnam time: the tab's clock and the worklist's `now`."""
    pinned = datetime.combine(datetime.now(VIETNAM_TZ).date(), time(10), VIETNAM_TZ)
    monkeypatch.setattr(medorders, "clock", lambda: pinned)
    return pinned


@pytest.fixture
def stay(store: Store, admin: Session, doctor: Session, moment: datetime) -> Stay:
    department = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    bed = wards.add_bed(store, admin, department_id=department.id, code="G1")
    patient = patients.register_patient(
        store, doctor, full_name="Nguyễn Thị Mai", sex="female", date_of_birth="1958"
    )
    encounter = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind=EncounterKind.INPATIENT,
        department_id=department.id,
        bed_id=bed.id,
        reason="Viêm phổi",
    )
    return Stay(patient, encounter.id, department.id)


def choose(qtbot: QtBot, ctx: AppContext, tab: MedicationOrdersTab, query: str, code: str) -> None:
    """Search the formulary as typed (no accents) and take the drug `code` from the results."""
    type_keys(qtbot, tab.search, query)
    settle(qtbot, ctx)
    rows = [
        r for r in range(tab.results_model.rowCount()) if tab.results_model.drug_at(r).code == code
    ]
    assert rows, "the drug is found"
    tab.choose_drug(rows[0])


def doses_of(store: Store, nurse: Session, stay: Stay, at: datetime) -> list[datetime]:
    found = nursing.worklist(store, nurse, department_id=stay.department_id, now=at)
    return sorted(d.due_at for d in found if d.drug_code == CEFTRIAXONE and d.due_at is not None)


def test_a_doctor_orders_twice_a_day_then_stops_it(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    nurse: Session,
    stay: Stay,
    moment: datetime,
) -> None:
    logged_in(ctx, doctor)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, stay.patient.id)
    assert tab.editor.isEnabled() and not tab.notice.isVisible()
    assert tab.start.date().toPython() == moment.date()
    assert tab.frequency.currentData() == 2
    assert tab.times.text() == "08:00, 20:00"

    choose(qtbot, ctx, tab, "ceftriaxon", CEFTRIAXONE)
    assert tab.unit.text() == "lọ" and tab.route.currentData() == "iv"
    type_keys(qtbot, tab.dose, "1")
    tab.days.setValue(3)
    type_text(tab.instructions, "Pha với 10 ml nước cất, tiêm chậm")

    # Wrong password: said beside the password, nothing written.
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, "not-my-password")
    assert tab.signature.isVisible()
    assert tab.signature.error.text() == "Mật khẩu xác nhận không đúng"
    assert current(store, doctor, stay.patient.id, "medication_order") == []

    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert not tab.signature.isVisible()
    [event] = current(store, doctor, stay.patient.id, "medication_order")
    assert event.status == "signed" and event.encounter_id == stay.stay_id
    body = event.body
    assert body["drug_code"] == CEFTRIAXONE and Decimal(body["dose"]) == 1
    assert body["times"] == ["08:00", "20:00"] and body["days"] == 3
    assert body["start_date"] == moment.date().isoformat() and not body["as_needed"]
    assert body["instructions"] == "Pha với 10 ml nước cất, tiêm chậm"
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, medorders.COL_STATUS).data() == "đang dùng"
    assert tab.model.index(0, medorders.COL_TIMES).data() == "08:00, 20:00"

    eight = datetime.combine(moment.date(), time(8), VIETNAM_TZ)
    twenty = datetime.combine(moment.date(), time(20), VIETNAM_TZ)
    assert doses_of(store, nurse, stay, moment) == [eight, twenty]

    # Stop it at 10:00: the 08:00 dose stays on the record, none is due after.
    tab.table.selectRow(0)
    assert tab.stop_button.isEnabled()
    tab.stop_button.click()
    assert tab.signature.reason.isVisible()
    type_text(tab.signature.reason, "Hết sốt, chuyển kháng sinh uống")
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    assert not tab.signature.isVisible()
    [stopped] = current(store, doctor, stay.patient.id, "medication_order")
    assert stopped.correction == "amends"
    assert tab.model.index(0, medorders.COL_STATUS).data() == "đã ngừng"
    tab.table.selectRow(0)
    assert not tab.stop_button.isEnabled()
    assert doses_of(store, nurse, stay, moment) == [eight]
    assert doses_of(store, nurse, stay, moment + timedelta(days=1)) == []


def test_as_needed_order_and_inline_errors(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, stay: Stay
) -> None:
    logged_in(ctx, doctor)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, stay.patient.id)
    tab.sign_button.click()
    assert tab.form_error.text() == "Chọn thuốc trong danh mục"
    assert not tab.signature.isVisible()

    choose(qtbot, ctx, tab, "paracetamol", "T0001")
    tab.times.setText("8 gio")
    type_keys(qtbot, tab.dose, "1")
    tab.sign_button.click()
    assert "HH:MM" in tab.form_error.text() and tab.times.hasFocus()
    assert not tab.signature.isVisible()

    tab.frequency.setCurrentIndex(tab.frequency.findData(medorders.AS_NEEDED))
    assert tab.times.text() == "" and not tab.times.isEnabled()
    tab.sign_button.click()
    sign_with(qtbot, ctx, tab, STAFF_PASSWORD)
    [event] = current(store, doctor, stay.patient.id, "medication_order")
    assert event.body["as_needed"] and event.body["times"] == []
    assert tab.model.index(0, medorders.COL_TIMES).data() == "khi cần"


def test_a_drug_the_patient_is_allergic_to_is_flagged(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, stay: Stay
) -> None:
    clinical.add_allergy(
        store,
        doctor,
        patient_id=stay.patient.id,
        substance="Ceftriaxon",
        reaction="Mày đay",
        severity="moderate",
    )
    logged_in(ctx, doctor)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, stay.patient.id)
    choose(qtbot, ctx, tab, "ceftriaxon", CEFTRIAXONE)
    assert "DỊ ỨNG" in tab.chosen.text() and "Mày đay" in tab.chosen.text()
    tab.clear_form()
    assert "DỊ ỨNG" not in tab.chosen.text()


def test_a_nurse_reads_but_cannot_order(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, nurse: Session, stay: Stay
) -> None:
    nursing.order_medication(
        store,
        doctor,
        encounter_id=stay.stay_id,
        drug_code=CEFTRIAXONE,
        dose=Decimal(1),
        times=("08:00",),
        start_date=medorders.today(),
        days=2,
        sign_password=STAFF_PASSWORD,
    )
    logged_in(ctx, nurse)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, stay.patient.id)
    assert tab.model.rowCount() == 1
    assert tab.notice.isVisible() and "Chỉ bác sĩ" in tab.notice.text()
    assert not tab.editor.isEnabled()
    tab.table.selectRow(0)
    assert not tab.stop_button.isEnabled()


def test_no_order_without_a_stay_in_progress(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, moment: datetime
) -> None:
    patient = patients.register_patient(
        store, doctor, full_name="Lê Văn Nam", sex="male", date_of_birth="1970"
    )
    logged_in(ctx, doctor)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, patient.id)
    assert not tab.editor.isEnabled()
    assert "nhập viện" in tab.notice.text()


def test_model_and_language_switch(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    stay: Stay,
    qtmodeltester: ModelTester,
) -> None:
    for times, needed in ((("06:00", "12:00", "18:00", "00:00"), False), ((), True)):
        nursing.order_medication(
            store,
            doctor,
            encounter_id=stay.stay_id,
            drug_code=CEFTRIAXONE,
            dose=Decimal("0.5"),
            times=times,
            as_needed=needed,
            start_date=medorders.today(),
            days=1,
            sign_password=STAFF_PASSWORD,
        )
    logged_in(ctx, doctor)
    tab = open_tab(qtbot, ctx, MedicationOrdersTab, stay.patient.id)
    qtmodeltester.check(tab.model)
    assert tab.model.rowCount() == 2
    assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "Thuốc"
    doses = {tab.model.index(r, medorders.COL_DOSE).data() for r in range(2)}
    assert doses == {"0,5 lọ"}
    assert tab.frequency.itemText(0) == "Ngày 1 lần"
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: tab.sign_button.text() == "&Sign order…")
    assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "Drug"
    assert tab.frequency.itemText(1) == "2× a day"
    shown = {tab.model.index(r, medorders.COL_TIMES).data() for r in range(2)}
    assert shown == {"06:00, 12:00, 18:00, 00:00", "as needed"}


def test_parse_times() -> None:
    assert parse_times("8:00, 20:00") == ("08:00", "20:00")
    assert parse_times("6h 12h;18h 24h") == ("06:00", "12:00", "18:00", "00:00")
    assert parse_times("8 gio") == ("08:00", "gio")
