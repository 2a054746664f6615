"""The imaging worker: decoding DICOM pixels off the GUI thread, apart from the database.

Decoding a slice takes a few milliseconds of CPU; a thumbnail strip or a cine loop asks for
hundreds. They get their own thread so that the database worker stays free for the chart
and the network worker for the server and the PACS. One per running program, made when the
first imaging screen needs it and stopped when the application quits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from emr_desktop.ui.worker import Callback, Worker

WORKER_NAME = "emr-imaging"


def imaging_worker(owner: QObject, on_error: Callback | None = None) -> Worker:
    """The imaging worker kept by `owner` (the application context), made on first use."""
    worker = owner.findChild(Worker, WORKER_NAME)
    if worker is not None:
        return worker
    worker = Worker(WORKER_NAME, on_error=on_error)
    worker.setParent(owner)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(worker.stop)
    return worker


def stop_imaging_worker(owner: QObject) -> None:
    """Stop `owner`'s imaging worker if it has one (the program closing, tests)."""
    worker = owner.findChild(Worker, WORKER_NAME)
    if worker is not None:
        worker.stop()
        worker.setObjectName(f"{WORKER_NAME}-stopped")
        # Deleted by Qt on the GUI thread; left to Python's garbage collector it could be
        # destroyed on whichever thread happens to collect.
        worker.deleteLater()


def submit_while_running(worker: Worker, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Submit to `worker` unless it has stopped (the program is closing: a result would have
    nowhere to go). Returns whether the job was queued."""
    try:
        worker.submit(fn, *args, **kwargs)
    except RuntimeError:
        return False
    return True
