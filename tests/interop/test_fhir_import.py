"""Reading a FHIR Bundle from another facility (`interop.fhir_import`), and the round trip on
the pure level: chart → Bundle 1 → external records of another chart → Bundle 2."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import SeriesSummary
from emr_desktop.core.records import (
    ClinicalEvent,
    EventStatus,
    ExternalRecord,
    ImagingReport,
    ImagingSource,
    ImagingStudy,
    Patient,
)
from emr_desktop.interop.fhir import SYSTEMS, chart_bundle, validate
from emr_desktop.interop.fhir_import import (
    CLINICAL_TYPES,
    external_record,
    parse_bundle,
    record_id,
)
from emr_desktop.printing.specimen import IMAGING_ID, specimen_chart

#: Resource types that are context of a Bundle, not clinical content.
_CONTEXT = {"Patient", "Practitioner", "Organization", "Provenance"}
_TAG = {"system": SYSTEMS["local-tag"], "code": "external", "display": "Hồ sơ từ cơ sở khác"}
IMPORTED_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _without_references(value: Any) -> Any:
    """The value with every Reference's target replaced by a mark (ids differ by design)."""
    if isinstance(value, list):
        return [_without_references(v) for v in value]
    if not isinstance(value, dict):
        return value
    found = {k: _without_references(v) for k, v in value.items()}
    if "reference" in found:
        found["reference"] = "→"
    return found


def clinical_content(bundle: dict[str, Any], *, external_only: bool = False) -> Counter[str]:
    """A Bundle's clinical content, the measure of "the same" in the round trip.

    Every resource but the context ones (Patient, Practitioner, Organization, Provenance),
    as canonical JSON without its `id` and `meta`, with every reference's target replaced by
    a mark: the coded concepts, values and units, times, statuses, narrative, the shape of
    the references — everything the source wrote about the patient's care. `external_only`:
    only resources tagged "external".
    """
    found: Counter[str] = Counter()
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        if resource["resourceType"] in _CONTEXT:
            continue
        if external_only and _TAG not in resource.get("meta", {}).get("tag", []):
            continue
        resource.pop("id", None)
        resource.pop("meta", None)
        found[json.dumps(_without_references(resource), sort_keys=True, ensure_ascii=False)] += 1
    return found


def rich_chart() -> ChartExtract:
    """The specimen chart with its imaging study: every kind the export handles."""
    chart = specimen_chart()
    report = chart.event(IMAGING_ID)
    assert isinstance(report.body, ImagingReport)
    study = ImagingStudy(
        id="is-1",
        facility_id=chart.patient.facility_id,
        created_at=datetime(2026, 11, 20, 2, 5, tzinfo=UTC),
        created_by=report.created_by,
        device_id="dev-1",
        patient_id=chart.patient.id,
        study_instance_uid="1.2.826.0.1.3680043.8.498.12345",
        study_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        modalities=("CR",),
        description="X-quang ngực thẳng",
        order_id=report.body.order_id,
        series=(SeriesSummary("1.2.826.0.1.3680043.8.498.12345.1", 1, "CR", "PA", 2),),
        source=ImagingSource.PACS,
    )
    return replace(chart, imaging_studies=(study,))


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return chart_bundle(rich_chart())


def _text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False)


def imported_chart(data: str, patient: Patient, importer: str = "u-import") -> ChartExtract:
    """Another facility's chart holding the Bundle's records as external records."""
    parsed = parse_bundle(data)
    events = []
    for item in parsed.items:
        body = external_record(parsed, item, patient_id=patient.id, imported_at=IMPORTED_AT)
        event = ClinicalEvent(
            id=record_id(patient.id, parsed.source.identity, item),
            facility_id=patient.facility_id,
            patient_id=patient.id,
            encounter_id=None,
            effective_at=item.effective_at or IMPORTED_AT,
            created_at=IMPORTED_AT,
            created_by=importer,
            device_id="dev-b",
            body=body,
        )
        events.append(
            replace(
                event,
                status=EventStatus.SIGNED,
                signed_by=importer,
                signed_at=IMPORTED_AT,
                content_hash=event.content_digest(),
            )
        )
    base = specimen_chart(minimal=True)
    return replace(
        base,
        letterhead=replace(base.letterhead, facility_code="70001", facility_name="TTYT huyện B"),
        patient=patient,
        allergies=(),
        problems=(),
        encounters=(),
        events=tuple(sorted(events, key=lambda e: (e.effective_at, e.id))),
        staff={importer: "Đỗ Thị Hằng"},
        imaging_studies=(),
    )


