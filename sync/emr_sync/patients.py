"""Patients on the server: CCCD links, the duplicate review queue, charts by CCCD (DESIGN §4).

Small index tables (`db.patient_identity`, `patient_key`, `patient_link_pair`,
`event_patient`) are kept up to date in the push transaction by `IndexWriter`, for every op
applied (the PCs' and the server's own), so every lookup below is an index hit. A push's
index rows are written together when it ends; until then the writer answers lookups with
the push's own changes on top of the database.

* **Same CCCD → linked automatically.** When a push brings a patient — a new record, or a
  change of its CCCD — whose CCCD another live chart of the same facility already holds,
  `IndexWriter.after_patient_op` plans a `patient_link` made by the server (device "server",
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
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Table,
    bindparam,
    delete,
    insert,
    select,
    union_all,
    update,
)

from emr_desktop.core.codec import to_plain
from emr_desktop.core.ids import new_id
from emr_desktop.core.matching import LIKELY_DUPLICATE, Person, score
from emr_desktop.core.merge import EVENT_KIND
from emr_desktop.core.records import LinkStatus, Patient, PatientLink
from emr_desktop.core.text import fold_tokens
from emr_sync.db import (
    Bulk,
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

#: One index row as written: column name → value.
Row = dict[str, Any]
#: What index rows are looked up by: (facility_id, …) values of some columns.
Key = tuple[Any, ...]

_CHUNK = 500


class _Rows:
    """The rows of one index table (at most one per record) as the current push leaves them.

    Rows set in the push are kept in memory (`pending`) and written by `flush`; a record set
    in the push hides its database row. Rows read from the database are kept by the key
    they were looked up by (`key_of`), so a lookup asks the database once per key. Records
    new on the server (`fresh`) have no row in the database: `flush` deletes none for them.
    """

    def __init__(self, table: Table, key_of: Callable[[Row], Key] | None = None) -> None:
        self.table = table
        self._key_of = key_of
        self._pending: dict[str, Row | None] = {}
        self._fresh: set[str] = set()
        self._loaded: dict[Key, list[Row]] = {}
        self._pending_by_key: dict[Key, dict[str, None]] = {}

    def set(self, record_id: str, row: Row | None, *, fresh: bool) -> None:
        """The record's row from now on (None: no row); `fresh`: the record is new here."""
        if record_id not in self._pending:
            if fresh:
                self._fresh.add(record_id)
        elif self._key_of is not None:
            old = self._pending[record_id]
            if old is not None:
                self._pending_by_key[self._key_of(old)].pop(record_id, None)
        if self._key_of is not None and row is not None:
            self._pending_by_key.setdefault(self._key_of(row), {})[record_id] = None
        self._pending[record_id] = row

    def missing(self, keys: Iterable[Key]) -> list[Key]:
        """Those of `keys` whose database rows have not been read yet."""
        return [key for key in dict.fromkeys(keys) if key not in self._loaded]

    def add_loaded(self, keys: Iterable[Key], rows: Iterable[Row]) -> None:
        """Keep the database rows read for `keys`: every row of each key (of a blocking key,
        as many as duplicate scoring takes, `_PER_BLOCK`)."""
        assert self._key_of is not None
        for key in keys:
            self._loaded.setdefault(key, [])
        for row in rows:
            self._loaded[self._key_of(row)].append(row)

    def lookup(self, key: Key) -> list[Row]:
        """The rows with `key` as the push leaves them (the key's rows must be loaded)."""
        found = [row for row in self._loaded[key] if row["record_id"] not in self._pending]
        for record_id in self._pending_by_key.get(key, ()):
            row = self._pending[record_id]
            assert row is not None
            found.append(row)
        return found

    def flush(self, bulk: Bulk) -> None:
        """Queue the writes of the pending rows: the old rows of records seen before are
        deleted first."""
        stale = [rid for rid in self._pending if rid not in self._fresh]
        bulk.delete(self.table, "record_id", stale)
        bulk.insert(self.table, [row for row in self._pending.values() if row is not None])
        self._pending.clear()
        self._fresh.clear()
        self._loaded.clear()
        self._pending_by_key.clear()


#: Rows read of one blocking key: enough for `MAX_CANDIDATES` besides the patient itself.
_PER_BLOCK = MAX_CANDIDATES + 1
_MAX_BLOCKS = 128
#: Blocking keys are read `_MAX_BLOCKS` at most per query, in statements of these sizes
#: (the last key repeated to fill one), so that few distinct statements are ever built.
_BLOCK_SIZES = [1, 4, 16, 32, 64, _MAX_BLOCKS]


