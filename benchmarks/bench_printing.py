"""Benchmark: printed documents (DESIGN §7: a prescription PDF ≤ 150 ms; a 50-page chart
export ≤ 3 s).

    python benchmarks/bench_printing.py [--runs 30] [--years 11] [--patients 1000 --events 10000]

Every document is rendered from the specimen chart (`emr_desktop.printing.specimen`): the
prescription and the other one-to-few-page forms `--runs` times each (p50/p95/max), and the
full chart export of a chart with `--years` of history (about 50 pages at 11 years) a few
times. The time is the PDF built in memory, fonts embedded, ready for the preview.

Then the same from a real encrypted store, as the Print button does it: a patient with
`--events` signed events (`bench_chart`'s ten-year history) among `--patients` others; the
prescription's extract is read (and audited) and drawn, and the whole chart is exported.
"""

from __future__ import annotations

import argparse
import re
import time

from _harness import emit, percentiles


def _timed(fn: object, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--years", type=int, default=11)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10000)
    args = parser.parse_args()

    from datetime import timedelta

    from emr_desktop.core.documents import DocumentKind, ReferralDetails
    from emr_desktop.printing.documents import render
    from emr_desktop.printing.specimen import (
        IMAGING_ID,
        PRESCRIPTION_ID,
        PRINTED_AT,
        STAY_ID,
        VISIT_ID,
        specimen_chart,
    )

    chart = specimen_chart()
    referral = ReferralDetails(
        destination="Bệnh viện tỉnh",
        reason="Vượt khả năng chuyên môn",
        condition="Ổn định",
        transfer_at=PRINTED_AT + timedelta(minutes=30),
    )
    # The first document of a process also loads and subsets the fonts: timed apart.
    start = time.perf_counter()
    render(DocumentKind.PRESCRIPTION, chart, PRESCRIPTION_ID, paper="A5")
    first_ms = (time.perf_counter() - start) * 1000

    documents = {
        "prescription_a5": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A5"),
        "prescription_a4": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A4"),
        "discharge": (DocumentKind.DISCHARGE, STAY_ID, "A4"),
        "lab_report": (DocumentKind.LAB_REPORT, VISIT_ID, "A4"),
        "imaging_report": (DocumentKind.IMAGING_REPORT, IMAGING_ID, "A4"),
        "visit_summary": (DocumentKind.VISIT_SUMMARY, VISIT_ID, "A4"),
        "referral": (DocumentKind.REFERRAL, VISIT_ID, "A4"),
        "mar": (DocumentKind.MAR, STAY_ID, "A4"),
    }
    results: dict[str, object] = {}
    for name, (kind, target, paper) in documents.items():
        samples = _timed(
            lambda k=kind, t=target, p=paper: render(k, chart, t, paper=p, referral=referral),
            args.runs,
        )
        results[name] = percentiles(samples)

    thirty = specimen_chart(drugs=30)
    results["prescription_30_drugs"] = percentiles(
        _timed(
            lambda: render(DocumentKind.PRESCRIPTION, thirty, PRESCRIPTION_ID, paper="A5"),
            args.runs,
        )
    )
    long_lab = specimen_chart(lab_lines=200)
    results["lab_report_200_lines"] = percentiles(
        _timed(lambda: render(DocumentKind.LAB_REPORT, long_lab, VISIT_ID), max(3, args.runs // 5))
    )

    history = specimen_chart(years=args.years)
    pdf = render(DocumentKind.CHART_EXPORT, history, None)
    pages = len(re.findall(rb"/Type /Page[^s]", pdf))
    export = _timed(
        lambda: render(DocumentKind.CHART_EXPORT, history, None), max(2, args.runs // 10)
    )
    export_stats = percentiles(export)
    from_store = _from_store(args)
    emit(
        {
            "benchmark": "printing",
            "first_document_ms": round(first_ms, 1),
            "documents": results,
            "chart_export": {
                "years": args.years,
                "events": len(history.events),
                "pages": pages,
                **export_stats,
                "ms_per_50_pages": round(export_stats["p50_ms"] * 50 / max(pages, 1), 1),
            },
            "from_store": from_store,
            "budget": {"prescription_ms": 150, "chart_export_50_pages_ms": 3000},
        }
    )


def _from_store(args: argparse.Namespace) -> dict[str, object]:
    from _harness import bench_doctor, bench_store
    from bench_chart import _build_history
    from emr_desktop.core.documents import DocumentKind
    from emr_desktop.printing.documents import render
    from emr_desktop.services import documents, patients

    with bench_store(patients=args.patients) as store:
        doctor = bench_doctor(store)
        patient = patients.register_patient(
            store, doctor, full_name="Nguyễn Thị Đo In", sex="female", date_of_birth="1956"
        )
        _build_history(store, doctor, patient.id, max(1, args.events // 20), args.events)
        prescription = next(
            t
            for t in documents.targets(store, doctor, patient.id)
            if t.kind == DocumentKind.PRESCRIPTION
        )

        def print_prescription() -> None:
            extract = documents.chart_extract(
                store, doctor, patient.id, DocumentKind.PRESCRIPTION, prescription.target_id
            )
            render(DocumentKind.PRESCRIPTION, extract, prescription.target_id, paper="A5")

        click = percentiles(_timed(print_prescription, args.runs))
        start = time.perf_counter()
        extract = documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
        read_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        pdf = render(DocumentKind.CHART_EXPORT, extract, None)
        draw_ms = (time.perf_counter() - start) * 1000
        pages = len(re.findall(rb"/Type /Page[^s]", pdf))
    return {
        "patients": args.patients,
        "chart_events": len(extract.events),
        "prescription_read_and_draw": click,
        "chart_export": {
            "read_ms": round(read_ms, 1),
            "draw_ms": round(draw_ms, 1),
            "pages": pages,
            "ms_per_50_pages": round((read_ms + draw_ms) * 50 / max(pages, 1), 1),
        },
    }


if __name__ == "__main__":
    main()
