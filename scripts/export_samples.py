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


def hsba_sample_chart() -> ChartExtract:
    """`sample_chart()` with an emergency visit ended by a transfer ten days ago: a fall,
    a forearm fracture, a cast, then the provincial hospital (fills the HoSoBenhAn groups
    for transfers, emergencies and procedures)."""
    from emr_desktop.core.records import ClinicalNote, Diagnosis, Encounter, Order
    from emr_desktop.printing.specimen import DOCTOR, specimen_event, with_events

    chart = sample_chart()
    came = chart.printed_at - timedelta(days=10, hours=2)
    left = came + timedelta(hours=3)
    encounter = Encounter(
        id="enc-emergency",
        facility_id=chart.patient.facility_id,
        created_at=came,
        created_by=DOCTOR,
        device_id="dev-specimen",
        patient_id=chart.patient.id,
        kind="emergency",
        status="finished",
        started_at=came,
        ended_at=left,
        department_id="d-hscc",
        attending_id=DOCTOR,
        reason="Ngã cầu thang, đau và biến dạng cổ tay trái",
        treatment_result="3",
        discharge_type="2",
    )
    events = [
        (Diagnosis(icd10="S52.5", description="Gãy đầu dưới xương quay trái"), 20),
        (
            Order(
                category="procedure",
                service_code="TT0008",
                service_name="Nắn, bó bột cẳng tay",
                priority="urgent",
                indication="Gãy đầu dưới xương quay",
            ),
            30,
        ),
        (
            ClinicalNote(
                note_type="discharge_summary",
                text="Gãy đầu dưới xương quay trái di lệch, đã nắn và bó bột tạm thời. "
                "Chuyển tuyến để phẫu thuật kết hợp xương.",
            ),
            150,
        ),
    ]
    added = with_events(
        chart,
        *(
            specimen_event(
                body,
                f"ev-cc-{n}",
                at=came + timedelta(minutes=minutes),
                author=DOCTOR,
                encounter_id=encounter.id,
            )
            for n, (body, minutes) in enumerate(events)
        ),
    )
    # Oldest first, as the services read them.
    return replace(
        added,
        encounters=tuple(sorted((*chart.encounters, encounter), key=lambda e: e.started_at)),
        events=tuple(sorted(added.events, key=lambda e: e.effective_at)),
    )


def write_hsba_samples(out: Path) -> list[Path]:
    """docs/samples/ho-so-benh-an.{xml,json} from `hsba_sample_chart()`, and the schema of
    the XML (ho-so-benh-an.xsd), written from the mapping table."""
    from emr_desktop.interop import hsba

    chart = hsba_sample_chart()
    written = []
    for file_format in ("xml", "json"):
        target = out / f"ho-so-benh-an.{file_format}"
        target.write_bytes(hsba.render(chart, file_format))
        written.append(target)
    schema = out / "ho-so-benh-an.xsd"
    schema.write_text(hsba.xsd(), encoding="utf-8", newline="\n")
    return [*written, schema]


