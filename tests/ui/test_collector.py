"""Garbage is collected on the GUI thread only, when the collector's thresholds say so."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from emr_desktop.ui.collector import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_automatic_collection_is_off_while_the_collector_lives(qtbot: QtBot) -> None:
    gc.enable()
    owner = QObject()
    collector = GuiThreadCollector(owner, interval_ms=20)
    assert not gc.isenabled()
    threshold = gc.get_threshold()[0]
    for _ in range(threshold * 3):
        _Cycle()
    # Nothing collected them behind our back; the timer on this thread does.
    assert gc.get_count()[0] > threshold
    qtbot.waitUntil(lambda: gc.get_count()[0] <= threshold, timeout=2000)
    assert collector.collect_due() == -1
    owner.deleteLater()
    qtbot.waitUntil(gc.isenabled, timeout=2000)
