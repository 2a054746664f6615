"""One patient's chart as a FHIR R4 Bundle (validated with the `fhir.resources` R4B models).

The Bundle is of type ``collection``: a set of resources gathered for exchange, with no
Composition at its head and no claim to be an attested document (a ``document`` Bundle
needs a Composition authored and attested as one whole, which a chart export is not).

What is exported is the chart as a clinician reads it (`ChartExtract.current_events()`): an
amended event is exported as its latest version (an Observation or DiagnosticReport from a
signed amendment has status ``amended``); entries marked entered in error are left out, and
so are deleted allergies and problems. Allergies and problems whose own status is "entered
in error" are exported with verificationStatus ``entered-in-error``. Drafts are exported
with the FHIR status of unfinished work (``preliminary``, ``draft``).

Identifiers are stable: every resource's id is a UUID derived (UUID 5) from the kind and the
id of the record it comes from, and entries are referenced as ``urn:uuid:…``. Two exports of
the same extract give the same bytes.

Signatures: the program's signature is a logged-in clinician's attestation bound to the
SHA-256 of the event's canonical content (`ClinicalEvent.content_digest`), not a PKI
signature. Each signed event gives one Provenance: ``target`` the resources made from the
event, ``recorded`` the time of signing, the signer as the ``verifier`` agent (the author as
``author`` when another person wrote it), and one ``signature`` of type "Author's Signature"
(ASTM E1762) whose ``data`` is the base64 of the 32 raw bytes of that SHA-256 digest, with
``sigFormat`` left out because it is no signature format: a receiver can recompute the
digest from the canonical content, nothing more.

External records (`ExternalRecord`: resources imported from another facility's Bundle by
`services.fhir_import`) go out as their original resources, with their clinical content as
the source wrote it: new ids, references inside the original rewritten to this Bundle's
entries (the patient, other external records, the source Organization and the people it
named, as minimal Practitioner/Organization resources; a reference the source did not
resolve keeps its display only), `meta.source` naming the source Bundle and `meta.tag`
"external". Each gets a Provenance of its import: ``activity`` ISO 21089 "import", the
source Organization as ``custodian``, the original signer (display) as ``author``, the
importing clinician as ``enterer`` with the import's attestation signature (as above), and an
``entity`` of role ``source`` naming the source Bundle.

The identifier systems are in one table, `SYSTEMS`, in the style of the draft Vietnamese
core implementation guide (VN Core IG; NamingSystem names vn-cccd, vn-bhyt, …). The exact
URLs are NOT CONFIRMED against a published IG: they follow the
``https://fhir.hl7.org.vn/core/sid/<name>`` pattern and change here, in one place, once the
IG publishes its own.
"""

from __future__ import annotations

import base64
import html
import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from emr_desktop.core.documents import ChartExtract
from emr_desktop.core.records import (
    AbnormalFlag,
    AdministrationOutcome,
    Allergy,
    AllergyStatus,
    ClinicalEvent,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterKind,
    EventStatus,
    ExternalRecord,
    ExternalReference,
    ImagingReport,
    ImagingStudy,
    LabResult,
    MedicationAdministration,
    MedicationOrder,
    Order,
    OrderCategory,
    Prescription,
    Problem,
    ProblemStatus,
    VitalCode,
    VitalSigns,
)

_VN = "https://fhir.hl7.org.vn/core/sid"

#: Identifier and code systems, by name (VN Core IG style; the URLs are not confirmed).
SYSTEMS: dict[str, str] = {
    # Căn cước công dân: the 12-digit citizen identity number.
    "vn-cccd": f"{_VN}/cccd",
    # Chứng minh nhân dân: the older 9- or 12-digit identity card.
    "vn-cmnd": f"{_VN}/cmnd",
    # Thẻ bảo hiểm y tế: the 15-character health insurance card number.
    "vn-bhyt": f"{_VN}/bhyt",
    # Mã cơ sở khám chữa bệnh (MA_CSKCB): the 5-character facility code.
    "vn-facility-code": f"{_VN}/ma-cskcb",
    # Medical record number: unique within one facility (assigner: the facility).
    "vn-mrn": f"{_VN}/mrn",
    # The national e-prescription code (mã đơn thuốc quốc gia).
    "vn-prescription-code-ns": f"{_VN}/ma-don-thuoc",
    # The facility's own catalogues (drugs, lab tests, services): local codes.
    "local-drug": f"{_VN}/local/drug",
    "local-lab-test": f"{_VN}/local/lab-test",
    "local-service": f"{_VN}/local/service",
    # International systems.
    "icd-10": "http://hl7.org/fhir/sid/icd-10",
    "loinc": "http://loinc.org",
    "ucum": "http://unitsofmeasure.org",
    "v2-0203": "http://terminology.hl7.org/CodeSystem/v2-0203",
    "v2-0074": "http://terminology.hl7.org/CodeSystem/v2-0074",
    "act-code": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "interpretation": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
    "observation-category": "http://terminology.hl7.org/CodeSystem/observation-category",
    "condition-category": "http://terminology.hl7.org/CodeSystem/condition-category",
    "condition-clinical": "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "condition-ver-status": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    "allergy-clinical": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
    "allergy-verification": (
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
    ),
    "provenance-participant": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    "data-operation": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
    "signature-type": "urn:iso-astm:E1762-95:2013",
    "snomed": "http://snomed.info/sct",
    "dicom-uid": "urn:dicom:uid",
    "dicom-dcm": "http://dicom.nema.org/resources/ontology/DCM",
    "lifecycle": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle",
    "uri": "urn:ietf:rfc:3986",
    # This program's own tags (meta.tag): "external" marks a record from another facility.
    "local-tag": f"{_VN}/local/tag",
}

