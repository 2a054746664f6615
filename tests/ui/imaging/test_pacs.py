"""The PACS from the chart against a real PACS (Orthanc with its DICOMweb plugin on loopback):
search by record number, fetch a study into the encrypted cache, images evicted from the
cache fetched again when shown, and a clear message when the PACS is down or not set up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from tests.imaging.orthanc import Orthanc, free_port, orthanc_missing, running_orthanc, upload
from tests.ui.conftest import logged_in, settle
from tests.ui.imaging.test_tab import open_tab, save_ct

from emr_desktop.core.records import Patient
from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Frames
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.pacs import set_pacs
from emr_desktop.store.store import Store
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.pacs import PacsPanel
from emr_desktop.ui.imaging.worker import stop_imaging_worker

pytestmark = pytest.mark.skipif(orthanc_missing() is not None, reason=str(orthanc_missing()))

SLICES = 6


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


@pytest.fixture
def orthanc(tmp_path: Path, patient: Patient) -> Iterator[tuple[Orthanc, list[bytes]]]:
    """A PACS holding a CT of our patient (PatientID = record number) and another's study."""
    with running_orthanc(tmp_path / "orthanc") as server:
        ours = ct_series(
            slices=SLICES,
            size=48,
            patient_id=patient.mrn,
            patient_name="NGUYỄN^VĂN AN",
            birth_date=date(1985, 3, 7),
            study_date=date(2026, 2, 3),
        )
        theirs = ct_series(slices=2, size=16, patient_id="SOMEONE-ELSE", patient_name="LE^VAN C")
        for data in ours + theirs:
            upload(server, data)
        yield server, ours


@pytest.fixture
def pacs_ctx(ctx: AppContext) -> Iterator[AppContext]:
    yield ctx
    ctx.db.drain(30)
    ctx.net.drain(30)
    stop_imaging_worker(ctx)


def _panel(qtbot: QtBot, ctx: AppContext, patient: Patient) -> PacsPanel:
    panel = PacsPanel(ctx, patient)
    qtbot.addWidget(panel)
    panel.show()  # searches at once
    return panel


def _idle(qtbot: QtBot, panel: PacsPanel) -> None:
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30_000)


def test_search_and_fetch_a_study_into_the_chart(
    qtbot: QtBot,
    pacs_ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    patient: Patient,
    orthanc: tuple[Orthanc, list[bytes]],
) -> None:
    server, files = orthanc
    set_pacs(store, admin, server.dicom_web, "basic", server.user, server.password)
    logged_in(pacs_ctx, doctor)
    panel = _panel(qtbot, pacs_ctx, patient)
    assert patient.mrn in panel.intro.text()
    _idle(qtbot, panel)
    assert panel.status.text() == "Tìm thấy 1 ca chụp."
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 0).text().startswith("03/02/2026")
    qtbot.waitUntil(panel.fetch_button.isEnabled)
    assert panel.confirm.isHidden()
    with qtbot.waitSignal(panel.study_fetched, timeout=60_000):
        panel.fetch_button.click()
    assert panel.status.text() == "Ca chụp đã được tải về máy này."
    assert panel.table.item(0, 4).text() == "có"
    [study] = imaging.studies(store, doctor, patient.id)
    assert study.source == "pacs"
    [series] = study.series
    stored = imaging.series_instances(
        store, doctor, study.study_instance_uid, series.series_instance_uid
    )
    assert len(stored) == SLICES and all(i.held for i in stored)
    held = imaging.instance_bytes(store, doctor, stored[0].sop_instance_uid)
    assert held in files


def test_images_evicted_from_the_cache_are_fetched_again_when_shown(
    qtbot: QtBot,
    pacs_ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    patient: Patient,
    orthanc: tuple[Orthanc, list[bytes]],
) -> None:
    server, files = orthanc
    set_pacs(store, admin, server.dicom_web, "basic", server.user, server.password)
    logged_in(pacs_ctx, doctor)
    panel = _panel(qtbot, pacs_ctx, patient)
    _idle(qtbot, panel)
    qtbot.waitUntil(panel.fetch_button.isEnabled)
    with qtbot.waitSignal(panel.study_fetched, timeout=60_000):
        panel.fetch_button.click()
    panel.close()
    assert imaging.evict_cache(store, doctor, 0) > 0
    [study] = imaging.studies(store, doctor, patient.id)
    stored = imaging.series_instances(
        store, doctor, study.study_instance_uid, study.series[0].series_instance_uid
    )
    assert not any(i.held for i in stored)

    _view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    viewer = tab.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.shown_index() == 0, timeout=30_000)
    window = viewer.current_window()
    assert window is not None
    first = Frames.from_bytes(files[0]).frame(0)
    expected = pixels.render(first, window.center, window.width)
    assert np.array_equal(viewer.canvas.image_array(), expected)
    # What was shown is cached again.
    settle(qtbot, pacs_ctx)
    qtbot.waitUntil(
        lambda: any(
            i.held
            for i in imaging.series_instances(
                store, doctor, study.study_instance_uid, study.series[0].series_instance_uid
            )
        ),
        timeout=30_000,
    )


def test_a_pacs_that_does_not_answer_is_reported_and_the_rest_works(
    qtbot: QtBot,
    pacs_ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    save_ct(store, doctor, patient, slices=3)
    set_pacs(store, admin, f"http://127.0.0.1:{free_port()}/dicom-web", "none", None, None)
    logged_in(pacs_ctx, doctor)
    _view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    tab.open_pacs()
    panel = tab.pacs_panel
    assert panel is not None
    _idle(qtbot, panel)
    assert "Không kết nối được PACS" in panel.status.text()
    assert panel.table.rowCount() == 0
    assert not panel.fetch_button.isEnabled()
    # The study already on this PC is shown all the same.
    assert tab.viewer is not None
    qtbot.waitUntil(lambda: tab.viewer is not None and tab.viewer.shown_index() == 0)


def test_without_a_pacs_set_up_the_panel_says_so(
    qtbot: QtBot, pacs_ctx: AppContext, doctor: Session, patient: Patient
) -> None:
    logged_in(pacs_ctx, doctor)
    panel = _panel(qtbot, pacs_ctx, patient)
    _idle(qtbot, panel)
    assert "chưa được cấu hình PACS" in panel.status.text()
