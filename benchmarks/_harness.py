"""Shared set-up for the benchmarks: a real encrypted store in a temporary directory.

Each benchmark prints one JSON object on stdout. The keyring is a file keyring inside the
temporary directory, selected explicitly, so a benchmark never touches the real keyring.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ADMIN_PASSWORD = "admin-password-1"
_TMP = tempfile.mkdtemp(prefix="emr-bench-")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
os.environ.setdefault("XDG_DATA_HOME", _TMP)


def _keyring_beside(keep: Path) -> None:
    # A kept store keeps its key in a file keyring next to it, for the next run to reuse.
    os.environ["XDG_DATA_HOME"] = str(keep.parent / f"{keep.name}-keyring")


@contextmanager
def bench_store(*, patients: int, seed: int = 1, keep: Path | None = None) -> Iterator[Any]:
    """A store with `patients` seeded demo patients; reused from `keep` if it exists there."""
    from emr_desktop.services import demo
    from emr_desktop.services.auth import login
    from emr_desktop.services.setup import initialize
    from emr_desktop.store.store import STORE_FILE, Store

    if keep is not None:
        _keyring_beside(keep)
    data_dir = keep or Path(_TMP) / "data"
    if keep is not None and (keep / STORE_FILE).exists():
        store = Store.open(keep)
    else:
        store, _ = initialize(
            data_dir,
            facility_code="70001",
            facility_name="TTYT Benchmark",
            admin_username="admin",
            admin_full_name="Quản Trị Viên",
            admin_password=ADMIN_PASSWORD,
        )
        if patients:
            demo.seed_demo(
                store, login(store, "admin", ADMIN_PASSWORD), patients=patients, seed=seed
            )
    # As the GUI does once started: catalogues loaded, start-up heap out of the GC's way.
    from emr_desktop.services.bootstrap import warm_up

    warm_up()
    try:
        yield store
    finally:
        store.close()
        if keep is None:
            shutil.rmtree(_TMP, ignore_errors=True)


def bench_doctor(store: Any) -> Any:
    """A logged-in doctor for the benchmark (created on first use)."""
    from emr_desktop.core.records import User
    from emr_desktop.services import auth

    with store.unit_of_work(user_id=None) as uow:
        exists = bool(uow.find(User, username="bench.doctor"))
    if not exists:
        admin = auth.login(store, "admin", ADMIN_PASSWORD)
        auth.add_user(
            store,
            admin,
            username="bench.doctor",
            role="doctor",
            full_name="Bác Sĩ Đo",
            password=ADMIN_PASSWORD,
        )
    return auth.login(store, "bench.doctor", ADMIN_PASSWORD)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p95 and max of a list of milliseconds."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def emit(result: dict[str, Any]) -> None:
    """Print the benchmark's one JSON object."""
    print(json.dumps(result, ensure_ascii=False))
