"""Benchmark: opening a chart with 10 years of history (DESIGN §7: ≤ 150 ms to data).

    python benchmarks/bench_chart.py [--encounters 500 --events 10000 --patients 10000]

One patient gets `--encounters` visits spread over ten years with `--events` signed events
(vitals, notes, diagnoses, orders, lab results, prescriptions) in a store that also holds
`--patients` other seeded patients. `open_chart` is then timed 30 times.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from decimal import Decimal

from _harness import bench_doctor, bench_store, emit, percentiles


def _bodies(i: int) -> list[object]:
    from emr_desktop.core import records as r

    return [
        r.VitalSigns(
            measurements=(
                r.Measurement("temperature", Decimal("37.2"), "°C"),
                r.Measurement("pulse", Decimal(80 + i % 20), "/min"),
                r.Measurement("systolic", Decimal(130), "mmHg"),
                r.Measurement("diastolic", Decimal(80), "mmHg"),
                r.Measurement("spo2", Decimal(97), "%"),
            )
        ),
        r.ClinicalNote(
            note_type="progress",
            text="Bệnh nhân tỉnh, tiếp xúc tốt. Ho khan, không khó thở. "
            "Phổi thông khí đều, không rale. Tim đều." * 3,
        ),
        r.Diagnosis(icd10="I10", rank="primary"),
        r.Diagnosis(icd10="E11.9", rank="secondary"),
        r.Order(category="lab", service_code="XN0201", service_name="Định lượng Glucose"),
        r.LabResult(
            test_code="XN0201",
            test_name="Glucose",
            value=f"{6 + i % 5}.4",
            unit="mmol/L",
            ref_low=Decimal("3.9"),
            ref_high=Decimal("6.4"),
            flag="high",
        ),
        r.Prescription(
            items=(
                r.PrescriptionItem(
                    drug_code="T0101",
                    drug_name="Amlodipin 5 mg",
                    dosage="1 viên/ngày, uống buổi sáng",
                    quantity=Decimal(30),
                    unit="viên",
                    days=30,
                ),
                r.PrescriptionItem(
                    drug_code="T0120",
                    drug_name="Metformin 500 mg",
                    dosage="1 viên x 2 lần/ngày, sau ăn",
                    quantity=Decimal(60),
                    unit="viên",
                    days=30,
                ),
            )
        ),
    ]


def _build_history(
    store: object, doctor: object, patient_id: str, encounters: int, events: int
) -> None:
    from emr_desktop.core.ids import new_id
    from emr_desktop.core.records import ClinicalEvent, Encounter
    from emr_desktop.core.timeutil import utc_now

    start = utc_now() - timedelta(days=3650)
    per_encounter = max(1, events // encounters)
    written = 0
    for n in range(encounters):
        at = start + timedelta(days=n * 3650 // encounters)
        with store.unit_of_work(user_id=doctor.user_id) as uow:  # type: ignore[attr-defined]
            encounter = Encounter(
                id=new_id(),
                facility_id=doctor.facility_id,
                created_at=at,  # type: ignore[attr-defined]
                created_by=doctor.user_id,
                device_id=store.device_id,  # type: ignore[attr-defined]
                patient_id=patient_id,
                kind="outpatient",
                started_at=at,
                ended_at=at,
                status="finished",
            )
            uow.add(encounter)
            bodies = _bodies(n)
            for k in range(per_encounter if n < encounters - 1 else events - written):
                event = ClinicalEvent(
                    id=new_id(),
                    facility_id=doctor.facility_id,
                    patient_id=patient_id,  # type: ignore[attr-defined]
                    encounter_id=encounter.id,
                    effective_at=at + timedelta(minutes=k),
                    created_at=at,
                    created_by=doctor.user_id,  # type: ignore[attr-defined]
                    device_id=store.device_id,
                    body=bodies[k % len(bodies)],
                )  # type: ignore[attr-defined,arg-type]
                uow.add_event(
                    event.__class__(
                        **{
                            **event.__dict__,
                            "status": "signed",
                            "signed_by": doctor.user_id,  # type: ignore[attr-defined]
                            "signed_at": at,
                            "content_hash": event.content_digest(),
                        }
                    )
                )
                written += 1
            uow.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--encounters", type=int, default=500)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    from emr_desktop.services import chart, patients

    with bench_store(patients=args.patients) as store:
        doctor = bench_doctor(store)
        patient = patients.register_patient(
            store, doctor, full_name="Hoàng Văn Thụ", sex="male", date_of_birth="1950"
        )
        _build_history(store, doctor, patient.id, args.encounters, args.events)
        chart.open_chart(store, doctor, patient.id)
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = chart.open_chart(store, doctor, patient.id)
            samples.append((time.perf_counter() - start) * 1000)
        assert len(result.events) == args.events
        emit(
            {
                "benchmark": "open_chart",
                "patients": args.patients,
                "encounters": len(result.encounters),
                "events": len(result.events),
                **percentiles(samples),
                "budget_ms": 150,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
