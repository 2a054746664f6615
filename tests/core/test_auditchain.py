"""The audit chain's hash: one function for the PC and the server (`core.auditchain`)."""

from __future__ import annotations

import hashlib
from typing import Any

from emr_desktop.core.auditchain import GENESIS, HASHED_FIELDS, WIRE_FIELDS, row_hash

ROW: dict[str, Any] = {
    "seq": 1,
    "id": "01JD0000000000000000000001",
    "at": "2026-11-22T08:00:00+00:00",
    "user_id": "u1",
    "device_id": "d1",
    "action": "chart.read",
    "target_kind": "patient",
    "target_id": "p1",
    "patient_id": "p1",
    "detail": '{"từ":"khoa Nội"}',
}


def test_the_hash_is_the_sha256_of_the_previous_hash_and_the_sorted_content() -> None:
    # Spelled out by hand: every PC in the field hashed its rows so; the server must agree.
    content = (
        '{"action":"chart.read","at":"2026-11-22T08:00:00+00:00",'
        '"detail":"{\\"từ\\":\\"khoa Nội\\"}",'
        '"device_id":"d1","id":"01JD0000000000000000000001","patient_id":"p1",'
        '"target_id":"p1","target_kind":"patient","user_id":"u1"}'
    )
    expected = hashlib.sha256(f"{GENESIS}|{content}".encode()).hexdigest()
    assert row_hash(GENESIS, ROW) == expected


def test_every_hashed_field_and_the_link_change_the_hash() -> None:
    base = row_hash(GENESIS, ROW)
    assert row_hash("1" * 64, ROW) != base
    for name in HASHED_FIELDS:
        assert row_hash(GENESIS, {**ROW, name: "khác"}) != base, name
    # The PC's row number is not content: the server may keep it, the hash ignores it.
    assert row_hash(GENESIS, {**ROW, "seq": 99}) == base
    assert set(WIRE_FIELDS) == {"seq", *HASHED_FIELDS, "prev_hash", "hash"}
