"""Hybrid logical clock: monotonic, merges remote stamps, survives wrong wall clocks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.hlc import Hlc, HybridLogicalClock


class FakeWall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_stamps_increase_even_when_the_wall_clock_goes_back() -> None:
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock("pc-a", wall)
    first = clock.now()
    wall.ms = 5  # someone set the PC clock back
    second = clock.now()
    assert second > first and second.encode() > first.encode()
    assert second.wall_ms == first.wall_ms and second.counter == 1


def test_observing_a_future_stamp_moves_the_clock_past_it() -> None:
    clock = HybridLogicalClock("pc-a", FakeWall(1_000))
    remote = Hlc(50_000, 7, "pc-b")
    merged = clock.observe(remote)
    assert merged > remote and clock.now() > merged


def test_ties_are_broken_by_node() -> None:
    assert Hlc(1, 0, "pc-a").encode() < Hlc(1, 0, "pc-b").encode()


def test_restore_continues_after_the_persisted_stamp() -> None:
    clock = HybridLogicalClock("pc-a", FakeWall(10))
    clock.restore(Hlc(99, 3, "pc-a").encode())
    assert clock.now() == Hlc(99, 4, "pc-a")


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**12), st.booleans(), st.integers(0, 10**12), st.integers(0, 999)
        ),
        max_size=50,
    )
)
def test_encoded_order_is_clock_order(steps: list[tuple[int, bool, int, int]]) -> None:
    wall = FakeWall(0)
    clock = HybridLogicalClock("pc-a", wall)
    issued = []
    for wall_ms, remote, remote_ms, counter in steps:
        wall.ms = wall_ms
        stamp = clock.observe(Hlc(remote_ms, counter, "pc-b")) if remote else clock.now()
        issued.append(stamp)
    encoded = [s.encode() for s in issued]
    assert encoded == sorted(encoded) and len(set(encoded)) == len(encoded)
    assert all(Hlc.decode(e) == s for e, s in zip(encoded, issued, strict=True))


@pytest.mark.parametrize("text", ["", "1:2:3", "000000000000001:000001:", "x" * 30])
def test_malformed_stamps_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        Hlc.decode(text)
    assert info.value.field == "hlc"
