"""Two booth PCs record the same dose while offline: after syncing, both PCs keep both
administrations and show the double dose as a conflict to review. Real stores, the real
server (uvicorn on 127.0.0.1), both databases."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from tests.conftest import STAFF_PASSWORD
from tests.sync.conftest import (  # noqa: F401 - fixtures
    LiveServer,
    live_server,
    sync_app,
    sync_db_url,
    sync_settings,
)
from tests.syncclient.support import Pc, canonical_dump, make_pc

from emr_desktop.core.records import EncounterKind
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import auth, clinical, conflicts, nursing, patients, review, wards
from emr_desktop.services.auth import Session
from emr_desktop.syncclient.client import SyncClient
from emr_desktop.syncclient.credentials import load_credential
from emr_desktop.syncclient.engine import enroll, sync_once

DUE = datetime(2025, 3, 2, 8, 0, tzinfo=VIETNAM_TZ)


def _enrolled(pc: Pc, server: LiveServer) -> SyncClient:
    client = SyncClient(server.base_url, session=requests.Session(), timeout=10)
    enroll(pc.store, server.base_url, server.enroll_code(), "PC", client=client)
    client.credential = load_credential(pc.store)
    return client


def _nurse(pc: Pc, name: str, full_name: str) -> Session:
    auth.add_user(
        pc.store,
        pc.admin,
        username=f"dd.{name}",
        role="nurse",
        full_name=full_name,
        password=STAFF_PASSWORD,
    )
    return auth.login(pc.store, f"dd.{name}", STAFF_PASSWORD)


def _give(pc: Pc, nurse: Session, minute: int) -> str:
    [dose] = [
        d
        for d in nursing.worklist(
            pc.store, nurse, department_id=_ward_id(pc), now=DUE.replace(minute=minute)
        )
        if d.due_at == DUE
    ]
    assert dose.status == nursing.DoseStatus.DUE  # this PC has not seen the other's dose
    return nursing.record_administration(
        pc.store,
        nurse,
        order_id=dose.order_id,
        scheduled_for=dose.due_at,
        outcome="given",
        wristband_scanned=True,
        at=DUE.replace(minute=minute),
    ).id


def _ward_id(pc: Pc) -> str:
    [ward] = wards.list_departments(pc.store, pc.admin)
    return ward.id


def test_one_dose_recorded_offline_on_two_pcs_is_kept_twice_and_flagged_on_both(
    tmp_path: Path,
    live_server: LiveServer,  # noqa: F811 - the fixture imported above
) -> None:
    a, b = make_pc(tmp_path, "a", 1), make_pc(tmp_path, "b", 2)
    client_a, client_b = _enrolled(a, live_server), _enrolled(b, live_server)

    # Ward, patient, stay and a signed order, written on A and synced to B.
    ward = wards.add_department(a.store, a.admin, code="NOI", name="Khoa Nội tổng hợp")
    bed = wards.add_bed(a.store, a.admin, department_id=ward.id, code="G1")
    patient = patients.register_patient(
        a.store, a.doctor, full_name="Nguyễn Thị Hoa", sex="female", date_of_birth="1950"
    )
    stay = clinical.start_encounter(
        a.store,
        a.doctor,
        patient_id=patient.id,
        kind=EncounterKind.INPATIENT,
        department_id=ward.id,
        bed_id=bed.id,
    )
    order = nursing.order_medication(
        a.store,
        a.doctor,
        encounter_id=stay.id,
        drug_code="T0040",
        dose=Decimal(1),
        times=("08:00", "20:00"),
        start_date=date(2025, 3, 1),
        days=5,
        sign_password=STAFF_PASSWORD,
    )
    nurse_a = _nurse(a, "a", "Lê Thị Hoa")
    nurse_b = _nurse(b, "b", "Phạm Thị Cúc")
    sync_once(a.store, client_a)
    sync_once(b.store, client_b)

    # The link is down: each booth gives the 08:00 dose.
    first = _give(a, nurse_a, 5)
    second = _give(b, nurse_b, 7)
    for store in (a.store, b.store):
        assert nursing.detect_double_doses(store) == 0

    for pc, client in ((a, client_a), (b, client_b), (a, client_a)):
        sync_once(pc.store, client)
    assert canonical_dump(a.store)["clinical_event"] == canonical_dump(b.store)["clinical_event"]

    for pc, nurse in ((a, nurse_a), (b, nurse_b)):
        assert nursing.detect_double_doses(pc.store) == 1
        assert nursing.detect_double_doses(pc.store) == 0  # idempotent
        # Neither dose is hidden: the worklist and the MAR show both.
        [dose] = [
            d
            for d in nursing.worklist(pc.store, nurse, department_id=ward.id, now=DUE)
            if d.due_at == DUE
        ]
        assert dose.order_id == order.id
        assert [x.event_id for x in dose.administrations] == [first, second]
        assert dose.double_dose and dose.status == nursing.DoseStatus.GIVEN
        grid = nursing.mar_grid(pc.store, nurse, patient_id=patient.id, day=date(2025, 3, 2))
        assert len(grid.rows[0].cells[0].administrations) == 2

        [conflict] = conflicts.list_conflicts(pc.store, nurse)
        assert (conflict.kind, conflict.field, conflict.record_id) == (
            "medication_administration",
            "double_dose",
            second,
        )
        assert conflict.winner_value == "08:05 02/03/2025 · 1 lọ · Lê Thị Hoa"
        assert conflict.loser_value == "08:07 02/03/2025 · 1 lọ · Phạm Thị Cúc"
        [view] = review.conflict_views(pc.store, nurse)
        assert view.patient is not None and view.patient.id == patient.id
        assert view.winner.device_id == a.store.device_id
        assert view.loser.device_id == b.store.device_id

    # Settling it on one PC keeps both doses; putting "the other" back makes no sense here.
    [conflict] = conflicts.list_conflicts(a.store, nurse_a)
    with pytest.raises(Exception, match="entered in error"):
        conflicts.resolve_conflict(a.store, nurse_a, conflict.id, keep="other")
    conflicts.resolve_conflict(a.store, nurse_a, conflict.id, keep="winner")
    assert conflicts.list_conflicts(a.store, nurse_a) == []
    assert nursing.detect_double_doses(a.store) == 0
    assert len(conflicts.list_conflicts(b.store, nurse_b)) == 1
