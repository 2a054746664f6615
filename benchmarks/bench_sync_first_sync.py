"""Benchmark: a new PC's first sync of a whole facility (DESIGN §7).

    python benchmarks/bench_sync_first_sync.py --patients 5000 --link slow
    python benchmarks/bench_sync_first_sync.py --patients 50000 --link lan

The facility's history is a store seeded with the demo data (patients, encounters, clinical
events); demo seeding writes no outbox rows, so the ops its PC would have pushed are built
from its rows (`_sync_harness.ops_from_store`) and appended to the server's log (SQLite).
A new PC, enrolled, then syncs through `tests/syncclient/proxy.FaultProxy`:

* `--link slow`: a commune health station, 1 Mbit/s and 300 ms round trip (150 ms each
  way), budget < 120 s; the link's own floor (bytes / rate + one round trip per page) is
  reported at the bytes per op measured;
* `--link lan`: a district hospital on the LAN (no shaping), budget < 60 s.
"""

from __future__ import annotations

import argparse
import sys
import time

import _harness  # noqa: F401 - the file keyring, before anything imports keyring
from _harness import emit
from _sync_harness import (
    ROOT,
    enroll_pc,
    live_server,
    load_op_log,
    new_pc,
    ops_from_store,
    seeded_store,
    temp_dir,
)

LINKS = {"slow": (1_000_000 / 8, 0.150), "lan": (None, 0.0)}
BUDGET_S = {"slow": 120, "lan": 60}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--link", choices=sorted(LINKS), default="slow")
    parser.add_argument("--pull-limit", type=int, default=None, help="ops per page")
    args = parser.parse_args(argv)
    from tests.syncclient.proxy import fault_proxy

    from emr_desktop.syncclient.engine import sync_once

    assert (ROOT / "tests" / "syncclient" / "proxy.py").exists()
    rate, one_way = LINKS[args.link]
    with temp_dir("emr-bench-first-") as tmp, live_server(tmp / "server") as server:
        start = time.perf_counter()
        source = seeded_store(tmp / "source", args.patients)
        device, _ = server.enroll_device("station PC")
        ops = ops_from_store(source, device.id)
        source.close()
        load_op_log(server.engine, device, ops)
        pc = new_pc(tmp / "pc", device_number=2)
        client = enroll_pc(pc, server)
        if args.pull_limit:
            client.pull_limit = args.pull_limit
        prepare_s = time.perf_counter() - start
        with fault_proxy(server.base_url) as proxy:
            proxy.shape(rate, one_way)
            client.base_url = proxy.url
            start = time.perf_counter()
            report = sync_once(pc.store, client)
            elapsed = time.perf_counter() - start
            down, up, requests = proxy.bytes_down, proxy.bytes_up, proxy.requests
        assert report.pulled == len(ops), (report.pulled, len(ops))
        pc.store.close()
        per_op = down / len(ops)
        result = {
            "benchmark": "sync_first_sync",
            "link": args.link,
            "patients": args.patients,
            "ops": len(ops),
            "server_db": "sqlite",
            "pull_limit": client.pull_limit,
            "prepare_s": round(prepare_s, 2),
            "sync_s": round(elapsed, 2),
            "requests": requests,
            "bytes_down": down,
            "bytes_up": up,
            "wire_bytes_per_op": round(per_op, 1),
            "budget_s": BUDGET_S[args.link],
        }
        if rate:
            result["link_bytes_per_s"] = rate
            result["link_rtt_ms"] = round(2 * one_way * 1000)
            result["link_floor_s"] = round((down + up) / rate + requests * 2 * one_way, 2)
            result["link_floor_s_at_150_bytes_per_op"] = round(
                150 * len(ops) / rate + requests * 2 * one_way, 2
            )
        emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