@lru_cache(maxsize=len(_BLOCK_SIZES))
def _blocks_statement(size: int) -> CompoundSelect[Any]:
    """The patient_key rows of `size` (facility_id, name_block, birth_year) keys, bound as
    f0, b0, y0, f1, …, at most `_PER_BLOCK` of each: one index search per key. (Lists of
    blocks and of years matched every pair of them; a list of pairs, a scan.)"""
    k = patient_key.c
    return union_all(
        *(
            select(
                select(patient_key)
                .where(
                    k.facility_id == bindparam(f"f{n}"),
                    k.name_block == bindparam(f"b{n}"),
                    k.birth_year == bindparam(f"y{n}"),
                )
                .limit(_PER_BLOCK)
                .subquery()
            )
            for n in range(size)
        )
    )


#: PostgreSQL (binary arrays: `%b`), for a whole push at once (see `IndexWriter`).
_IDENTITIES_ANY = (
    "SELECT record_id, facility_id, cccd, created_at FROM patient_identity"
    " WHERE facility_id = %s AND cccd = ANY(%b::TEXT[])"
)
_BLOCKS_UNNEST = (
    "SELECT p.record_id, p.facility_id, p.name_block, p.birth_year"
    " FROM unnest(%b::TEXT[], %b::INTEGER[]) AS k(block, year) CROSS JOIN LATERAL"
    " (SELECT record_id, facility_id, name_block, birth_year FROM patient_key"
    "  WHERE facility_id = %s AND name_block = k.block AND birth_year = k.year"
    "  LIMIT %s) AS p"
)


def _identity_key(row: Row) -> Key:
    return (row["facility_id"], row["cccd"])


def _block_key(row: Row) -> Key:
    return (row["facility_id"], row["name_block"], row["birth_year"])


