"""Records to table rows and back, through the codec's plain form."""

from __future__ import annotations

import json
import typing
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar, get_args, get_origin

from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.records import EVENT_BODIES, ClinicalEvent, MutableRecord

R = TypeVar("R", bound=MutableRecord)

_EVENT_HEADER = (
    "id",
    "facility_id",
    "patient_id",
    "encounter_id",
    "effective_at",
    "created_at",
    "created_by",
    "device_id",
    "status",
    "signed_by",
    "signed_at",
    "content_hash",
    "corrects",
    "correction",
    "correction_reason",
)


def dumps(value: Any) -> str:
    """Compact, stable JSON (the same bytes for the same value on every PC)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def compact_stamps(stamps: dict[str, str]) -> str:
    """Per-field HLCs as stored: the most common stamp under "*", the others by field.

    A record written once has one stamp for every field; spelling it out per field would
    cost more than the record itself.
    """
    if not stamps:
        return dumps({})
    values = list(stamps.values())
    common = max(set(values), key=values.count)
    return dumps({"*": common, **{k: v for k, v in stamps.items() if v != common}})


def expand_stamps(text: str, field_names: list[str]) -> dict[str, str]:
    """The per-field HLCs of a row's `field_hlc` column, one entry per field."""
    stored: dict[str, str] = json.loads(text)
    default = stored.get("*", "")
    return {name: stored.get(name, default) for name in field_names}


def column_value(plain: Any) -> Any:
    """A plain value as stored in a column: lists and objects as JSON text."""
    return dumps(plain) if isinstance(plain, list | dict) else plain


_JSON_FIELDS: dict[type, frozenset[str]] = {}


def _json_fields(cls: type) -> frozenset[str]:
    if cls in _JSON_FIELDS:
        return _JSON_FIELDS[cls]
    hints = typing.get_type_hints(cls)
    names = set()
    for f in fields(cls):
        hint = hints[f.name]
        if get_origin(hint) in (tuple, dict) or any(
            get_origin(a) in (tuple, dict) for a in get_args(hint)
        ):
            names.add(f.name)
    _JSON_FIELDS[cls] = frozenset(names)
    return _JSON_FIELDS[cls]


def row_to_record(cls: type[R], row: Any) -> R:
    """Rebuild a mutable record from its row; the record's validation runs again."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    json_fields = _json_fields(cls)
    data = {
        f.name: json.loads(mapping[f.name])
        if f.name in json_fields and mapping[f.name] is not None
        else mapping[f.name]
        for f in fields(cls)
    }
    return from_plain(cls, data)


def event_to_row(event: ClinicalEvent) -> dict[str, Any]:
    """The column values of a clinical event (without `pk` and `field_hlc`)."""
    row = {name: to_plain(getattr(event, name)) for name in _EVENT_HEADER}
    row["kind"] = event.kind
    row["body"] = dumps(to_plain(event.body))
    return row


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def row_to_event(row: Any) -> ClinicalEvent:
    """Rebuild a clinical event from its row; the body's validation runs again."""
    m = row._mapping if hasattr(row, "_mapping") else row
    body = from_plain(EVENT_BODIES[m["kind"]], json.loads(m["body"]))
    effective_at, created_at = _moment(m["effective_at"]), _moment(m["created_at"])
    assert effective_at is not None
    assert created_at is not None
    return ClinicalEvent(
        id=m["id"],
        facility_id=m["facility_id"],
        patient_id=m["patient_id"],
        encounter_id=m["encounter_id"],
        effective_at=effective_at,
        created_at=created_at,
        created_by=m["created_by"],
        device_id=m["device_id"],
        body=body,
        status=m["status"],
        signed_by=m["signed_by"],
        signed_at=_moment(m["signed_at"]),
        content_hash=m["content_hash"],
        corrects=m["corrects"],
        correction=m["correction"],
        correction_reason=m["correction_reason"],
    )
