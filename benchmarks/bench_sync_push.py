"""Benchmark: one PC pushes N pending ops to the server on loopback (DESIGN §7).

    python benchmarks/bench_sync_push.py --ops 10000

The PC's outbox is filled through the services (patients registered, vital signs recorded,
addresses edited), the PC is enrolled with a live server (uvicorn, SQLite database), then
one `sync_once` is timed (budget ≤ 5 s for 10,000 ops). A counting transport adapter adds
up the request bytes as sent (request line, headers and the gzip body) to give the bytes on
the wire per op (budget ≤ 150).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import _harness  # noqa: F401 - the file keyring, before anything imports keyring
from _harness import emit
from _sync_harness import enroll_pc, live_server, make_work, new_pc, temp_dir


def counting_session() -> tuple[Any, dict[str, int]]:
    import requests
    from requests.adapters import HTTPAdapter

    counts = {"push_requests": 0, "push_bytes": 0, "push_body_bytes": 0}

    class Counting(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            if request.path_url == "/v1/push":
                body = len(request.body or b"")
                head = len(f"{request.method} {request.path_url} HTTP/1.1\r\n") + sum(
                    len(f"{k}: {v}\r\n") for k, v in request.headers.items()
                )
                counts["push_requests"] += 1
                counts["push_body_bytes"] += body
                counts["push_bytes"] += head + 2 + body
            return super().send(request, *args, **kwargs)

    session = requests.Session()
    session.mount("http://", Counting())
    return session, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=10_000)
    args = parser.parse_args(argv)
    from emr_desktop.syncclient.engine import pending_op_count, sync_once

    with temp_dir("emr-bench-push-") as tmp, live_server(tmp / "server") as server:
        pc = new_pc(tmp / "pc")
        session, counts = counting_session()
        client = enroll_pc(pc, server, session)
        start = time.perf_counter()
        waiting = make_work(pc, args.ops)
        prepare_s = time.perf_counter() - start
        start = time.perf_counter()
        report = sync_once(pc.store, client)
        elapsed = time.perf_counter() - start
        assert report.pushed == waiting and pending_op_count(pc.store) == 0
        assert server.op_count() == waiting
        pc.store.close()
        emit(
            {
                "benchmark": "sync_push",
                "ops": waiting,
                "server_db": "sqlite",
                "prepare_s": round(prepare_s, 2),
                "push_s": round(elapsed, 3),
                "ops_per_s": round(waiting / elapsed),
                "requests": counts["push_requests"],
                "wire_bytes_per_op": round(counts["push_bytes"] / waiting, 1),
                "body_bytes_per_op": round(counts["push_body_bytes"] / waiting, 1),
                "budget_push_s_at_10000": 5,
                "budget_wire_bytes_per_op": 150,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
