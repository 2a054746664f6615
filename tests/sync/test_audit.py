"""The PCs' audit rows on the server: `POST /v1/audit` over real HTTP and
`emr-sync-server audit verify|show`, on SQLite and PostgreSQL (`sync_db_url`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.sync.conftest import LiveServer, SyncHarness

from emr_desktop.core.auditchain import GENESIS, canonical_json, row_hash
from emr_desktop.core.ids import new_id
from emr_desktop.core.wire import PROTOCOL_VERSION
from emr_sync import audit
from emr_sync.cli import main
from emr_sync.db import audit_fork, audit_row, metadata
from emr_sync.ingest import DeviceIdentity

PATIENT = new_id()


@dataclass
class Chain:
    """A PC's audit log as `store.audit.append` writes it: seq, content, hash chain."""

    device_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, action: str = "chart.read", *, patient_id: str | None = PATIENT
    ) -> dict[str, Any]:
        prev = self.rows[-1] if self.rows else None
        row: dict[str, Any] = {
            "seq": prev["seq"] + 1 if prev else 1,
            "id": new_id(),
            "at": f"2026-11-22T08:{len(self.rows):02d}:00+00:00",
            "user_id": "u-bs-an",
            "device_id": self.device_id,
            "action": action,
            "target_kind": "patient" if patient_id else None,
            "target_id": patient_id,
            "patient_id": patient_id,
            "detail": canonical_json({"n": len(self.rows)}),
            "prev_hash": prev["hash"] if prev else GENESIS,
        }
        row["hash"] = row_hash(row["prev_hash"], row)
        self.rows.append(row)
        return row

    def grow(self, count: int) -> Chain:
        for _ in range(count):
            self.add()
        return self

    def restored(self, rows: int) -> Chain:
        """The chain of a store restored from a backup holding the first `rows` rows."""
        return Chain(self.device_id, [dict(row) for row in self.rows[:rows]])


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def pc(live_server: LiveServer) -> tuple[DeviceIdentity, str]:
    return live_server.harness.enroll_device(name="PC khoa Nội")


def _send(
    http: httpx.Client,
    credential: str,
    device_id: str,
    rows: list[dict[str, Any]],
    restored_from: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"protocol": PROTOCOL_VERSION, "device_id": device_id, "rows": rows}
    if restored_from is not None:
        body["restored_from"] = restored_from
    return http.post("/v1/audit", json=body, headers={"Authorization": f"Bearer {credential}"})


