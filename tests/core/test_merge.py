"""Merging ops converges whatever the order, keeps losing concurrent values, is idempotent."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.core.merge import EVENT_KIND, merge_op


def _hlc(ms: int, node: str) -> str:
    return f"{ms:015d}:000000:{node}"


def _apply(ops: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, str], int]:
    values: dict[str, Any] | None = None
    stamps: dict[str, str] | None = None
    conflicts = 0
    for op in ops:
        result = merge_op(
            kind=op.get("kind", "patient"),
            record_id="r",
            values=values,
            stamps=stamps,
            op_fields=op["fields"],
            op_hlc=op["hlc"],
            op_base=op["base"],
        )
        values, stamps = result.values, result.stamps
        conflicts += len(result.conflicts)
    assert values is not None and stamps is not None
    return values, stamps, conflicts


CREATE = {
    "fields": {"full_name": "Lê Văn A", "address": "Thôn 1"},
    "hlc": _hlc(1, "pc-a"),
    "base": {},
}


def test_sequential_edit_wins_without_conflict() -> None:
    edit = {
        "fields": {"address": "Thôn 2"},
        "hlc": _hlc(5, "pc-b"),
        "base": {"address": _hlc(1, "pc-a")},
    }
    values, stamps, conflicts = _apply([CREATE, edit])
    assert values["address"] == "Thôn 2" and conflicts == 0
    assert stamps["full_name"] == _hlc(1, "pc-a")


def test_concurrent_edits_pick_the_same_winner_and_keep_the_loser() -> None:
    a = {
        "fields": {"address": "Thôn 2"},
        "hlc": _hlc(5, "pc-a"),
        "base": {"address": _hlc(1, "pc-a")},
    }
    b = {
        "fields": {"address": "Thôn 3"},
        "hlc": _hlc(5, "pc-b"),
        "base": {"address": _hlc(1, "pc-a")},
    }
    for order in ([CREATE, a, b], [CREATE, b, a]):
        values, _, conflicts = _apply(order)
        assert values["address"] == "Thôn 3"  # tie on time: the larger device id wins
        assert conflicts == 1


def test_signed_event_is_never_replaced_by_a_draft() -> None:
    draft = {
        "kind": EVENT_KIND,
        "fields": {"status": "draft", "body": 1},
        "hlc": _hlc(9, "pc-a"),
        "base": {},
    }
    signed = {
        "kind": EVENT_KIND,
        "fields": {"status": "signed", "body": 1},
        "hlc": _hlc(5, "pc-a"),
        "base": {},
    }
    for order in ([draft, signed], [signed, draft]):
        assert _apply(order)[0]["status"] == "signed"


_field = st.sampled_from(["full_name", "address", "phones"])
_op = st.builds(
    lambda name, value, ms, node, base_ms: {
        "fields": {name: value},
        "hlc": _hlc(ms, node),
        "base": {name: _hlc(base_ms, "pc-a")},
    },
    _field,
    st.text(max_size=3),
    st.integers(2, 50),
    st.sampled_from(["pc-a", "pc-b", "pc-c"]),
    st.integers(1, 50),
)


@given(st.lists(_op, min_size=1, max_size=5, unique_by=lambda o: o["hlc"]))
def test_every_order_converges_and_replays_change_nothing(ops: list[dict[str, Any]]) -> None:
    outcomes = set()
    for order in itertools.permutations(ops):
        values, stamps, _ = _apply([CREATE, *order])
        again, again_stamps, _ = _apply([CREATE, *order, *order])
        assert (again, again_stamps) == (values, stamps)
        outcomes.add((tuple(sorted(values.items())), tuple(sorted(stamps.items()))))
    assert len(outcomes) == 1
