"""A pulled page applied in bulk leaves the store exactly as its ops applied one at a time.

Each test clones one store (same files, same device) and gives the same ops to both
copies: to one as a single page (`apply_remote_ops` with every op: rows read together,
writes sent together), to the other one op per call (each call reads, merges and writes a
single op, as the pull did before it worked in bulk). Rows with their stamps, record
numbers, the search index, the known name words, the conflicts and the reports must match.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.syncclient.support import canonical_dump, make_pc, outbox_ops

from emr_desktop.core.hlc import Hlc
from emr_desktop.core.ids import new_id
from emr_desktop.core.merge import EVENT_KIND
from emr_desktop.core.records import Measurement, VitalSigns
from emr_desktop.core.text import fold
from emr_desktop.core.wire import Op
from emr_desktop.services import clinical
from emr_desktop.services import patients as patient_service
from emr_desktop.store.replica import ApplyReport, apply_remote_ops
from emr_desktop.store.schema import TABLES_BY_KIND, clinical_event, conflict
from emr_desktop.store.search import search_patient_pks
from emr_desktop.store.store import Store


def _clone(store: Store, target: Path) -> tuple[Store, Store]:
    """The store and an identical copy of it (same files, same device), both open."""
    source = store.data_dir
    store.close()
    shutil.copytree(source, target)
    return Store.open(source), Store.open(target)


def _bulk(store: Store, ops: list[Op]) -> ApplyReport:
    with store.unit_of_work(user_id=None) as uow:
        report = apply_remote_ops(uow.conn, store, ops)
        uow.commit()
    return report


def _one_by_one(store: Store, ops: list[Op]) -> ApplyReport:
    total = ApplyReport()
    for op in ops:
        report = _bulk(store, [op])
        total.applied += report.applied
        total.skipped_own += report.skipped_own
        total.unchanged += report.unchanged
        total.conflicts.extend(report.conflicts)
    return total


_NAMES = ("Lê Văn An", "Lê Văn Anh", "Phạm Thị Lan", "Đỗ Minh Đức", "Hoàng Văn Hải")
#: Searched in every state compared: current names and identifiers, and former ones.
_QUERIES = (
    *_NAMES,
    "Nguyễn Văn Bình",
    "Nguyễn Văn Bình An",
    "Trần Thị Cúc",
    "Trần Thị Cúc Hoa",
    "0912345678",
    "0987654321",
    "le van",
)


def _state(store: Store) -> dict[str, Any]:
    """Everything a pulled op may change, in a comparable form."""
    state: dict[str, Any] = dict(canonical_dump(store))
    patient = TABLES_BY_KIND["patient"]
    with store.engine.connect() as conn:
        patients = conn.execute(select(patient).order_by(patient.c.pk)).all()
        state["patient_pks"] = [(row.pk, row.id) for row in patients]
        # The stamps as stored, byte for byte (the dump compares them field by field).
        state["field_hlc"] = {
            table.name: [
                (row.id, row.field_hlc)
                for row in conn.execute(select(table.c.id, table.c.field_hlc).order_by(table.c.id))
            ]
            for table in [*TABLES_BY_KIND.values(), clinical_event]
        }
        # The index is contentless: what it holds is what it finds.
        queries = {*_QUERIES, *(q for row in patients for q in (fold(row.full_name), row.mrn))}
        state["found"] = {query: search_patient_pks(conn, query, limit=50) for query in queries}
        state["name_words"] = sorted(
            word for (word,) in conn.exec_driver_sql("SELECT word FROM name_word")
        )
        state["conflicts"] = [
            {k: v for k, v in r._mapping.items() if k not in ("id", "created_at")}
            for r in conn.execute(select(conflict).order_by(conflict.c.id))
        ]
    return state


def _assert_same(bulk: tuple[Store, ApplyReport], single: tuple[Store, ApplyReport]) -> None:
    (bulk_store, bulk_report), (single_store, single_report) = bulk, single
    assert bulk_report == single_report
    assert _state(bulk_store) == _state(single_store)


def test_a_page_mixing_creations_updates_own_ops_and_conflicts(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    first = patient_service.register_patient(
        a.store, a.doctor, full_name="Nguyễn Văn Bình", sex="male", date_of_birth="1980"
    )
    # B already has the first patient and edited its address (a later stamp, and a
    # concurrent edit: A changes the same field below without having seen B's).
    _bulk(b.store, outbox_ops(a.store))
    seen_a = len(outbox_ops(a.store))
    patient_service.update_patient(b.store, b.doctor, first.id, address="Xóm Tây")
    patient_service.update_patient(a.store, a.doctor, first.id, address="Xóm Đông")
    # A registers a patient, renames it, records an event, edits the draft: a record
    # created and updated within the page, a clinical event replaced within the page.
    second = patient_service.register_patient(
        a.store, a.doctor, full_name="Trần Thị Cúc", sex="female", date_of_birth="1975"
    )
    patient_service.update_patient(a.store, a.doctor, second.id, full_name="Trần Thị Cúc Hoa")
    vitals = VitalSigns(measurements=(Measurement("pulse", Decimal(72), "/min"),))
    event = clinical.record_event(a.store, a.doctor, patient_id=second.id, body=vitals)
    clinical.edit_draft(
        a.store,
        a.doctor,
        event.id,
        VitalSigns(measurements=(Measurement("pulse", Decimal(75), "/min"),)),
    )
    clinical.add_allergy(a.store, a.doctor, patient_id=second.id, substance="Penicillin")
    patient_service.update_patient(a.store, a.doctor, first.id, full_name="Nguyễn Văn Bình An")
    page = outbox_ops(a.store)[seen_a:]
    # B's own ops come back in the page; an op is delivered twice; a kind from the future.
    own = outbox_ops(b.store)
    unknown = replace(page[0], op_id=new_id(), kind="future_kind")
    page = [*page[:2], *own, page[1], unknown, *page[2:], page[-1]]
    kinds = {op.kind for op in page}
    assert {"patient", "clinical_event", "allergy", "future_kind"} <= kinds

    one, two = _clone(b.store, tmp_path / "b-copy")
    _assert_same((one, _bulk(one, page)), (two, _one_by_one(two, page)))
    report = _bulk(one, page)  # and once more: nothing changes, in bulk as one by one
    assert report.applied == 0
    _assert_same((one, report), (two, _one_by_one(two, page)))
    state = _state(one)
    assert len(state["conflicts"]) == 1
    assert state["found"][fold("Trần Thị Cúc Hoa")] != []


# ---------------------------------------------------------------- random pages

_CHANGES: dict[str, dict[str, tuple[Any, ...]]] = {
    "patient": {
        "full_name": _NAMES,
        "address": ("Thôn 1", "Thôn 2", None),
        "phones": ([], ["0912345678"], ["0987654321", "0912345678"]),
        "occupation": ("Nông dân", "Giáo viên"),
    },
    "allergy": {"reaction": ("Mẩn ngứa", "Khó thở", None), "severity": ("mild", "severe")},
    "encounter": {"reason": ("Sốt", "Ho", None), "department_id": (None, "khoa-noi")},
}


def _random_page(
    rng: random.Random, creations: list[Op], created: list[Op], own_device: str, size: int
) -> list[Op]:
    """Creations in their order, interleaved with random edits of records created before
    (also in the same page) from several devices, stamps before and after the held ones,
    bases that match or not; some ops are this PC's own, some delivered twice."""
    devices = [new_id() for _ in range(3)]
    wall = Hlc.decode((creations or created)[0].hlc).wall_ms
    page: list[Op] = []
    pending = list(creations)
    while len(page) < size:
        if pending and (not created or rng.random() < 0.3):
            op = pending.pop(0)
            created.append(op)
            page.append(op)
            continue
        target = rng.choice(created)
        device = rng.choice([*devices, own_device])
        hlc = Hlc(wall + rng.randint(-3, 3) * 1000, rng.randint(0, 1), device).encode()
        if target.kind == EVENT_KIND:
            fields = dict(target.fields)
            fields["status"] = rng.choice(("draft", "draft", "signed"))
            fields["correction_reason"] = rng.choice((None, "sửa", "nhầm"))
            base: dict[str, str] = {}
        else:
            choices = _CHANGES[target.kind]
            names = rng.sample(sorted(choices), rng.randint(1, len(choices)))
            fields = {name: rng.choice(choices[name]) for name in names}
            base = {
                name: rng.choice([target.hlc, hlc, (page or created)[-1].hlc])
                for name in names
                if rng.random() < 0.6
            }
        op = Op(
            op_id=new_id(),
            device_id=device,
            device_seq=len(page) + 1,
            kind=target.kind,
            record_id=target.record_id,
            fields=fields,
            hlc=hlc,
            base=base,
            user_id=None,
            created_at=target.created_at,
        )
        page.append(op)
        if rng.random() < 0.1:
            page.append(rng.choice(page))
    return page


