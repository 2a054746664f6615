"""A FHIR R4 Bundle from another facility, read into external records of a chart (pure).

`parse_bundle` checks the file (JSON, a Bundle, every resource valid against the
`fhir.resources` R4B models; a bad entry is refused naming its index and resource type),
reads whose chart it is (`BundlePatient`: CCCD, BHYT and MRN from `fhir.SYSTEMS`, other
systems kept by value) and where it comes from (`BundleSource`: the Patient's managing
Organization, else the only Organization of the Bundle), and turns every clinical resource
(`CLINICAL_TYPES`) into an `ExternalItem`: the original resource, a Vietnamese summary, the
clinical date, and the Provenance that targets it (who signed it at the source, when).
Patient, Practitioner, Organization and Provenance are context, not records; other types
are counted as skipped.

`ParsedBundle.records` makes the `ExternalRecord` bodies for one chart. Their event id
(`record_id`) is a UUID 5 of the chart, the source's identity, the resource's fullUrl (or
"Type/id") and the SHA-256 of its canonical JSON: importing the same file twice adds nothing
the second time, and a resource changed at the source since an earlier import gets a new id
(`services.fhir_import` writes it as an amendment of the earlier version).

Numbers are read as JSON numbers (binary floats): a decimal written with trailing zeros
("1.50") comes back as 1.5 — the same value, not the same text.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as ModelError

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.identity import validate_bhyt, validate_cccd
from emr_desktop.core.records import VITAL_SPECS, ExternalRecord, ExternalReference
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.interop.fhir import BP_PANEL, SYSTEMS, VITAL_LOINC

#: Resource types kept as external records, with their Vietnamese name.
CLINICAL_TYPES: dict[str, str] = {
    "Encounter": "Lượt khám",
    "Condition": "Chẩn đoán/bệnh",
    "Observation": "Kết quả/chỉ số",
    "AllergyIntolerance": "Dị ứng",
    "MedicationRequest": "Thuốc chỉ định",
    "MedicationAdministration": "Thực hiện thuốc",
    "ServiceRequest": "Chỉ định dịch vụ",
    "DiagnosticReport": "Phiếu kết quả",
    "ImagingStudy": "Ca chụp",
    "DocumentReference": "Tài liệu",
    "Procedure": "Thủ thuật",
}
#: Resource types read for context (who, where from), never kept as records.
CONTEXT_TYPES = frozenset({"Patient", "Practitioner", "Organization", "Provenance"})
#: Parties a reference may name: exported again as minimal resources of the same type.
PARTY_TYPES = frozenset({"Practitioner", "Organization"})

_NAMESPACE = uuid.UUID("5a0d1e36-8b7f-5c42-a1d9-3e6f2b8c4d70")
_UNKNOWN_SOURCE = "Không rõ cơ sở / unknown facility"


def _fail(field: str, rule: str, vi: str, en: str) -> ValidationError:
    return ValidationError(field, rule, vi, en)


def canonical(resource: dict[str, Any]) -> str:
    """A resource as canonical JSON text (sorted keys, no spaces, UTF-8 characters kept)."""
    return json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BundlePatient:
    """Whose chart the Bundle is, as it says (for matching; user-visible, never logged)."""

    name: str | None
    birth_date: str | None
    sex: str | None
    cccd: str | None
    bhyt: str | None
    mrn: str | None
    #: Every identifier as (system, value), known systems or not.
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BundleSource:
    """The facility the Bundle came from."""

    name: str
    #: "system|value" of its identifier, None when the Bundle does not identify it.
    identifier: str | None
    #: The 5-character facility code (MA_CSKCB) when the identifier is one.
    facility_code: str | None
    #: How records of this source are recognised in a later import.
    identity: str
    #: The references by which the Bundle names this Organization.
    references: frozenset[str]


@dataclass(frozen=True)
class ExternalItem:
    """One clinical resource of the Bundle, ready to become an external record."""

    index: int
    resource_type: str
    #: The fullUrl, else "Type/id": the resource's identity within its source.
    source_resource: str
    resource: str
    summary: str
    clinical_date: str | None
    effective_at: datetime | None
    author: str | None
    signed_at: datetime | None
    provenance: str | None
    references: tuple[ExternalReference, ...]


@dataclass(frozen=True)
class ParsedBundle:
    bundle_id: str | None
    timestamp: datetime | None
    source: BundleSource
    patient: BundlePatient
    items: tuple[ExternalItem, ...]
    #: Resource types neither imported nor context, with their counts (sorted by type).
    skipped: tuple[tuple[str, int], ...]

    def item(self, source_resource: str) -> ExternalItem | None:
        """The item of a source reference key, if the Bundle has it."""
        return self._items.get(source_resource)

    @cached_property
    def _items(self) -> dict[str, ExternalItem]:
        return {i.source_resource: i for i in self.items}

    def counts(self) -> dict[str, int]:
        """Items by resource type, in the order of `CLINICAL_TYPES`."""
        found = Counter(i.resource_type for i in self.items)
        return {kind: found[kind] for kind in CLINICAL_TYPES if found[kind]}

    def records(self, *, patient_id: str, imported_at: datetime) -> list[ExternalEntry]:
        """Every item as an external record of the chart `patient_id` (what
        `services.fhir_import` writes): its event id, when it happened (the Bundle's time
        when the resource gives none), and its body."""
        return [
            ExternalEntry(
                record_id=record_id(patient_id, self.source.identity, item),
                effective_at=item.effective_at or self.timestamp,
                body=external_record(self, item, patient_id=patient_id, imported_at=imported_at),
            )
            for item in self.items
        ]


@dataclass(frozen=True)
class ExternalEntry:
    """One external record ready to be written into a chart."""

    record_id: str
    effective_at: datetime | None
    body: ExternalRecord


# --------------------------------------------------------------------------- parsing


def _load(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _fail(
            "file",
            "json",
            "Tệp không phải JSON hợp lệ (cần một FHIR Bundle dạng JSON)",
            "The file is not valid JSON (a FHIR Bundle in JSON is expected)",
        ) from None


def _model_problem(error: ModelError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "?"
    return f"{where}: {first.get('msg', '')}"


def _check_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise _fail("entry", "list", "Bundle.entry phải là một danh sách", "Bundle.entry is a list")
    resources = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            raise _fail(
                f"entry[{index}]",
                "resource",
                f"Mục entry[{index}] không có tài nguyên FHIR (resourceType)",
                f"Entry {index} has no FHIR resource (resourceType)",
            )
        assert isinstance(resource, dict)
        try:
            get_fhir_model_class(kind).model_validate(resource)
        except ValueError as exc:
            problem = _model_problem(exc) if isinstance(exc, ModelError) else "unknown type"
            raise _fail(
                f"entry[{index}]",
                "fhir_invalid",
                f"Mục entry[{index}] ({kind}) không hợp lệ theo FHIR R4: {problem}",
                f"Entry {index} ({kind}) is not valid FHIR R4: {problem}",
            ) from None
        resources.append(resource)
    return resources


def read_bundle(path: Path) -> ParsedBundle:
    """The Bundle in the file at `path`, parsed and checked (`parse_bundle`); a file that
    cannot be read is refused on field "file", naming the file."""
    try:
        data = path.read_bytes()
    except OSError:
        raise _fail(
            "file", "read", f"Không đọc được tệp {path.name}", f"Cannot read the file {path.name}"
        ) from None
    return parse_bundle(data)


def parse_bundle(data: bytes | str) -> ParsedBundle:
    """Read and validate a FHIR R4 Bundle (JSON text); ValidationError on anything wrong.

    Refused: text that is not JSON ("file"); JSON that is not a Bundle ("resourceType");
    an entry without a resource, or whose resource does not validate ("entry[i]", naming
    the index and resource type); a Bundle envelope that does not validate ("Bundle"); a
    Bundle without exactly one Patient ("Patient"); one with nothing to import ("entry").
    """
    bundle = _load(data)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise _fail(
            "resourceType",
            "bundle",
            f"Tệp không phải FHIR Bundle (gặp {found!r})",
            f"The file is not a FHIR Bundle (found {found!r})",
        )
    resources = _check_entries(bundle)
    # The resources were validated one by one above (to name the entry at fault): the
    # envelope is validated without them, not a second time with them.
    envelope = {
        **bundle,
        "entry": [{k: v for k, v in e.items() if k != "resource"} for e in bundle.get("entry", [])],
    }
    try:
        Bundle.model_validate(envelope)
    except ModelError as exc:
        problem = _model_problem(exc)
        raise _fail(
            "Bundle",
            "fhir_invalid",
            f"Bundle không hợp lệ theo FHIR R4: {problem}",
            f"The Bundle is not valid FHIR R4: {problem}",
        ) from None
    entries = [
        (entry.get("fullUrl"), resource)
        for entry, resource in zip(bundle.get("entry", []), resources, strict=True)
    ]
    index = _Index(entries)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise _fail(
            "Patient",
            "one_patient",
            f"Bundle phải có đúng một bệnh nhân (Patient), có {len(patients)}",
            f"The Bundle must hold exactly one Patient, it holds {len(patients)}",
        )
    bundle_id = bundle.get("id")
    timestamp = _moment(bundle.get("timestamp"))
    source = _source(index, patients[0], bundle_id, bundle)
    provenances = _provenances(index, resources)
    items = []
    skipped: Counter[str] = Counter()
    for position, (full_url, resource) in enumerate(entries):
        kind = resource["resourceType"]
        if kind in CLINICAL_TYPES:
            items.append(_item(index, source, provenances, position, full_url, resource))
        elif kind not in CONTEXT_TYPES:
            skipped[kind] += 1
    if not items:
        raise _fail(
            "entry",
            "empty",
            "Bundle không có bản ghi lâm sàng nào để nhập",
            "The Bundle holds no clinical record to import",
        )
    return ParsedBundle(
        bundle_id=bundle_id,
        timestamp=timestamp,
        source=source,
        patient=_patient(patients[0]),
        items=tuple(items),
        skipped=tuple(sorted(skipped.items())),
    )


class _Index:
    """The Bundle's resources by every reference that may name them."""

    def __init__(self, entries: list[tuple[str | None, dict[str, Any]]]) -> None:
        self.by_reference: dict[str, tuple[str, dict[str, Any]]] = {}
        for full_url, resource in entries:
            key = _key(full_url, resource)
            for name in _names(full_url, resource):
                self.by_reference.setdefault(name, (key, resource))

    def find(self, reference: str) -> tuple[str, dict[str, Any]] | None:
        """(key, resource) of a reference ("urn:uuid:…", "Type/id", or a URL ending so)."""
        found = self.by_reference.get(reference)
        if found is None and "/" in reference:
            found = self.by_reference.get("/".join(reference.rstrip("/").split("/")[-2:]))
        return found


