"""Same-CCCD links, the duplicate review queue and charts by CCCD on the server (both DBs)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.sync.conftest import FACILITY_ID, LiveServer, OpMaker, SyncHarness

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.codec import to_plain
from emr_desktop.core.ids import new_id
from emr_desktop.core.records import Patient
from emr_desktop.core.wire import Op
from emr_sync import ingest, patients
from emr_sync.db import (
    duplicate_candidate,
    event_patient,
    op_log,
    patient_identity,
    patient_key,
    patient_link_pair,
    read_transaction,
    write_transaction,
)

CCCD = "001080012345"
OTHER_CCCD = "001180054321"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def patient_op(
    pc: OpMaker,
    *,
    full_name: str = "Nguyễn Văn Bình",
    cccd: str | None = CCCD,
    created_at: datetime = T0,
    record_id: str | None = None,
    **extra: Any,
) -> Op:
    """A new patient as a PC's unit of work sends it (every field, validated)."""
    patient = Patient(
        id=record_id or new_id(),
        facility_id=pc.facility_id,
        created_at=created_at,
        created_by=pc.user_id or "system",
        device_id=pc.device_id,
        mrn=f"{pc.seq + 1:010d}",
        full_name=full_name,
        sex=extra.pop("sex", "male"),
        date_of_birth=extra.pop("date_of_birth", BirthDate(1980)),
        cccd=cccd,
        **extra,
    )
    return pc.op("patient", patient.id, to_plain(patient))


def event_op(pc: OpMaker, patient_id: str) -> Op:
    """A draft vital-signs event of a patient (the whole row, as a PC sends it)."""
    record_id = new_id()
    fields: dict[str, Any] = {
        "id": record_id,
        "facility_id": pc.facility_id,
        "patient_id": patient_id,
        "encounter_id": None,
        "effective_at": "2025-03-01T08:00:00.000Z",
        "created_at": "2025-03-01T08:00:00.000Z",
        "created_by": pc.user_id,
        "device_id": pc.device_id,
        "kind": "vital_signs",
        "status": "draft",
        "signed_by": None,
        "signed_at": None,
        "content_hash": None,
        "corrects": None,
        "correction": None,
        "correction_reason": None,
        "body": {"measurements": []},
    }
    return pc.op("clinical_event", record_id, fields)


def _push(h: SyncHarness, device: ingest.DeviceIdentity, ops: list[Op]) -> ingest.PushResult:
    return ingest.push(h.engine, device, ops)


def _link_ops(h: SyncHarness) -> list[Any]:
    with h.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(op_log.c.fields, op_log.c.device_id, op_log.c.user_id)
                .where(op_log.c.kind == "patient_link")
                .order_by(op_log.c.seq)
            ).all()
        )


def _server_links(h: SyncHarness) -> list[dict[str, Any]]:
    """The fields of every link the server made (its ops' values)."""
    return [json.loads(r.fields) for r in _link_ops(h) if r.device_id == "server"]


@pytest.fixture
def two_pcs(sync_app: SyncHarness) -> tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]:
    return sync_app.enroll_device(name="A")[0], sync_app.enroll_device(name="B")[0]


# --------------------------------------------------------------------------- same CCCD


@pytest.mark.parametrize("earliest_first", [True, False])
def test_same_cccd_is_linked_by_the_server_and_the_earliest_survives(
    sync_app: SyncHarness,
    two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity],
    earliest_first: bool,
) -> None:
    a, b = two_pcs
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    early = patient_op(pa, created_at=T0)
    late = patient_op(pb, created_at=T0 + timedelta(minutes=5))
    pushes = [(a, early), (b, late)] if earliest_first else [(b, late), (a, early)]
    for device, op in pushes:
        _push(sync_app, device, [op])

    [row] = _link_ops(sync_app)
    assert (row.device_id, row.user_id) == ("server", None)
    link = json.loads(row.fields)
    assert set(link) == {
        "id",
        "facility_id",
        "created_at",
        "created_by",
        "device_id",
        "deleted_at",
        "replaced_id",
        "replaced_by",
        "status",
        "reason",
        "automatic",
    }
    assert (link["replaced_id"], link["replaced_by"]) == (late.record_id, early.record_id)
    assert (link["status"], link["automatic"], link["reason"]) == (
        "active",
        True,
        patients.AUTO_LINK_REASON,
    )
    assert (link["device_id"], link["created_by"]) == ("server", "server")
    assert link["facility_id"] == FACILITY_ID and link["deleted_at"] is None
    # Both PCs pull the link — the one whose push made it too.
    for device in (a, b):
        pulled = ingest.pull(sync_app.engine, device, 0, 100).ops
        assert [op["record_id"] for op in pulled if op["kind"] == "patient_link"] == [link["id"]]
    # A retried push changes nothing.
    for device, op in pushes:
        _push(sync_app, device, [op])
    assert len(_server_links(sync_app)) == 1