def write_claim_sample(out: Path) -> Path:
    """docs/samples/giamdinhhs-xml130.xml: the BHYT claim (QĐ 130 tables in their GIAMDINHHS
    envelope) of the specimen's finished inpatient stay, with a blood count ordered on its
    first day and drugs for home at discharge. Prices, certificate numbers and department
    codes are illustrative, like the built-in catalogues' demo prices."""
    from decimal import Decimal

    from emr_desktop.core.catalog import DrugEntry, DrugRoute
    from emr_desktop.core.records import LabResult, Order, Prescription, PrescriptionItem
    from emr_desktop.interop.claim130 import ClaimPrices, build_claim
    from emr_desktop.printing.specimen import (
        DOCTOR,
        LAB,
        NURSE,
        NURSE2,
        PRINTED_AT,
        STAY_ID,
        specimen_event,
        with_events,
    )

    chart = specimen_chart(years=0)
    stay = chart.encounter(STAY_ID)
    assert stay.ended_at is not None
    first_day = stay.started_at + timedelta(hours=11)
    order = specimen_event(
        Order(category="lab", service_code="XN0109", service_name="Số lượng tiểu cầu (PLT)"),
        "ev-claim-order",
        at=first_day,
        author=DOCTOR,
        encounter_id=STAY_ID,
    )
    result = specimen_event(
        LabResult(
            test_code="XN0109",
            test_name="Số lượng tiểu cầu (PLT)",
            value="236",
            unit="G/L",
            ref_low=Decimal(150),
            ref_high=Decimal(400),
            flag="normal",
            order_id=order.id,
        ),
        "ev-claim-result",
        at=first_day + timedelta(hours=1, minutes=20),
        author=LAB,
        encounter_id=STAY_ID,
    )
    home = specimen_event(
        Prescription(
            items=(
                PrescriptionItem(
                    "T0101", "Amlodipin 5 mg", "Ngày 1 viên, buổi sáng", Decimal(14), "viên", 14
                ),
            ),
            advice="Tái khám sau 2 tuần tại phòng khám Tim mạch.",
        ),
        "ev-claim-rx",
        at=stay.ended_at - timedelta(minutes=30),
        author=DOCTOR,
        encounter_id=STAY_ID,
    )
    chart = with_events(chart, order, result, home)
    chart = replace(chart, events=tuple(sorted(chart.events, key=lambda e: e.effective_at)))
    drugs = {
        entry.code: entry
        for entry in (
            DrugEntry("T0501", "Enoxaparin 40 mg/0,4 ml", "Enoxaparin", "40 mg/0,4 ml",
                      "dung dịch tiêm (bơm tiêm đóng sẵn)", DrugRoute.SC, "bơm tiêm", "B01AB05",
                      Decimal(98500)),
            DrugEntry("T0101", "Amlodipin 5 mg", "Amlodipin", "5 mg", "viên nén", DrugRoute.ORAL,
                      "viên", "C08CA01", Decimal(450)),
            DrugEntry("T0602", "Nitroglycerin 0,5 mg", "Nitroglycerin", "0,5 mg",
                      "viên nén ngậm dưới lưỡi", DrugRoute.SUBLINGUAL, "viên", "C01DA02",
                      Decimal(1200)),
            DrugEntry("T0705", "Furosemid 20 mg/2 ml", "Furosemid", "20 mg/2 ml",
                      "dung dịch tiêm", DrugRoute.IV, "ống", "C03CA01", Decimal(4200)),
        )
    }  # fmt: skip
    claim = build_claim(
        chart,
        STAY_ID,
        prices=ClaimPrices(
            drugs={code: e.price for code, e in drugs.items() if e.price is not None},
            services={"XN0109": Decimal(40400)},
        ),
        practitioners={
            DOCTOR: "000123/NB-CCHN",
            LAB: "004567/NB-CCHN",
            NURSE: "007890/NB-CCHN",
            NURSE2: "007891/NB-CCHN",
        },
        departments={"d-hscc": "K03", "d-noi": "K02", "d-kb": "K01"},
        drugs=drugs,
        created_on=PRINTED_AT.date(),
    )
    target = out / "giamdinhhs-xml130.xml"
    target.write_bytes(claim.envelope)
    return target


def write_eprescription_sample(out: Path) -> Path:
    """The national e-prescription body of the specimen's prescription of today
    (`don-thuoc-quoc-gia.json`). The two interconnection codes are invented."""
    import json

    from emr_desktop.core.catalog import CatalogKind, DrugEntry, Icd10Entry, load_builtin
    from emr_desktop.core.records import Diagnosis, Prescription, VitalCode, VitalSigns
    from emr_desktop.interop.eprescription import prescription_payload
    from emr_desktop.printing.specimen import PRESCRIPTION_ID

    chart = specimen_chart()
    event = chart.event(PRESCRIPTION_ID)
    assert isinstance(event.body, Prescription)
    current = chart.current_events()
    wording = {
        e.body.icd10: e.body.description
        for e in current
        if isinstance(e.body, Diagnosis) and e.encounter_id == event.encounter_id
    }
    weights = [
        weight
        for e in current
        if isinstance(e.body, VitalSigns) and (weight := e.body.value(VitalCode.WEIGHT)) is not None
    ]
    icd = {e.code: e.name_vi for e in load_builtin(CatalogKind.ICD10) if isinstance(e, Icd10Entry)}
    drugs = {e.code: e for e in load_builtin(CatalogKind.DRUGS) if isinstance(e, DrugEntry)}
    codes = event.body.diagnosis_codes
    payload = prescription_payload(
        event,
        chart.patient,
        facility_code=chart.letterhead.facility_code,
        facility_link_code="LT35001",
        prescriber_link_code="BS35001-0007",
        diagnoses=[
            Diagnosis(
                icd10=code, rank="primary" if n == 0 else "secondary", description=wording.get(code)
            )
            for n, code in enumerate(codes)
        ],
        diagnosis_names={code: icd[code] for code in codes if code in icd},
        generic_names={
            item.drug_code: f"{drugs[item.drug_code].active_ingredient} "
            f"{drugs[item.drug_code].strength}"
            for item in event.body.items
            # The specimen's drug codes are not the built-in formulary's: its names serve.
            if item.drug_code in drugs and drugs[item.drug_code].name_vi == item.drug_name
        },
        encounter_kind=next(e.kind for e in chart.encounters if e.id == event.encounter_id),
        weight_kg=weights[-1] if weights else None,
    )
    target = out / "don-thuoc-quoc-gia.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    target.write_text(text, encoding="utf-8", newline="\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "samples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "fhir-bundle.json"
    target.write_text(chart_bundle_json(sample_chart()), encoding="utf-8", newline="\n")
    print(target)
    for path in write_hsba_samples(args.out):
        print(path)
    print(write_claim_sample(args.out))
    print(write_eprescription_sample(args.out))


if __name__ == "__main__":
    main()