def _names(full_url: str | None, resource: dict[str, Any]) -> list[str]:
    names = [full_url] if full_url else []
    if resource.get("id"):
        names.append(f"{resource['resourceType']}/{resource['id']}")
    return names


def _key(full_url: str | None, resource: dict[str, Any]) -> str:
    names = _names(full_url, resource)
    if names:
        return names[0]
    # Neither fullUrl nor id: the content is the only identity there is.
    digest = hashlib.sha256(canonical(resource).encode("utf-8")).hexdigest()
    return f"{resource['resourceType']}#sha256:{digest}"


# --------------------------------------------------------------------------- the parties


def _identifier_text(resource: dict[str, Any]) -> str | None:
    for identifier in resource.get("identifier", []):
        if identifier.get("value"):
            return f"{identifier.get('system', '')}|{identifier['value']}"
    return None


def _person_name(resource: dict[str, Any]) -> str | None:
    for name in resource.get("name", []):
        if name.get("text"):
            return str(name["text"])
        parts = [name.get("family", ""), *name.get("given", [])]
        joined = " ".join(p for p in parts if p)
        if joined:
            return joined
    return None


def party_name(resource: dict[str, Any]) -> str | None:
    """The name of a Practitioner, Patient or Organization resource."""
    name = resource.get("name")
    if isinstance(name, str):
        return name
    return _person_name(resource)