#: The namespace of the resources' UUIDs (UUID 5 of "<kind>/<record id>").
_NAMESPACE = uuid.UUID("0f6b8a52-3c1e-5b7d-9a41-6e2f0d8c7b13")

#: Vital signs: LOINC code and display, UCUM code, by `VitalCode` (systolic and diastolic
#: go into one blood pressure panel). Capillary glucose is stored in mmol/L, so it takes the
#: LOINC code of glucose in moles per volume (15074-8), not 2339-0 (mass per volume, mg/dL).
VITAL_LOINC: dict[str, tuple[str, str, str]] = {
    VitalCode.TEMPERATURE: ("8310-5", "Body temperature", "Cel"),
    VitalCode.PULSE: ("8867-4", "Heart rate", "/min"),
    VitalCode.RESPIRATORY_RATE: ("9279-1", "Respiratory rate", "/min"),
    VitalCode.SYSTOLIC: ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    VitalCode.DIASTOLIC: ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    VitalCode.SPO2: ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    VitalCode.WEIGHT: ("29463-7", "Body weight", "kg"),
    VitalCode.HEIGHT: ("8302-2", "Body height", "cm"),
    VitalCode.BLOOD_GLUCOSE: ("15074-8", "Glucose [Moles/volume] in Blood", "mmol/L"),
}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")

#: Lab units as typed → their UCUM code (units not listed go out as text only).
_LAB_UCUM: dict[str, str] = {
    "T/L": "10*12/L",
    "G/L": "10*9/L",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "mmol/L": "mmol/L",
    "µmol/L": "umol/L",
    "umol/L": "umol/L",
    "mg/dL": "mg/dL",
    "U/L": "U/L",
    "%": "%",
    "fL": "fL",
    "pg": "pg",
    "mm/h": "mm/h",
    "s": "s",
}

_INTERPRETATIONS = {
    AbnormalFlag.HIGH: ("H", "High"),
    AbnormalFlag.LOW: ("L", "Low"),
    AbnormalFlag.ABNORMAL: ("A", "Abnormal"),
    AbnormalFlag.NORMAL: ("N", "Normal"),
}

_ENCOUNTER_CLASSES = {
    EncounterKind.OUTPATIENT: ("AMB", "ambulatory"),
    EncounterKind.INPATIENT: ("IMP", "inpatient encounter"),
    EncounterKind.EMERGENCY: ("EMER", "emergency"),
}

_SERVICE_CATEGORIES = {
    OrderCategory.LAB: ("108252007", "Laboratory procedure"),
    OrderCategory.IMAGING: ("363679005", "Imaging"),
}


# ------------------------------------------------------------------ small builders


