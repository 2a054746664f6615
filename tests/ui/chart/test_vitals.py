"""Vital signs: typed at the bedside, checked against the hard limits beside each field,
saved as one vital-signs entry (signed when the password is given); trends with the
normal adult band."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_text

from emr_desktop.core.records import ClinicalEvent, Measurement, Patient, VitalSigns
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import auth, chart, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.chart.vitals import NORMAL_ADULT, VitalsTab
from emr_desktop.ui.context import AppContext


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Phan Thị Loan", sex="female", date_of_birth="1949"
    )


def _tab(qtbot: QtBot, ctx: AppContext, patient_id: str) -> VitalsTab:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    view.tabs.setCurrentWidget(view.vitals)
    return view.vitals


def _vitals(store: Store, session: Session, patient_id: str) -> list[ClinicalEvent]:
    found = chart.open_chart(store, session, patient_id).events
    return [chart.full_event(store, session, e.id) for e in found if e.kind == "vital_signs"]


def _values(event: ClinicalEvent) -> dict[str, str]:
    assert isinstance(event.body, VitalSigns)
    return {m.code: str(m.value) for m in event.body.measurements}


def test_vital_signs_typed_at_the_bedside_are_saved_as_one_entry(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    clinical.start_encounter(store, nurse, patient_id=patient.id, kind="outpatient")
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["temperature"], "38,2")
    type_text(tab.inputs["pulse"], "104")
    type_text(tab.inputs["systolic"], "150")
    type_text(tab.inputs["diastolic"], "90")
    type_text(tab.inputs["spo2"], "94")
    tab.save_button.click()
    settle(qtbot, ctx)
    [event] = _vitals(store, nurse, patient.id)
    assert _values(event) == {
        "temperature": "38.2",
        "pulse": "104",
        "systolic": "150",
        "diastolic": "90",
        "spo2": "94",
    }
    assert event.status == "draft" and event.created_by == nurse.user_id
    assert event.encounter_id is not None
    assert tab.inputs["pulse"].text() == ""
    # The chart reloaded: the new reading is on the plot.
    assert [r.value for r in tab.readings["temperature"]] == [38.2]


def test_with_the_password_the_entry_is_signed_at_once(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["pulse"], "76")
    type_text(tab.password, STAFF_PASSWORD)
    tab.save_button.click()
    settle(qtbot, ctx)
    [event] = _vitals(store, nurse, patient.id)
    assert event.status == "signed" and event.signed_by == nurse.user_id


def test_a_wrong_password_saves_nothing_and_says_why(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["pulse"], "76")
    type_text(tab.password, "not-my-password")
    tab.save_button.click()
    settle(qtbot, ctx)
    assert _vitals(store, nurse, patient.id) == []
    assert tab.error.text() == "Mật khẩu xác nhận không đúng"
    assert tab.inputs["pulse"].text() == "76" and tab.password.text() == ""


def test_values_outside_the_hard_limits_are_refused_beside_the_field(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["pulse"], "800")
    type_text(tab.inputs["temperature"], "ba bảy")
    type_text(tab.inputs["spo2"], "98")
    tab.save_button.click()
    settle(qtbot, ctx)
    assert tab.errors["pulse"].text() == ("Mạch 800 /min nằm ngoài giới hạn sinh lý (20–300 /min)")
    assert tab.errors["temperature"].text() == "'ba bảy' không phải là số"
    assert tab.errors["spo2"].isHidden()
    assert _vitals(store, nurse, patient.id) == []
    tab.inputs["pulse"].clear()
    type_text(tab.inputs["pulse"], "80")
    tab.inputs["temperature"].clear()
    tab.save_button.click()
    settle(qtbot, ctx)
    assert tab.errors["pulse"].isHidden()
    assert [_values(e) for e in _vitals(store, nurse, patient.id)] == [
        {"pulse": "80", "spo2": "98"}
    ]


def test_a_diastolic_pressure_above_the_systolic_is_refused(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["systolic"], "80")
    type_text(tab.inputs["diastolic"], "120")
    tab.save_button.click()
    assert tab.errors["diastolic"].text() == "Huyết áp tâm trương phải thấp hơn tâm thu"
    assert ctx.db.pending() == 0


def test_an_empty_form_asks_for_a_value(
    qtbot: QtBot, ctx: AppContext, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    tab.save_button.click()
    assert tab.error.text() == "Cần ít nhất một chỉ số sinh tồn"


def test_glucose_in_mg_per_dl_and_weight_in_grams_are_converted(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.inputs["blood_glucose"], "180")
    tab.units["blood_glucose"].setCurrentIndex(tab.units["blood_glucose"].findData("mg/dL"))
    type_text(tab.inputs["weight"], "3200")
    tab.units["weight"].setCurrentIndex(tab.units["weight"].findData("g"))
    tab.save_button.click()
    settle(qtbot, ctx)
    [event] = _vitals(store, nurse, patient.id)
    assert _values(event) == {"blood_glucose": "10.0", "weight": "3.2"}


def test_the_trend_plots_each_reading_with_the_normal_band(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient
) -> None:
    now = utc_now()
    for days, temperature in ((3, "37.0"), (2, "38.9"), (1, "37.6")):
        clinical.record_event(
            store,
            nurse,
            patient_id=patient.id,
            body=VitalSigns(
                measurements=(
                    Measurement("temperature", Decimal(temperature), "°C"),
                    Measurement("systolic", Decimal(130 + days), "mmHg"),
                    Measurement("diastolic", Decimal(80), "mmHg"),
                )
            ),
            effective_at=now - timedelta(days=days),
        )
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    assert tab.series_points() == {"nhiệt độ": 3}
    assert tab.bands == {"temperature": NORMAL_ADULT["temperature"]}
    assert tab.caption.text() == ("3 lần đo. Dải tô màu là giới hạn bình thường của người lớn.")
    tab.measure.setCurrentIndex(tab.measure.findData("blood_pressure"))
    assert tab.series_points() == {"huyết áp tâm thu": 3, "huyết áp tâm trương": 3}
    assert set(tab.bands) == {"systolic", "diastolic"}
    tab.measure.setCurrentIndex(tab.measure.findData("pulse"))
    assert tab.series_points() == {}
    assert tab.caption.text() == "Không có số đo mạch trong khoảng thời gian này."
    tab.measure.setCurrentIndex(tab.measure.findData("temperature"))
    tab.period.setCurrentIndex(tab.period.findData(7))
    assert tab.series_points() == {"nhiệt độ": 3}


def test_children_get_no_adult_band(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    child = patients.register_patient(
        store, registrar, full_name="Phan Minh Khôi", sex="male", date_of_birth="2021"
    )
    clinical.record_event(
        store,
        nurse,
        patient_id=child.id,
        body=VitalSigns(measurements=(Measurement("pulse", Decimal(120), "/min"),)),
    )
    tab = _tab(qtbot, logged_in(ctx, nurse), child.id)
    tab.measure.setCurrentIndex(tab.measure.findData("pulse"))
    assert tab.series_points() == {"mạch": 1}
    assert tab.bands == {}
    assert "không áp dụng cho trẻ em" in tab.caption.text()


def test_a_role_without_vitals_permission_only_reads(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session, patient: Patient
) -> None:
    auth.add_user(
        store,
        admin,
        username="ds.thu",
        role="pharmacist",
        full_name="Vũ Thị Thu",
        password=STAFF_PASSWORD,
    )
    tab = _tab(qtbot, logged_in(ctx, auth.login(store, "ds.thu", STAFF_PASSWORD)), patient.id)
    assert tab.form_box.isHidden() and not tab.read_only.isHidden()
