"""When the doses of a medication order are due.

An order lists local clock times ("08:00", "20:00") in Asia/Ho_Chi_Minh (UTC+7, no daylight
saving), a start date and a number of days. Each *treatment day* begins at the first time
listed; a time earlier than the one before it in the list falls on the next calendar day.
So ``("22:00", "02:00")`` started on 1 March gives 1 March 22:00 and 2 March 02:00 for its
first day, and ``("08:00", "20:00")`` stays within each day. An as-needed order has no
scheduled times.

Everything returned is an aware UTC datetime.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime, time, timedelta

from emr_desktop.core.records import MedicationOrder
from emr_desktop.core.timeutil import VIETNAM_TZ, require_aware

_DAY = timedelta(days=1)


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    return int(hours) * 60 + int(minutes)


@functools.lru_cache(maxsize=1024)
def day_offsets(times: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """(days after the treatment day's date, minutes after local midnight) of each listed
    time, in the order given; a time repeated within one treatment day counts once."""
    offsets: list[tuple[int, int]] = []
    day = 0
    previous: int | None = None
    for clock in times:
        minutes = _minutes(clock)
        if previous is not None:
            if minutes == previous:
                continue
            if minutes < previous:
                day += 1
        offsets.append((day, minutes))
        previous = minutes
    return tuple(offsets)


def _local(day: date, minutes: int) -> datetime:
    moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=VIETNAM_TZ)
    return moment.astimezone(UTC)


def _doses_of_treatment_days(order: MedicationOrder, first: int, last: int) -> list[datetime]:
    """The doses of treatment days `first`..`last` (0-based, clipped to the order's days)."""
    if order.as_needed or not order.times:
        return []
    offsets = day_offsets(order.times)
    found: list[datetime] = []
    for k in range(max(first, 0), min(last, order.days - 1) + 1):
        base = order.start_date + timedelta(days=k)
        found.extend(_local(base + timedelta(days=extra), minutes) for extra, minutes in offsets)
    return found


def _span(order: MedicationOrder) -> int:
    """How many calendar days one treatment day can reach past its date."""
    offsets = day_offsets(order.times)
    return offsets[-1][0] if offsets else 0


def dose_times(order: MedicationOrder, *, day: date) -> list[datetime]:
    """The scheduled doses of `order` whose local calendar date is `day`, in time order."""
    k = (day - order.start_date).days
    candidates = _doses_of_treatment_days(order, k - _span(order), k)
    return sorted(m for m in candidates if m.astimezone(VIETNAM_TZ).date() == day)


def doses_between(order: MedicationOrder, start: datetime, end: datetime) -> list[datetime]:
    """The scheduled doses of `order` due at or after `start` and before `end`, in order."""
    start = require_aware(start, "start")
    end = require_aware(end, "end")
    if end <= start:
        return []
    first = (start.astimezone(VIETNAM_TZ).date() - order.start_date).days - _span(order)
    last = (end.astimezone(VIETNAM_TZ).date() - order.start_date).days
    return sorted(m for m in _doses_of_treatment_days(order, first, last) if start <= m < end)


def all_doses(order: MedicationOrder) -> list[datetime]:
    """Every scheduled dose of `order`, first to last."""
    return _doses_of_treatment_days(order, 0, order.days - 1)


def last_day(order: MedicationOrder) -> date:
    """The local date of the order's last treatment day (its last dose may fall later)."""
    return order.start_date + timedelta(days=order.days - 1)


@functools.lru_cache(maxsize=1024)
def dosing_interval(times: tuple[str, ...]) -> timedelta:
    """The shortest gap between two consecutive doses of a daily schedule, counting the gap
    across midnight to the next treatment day; a single time a day is 24 hours."""
    offsets = day_offsets(times)
    if len(offsets) < 2:
        return _DAY
    moments = [extra * 24 * 60 + minutes for extra, minutes in offsets]
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    # From the last dose of a treatment day to the first of the next one.
    gaps.append(24 * 60 - (moments[-1] - moments[0]) if moments[-1] - moments[0] < 24 * 60 else 0)
    positive = [g for g in gaps if g > 0]
    return timedelta(minutes=min(positive)) if positive else _DAY


def spread_times(first: str, per_day: int) -> tuple[str, ...]:
    """`per_day` local times evenly spread over 24 hours from `first` ("07:00", 2 → 07:00,
    19:00), written in the order they fall in the treatment day."""
    if per_day < 1:
        return ()
    start = _minutes(first)
    step = 24 * 60 // per_day
    times = []
    for n in range(per_day):
        minutes = (start + n * step) % (24 * 60)
        times.append(f"{minutes // 60:02d}:{minutes % 60:02d}")
    return tuple(times)


def schedules_nothing_from(order: MedicationOrder, moment: datetime) -> bool:
    """Whether a version of an order gives nothing from `moment` on: it stops the order."""
    if order.as_needed:
        end = datetime.combine(last_day(order) + timedelta(days=1), time(), VIETNAM_TZ)
        return end <= moment
    doses = all_doses(order)
    return not doses or doses[-1] < moment
