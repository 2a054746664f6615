"""A date of birth that may be a full date or a year only.

Many elderly patients (and some old CMND cards) have a birth year and nothing more. A made-up
day (1 January is the usual guess) would later read as a fact, skew ages and break duplicate
matching, so a year-only birth date stays year-only (DESIGN §3).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from emr_desktop.core.errors import ValidationError

FIELD = "date_of_birth"

#: Oldest accepted age in years. Older than any documented person, so an age above it is a
#: typing error (e.g. 1856 for 1956), not a patient.
MAX_AGE = 130

_YEAR_ONLY = re.compile(r"[0-9]{4}")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
# Day first, as Vietnamese write dates; "/", "-" and "." all appear in typed and scanned data.
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")


def _format_error(text: str) -> ValidationError:
    return ValidationError(
        FIELD,
        "format",
        f"Ngày sinh “{text}” không đúng dạng: nhập năm (1956) hoặc ngày đủ (07/03/1956).",
        f"Date of birth “{text}” is not in a known form: give a year (1956) "
        "or a full date (07/03/1956).",
    )


def _full_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            FIELD,
            "format",
            f"Ngày sinh “{text}” không có thật trên lịch.",
            f"Date of birth “{text}” is not a real calendar date.",
        ) from None


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth year, and the full date when it is known.

    Build one with `parse`, `of` or `of_year`: they also check that the date is not in the
    future and gives an age of at most 130. The plain constructor checks only that `year`
    and `date` agree, so records read back from storage never depend on today's date.
    """

    year: int
    date: dt.date | None = None

    def __post_init__(self) -> None:
        if not dt.MINYEAR <= self.year <= dt.MAXYEAR:
            raise ValidationError(
                FIELD,
                "format",
                f"Năm sinh {self.year} không hợp lệ.",
                f"Birth year {self.year} is not valid.",
            )
        if self.date is not None and self.date.year != self.year:
            raise ValidationError(
                FIELD,
                "format",
                f"Năm sinh {self.year} không khớp ngày sinh {self.date.isoformat()}.",
                f"Birth year {self.year} does not match the date {self.date.isoformat()}.",
            )

    @classmethod
    def parse(cls, text: str, *, today: dt.date | None = None) -> BirthDate:
        """Parse "1956", "1956-03-07" or "07/03/1956" (also "7-3-1956", "07.03.1956").

        Raises ValidationError(field="date_of_birth") with rule "format" for anything else or
        an impossible date, "future" or "max_age" when implausible on `today`
        (default: the local date).
        """
        stripped = text.strip()
        if _YEAR_ONLY.fullmatch(stripped):
            return cls.of_year(int(stripped), today=today)
        if match := _ISO.fullmatch(stripped):
            year, month, day = (int(part) for part in match.groups())
        elif match := _DAY_MONTH_YEAR.fullmatch(stripped):
            day, month, year = int(match[1]), int(match[3]), int(match[4])
        else:
            raise _format_error(stripped)
        return cls.of(_full_date(year, month, day, stripped), today=today)

    @classmethod
    def of(cls, date: dt.date, *, today: dt.date | None = None) -> BirthDate:
        """A full birth date, checked to be plausible on `today` (default: the local date)."""
        birth = cls(date.year, date)
        birth.check_plausible(today)
        return birth

    @classmethod
    def of_year(cls, year: int, *, today: dt.date | None = None) -> BirthDate:
        """A year-only birth date, checked to be plausible on `today` (default: local date)."""
        birth = cls(year)
        birth.check_plausible(today)
        return birth

    @property
    def is_year_only(self) -> bool:
        """True when only the year is known."""
        return self.date is None

    def iso(self) -> str:
        """The ISO form: "1956" for a year only, "1956-03-07" for a full date."""
        return self.date.isoformat() if self.date is not None else f"{self.year:04d}"

    def age_on(self, today: dt.date) -> int:
        """Age in completed years on `today`.

        For a year only this is `today.year - year`, the age Vietnamese records give for a
        year-only birth; it can be one more than the true age before the unknown birthday.
        """
        if self.date is None:
            return today.year - self.year
        before_birthday = (today.month, today.day) < (self.date.month, self.date.day)
        return today.year - self.year - int(before_birthday)

    def check_plausible(self, today: dt.date | None = None) -> None:
        """Raise ValidationError unless the birth is not in the future and the age ≤ 130."""
        today = today or dt.date.today()
        in_future = self.year > today.year if self.date is None else self.date > today
        if in_future:
            raise ValidationError(
                FIELD,
                "future",
                f"Ngày sinh {self.iso()} ở tương lai.",
                f"Date of birth {self.iso()} is in the future.",
            )
        if self.age_on(today) > MAX_AGE:
            raise ValidationError(
                FIELD,
                "max_age",
                f"Ngày sinh {self.iso()} cho tuổi trên {MAX_AGE}: kiểm tra lại năm sinh.",
                f"Date of birth {self.iso()} gives an age over {MAX_AGE}: check the year.",
            )

    def __str__(self) -> str:
        return self.iso()
