"""Benchmark: a whole chart in the exchange formats (no budget in DESIGN §7; a doctor waits
for these when a patient is transferred).

    python benchmarks/bench_interop.py [--patients 1000 --events 10000]

A patient with `--events` signed events over ten years (`bench_chart`'s history) among
`--patients` others, in a real encrypted store. Timed: reading the chart for export (as the
Exchange button and `emr-admin export` do, audited), building and validating the FHIR R4
Bundle, the MoH HoSoBenhAn record as XML and as JSON, and reading the Bundle back as the
import does (parsed and every resource validated) — the parts that grow with the chart.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from _harness import emit


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10000)
    args = parser.parse_args()

    from _harness import bench_doctor, bench_store
    from bench_chart import _build_history
    from emr_desktop.core.documents import DocumentKind
    from emr_desktop.interop import hsba
    from emr_desktop.interop.fhir import chart_bundle_json
    from emr_desktop.interop.fhir_import import parse_bundle
    from emr_desktop.services import documents, patients

    with bench_store(patients=args.patients) as store:
        doctor = bench_doctor(store)
        patient = patients.register_patient(
            store, doctor, full_name="Trần Văn Trao Đổi", sex="male", date_of_birth="1950"
        )
        _build_history(store, doctor, patient.id, max(1, args.events // 20), args.events)
        extract, read_ms = _timed(
            lambda: documents.chart_extract(store, doctor, patient.id, DocumentKind.CHART_EXPORT)
        )
        bundle, fhir_ms = _timed(lambda: chart_bundle_json(extract))
        xml, xml_ms = _timed(lambda: hsba.render(extract, "xml"))
        as_json, json_ms = _timed(lambda: hsba.render(extract, "json"))
        parsed, parse_ms = _timed(lambda: parse_bundle(bundle))
    emit(
        {
            "benchmark": "interop",
            "patients": args.patients,
            "chart_events": len(extract.events),
            "read_ms": read_ms,
            "fhir_bundle": {"ms": fhir_ms, "bytes": len(bundle.encode("utf-8"))},
            "hsba_xml": {"ms": xml_ms, "bytes": len(xml)},
            "hsba_json": {"ms": json_ms, "bytes": len(as_json)},
            "fhir_parse_and_validate": {"ms": parse_ms, "items": len(parsed.items)},
        }
    )


if __name__ == "__main__":
    main()
