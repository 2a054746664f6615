"""How alike two patient registrations are (DESIGN §4 "Duplicates").

Two PCs offline can register the same person. The same CCCD is the same person; otherwise
a score over folded name, birth year, sex, phone and address says how likely it is, and
likely pairs go to a clerk, who merges them (never automatically).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def score(a: Patient, b: Patient) -> MatchScore:
    """How likely `a` and `b` are the same person."""
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
    if a.date_of_birth and b.date_of_birth:
        if a.date_of_birth.year == b.date_of_birth.year:
            total += 0.2
            reasons.append("birth_year")
            if a.date_of_birth.date and a.date_of_birth.date == b.date_of_birth.date:
                total += 0.05
                reasons.append("birth_date")
        elif abs(a.date_of_birth.year - b.date_of_birth.year) > 2:
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
