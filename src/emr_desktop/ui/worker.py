"""Background workers: the database on one thread, the network on another (DESIGN §6).

The window never waits for SQLite or the server. A screen hands a worker a plain function
and two callbacks; the function runs on the worker's thread, one job at a time in the order
given, and the callbacks run later on the GUI thread, carried there by a queued signal.

Search-as-you-type submits with a `key`: a job not yet started is replaced by a newer one
with the same key, so a fast typist never queues up a backlog of stale searches.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]

#: Seconds a thread may hold the interpreter before the GUI thread gets a turn (Python's
#: default is 5 ms). The workers run Python too; handing back every millisecond keeps
#: typing smooth while a query's rows are being built.
SWITCH_INTERVAL = 0.001


def share_the_interpreter() -> None:
    """Let the GUI thread in often (call once at start-up)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


@dataclass
class _Job:
    job_id: int
    fn: Callable[[], Any]
    key: str | None
    on_done: Callback | None
    on_error: Callback | None


class _Thread(QThread):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self._worker = worker

    def run(self) -> None:
        self._worker._serve()


class Worker(QObject):
    """Runs jobs one at a time on its own thread; results return on the GUI thread."""

    #: job id, result, error (exactly one of the last two is meaningful).
    _finished = Signal(int, object, object)
    #: Emitted on the GUI thread whenever the number of queued and running jobs changes.
    busy_changed = Signal(int)

    def __init__(self, name: str, on_error: Callback | None = None) -> None:
        super().__init__()
        self.setObjectName(name)
        self._default_on_error = on_error
        self._ids = itertools.count(1)
        self._queue: deque[_Job] = deque()
        self._lock = threading.Condition()
        self._callbacks: dict[int, _Job] = {}
        self._running = True
        self._in_flight = 0
        self._finished.connect(self._deliver)
        self._thread = _Thread(self)
        self._thread.setObjectName(name)
        self._thread.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        key: str | None = None,
        **kwargs: Any,
    ) -> int:
        """Queue `fn(*args, **kwargs)`; returns the job id.

        With `key`, a queued job with the same key that has not started is dropped.
        """
        job = _Job(next(self._ids), lambda: fn(*args, **kwargs), key, on_done, on_error)
        with self._lock:
            if not self._running:
                raise RuntimeError(f"worker {self.objectName()} is stopped")
            if key is not None:
                for old in [j for j in self._queue if j.key == key]:
                    self._queue.remove(old)
                    self._callbacks.pop(old.job_id, None)
                    self._in_flight -= 1
            self._queue.append(job)
            self._callbacks[job.job_id] = job
            self._in_flight += 1
            count = self._in_flight
            self._lock.notify()
        self.busy_changed.emit(count)
        return job.job_id

    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return self._in_flight

    def drain(self, timeout: float = 30.0) -> bool:
        """Run the GUI thread's events until every job is done and delivered (tests, exit).

        Call from the GUI thread only: callbacks are delivered by its event loop.
        """
        deadline = time.monotonic() + timeout
        while self.pending() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
            with self._lock:
                if self._in_flight:
                    self._lock.wait(0.005)
        return self.pending() == 0

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish the job in hand, drop the rest and end the thread."""
        with self._lock:
            self._running = False
            self._queue.clear()
            self._lock.notify_all()
        self._thread.wait(timeout_ms)

    def _serve(self) -> None:
        while True:
            with self._lock:
                while self._running and not self._queue:
                    self._lock.wait()
                if not self._running:
                    return
                job = self._queue.popleft()
            result: Any = None
            error: BaseException | None = None
            try:
                result = job.fn()
            except Exception as exc:  # handed to the GUI thread, never lost
                error = exc
            self._finished.emit(job.job_id, result, error)

    def _deliver(self, job_id: int, result: Any, error: BaseException | None) -> None:
        with self._lock:
            job = self._callbacks.pop(job_id, None)
            self._in_flight = max(0, self._in_flight - 1) if job is not None else self._in_flight
            count = self._in_flight
            self._lock.notify_all()
            running = self._running
        self.busy_changed.emit(count)
        if job is None or not running:
            # A stopped worker hands nothing back: its results would reach screens that are
            # closing, and could ask other stopped workers for more.
            return
        if error is None:
            if job.on_done is not None:
                job.on_done(result)
            return
        handler = job.on_error or self._default_on_error
        if handler is None:
            log.error("unhandled %s in worker %s", type(error).__name__, self.objectName())
            return
        handler(error)
