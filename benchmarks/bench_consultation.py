"""Benchmark: saving a consultation (DESIGN §7: ≤ 50 ms).

    python benchmarks/bench_consultation.py [--patients 10000 --runs 50]

One consultation = vital signs + a progress note + two diagnoses + a prescription of three
drugs, saved by `save_consultation` as one transaction (records, outbox ops, audit row,
fsync). Timed as a draft save and, separately, saved and signed at once — signing re-checks
the doctor's password with argon2id, a deliberate cost.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal

from _harness import ADMIN_PASSWORD, bench_doctor, bench_store, emit, percentiles


def consultation() -> list[object]:
    """What a doctor writes at one outpatient visit."""
    from emr_desktop.core import records as r

    return [
        r.VitalSigns(
            measurements=(
                r.Measurement("temperature", Decimal("38.2"), "°C"),
                r.Measurement("pulse", Decimal(96), "/min"),
                r.Measurement("systolic", Decimal(135), "mmHg"),
                r.Measurement("diastolic", Decimal(85), "mmHg"),
                r.Measurement("spo2", Decimal(96), "%"),
                r.Measurement("weight", Decimal("58.5"), "kg"),
            )
        ),
        r.ClinicalNote(
            note_type="progress",
            text="Sốt 2 ngày, ho khan, đau họng. Họng đỏ, amidan sưng. Phổi "
            "không rale. Tim đều. Bụng mềm.",
        ),
        r.Diagnosis(icd10="J03.9", rank="primary"),
        r.Diagnosis(icd10="I10", rank="secondary"),
        r.Prescription(
            items=(
                r.PrescriptionItem(
                    drug_code="T0001",
                    drug_name="Paracetamol 500 mg",
                    dosage="1 viên khi sốt trên 38,5 °C, cách 6 giờ",
                    quantity=Decimal(10),
                    unit="viên",
                    days=5,
                ),
                r.PrescriptionItem(
                    drug_code="T0021",
                    drug_name="Amoxicilin 500 mg",
                    dosage="1 viên x 3 lần/ngày",
                    quantity=Decimal(21),
                    unit="viên",
                    days=7,
                ),
                r.PrescriptionItem(
                    drug_code="T0101",
                    drug_name="Amlodipin 5 mg",
                    dosage="1 viên/ngày, buổi sáng",
                    quantity=Decimal(30),
                    unit="viên",
                    days=30,
                ),
            ),
            diagnosis_codes=("J03.9", "I10"),
            advice="Uống nhiều nước, tái khám sau 7 ngày",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    from emr_desktop.services import clinical, patients

    with bench_store(patients=args.patients) as store:
        doctor = bench_doctor(store)
        patient = patients.register_patient(
            store, doctor, full_name="Lâm Thị Quế", sex="female", date_of_birth="1968"
        )
        visit = clinical.start_encounter(store, doctor, patient_id=patient.id, kind="outpatient")
        results = {}
        for label, password in (("draft", None), ("signed", ADMIN_PASSWORD)):
            samples = []
            for _ in range(args.runs):
                bodies = consultation()
                start = time.perf_counter()
                clinical.save_consultation(
                    store,
                    doctor,
                    patient_id=patient.id,
                    encounter_id=visit.id,
                    bodies=bodies,  # type: ignore[arg-type]
                    sign_password=password,
                )
                samples.append((time.perf_counter() - start) * 1000)
            results[label] = percentiles(samples)
        emit(
            {
                "benchmark": "save_consultation",
                "patients": args.patients,
                **results,
                "budget_ms": 50,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
