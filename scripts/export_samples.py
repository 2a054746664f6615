"""Write a sample FHIR R4 export of a chart into docs/samples/fhir-bundle.json.

    .venv/bin/python scripts/export_samples.py [--out docs/samples]

The sample is the specimen chart of a fictitious patient (`emr_desktop.printing.specimen`):
a finished inpatient stay and today's visit, with the imaging study its X-ray report reads
(no earlier visits, to keep the file small). It holds no real patient data and comes out
the same on every run.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.imaging import SeriesSummary
from emr_desktop.core.records import ImagingReport, ImagingSource, ImagingStudy
from emr_desktop.interop.fhir import chart_bundle_json
from emr_desktop.printing.specimen import IMAGING_ID, specimen_chart

ROOT = Path(__file__).resolve().parents[1]


def sample_chart() -> ChartExtract:
    """The specimen chart's last two encounters, with the study of its X-ray report."""
    chart = specimen_chart(years=0, lab_lines=6)
    report = chart.event(IMAGING_ID)
    assert isinstance(report.body, ImagingReport) and report.body.study_instance_uid
    uid = report.body.study_instance_uid
    study = ImagingStudy(
        id="is-specimen",
        facility_id=chart.patient.facility_id,
        created_at=report.effective_at - timedelta(minutes=30),
        created_by=report.created_by,
        device_id=report.device_id,
        patient_id=chart.patient.id,
        study_instance_uid=uid,
        study_at=report.effective_at - timedelta(minutes=40),
        modalities=(report.body.modality,),
        description="X-quang ngực thẳng",
        accession_number="CR2611200001",
        order_id=report.body.order_id,
        series=(SeriesSummary(f"{uid}.1", 1, report.body.modality, "Ngực thẳng PA", 1),),
        source=ImagingSource.PACS,
    )
    return replace(chart, imaging_studies=(study,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "samples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "fhir-bundle.json"
    target.write_text(chart_bundle_json(sample_chart()), encoding="utf-8", newline="\n")
    print(target)


if __name__ == "__main__":
    main()
