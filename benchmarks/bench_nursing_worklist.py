"""Benchmark: the nurses' worklist of a 60-bed ward with 600 scheduled doses a day
(issue 5: loads in ≤ 100 ms).

    python benchmarks/bench_nursing_worklist.py [--patients 10000 --beds 60 --days 7]

A ward of `--beds` beds, each with a patient whose stay has five signed medication orders
of two doses a day (ten doses a bed a day), started `--days` days ago with every past dose
recorded, in a store that also holds `--patients` seeded patients. The worklist (twelve
hours either side of now) is then timed `--runs` times.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from _harness import ADMIN_PASSWORD, bench_store, emit, percentiles

if TYPE_CHECKING:
    from emr_desktop.core.records import ClinicalEvent
    from emr_desktop.store.store import Store

#: Five orders of two doses a day: ten doses per bed per day.
_REGIMENS = (
    ("T0040", ("08:00", "20:00")),
    ("T0068", ("06:00", "18:00")),
    ("T0077", ("07:00", "19:00")),
    ("T0131", ("07:30", "19:30")),
    ("T0044", ("22:00", "10:00")),
)

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hải", "Hùng", "Khang", "Long")


def _build_ward(store: Store, beds: int, days: int, now: datetime) -> tuple[str, int]:
    from emr_desktop.core.ids import new_id
    from emr_desktop.core.records import (
        AdministrationOutcome,
        ClinicalEvent,
        EncounterKind,
        EventStatus,
        MedicationAdministration,
        MedicationOrder,
    )
    from emr_desktop.core.schedule import doses_between
    from emr_desktop.core.timeutil import VIETNAM_TZ
    from emr_desktop.services import auth, catalogs, clinical, patients, wards
    from emr_desktop.store import bulk

    admin = auth.login(store, "admin", ADMIN_PASSWORD)
    auth.add_user(
        store,
        admin,
        username="bench.nurse",
        role="nurse",
        full_name="Điều Dưỡng Đo",
        password=ADMIN_PASSWORD,
    )
    doctor_user = "bench-doctor"
    nurse = auth.login(store, "bench.nurse", ADMIN_PASSWORD)
    ward = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    with store.unit_of_work(user_id=None) as uow:
        formulary = catalogs.drug_entries(uow)
    rng = random.Random(1)
    start_date = (now - timedelta(days=days)).astimezone(VIETNAM_TZ).date()
    batch = bulk.BulkBatch()

    def signed(event: ClinicalEvent, at: datetime) -> ClinicalEvent:
        return replace(
            event,
            status=EventStatus.SIGNED,
            signed_by=event.created_by,
            signed_at=at,
            content_hash=event.content_digest(),
        )

    scheduled_today = 0
    for n in range(beds):
        bed = wards.add_bed(store, admin, department_id=ward.id, code=f"G{n + 1}")
        patient = patients.register_patient(
            store,
            nurse,
            full_name=f"{_FAMILY[n % len(_FAMILY)]} Văn {_GIVEN[n // len(_FAMILY) % len(_GIVEN)]}",
            sex="female" if n % 2 else "male",
            date_of_birth=str(1940 + n % 50),
        )
        stay = clinical.start_encounter(
            store,
            nurse,
            patient_id=patient.id,
            kind=EncounterKind.INPATIENT,
            department_id=ward.id,
            bed_id=bed.id,
        )
        ordered_at = now - timedelta(days=days, hours=2)
        for code, times in _REGIMENS:
            drug = formulary[code]
            body = MedicationOrder(
                drug_code=drug.code,
                drug_name=drug.name_vi,
                dose=Decimal(1),
                dose_unit=drug.unit,
                route=drug.route.value,
                times=times,
                start_date=start_date,
                days=days + 7,
            )
            order = signed(
                ClinicalEvent(
                    id=new_id(),
                    facility_id=nurse.facility_id,
                    patient_id=patient.id,
                    encounter_id=stay.id,
                    effective_at=ordered_at,
                    created_at=ordered_at,
                    created_by=doctor_user,
                    device_id=store.device_id,
                    body=body,
                ),
                ordered_at,
            )
            batch.events.append(order)
            scheduled_today += len(times)
            for due in doses_between(body, ordered_at, now - timedelta(minutes=40)):
                at = due + timedelta(minutes=rng.randint(-10, 20))
                batch.events.append(
                    signed(
                        ClinicalEvent(
                            id=new_id(),
                            facility_id=nurse.facility_id,
                            patient_id=patient.id,
                            encounter_id=stay.id,
                            effective_at=at,
                            created_at=at,
                            created_by=nurse.user_id,
                            device_id=store.device_id,
                            body=MedicationAdministration(
                                medication_order_id=order.id,
                                scheduled_for=due,
                                outcome=AdministrationOutcome.GIVEN,
                                dose=Decimal(1),
                                dose_unit=drug.unit,
                                route=drug.route.value,
                                wristband_scanned=True,
                            ),
                        ),
                        at,
                    )
                )
    bulk.insert_batch(store, batch)
    return ward.id, scheduled_today


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--beds", type=int, default=60)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    from emr_desktop.core.timeutil import utc_now
    from emr_desktop.services import auth, nursing

    with bench_store(patients=args.patients) as store:
        now = utc_now()
        ward_id, per_day = _build_ward(store, args.beds, args.days, now)
        nurse = auth.login(store, "bench.nurse", ADMIN_PASSWORD)
        doses = nursing.worklist(store, nurse, department_id=ward_id, now=now)
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            doses = nursing.worklist(store, nurse, department_id=ward_id, now=now)
            samples.append((time.perf_counter() - started) * 1000)
        with store.unit_of_work(user_id=None) as uow:
            events = uow.conn.exec_driver_sql("SELECT count(*) FROM clinical_event").scalar()
        emit(
            {
                "benchmark": "nursing_worklist",
                "patients": args.patients,
                "beds": args.beds,
                "scheduled_doses_per_day": per_day,
                "days_of_history": args.days,
                "doses_listed": len(doses),
                "events_in_store": events,
                **percentiles(samples),
                "budget_ms": 100,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
