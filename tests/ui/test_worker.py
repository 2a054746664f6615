"""The background worker: jobs run off the GUI thread, in order, results come back to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from emr_desktop.ui.worker import Worker


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    w = Worker("test-worker")
    yield w
    w.stop()


def test_jobs_run_on_the_worker_thread_in_order_and_report_on_the_gui_thread(
    qtbot: QtBot, worker: Worker
) -> None:
    gui_thread = threading.get_ident()
    ran_on: list[int] = []
    delivered: list[tuple[int, int]] = []

    def job(n: int) -> int:
        ran_on.append(threading.get_ident())
        return n * n

    for n in range(5):
        worker.submit(job, n, on_done=lambda r: delivered.append((threading.get_ident(), r)))
    qtbot.waitUntil(lambda: len(delivered) == 5)
    assert [r for _t, r in delivered] == [0, 1, 4, 9, 16]
    assert all(t == gui_thread for t, _r in delivered)
    assert gui_thread not in ran_on


def test_an_error_goes_to_the_error_callback_and_the_worker_goes_on(
    qtbot: QtBot, worker: Worker
) -> None:
    errors: list[BaseException] = []
    results: list[int] = []

    def fail() -> None:
        raise ValueError("bad")

    worker.submit(fail, on_error=errors.append)
    worker.submit(lambda: 7, on_done=results.append)
    qtbot.waitUntil(lambda: results == [7])
    assert isinstance(errors[0], ValueError)


def test_a_newer_job_with_the_same_key_replaces_one_not_started(
    qtbot: QtBot, worker: Worker
) -> None:
    gate = threading.Event()
    seen: list[str] = []
    worker.submit(gate.wait, 5)  # keeps the worker busy
    for query in ("n", "ng", "ngu", "nguy"):
        worker.submit(lambda q=query: q, on_done=seen.append, key="search")
    assert worker.pending() == 2
    gate.set()
    assert worker.drain(10)
    assert seen == ["nguy"]


def test_busy_count_is_reported(qtbot: QtBot, worker: Worker) -> None:
    counts: list[int] = []
    worker.busy_changed.connect(counts.append)
    worker.submit(lambda: None)
    assert worker.drain(10)
    assert counts[0] == 1
    assert counts[-1] == 0


def test_a_stopped_worker_refuses_jobs(qtbot: QtBot) -> None:
    w = Worker("stopped")
    w.stop()
    with pytest.raises(RuntimeError):
        w.submit(lambda: None)


def test_a_stopped_worker_hands_no_result_back(qtbot: QtBot) -> None:
    worker = Worker("test-stopped")
    delivered: list[object] = []
    gate = threading.Event()
    worker.submit(gate.wait, 5, on_done=delivered.append)
    # The result is emitted after stop() began: it must not reach the callback.
    threading.Timer(0.05, gate.set).start()
    worker.stop()
    qtbot.wait(50)
    assert delivered == []
