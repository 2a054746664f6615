"""Hybrid logical clock (Kulkarni et al., 2014).

Every write is stamped with an HLC so that replicas agree on the order of writes even when a
PC's wall clock is wrong. The stamp is a string that sorts in clock order, ties broken by the
device id, so "last writer wins" is a plain string comparison everywhere (PC and server).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from emr_desktop.core.errors import ValidationError

# 15 digits of milliseconds last until the year 33658; 6 digits of counter allow a million
# events in one millisecond, far more than one PC can write.
_WALL_DIGITS = 15
_COUNTER_DIGITS = 6
_MAX_COUNTER = 10**_COUNTER_DIGITS - 1


@dataclass(frozen=True, order=True)
class Hlc:
    """One timestamp: wall-clock milliseconds, a logical counter, and the node (device id)."""

    wall_ms: int
    counter: int
    node: str

    def encode(self) -> str:
        """The sortable string form, e.g. `001732233600000:000000:<device id>`."""
        return f"{self.wall_ms:0{_WALL_DIGITS}d}:{self.counter:0{_COUNTER_DIGITS}d}:{self.node}"

    @classmethod
    def decode(cls, text: str) -> Hlc:
        """Parse the string form made by `encode`."""
        parts = text.split(":", 2)
        if (
            len(parts) != 3
            or len(parts[0]) != _WALL_DIGITS
            or len(parts[1]) != _COUNTER_DIGITS
            or not parts[0].isdigit()
            or not parts[1].isdigit()
            or not parts[2]
        ):
            raise ValidationError(
                "hlc",
                "format",
                f"Dấu thời gian HLC không hợp lệ: {text!r}",
                f"Malformed HLC timestamp: {text!r}",
            )
        return cls(int(parts[0]), int(parts[1]), parts[2])

    def __str__(self) -> str:
        return self.encode()


class HybridLogicalClock:
    """The clock of one node. Thread-safe.

    `now()` stamps a local event; `observe()` folds in a stamp received from another node so
    that everything this node writes afterwards sorts after it.
    """

    def __init__(self, node: str, wall_ms: Callable[[], int] | None = None) -> None:
        if not node or ":" in node:
            raise ValidationError(
                "node", "format", "Mã thiết bị không hợp lệ", "Invalid node id for the clock"
            )
        self.node = node
        self._wall_ms = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self._last = Hlc(0, 0, node)
        self._lock = threading.Lock()

    @property
    def last(self) -> Hlc:
        """The latest stamp issued or observed."""
        return self._last

    def now(self) -> Hlc:
        """A new stamp, later than every stamp this clock has issued or observed."""
        with self._lock:
            wall = self._wall_ms()
            if wall > self._last.wall_ms:
                stamp = Hlc(wall, 0, self.node)
            else:
                stamp = self._bump(self._last.wall_ms, self._last.counter)
            self._last = stamp
            return stamp

    def observe(self, remote: Hlc | str) -> Hlc:
        """Merge a remote stamp into this clock; returns the clock's new latest stamp."""
        other = Hlc.decode(remote) if isinstance(remote, str) else remote
        with self._lock:
            wall = self._wall_ms()
            top = max(wall, self._last.wall_ms, other.wall_ms)
            if top == self._last.wall_ms and top == other.wall_ms:
                stamp = self._bump(top, max(self._last.counter, other.counter))
            elif top == self._last.wall_ms:
                stamp = self._bump(top, self._last.counter)
            elif top == other.wall_ms:
                stamp = self._bump(top, other.counter)
            else:
                stamp = Hlc(top, 0, self.node)
            self._last = stamp
            return stamp

    def restore(self, stamp: Hlc | str | None) -> None:
        """Continue after `stamp` (the last one persisted), e.g. after a restart."""
        if stamp is None:
            return
        value = Hlc.decode(stamp) if isinstance(stamp, str) else stamp
        with self._lock:
            if (value.wall_ms, value.counter) > (self._last.wall_ms, self._last.counter):
                self._last = Hlc(value.wall_ms, value.counter, self.node)

    def _bump(self, wall: int, counter: int) -> Hlc:
        if counter >= _MAX_COUNTER:
            return Hlc(wall + 1, 0, self.node)
        return Hlc(wall, counter + 1, self.node)
