"""Benchmark: server ingest on PostgreSQL with concurrent devices (DESIGN §7, issue 3).

    python benchmarks/bench_sync_pg_ingest.py --devices 8 --ops-per-device 2000

The server (uvicorn, in this process) runs on PostgreSQL — `EMR_TEST_POSTGRES_URL`, default
`postgresql+psycopg://postgres@127.0.0.1:5432/test` — in a schema of its own, dropped
afterwards. Each device is enrolled and pushes its ops (built from a demo-seeded store, so
the devices write the same records concurrently) in batches of 256 over HTTP, all devices
at once, one thread each. Goal: ≥ 5,000 ops/s on a 2-core machine.

The devices are real PCs, each encoding its own requests; here they share the server's
process (and its GIL). So each request body is encoded before the clock starts, exactly as
`SyncClient` encodes it (JSON, gzip level 6, the same headers), and the timed threads only
send it and check the answer. `--client-encode` times `SyncClient.push` itself instead
(encoding included).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import sys
import threading
import time
from typing import Any

import _harness  # noqa: F401 - the file keyring, before anything imports keyring
from _harness import emit
from _sync_harness import live_server, ops_from_store, seeded_store, temp_dir

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 256


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--ops-per-device", type=int, default=2000)
    parser.add_argument(
        "--client-encode",
        action="store_true",
        help="time SyncClient.push, request encoding included (devices share this process)",
    )
    args = parser.parse_args(argv)
    import requests
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from emr_desktop.core.wire import PROTOCOL_VERSION
    from emr_desktop.syncclient.client import SyncClient

    base = os.environ.get("EMR_TEST_POSTGRES_URL", DEFAULT_URL)
    schema = f"emr_sync_bench_{secrets.token_hex(6)}"
    admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with (
            temp_dir("emr-bench-pg-") as tmp,
            live_server(tmp / "server", url.render_as_string(hide_password=False)) as server,
        ):
            source = seeded_store(tmp / "source", max(50, args.ops_per_device // 2))
            staff = ("facility", "user")
            devices: list[tuple[Any, str, list[Any]]] = []
            for n in range(args.devices):
                device, credential = server.enroll_device(f"ward PC {n + 1}")
                every = ops_from_store(source, device.id)
                if n == 0:
                    # The facility and its staff reach the server first, untimed.
                    first = SyncClient(server.base_url, credential=credential, timeout=120)
                    first.push(device_id=device.id, ops=[o for o in every if o.kind in staff])
                ops = [o for o in every if o.kind not in staff][: args.ops_per_device]
                devices.append((device, credential, ops))
            source.close()
            preloaded = server.op_count()
            errors: list[BaseException] = []
            barrier = threading.Barrier(args.devices + 1)

            def encoded(device: Any, batch: list[Any]) -> bytes:
                """The request body `SyncClient.push` sends for `batch`."""
                body = {
                    "protocol": PROTOCOL_VERSION,
                    "device_id": device.id,
                    "ops": [op.to_wire() for op in batch],
                }
                raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                return gzip.compress(raw, compresslevel=6)

            def push(device: Any, credential: str, ops: list[Any]) -> None:
                session = requests.Session()
                client = SyncClient(
                    server.base_url, session=session, credential=credential, timeout=120
                )
                batches = [ops[start : start + BATCH] for start in range(0, len(ops), BATCH)]
                headers = {
                    "Accept": "application/json",
                    "X-EMR-Protocol": str(PROTOCOL_VERSION),
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                    "Authorization": f"Bearer {credential}",
                }
                bodies = [] if args.client_encode else [encoded(device, b) for b in batches]
                barrier.wait()
                try:
                    for n, batch in enumerate(batches):
                        if args.client_encode:
                            acked = client.push(device_id=device.id, ops=batch).acked
                        else:
                            response = session.post(
                                f"{server.base_url}/v1/push",
                                data=bodies[n],
                                headers=headers,
                                timeout=120,
                            )
                            response.raise_for_status()
                            acked = response.json()["acked"]
                        assert acked == [op.op_id for op in batch]
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=push, args=d) for d in devices]
            for thread in threads:
                thread.start()
            barrier.wait()
            start = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            if errors:
                raise errors[0]
            total = sum(len(d[2]) for d in devices)
            logged = server.op_count() - preloaded
            assert logged == total, (logged, total)
            emit(
                {
                    "benchmark": "sync_pg_ingest",
                    "devices": args.devices,
                    "ops": total,
                    "batch": BATCH,
                    "server_db": "postgresql",
                    "client_encoding": "timed" if args.client_encode else "before_timing",
                    "elapsed_s": round(elapsed, 2),
                    "ops_per_s": round(total / elapsed),
                    "goal_ops_per_s": 5000,
                }
            )
    finally:
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin_engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
