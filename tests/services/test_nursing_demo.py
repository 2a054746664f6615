"""Demo medication: the demo wards' worklists and MAR grids have something to show."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import auth, demo, nursing, nursing_demo, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def test_demo_medication_fills_the_ward_worklists_once(
    store: Store, admin: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo admits and doses as of "now", and what is due depends on the time of day (no
    # demo regimen has a dose between 22:00 and 06:00): pin it to 10:05 Vietnam time today,
    # five minutes after a 10:00 dose, so the worklists have due doses whenever this runs.
    today = datetime.now(VIETNAM_TZ).date()
    now = datetime.combine(today, time(10, 5), VIETNAM_TZ).astimezone(UTC)
    monkeypatch.setattr(wards, "utc_now", lambda: now)
    monkeypatch.setattr(nursing_demo, "utc_now", lambda: now)
    demo.seed_demo(store, admin, patients=300, seed=3, workers=0)
    admitted = wards.seed_demo_wards(store, admin).admitted
    orders = nursing_demo.seed_demo_medication(store, admin)
    assert 2 * admitted <= orders <= 4 * admitted
    assert nursing_demo.seed_demo_medication(store, admin) == 0

    nurse = auth.login(store, "demo.dieuduong", "demo-dieuduong-2025")
    statuses: set[str] = set()
    for ward in wards.list_departments(store, nurse, wards_only=True):
        doses = nursing.worklist(store, nurse, department_id=ward.id, now=now)
        assert doses
        statuses |= {d.status for d in doses}
        assert all(d.bed_code or d.patient_id for d in doses)
    assert {"given", "upcoming"} <= statuses
    assert statuses & {"due", "overdue", "missed"}

    board = wards.ward_board(store, nurse, wards.list_departments(store, nurse)[0].id)
    patient_id = next(r.patient_id for r in board if r.patient_id)
    grid = nursing.mar_grid(store, nurse, patient_id=patient_id, day=today, now=now)
    assert grid.rows and grid.times
    # Demo data stays on this PC: nothing waits to be pushed.
    with store.unit_of_work(user_id=None) as uow:
        pending = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE kind = 'clinical_event'"
        ).scalar()
    assert pending == 0
