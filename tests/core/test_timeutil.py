"""Times are stored in UTC and shown in Vietnamese time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.timeutil import parse_moment, require_aware, to_local, utc_now


def test_local_time_is_utc_plus_seven() -> None:
    moment = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)
    assert to_local(moment).strftime("%d/%m/%Y %H:%M") == "22/11/2026 03:30"


def test_typed_times_without_zone_are_vietnamese() -> None:
    assert parse_moment("2026-11-22T03:30", "at") == datetime(2026, 11, 21, 20, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        parse_moment("22/11/2026", "scheduled_for")
    assert info.value.field == "scheduled_for"


def test_naive_times_are_refused_and_now_is_utc() -> None:
    with pytest.raises(ValidationError):
        require_aware(datetime(2026, 1, 1), "at")
    assert utc_now().tzinfo is UTC and utc_now().microsecond % 1000 == 0