def _source(
    index: _Index, patient: dict[str, Any], bundle_id: str | None, bundle: dict[str, Any]
) -> BundleSource:
    organization: tuple[str, dict[str, Any]] | None = None
    managing = patient.get("managingOrganization", {}).get("reference")
    if managing:
        organization = index.find(managing)
    if organization is None:
        found = {
            k: r for k, r in index.by_reference.values() if r["resourceType"] == "Organization"
        }
        if len(found) == 1:
            organization = next(iter(found.items()))
    if organization is None:
        identity = (
            f"bundle:{bundle_id}"
            if bundle_id
            else f"sha256:{hashlib.sha256(canonical(bundle).encode()).hexdigest()}"
        )
        return BundleSource(_UNKNOWN_SOURCE, None, None, identity, frozenset())
    key, resource = organization
    code = next(
        (
            i["value"]
            for i in resource.get("identifier", [])
            if i.get("system") == SYSTEMS["vn-facility-code"] and i.get("value")
        ),
        None,
    )
    identifier = f"{SYSTEMS['vn-facility-code']}|{code}" if code else _identifier_text(resource)
    names = frozenset(n for n, (k, _) in index.by_reference.items() if k == key)
    return BundleSource(
        name=party_name(resource) or _UNKNOWN_SOURCE,
        identifier=identifier,
        facility_code=code,
        identity=identifier or f"organization:{key}",
        references=names,
    )