def test_a_tie_on_registration_time_is_broken_by_record_id(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    low, high = sorted([new_id(), new_id()])
    _push(sync_app, a, [patient_op(sync_app.maker(a), record_id=high)])
    _push(sync_app, b, [patient_op(sync_app.maker(b), record_id=low)])
    [link] = _server_links(sync_app)
    assert (link["replaced_id"], link["replaced_by"]) == (high, low)


def test_a_cccd_added_later_links_too(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    first = patient_op(pa)
    second = patient_op(pb, cccd=None, created_at=T0 + timedelta(days=1))
    _push(sync_app, a, [first])
    _push(sync_app, b, [second])
    assert _server_links(sync_app) == []
    edit = pb.op("patient", second.record_id, {"cccd": CCCD}, {"cccd": second.hlc})
    _push(sync_app, b, [edit])
    [link] = _server_links(sync_app)
    assert (link["replaced_id"], link["replaced_by"]) == (second.record_id, first.record_id)


def test_deleted_other_facilities_and_linked_away_charts_are_left_alone(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    gone = patient_op(pa, created_at=T0 - timedelta(days=9))
    delete = pa.op("patient", gone.record_id, {"deleted_at": "2025-02-01T00:00:00.000Z"})
    _push(sync_app, a, [gone, delete])
    sync_app.add_facility("70002")
    elsewhere, _ = sync_app.enroll_device("70002")
    po = sync_app.maker(elsewhere, facility_id=elsewhere.facility_id)
    _push(sync_app, elsewhere, [patient_op(po, created_at=T0 - timedelta(days=5))])
    assert _server_links(sync_app) == []

    survivor = patient_op(pa, created_at=T0)
    _push(sync_app, a, [survivor])
    assert _server_links(sync_app) == []
    second = patient_op(pb, created_at=T0 + timedelta(hours=1))
    _push(sync_app, b, [second])
    third = patient_op(pb, created_at=T0 + timedelta(hours=2))
    _push(sync_app, b, [third])
    links = _server_links(sync_app)
    # The second is linked away already: the third goes to the survivor, not to it.
    assert [(x["replaced_id"], x["replaced_by"]) for x in links] == [
        (second.record_id, survivor.record_id),
        (third.record_id, survivor.record_id),
    ]


def test_an_unmerge_stays_undone(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    pa = sync_app.maker(a)
    clerk = sync_app.maker(b, role="registrar")
    first = patient_op(pa, created_at=T0)
    second = patient_op(clerk, created_at=T0 + timedelta(hours=1))
    _push(sync_app, a, [first])
    _push(sync_app, b, [second])
    [link] = _server_links(sync_app)
    pulled = ingest.pull(sync_app.engine, b, 0, 100).ops
    link_hlc = next(op["hlc"] for op in pulled if op["kind"] == "patient_link")
    clerk.clock.observe(link_hlc)
    undo = clerk.op("patient_link", link["id"], {"status": "undone"}, {"status": link_hlc})
    _push(sync_app, b, [undo])
    with sync_app.engine.connect() as conn:
        status = conn.execute(
            sa.select(patient_link_pair.c.status).where(patient_link_pair.c.link_id == link["id"])
        ).scalar_one()
    assert status == "undone"

    # The CCCD taken away and given back: the pair is not linked again.
    drop = clerk.op("patient", second.record_id, {"cccd": None}, {"cccd": second.hlc})
    back = clerk.op("patient", second.record_id, {"cccd": CCCD}, {"cccd": drop.hlc})
    _push(sync_app, b, [drop, back])
    assert len(_server_links(sync_app)) == 1
    # A third registration joins the survivor, and does not bring the separated one back.
    third = patient_op(pa, created_at=T0 - timedelta(days=1))
    _push(sync_app, a, [third])
    links = _server_links(sync_app)
    assert [(x["replaced_id"], x["replaced_by"]) for x in links[1:]] == [
        (first.record_id, third.record_id)
    ]


def test_indexes_can_be_rebuilt_from_record_state(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    pa, pb = sync_app.maker(a), sync_app.maker(b)
    first = patient_op(pa)
    _push(sync_app, a, [first, event_op(pa, first.record_id)])
    _push(sync_app, b, [patient_op(pb, created_at=T0 + timedelta(hours=1))])
    tables = (patient_identity, patient_key, patient_link_pair, event_patient)

    def snapshot() -> list[set[tuple[Any, ...]]]:
        with sync_app.engine.connect() as conn:
            return [{tuple(r) for r in conn.execute(sa.select(t))} for t in tables]

    before = snapshot()
    assert all(before)
    with write_transaction(sync_app.engine) as conn:
        patients.rebuild_indexes(conn)
    assert snapshot() == before


# --------------------------------------------------------------------------- review queue


def test_likely_duplicates_without_cccd_are_queued_for_review(
    sync_app: SyncHarness, two_pcs: tuple[ingest.DeviceIdentity, ingest.DeviceIdentity]
) -> None:
    a, b = two_pcs
    pa, pb = sync_app.maker(a), sync_app.maker(b, role="registrar")
    lan: dict[str, Any] = {
        "full_name": "Trần Thị Lan",
        "sex": "female",
        "cccd": None,
        "phones": ("0912345678",),
        "address": "Thôn 1",
    }
    first = patient_op(pa, **lan)
    same = patient_op(pb, created_at=T0 + timedelta(hours=1), **lan)
    stranger = patient_op(pb, full_name="Trần Văn Hùng", sex="male", cccd=None)
    _push(sync_app, a, [first])
    _push(sync_app, b, [same, stranger])
    assert _server_links(sync_app) == []
    with read_transaction(sync_app.engine) as conn:
        queued = patients.open_duplicates(conn, FACILITY_ID)
    assert len(queued) == 1
    pair = queued[0]
    assert {pair["a_id"], pair["b_id"]} == {first.record_id, same.record_id}
    assert pair["score"] >= 0.75 and pair["status"] == "open"
    assert {"name", "birth_year", "phone"} <= set(pair["reasons"])

    # A clerk merges them on a PC: the pair leaves the queue.
    merge = pb.new(
        "patient_link",
        replaced_id=same.record_id,
        replaced_by=first.record_id,
        status="active",
        reason="same person",
        automatic=False,
    )
    _push(sync_app, b, [merge])
    with read_transaction(sync_app.engine) as conn:
        assert patients.open_duplicates(conn, FACILITY_ID) == []
        status = conn.execute(sa.select(duplicate_candidate.c.status)).scalar_one()
    assert status == "merged"


# --------------------------------------------------------------------------- HTTP


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url) as client:
        yield client


def _bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def test_duplicates_endpoint_lists_the_devices_facility_only(
    live_server: LiveServer, http: httpx.Client
) -> None:
    h = live_server.harness
    a, cred_a = h.enroll_device()
    h.add_facility("70002")
    _, cred_other = h.enroll_device("70002")
    pa = h.maker(a)
    twin: dict[str, Any] = {"full_name": "Lê Văn Tám", "cccd": None, "phones": ("0987654321",)}
    _push(h, a, [patient_op(pa, **twin), patient_op(pa, **twin)])

    mine = http.get("/v1/duplicates", headers=_bearer(cred_a))
    assert mine.status_code == 200
    assert len(mine.json()["duplicates"]) == 1
    theirs = http.get("/v1/duplicates", headers=_bearer(cred_other))
    assert theirs.json() == {"duplicates": []}
    assert http.get("/v1/duplicates").status_code == 401


def test_a_chart_of_another_facility_is_fetched_by_cccd(
    live_server: LiveServer, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    h = live_server.harness
    home, cred_home = h.enroll_device()
    h.add_facility("70002", "Trạm Y tế xã Thử")
    away, cred_away = h.enroll_device("70002")
    ph = h.maker(home)
    patient = patient_op(ph)
    events = [event_op(ph, patient.record_id), event_op(ph, patient.record_id)]
    unrelated = patient_op(ph, cccd=OTHER_CCCD, full_name="Phạm Thị Hoa", sex="female")
    _push(h, home, [patient, *events, unrelated, event_op(ph, unrelated.record_id)])

    caplog.set_level(logging.INFO, logger="emr_sync")
    answer = http.get(f"/v1/patients/by-cccd/{CCCD}", headers=_bearer(cred_away))
    assert answer.status_code == 200, answer.text
    [entry] = answer.json()["patients"]
    assert entry["facility"] == {
        "id": FACILITY_ID,
        "code": "70001",
        "name": "Trung tâm Y tế huyện Thử",
    }
    assert entry["patient"]["id"] == patient.record_id
    assert entry["patient"]["full_name"] == "Nguyễn Văn Bình"
    assert sorted(e["id"] for e in entry["events"]) == sorted(e.record_id for e in events)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert patient.record_id in logged
    assert CCCD not in logged and "Bình" not in logged

    # Only other facilities: the home facility's own device gets a 404, as does an unknown CCCD.
    for credential, number in ((cred_home, CCCD), (cred_away, "001099000001")):
        missing = http.get(f"/v1/patients/by-cccd/{number}", headers=_bearer(credential))
        assert missing.status_code == 404
        error = missing.json()["error"]
        assert error["code"] == "patient_not_found"
        assert error["message_vi"] and error["message_en"]
    bad = http.get("/v1/patients/by-cccd/12ab", headers=_bearer(cred_away))
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "cccd")
    assert http.get(f"/v1/patients/by-cccd/{CCCD}").status_code == 401
    assert away.facility_id != FACILITY_ID
