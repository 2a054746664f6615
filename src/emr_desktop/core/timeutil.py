"""Time: stored in UTC, shown in Asia/Ho_Chi_Minh (DESIGN §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from emr_desktop.core.errors import ValidationError

# Vietnam has kept UTC+7 without daylight saving since 1975; a fixed offset avoids needing
# the tz database (absent on Windows without the `tzdata` package).
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, to the millisecond."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_local(moment: datetime) -> datetime:
    """A UTC moment as Vietnamese local time, for display and printing."""
    return require_aware(moment, "time").astimezone(VIETNAM_TZ)


def require_aware(moment: datetime, field: str) -> datetime:
    """Reject naive datetimes: a time without a zone is ambiguous across PCs."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            field,
            "timezone",
            "Thời điểm phải kèm múi giờ",
            "The time must carry a time zone",
        )
    return moment.astimezone(UTC)


def parse_moment(text: str, field: str) -> datetime:
    """Parse an ISO 8601 time; a time without zone is taken as Vietnamese local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            field,
            "format",
            f"Thời điểm không đúng định dạng ISO (YYYY-MM-DDTHH:MM): {text!r}",
            f"Not an ISO time (YYYY-MM-DDTHH:MM): {text!r}",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM_TZ)
    return moment.astimezone(UTC)
