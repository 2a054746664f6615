"""The "Gửi lên PACS" button of the imaging tab against a real PACS (Orthanc on loopback): a study
imported on this PC sent on the network worker, the record then saying it is on the PACS;
and a PC without the images listing them from the PACS and showing them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from tests.imaging.orthanc import Orthanc, free_port, orthanc_missing, running_orthanc
from tests.ui.conftest import logged_in, settle
from tests.ui.imaging.test_tab import open_tab, save_ct

from emr_desktop.core.records import Patient
from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Frames
from emr_desktop.services import imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.services.pacs import set_pacs
from emr_desktop.store.store import Store
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.worker import stop_imaging_worker

pytestmark = pytest.mark.skipif(orthanc_missing() is not None, reason=str(orthanc_missing()))


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Orthanc]:
    with running_orthanc(tmp_path / "orthanc") as running:
        yield running


@pytest.fixture
def pacs_ctx(ctx: AppContext) -> Iterator[AppContext]:
    yield ctx
    ctx.db.drain(30)
    ctx.net.drain(30)
    stop_imaging_worker(ctx)


def test_send_to_the_pacs_then_view_it_where_the_images_are_not(
    qtbot: QtBot,
    pacs_ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    patient: Patient,
    server: Orthanc,
) -> None:
    study, files = save_ct(store, doctor, patient, slices=4)
    uid = study.study_instance_uid
    set_pacs(store, admin, server.dicom_web, "basic", server.user, server.password)
    logged_in(pacs_ctx, doctor)
    view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    qtbot.waitUntil(tab.upload_button.isEnabled, timeout=30_000)
    assert tab.upload_button.text() == "Gửi lên PACS"
    tab.upload_button.click()
    qtbot.waitUntil(lambda: "mọi máy đều xem được" in tab.notice.text(), timeout=60_000)
    assert "PACS đã giữ đủ 4 ảnh" in tab.notice.text()
    settle(qtbot, pacs_ctx)
    record = imaging.study(store, doctor, uid)
    assert record is not None and record.source == "pacs"
    qtbot.waitUntil(lambda: not tab.upload_button.isEnabled(), timeout=10_000)
    view.close()

    # This PC without the images (as another PC is: the record synced, no pixels).
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM imaging_instance WHERE study_instance_uid = ?", (uid,))
    _view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    viewer = tab.viewer
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.shown_index() == 0, timeout=30_000)
    assert viewer.slice_count() == 4
    window = viewer.current_window()
    assert window is not None
    first = Frames.from_bytes(files[0]).frame(0)
    shown = viewer.canvas.image_array()
    assert shown is not None
    assert np.array_equal(shown, pixels.render(first, window.center, window.width))
    settle(qtbot, pacs_ctx)
    listed = imaging.series_instances(store, doctor, uid, study.series[0].series_instance_uid)
    assert len(listed) == 4 and all(i.source == "pacs" for i in listed)


def test_a_pacs_down_is_said_and_the_study_stays_on_this_pc(
    qtbot: QtBot,
    pacs_ctx: AppContext,
    store: Store,
    admin: Session,
    doctor: Session,
    nurse: Session,
    patient: Patient,
) -> None:
    study, _ = save_ct(store, doctor, patient, slices=2)
    set_pacs(store, admin, f"http://127.0.0.1:{free_port()}/dicom-web", "none", None, None)
    logged_in(pacs_ctx, doctor)
    view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    qtbot.waitUntil(tab.upload_button.isEnabled, timeout=30_000)
    tab.upload_button.click()
    qtbot.waitUntil(lambda: "PACS" in tab.notice.text(), timeout=30_000)
    qtbot.waitUntil(tab.upload_button.isEnabled, timeout=10_000)  # to try again
    assert "Không kết nối được PACS" in tab.notice.text()
    record = imaging.study(store, doctor, study.study_instance_uid)
    assert record is not None and record.source == "import"
    view.close()
    logged_in(pacs_ctx, nurse)
    _view, tab = open_tab(qtbot, pacs_ctx, patient.id)
    assert not tab.upload_button.isVisibleTo(tab)
