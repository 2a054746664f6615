"""The imaging GUI's fixtures: a real imaging worker, pydicom's test images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from pytestqt.qtbot import QtBot

from emr_desktop.ui import i18n
from emr_desktop.ui.imaging.source import MemorySeries
from emr_desktop.ui.imaging.viewer import SeriesViewer
from emr_desktop.ui.worker import Worker


def dicom_file(name: str) -> Path:
    found = get_testdata_file(name)
    assert found is not None, name
    return Path(str(found))


DICOMDIR_TESTS = dicom_file("CT_small.dcm").parent / "dicomdirtests"


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    i18n.set_language(i18n.VIETNAMESE)
    imaging = Worker("emr-imaging-test")
    yield imaging
    imaging.stop()


@pytest.fixture
def viewer(qtbot: QtBot, worker: Worker) -> SeriesViewer:
    widget = SeriesViewer(worker)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    return widget


def open_files(qtbot: QtBot, viewer: SeriesViewer, worker: Worker, files: list[Path]) -> None:
    """Open `files` as one series and wait for its first slice on screen."""
    source = MemorySeries(viewer, worker, [f.read_bytes() for f in files], key=str(files[0]))
    with qtbot.waitSignal(viewer.slice_shown, timeout=10_000):
        viewer.open_series(source)
