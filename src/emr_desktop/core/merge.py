"""How replicas merge changes (DESIGN §4), shared by every PC and the server.

Mutable records merge field by field: the write with the later HLC wins, ties broken by the
device id inside the HLC, so every replica that has seen the same ops holds the same value
whatever order they arrived in. When an op was written without having seen the value it
replaces (its `base` stamp for the field is not the stamp the replica holds), the two
writes were concurrent: the losing value is returned as a `FieldConflict` so that nothing
is lost.

Clinical events merge as whole records (stamp "*"): a new event is a union; a draft may be
replaced by a later version of itself; once signed, a draft never replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The kind of op that carries a clinical event (see `records.ClinicalEvent.KIND`).
EVENT_KIND = "clinical_event"
WHOLE = "*"


@dataclass(frozen=True)
class FieldConflict:
    """A value that lost to a concurrent write of the same field; kept for review."""

    kind: str
    record_id: str
    field: str
    winner_value: Any
    winner_hlc: str
    loser_value: Any
    loser_hlc: str


@dataclass
class MergeResult:
    """A record's state after one op: values and per-field stamps, what changed, conflicts."""

    values: dict[str, Any]
    stamps: dict[str, str]
    changed: list[str] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)


def merge_op(
    *,
    kind: str,
    record_id: str,
    values: dict[str, Any] | None,
    stamps: dict[str, str] | None,
    op_fields: dict[str, Any],
    op_hlc: str,
    op_base: dict[str, str],
) -> MergeResult:
    """Apply one op to a record's state (`values`/`stamps` None: the record is new here).

    Pure and deterministic: the same state and op give the same result on every replica,
    and applying an op twice changes nothing the second time.
    """
    if kind == EVENT_KIND:
        return _merge_event(values, stamps, op_fields, op_hlc)
    current = dict(values or {})
    current_stamps = dict(stamps or {})
    result = MergeResult(current, current_stamps)
    for name, incoming in op_fields.items():
        held = current_stamps.get(name)
        # Never written here ("" stamps a field a PC kept only locally: `UnitOfWork.add`).
        if not held:
            current[name] = incoming
            current_stamps[name] = op_hlc
            result.changed.append(name)
            continue
        if held == op_hlc:
            continue  # this very write, seen before
        concurrent = op_base.get(name, held) != held and name in op_base
        if op_hlc > held:
            if concurrent and current.get(name) != incoming:
                result.conflicts.append(
                    FieldConflict(kind, record_id, name, incoming, op_hlc, current.get(name), held)
                )
            current[name] = incoming
            current_stamps[name] = op_hlc
            result.changed.append(name)
        elif concurrent and current.get(name) != incoming:
            result.conflicts.append(
                FieldConflict(kind, record_id, name, current.get(name), held, incoming, op_hlc)
            )
    return result


def _merge_event(
    values: dict[str, Any] | None,
    stamps: dict[str, str] | None,
    op_fields: dict[str, Any],
    op_hlc: str,
) -> MergeResult:
    if values is None:
        return MergeResult(dict(op_fields), {WHOLE: op_hlc}, changed=sorted(op_fields))
    held = (stamps or {}).get(WHOLE, "")
    signed_here = values.get("status") == "signed"
    signed_there = op_fields.get("status") == "signed"
    take = (signed_there and not signed_here) or (
        op_hlc > held and (signed_there or not signed_here)
    )
    if not take:
        return MergeResult(dict(values), dict(stamps or {}))
    changed = sorted(k for k in op_fields if values.get(k) != op_fields[k])
    return MergeResult(dict(op_fields), {WHOLE: op_hlc}, changed=changed)
