"""Benchmark: the cost of encryption (DESIGN §7: encrypted ≤ 1.3 × plain SQLite).

    python benchmarks/bench_encryption.py [--patients 3000]

The same workload runs twice through the same services and driver: once on a SQLCipher
store keyed as in production, once on an unkeyed (plain SQLite) file of the same schema.
Workload: register N patients one by one, 300 searches, 200 consultations, 100 chart opens.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import emit
from bench_consultation import consultation


class _Store:
    """What the services need of a store: an engine, this device, its clock."""

    def __init__(self, path: Path, key: bytes | None) -> None:
        from emr_desktop.core.hlc import HybridLogicalClock
        from emr_desktop.core.ids import new_id
        from emr_desktop.store import migrate
        from emr_desktop.store.engine import make_engine
        from emr_desktop.store.uow import UnitOfWork

        self.engine = make_engine(path, key, create=True)
        migrate.upgrade(self.engine)
        self.device_id = new_id()
        self.clock = HybridLogicalClock(self.device_id)
        self._uow = UnitOfWork
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO mrn_range VALUES (?, 1000000, 1999999, 1000000)", (self.device_id,)
            )

    def unit_of_work(self, *, user_id: str | None) -> Any:
        return self._uow(self, user_id=user_id)


def _workload(store: _Store, patients: int) -> dict[str, float]:
    from emr_desktop.services import chart, clinical
    from emr_desktop.services import patients as patient_service
    from emr_desktop.services.auth import Session

    doctor = Session("bench-doctor", "bs", "Bác Sĩ Đo", "doctor", "facility")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    ids = []
    families = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
    given = (
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hùng",
        "Khánh",
        "Long",
        "Minh",
        "Nam",
        "Phúc",
        "Quang",
        "Sơn",
        "Tâm",
        "Thắng",
        "Tuấn",
        "Việt",
        "Xuân",
    )
    for i in range(patients):
        name = f"{families[i % 10]} Văn {given[i % 18]} {given[(i // 18) % 18]}"
        p = patient_service.register_patient(
            store,
            doctor,
            full_name=name,
            sex="male",  # type: ignore[arg-type]
            date_of_birth=str(1940 + i % 80),
            phones=(f"09{i:08d}",),
        )
        ids.append(p.id)
    timings["register"] = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(300):
        patient_service.find_patients(store, doctor, f"nguyen van {chr(97 + i % 26)}")  # type: ignore[arg-type]
    timings["search"] = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(200):
        clinical.save_consultation(
            store,
            doctor,
            patient_id=ids[i % 20],
            encounter_id=None,  # type: ignore[arg-type]
            bodies=consultation(),
        )  # type: ignore[arg-type]
    timings["consultation"] = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(100):
        chart.open_chart(store, doctor, ids[i % 20])  # type: ignore[arg-type]
    timings["chart"] = time.perf_counter() - start
    timings["total"] = sum(timings.values())
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=3000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="emr-bench-enc-") as tmp:
        plain = _Store(Path(tmp) / "plain.db", None)
        encrypted = _Store(Path(tmp) / "encrypted.db", os.urandom(32))
        # Alternate the two, twice, and keep each one's best run: fairer on a shared machine.
        runs: dict[str, list[dict[str, float]]] = {"plain": [], "encrypted": []}
        for _ in range(2):
            runs["plain"].append(_workload(plain, args.patients))
            runs["encrypted"].append(_workload(encrypted, args.patients))
        best = {k: min(v, key=lambda t: t["total"]) for k, v in runs.items()}
        emit(
            {
                "benchmark": "encryption_overhead",
                "patients_registered": args.patients,
                "plain_s": {k: round(v, 3) for k, v in best["plain"].items()},
                "encrypted_s": {k: round(v, 3) for k, v in best["encrypted"].items()},
                "ratio": round(best["encrypted"]["total"] / best["plain"]["total"], 3),
                "ratio_by_step": {
                    k: round(best["encrypted"][k] / best["plain"][k], 3) for k in best["plain"]
                },
                "budget_ratio": 1.3,
            }
        )
        plain.engine.dispose()
        encrypted.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
