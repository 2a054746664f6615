"""The background loop the sync and the e-prescription sender share."""

from __future__ import annotations

import threading

from emr_desktop.syncclient.background import BackgroundLoop


class Counting(BackgroundLoop[int]):
    def __init__(self) -> None:
        super().__init__("test-loop")
        self.passes = 0
        self.ran = threading.Event()

    def next_delay(self) -> float:
        return 3600.0  # only a trigger wakes it within a test

    def _attempt(self) -> int:
        self.passes += 1
        self.ran.set()
        return self.passes


def test_a_pass_runs_at_start_and_again_when_triggered() -> None:
    loop = Counting()
    loop.start()
    try:
        assert loop.ran.wait(5)
        loop.ran.clear()
        loop.trigger()
        assert loop.ran.wait(5)
        assert loop.passes >= 2
    finally:
        loop.stop(5)
    assert not any(t.name == "test-loop" for t in threading.enumerate())


def test_run_now_runs_one_pass_in_the_calling_thread() -> None:
    loop = Counting()
    assert loop.run_now() == 1
    assert loop.run_now() == 2


def test_stop_ends_the_thread_and_start_starts_a_new_one() -> None:
    loop = Counting()
    loop.start()
    loop.start()  # a second start while running changes nothing
    assert loop.ran.wait(5)
    loop.stop(5)
    passes = loop.passes
    loop.ran.clear()
    loop.start()
    assert loop.ran.wait(5)
    loop.stop(5)
    assert loop.passes == passes + 1
