"""Benchmark: seeding demo patients with their history (`emr-admin seed-demo`).

    python benchmarks/bench_seed.py --patients 1000000

Creates a store in a temporary directory (file keyring inside it, so nothing touches the
real keyring), seeds N patients, prints one JSON object and removes the directory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its result as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the store and print where")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="emr-bench-seed-")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = tmp
    # Imported after the keyring is configured: keyring reads its backend at import.
    from emr_desktop.services import demo
    from emr_desktop.services.auth import login
    from emr_desktop.services.setup import initialize
    from emr_desktop.store.store import DB_FILE

    data_dir = Path(tmp) / "data"
    store, _recovery = initialize(
        data_dir,
        facility_code="70001",
        facility_name="TTYT Demo",
        admin_username="admin",
        admin_full_name="Quản Trị Viên",
        admin_password="admin-password-1",
    )
    try:
        session = login(store, "admin", "admin-password-1")
        report = demo.seed_demo(
            store, session, patients=args.patients, seed=args.seed, workers=args.workers
        )
    finally:
        store.close()
    db_bytes = sum(
        (data_dir / name).stat().st_size
        for name in (DB_FILE, DB_FILE + "-wal")
        if (data_dir / name).exists()
    )
    print(
        json.dumps(
            {
                "benchmark": "seed_demo",
                "patients": report.patients,
                "seconds": round(report.seconds, 2),
                "patients_per_second": round(report.patients / report.seconds, 1),
                "encounters": report.encounters,
                "events": report.events,
                "db_bytes": db_bytes,
            }
        )
    )
    if args.keep:
        print(f"store kept in {data_dir}", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