def _valid(check: Any, value: str) -> str | None:
    try:
        result: str = check(value)
    except ValidationError:
        return None
    return result


def _patient(resource: dict[str, Any]) -> BundlePatient:
    identifiers = tuple(
        (str(i.get("system", "")), str(i["value"]))
        for i in resource.get("identifier", [])
        if i.get("value")
    )
    by_system = dict(reversed(identifiers))
    cccd = by_system.get(SYSTEMS["vn-cccd"])
    bhyt = by_system.get(SYSTEMS["vn-bhyt"])
    # Other systems name the same numbers: accepted by their value when it is well formed.
    if cccd is None:
        cccd = next((c for _, v in identifiers if (c := _valid(validate_cccd, v))), None)
    if bhyt is None:
        bhyt = next(
            (b for _, v in identifiers if len(v.strip()) == 15 and (b := _valid(validate_bhyt, v))),
            None,
        )
    return BundlePatient(
        name=_person_name(resource),
        birth_date=resource.get("birthDate"),
        sex=resource.get("gender"),
        cccd=cccd,
        bhyt=bhyt,
        mrn=by_system.get(SYSTEMS["vn-mrn"]),
        identifiers=identifiers,
    )


# --------------------------------------------------------------------------- provenance


@dataclass(frozen=True)
class _Provenance:
    author: str | None
    signed_at: datetime | None
    text: str


def _who(index: _Index, reference: dict[str, Any] | None) -> str | None:
    if not reference:
        return None
    if reference.get("display"):
        return str(reference["display"])
    found = index.find(str(reference.get("reference", "")))
    return party_name(found[1]) if found else None


_SIGNER_ROLES = ("verifier", "attester", "author", "legal")


def _signer(index: _Index, provenance: dict[str, Any]) -> str | None:
    for signature in provenance.get("signature", []):
        who = _who(index, signature.get("who"))
        if who:
            return who
    agents = provenance.get("agent", [])
    for role in _SIGNER_ROLES:
        for agent in agents:
            codes = {c.get("code") for c in agent.get("type", {}).get("coding", [])}
            if role in codes and (who := _who(index, agent.get("who"))):
                return who
    return next((w for a in agents if (w := _who(index, a.get("who")))), None)


def _before(first: datetime | None, second: datetime) -> bool:
    return first is None or first <= second


