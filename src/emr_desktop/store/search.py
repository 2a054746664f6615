"""Patient search: FTS5 over folded names and identifiers (DESIGN §7: p95 ≤ 25 ms).

Ranking: an exact identifier (CCCD, CMND, BHYT, phone, MRN) first, then an identifier that
starts with the query; then names that start with the typed words (whole words before
words still being typed); then names containing every typed word as a prefix. Within a tier,
the most recently registered first. Merged-away charts are not listed: their survivor is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from emr_desktop.core.identity import cccd_from_qr
from emr_desktop.core.records import Patient
from emr_desktop.core.text import fold, fold_tokens

_IDENT_CHARS = re.compile(r"[^0-9A-Za-z]")


def identifier_tokens(patient: Patient) -> list[str]:
    """The identifiers a clerk may type, as index tokens."""
    values: Iterable[str | None] = (
        patient.cccd,
        patient.cmnd,
        patient.bhyt_number,
        patient.mrn,
        *patient.phones,
    )
    tokens = []
    for value in values:
        if value:
            tokens.append(_IDENT_CHARS.sub("", value).lower())
    # The 10-digit social-insurance number inside a 15-character BHYT code is typed alone too.
    if patient.bhyt_number and len(patient.bhyt_number) == 15:
        tokens.append(patient.bhyt_number[5:])
    return tokens


def index_row(patient: Patient) -> tuple[str, str]:
    """The (name, ident) columns of the index for one patient."""
    return fold(patient.full_name), " ".join(identifier_tokens(patient))


def index_patient(conn: Connection, pk: int, patient: Patient, *, replace: bool) -> None:
    """Add or refresh one patient's entry in the search index."""
    if replace:
        conn.exec_driver_sql("DELETE FROM patient_fts WHERE rowid = ?", (pk,))
    name, ident = index_row(patient)
    conn.exec_driver_sql(
        "INSERT INTO patient_fts(rowid, name, ident) VALUES (?, ?, ?)", (pk, name, ident)
    )


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _identifier_query(query: str) -> str | None:
    cleaned = query.strip()
    if cleaned.startswith("+84"):
        cleaned = "0" + cleaned[3:]
    token = _IDENT_CHARS.sub("", cleaned).lower()
    # Identifiers are mostly digits: a BHYT code has 2 letters then 13 digits.
    if len(token) >= 6 and sum(c.isdigit() for c in token) >= len(token) - 2:
        return token
    return None


_LIVE = (
    "SELECT p.pk FROM patient p WHERE p.pk = ? AND p.deleted_at IS NULL AND NOT EXISTS ("
    "SELECT 1 FROM patient_link l WHERE l.replaced_id = p.id AND l.status = 'active')"
)


def search_patient_pks(conn: Connection, query: str, limit: int = 20) -> list[int]:
    """Patient primary keys matching `query`, best first."""
    found: list[int] = []
    seen: set[int] = set()
    scanned = cccd_from_qr(query)
    if scanned is not None:  # a CCCD card scanned into the search box
        query = scanned

    def run(match: str, cap: int) -> None:
        if len(found) >= limit:
            return
        rows = conn.exec_driver_sql(
            "SELECT rowid FROM patient_fts WHERE patient_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (match, cap),
        ).fetchall()
        for (pk,) in rows:
            if pk in seen or len(found) >= limit:
                continue
            if conn.exec_driver_sql(_LIVE, (pk,)).fetchone() is None:
                continue
            seen.add(pk)
            found.append(pk)

    ident = _identifier_query(query)
    if ident is not None:
        run(f"ident : {_quote(ident)}", limit * 2)
        run(f"ident : {_quote(ident)}*", limit * 2)
    tokens = fold_tokens(query)
    if tokens:
        phrase = " ".join(tokens)
        run(f"name : ^ {_quote(phrase)}", limit * 2)
        run(f"name : ^ {_quote(phrase)}*", limit * 2)
        run("name : " + " AND ".join(f"{_quote(t)}*" for t in tokens), limit * 3)
    return found


def fetch_by_pks(conn: Connection, pks: list[int]) -> list[Any]:
    """Patient rows in the order of `pks`."""
    if not pks:
        return []
    marks = ",".join("?" * len(pks))
    rows = conn.exec_driver_sql(f"SELECT * FROM patient WHERE pk IN ({marks})", tuple(pks))  # noqa: S608
    by_pk = {row._mapping["pk"]: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]
