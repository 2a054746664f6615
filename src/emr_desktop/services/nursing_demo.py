"""Demo medication for the demo's admitted patients, so the nurses' screens are not empty.

Each open stay gets two to four of the regimens a district ward writes every day, ordered
and signed by the demo doctor at admission, with the doses of the past recorded by the demo
nurse (a few held or refused) and the last 45 minutes left to do. Written by the bulk path,
like the rest of the demo: local to this PC, never pushed.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from emr_desktop.core.catalog import DrugEntry
from emr_desktop.core.ids import new_id
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    AdministrationOutcome,
    ClinicalEvent,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventBody,
    EventStatus,
    MedicationAdministration,
    MedicationOrder,
    User,
)
from emr_desktop.core.schedule import doses_between
from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services import catalogs
from emr_desktop.services.auth import Session
from emr_desktop.store import bulk
from emr_desktop.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _DemoOrder:
    drug_code: str
    dose: Decimal
    times: tuple[str, ...]
    as_needed: bool = False
    instructions: str | None = None


#: Regimens a district ward writes every day; each stay gets two to four of them.
_DEMO_ORDERS: tuple[_DemoOrder, ...] = (
    _DemoOrder("T0040", Decimal(1), ("08:00",), instructions="Pha 10 ml nước cất, tiêm chậm"),
    _DemoOrder("T0034", Decimal(1), ("06:00", "14:00", "22:00")),
    _DemoOrder("T0068", Decimal(1), ("08:00",)),
    _DemoOrder("T0077", Decimal(1), ("08:00", "20:00")),
    _DemoOrder("T0120", Decimal(1), ("20:00",)),
    _DemoOrder("T0090", Decimal(1), ("08:00",), instructions="Uống sau ăn sáng"),
    _DemoOrder("T0131", Decimal(1), ("07:00", "19:00"), instructions="Uống sau ăn"),
    _DemoOrder("T0108", Decimal(1), ("08:00", "14:00")),
    _DemoOrder("T0044", Decimal(1), ("22:00", "10:00")),
    _DemoOrder("T0001", Decimal(1), (), as_needed=True, instructions="Khi sốt trên 38,5 °C"),
)
#: Doses this recent are left unrecorded, so the demo worklist has due and overdue ones.
_DEMO_UNRECORDED = timedelta(minutes=45)


def seed_demo_medication(store: Store, session: Session, *, seed: int = 1) -> int:
    """Medication orders for the demo's admitted patients (administrator; after
    `wards.seed_demo_wards`), with the doses of the past recorded, so the ward worklists
    and MAR grids are not empty. Stays that already have an order are left alone, so
    running it again adds nothing. Like the rest of the demo, written by the bulk path:
    local to this PC. Returns how many orders were written."""
    session.require(Permission.USER_MANAGE)
    # Imported here: the demo tables cost a tenth of a second the GUI need not pay at start.
    from emr_desktop.services.demo import DEMO_STAFF

    rng = random.Random(seed)
    now = utc_now()
    with store.unit_of_work(user_id=session.user_id) as uow:
        stays = [
            e
            for e in uow.find(Encounter, status=EncounterStatus.IN_PROGRESS)
            if e.deleted_at is None and e.kind != EncounterKind.OUTPATIENT
        ]
        ordered = {
            r[0]
            for r in uow.conn.exec_driver_sql(
                "SELECT DISTINCT encounter_id FROM clinical_event WHERE kind = ? "
                "AND encounter_id IS NOT NULL",
                (MedicationOrder.KIND,),
            )
        }
        staff = {
            u.username: u.id
            for u in uow.find(User)
            if u.deleted_at is None and u.username in {s[0] for s in DEMO_STAFF}
        }
        formulary = catalogs.drug_entries(uow)
    doctor = staff.get(DEMO_STAFF[0][0], session.user_id)
    nurse = staff.get(DEMO_STAFF[1][0], session.user_id)
    batch = bulk.BulkBatch()
    orders = 0
    for stay in sorted(stays, key=lambda e: e.id):
        if stay.id in ordered:
            continue
        for spec in rng.sample(_DEMO_ORDERS, rng.randint(2, 4)):
            drug = formulary.get(spec.drug_code)
            if drug is None:
                continue
            batch.events.extend(
                _demo_order(store, session, stay, spec, drug, doctor, nurse, now, rng)
            )
            orders += 1
    if batch.events:
        bulk.insert_rows(
            store,
            bulk.rows_for(batch),
            audit_user_id=session.user_id,
            audit_action="demo.medication",
            audit_detail={"orders": orders},
        )
    log.info("demo medication: %d orders", orders)
    return orders


def _demo_signed(event: ClinicalEvent, signer: str, at: datetime) -> ClinicalEvent:
    return replace(
        event,
        status=EventStatus.SIGNED,
        signed_by=signer,
        signed_at=at,
        content_hash=event.content_digest(),
    )


def _demo_order(
    store: Store,
    session: Session,
    stay: Encounter,
    spec: _DemoOrder,
    drug: DrugEntry,
    doctor: str,
    nurse: str,
    now: datetime,
    rng: random.Random,
) -> list[ClinicalEvent]:
    """One signed order written at admission, and its past doses as a nurse recorded them."""
    ordered_at = stay.started_at + timedelta(minutes=rng.randint(10, 90))
    start_date = ordered_at.astimezone(VIETNAM_TZ).date()
    today = now.astimezone(VIETNAM_TZ).date()
    body = MedicationOrder(
        drug_code=drug.code,
        drug_name=drug.name_vi,
        dose=spec.dose,
        dose_unit=drug.unit,
        route=drug.route.value,
        times=spec.times,
        start_date=start_date,
        days=(today - start_date).days + rng.randint(3, 7),
        as_needed=spec.as_needed,
        instructions=spec.instructions,
    )

    def event(at: datetime, author: str, content: EventBody) -> ClinicalEvent:
        return ClinicalEvent(
            id=new_id(),
            facility_id=session.facility_id,
            patient_id=stay.patient_id,
            encounter_id=stay.id,
            effective_at=at,
            created_at=at,
            created_by=author,
            device_id=store.device_id,
            body=content,
        )

    order = _demo_signed(event(ordered_at, doctor, body), doctor, ordered_at)
    events = [order]
    for due_at in doses_between(body, ordered_at, now - _DEMO_UNRECORDED):
        roll = rng.random()
        at = due_at + timedelta(minutes=rng.randint(-10, 25))
        if roll < 0.93:
            done = MedicationAdministration(
                medication_order_id=order.id,
                scheduled_for=due_at,
                outcome=AdministrationOutcome.GIVEN,
                dose=body.dose,
                dose_unit=body.dose_unit,
                route=body.route,
                wristband_scanned=True,
            )
        else:
            outcome, reason = rng.choice(
                (
                    (AdministrationOutcome.REFUSED, "Bệnh nhân từ chối, đã giải thích"),
                    (AdministrationOutcome.HELD, "Tạm hoãn theo y lệnh bác sĩ"),
                    (AdministrationOutcome.HELD, "Bệnh nhân đi làm xét nghiệm"),
                )
            )
            done = MedicationAdministration(
                medication_order_id=order.id,
                scheduled_for=due_at,
                outcome=outcome,
                route=body.route,
                reason=reason,
            )
        events.append(_demo_signed(event(at, nurse, done), nurse, at))
    return events