def _provenances(index: _Index, resources: list[dict[str, Any]]) -> dict[str, _Provenance]:
    """The key of each resource a Provenance targets → that Provenance (the latest one)."""
    found: dict[str, _Provenance] = {}
    for resource in resources:
        if resource["resourceType"] != "Provenance":
            continue
        signatures = resource.get("signature", [])
        when = _moment(signatures[0].get("when") if signatures else None) or _moment(
            resource.get("recorded")
        )
        record = _Provenance(_signer(index, resource), when, canonical(resource))
        for target in resource.get("target", []):
            located = index.find(str(target.get("reference", "")))
            if located is None:
                continue
            earlier = found.get(located[0])
            later = when is not None and (earlier is None or _before(earlier.signed_at, when))
            if earlier is None or later:
                found[located[0]] = record
    return found


# --------------------------------------------------------------------------- items


def _moment(text: Any) -> datetime | None:
    """A FHIR date, dateTime or instant as an aware datetime; partial dates ("2024",
    "2024-05") and dates without a time start at midnight, Vietnam time."""
    if not isinstance(text, str) or not text:
        return None
    try:
        if len(text) == 4:
            return datetime(int(text), 1, 1, tzinfo=VIETNAM_TZ)
        if len(text) == 7:
            return datetime(int(text[:4]), int(text[5:]), 1, tzinfo=VIETNAM_TZ)
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=VIETNAM_TZ)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM_TZ)


#: Where each type keeps its clinical date, first found wins.
_DATE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Encounter": (("period", "start"),),
    "Condition": (("onsetDateTime",), ("recordedDate",), ("onsetPeriod", "start")),
    "Observation": (
        ("effectiveDateTime",),
        ("effectivePeriod", "start"),
        ("effectiveInstant",),
        ("issued",),
    ),
    "AllergyIntolerance": (("onsetDateTime",), ("recordedDate",)),
    "MedicationRequest": (("authoredOn",),),
    "MedicationAdministration": (("effectiveDateTime",), ("effectivePeriod", "start")),
    "ServiceRequest": (("authoredOn",), ("occurrenceDateTime",), ("occurrencePeriod", "start")),
    "DiagnosticReport": (("effectiveDateTime",), ("effectivePeriod", "start"), ("issued",)),
    "ImagingStudy": (("started",),),
    "DocumentReference": (("date",),),
    "Procedure": (("performedDateTime",), ("performedPeriod", "start")),
}


def clinical_date(resource: dict[str, Any]) -> str | None:
    """The resource's clinical date as written (None if it has none)."""
    for path in _DATE_PATHS.get(resource["resourceType"], ()):
        value: Any = resource
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str) and not reference.startswith("#"):
            yield reference
        for inner in value.values():
            yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


@dataclass(frozen=True)
class _Target:
    """A reference of the Bundle, resolved: the kind of target and what names it."""

    reference: str
    target: str
    key: str | None = None
    resource_type: str | None = None
    display: str | None = None
    identifier: str | None = None


def _resolve(index: _Index, source: BundleSource, reference: str) -> _Target:
    found = index.find(reference)
    if found is None:
        return _Target(reference, "unresolved")
    key, resource = found
    kind = resource["resourceType"]
    if kind == "Patient":
        return _Target(reference, "patient")
    if reference in source.references or key in source.references:
        return _Target(reference, "source")
    if kind in CLINICAL_TYPES:
        return _Target(reference, "record", key=key)
    if kind in PARTY_TYPES:
        return _Target(
            reference,
            "party",
            resource_type=kind,
            display=party_name(resource),
            identifier=_identifier_text(resource),
        )
    return _Target(reference, "unresolved")