class IndexWriter:
    """The index rows of one push, written together by `flush` (a few statements per push
    instead of a few per op), and what the server does after a pushed patient op.

    Runs inside the push's transaction, under the facility lock, so no other writer changes
    the facility's rows before commit. Index rows of CCCDs and blocking keys are read from
    the database once per key (`prefetch` reads a whole push's at once) and then answered
    from memory, with the push's own changes on top. Link rows are rare and written at once.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._identity = _Rows(patient_identity, _identity_key)
        self._key = _Rows(patient_key, _block_key)
        self._events = _Rows(event_patient)
        self._candidates: list[Row] = []
        self._now: str | None = None

    # ------------------------------------------------------------------ index rows

    def reindex(
        self,
        facility_id: str,
        kind: str,
        record_id: str,
        values: dict[str, Any],
        changed: list[str] | None,
    ) -> None:
        """Bring the index rows of one record in line with its merged `values`.

        `changed` names the fields the op changed (None: the record is new here); records
        whose indexed fields did not change are left alone.
        """
        if kind == PATIENT_KIND:
            if changed is None or _PATIENT_INDEXED.intersection(changed):
                self._index_patient(facility_id, record_id, values, fresh=changed is None)
        elif kind == LINK_KIND:
            if changed is None or _LINK_INDEXED.intersection(changed):
                self._index_link(facility_id, record_id, values)
        elif kind == EVENT_KIND and (changed is None or "patient_id" in changed):
            patient_id = values.get("patient_id")
            row: Row | None = None
            if isinstance(patient_id, str) and patient_id:
                row = {"record_id": record_id, "facility_id": facility_id, "patient_id": patient_id}
            self._events.set(record_id, row, fresh=changed is None)

    def flush(self, bulk: Bulk | None = None) -> None:
        """Write every pending index row and duplicate pair (or queue them in `bulk`)."""
        own = bulk if bulk is not None else Bulk(self._conn)
        for rows in (self._identity, self._key, self._events):
            rows.flush(own)
        own.insert(duplicate_candidate, self._candidates)
        self._candidates = []
        if bulk is None:
            own.run()

    def _index_patient(
        self, facility_id: str, record_id: str, values: dict[str, Any], *, fresh: bool
    ) -> None:
        identity: Row | None = None
        key: Row | None = None
        if values.get("deleted_at") is None:
            cccd = values.get("cccd")
            if isinstance(cccd, str) and cccd:
                identity = {
                    "record_id": record_id,
                    "facility_id": facility_id,
                    "cccd": cccd,
                    "created_at": str(values.get("created_at") or ""),
                }
            block = _name_block(values)
            if block:
                key = {
                    "record_id": record_id,
                    "facility_id": facility_id,
                    "name_block": block,
                    "birth_year": _birth_year(values),
                }
        self._identity.set(record_id, identity, fresh=fresh)
        self._key.set(record_id, key, fresh=fresh)

    def _index_link(self, facility_id: str, link_id: str, values: dict[str, Any]) -> None:
        conn = self._conn
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
            for pair in self._candidates:  # queued earlier in this push, not written yet
                if pair["a_id"] == a_id and pair["b_id"] == b_id and pair["status"] == "open":
                    pair["status"] = "merged"

    # ------------------------------------------------------------------ reads

    def prefetch(
        self, facility_id: str, patients: Iterable[tuple[dict[str, Any] | None, dict[str, Any]]]
    ) -> None:
        """Read at once what the push's patient ops will look up: the index rows of their
        CCCDs and blocking keys, and the states of the likely duplicate candidates.

        `patients`: each patient op's record state before the push (None: new here) and
        fields. A guess only: whatever else `after_patient_op` needs is read when needed.
        """
        cccds: list[Key] = []
        blocks: list[Key] = []
        for state, fields in patients:
            if state is not None and "cccd" not in fields:
                continue  # neither linked nor scored (see `after_patient_op`)
            values = fields if state is None else {**state, **fields}
            cccd = values.get("cccd")
            if isinstance(cccd, str) and cccd:
                cccds.append((facility_id, cccd))
            if state is None:
                block, year = _name_block(values), _birth_year(values)
                if block is not None and year is not None:
                    blocks.append((facility_id, block, year))
        self._load_identities(cccds)
        self._load_blocks(blocks)
        candidates = [
            row["record_id"] for key in blocks for row in self._key.lookup(key)[:MAX_CANDIDATES]
        ]
        load_values(self._conn, PATIENT_KIND, list(dict.fromkeys(candidates)))

    def guess_keys(
        self, facility_id: str, patients: Iterable[dict[str, Any]]
    ) -> tuple[list[Key], list[Key]]:
        """The CCCD and blocking keys the patient ops with these fields may look up, guessed
        from the fields alone (before the records' states are known): a superset of what
        `prefetch` reads for them."""
        cccds: list[Key] = []
        blocks: list[Key] = []
        for fields in patients:
            cccd = fields.get("cccd")
            if isinstance(cccd, str) and cccd:
                cccds.append((facility_id, cccd))
            block, year = _name_block(fields), _birth_year(fields)
            if block is not None and year is not None:
                blocks.append((facility_id, block, year))
        return self._identity.missing(cccds), self._key.missing(blocks)

    @staticmethod
    def identities_query(keys: list[Key]) -> tuple[str, tuple[Any, ...]]:
        """PostgreSQL: the statement reading the identity rows of (facility_id, cccd) `keys`
        of one facility (rows for `take_identities`)."""
        return _IDENTITIES_ANY, (keys[0][0], [cccd for _, cccd in keys])

    @staticmethod
    def blocks_query(keys: list[Key]) -> tuple[str, tuple[Any, ...]]:
        """PostgreSQL: the statement reading the patient_key rows of (facility_id, block,
        year) `keys` of one facility (rows for `take_blocks`)."""
        blocks = [block for _, block, _ in keys]
        return _BLOCKS_UNNEST, (blocks, [year for _, _, year in keys], keys[0][0], _PER_BLOCK)

    def take_identities(self, keys: list[Key], rows: Iterable[tuple[Any, ...]]) -> None:
        names = ("record_id", "facility_id", "cccd", "created_at")
        self._identity.add_loaded(keys, [dict(zip(names, row, strict=True)) for row in rows])

    def take_blocks(self, keys: list[Key], rows: Iterable[tuple[Any, ...]]) -> None:
        names = ("record_id", "facility_id", "name_block", "birth_year")
        self._key.add_loaded(keys, [dict(zip(names, row, strict=True)) for row in rows])

    def _load_identities(self, keys: Iterable[Key]) -> None:
        missing = self._identity.missing(keys)
        rows: list[Row] = []
        for facility_id, group in _by_facility(missing).items():
            for start in range(0, len(group), _CHUNK):
                found = self._conn.execute(
                    select(patient_identity).where(
                        patient_identity.c.facility_id == facility_id,
                        patient_identity.c.cccd.in_(group[start : start + _CHUNK]),
                    )
                )
                rows += [dict(r._mapping) for r in found]
        self._identity.add_loaded(missing, rows)

    def _load_blocks(self, keys: Iterable[Key]) -> None:
        missing = self._key.missing(keys)
        rows: list[Row] = []
        for start in range(0, len(missing), _MAX_BLOCKS):
            chunk = missing[start : start + _MAX_BLOCKS]
            size = _BLOCK_SIZES[bisect_left(_BLOCK_SIZES, len(chunk))]
            padded = chunk + chunk[-1:] * (size - len(chunk))
            params = {
                f"{name}{n}": value
                for n, key in enumerate(padded)
                for name, value in zip("fby", key, strict=True)
            }
            found = self._conn.execute(_blocks_statement(size), params)
            rows += [dict(r._mapping) for r in found]
        self._key.add_loaded(missing, rows)

    # ------------------------------------------------------------------ after a patient op

    def after_patient_op(
        self,
        facility_id: str,
        record_id: str,
        values: dict[str, Any],
        changed: list[str] | None,
    ) -> list[PlannedOp]:
        """What the server does after a pushed patient op (its index rows already set): link
        a same-CCCD chart, or queue likely duplicates of a new patient. Returns the link ops
        to append (maybe none)."""
        is_new = changed is None
        if not is_new and "cccd" not in (changed or ()):
            return []
        if values.get("deleted_at") is not None:
            return []
        cccd = values.get("cccd")
        links: list[PlannedOp] = []
        matched = False
        if isinstance(cccd, str) and cccd:
            links, matched = self._plan_cccd_links(facility_id, record_id, cccd, values)
        if is_new and not matched:
            self._queue_likely_duplicates(facility_id, record_id, values)
        return links

    def _plan_cccd_links(
        self, facility_id: str, record_id: str, cccd: str, values: dict[str, Any]
    ) -> tuple[list[PlannedOp], bool]:
        key = (facility_id, cccd)
        self._load_identities([key])
        rows = [row for row in self._identity.lookup(key) if row["record_id"] != record_id]
        if not rows:
            return [], False
        conn = self._conn
        away = _linked_away(conn, [record_id, *(r["record_id"] for r in rows)])
        if record_id in away:
            return [], True  # read through its survivor already
        others = sorted(
            (_moment(r["created_at"]), r["record_id"]) for r in rows if r["record_id"] not in away
        )
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

    def _queue_likely_duplicates(
        self, facility_id: str, record_id: str, values: dict[str, Any]
    ) -> None:
        block, year = _name_block(values), _birth_year(values)
        if block is None or year is None:
            return
        key = (facility_id, block, year)
        self._load_blocks([key])
        others = [row["record_id"] for row in self._key.lookup(key)]
        others = [rid for rid in others if rid != record_id][:MAX_CANDIDATES]
        if not others:
            return
        # Called only for a patient new to the server: no pair with it can exist yet.
        patient = Person.from_plain(values)
        self._now = self._now or now_iso()
        for other_id, other_values in load_values(self._conn, PATIENT_KIND, others).items():
            match = score(patient, _person(other_id, other_values))
            if match.score < LIKELY_DUPLICATE:
                continue
            a_id, b_id = sorted((record_id, other_id))
            self._candidates.append(
                {
                    "id": new_id(),
                    "facility_id": facility_id,
                    "a_id": a_id,
                    "b_id": b_id,
                    "score": match.score,
                    "reasons": dumps(list(match.reasons)),
                    "status": "open",
                    "created_at": self._now,
                }
            )


#: Charts as scored, by record id, with the values they were made from: a chart is scored
#: against every new registration of its block, in this push and later ones (`state` hands
#: out the same values object while the stored text is unchanged). Bounded.
_PERSONS: dict[str, tuple[dict[str, Any], Person]] = {}
_PERSONS_MAX = 20_000


def _person(record_id: str, values: dict[str, Any]) -> Person:
    cached = _PERSONS.get(record_id)
    if cached is not None and cached[0] is values:
        return cached[1]
    person = Person.from_plain(values)
    if len(_PERSONS) >= _PERSONS_MAX:
        _PERSONS.clear()
    _PERSONS[record_id] = (values, person)
    return person


def _by_facility(keys: Iterable[Key]) -> dict[str, list[Any]]:
    """(facility_id, value) keys grouped by facility: facility_id → the values."""
    grouped: dict[str, list[Any]] = {}
    for facility_id, value in keys:
        grouped.setdefault(facility_id, []).append(value)
    return grouped


def reindex(
    conn: Connection,
    facility_id: str,
    kind: str,
    record_id: str,
    values: dict[str, Any],
    changed: list[str] | None,
) -> None:
    """`IndexWriter.reindex` for one record, written at once."""
    writer = IndexWriter(conn)
    writer.reindex(facility_id, kind, record_id, values, changed)
    writer.flush()


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
    writer = IndexWriter(conn)
    for facility_id, kind, record_id, text in rows.all():
        writer.reindex(facility_id, kind, record_id, json.loads(text), None)
    writer.flush()


def _name_block(values: dict[str, Any]) -> str | None:
    """Family and given name, folded: the block a new registration is compared within.

    Duplicates nearly always share both; blocking on the family name alone compared a new
    "Nguyễn …" with hundreds of others and took half of every push.
    """
    name = values.get("full_name")
    return _block_of(name) if isinstance(name, str) else None


@lru_cache(maxsize=4096)
def _block_of(name: str) -> str | None:
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
    "IndexWriter",
    "PlannedOp",
    "chart_by_cccd",
    "check_cccd",
    "open_duplicates",
    "rebuild_indexes",
    "reindex",
]