def _patient_b() -> Patient:
    return Patient(
        id="p-b",
        facility_id="f-b",
        created_at=IMPORTED_AT,
        created_by="u-import",
        device_id="dev-b",
        mrn="B0001",
        full_name="Nguyễn Thị Hoà",
        sex="female",
        cccd="001156012345",
    )


# --------------------------------------------------------------------------- reading


def test_a_bundle_is_read_with_its_patient_source_and_every_clinical_resource(
    bundle: dict[str, Any],
) -> None:
    parsed = parse_bundle(_text(bundle))
    assert parsed.patient.cccd == "001156012345"
    assert parsed.patient.bhyt == "HT2010123456789"
    assert parsed.patient.mrn == "2016000123"
    assert parsed.patient.name == "Nguyễn Thị Hoà"
    assert parsed.patient.birth_date == "1956-03-07"
    assert parsed.source.name == "Trung tâm Y tế khu vực Kim Bảng"
    assert parsed.source.facility_code == "35001"
    assert parsed.source.identity == f"{SYSTEMS['vn-facility-code']}|35001"
    clinical = [e["resource"] for e in bundle["entry"]]
    wanted = Counter(r["resourceType"] for r in clinical if r["resourceType"] in CLINICAL_TYPES)
    assert parsed.counts() == dict(wanted)
    assert set(wanted) >= {
        "Encounter",
        "Condition",
        "Observation",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationAdministration",
        "ServiceRequest",
        "DiagnosticReport",
        "ImagingStudy",
    }
    assert parsed.skipped == ()


def test_items_carry_summary_date_and_the_signer_from_their_provenance(
    bundle: dict[str, Any],
) -> None:
    parsed = parse_bundle(_text(bundle))
    chart = rich_chart()
    signed = {e.id: e for e in chart.events if e.status == EventStatus.SIGNED}
    source = next(e for e in chart.events if getattr(e.body, "icd10", None) == "J18.9")
    (pneumonia,) = [
        i
        for i in parsed.items
        if i.resource_type == "Condition"
        and "J18.9" in i.summary
        and i.effective_at == source.effective_at
    ]
    assert pneumonia.summary.startswith("Chẩn đoán/bệnh: J18.9")
    assert pneumonia.clinical_date == source.effective_at.isoformat()
    assert pneumonia.effective_at == source.effective_at
    assert pneumonia.author == chart.staff[source.signed_by or ""]
    assert pneumonia.signed_at == signed[source.id].signed_at
    provenance = json.loads(pneumonia.provenance or "{}")
    assert provenance["resourceType"] == "Provenance"
    # The references are resolved: the patient, its encounter and itself (its Provenance's
    # target), the people named.
    targets = Counter(r.target for r in pneumonia.references)
    assert targets["patient"] == 1 and targets["record"] == 2 and targets["party"] >= 1
    # Vital signs are named and measured as a Vietnamese chart writes them (today's visit).
    pressure = [i for i in parsed.items if "85354-9" in i.resource][-1]
    assert pressure.summary == "Kết quả/chỉ số: Huyết áp: 150/90 mmHg"
    temperature = [i for i in parsed.items if "8310-5" in i.resource][-1]
    assert temperature.summary == "Kết quả/chỉ số: Nhiệt độ: 37,8 °C"
    allergy = next(i for i in parsed.items if i.resource_type == "AllergyIntolerance")
    assert "Penicilin" in allergy.summary