def _item(
    index: _Index,
    source: BundleSource,
    provenances: dict[str, _Provenance],
    position: int,
    full_url: str | None,
    resource: dict[str, Any],
) -> ExternalItem:
    key = _key(full_url, resource)
    provenance = provenances.get(key)
    written = clinical_date(resource)
    targets = {r: _resolve(index, source, r) for r in _references(resource)}
    if provenance is not None:
        for reference in _references(json.loads(provenance.text)):
            targets.setdefault(reference, _resolve(index, source, reference))
    return ExternalItem(
        index=position,
        resource_type=resource["resourceType"],
        source_resource=key,
        resource=canonical(resource),
        summary=summary(resource),
        clinical_date=written,
        effective_at=_moment(written),
        author=provenance.author if provenance else None,
        signed_at=provenance.signed_at if provenance else None,
        provenance=provenance.text if provenance else None,
        references=tuple(
            ExternalReference(
                reference=t.reference,
                target=t.target,
                record_id=t.key,
                resource_type=t.resource_type,
                display=t.display,
                identifier=t.identifier,
            )
            for t in targets.values()
        ),
    )


# --------------------------------------------------------------------------- summaries


def _concept(value: Any) -> str:
    """A CodeableConcept as read: its text, else the first display, else "system code"."""
    if not isinstance(value, dict):
        return ""
    if value.get("text"):
        return str(value["text"])
    codings = value.get("coding", [])
    for coding in codings:
        if coding.get("display"):
            code = coding.get("code")
            return f"{code} — {coding['display']}" if code else str(coding["display"])
    return " ".join(str(c.get("code", "")) for c in codings).strip()


def _coded(value: Any, system: str) -> str | None:
    for coding in (value or {}).get("coding", []):
        if coding.get("system") == SYSTEMS[system] and coding.get("code"):
            return str(coding["code"])
    return None


def _number(value: Any) -> str:
    return str(value).replace(".", ",")


def _quantity(value: Any) -> str:
    if not isinstance(value, dict) or "value" not in value:
        return ""
    unit = value.get("unit") or value.get("code") or ""
    unit = _UNITS.get(unit, unit)
    return f"{_number(value['value'])} {unit}".strip()


def _observation_value(resource: dict[str, Any]) -> str:
    if "valueQuantity" in resource:
        return _quantity(resource["valueQuantity"])
    for name in ("valueString", "valueBoolean", "valueInteger", "valueDateTime"):
        if name in resource:
            return str(resource[name])
    if "valueCodeableConcept" in resource:
        return _concept(resource["valueCodeableConcept"])
    parts = [_quantity(c.get("valueQuantity")) for c in resource.get("component", [])]
    if len(parts) == 2 and all(parts) and parts[0].split()[1:] == parts[1].split()[1:]:
        unit = " ".join(parts[0].split()[1:])
        return f"{parts[0].split()[0]}/{parts[1].split()[0]} {unit}".strip()
    return "; ".join(p for p in parts if p)


def _condition(r: dict[str, Any]) -> str:
    code = _coded(r.get("code"), "icd-10")
    text = _concept(r.get("code"))
    line = text if code is None or text.startswith(code) else f"{code} — {text}"
    status = _coded(r.get("clinicalStatus"), "condition-clinical")
    return f"{line} ({status})" if status and status != "active" else line


#: Vital signs by LOINC code, named as a Vietnamese chart names them.
_VITAL_NAMES = {
    **{loinc: VITAL_SPECS[code].name_vi for code, (loinc, _, _) in VITAL_LOINC.items()},
    BP_PANEL[0]: "Huyết áp",
}
#: UCUM codes as staff write the units.
_UNITS = {"Cel": "°C", "mm[Hg]": "mmHg", "/min": "lần/phút", "10*9/L": "G/L", "10*12/L": "T/L"}


def _observation(r: dict[str, Any]) -> str:
    value = _observation_value(r)
    name = _VITAL_NAMES.get(_coded(r.get("code"), "loinc") or "") or _concept(r.get("code"))
    return f"{name}: {value}" if value else name


def _allergy(r: dict[str, Any]) -> str:
    reactions = [_concept(m) for x in r.get("reaction", []) for m in x.get("manifestation", [])]
    text = _concept(r.get("code"))
    return f"{text} ({', '.join(reactions)})" if reactions else text


