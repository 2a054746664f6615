"""The same CCCD registered offline on two PCs → one linked chart everywhere; unmerge restores
both, for good. Real stores, the real server (uvicorn on 127.0.0.1), both databases."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from tests.conftest import STAFF_PASSWORD
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import Pc, canonical_dump, make_pc

from emr_desktop.core.records import Measurement, Patient, PatientLink, VitalSigns
from emr_desktop.services import auth, clinical, duplicates
from emr_desktop.services import patients as patient_service
from emr_desktop.services.auth import Session
from emr_desktop.services.chart import open_chart
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, pending_op_count, sync_once
from emr_sync.db import op_log

CCCD = "001080012345"


def _enrolled(pc: Pc, server: LiveServer) -> SyncClient:
    client = SyncClient(server.base_url, session=requests.Session(), timeout=10)
    enroll(pc.store, server.base_url, server.enroll_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _registrar(pc: Pc, name: str) -> Session:
    auth.add_user(
        pc.store,
        pc.admin,
        username=f"tn.{name}",
        role="registrar",
        full_name="Phạm Thị Thu",
        password=STAFF_PASSWORD,
    )
    return auth.login(pc.store, f"tn.{name}", STAFF_PASSWORD)


def _register_with_events(pc: Pc, pulse: int) -> tuple[Patient, set[str]]:
    patient = patient_service.register_patient(
        pc.store,
        pc.doctor,
        full_name="Nguyễn Văn Bình",
        sex="male",
        date_of_birth="1980",
        cccd=CCCD,
    )
    events = set()
    for value in (pulse, pulse + 1):
        event = clinical.record_event(
            pc.store,
            pc.doctor,
            patient_id=patient.id,
            body=VitalSigns(measurements=(Measurement("pulse", Decimal(value), "/min"),)),
        )
        events.add(event.id)
    return patient, events


def _server_links(server: LiveServer) -> list[dict[str, object]]:
    with server.harness.engine.connect() as conn:
        rows = conn.execute(
            sa.select(op_log.c.fields)
            .where(op_log.c.kind == "patient_link", op_log.c.device_id == "server")
            .order_by(op_log.c.seq)
        ).scalars()
        return [json.loads(text) for text in rows]


def _chart_events(pc: Pc, patient_id: str) -> tuple[str, set[str]]:
    chart = open_chart(pc.store, pc.doctor, patient_id)
    return chart.patient.id, {event.id for event in chart.events}


@pytest.mark.parametrize(("order", "undo_on"), [("ab", "a"), ("ba", "b"), ("abba", "b")])
def test_same_cccd_on_two_pcs_is_one_chart_everywhere_until_unmerged(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
    order: str,
    undo_on: str,
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    clients = {"a": _enrolled(a, live_server), "b": _enrolled(b, live_server)}
    pcs = {"a": a, "b": b}

    # Offline, A registers first, then B registers the same person.
    first, first_events = _register_with_events(a, 70)
    time.sleep(0.01)
    second, second_events = _register_with_events(b, 90)
    assert first.created_at < second.created_at

    for who in order:
        sync_once(pcs[who].store, clients[who])
    for who in "ab":
        sync_once(pcs[who].store, clients[who])
    for who in "ab":
        sync_once(pcs[who].store, clients[who])

    [link] = _server_links(live_server)
    assert (link["replaced_id"], link["replaced_by"]) == (second.id, first.id)
    both = first_events | second_events
    for pc in (a, b):
        assert pending_op_count(pc.store) == 0
        for opened in (first.id, second.id):
            assert _chart_events(pc, opened) == (first.id, both)
    assert canonical_dump(a.store) == canonical_dump(b.store)

    # A clerk on one PC undoes the merge; after syncing, both charts are apart everywhere.
    undoer = pcs[undo_on]
    clerk = _registrar(undoer, undo_on)
    duplicates.unmerge_patients(undoer.store, clerk, str(link["id"]))
    for who in (undo_on, "a", "b"):
        sync_once(pcs[who].store, clients[who])
    for pc in (a, b):
        assert _chart_events(pc, first.id) == (first.id, first_events)
        assert _chart_events(pc, second.id) == (second.id, second_events)
        with pc.store.unit_of_work(user_id=None) as uow:
            [stored] = uow.find(PatientLink, id=link["id"])
        assert (stored.status, stored.automatic) == ("undone", True)

    # Later edits of either chart do not link them again.
    patient_service.update_patient(a.store, a.doctor, first.id, address="Thôn 2")
    patient_service.update_patient(b.store, b.doctor, second.id, address="Thôn 3")
    for who in "abab":
        sync_once(pcs[who].store, clients[who])
    assert len(_server_links(live_server)) == 1
    for pc in (a, b):
        assert _chart_events(pc, second.id) == (second.id, second_events)
    assert canonical_dump(a.store) == canonical_dump(b.store)
