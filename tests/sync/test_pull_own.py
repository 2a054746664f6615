"""`/v1/pull?own=1`: a PC restored from a backup gets back its own ops, and only its
facility's; without `own` the answer is what it always was (`core/wire.py`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.sync.conftest import LiveServer, SyncHarness

from emr_desktop.core.wire import Op
from emr_sync import ingest
from emr_sync.app import pull_answer
from emr_sync.ingest import DeviceIdentity


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url) as http:
        yield http


def _push(sync_app: SyncHarness, device: DeviceIdentity, ops: list[Op]) -> None:
    assert ingest.push(sync_app.engine, device, ops).acked == [op.op_id for op in ops]


def _pull(client: httpx.Client, credential: str, query: str) -> httpx.Response:
    return client.get(f"/v1/pull?{query}", headers={"Authorization": f"Bearer {credential}"})


def _op_ids(answer: dict[str, Any]) -> list[str]:
    return [op["op_id"] for op in answer["ops"]]


@pytest.fixture
def two_facilities(
    sync_app: SyncHarness,
) -> tuple[tuple[DeviceIdentity, str], tuple[DeviceIdentity, str], dict[str, list[Op]]]:
    """Devices A and B of facility 70001, C of 70002; each pushed ops, interleaved."""
    sync_app.add_facility("70002")
    a, a_cred = sync_app.enroll_device(name="A")
    b, _ = sync_app.enroll_device(name="B")
    c, c_cred = sync_app.enroll_device("70002", name="C")
    makers = {
        "a": sync_app.maker(a),
        "b": sync_app.maker(b),
        "c": sync_app.maker(c, facility_id=c.facility_id),
    }
    devices = {"a": a, "b": b, "c": c}
    pushed: dict[str, list[Op]] = {"a": [], "b": [], "c": []}
    for name in ("a", "c", "b", "a", "c"):
        op = makers[name].new(full_name=f"Bệnh nhân {name}")
        _push(sync_app, devices[name], [op])
        pushed[name].append(op)
    return (a, a_cred), (c, c_cred), pushed


def test_own_returns_the_callers_own_ops_and_only_its_facility(
    client: httpx.Client,
    two_facilities: tuple[
        tuple[DeviceIdentity, str], tuple[DeviceIdentity, str], dict[str, list[Op]]
    ],
) -> None:
    (_, a_cred), (_, c_cred), pushed = two_facilities
    a_ops, b_ops, c_ops = pushed["a"], pushed["b"], pushed["c"]

    response = _pull(client, a_cred, "after=0&own=1")
    assert response.status_code == 200, response.text
    answer = response.json()
    # A's facility in sequence order, A's own ops included; nothing of facility 70002.
    assert _op_ids(answer) == [a_ops[0].op_id, b_ops[0].op_id, a_ops[1].op_id]
    assert answer["own"] is True
    assert {op["device_id"] for op in answer["ops"]}.isdisjoint({op.device_id for op in c_ops})

    answer = _pull(client, c_cred, "after=0&own=1").json()
    assert _op_ids(answer) == [op.op_id for op in c_ops]

    # Pages: the cursor moves as without `own`, and the last page says so.
    first = _pull(client, a_cred, "after=0&limit=2&own=1").json()
    rest = _pull(client, a_cred, f"after={first['next']}&own=1").json()
    assert _op_ids(first) + _op_ids(rest) == [a_ops[0].op_id, b_ops[0].op_id, a_ops[1].op_id]
    assert (first["more"], rest["more"]) == (True, False)


def test_without_own_nothing_changes(
    client: httpx.Client,
    two_facilities: tuple[
        tuple[DeviceIdentity, str], tuple[DeviceIdentity, str], dict[str, list[Op]]
    ],
) -> None:
    (_, a_cred), _, pushed = two_facilities
    for query in ("after=0", "after=0&own=0"):
        answer = _pull(client, a_cred, query).json()
        assert _op_ids(answer) == [op.op_id for op in pushed["b"]]
        # The answer of old: no `own` key for a client that did not ask.
        assert set(answer) == {"ops", "next", "more", "server_time_ms"}


@pytest.mark.parametrize("value", ["2", "yes", "-1"])
def test_a_malformed_own_is_refused(
    client: httpx.Client,
    two_facilities: tuple[
        tuple[DeviceIdentity, str], tuple[DeviceIdentity, str], dict[str, list[Op]]
    ],
    value: str,
) -> None:
    (_, a_cred), _, _ = two_facilities
    response = _pull(client, a_cred, f"after=0&own={value}")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "own"


def test_ingest_pull_and_the_answer_agree_with_own(
    sync_app: SyncHarness,
    two_facilities: tuple[
        tuple[DeviceIdentity, str], tuple[DeviceIdentity, str], dict[str, list[Op]]
    ],
) -> None:
    (a, _), _, _ = two_facilities
    for own in (False, True):
        page = ingest.pull(sync_app.engine, a, 0, 10, own=own)
        answer = json.loads(pull_answer(sync_app.engine, a, 0, 10, gzipped=False, own=own))
        assert answer["ops"] == page.ops
        assert answer["next"] == page.next
