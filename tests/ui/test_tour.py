"""The screen tour (`emr-desktop --demo --tour DIR`) walks the real window over a demo store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from emr_desktop.services import demo, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.app import seed_demo_imaging
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.tour import Tour, richest_patient


def test_the_tour_saves_a_picture_of_every_main_screen(
    qtbot: QtBot, ctx: AppContext, store: Store, admin: Session, tmp_path: Path
) -> None:
    demo.seed_demo(store, admin, patients=120, seed=3, workers=0)
    wards.seed_demo_wards(store, admin)
    seed_demo_imaging(store, slices=8)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    doctor = next(s for s in demo.DEMO_STAFF if s[1] == "doctor")
    tour = Tour(window, tmp_path / "shots", doctor[0], doctor[3])
    with qtbot.waitSignal(tour.finished, timeout=90_000) as finished:
        tour.start()
    written, error = finished.args
    assert error == ""
    names = [p.stem for p in written]
    assert names[0] == "01-dang-nhap"
    assert names[-1] == "10-khoa-man-hinh"
    assert len(names) == 12
    assert {"11-xem-truoc-ban-in", "12-hinh-anh"} <= set(names)
    # The imaging tab showed the demo's CT study.
    chart_view = window.workspace.charts()[0] if window.workspace else None
    assert chart_view is not None and chart_view.imaging.viewer is not None
    assert chart_view.imaging.viewer.slice_count() == 8
    for picture in written:
        image = QImage(str(picture))
        assert image.width() >= 800 and image.height() >= 500
    # The chart shown is the one with the longest history.
    chart = window.workspace.charts()[0] if window.workspace else None
    assert chart is not None and chart.patient_id == richest_patient(store)
    assert ctx.locked
    window.close()
