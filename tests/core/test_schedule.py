"""Dose times of medication orders, in Asia/Ho_Chi_Minh local time (UTC+7, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.records import MedicationOrder
from emr_desktop.core.schedule import (
    all_doses,
    day_offsets,
    dose_times,
    doses_between,
    dosing_interval,
    last_day,
    spread_times,
)
from emr_desktop.core.timeutil import VIETNAM_TZ


def order(
    times: tuple[str, ...], start: date = date(2025, 3, 1), days: int = 3, **kw: object
) -> MedicationOrder:
    return MedicationOrder(
        drug_code="T0040",
        drug_name="Ceftriaxon 1 g",
        dose=Decimal(1),
        dose_unit="lọ",
        route="iv",
        times=times,
        start_date=start,
        days=days,
        **kw,  # type: ignore[arg-type]
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)  # type: ignore[misc]


def test_local_clock_times_are_seven_hours_ahead_of_utc() -> None:
    doses = dose_times(order(("08:00", "20:00")), day=date(2025, 3, 1))
    assert doses == [utc(2025, 3, 1, 1, 0), utc(2025, 3, 1, 13, 0)]
    assert all(d.tzinfo is UTC for d in doses)


def test_an_early_morning_dose_falls_on_the_previous_utc_day() -> None:
    # 06:00 in Hà Nội is 23:00 UTC the evening before.
    assert dose_times(order(("06:00",)), day=date(2025, 3, 2)) == [utc(2025, 3, 1, 23, 0)]


def test_no_daylight_saving_shift_in_any_month() -> None:
    yearly = order(("08:00",), start=date(2025, 1, 1), days=365)
    offsets = {d - d.astimezone(VIETNAM_TZ).replace(tzinfo=UTC) for d in all_doses(yearly)}
    assert offsets == {timedelta(hours=-7)}
    assert len(all_doses(yearly)) == 365


def test_a_22_00_and_02_00_order_crosses_midnight() -> None:
    night = order(("22:00", "02:00"), days=2)
    assert all_doses(night) == [
        local(2025, 3, 1, 22, 0),
        local(2025, 3, 2, 2, 0),
        local(2025, 3, 2, 22, 0),
        local(2025, 3, 3, 2, 0),
    ]
    # By calendar day: the first day has only 22:00, the day after the last has only 02:00.
    assert dose_times(night, day=date(2025, 3, 1)) == [local(2025, 3, 1, 22, 0)]
    assert dose_times(night, day=date(2025, 3, 2)) == [
        local(2025, 3, 2, 2, 0),
        local(2025, 3, 2, 22, 0),
    ]
    assert dose_times(night, day=date(2025, 3, 3)) == [local(2025, 3, 3, 2, 0)]
    assert dose_times(night, day=date(2025, 3, 4)) == []


def test_times_in_clock_order_stay_within_each_day() -> None:
    assert day_offsets(("02:00", "22:00")) == ((0, 120), (0, 1320))
    assert day_offsets(("22:00", "02:00")) == ((0, 1320), (1, 120))
    assert day_offsets(("08:00", "08:00", "20:00")) == ((0, 480), (0, 1200))


def test_first_and_last_day() -> None:
    tid = order(("08:00", "14:00", "20:00"), start=date(2025, 3, 10), days=5)
    assert last_day(tid) == date(2025, 3, 14)
    assert dose_times(tid, day=date(2025, 3, 9)) == []
    assert len(dose_times(tid, day=date(2025, 3, 10))) == 3
    assert len(dose_times(tid, day=date(2025, 3, 14))) == 3
    assert dose_times(tid, day=date(2025, 3, 15)) == []
    assert len(all_doses(tid)) == 15
    assert all_doses(tid)[0] == local(2025, 3, 10, 8, 0)
    assert all_doses(tid)[-1] == local(2025, 3, 14, 20, 0)


def test_a_start_date_in_the_past_gives_the_doses_still_to_come() -> None:
    course = order(("08:00", "20:00"), start=date(2025, 2, 20), days=10)
    now = local(2025, 2, 28, 12, 0)
    coming = doses_between(course, now, now + timedelta(days=30))
    assert coming == [
        local(2025, 2, 28, 20, 0),
        local(2025, 3, 1, 8, 0),
        local(2025, 3, 1, 20, 0),
    ]


def test_doses_between_is_half_open_and_spans_midnight() -> None:
    night = order(("22:00", "02:00"), days=3)
    start, end = local(2025, 3, 2, 2, 0), local(2025, 3, 3, 2, 0)
    assert doses_between(night, start, end) == [
        local(2025, 3, 2, 2, 0),
        local(2025, 3, 2, 22, 0),
    ]
    assert doses_between(night, end, start) == []


def test_doses_between_needs_aware_times() -> None:
    with pytest.raises(ValidationError) as error:
        doses_between(order(("08:00",)), datetime(2025, 3, 1), datetime(2025, 3, 2))
    assert error.value.rule == "timezone"


def test_as_needed_orders_have_no_scheduled_times() -> None:
    prn = order((), as_needed=True)
    assert all_doses(prn) == []
    assert dose_times(prn, day=date(2025, 3, 1)) == []
    assert doses_between(prn, utc(2025, 3, 1), utc(2025, 3, 9)) == []


def test_dosing_interval() -> None:
    assert dosing_interval(("08:00", "20:00")) == timedelta(hours=12)
    assert dosing_interval(("06:00", "14:00", "22:00")) == timedelta(hours=8)
    assert dosing_interval(("22:00", "02:00")) == timedelta(hours=4)
    assert dosing_interval(("08:00",)) == timedelta(hours=24)
    assert dosing_interval(("08:00", "12:00")) == timedelta(hours=4)


def test_spread_times() -> None:
    assert spread_times("07:00", 1) == ("07:00",)
    assert spread_times("07:00", 2) == ("07:00", "19:00")
    assert spread_times("07:00", 4) == ("07:00", "13:00", "19:00", "01:00")
    assert spread_times("07:00", 0) == ()


def test_a_version_that_gives_nothing_after_a_moment_stops_the_order() -> None:
    from datetime import UTC, datetime

    from emr_desktop.core.schedule import schedules_nothing_from

    order = MedicationOrder(
        drug_code="T1",
        drug_name="Paracetamol 500 mg",
        dose=Decimal(1),
        dose_unit="viên",
        route="oral",
        times=("08:00", "20:00"),
        start_date=date(2026, 11, 20),
        days=2,
    )
    # The last dose is 20:00 on 21/11, Vietnam time (13:00 UTC).
    assert not schedules_nothing_from(order, datetime(2026, 11, 21, 12, 59, tzinfo=UTC))
    assert schedules_nothing_from(order, datetime(2026, 11, 21, 13, 1, tzinfo=UTC))
    as_needed = MedicationOrder(
        drug_code="T2",
        drug_name="Nitroglycerin 0,5 mg",
        dose=Decimal(1),
        dose_unit="viên",
        route="sublingual",
        times=(),
        as_needed=True,
        start_date=date(2026, 11, 20),
        days=2,
    )
    # As needed until the end of its last day (midnight after 21/11, Vietnam time).
    assert not schedules_nothing_from(as_needed, datetime(2026, 11, 21, 16, 59, tzinfo=UTC))
    assert schedules_nothing_from(as_needed, datetime(2026, 11, 21, 17, 0, tzinfo=UTC))
