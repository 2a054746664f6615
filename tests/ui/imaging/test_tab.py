"""The chart's imaging tab over a real store: built when first shown, the patient's studies with
thumbnails, a series opened in the viewer from the encrypted store, viewing audited once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.ui.conftest import logged_in, settle

from emr_desktop.core.imaging import DicomStudy
from emr_desktop.core.records import Patient
from emr_desktop.imaging import pixels
from emr_desktop.imaging.dicom import read_instance
from emr_desktop.imaging.pixels import Frames
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.tab import ImagingTab
from emr_desktop.ui.imaging.worker import WORKER_NAME, imaging_worker, stop_imaging_worker
from emr_desktop.ui.worker import Worker

SLICES = 12


@pytest.fixture
def imaging_ctx(ctx: AppContext) -> Iterator[AppContext]:
    """The context, its imaging worker stopped at the end (after the database worker's
    last results, which may ask it for more)."""
    yield ctx
    ctx.db.drain(30)
    stop_imaging_worker(ctx)


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


def save_ct(
    store: Store, doctor: Session, patient: Patient, *, slices: int = SLICES, **kw: object
) -> tuple[DicomStudy, list[bytes]]:
    values: dict[str, object] = {
        "slices": slices,
        "size": 64,
        "patient_id": patient.mrn,
        "patient_name": "NGUYỄN^VĂN AN",
        "birth_date": date(1985, 3, 7),
        "sex": "M",
    }
    values.update(kw)
    files = ct_series(**values)  # type: ignore[arg-type]
    instances = [(read_instance(data), data) for data in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    imaging.save_study(store, doctor, patient.id, study, instances, source="import")
    return study, files


def open_tab(qtbot: QtBot, ctx: AppContext, patient_id: str) -> tuple[ChartView, ImagingTab]:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    assert not view.imaging.is_built()
    view.tabs.setCurrentWidget(view.imaging)
    settle(qtbot, ctx)
    return view, view.imaging


def _audits(store: Store, action: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT target_id, detail FROM audit_log WHERE action = :a"), {"a": action}
        ).all()
    return [{"target_id": r[0], **json.loads(r[1] or "{}")} for r in rows]


def test_the_tab_is_named_and_built_only_when_shown(
    qtbot: QtBot, imaging_ctx: AppContext, patient: Patient, doctor: Session
) -> None:
    logged_in(imaging_ctx, doctor)
    view = ChartView(imaging_ctx, patient.id)
    qtbot.addWidget(view)
    view.show()
    settle(qtbot, imaging_ctx)
    assert view.tabs.tabText(view.tabs.indexOf(view.imaging)) == "Hình ảnh"
    assert not view.imaging.is_built()
    assert imaging_ctx.findChild(Worker, WORKER_NAME) is None
    view.tabs.setCurrentWidget(view.imaging)
    settle(qtbot, imaging_ctx)
    assert view.imaging.is_built()
    assert imaging_ctx.findChild(Worker, WORKER_NAME) is not None
    assert "chưa có ảnh" in view.imaging.notice.text()
    assert view.imaging.import_button.isVisibleTo(view.imaging)


def test_a_nurse_sees_the_images_but_cannot_import(
    qtbot: QtBot,
    imaging_ctx: AppContext,
    store: Store,
    patient: Patient,
    doctor: Session,
    nurse: Session,
) -> None:
    save_ct(store, doctor, patient)
    logged_in(imaging_ctx, nurse)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    assert not tab.import_button.isVisibleTo(tab)
    assert tab.viewer is not None
    qtbot.waitUntil(lambda: tab.viewer is not None and tab.viewer.shown_index() == 0)


def test_the_newest_study_opens_from_the_store_with_the_patient_in_the_corner(
    qtbot: QtBot, imaging_ctx: AppContext, store: Store, patient: Patient, doctor: Session
) -> None:
    older, _ = save_ct(store, doctor, patient, study_date=date(2025, 6, 1), slices=3)
    newest, files = save_ct(store, doctor, patient, study_date=date(2026, 1, 15))
    logged_in(imaging_ctx, doctor)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    assert tab.browser is not None and tab.viewer is not None
    viewer = tab.viewer
    qtbot.waitUntil(lambda: viewer.shown_index() == 0, timeout=10_000)
    assert [s.study_instance_uid for s in tab.browser.studies()] == [
        newest.study_instance_uid,
        older.study_instance_uid,
    ]
    assert tab.browser.current() == (
        newest.study_instance_uid,
        newest.series[0].series_instance_uid,
    )
    assert viewer.slice_count() == SLICES
    corners = viewer.corner_text()
    assert "Nguyễn Văn An" in corners and f"Mã BN {patient.mrn}" in corners
    assert "15/01/2026" in corners and "CT" in corners and "PHỔI 1.25mm" in corners
    assert "Lát 1/12" in corners
    # The first slice is the lowest along the table, decoded from the stored bytes.
    frames = Frames.from_bytes(files[0])
    window = viewer.current_window()
    assert window is not None
    expected = pixels.render(frames.frame(0), window.center, window.width)
    assert np.array_equal(viewer.canvas.image_array(), expected)
    viewer.step(5)
    qtbot.waitUntil(lambda: viewer.shown_index() == 5, timeout=10_000)
    sixth = Frames.from_bytes(files[5]).frame(0)
    expected = pixels.render(sixth, window.center, window.width)
    assert np.array_equal(viewer.canvas.image_array(), expected)


def test_series_get_thumbnails_and_viewing_is_audited_once(
    qtbot: QtBot, imaging_ctx: AppContext, store: Store, patient: Patient, doctor: Session
) -> None:
    study, _ = save_ct(store, doctor, patient)
    save_ct(
        store,
        doctor,
        patient,
        study_uid=study.study_instance_uid,
        series_number=3,
        series_description="TRUNG THẤT",
        slices=4,
    )
    logged_in(imaging_ctx, doctor)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    browser = tab.browser
    assert browser is not None
    items = browser.series_items()
    assert len(items) == 2
    assert "12 ảnh" in items[0].text(0) and "TRUNG THẤT" in items[1].text(0)
    qtbot.waitUntil(lambda: browser.thumbnails_pending() == 0, timeout=10_000)
    assert all(not item.icon(0).isNull() for item in items)
    # Another series of the same study: still one viewing.
    browser.tree.setCurrentItem(items[1])
    assert tab.viewer is not None
    qtbot.waitUntil(lambda: tab.viewer is not None and tab.viewer.slice_count() == 4)
    settle(qtbot, imaging_ctx)
    views = _audits(store, "imaging.view")
    assert len(views) == 1
    assert views[0]["target_id"] == imaging.study(store, doctor, study.study_instance_uid).id  # type: ignore[union-attr]


def test_an_import_elsewhere_shows_up_when_the_chart_changes(
    qtbot: QtBot, imaging_ctx: AppContext, store: Store, patient: Patient, doctor: Session
) -> None:
    logged_in(imaging_ctx, doctor)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    assert tab.browser is not None and tab.browser.studies() == []
    save_ct(store, doctor, patient, slices=2)
    imaging_ctx.data_changed.emit("chart", patient.id)
    settle(qtbot, imaging_ctx)
    qtbot.waitUntil(lambda: tab.browser is not None and len(tab.browser.studies()) == 1)
    assert tab.notice.text() == ""
    assert tab.viewer is not None
    qtbot.waitUntil(lambda: tab.viewer is not None and tab.viewer.shown_index() == 0)


def test_the_imaging_worker_is_one_per_program(qtbot: QtBot, imaging_ctx: AppContext) -> None:
    first = imaging_worker(imaging_ctx)
    assert imaging_worker(imaging_ctx) is first
    assert first.objectName() == WORKER_NAME
    stop_imaging_worker(imaging_ctx)
    assert imaging_ctx.findChild(Worker, WORKER_NAME) is None


def test_english_names(
    qtbot: QtBot, imaging_ctx: AppContext, patient: Patient, doctor: Session
) -> None:
    logged_in(imaging_ctx, doctor)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    i18n.set_language(i18n.ENGLISH)
    try:
        qtbot.waitUntil(lambda: tab.pacs_button.text() == "Search the PACS…")
        assert tab.title() == "Imaging"
    finally:
        i18n.set_language(i18n.VIETNAMESE)


def test_the_report_follows_the_study_and_a_key_image_is_kept_in_the_chart(
    qtbot: QtBot, imaging_ctx: AppContext, store: Store, patient: Patient, doctor: Session
) -> None:
    save_ct(store, doctor, patient)
    logged_in(imaging_ctx, doctor)
    _view, tab = open_tab(qtbot, imaging_ctx, patient.id)
    viewer = tab.viewer
    assert viewer is not None and tab.report is not None
    qtbot.waitUntil(lambda: viewer.shown_index() == 0, timeout=10_000)
    assert tab.report.isVisibleTo(tab)
    assert tab.key_image_button.isVisibleTo(tab) and tab.key_image_button.isEnabled()
    viewer.step(3)
    qtbot.waitUntil(lambda: viewer.shown_index() == 3, timeout=10_000)
    tab.key_image_button.click()
    settle(qtbot, imaging_ctx)
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT e.body, c.data FROM clinical_event e "
                "JOIN attachment_content c ON c.event_id = e.id "
                "WHERE e.patient_id = :p AND e.kind = 'attachment'"
            ),
            {"p": patient.id},
        ).all()
    assert len(rows) == 1
    body, data = json.loads(rows[0][0]), bytes(rows[0][1])
    assert body["media_type"] == "image/png" and data.startswith(b"\x89PNG")
    assert "lát 4/12" in body["title"]