def test_unknown_identifier_systems_are_accepted_by_value(bundle: dict[str, Any]) -> None:
    changed = copy.deepcopy(bundle)
    patient = next(
        e["resource"] for e in changed["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    patient["identifier"] = [
        {"system": "urn:oid:2.16.704.0.1", "value": "001156012345"},
        {"system": "http://baohiemxahoi.gov.vn/the", "value": "HT2010123456789"},
        {"value": "ABC"},
    ]
    parsed = parse_bundle(_text(changed))
    assert parsed.patient.cccd == "001156012345"
    assert parsed.patient.bhyt == "HT2010123456789"
    assert parsed.patient.mrn is None
    assert ("", "ABC") in parsed.patient.identifiers


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ("{not json", "file", "json"),
        ('{"resourceType": "Patient", "id": "x"}', "resourceType", "bundle"),
        ("[1, 2]", "resourceType", "bundle"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": [{}]}', "entry[0]", "resource"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": '
            '[{"resource": {"resourceType": "Nonsense"}}]}',
            "entry[0]",
            "fhir_invalid",
        ),
        ('{"resourceType": "Bundle", "timestamp": "yesterday"}', "Bundle", "fhir_invalid"),
        ('{"resourceType": "Bundle", "type": "collection"}', "Patient", "one_patient"),
    ],
)
def test_bad_files_are_refused_naming_the_field(data: str, field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_bundle(data)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert caught.value.message_vi and caught.value.message_en


def test_an_invalid_resource_is_refused_naming_its_entry_and_type(bundle: dict[str, Any]) -> None:
    broken = copy.deepcopy(bundle)
    position = next(
        n for n, e in enumerate(broken["entry"]) if e["resource"]["resourceType"] == "Observation"
    )
    broken["entry"][position]["resource"]["status"] = 42
    with pytest.raises(ValidationError) as caught:
        parse_bundle(_text(broken))
    assert caught.value.field == f"entry[{position}]"
    assert caught.value.rule == "fhir_invalid"
    assert f"entry[{position}] (Observation)" in caught.value.message_vi
    assert f"Entry {position} (Observation)" in caught.value.message_en
    assert "status" in caught.value.message_en


def test_a_bundle_with_nothing_clinical_is_refused(bundle: dict[str, Any]) -> None:
    bare = {
        **bundle,
        "entry": [e for e in bundle["entry"] if e["resource"]["resourceType"] in _CONTEXT],
    }
    with pytest.raises(ValidationError) as caught:
        parse_bundle(_text(bare))
    assert (caught.value.field, caught.value.rule) == ("entry", "empty")


def test_record_ids_are_deterministic_per_chart_and_content(bundle: dict[str, Any]) -> None:
    first, again = parse_bundle(_text(bundle)), parse_bundle(_text(bundle))
    identity = first.source.identity
    ids = [record_id("p-b", identity, i) for i in first.items]
    assert ids == [record_id("p-b", identity, i) for i in again.items]
    assert len(set(ids)) == len(ids)
    # Another chart gets other ids; a resource changed at the source gets another id.
    assert not set(ids) & {record_id("p-c", identity, i) for i in first.items}
    changed = copy.deepcopy(bundle)
    condition = next(
        e["resource"] for e in changed["entry"] if e["resource"]["resourceType"] == "Condition"
    )
    condition["code"]["text"] = "Đổi ở nơi gửi"
    moved = parse_bundle(_text(changed))
    differing = [
        (a.source_resource, b.source_resource)
        for a, b in zip(first.items, moved.items, strict=True)
        if record_id("p-b", identity, a) != record_id("p-b", identity, b)
    ]
    assert len(differing) == 1 and differing[0][0] == differing[0][1]


# --------------------------------------------------------------------------- round trip


def test_export_import_export_keeps_the_clinical_content(bundle: dict[str, Any]) -> None:
    chart_b = imported_chart(_text(bundle), _patient_b())
    second = chart_bundle(chart_b)
    validate(second)
    Bundle.model_validate(second)
    assert clinical_content(second, external_only=True) == clinical_content(bundle)
    # Nothing else clinical is in chart B's export; every reference resolves inside it.
    assert clinical_content(second) == clinical_content(bundle)
    urls = {e["fullUrl"] for e in second["entry"]}
    text = json.dumps(second)
    references = {part.split('"', 1)[0] for part in text.split('"reference": "')[1:]}
    assert references and references <= urls
    assert len(urls) == len(second["entry"])
    (patient,) = [
        e["resource"] for e in second["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert patient["identifier"][0]["value"] == "B0001"


def test_external_resources_carry_their_source_and_an_import_provenance(
    bundle: dict[str, Any],
) -> None:
    chart_b = imported_chart(_text(bundle), _patient_b())
    second = chart_bundle(chart_b)
    resources = [e["resource"] for e in second["entry"]]
    external = [r for r in resources if _TAG in r.get("meta", {}).get("tag", [])]
    assert len(external) == sum(1 for e in chart_b.events)
    assert {r["meta"]["source"] for r in external} == {f"urn:uuid:{bundle['id']}"}
    provenances = [r for r in resources if r["resourceType"] == "Provenance"]
    assert len(provenances) == len(external)
    by_target = {p["target"][0]["reference"]: p for p in provenances}
    organizations = {
        f"urn:uuid:{r['id']}": r for r in resources if r["resourceType"] == "Organization"
    }
    source = next(
        o for o in organizations.values() if o["name"] == "Trung tâm Y tế khu vực Kim Bảng"
    )
    assert source["identifier"] == [{"system": SYSTEMS["vn-facility-code"], "value": "35001"}]
    for resource in external:
        provenance = by_target[f"urn:uuid:{resource['id']}"]
        assert provenance["activity"]["coding"][0]["code"] == "import"
        (entity,) = provenance["entity"]
        assert entity["role"] == "source"
        assert entity["what"]["identifier"]["value"] == f"urn:uuid:{bundle['id']}"
        roles = {a["type"]["coding"][0]["code"]: a["who"] for a in provenance["agent"]}
        assert organizations[roles["custodian"]["reference"]] is source
        assert roles["enterer"]["display"] == "Đỗ Thị Hằng"
        assert provenance["signature"][0]["who"] == roles["enterer"]
    # The original signer is named: the lab results were signed by their technician.
    signers = {a["who"].get("display") for p in provenances for a in p["agent"]}
    chart = rich_chart()
    assert {chart.staff[e.signed_by] for e in chart.events if e.signed_by} <= signers


def test_an_external_record_marked_in_error_drops_out_and_its_referrers_keep_a_display(
    bundle: dict[str, Any],
) -> None:
    chart_b = imported_chart(_text(bundle), _patient_b())
    condition = next(
        e
        for e in chart_b.events
        if isinstance(e.body, ExternalRecord)
        and e.body.resource_type == "Condition"
        and "J18.9" in e.body.summary
    )
    in_error = replace(
        condition,
        id="eie-1",
        corrects=condition.id,
        correction="entered_in_error",
        correction_reason="Nhập nhầm",
    )
    second = chart_bundle(replace(chart_b, events=(*chart_b.events, in_error)))
    validate(second)
    assert sum(clinical_content(second).values()) == sum(clinical_content(bundle).values()) - 1
    encounter = next(
        e["resource"]
        for e in second["entry"]
        if e["resource"]["resourceType"] == "Encounter"
        and "diagnosis" in e["resource"]
        and len(e["resource"]["diagnosis"]) == 3
    )
    conditions = [d["condition"] for d in encounter["diagnosis"]]
    assert sum(1 for c in conditions if "reference" not in c) == 1
