"""The chart as a FHIR R4 Bundle: the specimen chart mapped, validated, and `emr-admin export
fhir` on a real store."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as ModelError
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.core.imaging import SeriesSummary
from emr_desktop.core.records import (
    AllergyStatus,
    Correction,
    ImagingReport,
    ImagingSource,
    ImagingStudy,
    MedicationAdministration,
)
from emr_desktop.interop.fhir import SYSTEMS, chart_bundle, chart_bundle_json, validate
from emr_desktop.printing.specimen import (
    IMAGING_ID,
    PRESCRIPTION_ID,
    VISIT_ID,
    specimen_chart,
)
from emr_desktop.services import auth
from emr_desktop.services.auth import record_header
from emr_desktop.store.store import Store


def _resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def _codes(resource: dict[str, Any], field: str = "code") -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource[field].get("coding", [])}


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return chart_bundle(specimen_chart())


def test_the_specimen_chart_is_a_valid_collection_of_every_kind(bundle: dict[str, Any]) -> None:
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    kinds = Counter(r["resourceType"] for r in _resources(bundle))
    assert set(kinds) == {
        "Organization",
        "Patient",
        "Practitioner",
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "Observation",
        "ServiceRequest",
        "DiagnosticReport",
        "MedicationRequest",
        "MedicationAdministration",
        "Provenance",
    }
    assert kinds["Organization"] == kinds["Patient"] == 1
    # One Practitioner per member of staff the chart names.
    assert kinds["Practitioner"] == len(specimen_chart().staff)
    # Every reference inside the bundle points at an entry of it.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    text = json.dumps(bundle)
    references = {part.split('"', 1)[0] for part in text.split('"reference": "')[1:]}
    assert references and references <= urls
    # Ids are unique.
    assert len(urls) == len(bundle["entry"])


def test_patient_identifiers_name_and_birth(bundle: dict[str, Any]) -> None:
    (patient,) = _resources(bundle, "Patient")
    by_system = {i["system"]: i for i in patient["identifier"]}
    assert by_system[SYSTEMS["vn-cccd"]]["value"] == "001156012345"
    assert by_system[SYSTEMS["vn-bhyt"]]["value"] == "HT2010123456789"
    assert by_system[SYSTEMS["vn-bhyt"]]["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    mrn = by_system[SYSTEMS["vn-mrn"]]
    assert mrn["value"] == "2016000123"
    assert mrn["type"]["coding"][0]["code"] == "MR"
    (organization,) = _resources(bundle, "Organization")
    assert mrn["assigner"]["reference"] == f"urn:uuid:{organization['id']}"
    assert organization["identifier"] == [{"system": SYSTEMS["vn-facility-code"], "value": "35001"}]
    assert organization["name"] == "Trung tâm Y tế khu vực Kim Bảng"
    assert patient["name"] == [
        {"use": "official", "text": "Nguyễn Thị Hoà", "family": "Nguyễn", "given": ["Thị", "Hoà"]}
    ]
    assert patient["gender"] == "female"
    assert patient["birthDate"] == "1956-03-07"
    assert patient["telecom"] == [{"system": "phone", "value": "0912345678"}]


def test_a_minimal_patient_has_a_year_only_birth_and_no_card() -> None:
    bundle = chart_bundle(specimen_chart(minimal=True))
    (patient,) = _resources(bundle, "Patient")
    assert patient["birthDate"] == "1948"
    assert [i["system"] for i in patient["identifier"]] == [SYSTEMS["vn-mrn"]]
    assert "telecom" not in patient and "address" not in patient
    assert not _resources(bundle, "AllergyIntolerance")
    (organization,) = _resources(bundle, "Organization")
    assert "address" not in organization and "telecom" not in organization


def test_vital_signs_carry_loinc_and_ucum(bundle: dict[str, Any]) -> None:
    vitals = [
        o
        for o in _resources(bundle, "Observation")
        if o["category"][0]["coding"][0]["code"] == "vital-signs"
    ]
    by_loinc = {c[1]: o for o in vitals for c in _codes(o) if c[0] == "http://loinc.org"}
    assert {"8310-5", "8867-4", "9279-1", "85354-9", "59408-5", "29463-7"} <= set(by_loinc)
    temperature = by_loinc["8310-5"]["valueQuantity"]
    assert temperature["system"] == "http://unitsofmeasure.org"
    assert temperature["code"] == "Cel"
    panel = by_loinc["85354-9"]
    assert "valueQuantity" not in panel
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in panel["component"]}
    assert set(components) == {"8480-6", "8462-4"}
    assert {q["code"] for q in components.values()} == {"mm[Hg]"}
    assert components["8480-6"]["value"] > components["8462-4"]["value"]
    assert by_loinc["8867-4"]["valueQuantity"]["code"] == "/min"
    assert by_loinc["59408-5"]["valueQuantity"]["code"] == "%"
    assert by_loinc["29463-7"]["valueQuantity"]["code"] == "kg"


def test_lab_results_are_quantities_grouped_by_order(bundle: dict[str, Any]) -> None:
    labs = [
        o
        for o in _resources(bundle, "Observation")
        if o["category"][0]["coding"][0]["code"] == "laboratory"
    ]
    chart = specimen_chart()
    results = chart.events_of(None, "lab_result")
    assert len(labs) == len(results)
    rbc = next(o for o in labs if o["code"]["text"] == "Hồng cầu (RBC)")
    assert rbc["valueQuantity"] == {
        "value": 4.12,
        "unit": "T/L",
        "system": "http://unitsofmeasure.org",
        "code": "10*12/L",
    }
    assert rbc["referenceRange"][0]["low"]["value"] == 3.8
    assert rbc["interpretation"][0]["coding"][0]["code"] == "N"
    flagged = {o["interpretation"][0]["coding"][0]["code"] for o in labs if "interpretation" in o}
    assert flagged & {"H", "L", "A"}
    reports = [
        r
        for r in _resources(bundle, "DiagnosticReport")
        if r["category"][0]["coding"][0]["code"] == "LAB"
    ]
    observation_urls = {f"urn:uuid:{o['id']}" for o in labs if "basedOn" in o}
    grouped = {ref["reference"] for r in reports for ref in r["result"]}
    assert grouped == observation_urls
    for report in reports:
        (order,) = report["basedOn"]
        members = [
            o for o in labs if f"urn:uuid:{o['id']}" in {x["reference"] for x in report["result"]}
        ]
        assert all(m["basedOn"] == [order] for m in members)


def test_conditions_use_icd10(bundle: dict[str, Any]) -> None:
    conditions = _resources(bundle, "Condition")
    icd = "http://hl7.org/fhir/sid/icd-10"
    assert all(c["code"]["coding"][0]["system"] == icd for c in conditions)
    problems = [
        c for c in conditions if c["category"][0]["coding"][0]["code"] == "problem-list-item"
    ]
    assert {c["code"]["coding"][0]["code"] for c in problems} == {"I10", "E11.9"}
    assert all(c["onsetDateTime"] == "2016" for c in problems)
    diagnoses = [c for c in conditions if c not in problems]
    assert len(diagnoses) == len(specimen_chart().events_of(None, "diagnosis"))
    # The encounter names its diagnoses, the primary one ranked first.
    visit = next(
        e for e in _resources(bundle, "Encounter") if e["period"]["start"].startswith("2026-11-20")
    )
    assert visit["class"]["code"] == "AMB"
    assert visit["status"] == "in-progress"
    assert 1 in {d["rank"] for d in visit["diagnosis"]}


def test_medication_prescription_code_and_administrations(bundle: dict[str, Any]) -> None:
    chart = specimen_chart()
    prescription = chart.event(PRESCRIPTION_ID)
    requests = _resources(bundle, "MedicationRequest")
    today = [
        r
        for r in requests
        if r.get("groupIdentifier", {}).get("value") == getattr(prescription.body, "code", None)
    ]
    assert len(today) == len(getattr(prescription.body, "items", ()))
    assert today[0]["groupIdentifier"]["system"] == SYSTEMS["vn-prescription-code-ns"]
    inpatient = [r for r in requests if "category" in r]
    current_orders = chart.events_of(None, "medication_order")
    assert len(inpatient) == len(current_orders)
    request_urls = {f"urn:uuid:{r['id']}" for r in inpatient}
    administrations = _resources(bundle, "MedicationAdministration")
    assert administrations
    assert all(a["request"]["reference"] in request_urls for a in administrations)
    # The order marked entered in error is left out (not a current order, counted above),
    # and so is every administration of it and the administration marked in error.
    expected = [
        a
        for a in chart.events_of(None, "medication_administration")
        if isinstance(a.body, MedicationAdministration)
        and chart.latest_version(a.body.medication_order_id) is not None
    ]
    assert any(e.correction == Correction.ENTERED_IN_ERROR for e in chart.events)
    assert len(administrations) == len(expected)


def test_imaging_report_and_orders(bundle: dict[str, Any]) -> None:
    reports = [
        r
        for r in _resources(bundle, "DiagnosticReport")
        if r["category"][0]["coding"][0]["code"] == "RAD"
    ]
    (report,) = reports
    imaging = specimen_chart().event(IMAGING_ID)
    assert report["conclusion"] == getattr(imaging.body, "conclusion", None)
    assert "Đám mờ không đều" in report["text"]["div"]
    (order_ref,) = report["basedOn"]
    requests = {f"urn:uuid:{r['id']}": r for r in _resources(bundle, "ServiceRequest")}
    assert requests[order_ref["reference"]]["status"] == "completed"
    assert requests[order_ref["reference"]]["intent"] == "order"


def test_one_provenance_per_signed_event_with_its_digest(bundle: dict[str, Any]) -> None:
    chart = specimen_chart()
    provenances = _resources(bundle, "Provenance")
    by_time = {p["recorded"]: p for p in provenances}
    prescription = chart.event(PRESCRIPTION_ID)
    assert prescription.signed_at is not None and prescription.content_hash is not None
    provenance = by_time[prescription.signed_at.isoformat()]
    (signature,) = provenance["signature"]
    assert base64.b64decode(signature["data"]).hex() == prescription.content_hash
    assert len(provenance["target"]) == len(getattr(prescription.body, "items", ()))
    # Every signed event that gave resources has one: notes and movements give none, nor do
    # administrations of an order marked in error.
    mapped = [
        e
        for e in chart.current_events()
        if e.status == "signed"
        and e.kind not in ("clinical_note", "movement", "attachment")
        and not (
            isinstance(e.body, MedicationAdministration)
            and chart.latest_version(e.body.medication_order_id) is None
        )
    ]
    assert len(provenances) == len(mapped)
    assert hashlib.sha256(prescription.signed_content()).hexdigest() == prescription.content_hash


def test_drafts_are_preliminary_and_unsigned() -> None:
    bundle = chart_bundle(specimen_chart(draft_prescription=True))
    chart = specimen_chart()
    code = getattr(chart.event(PRESCRIPTION_ID).body, "code", None)
    drafts = [
        r
        for r in _resources(bundle, "MedicationRequest")
        if r.get("groupIdentifier", {}).get("value") == code
    ]
    assert drafts and {r["status"] for r in drafts} == {"draft"}
    urls = {f"urn:uuid:{r['id']}" for r in drafts}
    targets = {t["reference"] for p in _resources(bundle, "Provenance") for t in p["target"]}
    assert not urls & targets


def test_an_allergy_in_error_keeps_no_clinical_status() -> None:
    chart = specimen_chart()
    chart = replace(
        chart, allergies=(replace(chart.allergies[0], status=AllergyStatus.ENTERED_IN_ERROR),)
    )
    (allergy,) = _resources(chart_bundle(chart), "AllergyIntolerance")
    assert allergy["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in allergy
    assert allergy["criticality"] == "high"


def test_output_is_deterministic() -> None:
    assert chart_bundle_json(specimen_chart()) == chart_bundle_json(specimen_chart())


def test_validation_refuses_a_broken_resource(bundle: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(bundle))
    observation = next(e for e in broken["entry"] if e["resource"]["resourceType"] == "Observation")
    del observation["resource"]["status"]
    with pytest.raises(ModelError):
        validate(broken)


def test_the_visit_encounter_is_exported(bundle: dict[str, Any]) -> None:
    chart = specimen_chart()
    encounters = _resources(bundle, "Encounter")
    assert len(encounters) == len(chart.encounters)
    assert {e["class"]["code"] for e in encounters} == {"AMB", "IMP"}
    assert chart.encounter(VISIT_ID).attending_id is not None
    assert all("participant" in e for e in encounters)


STUDY_UID = "1.2.826.0.1.3680043.8.498.12345"


def _study(patient_id: str, header: dict[str, Any], order_id: str | None = None) -> ImagingStudy:
    return ImagingStudy(
        **header,
        patient_id=patient_id,
        study_instance_uid=STUDY_UID,
        study_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        modalities=("CR",),
        description="X-quang ngực thẳng",
        accession_number="A123",
        order_id=order_id,
        series=(SeriesSummary("1.2.826.0.1.3680043.8.498.12345.1", 1, "CR", "PA", 2),),
        source=ImagingSource.PACS,
    )


def test_imaging_studies_and_the_report_that_reads_them() -> None:
    chart = specimen_chart()
    report_event = chart.event(IMAGING_ID)
    assert isinstance(report_event.body, ImagingReport)
    header = {
        "id": "is-1",
        "facility_id": chart.patient.facility_id,
        "created_at": datetime(2026, 11, 20, 2, 5, tzinfo=UTC),
        "created_by": "u-bs-thu",
        "device_id": "dev-specimen",
    }
    chart = replace(
        chart, imaging_studies=(_study(chart.patient.id, header, report_event.body.order_id),)
    )
    bundle = chart_bundle(chart)
    (study,) = _resources(bundle, "ImagingStudy")
    assert study["identifier"][0] == {"system": "urn:dicom:uid", "value": f"urn:oid:{STUDY_UID}"}
    assert study["identifier"][1]["value"] == "A123"
    assert study["modality"] == [
        {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CR"}
    ]
    assert study["numberOfSeries"] == 1 and study["numberOfInstances"] == 2
    assert study["series"][0]["number"] == 1
    url = f"urn:uuid:{study['id']}"
    (report,) = [
        r
        for r in _resources(bundle, "DiagnosticReport")
        if r["category"][0]["coding"][0]["code"] == "RAD"
    ]
    assert report["imagingStudy"] == [{"reference": url}]
    assert study["basedOn"] == report["basedOn"]


# ------------------------------------------------------------------ emr-admin export fhir


def _audit_exports(data_dir: Path) -> list[dict[str, Any]]:
    store = Store.open(data_dir)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE action = 'document.export' ORDER BY seq"
            ).all()
    finally:
        store.close()
    return [json.loads(r[0]) for r in rows]


def test_export_fhir_from_a_real_store(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    added = cli.json(
        "patient",
        "add",
        "--full-name",
        "Nguyễn Văn An",
        "--sex",
        "male",
        "--dob",
        "1985-03-07",
        "--cccd",
        "001085001234",
        "--bhyt",
        "DN4010123456789",
        "--user",
        "bs",
    )
    assert isinstance(added, dict)
    mrn = added["mrn"]
    visit = cli.json("encounter", "start", mrn, "--kind", "outpatient", "--user", "bs")
    assert isinstance(visit, dict)
    cli("vitals", mrn, "--encounter", visit["id"], "--bp", "130/85", "--sign", "--user", "bs")
    cli("diagnosis", mrn, "--icd10", "J20.9", "--sign", "--user", "bs")
    # A study of the chart, as the PACS query would record it (the chart export lists it).
    store = Store.open(cli.data_dir)
    try:
        session = auth.login(store, "bs", "doctor-password-1")
        with store.unit_of_work(user_id=session.user_id) as uow:
            uow.add(_study(added["id"], record_header(store, session)))
            uow.commit()
    finally:
        store.close()
    out_file = tmp_path / "chart.json"
    out, _ = cli("export", "fhir", mrn, "--out", str(out_file), "--user", "bs")
    assert "chart.json" in out
    bundle = json.loads(out_file.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    (patient,) = _resources(bundle, "Patient")
    systems = {i["system"]: i["value"] for i in patient["identifier"]}
    assert systems[SYSTEMS["vn-cccd"]] == "001085001234"
    assert systems[SYSTEMS["vn-bhyt"]] == "DN4010123456789"
    assert systems[SYSTEMS["vn-mrn"]] == mrn
    (condition,) = _resources(bundle, "Condition")
    assert condition["code"]["coding"][0]["code"] == "J20.9"
    (panel,) = _resources(bundle, "Observation")
    assert panel["code"]["coding"][0]["code"] == "85354-9"
    assert len(_resources(bundle, "Provenance")) == 2
    (study,) = _resources(bundle, "ImagingStudy")
    assert study["identifier"][0]["value"] == f"urn:oid:{STUDY_UID}"
    # To standard output when no file is named; nothing is left beside the file.
    out, _ = cli("export", "fhir", mrn, "--user", "bs")
    assert json.loads(out)["resourceType"] == "Bundle"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".emr-export-")] == []
    exports = _audit_exports(cli.data_dir)
    assert [e["format"] for e in exports] == ["fhir+json", "fhir+json"]
    assert exports[0]["bytes"] == out_file.stat().st_size
    assert "Nguyễn" not in json.dumps(exports)


def test_export_fhir_needs_the_export_permission(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    added = cli.json(
        "patient", "add", "--full-name", "Lê Văn Bình", "--sex", "male", "--user", "bs"
    )
    assert isinstance(added, dict)
    monkeypatch.setenv("EMR_NEW_PASSWORD", "nurse-password-1")
    cli(
        "user",
        "add",
        "dd",
        "--role",
        "nurse",
        "--full-name",
        "Lê Thị Lan",
        "--user",
        "admin",
        password="admin-password-1",
    )
    out_file = tmp_path / "chart.json"
    _, err = cli(
        "export",
        "fhir",
        added["mrn"],
        "--out",
        str(out_file),
        "--user",
        "dd",
        password="nurse-password-1",
        expect=EXIT_ERROR,
    )
    assert "Error:" in err
    assert not out_file.exists()
    assert _audit_exports(cli.data_dir) == []


def test_an_unwritable_destination_exports_nothing(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    added = cli.json(
        "patient", "add", "--full-name", "Lê Văn Bình", "--sex", "male", "--user", "bs"
    )
    assert isinstance(added, dict)
    missing = tmp_path / "no-such-folder" / "chart.json"
    _, err = cli(
        "export", "fhir", added["mrn"], "--out", str(missing), "--user", "bs", expect=EXIT_ERROR
    )
    assert "destination: Không ghi được tệp" in err
    assert not missing.parent.exists()
    # No audit row of an export that did not happen.
    assert _audit_exports(cli.data_dir) == []
