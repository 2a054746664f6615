"""The chart window: loads on the worker, fills the tab on screen, reloads when the chart
changes (staying on the same tab), follows merges, refuses roles without chart access."""

from __future__ import annotations

from decimal import Decimal

from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from tests.ui.conftest import logged_in, settle

from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Measurement, Patient, PatientLink, VitalSigns
from emr_desktop.core.timeutil import utc_now
from emr_desktop.services import clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import CHART, PATIENTS, AppContext


def _patient(store: Store, registrar: Session, name: str = "Trương Văn Hải") -> Patient:
    return patients.register_patient(
        store, registrar, full_name=name, sex="male", date_of_birth="1958-09-02"
    )


def _pulse(store: Store, nurse: Session, patient_id: str, pulse: int) -> None:
    clinical.record_event(
        store,
        nurse,
        patient_id=patient_id,
        body=VitalSigns(measurements=(Measurement("pulse", Decimal(pulse), "/min"),)),
    )


def _open(qtbot: QtBot, ctx: AppContext, patient_id: str) -> ChartView:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    return view


def test_the_chart_opens_with_the_name_in_its_title_and_the_timeline_filled(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    _pulse(store, nurse, patient.id, 88)
    logged_in(ctx, nurse)
    view = ChartView(ctx, patient.id)
    qtbot.addWidget(view)
    assert view.title() == "Đang mở hồ sơ…"
    with qtbot.waitSignal(view.title_changed) as shown:
        settle(qtbot, ctx)
    assert shown.args == [f"Trương Văn Hải · {patient.mrn}"]
    assert view.banner.name.text() == "Trương Văn Hải"
    assert view.timeline.model.rowCount() == 1
    assert view.time_to_data_ms is not None and view.time_to_data_ms > 0
    assert view.tabs.count() == 11


def test_only_the_tab_on_screen_is_filled_the_others_when_shown(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    _pulse(store, nurse, patient.id, 72)
    view = _open(qtbot, logged_in(ctx, nurse), patient.id)
    assert view.vitals.readings["pulse"] == []
    view.tabs.setCurrentWidget(view.vitals)
    assert [r.value for r in view.vitals.readings["pulse"]] == [72.0]


def test_a_change_to_the_chart_reloads_it_and_keeps_the_tab(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    view = _open(qtbot, logged_in(ctx, nurse), patient.id)
    view.tabs.setCurrentWidget(view.vitals)
    _pulse(store, nurse, patient.id, 95)
    ctx.data_changed.emit(CHART, patient.id)
    settle(qtbot, ctx)
    assert view.tabs.currentWidget() is view.vitals
    assert [r.value for r in view.vitals.readings["pulse"]] == [95.0]
    assert view.chart is not None and len(view.chart.events) == 1
    # The timeline was out of date while hidden; it is filled when shown again.
    view.tabs.setCurrentWidget(view.timeline)
    assert view.timeline.model.rowCount() == 1


def test_changes_to_other_patients_do_not_reload_this_chart(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    other = _patient(store, registrar, "Lò Thị Sen")
    view = _open(qtbot, logged_in(ctx, nurse), patient.id)
    ctx.data_changed.emit(CHART, other.id)
    ctx.data_changed.emit(PATIENTS, "")
    assert ctx.db.pending() == 0
    ctx.data_changed.emit(PATIENTS, patient.id)
    assert ctx.db.pending() > 0
    settle(qtbot, ctx)
    assert view.chart is not None


def test_demographics_edited_elsewhere_show_in_the_banner_and_title(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    view = _open(qtbot, logged_in(ctx, nurse), patient.id)
    patients.update_patient(store, registrar, patient.id, full_name="Trương Văn Hài")
    with qtbot.waitSignal(view.title_changed):
        ctx.data_changed.emit(PATIENTS, patient.id)
        settle(qtbot, ctx)
    assert view.banner.name.text() == "Trương Văn Hài"
    assert view.title().startswith("Trương Văn Hài")


def test_a_merged_away_chart_opens_as_the_surviving_one(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    kept = _patient(store, registrar)
    duplicate = _patient(store, registrar, "Truong Van Hai")
    _pulse(store, nurse, duplicate.id, 101)
    with store.unit_of_work(user_id=registrar.user_id) as uow:
        uow.add(
            PatientLink(
                id=new_id(),
                facility_id=registrar.facility_id,
                created_at=utc_now(),
                created_by=registrar.user_id,
                device_id=store.device_id,
                replaced_id=duplicate.id,
                replaced_by=kept.id,
                reason="trùng hồ sơ",
            )
        )
        uow.commit()
    view = _open(qtbot, logged_in(ctx, nurse), duplicate.id)
    assert view.patient_id == kept.id and view.requested_id == duplicate.id
    assert view.banner.merged.isVisible()
    assert "đã được gộp" in view.banner.merged.text()
    assert view.timeline.model.rowCount() == 1
    # A change announced under either id reloads this chart.
    ctx.data_changed.emit(CHART, duplicate.id)
    assert ctx.db.pending() > 0
    settle(qtbot, ctx)


def test_a_role_without_chart_access_sees_why_instead_of_the_chart(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session
) -> None:
    patient = _patient(store, registrar)
    view = _open(qtbot, logged_in(ctx, registrar), patient.id)
    assert view.chart is None
    assert view.tabs.isHidden() and view.banner.isHidden()
    assert "không được phép" in view.notice.text()
    assert view.title() == "Không mở được hồ sơ"


def test_tab_names_and_title_follow_the_language(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    view = _open(qtbot, logged_in(ctx, nurse), patient.id)
    assert view.tabs.tabText(3) == "Sinh hiệu"
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: view.tabs.tabText(3) == "Vital signs")
    assert view.tabs.tabText(6) == "Orders && results"
    assert "No allergies recorded" in view.banner.allergies.text()


def test_a_chart_closed_while_loading_ignores_the_late_result(
    qtbot: QtBot, ctx: AppContext, store: Store, registrar: Session, nurse: Session
) -> None:
    patient = _patient(store, registrar)
    view = ChartView(logged_in(ctx, nurse), patient.id)
    view.deleteLater()
    qtbot.waitUntil(lambda: not isValid(view))
    settle(qtbot, ctx)
    ctx.data_changed.emit(CHART, patient.id)
    assert ctx.db.pending() == 0
