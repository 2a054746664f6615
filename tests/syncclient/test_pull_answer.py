"""The pull answer written straight from the op log says what `ingest.pull` says (both
databases): the same ops, fields and bases as stored, the same cursor; gzip when asked."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from typing import Any

from tests.sync.conftest import (  # noqa: F401 - fixtures
    SyncHarness,
    sync_app,
    sync_db_url,
    sync_settings,
)

from emr_sync import ingest
from emr_sync.app import pull_answer
from emr_sync.db import op_log


def _answer(h: SyncHarness, device: ingest.DeviceIdentity, after: int, limit: int) -> Any:
    plain = json.loads(pull_answer(h.engine, device, after, limit, gzipped=False))
    packed = json.loads(gzip.decompress(pull_answer(h.engine, device, after, limit, gzipped=True)))
    assert abs(plain.pop("server_time_ms") - packed.pop("server_time_ms")) < 60_000
    assert plain == packed
    return plain


def test_pull_answer_matches_ingest_pull_page_by_page(
    sync_app: SyncHarness,  # noqa: F811 - the fixture imported above
) -> None:
    a, _ = sync_app.enroll_device(name="A")
    b, _ = sync_app.enroll_device(name="B")
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    quoted = 'Nguyễn "Văn" \\ Bình\n\t\u2028 ✓'
    first = pa.new(full_name=quoted, phones=["0912345678"], note={"a": [1, 2.5, None, True]})
    ops = [
        first,
        pa.event("vital_signs", signed_by=None),
        pa.op("patient", first.record_id, {"address": quoted}, base={"address": first.hlc}),
    ]
    ingest.push(sync_app.engine, a, ops)
    ingest.push(sync_app.engine, b, [pb.new(full_name="B")])
    odd = replace(pa.new(full_name="C"), created_at=quoted)  # strings are escaped too
    ingest.push(sync_app.engine, a, [odd])
    with sync_app.engine.begin() as conn:  # an op without a user (as the server's own)
        conn.execute(op_log.update().where(op_log.c.op_id == first.op_id).values(user_id=None))
    for device in (a, b):
        for limit in (1, 2, 3, 10):
            after, pages = 0, 0
            while True:
                expected = ingest.pull(sync_app.engine, device, after, limit)
                answer = _answer(sync_app, device, after, limit)
                assert answer == {
                    "ops": expected.ops,
                    "next": expected.next,
                    "more": expected.more,
                }
                pages += 1
                if not expected.more:
                    break
                after = expected.next
            assert pages >= 1
    pulled = ingest.pull(sync_app.engine, b, 0, 10).ops
    assert pulled[0]["fields"]["full_name"] == quoted
    assert pulled[0]["user_id"] is None
    assert pulled[-1]["created_at"] == quoted
