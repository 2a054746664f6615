"""Demo medication: the demo wards' worklists and MAR grids have something to show."""

from __future__ import annotations

from datetime import date

from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services import auth, demo, nursing, nursing_demo, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def test_demo_medication_fills_the_ward_worklists_once(store: Store, admin: Session) -> None:
    demo.seed_demo(store, admin, patients=300, seed=3, workers=0)
    admitted = wards.seed_demo_wards(store, admin).admitted
    orders = nursing_demo.seed_demo_medication(store, admin)
    assert 2 * admitted <= orders <= 4 * admitted
    assert nursing_demo.seed_demo_medication(store, admin) == 0

    nurse = auth.login(store, "demo.dieuduong", "demo-dieuduong-2025")
    now = utc_now()
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
    today: date = now.astimezone(VIETNAM_TZ).date()
    grid = nursing.mar_grid(store, nurse, patient_id=patient_id, day=today, now=now)
    assert grid.rows and grid.times
    # Demo data stays on this PC: nothing waits to be pushed.
    with store.unit_of_work(user_id=None) as uow:
        pending = uow.conn.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE kind = 'clinical_event'"
        ).scalar()
    assert pending == 0
