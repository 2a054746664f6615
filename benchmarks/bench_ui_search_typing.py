"""Benchmark: typing in patient search never stalls the window (DESIGN §7, issue 4: ≤ 50 ms).

    python benchmarks/bench_ui_search_typing.py [--patients 100000] [--keep DIR]

Opens the real `PatientSearchScreen` offscreen over a store seeded with `--patients` demo
patients, logged in as a doctor, and types realistic queries key by key, one key every
120 ms (a quick clerk): ASCII as key presses, Vietnamese letters as the input method's
committed text. A 5 ms heartbeat timer on the GUI thread records every gap in the event
loop; a stall is a gap beyond the heartbeat's own interval. Also reported: how many
patients each query showed, and the time from its last key to its results.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _harness import bench_doctor, bench_store, emit, percentiles

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

KEY_INTERVAL_MS = 120
HEARTBEAT_MS = 5
BUDGET_MS = 50
#: Time allowed after the last key for the results to arrive.
SETTLE_MS = 1500
QUERIES = (
    "nguyen van an",
    "tran thi h",
    "Lê Văn Hùng",
    "pham minh",
    "hoàng thị",
    "nguyen thi",
    "vo van",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the seeded store here")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from emr_desktop.ui import i18n
    from emr_desktop.ui.context import AppContext
    from emr_desktop.ui.search import PatientSearchScreen

    with bench_store(patients=args.patients, keep=args.keep) as store:
        session = bench_doctor(store)
        from emr_desktop.ui.worker import share_the_interpreter

        share_the_interpreter()  # as emr-desktop does at start-up
        app = QApplication.instance() or QApplication([])
        i18n.set_language(i18n.VIETNAMESE)
        settings_dir = tempfile.mkdtemp(prefix="emr-bench-ui-")
        settings = QSettings(str(Path(settings_dir) / "ui.ini"), QSettings.Format.IniFormat)
        ctx = AppContext(store.data_dir, settings, store=store)
        ctx.set_session(session)
        screen = PatientSearchScreen(ctx)
        screen.resize(1280, 800)
        screen.show()
        screen.focus_search()

        beats: list[float] = []
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))

        shown: list[int] = []
        latencies: list[float] = []
        last_key = [0.0]
        waiting = [False]

        def on_results() -> None:
            if waiting[0]:
                latencies.append((time.perf_counter() - last_key[0]) * 1000)
                shown.append(screen.model.rowCount())
                waiting[0] = False

        screen.model.modelReset.connect(on_results)

        def type_char(char: str, last: bool) -> None:
            if char.isascii():
                QTest.keyClick(screen.query, char)
            else:
                event = QInputMethodEvent()
                event.setCommitString(char)
                QApplication.sendEvent(screen.query, event)
            last_key[0] = time.perf_counter()
            waiting[0] = last

        steps: list[tuple[int, Callable[[], None]]] = []
        for query in QUERIES:
            steps.append((SETTLE_MS, screen.query.clear))
            final = len(query) - 1
            steps.extend(
                (KEY_INTERVAL_MS, lambda c=char, last=i == final: type_char(c, last))
                for i, char in enumerate(query)
            )
        steps.append((SETTLE_MS, app.quit))

        def run_step(index: int) -> None:
            steps[index][1]()
            if index + 1 < len(steps):
                QTimer.singleShot(steps[index + 1][0], lambda: run_step(index + 1))

        def begin() -> None:
            # The window's first paint is start-up, not typing: the heartbeat starts after it.
            heartbeat.start()
            run_step(0)

        QTimer.singleShot(steps[0][0], begin)
        app.exec()
        heartbeat.stop()
        ctx.db.drain(30)
        ctx.net.stop()
        ctx.db.stop()

        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(beats)]
        stalls = [max(0.0, gap - HEARTBEAT_MS) for gap in gaps]
        summary = percentiles(stalls)
        emit(
            {
                "benchmark": "ui_search_typing",
                "patients": args.patients,
                "queries": len(QUERIES),
                "keys": sum(len(q) for q in QUERIES),
                "key_interval_ms": KEY_INTERVAL_MS,
                "heartbeats": len(beats),
                "max_stall_ms": summary["max_ms"],
                "p95_stall_ms": summary["p95_ms"],
                "p50_stall_ms": summary["p50_ms"],
                "results_shown": shown,
                "results_after_last_key": percentiles(latencies) if latencies else None,
                "budget_max_stall_ms": BUDGET_MS,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
