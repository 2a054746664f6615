"""Patients on the server: CCCD links, the duplicate review queue, charts by CCCD (DESIGN §4).

Small index tables (`db.patient_identity`, `patient_key`, `patient_link_pair`,
`event_patient`) are kept up to date in the push transaction by `reindex`, for every op
applied (the PCs' and the server's own), so every lookup below is an index hit.

* **Same CCCD → linked automatically.** When a push brings a patient — a new record, or a
  change of its CCCD — whose CCCD another live chart of the same facility already holds,
  `after_patient_op` plans a `patient_link` made by the server (device "server",
  `automatic=True`) in which the earliest registration (the patient's `created_at`, ties by
  record id) survives. Charts deleted or already linked away are left out. A pair that was
  ever linked (an unmerge on a PC sets the link's status to "undone") is never linked again
  automatically, and neither are two charts a clerk separated.
* **Other likely duplicates** (a new patient without a CCCD match) are scored with
  `core.matching.score` against the facility's charts with the same folded family and
  given name and birth year; likely pairs go to `duplicate_candidate` (status open /
  merged / dismissed).
* **Charts of other facilities by CCCD** (`chart_by_cccd`): the patient records and their
  clinical events, each with its facility. Only record ids are logged, never names or CCCD.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from emr_desktop.core.codec import to_plain
from emr_desktop.core.ids import new_id
from emr_desktop.core.matching import LIKELY_DUPLICATE, Person, score
from emr_desktop.core.merge import EVENT_KIND
from emr_desktop.core.records import LinkStatus, Patient, PatientLink
from emr_desktop.core.text import fold_tokens
from emr_sync.db import (
    dumps,
    duplicate_candidate,
    event_patient,
    facility,
    now_iso,
    patient_identity,
    patient_key,
    patient_link_pair,
    record_state,
)
from emr_sync.errors import ApiError, not_found
from emr_sync.state import SERVER_DEVICE_ID, load_values

log = logging.getLogger(__name__)

PATIENT_KIND = Patient.KIND
LINK_KIND = PatientLink.KIND
#: The reason written on links the server makes itself.
AUTO_LINK_REASON = "Cùng số CCCD / same CCCD"
#: At most this many charts of one blocking key are scored against a new patient.
MAX_CANDIDATES = 200

_PATIENT_INDEXED = frozenset({"cccd", "deleted_at", "full_name", "date_of_birth", "created_at"})
_LINK_INDEXED = frozenset({"replaced_id", "replaced_by", "status", "deleted_at"})
_EARLIEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PlannedOp:
    """An op the server appends itself, in the same transaction, after a pushed op."""

    kind: str
    record_id: str
    fields: dict[str, Any]


# --------------------------------------------------------------------------- indexes


def reindex(
    conn: Connection,
    facility_id: str,
    kind: str,
    record_id: str,
    values: dict[str, Any],
    changed: list[str] | None,
) -> None:
    """Bring the index rows of one record in line with its merged `values`.

    `changed` names the fields the op changed (None: the record is new here); records whose
    indexed fields did not change are left alone.
    """
    if kind == PATIENT_KIND:
        if changed is None or _PATIENT_INDEXED.intersection(changed):
            _index_patient(conn, facility_id, record_id, values, new=changed is None)
    elif kind == LINK_KIND:
        if changed is None or _LINK_INDEXED.intersection(changed):
            _index_link(conn, facility_id, record_id, values)
    elif kind == EVENT_KIND and (changed is None or "patient_id" in changed):
        if changed is not None:  # a record new here has no index row yet
            conn.execute(_DELETE_EVENT_PATIENT, {"rid": record_id})
        patient_id = values.get("patient_id")
        if isinstance(patient_id, str) and patient_id:
            conn.execute(
                _INSERT_EVENT_PATIENT,
                {"record_id": record_id, "facility_id": facility_id, "patient_id": patient_id},
            )


# Built once: they run for nearly every pushed op.
_DELETE_EVENT_PATIENT = delete(event_patient).where(event_patient.c.record_id == bindparam("rid"))
_INSERT_EVENT_PATIENT = insert(event_patient)
_CANDIDATES = (
    select(patient_key.c.record_id)
    .where(
        patient_key.c.facility_id == bindparam("facility_id"),
        patient_key.c.name_block == bindparam("block"),
        patient_key.c.birth_year == bindparam("year"),
        patient_key.c.record_id != bindparam("record_id"),
    )
    .limit(bindparam("cap"))
)


def rebuild_indexes(conn: Connection) -> None:
    """Fill every index table from `record_state` (migration 0002, or a repair)."""
    for table in (patient_identity, patient_key, patient_link_pair, event_patient):
        conn.execute(delete(table))
    rows = conn.execute(
        select(
            record_state.c.facility_id,
            record_state.c.kind,
            record_state.c.record_id,
            record_state.c["values"],
        ).where(record_state.c.kind.in_([PATIENT_KIND, LINK_KIND, EVENT_KIND]))
    )
    for facility_id, kind, record_id, text in rows.all():
        reindex(conn, facility_id, kind, record_id, json.loads(text), None)


def _index_patient(
    conn: Connection, facility_id: str, record_id: str, values: dict[str, Any], *, new: bool = False
) -> None:
    if not new:  # a record new here has no index rows yet
        conn.execute(delete(patient_identity).where(patient_identity.c.record_id == record_id))
        conn.execute(delete(patient_key).where(patient_key.c.record_id == record_id))
    if values.get("deleted_at") is not None:
        return
    cccd = values.get("cccd")
    if isinstance(cccd, str) and cccd:
        conn.execute(
            insert(patient_identity).values(
                record_id=record_id,
                facility_id=facility_id,
                cccd=cccd,
                created_at=str(values.get("created_at") or ""),
            )
        )
    block = _name_block(values)
    if block:
        conn.execute(
            insert(patient_key).values(
                record_id=record_id,
                facility_id=facility_id,
                name_block=block,
                birth_year=_birth_year(values),
            )
        )


def _index_link(conn: Connection, facility_id: str, link_id: str, values: dict[str, Any]) -> None:
    conn.execute(delete(patient_link_pair).where(patient_link_pair.c.link_id == link_id))
    replaced_id, replaced_by = values.get("replaced_id"), values.get("replaced_by")
    if not (isinstance(replaced_id, str) and isinstance(replaced_by, str)):
        return
    status = "deleted" if values.get("deleted_at") is not None else str(values.get("status"))
    conn.execute(
        insert(patient_link_pair).values(
            link_id=link_id,
            facility_id=facility_id,
            replaced_id=replaced_id,
            replaced_by=replaced_by,
            status=status,
        )
    )
    if status == LinkStatus.ACTIVE:
        a_id, b_id = sorted((replaced_id, replaced_by))
        conn.execute(
            update(duplicate_candidate)
            .where(
                duplicate_candidate.c.a_id == a_id,
                duplicate_candidate.c.b_id == b_id,
                duplicate_candidate.c.status == "open",
            )
            .values(status="merged")
        )


def _name_block(values: dict[str, Any]) -> str | None:
    """Family and given name, folded: the block a new registration is compared within.

    Duplicates nearly always share both; blocking on the family name alone compared a new
    "Nguyễn …" with hundreds of others and took half of every push.
    """
    name = values.get("full_name")
    if not isinstance(name, str):
        return None
    tokens = fold_tokens(name)
    return f"{tokens[0]} {tokens[-1]}" if tokens else None


def _birth_year(values: dict[str, Any]) -> int | None:
    born = values.get("date_of_birth")
    if isinstance(born, str) and len(born) >= 4 and born[:4].isdigit():
        return int(born[:4])
    return None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _EARLIEST
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- after a push


def after_patient_op(
    conn: Connection,
    facility_id: str,
    record_id: str,
    values: dict[str, Any],
    changed: list[str] | None,
) -> list[PlannedOp]:
    """What the server does after a pushed patient op: link a same-CCCD chart, or queue
    likely duplicates of a new patient. Returns the link ops to append (maybe none)."""
    is_new = changed is None
    if not is_new and "cccd" not in (changed or ()):
        return []
    if values.get("deleted_at") is not None:
        return []
    cccd = values.get("cccd")
    links: list[PlannedOp] = []
    matched = False
    if isinstance(cccd, str) and cccd:
        links, matched = _plan_cccd_links(conn, facility_id, record_id, cccd, values)
    if is_new and not matched:
        _queue_likely_duplicates(conn, facility_id, record_id, values)
    return links


def _linked_away(conn: Connection, record_ids: list[str]) -> set[str]:
    if not record_ids:
        return set()
    rows = conn.execute(
        select(patient_link_pair.c.replaced_id).where(
            patient_link_pair.c.replaced_id.in_(record_ids),
            patient_link_pair.c.status == LinkStatus.ACTIVE,
        )
    ).scalars()
    return set(rows)


def _pairs_among(conn: Connection, record_ids: list[str]) -> dict[frozenset[str], set[str]]:
    """Every link between two of `record_ids`: the pair → the statuses it has had."""
    rows = conn.execute(
        select(
            patient_link_pair.c.replaced_id,
            patient_link_pair.c.replaced_by,
            patient_link_pair.c.status,
        ).where(
            patient_link_pair.c.replaced_id.in_(record_ids),
            patient_link_pair.c.replaced_by.in_(record_ids),
        )
    ).all()
    pairs: dict[frozenset[str], set[str]] = {}
    for replaced_id, replaced_by, status in rows:
        pairs.setdefault(frozenset((replaced_id, replaced_by)), set()).add(status)
    return pairs


def _plan_cccd_links(
    conn: Connection, facility_id: str, record_id: str, cccd: str, values: dict[str, Any]
) -> tuple[list[PlannedOp], bool]:
    rows = conn.execute(
        select(patient_identity.c.record_id, patient_identity.c.created_at).where(
            patient_identity.c.cccd == cccd,
            patient_identity.c.facility_id == facility_id,
            patient_identity.c.record_id != record_id,
        )
    ).all()
    if not rows:
        return [], False
    away = _linked_away(conn, [record_id, *(r.record_id for r in rows)])
    if record_id in away:
        return [], True  # read through its survivor already
    others = sorted((_moment(r.created_at), r.record_id) for r in rows if r.record_id not in away)
    if not others:
        return [], True
    me = (_moment(str(values.get("created_at") or "")), record_id)
    survivor = min(me, others[0])[1]
    group = [record_id, *(rid for _, rid in others)]
    pairs = _pairs_among(conn, group)
    separated = {pair for pair, states in pairs.items() if LinkStatus.UNDONE in states}
    if survivor != record_id:
        if frozenset((record_id, survivor)) in pairs:
            return [], True
        return [_link_op(facility_id, record_id, survivor)], True
    # The new chart is the earliest: the others join it, oldest first, except a pair ever
    # linked before and any chart a clerk separated from one already joined.
    planned: list[PlannedOp] = []
    joined = [record_id]
    for _, other in others:
        if frozenset((other, record_id)) in pairs or any(
            frozenset((other, j)) in separated for j in joined
        ):
            continue
        planned.append(_link_op(facility_id, other, record_id))
        joined.append(other)
    return planned, True


def _link_op(facility_id: str, replaced_id: str, survivor: str) -> PlannedOp:
    link = PatientLink(
        id=new_id(),
        facility_id=facility_id,
        created_at=datetime.now(UTC),
        created_by=SERVER_DEVICE_ID,
        device_id=SERVER_DEVICE_ID,
        replaced_id=replaced_id,
        replaced_by=survivor,
        status=LinkStatus.ACTIVE,
        reason=AUTO_LINK_REASON,
        automatic=True,
    )
    fields: dict[str, Any] = to_plain(link)
    log.info("linking patient %s into %s (same CCCD)", replaced_id, survivor)
    return PlannedOp(LINK_KIND, link.id, fields)


def _queue_likely_duplicates(
    conn: Connection, facility_id: str, record_id: str, values: dict[str, Any]
) -> None:
    block, year = _name_block(values), _birth_year(values)
    if block is None or year is None:
        return
    others = list(
        conn.execute(
            _CANDIDATES,
            {
                "facility_id": facility_id,
                "block": block,
                "year": year,
                "record_id": record_id,
                "cap": MAX_CANDIDATES,
            },
        ).scalars()
    )
    if not others:
        return
    # Called only for a patient new to the server: no pair with it can exist yet.
    patient = Person.from_plain(values)
    pairs = []
    for other_id, other_values in load_values(conn, PATIENT_KIND, others).items():
        match = score(patient, Person.from_plain(other_values))
        if match.score < LIKELY_DUPLICATE:
            continue
        a_id, b_id = sorted((record_id, other_id))
        pairs.append(
            {
                "id": new_id(),
                "facility_id": facility_id,
                "a_id": a_id,
                "b_id": b_id,
                "score": match.score,
                "reasons": dumps(list(match.reasons)),
                "status": "open",
                "created_at": now_iso(),
            }
        )
    if pairs:
        conn.execute(insert(duplicate_candidate), pairs)


# --------------------------------------------------------------------------- reads


def open_duplicates(conn: Connection, facility_id: str) -> list[dict[str, Any]]:
    """The facility's likely duplicate pairs waiting for review, best first."""
    rows = conn.execute(
        select(duplicate_candidate)
        .where(
            duplicate_candidate.c.facility_id == facility_id,
            duplicate_candidate.c.status == "open",
        )
        .order_by(duplicate_candidate.c.score.desc(), duplicate_candidate.c.created_at)
    ).all()
    return [
        {
            "id": r.id,
            "a_id": r.a_id,
            "b_id": r.b_id,
            "score": float(r.score),
            "reasons": json.loads(r.reasons),
            "status": r.status,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def chart_by_cccd(conn: Connection, cccd: str, requesting_facility_id: str) -> list[dict[str, Any]]:
    """Patients with `cccd` in facilities other than the requester's, with their events.

    Each entry: `{"facility": {"id", "code", "name"}, "patient": values, "events": [values]}`
    (events oldest first). Raises a 404 `ApiError` when there is none.
    """
    rows = conn.execute(
        select(patient_identity.c.record_id, facility.c.id, facility.c.code, facility.c.name)
        .join(facility, facility.c.id == patient_identity.c.facility_id)
        .where(
            patient_identity.c.cccd == cccd,
            patient_identity.c.facility_id != requesting_facility_id,
        )
        .order_by(facility.c.code, patient_identity.c.created_at, patient_identity.c.record_id)
    ).all()
    if not rows:
        raise not_found(
            "patient_not_found",
            "Không có hồ sơ nào mang số CCCD này ở cơ sở khác",
            "No chart with this CCCD in another facility",
        )
    patient_ids = [r[0] for r in rows]
    patients = load_values(conn, PATIENT_KIND, patient_ids)
    event_rows = conn.execute(
        select(event_patient.c.record_id, event_patient.c.patient_id).where(
            event_patient.c.patient_id.in_(patient_ids)
        )
    ).all()
    events = load_values(conn, EVENT_KIND, [r[0] for r in event_rows])
    by_patient: dict[str, list[dict[str, Any]]] = {}
    for event_id, patient_id in event_rows:
        if event_id in events:
            by_patient.setdefault(patient_id, []).append(events[event_id])
    result = []
    for record_id, fac_id, code, name in rows:
        if record_id not in patients:
            continue
        timeline = sorted(
            by_patient.get(record_id, []),
            key=lambda e: (str(e.get("effective_at") or ""), str(e.get("id"))),
        )
        result.append(
            {
                "facility": {"id": fac_id, "code": code, "name": name},
                "patient": patients[record_id],
                "events": timeline,
            }
        )
    return result


def check_cccd(cccd: str) -> str:
    """A CCCD as asked for in a URL: exactly 12 digits (422 otherwise)."""
    value = cccd.strip()
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        raise ApiError(
            422,
            "validation",
            "Số CCCD gồm đúng 12 chữ số",
            "A CCCD number is exactly 12 digits",
            field="cccd",
        )
    return value


__all__ = [
    "AUTO_LINK_REASON",
    "PlannedOp",
    "after_patient_op",
    "chart_by_cccd",
    "check_cccd",
    "open_duplicates",
    "rebuild_indexes",
    "reindex",
]
