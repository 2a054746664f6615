"""Benchmark: importing a CT series from a CD into the encrypted store.

    python benchmarks/bench_imaging_import.py [--slices 200 --size 512 --runs 3]

A synthetic CT series (`imaging.synthetic.ct_series`: 200 slices of 512 × 512, 16-bit,
about 105 MB) is written to a folder as a CD would hold it; each run then does what
`emr-admin imaging import --yes` does: scan and check every file (`imaging.dicom.scan`),
match the chart, read the files again (`load_study`) and store the study in one
transaction (`services.imaging.save_study`: SQLCipher, fsync). Each run imports a new
series (new UIDs), into a store that holds the previous runs' series. Then the time to read
the whole series back out of the store (what a viewer loads) is measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _harness import bench_doctor, bench_store, emit


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from emr_desktop.imaging import dicom
    from emr_desktop.imaging.synthetic import ct_series
    from emr_desktop.services import imaging, patients

    runs = []
    with bench_store(patients=0) as store, tempfile.TemporaryDirectory() as tmp:
        doctor = bench_doctor(store)
        patient = patients.register_patient(
            store, doctor, full_name="Nguyễn Văn A", sex="male", date_of_birth="1970-05-17"
        )
        for run in range(args.runs):
            disc = Path(tmp) / f"cd{run}"
            disc.mkdir()
            files = ct_series(args.slices, args.size, patient_id=patient.mrn)
            for index, data in enumerate(files):
                (disc / f"IM{index:05d}").write_bytes(data)
            total_bytes = sum(len(f) for f in files)
            del files
            start = time.perf_counter()
            [scanned] = dicom.scan([disc]).studies
            scan_ms = _ms(start)
            step = time.perf_counter()
            match = imaging.match_patient(store, doctor, scanned.study)
            assert match.patient_id == patient.id
            loaded = dicom.load_study(scanned)
            load_ms = _ms(step)
            step = time.perf_counter()
            imaging.save_study(store, doctor, patient.id, scanned.study, loaded, source="import")
            save_ms = _ms(step)
            total_ms = _ms(start)
            del loaded
            step = time.perf_counter()
            series = scanned.study.series[0].series_instance_uid
            listed = imaging.series_instances(
                store, doctor, scanned.study.study_instance_uid, series
            )
            held = imaging.instances_bytes(store, doctor, [i.sop_instance_uid for i in listed])
            read_back_ms = _ms(step)
            assert len(held) == args.slices
            runs.append(
                {
                    "scan_ms": scan_ms,
                    "match_and_reread_ms": load_ms,
                    "save_ms": save_ms,
                    "import_total_ms": total_ms,
                    "read_series_back_ms": read_back_ms,
                    "mb": round(total_bytes / 1e6, 1),
                }
            )
    emit(
        {
            "benchmark": "imaging_import",
            "slices": args.slices,
            "size": args.size,
            "runs": runs,
            "import_total_ms_best": min(r["import_total_ms"] for r in runs),
            "import_total_ms_worst": max(r["import_total_ms"] for r in runs),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
