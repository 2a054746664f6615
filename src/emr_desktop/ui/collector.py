"""Python's garbage collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold
is crossed, and that is often a worker. Collecting there destroys unreachable Qt objects (a
closed chart tab caught in a reference cycle) on the wrong thread, which corrupts Qt's
memory. So automatic collection is switched off and a timer on the GUI thread collects the
generations that are due, by the collector's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks whether a collection is due.
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Owns garbage collection while it lives (automatic collection off)."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()
        self.destroyed.connect(gc.enable)

    @staticmethod
    def collect_due() -> int:
        """Collect the oldest generation whose count passed its threshold; returns the
        generation collected, or -1 if none was due."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = -1
        for generation in range(3):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                due = generation
        if due >= 0:
            gc.collect(due)
        return due
