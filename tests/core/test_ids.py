"""UUIDv7 ids: valid, unique, time-ordered."""

from __future__ import annotations

import time
import uuid

from emr_desktop.core.ids import id_time_ms, is_id, new_id


def test_ids_are_version_7_and_increasing() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert abs(id_time_ms(ids[-1]) - time.time() * 1000) < 5_000


def test_is_id() -> None:
    assert is_id(new_id())
    assert not is_id("not-an-id") and not is_id(new_id().upper())
