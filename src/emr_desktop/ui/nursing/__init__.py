"""Nursing: the dose worklist of a ward or the injection booth, giving doses by scanning the
wristband and then the drug, the medication administration record (MAR), the shift
handover and wristband printing (issue 5).

What the screens share lives here: the clock they read the time from, the names and colours
of a dose's status, and how a dose, its time and an injection site are written. Colours are
chosen for a booth screen read from a step away: white on red for overdue, black on amber for
due now.

One clock
---------
Every nursing screen asks `now()` (never `datetime.now`) what time it is — which doses are
due, which shift is in progress, which day the MAR opens on, when a dose was given unless
the nurse changes it — and passes that moment to the services explicitly (`now=`, `at=`),
so that a list and what is recorded from it agree on the time. `now()` reads `clock`, the
system's clock; tests replace `clock` with a fixed moment (`monkeypatch.setattr`) so that
nothing they check depends on the minute, the shift or the day they happen to run in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QDateTime, QTime
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QLabel, QWidget

from emr_desktop.core.timeutil import VIETNAM_TZ, require_aware, utc_now
from emr_desktop.services.nursing import DoseStatus
from emr_desktop.services.prescribing import format_amount

CONTEXT = "Nursing"

#: Where the nursing screens read the time from: a function returning an aware datetime.
#: The system's clock; tests pin it to a fixed moment (see `now`).
clock: Callable[[], datetime] = utc_now


def now() -> datetime:
    """The current moment for the nursing screens, aware UTC (read from `clock`)."""
    return require_aware(clock(), "now")


def today() -> date:
    """The local (Vietnam) date of `now()`."""
    return now().astimezone(VIETNAM_TZ).date()


def reset_moment(edit: QDateTimeEdit) -> None:
    """Set a `chart.banner.moment_edit` field to `now()` (Vietnam time, to the minute),
    the latest it accepts being a minute later."""
    local = now().astimezone(VIETNAM_TZ)
    shown = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    edit.setMaximumDateTime(shown.addSecs(60))
    edit.setDateTime(shown)


def edited_moment(edit: QDateTimeEdit) -> datetime:
    """The moment a field set by `reset_moment` shows, as an aware datetime: left at the
    minute of `now()`, it means `now()` to the second."""
    value: datetime = edit.dateTime().toPython()  # type: ignore[assignment]
    chosen = value.replace(tzinfo=VIETNAM_TZ)
    current = now().astimezone(VIETNAM_TZ)
    if chosen == current.replace(second=0, microsecond=0):
        return current
    return chosen


#: Point size of the worklist and the administration panel: readable from a step away.
LARGE_POINT_SIZE = 15
#: Point size of the refusal banner (wrong patient, wrong drug).
ALERT_POINT_SIZE = 22

_STATUS_NAMES: dict[str, object] = {
    DoseStatus.OVERDUE: QT_TRANSLATE_NOOP("Nursing", "overdue"),
    DoseStatus.DUE: QT_TRANSLATE_NOOP("Nursing", "due now"),
    DoseStatus.UPCOMING: QT_TRANSLATE_NOOP("Nursing", "upcoming"),
    DoseStatus.GIVEN: QT_TRANSLATE_NOOP("Nursing", "given"),
    DoseStatus.PARTIAL: QT_TRANSLATE_NOOP("Nursing", "partly given"),
    DoseStatus.HELD: QT_TRANSLATE_NOOP("Nursing", "held"),
    DoseStatus.REFUSED: QT_TRANSLATE_NOOP("Nursing", "refused"),
    DoseStatus.MISSED: QT_TRANSLATE_NOOP("Nursing", "missed"),
    DoseStatus.AS_NEEDED: QT_TRANSLATE_NOOP("Nursing", "when needed"),
}

#: Background and text colour of each status (high contrast).
STATUS_COLOURS: dict[str, tuple[QColor, QColor]] = {
    DoseStatus.OVERDUE: (QColor("#c62828"), QColor("#ffffff")),
    DoseStatus.DUE: (QColor("#ffc107"), QColor("#000000")),
    DoseStatus.UPCOMING: (QColor("#ffffff"), QColor("#000000")),
    DoseStatus.GIVEN: (QColor("#e3f3e5"), QColor("#1b5e20")),
    DoseStatus.PARTIAL: (QColor("#e3f3e5"), QColor("#1b5e20")),
    DoseStatus.HELD: (QColor("#eceff1"), QColor("#263238")),
    DoseStatus.REFUSED: (QColor("#f3e5f5"), QColor("#4a148c")),
    DoseStatus.MISSED: (QColor("#ffcdd2"), QColor("#8e0000")),
    DoseStatus.AS_NEEDED: (QColor("#e3f2fd"), QColor("#0d47a1")),
}

#: Injection sites offered (stored as these codes; anything typed is stored as typed).
SITES: dict[str, object] = {
    "left_deltoid": QT_TRANSLATE_NOOP("Nursing", "left deltoid (upper arm)"),
    "right_deltoid": QT_TRANSLATE_NOOP("Nursing", "right deltoid (upper arm)"),
    "left_gluteal": QT_TRANSLATE_NOOP("Nursing", "left buttock"),
    "right_gluteal": QT_TRANSLATE_NOOP("Nursing", "right buttock"),
    "left_thigh": QT_TRANSLATE_NOOP("Nursing", "left thigh"),
    "right_thigh": QT_TRANSLATE_NOOP("Nursing", "right thigh"),
    "abdomen": QT_TRANSLATE_NOOP("Nursing", "abdomen"),
    "left_forearm": QT_TRANSLATE_NOOP("Nursing", "left forearm"),
    "right_forearm": QT_TRANSLATE_NOOP("Nursing", "right forearm"),
    "left_hand": QT_TRANSLATE_NOOP("Nursing", "back of the left hand"),
    "right_hand": QT_TRANSLATE_NOOP("Nursing", "back of the right hand"),
}


def tr(text: object) -> str:
    return QCoreApplication.translate(CONTEXT, str(text))


def status_name(status: str) -> str:
    """The translated name of a dose status (the code itself if unknown)."""
    source = _STATUS_NAMES.get(status)
    return tr(source) if source else status


def site_name(site: str | None) -> str:
    """An injection site as the nurse reads it."""
    if not site:
        return ""
    source = SITES.get(site)
    return tr(source) if source else site


def amount_text(dose: Decimal | None, unit: str | None) -> str:
    """ "1,5 ống" — a dose with its unit, written the Vietnamese way."""
    if dose is None:
        return ""
    return f"{format_amount(dose)} {unit or ''}".strip()


def clock_text(moment: datetime | None, today: date | None = None) -> str:
    """A time in Vietnam time: "08:00", with the day ("08:00 12/03") if not `today`."""
    if moment is None:
        return ""
    local = moment.astimezone(VIETNAM_TZ)
    if today is not None and local.date() != today:
        return local.strftime("%H:%M %d/%m")
    return local.strftime("%H:%M")


def larger_font(
    widget: QWidget, point_size: int = LARGE_POINT_SIZE, *, bold: bool = False
) -> QFont:
    """The widget's font at `point_size` (set on the widget too)."""
    font = QFont(widget.font())
    font.setPointSize(point_size)
    font.setBold(bold)
    widget.setFont(font)
    return font


def alert_label(name: str) -> QLabel:
    """The large banner a refusal is shown in (hidden while empty)."""
    alert = QLabel()
    alert.setObjectName(name)
    alert.setWordWrap(True)
    larger_font(alert, ALERT_POINT_SIZE, bold=True)
    alert.hide()
    return alert


def show_alert(alert: QLabel, text: str, *, level: str = "error") -> None:
    """Show `text` in an `alert_label`: red with a beep for a refusal, green for "done"."""
    if not text:
        alert.clear()
        alert.hide()
        return
    styles = {
        "error": "background: #b00020; color: #ffffff; padding: 10px; border-radius: 4px;",
        "ok": "background: #1b5e20; color: #ffffff; padding: 10px; border-radius: 4px;",
        "info": "background: #e3f2fd; color: #0d47a1; padding: 10px; border-radius: 4px;",
    }
    alert.setProperty("level", level)
    alert.setStyleSheet(styles.get(level, styles["info"]))
    alert.setText(text)
    alert.show()
    if level == "error":
        QApplication.beep()
