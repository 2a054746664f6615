"""Benchmark: patient search over N seeded patients (DESIGN §7: p95 ≤ 25 ms at 1,000,000).

    python benchmarks/bench_search.py --patients 1000000 [--keep DIR]

A fixed mix of 200 queries, drawn with a fixed seed from the seeded patients: 50 full names
as written (with diacritics), 70 partial names without diacritics, 40 CCCD numbers and 40
phone numbers. Timed through the service (`find_patients`, which also writes the audit
row) and, separately, the index query alone.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from _harness import ADMIN_PASSWORD, bench_store, emit, percentiles


def _queries(store: object, rng: random.Random) -> list[tuple[str, str]]:
    from emr_desktop.core.text import fold

    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        total = conn.exec_driver_sql("SELECT max(pk) FROM patient").scalar()
        rows = []
        while len(rows) < 400:
            row = conn.exec_driver_sql(
                "SELECT full_name, cccd, phones FROM patient WHERE pk = ?", (rng.randint(1, total),)
            ).fetchone()
            if row is not None:
                rows.append(row)
    names = [r[0] for r in rows]
    cccds = [r[1] for r in rows if r[1]]
    phones = [r[2].strip('[]"').split('","')[0] for r in rows if r[2] and r[2] != "[]"]
    queries = [("full_name", n) for n in names[:50]]
    for name in names[50:120]:
        words = fold(name).split()
        # What a clerk types: family name and the start of the given name, no accents.
        partial = f"{words[0]} {words[-1][: max(2, len(words[-1]) - 1)]}"
        queries.append(("partial_name", partial))
    queries += [("cccd", c) for c in cccds[:40]]
    queries += [("phone", p) for p in phones[:40]]
    return queries


def _users(store: object) -> list[object]:
    from emr_desktop.core.records import User

    with store.unit_of_work(user_id=None) as uow:  # type: ignore[attr-defined]
        users: list[object] = uow.find(User)
    return users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the seeded store here")
    args = parser.parse_args(argv)
    from emr_desktop.services import auth, patients
    from emr_desktop.store import search

    with bench_store(patients=args.patients, keep=args.keep) as store:
        admin = auth.login(store, "admin", ADMIN_PASSWORD)
        if not any(u.username == "bench.clerk" for u in _users(store)):
            auth.add_user(
                store,
                admin,
                username="bench.clerk",
                role="registrar",
                full_name="Nhân Viên Đo",
                password=ADMIN_PASSWORD,
            )
        clerk = auth.login(store, "bench.clerk", ADMIN_PASSWORD)
        queries = _queries(store, random.Random(20261121))
        for _, query in queries[:20]:  # warm the page cache as a PC in use would be
            patients.find_patients(store, clerk, query, limit=20)
        by_kind: dict[str, list[float]] = {}
        service_ms, index_ms, misses = [], [], 0
        for kind, query in queries:
            start = time.perf_counter()
            found = patients.find_patients(store, clerk, query, limit=20)
            elapsed = (time.perf_counter() - start) * 1000
            service_ms.append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
            misses += not found
            with store.engine.connect() as conn:
                start = time.perf_counter()
                search.search_patient_pks(conn, query, 20)
                index_ms.append((time.perf_counter() - start) * 1000)
        emit(
            {
                "benchmark": "patient_search",
                "patients": args.patients,
                "queries": len(queries),
                "queries_without_result": misses,
                "service": percentiles(service_ms),
                "index_only": percentiles(index_ms),
                "by_kind_p95_ms": {k: percentiles(v)["p95_ms"] for k, v in by_kind.items()},
                "budget_p95_ms": 25,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