def _uuid(kind: str, record_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{record_id}"))


def _ref(kind: str, record_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_uuid(kind, record_id)}"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": SYSTEMS[system], "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)]}


def _number(value: Decimal) -> int | float:
    """A JSON number that keeps the decimal's value (FHIR decimals are JSON numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _moment(value: datetime) -> str:
    return value.isoformat()


def _narrative(*paragraphs: str) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


class _Builder:
    """Collects the resources of one export, in order, and the people they name."""

    def __init__(self, extract: ChartExtract) -> None:
        self.extract = extract
        self.entries: list[dict[str, Any]] = []
        self.practitioners: set[str] = set()
        #: Event id → the references of the resources made from it (Provenance targets).
        self.made_from: dict[str, list[dict[str, str]]] = {}
        #: The encounters exported (events of a deleted one name none).
        self.encounter_ids = {e.id for e in extract.encounters if e.deleted_at is None}
        self.organization = _ref("Organization", extract.letterhead.facility_code)
        self.patient = _ref("Patient", extract.patient.id)
        #: StudyInstanceUID → the study, for the reports that name one.
        self.studies = {
            s.study_instance_uid: s for s in extract.imaging_studies if s.deleted_at is None
        }
        #: Parties named by external records (key → entry), added after them.
        self.external_parties: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, record_id: str, resource: dict[str, Any], event_id: str = "") -> None:
        resource = {"resourceType": kind, "id": _uuid(kind, record_id), **resource}
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
        if event_id:
            self.made_from.setdefault(event_id, []).append(_ref(kind, record_id))

    def person(self, user_id: str | None) -> dict[str, Any] | None:
        """A reference to the Practitioner of a member of staff the extract names."""
        if not user_id or user_id not in self.extract.staff:
            return None
        self.practitioners.add(user_id)
        return {**_ref("Practitioner", user_id), "display": self.extract.staff[user_id]}

    def context(self, event: ClinicalEvent, name: str = "encounter") -> dict[str, Any]:
        if event.encounter_id in self.encounter_ids:
            return {name: _ref("Encounter", event.encounter_id or "")}
        return {}


def _signed(event: ClinicalEvent) -> bool:
    return event.status == EventStatus.SIGNED


def _observation_status(event: ClinicalEvent) -> str:
    if not _signed(event):
        return "preliminary"
    return "amended" if event.corrects is not None else "final"


def _request_status(event: ClinicalEvent) -> str:
    return "active" if _signed(event) else "draft"


# ------------------------------------------------------------------ the parties


def _organization(b: _Builder) -> None:
    head = b.extract.letterhead
    resource: dict[str, Any] = {
        "identifier": [{"system": SYSTEMS["vn-facility-code"], "value": head.facility_code}],
        "active": True,
        "name": head.facility_name,
    }
    if head.phone:
        resource["telecom"] = [{"system": "phone", "value": head.phone, "use": "work"}]
    if head.address:
        resource["address"] = [{"text": head.address, "country": "VN"}]
    b.add("Organization", head.facility_code, resource)


def _patient(b: _Builder) -> None:
    p = b.extract.patient
    identifiers: list[dict[str, Any]] = [
        {
            "use": "usual",
            "type": _concept("v2-0203", "MR", "Medical record number"),
            "system": SYSTEMS["vn-mrn"],
            "value": p.mrn,
            "assigner": b.organization,
        }
    ]
    if p.cccd:
        identifiers.append(
            {
                "use": "official",
                "type": _concept("v2-0203", "NI", "National unique individual identifier"),
                "system": SYSTEMS["vn-cccd"],
                "value": p.cccd,
            }
        )
    if p.cmnd:
        identifiers.append(
            {
                "use": "old",
                "type": _concept("v2-0203", "NI", "National unique individual identifier"),
                "system": SYSTEMS["vn-cmnd"],
                "value": p.cmnd,
            }
        )
    if p.bhyt_number:
        card: dict[str, Any] = {
            "use": "official",
            "type": _concept("v2-0203", "HC", "Health Card Number"),
            "system": SYSTEMS["vn-bhyt"],
            "value": p.bhyt_number,
        }
        period = {
            k: v.isoformat()
            for k, v in (("start", p.bhyt_valid_from), ("end", p.bhyt_valid_to))
            if v is not None
        }
        if period:
            card["period"] = period
        identifiers.append(card)
    family, _, given = p.full_name.partition(" ")
    name: dict[str, Any] = {"use": "official", "text": p.full_name, "family": family}
    if given:
        name["given"] = given.split()
    resource: dict[str, Any] = {
        "identifier": identifiers,
        "active": True,
        "name": [name],
        "gender": p.sex,
        "managingOrganization": b.organization,
    }
    if p.phones:
        resource["telecom"] = [{"system": "phone", "value": phone} for phone in p.phones]
    if p.date_of_birth is not None:
        resource["birthDate"] = p.date_of_birth.iso()
    if p.address:
        resource["address"] = [{"text": p.address, "country": "VN"}]
    if p.guardian_name:
        resource["contact"] = [{"name": {"text": p.guardian_name}}]
    b.add("Patient", p.id, resource)


def _practitioners(b: _Builder) -> list[dict[str, Any]]:
    entries = []
    for user_id in sorted(b.practitioners):
        resource_id = _uuid("Practitioner", user_id)
        entries.append(
            {
                "fullUrl": f"urn:uuid:{resource_id}",
                "resource": {
                    "resourceType": "Practitioner",
                    "id": resource_id,
                    "active": True,
                    "name": [{"text": b.extract.staff[user_id]}],
                },
            }
        )
    return entries


# ------------------------------------------------------------------ encounters and conditions


_ENCOUNTER_STATUS = {"in_progress": "in-progress", "finished": "finished", "cancelled": "cancelled"}


def _encounter(b: _Builder, encounter: Encounter, diagnoses: list[ClinicalEvent]) -> None:
    code, display = _ENCOUNTER_CLASSES[EncounterKind(encounter.kind)]
    period = {"start": _moment(encounter.started_at)}
    if encounter.ended_at is not None:
        period["end"] = _moment(encounter.ended_at)
    resource: dict[str, Any] = {
        "status": _ENCOUNTER_STATUS[encounter.status],
        "class": _coding("act-code", code, display),
        "subject": b.patient,
        "period": period,
        "serviceProvider": b.organization,
    }
    attending = b.person(encounter.attending_id)
    if attending is not None:
        resource["participant"] = [{"individual": attending}]
    if encounter.reason:
        resource["reasonCode"] = [{"text": encounter.reason}]
    if diagnoses:
        # The rank of a diagnosis is the encounter's, not the condition's: 1 for the primary.
        resource["diagnosis"] = [
            {
                "condition": _ref("Condition", d.id),
                "rank": 1
                if isinstance(d.body, Diagnosis) and d.body.rank == DiagnosisRank.PRIMARY
                else 2,
            }
            for d in diagnoses
        ]
    department = b.extract.departments.get(encounter.department_id or "")
    if department:
        resource["serviceType"] = {"text": department}
    b.add("Encounter", encounter.id, resource)


def _problem(b: _Builder, problem: Problem) -> None:
    resource: dict[str, Any] = {
        "category": [_concept("condition-category", "problem-list-item", "Problem List Item")],
        "code": {
            "coding": [_coding("icd-10", problem.icd10, problem.description)],
            "text": problem.description,
        },
        "subject": b.patient,
        "recordedDate": _moment(problem.created_at),
    }
    if problem.status == ProblemStatus.ENTERED_IN_ERROR:
        # A condition entered in error has no clinical status (invariant con-5).
        resource["verificationStatus"] = _concept("condition-ver-status", "entered-in-error")
    else:
        resource["clinicalStatus"] = _concept("condition-clinical", problem.status)
        resource["verificationStatus"] = _concept("condition-ver-status", "confirmed")
    if problem.onset is not None:
        resource["onsetDateTime"] = problem.onset.iso()
    recorder = b.person(problem.created_by)
    if recorder is not None:
        resource["recorder"] = recorder
    b.add("Condition", problem.id, resource)


def _diagnosis(b: _Builder, event: ClinicalEvent, body: Diagnosis) -> None:
    coding = _coding("icd-10", body.icd10, body.description)
    resource: dict[str, Any] = {
        "verificationStatus": _concept(
            "condition-ver-status", "confirmed" if _signed(event) else "provisional"
        ),
        "category": [_concept("condition-category", "encounter-diagnosis", "Encounter Diagnosis")],
        "code": {"coding": [coding], **({"text": body.description} if body.description else {})},
        "subject": b.patient,
        **b.context(event),
        "recordedDate": _moment(event.effective_at),
    }
    recorder = b.person(event.created_by)
    if recorder is not None:
        resource["recorder"] = recorder
    b.add("Condition", event.id, resource, event.id)


def _allergy(b: _Builder, allergy: Allergy) -> None:
    resource: dict[str, Any] = {
        "code": {"text": allergy.substance},
        "patient": b.patient,
        "recordedDate": _moment(allergy.created_at),
        "criticality": "high" if allergy.severity == "severe" else "low",
    }
    if allergy.status == AllergyStatus.ENTERED_IN_ERROR:
        resource["verificationStatus"] = _concept("allergy-verification", "entered-in-error")
    else:
        resource["clinicalStatus"] = _concept("allergy-clinical", allergy.status)
        resource["verificationStatus"] = _concept("allergy-verification", "confirmed")
    if allergy.drug_code:
        resource["category"] = ["medication"]
        resource["code"]["coding"] = [_coding("local-drug", allergy.drug_code, allergy.substance)]
    if allergy.reaction:
        resource["reaction"] = [
            {"manifestation": [{"text": allergy.reaction}], "severity": allergy.severity}
        ]
    recorder = b.person(allergy.created_by)
    if recorder is not None:
        resource["recorder"] = recorder
    b.add("AllergyIntolerance", allergy.id, resource)


# ------------------------------------------------------------------ observations


def _vitals(b: _Builder, event: ClinicalEvent, body: VitalSigns) -> None:
    common: dict[str, Any] = {
        "status": _observation_status(event),
        "category": [_concept("observation-category", "vital-signs", "Vital Signs")],
        "subject": b.patient,
        **b.context(event),
        "effectiveDateTime": _moment(event.effective_at),
    }
    performer = b.person(event.created_by)
    if performer is not None:
        common["performer"] = [performer]

    def quantity(code: str, value: Decimal) -> dict[str, Any]:
        ucum = VITAL_LOINC[code][2]
        return {"value": _number(value), "unit": ucum, "system": SYSTEMS["ucum"], "code": ucum}

    systolic, diastolic = body.value(VitalCode.SYSTOLIC), body.value(VitalCode.DIASTOLIC)
    for m in body.measurements:
        if m.code in (VitalCode.SYSTOLIC, VitalCode.DIASTOLIC) and (
            systolic is not None and diastolic is not None
        ):
            if m.code == VitalCode.DIASTOLIC:
                continue
            components = [
                {
                    "code": _concept("loinc", *VITAL_LOINC[code][:2]),
                    "valueQuantity": quantity(code, v),
                }
                for code, v in ((VitalCode.SYSTOLIC, systolic), (VitalCode.DIASTOLIC, diastolic))
            ]
            resource = {**common, "code": _concept("loinc", *BP_PANEL), "component": components}
            b.add("Observation", f"{event.id}/blood_pressure", resource, event.id)
            continue
        loinc, display, _ = VITAL_LOINC[m.code]
        resource = {
            **common,
            "code": _concept("loinc", loinc, display),
            "valueQuantity": quantity(m.code, m.value),
        }
        b.add("Observation", f"{event.id}/{m.code}", resource, event.id)


def _lab_quantity(value: Decimal, unit: str | None) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": _number(value)}
    if unit:
        quantity["unit"] = unit
        if unit in _LAB_UCUM:
            quantity["system"] = SYSTEMS["ucum"]
            quantity["code"] = _LAB_UCUM[unit]
    return quantity


def _lab_result(b: _Builder, event: ClinicalEvent, body: LabResult) -> None:
    codings = []
    if body.loinc:
        codings.append(_coding("loinc", body.loinc))
    codings.append(_coding("local-lab-test", body.test_code, body.test_name))
    resource: dict[str, Any] = {
        "status": _observation_status(event),
        "category": [_concept("observation-category", "laboratory", "Laboratory")],
        "code": {"coding": codings, "text": body.test_name},
        "subject": b.patient,
        **b.context(event),
        "effectiveDateTime": _moment(event.effective_at),
    }
    order = _current_order(b, body.order_id)
    if order is not None:
        resource["basedOn"] = [_ref("ServiceRequest", order.id)]
    performer = b.person(event.created_by)
    if performer is not None:
        resource["performer"] = [performer]
    number = body.numeric_value()
    if number is not None:
        resource["valueQuantity"] = _lab_quantity(number, body.unit)
    else:
        resource["valueString"] = body.value
    if body.flag in _INTERPRETATIONS:
        code, display = _INTERPRETATIONS[AbnormalFlag(body.flag)]
        resource["interpretation"] = [_concept("interpretation", code, display)]
    reference: dict[str, Any] = {}
    if body.ref_low is not None:
        reference["low"] = _lab_quantity(body.ref_low, body.unit)
    if body.ref_high is not None:
        reference["high"] = _lab_quantity(body.ref_high, body.unit)
    if body.ref_text:
        reference["text"] = body.ref_text
    if reference:
        resource["referenceRange"] = [reference]
    b.add("Observation", event.id, resource, event.id)


def _current_order(b: _Builder, order_id: str | None) -> ClinicalEvent | None:
    """The current version of the order an event answers, if the chart still has it."""
    if order_id is None:
        return None
    order = b.extract.latest_version(order_id)
    return order if order is not None and isinstance(order.body, Order) else None


# ------------------------------------------------------------------ orders and reports


def _service_code(code: str, name: str) -> dict[str, Any]:
    return {"coding": [_coding("local-service", code, name)], "text": name}


def _service_request(b: _Builder, event: ClinicalEvent, body: Order, answered: set[str]) -> None:
    if not _signed(event):
        status = "draft"
    elif event.id in answered:
        status = "completed"
    else:
        status = "active"
    resource: dict[str, Any] = {
        "status": status,
        "intent": "order",
        "priority": body.priority,
        "code": _service_code(body.service_code, body.service_name),
        "subject": b.patient,
        **b.context(event),
        "authoredOn": _moment(event.effective_at),
    }
    category = _SERVICE_CATEGORIES.get(OrderCategory(body.category))
    if category is not None:
        resource["category"] = [_concept("snomed", *category)]
    requester = b.person(event.created_by)
    if requester is not None:
        resource["requester"] = requester
    if body.indication:
        resource["reasonCode"] = [{"text": body.indication}]
    b.add("ServiceRequest", event.id, resource, event.id)


def _imaging_report(b: _Builder, event: ClinicalEvent, body: ImagingReport) -> None:
    resource: dict[str, Any] = {
        "text": _narrative(body.findings, body.conclusion),
        "status": _observation_status(event),
        "category": [_concept("v2-0074", "RAD", "Radiology")],
        "code": {"coding": [_coding("local-service", body.service_code)]},
        "subject": b.patient,
        **b.context(event),
        "effectiveDateTime": _moment(event.effective_at),
        "conclusion": body.conclusion,
    }
    order = _current_order(b, body.order_id)
    if order is not None:
        resource["basedOn"] = [_ref("ServiceRequest", order.id)]
        assert isinstance(order.body, Order)
        resource["code"] = _service_code(order.body.service_code, order.body.service_name)
    study = b.studies.get(body.study_instance_uid or "")
    if study is not None:
        resource["imagingStudy"] = [_ref("ImagingStudy", study.id)]
    performer = b.person(event.signed_by or event.created_by)
    if performer is not None:
        resource["resultsInterpreter"] = [performer]
    b.add("DiagnosticReport", event.id, resource, event.id)


def _lab_reports(b: _Builder, events: list[ClinicalEvent]) -> None:
    """One DiagnosticReport per lab order with results, in the order of the orders."""
    results: dict[str, list[ClinicalEvent]] = {}
    orders: dict[str, ClinicalEvent] = {}
    for event in events:
        if isinstance(event.body, LabResult):
            order = _current_order(b, event.body.order_id)
            if order is not None:
                orders[order.id] = order
                results.setdefault(order.id, []).append(event)
    for order_id in sorted(orders, key=lambda i: (orders[i].effective_at, i)):
        order, found = orders[order_id], results[order_id]
        assert isinstance(order.body, Order)
        final = all(_signed(e) for e in found)
        resource: dict[str, Any] = {
            "basedOn": [_ref("ServiceRequest", order.id)],
            "status": "final" if final else "partial",
            "category": [_concept("v2-0074", "LAB", "Laboratory")],
            "code": _service_code(order.body.service_code, order.body.service_name),
            "subject": b.patient,
            **b.context(order),
            "effectiveDateTime": _moment(max(e.effective_at for e in found)),
            "result": [_ref("Observation", e.id) for e in found],
        }
        b.add("DiagnosticReport", f"lab/{order.id}", resource)


def _imaging_study(b: _Builder, study: ImagingStudy) -> None:
    resource: dict[str, Any] = {
        "identifier": [
            {"system": SYSTEMS["dicom-uid"], "value": f"urn:oid:{study.study_instance_uid}"}
        ],
        "status": "available",
        "subject": b.patient,
    }
    if study.accession_number:
        resource["identifier"].append(
            {
                "type": _concept("v2-0203", "ACSN", "Accession ID"),
                "value": study.accession_number,
            }
        )
    if study.modalities:
        resource["modality"] = [_coding("dicom-dcm", m) for m in study.modalities]
    if study.study_at is not None:
        resource["started"] = _moment(study.study_at)
    order = _current_order(b, study.order_id)
    if order is not None:
        resource["basedOn"] = [_ref("ServiceRequest", order.id)]
    if study.description:
        resource["description"] = study.description
    if study.series:
        resource["numberOfSeries"] = len(study.series)
        resource["numberOfInstances"] = sum(s.instances for s in study.series)
        resource["series"] = []
        for series in study.series:
            entry: dict[str, Any] = {
                "uid": series.series_instance_uid,
                "modality": _coding("dicom-dcm", series.modality),
                "numberOfInstances": series.instances,
            }
            if series.number is not None:
                entry["number"] = series.number
            if series.description:
                entry["description"] = series.description
            resource["series"].append(entry)
    b.add("ImagingStudy", study.id, resource)


# ------------------------------------------------------------------ medication


def _drug(code: str, name: str) -> dict[str, Any]:
    return {"coding": [_coding("local-drug", code, name)], "text": name}


def _prescription(b: _Builder, event: ClinicalEvent, body: Prescription) -> None:
    common: dict[str, Any] = {
        "status": _request_status(event),
        "intent": "order",
        "subject": b.patient,
        **b.context(event),
        "authoredOn": _moment(event.effective_at),
    }
    if body.code:
        code = {"system": SYSTEMS["vn-prescription-code-ns"], "value": body.code}
        common["identifier"] = [code]
        common["groupIdentifier"] = code
    requester = b.person(event.created_by)
    if requester is not None:
        common["requester"] = requester
    if body.diagnosis_codes:
        common["reasonCode"] = [_concept("icd-10", c) for c in body.diagnosis_codes]
    if body.advice:
        common["note"] = [{"text": body.advice}]
    for item in body.items:
        resource = {
            **common,
            "medicationCodeableConcept": _drug(item.drug_code, item.drug_name),
            "dosageInstruction": [{"text": item.dosage, "route": {"text": item.route}}],
            "dispenseRequest": {
                "quantity": {"value": _number(item.quantity), "unit": item.unit},
                "expectedSupplyDuration": {
                    "value": item.days,
                    "unit": "d",
                    "system": SYSTEMS["ucum"],
                    "code": "d",
                },
            },
        }
        b.add("MedicationRequest", f"{event.id}/{item.drug_code}", resource, event.id)


def _medication_order(b: _Builder, event: ClinicalEvent, body: MedicationOrder) -> None:
    last_day = body.start_date + timedelta(days=body.days - 1)
    dosage: dict[str, Any] = {
        "timing": {
            "repeat": {
                "boundsPeriod": {"start": body.start_date.isoformat(), "end": last_day.isoformat()}
            }
        },
        "asNeededBoolean": body.as_needed,
        "route": {"text": body.route},
        "doseAndRate": [{"doseQuantity": {"value": _number(body.dose), "unit": body.dose_unit}}],
    }
    if body.times:
        dosage["timing"]["repeat"]["timeOfDay"] = [f"{t}:00" for t in body.times]
    if body.instructions:
        dosage["text"] = body.instructions
    resource: dict[str, Any] = {
        "status": _request_status(event),
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                        "code": "inpatient",
                    }
                ]
            }
        ],
        "medicationCodeableConcept": _drug(body.drug_code, body.drug_name),
        "subject": b.patient,
        **b.context(event),
        "authoredOn": _moment(event.effective_at),
        "dosageInstruction": [dosage],
    }
    requester = b.person(event.created_by)
    if requester is not None:
        resource["requester"] = requester
    b.add("MedicationRequest", event.id, resource, event.id)


def _administration(b: _Builder, event: ClinicalEvent, body: MedicationAdministration) -> None:
    order = b.extract.latest_version(body.medication_order_id)
    if order is None or not isinstance(order.body, MedicationOrder):
        # The order was marked entered in error (or is not in the chart): what was given
        # cannot be named, so the administration is left out with it.
        return
    given = body.outcome == AdministrationOutcome.GIVEN
    resource: dict[str, Any] = {
        "status": "completed" if given else "not-done",
        "medicationCodeableConcept": _drug(order.body.drug_code, order.body.drug_name),
        "subject": b.patient,
        **b.context(event, "context"),
        "effectiveDateTime": _moment(event.effective_at),
        "request": _ref("MedicationRequest", order.id),
    }
    if not given:
        resource["statusReason"] = [{"text": f"{body.outcome}: {body.reason or ''}".strip()}]
    performer = b.person(event.created_by)
    if performer is not None:
        resource["performer"] = [{"actor": performer}]
    if given and body.dose is not None:
        dosage: dict[str, Any] = {"dose": {"value": _number(body.dose), "unit": body.dose_unit}}
        if body.route:
            dosage["route"] = {"text": body.route}
        if body.site:
            dosage["site"] = {"text": body.site}
        resource["dosage"] = dosage
    b.add("MedicationAdministration", event.id, resource, event.id)


# ------------------------------------------------------------------ provenance


def _provenance(b: _Builder, event: ClinicalEvent) -> None:
    targets = b.made_from.get(event.id)
    if not targets or not _signed(event) or event.signed_at is None:
        return
    signer = b.person(event.signed_by)
    if signer is None:
        return
    agents: list[dict[str, Any]] = []
    author = b.person(event.created_by)
    if author is not None and event.created_by != event.signed_by:
        agents.append(
            {"type": _concept("provenance-participant", "author", "Author"), "who": author}
        )
    agents.append(
        {"type": _concept("provenance-participant", "verifier", "Verifier"), "who": signer}
    )
    operation = "UPDATE" if event.corrects is not None else "CREATE"
    digest = base64.b64encode(bytes.fromhex(event.content_hash or "")).decode("ascii")
    resource: dict[str, Any] = {
        "target": targets,
        "occurredDateTime": _moment(event.effective_at),
        "recorded": _moment(event.signed_at),
        "activity": _concept("data-operation", operation),
        "agent": agents,
        "signature": [
            {
                "type": [_coding("signature-type", "1.2.840.10065.1.12.1.1", "Author's Signature")],
                "when": _moment(event.signed_at),
                "who": signer,
                "targetFormat": "application/json",
                "data": digest,
            }
        ],
    }
    if event.correction_reason:
        resource["reason"] = [{"text": event.correction_reason}]
    b.add("Provenance", event.id, resource)


# ------------------------------------------------------------------ external records


def _external_id(event: ClinicalEvent) -> tuple[str, str]:
    assert isinstance(event.body, ExternalRecord)
    return event.body.resource_type, f"external/{event.id}"


def _source_uri(body: ExternalRecord) -> str:
    """The source Bundle as a URI: its own id when that is a UUID, else one derived from it."""
    try:
        return f"urn:uuid:{uuid.UUID(body.source_bundle_id or '')}"
    except ValueError:
        name = f"external-bundle/{body.source_identity}/{body.source_bundle_id or ''}"
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"


def _external_party(
    b: _Builder, kind: str, key: str, name: str, identifier: str | None
) -> dict[str, str]:
    """A reference to a minimal Practitioner or Organization the source named (once)."""
    reference = _ref(kind, key)
    if key not in b.external_parties:
        resource: dict[str, Any] = {"resourceType": kind, "id": _uuid(kind, key)}
        if identifier:
            system, _, value = identifier.partition("|")
            resource["identifier"] = [
                {"system": system, "value": value} if system else {"value": value}
            ]
        resource["name"] = name if kind == "Organization" else [{"text": name}]
        b.external_parties[key] = {"fullUrl": reference["reference"], "resource": resource}
    return reference


def _source_organization(b: _Builder, body: ExternalRecord) -> dict[str, str]:
    return _external_party(
        b,
        "Organization",
        f"external-source/{body.source_identity}",
        body.source_name,
        body.source_identifier,
    )


def _resolved(b: _Builder, body: ExternalRecord, link: ExternalReference) -> str | None:
    """What a reference of an external resource points at in this Bundle (None: nothing)."""
    if link.target == "patient":
        return b.patient["reference"]
    if link.target == "source":
        return _source_organization(b, body)["reference"]
    if link.target == "record":
        current = b.extract.latest_version(link.record_id or "")
        if current is None or not isinstance(current.body, ExternalRecord):
            return None
        return _ref(*_external_id(current))["reference"]
    if link.target == "party" and link.resource_type in ("Practitioner", "Organization"):
        key = f"external-party/{body.source_identity}/{link.reference}"
        name = link.display or link.reference
        return _external_party(b, link.resource_type, key, name, link.identifier)["reference"]
    return None


def _rewrite(value: Any, links: dict[str, str | None]) -> Any:
    if isinstance(value, list):
        return [_rewrite(v, links) for v in value]
    if not isinstance(value, dict):
        return value
    copy = {k: _rewrite(v, links) for k, v in value.items()}
    reference = copy.get("reference")
    if isinstance(reference, str) and not reference.startswith("#"):
        target = links.get(reference)
        if target is not None:
            copy["reference"] = target
        else:
            # Not in this Bundle: what the source called it stays readable.
            del copy["reference"]
            if not copy:
                copy["display"] = reference
    return copy


def _external_record(b: _Builder, event: ClinicalEvent, body: ExternalRecord) -> None:
    original = json.loads(body.resource)
    links = {link.reference: _resolved(b, body, link) for link in body.references}
    resource = _rewrite(original, links)
    resource.pop("id", None)
    resource.pop("resourceType", None)
    meta = {
        k: v for k, v in resource.get("meta", {}).items() if k not in ("versionId", "lastUpdated")
    }
    meta["source"] = _source_uri(body)
    meta["tag"] = [
        *meta.get("tag", []),
        {"system": SYSTEMS["local-tag"], "code": "external", "display": "Hồ sơ từ cơ sở khác"},
    ]
    resource["meta"] = meta
    kind, key = _external_id(event)
    b.add(kind, key, resource)


def _external_provenance(b: _Builder, event: ClinicalEvent, body: ExternalRecord) -> None:
    source = _source_organization(b, body)
    agents: list[dict[str, Any]] = [
        {"type": _concept("provenance-participant", "custodian", "Custodian"), "who": source}
    ]
    if body.source_author:
        agents.append(
            {
                "type": _concept("provenance-participant", "author", "Author"),
                "who": {"display": body.source_author},
            }
        )
    importer = b.person(event.signed_by or event.created_by)
    if importer is not None:
        agents.append(
            {"type": _concept("provenance-participant", "enterer", "Enterer"), "who": importer}
        )
    described = " — ".join(
        p
        for p in (
            f"FHIR Bundle {body.source_bundle_id or ''}".strip(),
            body.source_name,
            _moment(body.source_bundle_at) if body.source_bundle_at else "",
        )
        if p
    )
    resource: dict[str, Any] = {
        "target": [_ref(*_external_id(event))],
        "recorded": _moment(event.signed_at or event.created_at),
        "activity": _concept("lifecycle", "import", "Import Record Lifecycle Event"),
        "agent": agents,
        "entity": [
            {
                "role": "source",
                "what": {
                    "identifier": {"system": SYSTEMS["uri"], "value": _source_uri(body)},
                    "display": described,
                },
            }
        ],
    }
    if body.source_signed_at is not None:
        resource["occurredDateTime"] = _moment(body.source_signed_at)
    if _signed(event) and event.signed_at is not None and importer is not None:
        digest = base64.b64encode(bytes.fromhex(event.content_hash or "")).decode("ascii")
        resource["signature"] = [
            {
                "type": [
                    _coding("signature-type", "1.2.840.10065.1.12.1.5", "Verification Signature")
                ],
                "when": _moment(event.signed_at),
                "who": importer,
                "targetFormat": "application/json",
                "data": digest,
            }
        ]
    b.add("Provenance", f"external/{event.id}", resource)


def _external_records(b: _Builder, events: list[ClinicalEvent]) -> None:
    """The external records, then one Provenance of import each, then the parties they name."""
    for event in events:
        assert isinstance(event.body, ExternalRecord)
        _external_record(b, event, event.body)
    for event in events:
        assert isinstance(event.body, ExternalRecord)
        _external_provenance(b, event, event.body)
    b.entries.extend(b.external_parties.values())


# ------------------------------------------------------------------ the bundle


def _answered_orders(b: _Builder, events: Iterable[ClinicalEvent]) -> set[str]:
    answered = set()
    for event in events:
        if isinstance(event.body, LabResult | ImagingReport):
            order = _current_order(b, event.body.order_id)
            if order is not None:
                answered.add(order.id)
    return answered


def chart_bundle(extract: ChartExtract) -> dict[str, Any]:
    """The chart as a FHIR R4 Bundle of type "collection" (plain JSON data), validated.

    Order: Organization, Patient, Practitioners (by user id), Encounters, problems and
    allergies, then the events oldest first (each giving its resources), the lab reports
    by order, the imaging studies (as the extract lists them), and one Provenance per
    signed event. Raises `pydantic.ValidationError` if a
    resource does not validate against the R4B models (a bug of this mapping, not bad input).
    """
    b = _Builder(extract)
    _organization(b)
    _patient(b)
    head = len(b.entries)
    events = extract.current_events()
    for encounter in extract.encounters:
        if encounter.deleted_at is None:
            _encounter(b, encounter, extract.events_of(encounter.id, Diagnosis.KIND))
    for problem in extract.problems:
        if problem.deleted_at is None:
            _problem(b, problem)
    for allergy in extract.allergies:
        if allergy.deleted_at is None:
            _allergy(b, allergy)
    answered = _answered_orders(b, events)
    externals: list[ClinicalEvent] = []
    for event in events:
        body = event.body
        if isinstance(body, VitalSigns):
            _vitals(b, event, body)
        elif isinstance(body, Diagnosis):
            _diagnosis(b, event, body)
        elif isinstance(body, LabResult):
            _lab_result(b, event, body)
        elif isinstance(body, Order):
            _service_request(b, event, body, answered)
        elif isinstance(body, ImagingReport):
            _imaging_report(b, event, body)
        elif isinstance(body, Prescription):
            _prescription(b, event, body)
        elif isinstance(body, MedicationOrder):
            _medication_order(b, event, body)
        elif isinstance(body, MedicationAdministration):
            _administration(b, event, body)
        elif isinstance(body, ExternalRecord):
            externals.append(event)
    _lab_reports(b, events)
    for study in b.studies.values():
        _imaging_study(b, study)
    _external_records(b, externals)
    for event in events:
        _provenance(b, event)
    entries = [*b.entries[:head], *_practitioners(b), *b.entries[head:]]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _uuid("Bundle", extract.patient.id),
        "type": "collection",
        "timestamp": _moment(extract.printed_at),
        "entry": entries,
    }
    validate(bundle)
    return bundle


def validate(bundle: dict[str, Any]) -> None:
    """Validate a Bundle and each of its resources with the fhir.resources R4B models: the
    Bundle model validates every entry's resource as the model of its resourceType (a
    second pass resource by resource finds nothing more and cost a third of the export)."""
    Bundle.model_validate(bundle)


def chart_bundle_json(extract: ChartExtract) -> str:
    """`chart_bundle` as JSON text (UTF-8 characters kept, two-space indent, LF line ends)."""
    return json.dumps(chart_bundle(extract), ensure_ascii=False, indent=2) + "\n"
