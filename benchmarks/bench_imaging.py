"""Benchmark: the image viewer on a CT series kept in the encrypted store (budgets: first image
on screen ≤ 300 ms; scrolling ≥ 20 slices/s).

    python benchmarks/bench_imaging.py [--slices 200] [--size 512] [--runs 10]
    python benchmarks/bench_imaging.py --slices 40 --runs 5       # the smoke size of CI

A synthetic CT series (`imaging.synthetic.ct_series`: one 512 × 512 signed 16-bit slice per
file, as a scanner writes them) is imported into a real SQLCipher store. The viewer runs in
an off-screen window as in the chart, with the application's workers.

* First image: from asking a new viewer to open the series to the first paint of its first
  slice — the slice list and the bytes read on the database worker, the slice decoded on the
  imaging worker, windowed and painted. The first opening (imports, caches) is reported apart;
  p50/p95 over `--runs` further openings, each in a new viewer.
* Scrolling: in a new viewer, as soon as a slice is painted the next is asked for, through
  the whole series: slices painted per second on this first pass (nothing decoded in
  advance but what the viewer itself prefetches while the user scrolls).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _harness import bench_doctor, bench_store, emit, percentiles

FIRST_IMAGE_BUDGET_MS = 300
SCROLL_BUDGET_PER_S = 20
TIMEOUT_S = 60.0


def _import_series(store: Any, doctor: Any, slices: int, size: int) -> Any:
    from datetime import date

    from emr_desktop.core.imaging import DicomStudy
    from emr_desktop.imaging.dicom import read_instance
    from emr_desktop.imaging.synthetic import ct_series
    from emr_desktop.services import imaging, patients

    patient = patients.register_patient(
        store, doctor, full_name="Trần Văn Đo", sex="male", date_of_birth="1960-04-01"
    )
    files = ct_series(
        slices,
        size,
        patient_id=patient.mrn,
        patient_name="TRẦN^VĂN ĐO",
        birth_date=date(1960, 4, 1),
    )
    instances = [(read_instance(data), data) for data in files]
    study = DicomStudy.from_instances(i for i, _ in instances)
    return patient, imaging.save_study(store, doctor, patient.id, study, instances, source="import")


def _viewer(worker: Any) -> Any:
    from emr_desktop.ui.imaging.viewer import SeriesViewer

    viewer = SeriesViewer(worker)
    viewer.resize(1024, 900)
    viewer.show()
    return viewer


def _wait(signal: Any, done: Any) -> None:
    """Run the event loop until `done()` (re-checked whenever `signal` fires) or the timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop = QEventLoop()

    def check(*_args: object) -> None:
        if done():
            loop.quit()

    signal.connect(check)
    QTimer.singleShot(int(TIMEOUT_S * 1000), loop.quit)
    loop.exec()
    signal.disconnect(check)
    if not done():
        raise RuntimeError("the viewer did not show the slice in time")


def _dispose(viewer: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    viewer.close()
    viewer.deleteLater()
    QCoreApplication.processEvents()


def _first_image(ctx: Any, worker: Any, owner: Any, study: Any, series: Any) -> float:
    """Milliseconds from asking a new viewer for the series to its first slice painted."""
    from emr_desktop.ui.imaging.source import StoredSeries

    viewer = _viewer(worker)
    shown: list[float] = []
    viewer.slice_shown.connect(lambda _index: shown.append(time.perf_counter()))
    started = time.perf_counter()
    viewer.open_series(StoredSeries(ctx, owner, study, series))
    _wait(viewer.slice_shown, lambda: bool(shown))
    elapsed = (shown[0] - started) * 1000
    ctx.db.drain(TIMEOUT_S)
    worker.drain(TIMEOUT_S)
    _dispose(viewer)
    return elapsed


def _scroll(ctx: Any, worker: Any, owner: Any, study: Any, series: Any) -> tuple[float, int]:
    """Slices painted per second stepping through the whole series, and how many."""
    from PySide6.QtCore import QTimer

    from emr_desktop.ui.imaging.source import StoredSeries

    viewer = _viewer(worker)
    viewer.open_series(StoredSeries(ctx, owner, study, series))
    _wait(viewer.slice_shown, lambda: viewer.shown_index() == 0)
    last = viewer.slice_count() - 1
    painted: list[int] = []

    def next_slice(index: int) -> None:
        painted.append(index)
        if index < last:
            # After the paint that announced this slice, not inside it.
            QTimer.singleShot(0, lambda: viewer.step(1))

    viewer.slice_shown.connect(next_slice)
    started = time.perf_counter()
    viewer.step(1)
    _wait(viewer.slice_shown, lambda: bool(painted) and painted[-1] == last)
    elapsed = time.perf_counter() - started
    ctx.db.drain(TIMEOUT_S)
    worker.drain(TIMEOUT_S)
    _dispose(viewer)
    return len(painted) / elapsed, len(painted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from emr_desktop.ui import i18n
    from emr_desktop.ui.context import AppContext
    from emr_desktop.ui.imaging.worker import imaging_worker, stop_imaging_worker
    from emr_desktop.ui.worker import share_the_interpreter

    share_the_interpreter()  # as emr-desktop does at start-up
    app = QApplication.instance() or QApplication(["bench_imaging"])
    i18n.set_language(i18n.VIETNAMESE)
    with bench_store(patients=0) as store:
        doctor = bench_doctor(store)
        started = time.perf_counter()
        _patient, study = _import_series(store, doctor, args.slices, args.size)
        import_s = time.perf_counter() - started
        [series] = study.series
        with tempfile.TemporaryDirectory(prefix="emr-bench-imaging-") as settings_dir:
            settings = QSettings(
                str(Path(settings_dir) / "settings.ini"), QSettings.Format.IniFormat
            )
            ctx = AppContext(store.data_dir, settings, store=store)
            ctx.set_session(doctor)
            owner = QWidget()
            worker = imaging_worker(ctx)
            try:
                first_ms = _first_image(ctx, worker, owner, study, series)
                samples = [
                    _first_image(ctx, worker, owner, study, series) for _ in range(args.runs)
                ]
                per_second, stepped = _scroll(ctx, worker, owner, study, series)
            finally:
                stop_imaging_worker(ctx)
                ctx.net.stop()
                ctx.db.drain(TIMEOUT_S)
                ctx.db.stop()
    first = percentiles(samples)
    emit(
        {
            "benchmark": "imaging",
            "slices": args.slices,
            "size": args.size,
            "import_s": round(import_s, 2),
            "first_open_ms": round(first_ms, 2),
            "first_image": first,
            "first_image_budget_ms": FIRST_IMAGE_BUDGET_MS,
            "scroll_slices_per_s": round(per_second, 1),
            "scroll_slices": stepped,
            "scroll_budget_per_s": SCROLL_BUDGET_PER_S,
            "within_budget": first["p95_ms"] <= FIRST_IMAGE_BUDGET_MS
            and per_second >= SCROLL_BUDGET_PER_S,
        }
    )
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
