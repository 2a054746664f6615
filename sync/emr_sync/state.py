"""The server's merged view of records (`record_state`), shared by ingest, authorization and
the patient indexes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select

from emr_sync.db import record_state

#: The device id of ops made on the server itself (users added with the CLI, CCCD links).
SERVER_DEVICE_ID = "server"


@dataclass
class State:
    """One record as merged on the server: its facility, values and per-field stamps."""

    facility_id: str
    values: dict[str, Any]
    stamps: dict[str, str]


# Built once: this lookup runs several times for every pushed op, and building the
# statement anew each time cost more than running it.
_LOAD_STATE = select(
    record_state.c.facility_id, record_state.c["values"], record_state.c.stamps
).where(record_state.c.kind == bindparam("kind"), record_state.c.record_id == bindparam("rid"))


#: Key of the per-transaction cache in `Connection.info` (see `cache_states`).
_CACHE = "emr_sync.states"


def load_state(conn: Connection, kind: str, record_id: str) -> State | None:
    """The merged current state of one record, or None if the server has never seen it."""
    cache: dict[tuple[str, str], State | None] | None = conn.info.get(_CACHE)
    if cache is not None and (kind, record_id) in cache:
        return cache[(kind, record_id)]
    row = conn.execute(_LOAD_STATE, {"kind": kind, "rid": record_id}).first()
    state = None if row is None else State(row[0], json.loads(row[1]), json.loads(row[2]))
    if cache is not None:
        cache[(kind, record_id)] = state
    return state


def remember_state(conn: Connection, kind: str, record_id: str, state: State) -> None:
    """Keep the cache (if any) in step with a state just written."""
    cache: dict[tuple[str, str], State | None] | None = conn.info.get(_CACHE)
    if cache is not None:
        cache[(kind, record_id)] = state


@contextmanager
def cache_states(conn: Connection, keys: list[tuple[str, str]]) -> Iterator[None]:
    """Within this block, `load_state` answers from memory: the states of `keys` (a push's
    records and users) are read in one query per kind, and every write through
    `remember_state` keeps them current. A push looked each one up several times per op."""
    cache: dict[tuple[str, str], State | None] = dict.fromkeys(keys)
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in keys:
        by_kind.setdefault(kind, []).append(record_id)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(
                    record_state.c.record_id,
                    record_state.c.facility_id,
                    record_state.c["values"],
                    record_state.c.stamps,
                ).where(
                    record_state.c.kind == kind,
                    record_state.c.record_id.in_(ids[start : start + 500]),
                )
            )
            for record_id, facility_id, values, stamps in rows:
                cache[(kind, record_id)] = State(
                    facility_id, json.loads(values), json.loads(stamps)
                )
    conn.info[_CACHE] = cache
    try:
        yield
    finally:
        conn.info.pop(_CACHE, None)


def load_values(conn: Connection, kind: str, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The current values of several records of one kind, by record id (absent ones left out)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        rows = conn.execute(
            select(record_state.c.record_id, record_state.c["values"]).where(
                record_state.c.kind == kind, record_state.c.record_id.in_(chunk)
            )
        )
        for record_id, text in rows:
            found[record_id] = json.loads(text)
    return found


def records_of_kind(conn: Connection, facility_id: str, kind: str) -> list[dict[str, Any]]:
    """The current values of every record of `kind` in a facility."""
    rows = conn.execute(
        select(record_state.c["values"]).where(
            record_state.c.facility_id == facility_id, record_state.c.kind == kind
        )
    ).scalars()
    return [json.loads(text) for text in rows]
