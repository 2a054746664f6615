"""Patient search: FTS5 over folded names and identifiers (DESIGN §7: p95 ≤ 25 ms).

Ranking: an exact identifier (CCCD, CMND, BHYT, phone, MRN) first, then an identifier that
starts with the query; then names that start with the typed words (whole words before
words still being typed); then names containing every typed word — the last one, and any
word no name has, as a prefix. Within a tier,
the most recently registered first. Merged-away charts are not listed: their survivor is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain
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
    add_name_words(conn, [name])


def index_patients(
    conn: Connection, entries: Sequence[tuple[int, Patient]], *, replace: Iterable[int] = ()
) -> None:
    """Add or refresh many patients' entries at once (a pulled page): the entries of the
    pks in `replace` are dropped first; each pk appears at most once in `entries`."""
    dropped = [(pk,) for pk in replace]
    if dropped:
        conn.exec_driver_sql("DELETE FROM patient_fts WHERE rowid = ?", dropped)
    rows = [(pk, *index_row(patient)) for pk, patient in entries]
    insert_rows(conn, "INSERT INTO patient_fts(rowid, name, ident) VALUES ", rows)
    add_name_words(conn, [name for _, name, _ in rows])


def add_name_words(conn: Connection, folded_names: Iterable[str]) -> None:
    """Remember the words of folded names (a word once seen is never forgotten: harmless)."""
    words = {word for name in folded_names for word in fold_tokens(name)}
    insert_rows(conn, "INSERT OR IGNORE INTO name_word(word) VALUES ", [(w,) for w in words])


#: Values bound in one statement at most: SQLite's limit before version 3.32.
MAX_VARIABLES = 999


def insert_rows(conn: Connection, head: str, rows: Sequence[Sequence[Any]]) -> None:
    """`head` ("INSERT INTO t (a, b) VALUES ") for every row, in order, with many rows per
    statement: SQLite lets other threads run between statements (and between the rows of
    an `executemany`), and getting the turn back costs up to a switch interval each time."""
    if not rows:
        return
    width = len(rows[0])
    per_statement = max(1, MAX_VARIABLES // width)
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        conn.exec_driver_sql(
            head + ", ".join([one] * len(chunk)), tuple(chain.from_iterable(chunk))
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
        *earlier, last = tokens
        # A word before the last is taken whole when some name has it (the clerk finished
        # typing it), else as a prefix ("ng van an"). A prefix is matched as the OR of the
        # few words it can be: FTS5 walks those lazily, newest first, and stops at the
        # limit, where a `prefix*` query would first gather every row of every such word —
        # hundreds of thousands for "nguy".
        finished = [_is_word(conn, t) for t in earlier]
        endings = _words_with_prefix(conn, last)
        if all(finished) and endings:
            head = " ".join(earlier)
            if last in endings:
                run(f"name : ^ {_quote(f'{head} {last}'.strip())}", limit * 2)
            starts = " OR ".join(f"^ {_quote(f'{head} {w}'.strip())}" for w in endings)
            run(f"name : ({starts})", limit * 2)
        groups = [
            _quote(t) if done else _any_of(conn, t)
            for t, done in zip(earlier, finished, strict=True)
        ]
        groups.append(_any_of(conn, last, endings))
        run("name : " + " AND ".join(groups), limit * 3)
    return found


#: A prefix that could be more words than this is left to FTS5's own prefix index.
_MAX_EXPANSION = 64


def _is_word(conn: Connection, token: str) -> bool:
    row = conn.exec_driver_sql("SELECT 1 FROM name_word WHERE word = ?", (token,)).fetchone()
    return row is not None


def _words_with_prefix(conn: Connection, prefix: str) -> list[str] | None:
    """The words starting with `prefix`, or None when there are too many to list."""
    rows = conn.exec_driver_sql(
        "SELECT word FROM name_word WHERE word >= ? AND word < ? ORDER BY word LIMIT ?",
        (prefix, prefix + "\U0010ffff", _MAX_EXPANSION + 1),
    ).fetchall()
    if len(rows) > _MAX_EXPANSION:
        return None
    return [row[0] for row in rows]


def _any_of(conn: Connection, prefix: str, words: list[str] | None = None) -> str:
    """An FTS5 expression for "a word starting with `prefix`"."""
    if words is None:
        words = _words_with_prefix(conn, prefix)
    if words is None:
        return f"{_quote(prefix)}*"
    if not words:
        return _quote(prefix)  # no such word: matches nothing, as it should
    return "(" + " OR ".join(_quote(w) for w in words) + ")"


def fetch_by_pks(conn: Connection, pks: list[int]) -> list[Any]:
    """Patient rows in the order of `pks`."""
    if not pks:
        return []
    marks = ",".join("?" * len(pks))
    rows = conn.exec_driver_sql(f"SELECT * FROM patient WHERE pk IN ({marks})", tuple(pks))  # noqa: S608
    by_pk = {row._mapping["pk"]: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]
