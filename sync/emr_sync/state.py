"""The server's merged view of records (`record_state`), shared by ingest, authorization and
the patient indexes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from emr_sync.db import record_state

#: The device id of ops made on the server itself (users added with the CLI, CCCD links).
SERVER_DEVICE_ID = "server"


@dataclass
class State:
    """One record as merged on the server: its facility, values and per-field stamps.

    Never changed in place (a merge makes a new one): a state may be shared by several
    pushes (see `decode_state`).
    """

    facility_id: str
    values: dict[str, Any]
    stamps: dict[str, str]


# Built once: this lookup runs several times for every pushed op, and building the
# statement anew each time cost more than running it.
_LOAD_STATE = select(
    record_state.c.facility_id, record_state.c["values"], record_state.c.stamps
).where(record_state.c.kind == bindparam("kind"), record_state.c.record_id == bindparam("rid"))


_LOAD_STATES = select(
    record_state.c.record_id,
    record_state.c.facility_id,
    record_state.c["values"],
    record_state.c.stamps,
).where(
    record_state.c.kind == bindparam("kind"),
    record_state.c.record_id.in_(bindparam("ids", expanding=True)),
)
_LOAD_VALUES = select(record_state.c.record_id, record_state.c["values"]).where(
    record_state.c.kind == bindparam("kind"),
    record_state.c.record_id.in_(bindparam("ids", expanding=True)),
)
_CHUNK = 500
#: PostgreSQL: the states of (kind, record id) pairs sent as two arrays (binary: `%b`).
_LOAD_KEYS = (
    'SELECT r.kind, r.record_id, r.facility_id, r."values", r.stamps FROM record_state AS r'
    " JOIN unnest(%b::TEXT[], %b::TEXT[]) AS k(kind, record_id)"
    " ON r.kind = k.kind AND r.record_id = k.record_id"
)

_Key = tuple[str, str]


@dataclass
class _Cache:
    """What `cache_states` keeps for one connection."""

    #: (kind, record id) → its state (None: not on the server).
    states: dict[_Key, State | None]
    #: Values read without their stamps (see `load_values`).
    values: dict[_Key, dict[str, Any] | None]


#: The caches of the connections inside `cache_states`, by `id(connection)` (looked up
#: several times per op: `Connection.info` took longer than the rest of the lookup).
_CACHES: dict[int, _Cache] = {}


#: The states last read or written by this process, with their JSON text: a state read
#: again with the same text is not decoded again. Several devices of a ward often push the
#: same records one after another. Bounded; shared by every thread (states are immutable).
_DECODED: dict[tuple[str, str], tuple[str, str, State]] = {}
_DECODED_MAX = 10_000
_DECODED_LOCK = threading.Lock()


def decode_state(kind: str, record_id: str, facility_id: str, values: str, stamps: str) -> State:
    """The state stored as `values` and `stamps` (JSON text), decoded once per text."""
    key = (kind, record_id)
    known = _DECODED.get(key)
    if (
        known is not None
        and known[0] == values
        and known[1] == stamps
        and known[2].facility_id == facility_id
    ):
        return known[2]
    state = State(facility_id, json.loads(values), json.loads(stamps))
    keep_decoded(kind, record_id, state, values, stamps)
    return state


def keep_decoded(kind: str, record_id: str, state: State, values: str, stamps: str) -> None:
    """Remember that `state` is stored as `values` and `stamps` (see `decode_state`)."""
    with _DECODED_LOCK:
        _DECODED.pop((kind, record_id), None)
        while len(_DECODED) >= _DECODED_MAX:
            del _DECODED[next(iter(_DECODED))]
        _DECODED[(kind, record_id)] = (values, stamps, state)


def load_state(conn: Connection, kind: str, record_id: str) -> State | None:
    """The merged current state of one record, or None if the server has never seen it."""
    cached = _CACHES.get(id(conn))
    cache = None if cached is None else cached.states
    if cache is not None and (kind, record_id) in cache:
        return cache[(kind, record_id)]
    row = conn.execute(_LOAD_STATE, {"kind": kind, "rid": record_id}).first()
    if row is None:
        state = None
    elif cache is None:  # for a caller outside a push: its own copy
        state = State(row[0], json.loads(row[1]), json.loads(row[2]))
    else:
        state = decode_state(kind, record_id, row[0], row[1], row[2])
    if cache is not None:
        cache[(kind, record_id)] = state
    return state


def remember_state(conn: Connection, kind: str, record_id: str, state: State) -> None:
    """Keep the cache (if any) in step with a state just written."""
    cached = _CACHES.get(id(conn))
    if cached is not None:
        cached.states[(kind, record_id)] = state


@contextmanager
def cache_states(conn: Connection, keys: list[tuple[str, str]]) -> Iterator[None]:
    """Within this block, `load_state` answers from memory: the states of `keys` (a push's
    records and users) are read in one query per kind, and every write through
    `remember_state` keeps them current. A push looked each one up several times per op."""
    _CACHES[id(conn)] = _Cache({}, {})
    try:
        prefetch_keys(conn, keys)
        yield
    finally:
        _CACHES.pop(id(conn), None)


def prefetch_keys(conn: Connection, keys: Iterable[tuple[str, str]]) -> None:
    """Within `cache_states`, read the states of `keys` not cached yet: on PostgreSQL in one
    query (see `states_query`), elsewhere one query per kind."""
    if conn.dialect.name != "postgresql":
        for kind, ids in _by_kind(keys).items():
            prefetch_states(conn, kind, ids)
        return
    query = states_query(conn, keys)
    if query is not None:
        wanted, (statement, params) = query
        take_states(conn, wanted, conn.exec_driver_sql(statement, params).all())


def states_query(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> tuple[list[_Key], tuple[str, tuple[Any, ...]]] | None:
    """PostgreSQL, within `cache_states`: the keys not cached yet and the statement reading
    their states (rows for `take_states`); None when there is nothing to read."""
    cached = _CACHES.get(id(conn))
    if cached is None:
        return None
    wanted = [key for key in dict.fromkeys(keys) if key not in cached.states]
    if not wanted:
        return None
    kinds = [kind for kind, _ in wanted]
    return wanted, (_LOAD_KEYS, (kinds, [record_id for _, record_id in wanted]))


def take_states(conn: Connection, wanted: list[_Key], rows: Iterable[Any]) -> None:
    """Cache the states read by `states_query` (the wanted keys without a row: none)."""
    cache = _CACHES[id(conn)].states
    for key in wanted:
        cache[key] = None
    for kind, record_id, facility_id, values, stamps in rows:
        cache[(kind, record_id)] = decode_state(kind, record_id, facility_id, values, stamps)


def prefetch_states(conn: Connection, kind: str, record_ids: Iterable[str]) -> None:
    """Within `cache_states`, read the states of `record_ids` not cached yet, 500 a query
    (outside it, do nothing)."""
    cached = _CACHES.get(id(conn))
    if cached is None:
        return
    cache = cached.states
    wanted = [rid for rid in dict.fromkeys(record_ids) if (kind, rid) not in cache]
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for record_id in chunk:
            cache[(kind, record_id)] = None
        rows = conn.execute(_LOAD_STATES, {"kind": kind, "ids": chunk})
        for record_id, facility_id, values, stamps in rows:
            cache[(kind, record_id)] = decode_state(kind, record_id, facility_id, values, stamps)


def _by_kind(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in keys:
        by_kind.setdefault(kind, []).append(record_id)
    return by_kind


def load_values(conn: Connection, kind: str, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The current values of several records of one kind, by record id (absent ones left out).

    Within `cache_states`, cached states answer first and the values read for the others
    (without their stamps) are kept for the rest of the block: a push scores each new
    patient against charts of the same block, often the same ones again.
    """
    cached = _CACHES.get(id(conn))
    if cached is None:
        return _read_values(conn, kind, record_ids, shared=False)
    states, read = cached.states, cached.values
    missing = [rid for rid in record_ids if (kind, rid) not in states and (kind, rid) not in read]
    if missing:
        found = _read_values(conn, kind, missing, shared=True)
        for record_id in missing:
            read[(kind, record_id)] = found.get(record_id)
    result: dict[str, dict[str, Any]] = {}
    for record_id in record_ids:
        key = (kind, record_id)
        if key in states:
            state = states[key]
            values = None if state is None else state.values
        else:
            values = read[key]
        if values is not None:
            result[record_id] = values
    return result


def _read_values(
    conn: Connection, kind: str, record_ids: list[str], *, shared: bool
) -> dict[str, dict[str, Any]]:
    """`shared`: values decoded before may be handed out (see `decode_state`); not to a
    caller that might change them."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), _CHUNK):
        rows = conn.execute(_LOAD_VALUES, {"kind": kind, "ids": record_ids[start : start + _CHUNK]})
        for record_id, text in rows:
            known = _DECODED.get((kind, record_id)) if shared else None
            found[record_id] = known[2].values if known and known[0] == text else json.loads(text)
    return found


def records_of_kind(conn: Connection, facility_id: str, kind: str) -> list[dict[str, Any]]:
    """The current values of every record of `kind` in a facility."""
    rows = conn.execute(
        select(record_state.c["values"]).where(
            record_state.c.facility_id == facility_id, record_state.c.kind == kind
        )
    ).scalars()
    return [json.loads(text) for text in rows]
