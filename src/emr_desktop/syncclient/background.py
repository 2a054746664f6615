"""A daemon thread that runs one pass of work now and then: the sync, the e-prescription
sender.

A pass runs at once on `start()`, then again after `next_delay()` seconds, or sooner when
`trigger()` asks. Only one pass runs at a time: `run_now()` runs one in the calling thread
after the pass under way, if any. `stop()` lets the pass under way finish and ends the
thread. What a pass does, and how long to wait after it, are the subclass's.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

_Report = TypeVar("_Report")


class BackgroundLoop(Generic[_Report]):
    """Runs `_attempt()` in a background thread; subclasses say what and how often."""

    def __init__(self, thread_name: str) -> None:
        self._thread_name = thread_name
        self._pass_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread (a first pass runs at once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the worker to finish (after the pass under way, if any) and wait for it."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def trigger(self) -> None:
        """Run a pass as soon as possible."""
        self._wake.set()

    def run_now(self) -> _Report | None:
        """One pass in the calling thread (after a pass under way); None if it failed."""
        with self._pass_lock:
            return self._attempt()

    def next_delay(self) -> float:
        """Seconds to wait after a pass before the next."""
        raise NotImplementedError

    def _attempt(self) -> _Report | None:
        """One pass; never raises (a failure is recorded and None returned)."""
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._pass_lock:
                self._attempt()
            if self._stopping.is_set():
                break
            self._wake.wait(self.next_delay())
            self._wake.clear()
