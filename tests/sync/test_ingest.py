"""Sequencing, idempotency, authorization, clamping and merge of pushed ops (both databases)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from tests.sync.conftest import OpMaker, SyncHarness

from emr_desktop.core.hlc import Hlc
from emr_desktop.core.wire import Op
from emr_sync import ingest
from emr_sync.db import conflict, op_log, record_state
from emr_sync.errors import ApiError

NOW_MS = 1_750_000_000_000


def _push(h: SyncHarness, device: ingest.DeviceIdentity, ops: list[Op]) -> ingest.PushResult:
    return ingest.push(h.engine, device, ops, clock=lambda: NOW_MS)


def _state(h: SyncHarness, kind: str, record_id: str) -> dict[str, Any]:
    with h.engine.connect() as conn:
        text = conn.execute(
            sa.select(record_state.c["values"]).where(
                record_state.c.kind == kind, record_state.c.record_id == record_id
            )
        ).scalar_one()
    return dict(json.loads(text))


def test_same_batch_twice_is_acknowledged_twice_and_written_once(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device, wall_ms=NOW_MS)
    ops = [pc.new(full_name="A"), pc.new(full_name="B")]
    first = _push(sync_app, device, ops)
    before = sync_app.counts()
    second = _push(sync_app, device, ops)
    assert first.acked == second.acked == [op.op_id for op in ops]
    assert sync_app.counts() == before
    assert before["op_log"] == 2
    assert before["record_state"] == 2 + 1  # and the acting user


def test_sequence_numbers_follow_push_order_and_count_per_facility(
    sync_app: SyncHarness,
) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device)
    batches = [[pc.new(n=i), pc.new(n=i)] for i in range(3)]
    for batch in batches:
        _push(sync_app, device, batch)
    with sync_app.engine.connect() as conn:
        rows = conn.execute(sa.select(op_log.c.seq, op_log.c.op_id).order_by(op_log.c.seq)).all()
        last_seq = conn.execute(sa.text("SELECT last_seq FROM facility")).scalar_one()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r.op_id for r in rows] == [op.op_id for batch in batches for op in batch]
    assert last_seq == 6


def test_pull_skips_own_ops_and_pages_by_cursor(sync_app: SyncHarness) -> None:
    a, _ = sync_app.enroll_device(name="A")
    b, _ = sync_app.enroll_device(name="B")
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    _push(sync_app, a, [pa.new(n=1), pa.new(n=2)])
    _push(sync_app, b, [pb.new(n=3)])
    _push(sync_app, a, [pa.new(n=4)])

    page = ingest.pull(sync_app.engine, b, 0, 2)
    assert [op["fields"]["n"] for op in page.ops] == [1, 2]
    assert (page.next, page.more) == (2, True)
    page = ingest.pull(sync_app.engine, b, page.next, 2)
    assert [op["fields"]["n"] for op in page.ops] == [4]  # seq 3 is B's own
    assert [op["seq"] for op in page.ops] == [4]
    assert (page.next, page.more) == (4, False)
    page = ingest.pull(sync_app.engine, b, page.next, 2)
    assert (page.ops, page.next, page.more) == ([], 4, False)

    own_only = ingest.pull(sync_app.engine, a, 3, 1)
    assert (own_only.ops, own_only.next, own_only.more) == ([], 4, False)
    pulled = ingest.pull(sync_app.engine, a, 0, 10).ops
    assert [op["fields"]["n"] for op in pulled] == [3]
    assert set(pulled[0]) == {"seq", *Op.__dataclass_fields__}


def test_another_facilitys_record_is_refused_with_nothing_written(
    sync_app: SyncHarness,
) -> None:
    sync_app.add_facility("70002")
    other, _ = sync_app.enroll_device("70002")
    device, _ = sync_app.enroll_device()
    theirs = sync_app.maker(other, facility_id=other.facility_id).new(full_name="X")
    _push(sync_app, other, [theirs])
    pc = sync_app.maker(device)
    before = sync_app.counts()

    good = pc.new(full_name="ok")
    foreign_new = OpMaker(device.id, facility_id=other.facility_id).new(full_name="Y")
    update_theirs = pc.op(
        "patient", theirs.record_id, {"full_name": "Z"}, {"full_name": theirs.hlc}
    )
    move = pc.op("patient", good.record_id, {"facility_id": other.facility_id})
    for bad in ([good, foreign_new], [good, update_theirs], [good, move]):
        with pytest.raises(ApiError) as err:
            _push(sync_app, device, bad)
        assert err.value.status == 403
        assert err.value.code == "other_facility"
        assert sync_app.counts() == before


def test_ops_of_another_device_are_refused(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    before = sync_app.counts()
    with pytest.raises(ApiError) as err:
        _push(sync_app, device, [OpMaker("someone-else").new()])
    assert err.value.status == 403
    assert sync_app.counts() == before


def test_signing_needs_a_known_user_whose_role_may_sign(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device)
    admin = sync_app.staff("admin")
    nurse, doctor = pc.user("nurse", by=admin), pc.user("doctor", by=admin)
    _push(sync_app, device, [nurse, doctor])
    before = sync_app.counts()

    for signer, code in ((nurse.record_id, "role_cannot_sign"), ("nobody", "unknown_signer")):
        with pytest.raises(ApiError) as err:
            _push(sync_app, device, [pc.new(), pc.event("prescription", signed_by=signer)])
        assert (err.value.status, err.value.code) == (403, code)
        assert sync_app.counts() == before

    vitals = pc.event("vital_signs", signed_by=nurse.record_id)
    prescription = pc.event("prescription", signed_by=doctor.record_id)
    draft = pc.event("prescription", signed_by=None)
    _push(sync_app, device, [vitals, prescription, draft])
    assert sync_app.counts()["op_log"] == before["op_log"] + 3


def test_a_user_pushed_earlier_in_the_same_batch_may_sign(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    pc = sync_app.maker(device)
    doctor = pc.user("doctor", by=sync_app.staff("admin"))
    _push(sync_app, device, [doctor, pc.event("diagnosis", signed_by=doctor.record_id)])
    assert sync_app.counts()["op_log"] == 2


def test_users_added_on_the_server_may_sign_and_are_pulled(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    doctor = sync_app.add_user("bs.an", "doctor")
    pc = sync_app.maker(device)
    _push(sync_app, device, [pc.event("prescription", signed_by=doctor["id"])])
    pulled = ingest.pull(sync_app.engine, device, 0, 10).ops
    assert [(op["kind"], op["device_id"]) for op in pulled] == [("user", "server")]
    assert pulled[0]["fields"]["password_hash"].startswith("$argon2id$")
    assert pulled[0]["fields"]["facility_id"] == device.facility_id


def test_future_hlc_is_clamped_and_the_skew_reported(sync_app: SyncHarness) -> None:
    device, _ = sync_app.enroll_device()
    ahead = 10 * 60 * 1000
    future = sync_app.maker(device, wall_ms=NOW_MS + ahead)
    slightly = sync_app.maker(device, wall_ms=NOW_MS + 1000)
    far, near = future.new(), slightly.new()
    result = _push(sync_app, device, [near, far])
    assert result.clamped == [far.op_id]
    assert result.skew_ms == ahead
    assert result.server_time_ms == NOW_MS
    with sync_app.engine.connect() as conn:
        rows = {
            r.op_id: r
            for r in conn.execute(sa.select(op_log.c.op_id, op_log.c.hlc, op_log.c.client_hlc))
        }
    assert Hlc.decode(rows[far.op_id].hlc).wall_ms == NOW_MS
    assert rows[far.op_id].client_hlc == far.hlc
    assert (rows[near.op_id].hlc, rows[near.op_id].client_hlc) == (near.hlc, None)
    # The device is told the stamp to adopt, again when the ack was lost and it re-pushes.
    assert result.clamped_hlcs == {far.op_id: rows[far.op_id].hlc}
    again = _push(sync_app, device, [near, far])
    assert again.clamped == [] and again.clamped_hlcs == result.clamped_hlcs


@pytest.mark.parametrize("a_first", [True, False])
def test_concurrent_edits_keep_one_winner_and_a_conflict_whatever_the_order(
    sync_app: SyncHarness, a_first: bool
) -> None:
    a, _ = sync_app.enroll_device(name="A")
    b, _ = sync_app.enroll_device(name="B")
    pa = sync_app.maker(a, wall_ms=NOW_MS)
    pb = sync_app.maker(b, wall_ms=NOW_MS + 5)
    created = pa.new(phone="0900", address="X")
    _push(sync_app, a, [created])
    base = {"phone": created.hlc}
    edit_a = pa.op("patient", created.record_id, {"phone": "0911"}, base)
    edit_b = pb.op("patient", created.record_id, {"phone": "0922"}, base)
    order = [(a, edit_a), (b, edit_b)] if a_first else [(b, edit_b), (a, edit_a)]
    for device, op in order:
        _push(sync_app, device, [op])
    assert _state(sync_app, "patient", created.record_id)["phone"] == "0922"
    with sync_app.engine.connect() as conn:
        rows = conn.execute(sa.select(conflict)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.field, row.status, row.facility_id) == ("phone", "open", a.facility_id)
    assert (json.loads(row.winner_value), row.winner_hlc) == ("0922", edit_b.hlc)
    assert (json.loads(row.loser_value), row.loser_hlc) == ("0911", edit_a.hlc)
    # Pushing again (a retry) adds neither an op nor a second conflict.
    _push(sync_app, a, [edit_a])
    _push(sync_app, b, [edit_b])
    assert sync_app.counts()["conflict"] == 1
    assert sync_app.counts()["op_log"] == 3


@pytest.mark.slow
def test_concurrent_pushers_and_pullers_see_every_op_once_in_order(
    sync_app: SyncHarness,
) -> None:
    """Sequence order is commit order: pullers polling during pushes never skip an op."""
    pushers = [sync_app.enroll_device(name=f"P{i}")[0] for i in range(8)]
    pullers = [sync_app.enroll_device(name=f"R{i}")[0] for i in range(2)]
    batches, per_batch = 15, 4
    done = threading.Event()
    errors: list[BaseException] = []
    received: dict[str, list[dict[str, Any]]] = {p.id: [] for p in pullers}
    makers = {d.id: sync_app.maker(d) for d in pushers}

    def push_all(device: ingest.DeviceIdentity) -> None:
        try:
            pc = makers[device.id]
            for _ in range(batches):
                ingest.push(sync_app.engine, device, [pc.new() for _ in range(per_batch)])
        except BaseException as exc:
            errors.append(exc)

    def pull_all(device: ingest.DeviceIdentity) -> None:
        try:
            cursor = 0
            while True:
                finished = done.is_set()
                page = ingest.pull(sync_app.engine, device, cursor, 7)
                received[device.id].extend(page.ops)
                cursor = page.next
                if finished and not page.more:
                    return
        except BaseException as exc:
            errors.append(exc)

    push_threads = [threading.Thread(target=push_all, args=(d,)) for d in pushers]
    pull_threads = [threading.Thread(target=pull_all, args=(d,)) for d in pullers]
    for t in [*pull_threads, *push_threads]:
        t.start()
    for t in push_threads:
        t.join()
    done.set()
    for t in pull_threads:
        t.join()
    assert not errors
    total = len(pushers) * batches * per_batch
    for ops in received.values():
        seqs = [op["seq"] for op in ops]
        assert seqs == list(range(1, total + 1))
        assert len({op["op_id"] for op in ops}) == total
