"""Benchmark: an empty, enrolled PC pulls N ops from the server on loopback (DESIGN §7).

    python benchmarks/bench_sync_pull.py --ops 100000

The ops are those a PC of the facility would have written for a store seeded with the demo
data (patients and their history; `_sync_harness.ops_from_store`), appended to the server's
log (SQLite) in bulk as another device's pushes. A new PC, enrolled, runs one `sync_once`;
the time to have every op applied is the measure (budget ≤ 10 s for 100,000 ops).
"""

from __future__ import annotations

import argparse
import sys
import time

import _harness  # noqa: F401 - the file keyring, before anything imports keyring
from _harness import emit
from _sync_harness import (
    enroll_pc,
    live_server,
    load_op_log,
    new_pc,
    ops_from_store,
    seeded_store,
    temp_dir,
)

#: Demo patients make about this many ops each (patient, encounters, events, ...).
OPS_PER_PATIENT_GUESS = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--pull-limit", type=int, default=None, help="ops per page")
    args = parser.parse_args(argv)
    from emr_desktop.services.bootstrap import warm_up
    from emr_desktop.syncclient.engine import sync_once

    with temp_dir("emr-bench-pull-") as tmp, live_server(tmp / "server") as server:
        start = time.perf_counter()
        patients = max(50, args.ops // OPS_PER_PATIENT_GUESS)
        ops: list = []
        while len(ops) < args.ops:
            source = seeded_store(tmp / f"source-{patients}", patients)
            device, _ = server.enroll_device("source PC")
            ops = ops_from_store(source, device.id, limit=args.ops)
            source.close()
            patients *= 2
        load_op_log(server.engine, device, ops)
        # The ops now live on the server only: a PC does not hold the server's log.
        count = len(ops)
        del ops
        pc = new_pc(tmp / "pc", device_number=2)
        client = enroll_pc(pc, server)
        if args.pull_limit:
            client.pull_limit = args.pull_limit
        # As the program does once started: catalogues loaded, start-up heap frozen.
        warm_up()
        prepare_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        report = sync_once(pc.store, client)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert report.pulled == count, (report.pulled, count)
        pc.store.close()
        emit(
            {
                "benchmark": "sync_pull",
                "ops": count,
                "server_db": "sqlite",
                "pull_limit": client.pull_limit,
                "prepare_s": round(prepare_s, 2),
                "pull_s": round(elapsed, 3),
                # CPU of the whole process (PC and server): steadier on a busy machine.
                "pull_cpu_s": round(cpu, 2),
                "ops_per_s": round(count / elapsed),
                "budget_pull_s_at_100000": 10,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
