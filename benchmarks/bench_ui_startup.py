"""Benchmark: cold start of `emr-desktop` to the login window (DESIGN §7: ≤ 2 s).

    python benchmarks/bench_ui_startup.py --runs 5

Each run is a new process (`python -m emr_desktop.ui.app --startup-probe`) on an existing
encrypted store, off screen: interpreter start, imports, Qt, translations, the main window
built and shown. The store is opened behind the login window on the database worker, as in
daily use. Measured from before the process starts until the window has been shown and the
event loop has turned once (the probe then prints and quits).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import _harness
from _harness import bench_store, emit, percentiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--patients", type=int, default=200)
    args = parser.parse_args(argv)
    with bench_store(patients=args.patients) as store:
        samples = _runs(Path(store.data_dir), args.runs)
    if not samples:
        return 1
    emit(
        {
            "benchmark": "ui_cold_start",
            "runs": args.runs,
            **percentiles(samples),
            "first_run_ms": round(samples[0], 1),
            "budget_ms": 2000,
        }
    )
    return 0


def _runs(data_dir: Path, runs: int) -> list[float]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["XDG_CONFIG_HOME"] = str(Path(_harness._TMP) / "config")
    samples: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "emr_desktop.ui.app",
                "--data-dir",
                str(data_dir),
                "--startup-probe",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != 0 or "login_window_s" not in result.stdout:
            print(result.stdout, result.stderr, file=sys.stderr)
            return []
        samples.append(elapsed)
    return samples


if __name__ == "__main__":
    sys.exit(main())