def _medication(r: dict[str, Any]) -> str:
    drug = _concept(r.get("medicationCodeableConcept")) or _display(r.get("medicationReference"))
    dosage = [d.get("text", "") for d in r.get("dosageInstruction", []) if d.get("text")]
    return f"{drug} — {dosage[0]}" if dosage else drug


def _administration(r: dict[str, Any]) -> str:
    drug = _concept(r.get("medicationCodeableConcept")) or _display(r.get("medicationReference"))
    dose = _quantity((r.get("dosage") or {}).get("dose"))
    status = "" if r.get("status") == "completed" else f" ({r.get('status')})"
    return f"{drug} {dose}".strip() + status


def _report(r: dict[str, Any]) -> str:
    name = _concept(r.get("code"))
    return f"{name}: {r['conclusion']}" if r.get("conclusion") else name


def _imaging(r: dict[str, Any]) -> str:
    modalities = "/".join(str(m.get("code", "")) for m in r.get("modality", []))
    return " ".join(p for p in (modalities, r.get("description", "")) if p)


def _encounter(r: dict[str, Any]) -> str:
    klass = (r.get("class") or {}).get("display") or (r.get("class") or {}).get("code", "")
    reasons = [_concept(x) for x in r.get("reasonCode", [])]
    return " — ".join(p for p in (str(klass), *reasons) if p)


def _document(r: dict[str, Any]) -> str:
    return str(r.get("description") or _concept(r.get("type")))


def _coded_name(r: dict[str, Any]) -> str:
    return _concept(r.get("code"))


def _display(reference: Any) -> str:
    return str(reference.get("display", "")) if isinstance(reference, dict) else ""


_SUMMARIES = {
    "Encounter": _encounter,
    "Condition": _condition,
    "Observation": _observation,
    "AllergyIntolerance": _allergy,
    "MedicationRequest": _medication,
    "MedicationAdministration": _administration,
    "ServiceRequest": _coded_name,
    "DiagnosticReport": _report,
    "ImagingStudy": _imaging,
    "DocumentReference": _document,
    "Procedure": _coded_name,
}


def summary(resource: dict[str, Any]) -> str:
    """One line of Vietnamese saying what a clinical resource records:
    "Chẩn đoán/bệnh: J20.9 — Viêm phế quản cấp"."""
    kind = resource["resourceType"]
    text = " ".join(_SUMMARIES[kind](resource).split()) if kind in _SUMMARIES else ""
    line = f"{CLINICAL_TYPES.get(kind, kind)}: {text or kind}"
    return line if len(line) <= 2000 else line[:1999] + "…"


# --------------------------------------------------------------------------- records


def record_id(patient_id: str, identity: str, item: ExternalItem) -> str:
    """The event id of an item in one chart (see the module's docstring)."""
    digest = hashlib.sha256(item.resource.encode("utf-8")).hexdigest()
    name = f"{patient_id}|{identity}|{item.source_resource}|{digest}"
    return str(uuid.uuid5(_NAMESPACE, name))


def external_record(
    parsed: ParsedBundle, item: ExternalItem, *, patient_id: str, imported_at: datetime
) -> ExternalRecord:
    """The body of the external record of `item` in the chart `patient_id`; references to
    other items of the Bundle name their records' ids."""
    identity = parsed.source.identity
    references = []
    for reference in item.references:
        if reference.target == "record":
            target = parsed.item(reference.record_id or "")
            reference = ExternalReference(
                reference=reference.reference,
                target="record",
                record_id=record_id(patient_id, identity, target) if target else None,
            )
        references.append(reference)
    return ExternalRecord(
        resource_type=item.resource_type,
        resource=item.resource,
        summary=item.summary,
        source_name=parsed.source.name,
        source_identity=identity,
        source_identifier=parsed.source.identifier,
        source_bundle_id=parsed.bundle_id,
        source_bundle_at=parsed.timestamp,
        source_resource=item.source_resource,
        clinical_date=item.clinical_date,
        source_author=item.author,
        source_signed_at=item.signed_at,
        source_provenance=item.provenance,
        imported_at=imported_at,
        references=tuple(references),
    )