def _stored(harness: SyncHarness, device_id: str) -> list[dict[str, Any]]:
    with harness.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_row)
            .where(audit_row.c.device_id == device_id)
            .order_by(audit_row.c.branch, audit_row.c.seq)
        )
        return [dict(row._mapping) for row in rows]


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_a_chain_is_accepted_in_batches_and_a_resend_is_harmless(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    chain = Chain(device.id).grow(7)
    empty = _send(client, credential, device.id, [])
    assert empty.json() == {
        "acked_seq": None,
        "acked_hash": None,
        "last_seq": None,
        "last_hash": GENESIS,
        "forked": False,
    }
    first = _send(client, credential, device.id, chain.rows[:3])
    assert first.status_code == 200, first.text
    assert (first.json()["acked_seq"], first.json()["last_hash"]) == (3, chain.rows[2]["hash"])
    second = _send(client, credential, device.id, chain.rows[3:])
    assert second.json()["acked_seq"] == second.json()["last_seq"] == 7
    # Every column as the PC wrote it, plus where and when it arrived.
    stored = _stored(live_server.harness, device.id)
    assert [{k: r[k] for k in chain.rows[0]} for r in stored] == chain.rows
    assert {(r["facility_id"], r["branch"]) for r in stored} == {(device.facility_id, 0)}

    # The answer lost: the PC sends the same rows again (from the middle, and all of them).
    for resent in (chain.rows[2:5], chain.rows):
        again = _send(client, credential, device.id, resent)
        assert again.status_code == 200, again.text
        assert again.json()["last_seq"] == 7
        assert again.json()["acked_hash"] == resent[-1]["hash"]
    assert len(_stored(live_server.harness, device.id)) == 7


def test_a_row_whose_hash_is_not_its_content_is_refused(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    chain = Chain(device.id).grow(3)
    chain.rows[1]["action"] = "chart.print"  # changed after its hash was computed
    refused = _send(client, credential, device.id, chain.rows)
    assert refused.status_code == 422
    error = _error(refused)
    assert (error["code"], error["field"]) == ("audit_hash_mismatch", "rows[1].hash")
    assert chain.rows[1]["id"] in error["message_vi"] and chain.rows[1]["id"] in error["message_en"]
    # Nothing of the batch is kept, not even the good row before it.
    assert _stored(live_server.harness, device.id) == []


def test_a_gap_or_an_undeclared_fork_is_refused(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    chain = Chain(device.id).grow(5)
    assert _send(client, credential, device.id, chain.rows[:3]).status_code == 200
    gap = _send(client, credential, device.id, chain.rows[4:])
    assert gap.status_code == 409
    error = _error(gap)
    assert (error["code"], error["field"]) == ("audit_chain_broken", "rows[0]")
    assert f"5 ({chain.rows[4]['id']})" in error["message_en"]
    assert "restored_from" in error["message_vi"]

    # A copy of the store from after row 2 writes on, without saying it was restored.
    fork = chain.restored(2)
    fork.add("store.restore", patient_id=None)
    refused = _send(client, credential, device.id, fork.rows[2:])
    assert (refused.status_code, _error(refused)["code"]) == (409, "audit_chain_broken")
    # A declaration naming a row the server does not hold changes nothing either.
    unknown = _send(client, credential, device.id, fork.rows[2:], chain.rows[3]["hash"])
    assert (unknown.status_code, _error(unknown)["code"]) == (409, "audit_restore_unknown")
    assert len(_stored(live_server.harness, device.id)) == 3


def test_a_declared_restore_forks_and_verify_lists_the_fork(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    lost = Chain(device.id).grow(6)
    assert _send(client, credential, device.id, lost.rows).status_code == 200
    # The backup held rows 1-4, of which 1-2 were pushed then; the lost PC pushed the rest.
    copy = lost.restored(4)
    copy.add("store.restore", patient_id=None)
    copy.add()
    answer = _send(client, credential, device.id, copy.rows[2:], restored_from=lost.rows[1]["hash"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "acked_seq": 6,
        "acked_hash": copy.rows[-1]["hash"],
        "last_seq": 6,
        "last_hash": copy.rows[-1]["hash"],
        "forked": True,
    }
    # Sent again with the declaration (its answer lost): no second fork.
    again = _send(client, credential, device.id, copy.rows[2:], restored_from=lost.rows[1]["hash"])
    assert again.json()["forked"] is False
    # The new branch goes on like any chain; the old one is kept as it was.
    copy.add()
    assert _send(client, credential, device.id, copy.rows[-1:]).json()["last_seq"] == 7
    stored = _stored(live_server.harness, device.id)
    assert [(r["branch"], r["seq"]) for r in stored] == [
        *((0, n) for n in range(1, 7)),
        (1, 5),
        (1, 6),
        (1, 7),
    ]

    report = audit.verify(live_server.harness.engine)
    assert report["ok"] is True
    assert report["rows"] == 9
    [fork] = report["forks"]
    assert fork["device_id"] == device.id
    assert (fork["branch"], fork["fork_seq"], fork["fork_hash"]) == (1, 4, lost.rows[3]["hash"])
    assert fork["restored_from"] == lost.rows[1]["hash"]
    assert fork["abandoned_hash"] == lost.rows[-1]["hash"]
    assert fork["first_row_id"] == copy.rows[4]["id"]
    [summary] = report["devices"]
    assert (summary["rows"], summary["branches"], summary["first_broken"]) == (9, 2, None)


def test_another_devices_rows_are_refused(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    other, _ = live_server.harness.enroll_device(name="PC khoa Ngoại")
    theirs = Chain(other.id).grow(2)
    # Under its own device id in the body, or under the other's.
    mixed = _send(client, credential, device.id, theirs.rows)
    assert mixed.status_code == 403
    assert (_error(mixed)["code"], _error(mixed)["field"]) == ("wrong_device", "rows[0].device_id")
    posing = _send(client, credential, other.id, theirs.rows)
    assert (posing.status_code, _error(posing)["field"]) == (403, "device_id")
    assert _stored(live_server.harness, other.id) == []


def test_a_batch_over_the_limit_or_out_of_order_is_refused(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    chain = Chain(device.id).grow(3)
    backwards = _send(client, credential, device.id, [chain.rows[1], chain.rows[0]])
    assert (backwards.status_code, _error(backwards)["field"]) == (422, "rows[1].seq")
    too_many = _send(client, credential, device.id, [chain.rows[0]] * (audit.MAX_AUDIT_ROWS + 1))
    assert (too_many.status_code, _error(too_many)["field"]) == (422, "rows")
    assert _stored(live_server.harness, device.id) == []


def test_verify_names_the_first_broken_link_of_a_row_altered_on_the_server(
    client: httpx.Client,
    live_server: LiveServer,
    pc: tuple[DeviceIdentity, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    device, credential = pc
    other, other_credential = live_server.harness.enroll_device(name="PC khoa Ngoại")
    chain, intact = Chain(device.id).grow(6), Chain(other.id).grow(2)
    assert _send(client, credential, device.id, chain.rows).status_code == 200
    assert _send(client, other_credential, other.id, intact.rows).status_code == 200
    url = live_server.harness.settings.database_url
    assert main(["audit", "verify", "--database-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True

    # Someone with the database's password hides who read the chart at row 3.
    with live_server.harness.engine.begin() as conn:
        conn.execute(
            audit_row.update()
            .where(audit_row.c.device_id == device.id, audit_row.c.seq == 3)
            .values(user_id="u-someone-else")
        )
    assert main(["audit", "verify", "--database-url", url, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    broken = {d["device_id"]: d["first_broken"] for d in report["devices"]}
    assert broken[other.id] is None
    assert broken[device.id] == {
        "branch": 0,
        "seq": 3,
        "row_id": chain.rows[2]["id"],
        "reason_vi": "nội dung bị sửa",
        "reason_en": "row content changed",
    }
    # A row removed: the link after it is named.
    with live_server.harness.engine.begin() as conn:
        conn.execute(
            audit_row.delete().where(audit_row.c.device_id == other.id, audit_row.c.seq == 1)
        )
    report = audit.verify(live_server.harness.engine, "70001")
    broken = {d["device_id"]: d["first_broken"] for d in report["devices"]}
    assert (broken[other.id]["seq"], broken[other.id]["reason_en"]) == (
        2,
        "link to previous row broken",
    )
    assert main(["audit", "verify", "--database-url", url]) == 1
    human = capsys.readouterr()
    assert f"row 3 ({chain.rows[2]['id']})" in human.out
    assert "AUDIT LOG BROKEN" in human.err


def test_a_branch_without_a_recorded_fork_is_broken(
    client: httpx.Client, live_server: LiveServer, pc: tuple[DeviceIdentity, str]
) -> None:
    device, credential = pc
    lost = Chain(device.id).grow(3)
    _send(client, credential, device.id, lost.rows)
    copy = lost.restored(1)
    copy.add("store.restore", patient_id=None)
    assert _send(client, credential, device.id, copy.rows, GENESIS).json()["forked"] is True
    with live_server.harness.engine.begin() as conn:
        conn.execute(audit_fork.delete())
    [summary] = audit.verify(live_server.harness.engine)["devices"]
    assert summary["first_broken"]["reason_en"] == "undeclared fork"
    assert summary["first_broken"]["row_id"] == copy.rows[1]["id"]


def test_show_lists_who_did_what_to_a_chart(
    client: httpx.Client,
    live_server: LiveServer,
    pc: tuple[DeviceIdentity, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    device, credential = pc
    chain = Chain(device.id)
    chain.add("chart.read")
    chain.add("login", patient_id=None)
    chain.add("event.sign", patient_id=new_id())
    chain.add("chart.print")
    assert _send(client, credential, device.id, chain.rows).status_code == 200
    url = live_server.harness.settings.database_url
    assert main(["audit", "show", "--patient-id", PATIENT, "--database-url", url, "--json"]) == 0
    trail = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["seq"], r["device_name"]) for r in trail] == [
        ("chart.read", 1, "PC khoa Nội"),
        ("chart.print", 4, "PC khoa Nội"),
    ]


def test_the_migration_makes_the_audit_tables_as_declared(sync_app: SyncHarness) -> None:
    with sync_app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "audit" in repr(d)] == []
