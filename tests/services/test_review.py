"""What the review screen reads: conflicts with whose record and which PC wrote what, the
queue of likely duplicate charts, and the merges that may be undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.services.test_conflicts import _conflicting_pcs

from emr_desktop.core.errors import PermissionDenied
from emr_desktop.services import duplicates, patients, review
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store


def test_a_conflict_names_the_patient_and_the_pc_of_each_value(tmp_path: Path) -> None:
    a, b, patient_id, _ = _conflicting_pcs(tmp_path)
    [view] = review.conflict_views(a.store, a.doctor)
    assert view.patient is not None and view.patient.id == patient_id
    assert view.patient.full_name == "Đinh Văn Lộc"
    devices = {view.winner.device_id, view.loser.device_id}
    assert devices == {a.store.device_id, b.store.device_id}
    assert {view.winner.device_name, view.loser.device_name} == {"PC 1", "PC 2"}
    assert view.winner.at is not None and view.loser.at is not None
    with pytest.raises(PermissionDenied):
        review.conflict_views(a.store, a.admin)


def _register(store: Store, who: Session, name: str, born: str, phone: str) -> str:
    return patients.register_patient(
        store, who, full_name=name, sex="female", date_of_birth=born, phones=(phone,)
    ).id


def test_the_duplicate_queue_pairs_new_charts_with_likely_old_ones(
    store: Store, registrar: Session
) -> None:
    old = _register(store, registrar, "Bùi Thị Mận", "1948", "0977111222")
    _register(store, registrar, "Bùi Thị Mận", "1991", "0911000111")
    _register(store, registrar, "Hà Thị Thu", "1970", "0988777666")
    new = _register(store, registrar, "BUI THI MAN", "1948", "0977111222")
    [pair] = review.duplicate_pairs(store, registrar)
    assert (pair.first.id, pair.second.id) == (old, new)
    assert pair.match.likely and "birth_year" in pair.match.reasons

    link = duplicates.merge_patients(
        store, registrar, survivor_id=old, replaced_id=new, reason="Cùng người"
    )
    assert review.duplicate_pairs(store, registrar) == []
    [merge] = review.recent_merges(store, registrar)
    assert merge.link.id == link.id and merge.merged_by == registrar.full_name
    assert (merge.survivor.id, merge.replaced.id) == (old, new)

    # A merge undone says they are two people: the pair is not proposed again.
    duplicates.unmerge_patients(store, registrar, link.id)
    assert review.recent_merges(store, registrar) == []
    assert review.duplicate_pairs(store, registrar) == []


def test_the_queue_looks_at_the_newest_registrations_only(store: Store, registrar: Session) -> None:
    _register(store, registrar, "Bùi Thị Mận", "1948", "0977111222")
    _register(store, registrar, "BUI THI MAN", "1948", "0977111222")
    for n, name in enumerate(("Khổng Văn Tư", "Lò Văn Pọm", "Đèo Thị Sinh")):
        _register(store, registrar, name, "1980", f"090000000{n}")
    assert review.duplicate_pairs(store, registrar, recent=3) == []
    assert len(review.duplicate_pairs(store, registrar, recent=4)) == 1