def test_random_pages_give_the_same_store_in_bulk_as_one_by_one(tmp_path: Path) -> None:
    a, b = make_pc(tmp_path, "a"), make_pc(tmp_path, "b")
    rng = random.Random(20)
    for i in range(6):
        patient = patient_service.register_patient(
            a.store, a.doctor, full_name=_NAMES[i % len(_NAMES)], sex="male", date_of_birth="1990"
        )
        clinical.add_allergy(a.store, a.doctor, patient_id=patient.id, substance="Aspirin")
        clinical.record_event(
            a.store,
            a.doctor,
            patient_id=patient.id,
            body=VitalSigns(measurements=(Measurement("pulse", Decimal(60 + i), "/min"),)),
        )
        if i % 2:
            clinical.start_encounter(a.store, a.doctor, patient_id=patient.id, kind="outpatient")
    creations = [op for op in outbox_ops(a.store) if op.kind in (*_CHANGES, EVENT_KIND)]
    assert {op.kind for op in creations} == {*_CHANGES, EVENT_KIND}
    one, two = _clone(b.store, tmp_path / "b-copy")
    created: list[Op] = []
    for _ in range(4):
        page = _random_page(rng, creations[len(created) :], created, one.device_id, 60)
        _assert_same((one, _bulk(one, page)), (two, _one_by_one(two, page)))
    assert _state(one)["conflicts"]
