"""A push read all at once and written in one go (both databases).

`ingest.push` reads what a batch needs in a few queries and keeps the batch's writes in
memory until it writes them together, so within a batch every op must still see the ones
before it (indexes, links, duplicate pairs, the bootstrap rule). Nothing it reads may be
older than the facility lock: the `interleave` tests commit a whole other push just before
the lock is taken (PostgreSQL only: SQLite's `BEGIN IMMEDIATE` takes the write lock up
front, so nothing can commit in between there).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tests.sync.conftest import FACILITY_ID, SyncHarness
from tests.sync.test_patients import T0, event_op, patient_op

from emr_desktop.core.wire import Op
from emr_sync import ingest, patients
from emr_sync.db import (
    event_patient,
    op_log,
    patient_identity,
    patient_key,
    patient_link_pair,
    read_transaction,
    record_state,
    write_transaction,
)
from emr_sync.errors import ApiError

INDEXES = (patient_identity, patient_key, patient_link_pair, event_patient)
LAN: dict[str, Any] = {
    "full_name": "Trần Thị Lan",
    "sex": "female",
    "cccd": None,
    "phones": ("0912345678",),
    "address": "Thôn 1",
}


def _name(n: int) -> str:
    given = ("An", "Bình", "Cúc", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Nga")
    return f"Phạm {given[n // 10 % 10]} {given[n % 10]}"


def _push(h: SyncHarness, device: ingest.DeviceIdentity, ops: list[Op]) -> ingest.PushResult:
    return ingest.push(h.engine, device, ops)


def _state(h: SyncHarness, kind: str, record_id: str) -> dict[str, Any]:
    with h.engine.connect() as conn:
        text = conn.execute(
            sa.select(record_state.c["values"]).where(
                record_state.c.kind == kind, record_state.c.record_id == record_id
            )
        ).scalar_one()
    return dict(json.loads(text))


def _index_rows(h: SyncHarness) -> dict[str, set[tuple[Any, ...]]]:
    with h.engine.connect() as conn:
        return {t.name: {tuple(r) for r in conn.execute(sa.select(t))} for t in INDEXES}


def _log(h: SyncHarness) -> list[Any]:
    with h.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    op_log.c.seq, op_log.c.op_id, op_log.c.device_id, op_log.c.device_seq
                ).order_by(op_log.c.seq)
            ).all()
        )


def _server_links(h: SyncHarness) -> list[dict[str, Any]]:
    with h.engine.connect() as conn:
        rows = conn.execute(
            sa.select(op_log.c.fields)
            .where(op_log.c.kind == "patient_link", op_log.c.device_id == "server")
            .order_by(op_log.c.seq)
        ).scalars()
        return [json.loads(text) for text in rows]


def _open_pairs(h: SyncHarness) -> list[set[str]]:
    with read_transaction(h.engine) as conn:
        return [{p["a_id"], p["b_id"]} for p in patients.open_duplicates(conn, FACILITY_ID)]


@pytest.fixture
def devices(sync_app: SyncHarness) -> tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]:
    return sync_app.enroll_device(name="A")[0], sync_app.enroll_device(name="B")[0]


# --------------------------------------------------------------------------- one batch


def test_indexes_written_together_match_a_rebuild(
    sync_app: SyncHarness, devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    """A record created and changed again in one batch leaves the index rows of its last
    values, as `rebuild_indexes` would make them; so does a later batch changing it."""
    a, _ = devices
    pc = sync_app.maker(a)
    first = patient_op(pc, cccd="001080000001")
    moved = patient_op(pc, cccd="001080000002", full_name="Lê Văn Tám")
    event = event_op(pc, first.record_id)
    batch = [
        first,
        pc.op("patient", first.record_id, {"cccd": "001080000003", "full_name": "Lê Thị Ba"}),
        moved,
        pc.op("patient", moved.record_id, {"deleted_at": "2025-03-02T00:00:00.000Z"}),
        event,
        pc.op("clinical_event", event.record_id, {**event.fields, "patient_id": moved.record_id}),
    ]
    _push(sync_app, a, batch)
    pushed = _index_rows(sync_app)
    assert {r[2] for r in pushed["patient_identity"]} == {"001080000003"}
    assert {r[2] for r in pushed["patient_key"]} == {"le ba"}
    assert {r[2] for r in pushed["event_patient"]} == {moved.record_id}
    again = pc.op("patient", first.record_id, {"cccd": "001080000004"})
    _push(sync_app, a, [again])
    pushed = _index_rows(sync_app)
    with write_transaction(sync_app.engine) as conn:
        patients.rebuild_indexes(conn)
    assert _index_rows(sync_app) == pushed
    assert {r[2] for r in pushed["patient_identity"]} == {"001080000004"}


def test_the_same_cccd_twice_in_one_batch_is_linked(
    sync_app: SyncHarness, devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, _ = devices
    pc = sync_app.maker(a)
    early = patient_op(pc, created_at=T0)
    late = patient_op(pc, created_at=T0 + timedelta(hours=1))
    third = patient_op(pc, created_at=T0 + timedelta(hours=2))
    _push(sync_app, a, [early, late, third, pc.new(full_name="Khác")])
    links = _server_links(sync_app)
    assert [(x["replaced_id"], x["replaced_by"]) for x in links] == [
        (late.record_id, early.record_id),
        (third.record_id, early.record_id),
    ]
    # The server's ops come after the batch's, numbered on from the server's own.
    log = _log(sync_app)
    assert [r.device_id for r in log] == [a.id, a.id, "server", a.id, "server", a.id]
    assert [r.device_seq for r in log if r.device_id == "server"] == [1, 2]
    with sync_app.engine.connect() as conn:
        hlcs = dict(conn.execute(sa.select(op_log.c.seq, op_log.c.hlc)).all())
    assert hlcs[5] > max(hlcs[n] for n in (1, 2, 3, 4))


def test_likely_duplicates_in_one_batch_are_queued_and_a_merge_later_in_it_closes_them(
    sync_app: SyncHarness, devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, _ = devices
    pc = sync_app.maker(a, role="registrar")
    first = patient_op(pc, **LAN)
    same = patient_op(pc, created_at=T0 + timedelta(hours=1), **LAN)
    twin = patient_op(pc, created_at=T0 + timedelta(hours=2), **LAN)
    merge = pc.new(
        "patient_link",
        replaced_id=same.record_id,
        replaced_by=first.record_id,
        status="active",
        reason="same person",
        automatic=False,
    )
    _push(sync_app, a, [first, same, merge, twin])
    # The merged pair is closed; the twin (queued after the merge) pairs with both.
    assert sorted(map(sorted, _open_pairs(sync_app))) == sorted(
        [sorted({first.record_id, twin.record_id}), sorted({same.record_id, twin.record_id})]
    )
    with sync_app.engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM duplicate_candidate")).scalars()
        assert sorted(statuses) == ["merged", "open", "open"]


def test_bootstrap_ops_after_ordinary_work_in_the_same_batch_are_refused(
    sync_app: SyncHarness, devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, _ = devices
    pc = sync_app.maker(a)
    pc.seq = 5
    work = pc.new(full_name="Đã làm việc")
    pc.seq = 0
    fields = {"id": FACILITY_ID, "facility_id": FACILITY_ID}
    bootstrap = pc.op("facility", FACILITY_ID, fields, bootstrap=True)
    before = sync_app.counts()
    with pytest.raises(ApiError) as refused:
        _push(sync_app, a, [work, bootstrap])
    assert (refused.value.status, refused.value.code) == (403, "user_required")
    assert sync_app.counts() == before


def test_a_refused_op_late_in_a_batch_leaves_nothing_written(
    sync_app: SyncHarness, devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, _ = devices
    pc = sync_app.maker(a, role="registrar")
    ops = [patient_op(pc, cccd=None, full_name=_name(n)) for n in range(300)]
    ops += [patient_op(pc), patient_op(pc, created_at=T0 + timedelta(days=1))]  # a link
    ops.append(pc.new("user", role="admin", username="x", full_name="X", password_hash="h"))
    before = sync_app.counts()
    with pytest.raises(ApiError) as refused:
        _push(sync_app, a, ops)
    assert refused.value.code == "role_cannot_write"
    assert sync_app.counts() == before
    with sync_app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT last_seq FROM facility")).scalar_one() == 0


# --------------------------------------------------------------------------- interleaved


@pytest.fixture
def interleave(
    sync_app: SyncHarness, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Callable[[], object]], None]]:
    """`interleave(other)`: the next push runs `other` (a whole push, committed) just
    before it locks the facility."""
    if sync_app.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises whole write transactions")
    real = ingest._lock_and_read
    pending: list[Callable[[], object]] = []

    def lock_and_read(*args: Any) -> tuple[int, dict[str, str | None]]:
        while pending:
            pending.pop()()
        return real(*args)

    monkeypatch.setattr(ingest, "_lock_and_read", lock_and_read)
    yield pending.append
    assert not pending


def test_a_record_changed_by_a_push_committed_meanwhile_keeps_both_changes(
    sync_app: SyncHarness,
    devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    interleave: Callable[[Callable[[], object]], None],
) -> None:
    a, b = devices
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    created = patient_op(pa, cccd=None)
    _push(sync_app, a, [created])
    edit_a = pa.op("patient", created.record_id, {"phones": ["0911"]})
    edit_b = pb.op("patient", created.record_id, {"address": "Xóm 2"})
    interleave(lambda: _push(sync_app, b, [edit_b]))
    _push(sync_app, a, [edit_a])
    values = _state(sync_app, "patient", created.record_id)
    assert (values["phones"], values["address"]) == (["0911"], "Xóm 2")
    assert [r.op_id for r in _log(sync_app)] == [created.op_id, edit_b.op_id, edit_a.op_id]


def test_ops_committed_meanwhile_by_a_retry_are_acknowledged_once(
    sync_app: SyncHarness,
    devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    interleave: Callable[[Callable[[], object]], None],
) -> None:
    a, _ = devices
    pc = sync_app.maker(a)
    ops = [patient_op(pc, cccd=None, full_name=_name(n)) for n in range(3)]
    interleave(lambda: _push(sync_app, a, ops[:2]))
    result = _push(sync_app, a, ops)
    assert result.acked == [op.op_id for op in ops]
    assert [r.op_id for r in _log(sync_app)] == [op.op_id for op in ops]
    assert [r.seq for r in _log(sync_app)] == [1, 2, 3]


def test_a_same_cccd_chart_committed_meanwhile_is_linked(
    sync_app: SyncHarness,
    devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    interleave: Callable[[Callable[[], object]], None],
) -> None:
    a, b = devices
    early = patient_op(sync_app.maker(b), created_at=T0)
    late = patient_op(sync_app.maker(a), created_at=T0 + timedelta(hours=1))
    interleave(lambda: _push(sync_app, b, [early]))
    _push(sync_app, a, [late])
    [link] = _server_links(sync_app)
    assert (link["replaced_id"], link["replaced_by"]) == (late.record_id, early.record_id)


def test_a_likely_duplicate_committed_meanwhile_is_queued(
    sync_app: SyncHarness,
    devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    interleave: Callable[[Callable[[], object]], None],
) -> None:
    a, b = devices
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    known = patient_op(pa, **LAN)
    _push(sync_app, a, [known])
    other = patient_op(pb, created_at=T0 + timedelta(hours=1), **LAN)
    mine = patient_op(pa, created_at=T0 + timedelta(hours=2), **LAN)
    # Meanwhile: a third chart of the block, and the known one deleted.
    gone = pb.op("patient", known.record_id, {"deleted_at": "2025-03-02T00:00:00.000Z"})
    interleave(lambda: _push(sync_app, b, [other, gone]))
    _push(sync_app, a, [mine])
    assert sorted(map(sorted, _open_pairs(sync_app))) == sorted(
        [sorted({known.record_id, other.record_id}), sorted({other.record_id, mine.record_id})]
    )


def test_a_role_taken_away_meanwhile_refuses_the_push(
    sync_app: SyncHarness,
    devices: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    interleave: Callable[[Callable[[], object]], None],
) -> None:
    a, b = devices
    pa = sync_app.maker(a)
    admin = sync_app.maker(b, role="admin")
    assert pa.user_id is not None
    demote = admin.op("user", pa.user_id, {"role": "pharmacist"})
    interleave(lambda: _push(sync_app, b, [demote]))
    before = sync_app.counts()
    with pytest.raises(ApiError) as refused:
        _push(sync_app, a, [patient_op(pa)])
    assert refused.value.code == "role_cannot_write"
    after = sync_app.counts()
    assert after["op_log"] == before["op_log"] + 1  # the demotion only


def test_a_push_for_an_unknown_facility_is_refused(sync_app: SyncHarness) -> None:
    stranger = ingest.DeviceIdentity("pc-x", "no-such-facility", "PC X", 9)
    op = sync_app.maker("pc-x", facility_id="no-such-facility").new(full_name="Ai Đó")
    with pytest.raises(ApiError) as refused:
        _push(sync_app, stranger, [op])
    assert (refused.value.status, refused.value.code) == (404, "unknown_facility")
