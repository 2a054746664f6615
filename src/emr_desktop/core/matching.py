"""How alike two patient registrations are (DESIGN §4 "Duplicates").

Two PCs offline can register the same person. The same CCCD is the same person; otherwise
a score over folded name, birth year, sex, phone and address says how likely it is, and
likely pairs go to a clerk, who merges them (never automatically).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emr_desktop.core.records import Patient
from emr_desktop.core.text import fold, fold_tokens

#: At or above this score a pair is shown to a clerk as a likely duplicate.
LIKELY_DUPLICATE = 0.75


@dataclass(frozen=True)
class MatchScore:
    """A score from 0 to 1 and the reasons behind it (shown to the clerk)."""

    score: float
    reasons: tuple[str, ...]

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY_DUPLICATE


@dataclass(frozen=True)
class Person:
    """What the score looks at, without a full (validated) patient record: the server
    scores many stored registrations per new one and reads them as plain values."""

    full_name: str
    sex: str
    birth_year: int | None = None
    birth_date: str | None = None
    phones: tuple[str, ...] = ()
    address: str | None = None
    cccd: str | None = None
    bhyt_number: str | None = None

    @classmethod
    def of(cls, patient: Patient) -> Person:
        """The parts of a patient record that matter for matching."""
        dob = patient.date_of_birth
        return cls(
            full_name=patient.full_name,
            sex=patient.sex,
            birth_year=dob.year if dob else None,
            birth_date=dob.date.isoformat() if dob and dob.date else None,
            phones=patient.phones,
            address=patient.address,
            cccd=patient.cccd,
            bhyt_number=patient.bhyt_number,
        )

    @classmethod
    def from_plain(cls, values: dict[str, Any]) -> Person:
        """From a patient's plain values (as synced); missing or odd values count as unknown."""
        dob = values.get("date_of_birth")
        year = int(dob[:4]) if isinstance(dob, str) and dob[:4].isdigit() else None
        phones = values.get("phones") or ()
        return cls(
            full_name=str(values.get("full_name") or ""),
            sex=str(values.get("sex") or ""),
            birth_year=year,
            birth_date=dob if isinstance(dob, str) and len(dob) == 10 else None,
            phones=tuple(str(p) for p in phones) if isinstance(phones, list | tuple) else (),
            address=values.get("address") or None,
            cccd=values.get("cccd") or None,
            bhyt_number=values.get("bhyt_number") or None,
        )


def _name_similarity(a: str, b: str) -> float:
    ta, tb = fold_tokens(a), fold_tokens(b)
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    # Same words in another order ("Nguyễn Thị Lan" / "Lan Nguyễn Thị"), or one middle name
    # missing, still counts for much; a different given name (the last word) for little.
    common = len(set(ta) & set(tb)) / max(len(set(ta)), len(set(tb)))
    same_given = ta[-1] == tb[-1]
    return min(1.0, common * (1.0 if same_given else 0.6))


def score(first: Patient | Person, second: Patient | Person) -> MatchScore:
    """How likely two registrations are the same person."""
    a = first if isinstance(first, Person) else Person.of(first)
    b = second if isinstance(second, Person) else Person.of(second)
    if a.cccd and b.cccd:
        if a.cccd == b.cccd:
            return MatchScore(1.0, ("cccd",))
        return MatchScore(0.0, ("cccd_differs",))
    reasons: list[str] = []
    total = 0.0
    name = _name_similarity(a.full_name, b.full_name)
    total += 0.45 * name
    if name >= 0.99:
        reasons.append("name")
    if a.birth_year is not None and b.birth_year is not None:
        if a.birth_year == b.birth_year:
            total += 0.2
            reasons.append("birth_year")
            if a.birth_date and a.birth_date == b.birth_date:
                total += 0.05
                reasons.append("birth_date")
        elif abs(a.birth_year - b.birth_year) > 2:
            total -= 0.3
    if a.sex == b.sex:
        total += 0.1
    else:
        total -= 0.3
    if set(a.phones) & set(b.phones):
        total += 0.15
        reasons.append("phone")
    if a.address and b.address:
        wa, wb = set(fold_tokens(a.address)), set(fold_tokens(b.address))
        if wa and wb and len(wa & wb) / max(len(wa), len(wb)) >= 0.6:
            total += 0.05
            reasons.append("address")
    if a.bhyt_number and b.bhyt_number and fold(a.bhyt_number) == fold(b.bhyt_number):
        total = max(total, 0.95)
        reasons.append("bhyt")
    return MatchScore(round(max(0.0, min(1.0, total)), 3), tuple(reasons))
