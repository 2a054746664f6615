"""The chart banner: who the patient is, what they are allergic to, where they are now.

It stays above every tab, so a clinician checks name, age and allergies before each order.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDateTimeEdit, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from emr_desktop.core.records import AllergyStatus, EncounterStatus, IdentityStatus
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services.chart import Chart, ChartEncounter, FacilityDirectory
from emr_desktop.ui import i18n
from emr_desktop.ui.labels import age_text, birth_date, label, local_date, local_time

ALLERGY_STYLE = "color: #b00020; font-weight: bold;"
WARNING_STYLE = "color: #b35c00; font-weight: bold;"
NOTICE_STYLE = "color: #0b3c5d;"


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM_TZ).date()


def moment_edit() -> QDateTimeEdit:
    """A date-and-time field in Vietnam time, set to now and not accepting the future.

    Times are entered as Vietnamese staff read them, whatever the PC's own time zone.
    """
    edit = QDateTimeEdit()
    edit.setDisplayFormat("dd/MM/yyyy HH:mm")
    edit.setCalendarPopup(True)
    reset_moment(edit)
    return edit


def reset_moment(edit: QDateTimeEdit) -> None:
    """Set a `moment_edit` to now (Vietnam time)."""
    local = datetime.now(VIETNAM_TZ)
    now = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    edit.setMaximumDateTime(now.addSecs(60))
    edit.setDateTime(now)


def edited_moment(edit: QDateTimeEdit) -> datetime:
    """The moment a `moment_edit` shows, as an aware datetime.

    The field shows minutes; left at the current minute it means "now", to the second, so
    a visit ended right after it started does not end before its start.
    """
    value: datetime = edit.dateTime().toPython()  # type: ignore[assignment]
    chosen = value.replace(tzinfo=VIETNAM_TZ)
    now = datetime.now(VIETNAM_TZ)
    if chosen == now.replace(second=0, microsecond=0):
        return now
    return chosen


def open_encounter(chart: Chart) -> ChartEncounter | None:
    """The visit or stay in progress (the latest one if several are open)."""
    current = [e for e in chart.encounters if e.status == EncounterStatus.IN_PROGRESS]
    return current[-1] if current else None


class ChartBanner(QFrame):
    """Name, age, sex, identifiers, BHYT card, allergies and the current encounter."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("chart_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._chart: Chart | None = None
        self._requested_id = ""
        self._directory: FacilityDirectory | None = None

        self.name = QLabel()
        self.name.setObjectName("banner_name")
        font = QFont(self.name.font())
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.name.setFont(font)
        self.details = QLabel()
        self.details.setObjectName("banner_details")
        self.identifiers = QLabel()
        self.identifiers.setObjectName("banner_identifiers")
        self.identity = QLabel()
        self.identity.setObjectName("banner_identity")
        self.identity.setStyleSheet(WARNING_STYLE)
        self.bhyt = QLabel()
        self.bhyt.setObjectName("banner_bhyt")
        self.encounter = QLabel()
        self.encounter.setObjectName("banner_encounter")
        self.allergies = QLabel()
        self.allergies.setObjectName("banner_allergies")
        self.allergies.setWordWrap(True)
        self.merged = QLabel()
        self.merged.setObjectName("banner_merged")
        self.merged.setStyleSheet(NOTICE_STYLE)
        self.merged.setWordWrap(True)
        for text in (self.name, self.details, self.identifiers, self.bhyt, self.allergies):
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        first = QHBoxLayout()
        first.addWidget(self.name)
        first.addSpacing(16)
        first.addWidget(self.details)
        first.addSpacing(16)
        first.addWidget(self.identity)
        first.addStretch(1)
        first.addWidget(self.identifiers)
        self._first_row = first
        second = QHBoxLayout()
        second.addWidget(self.bhyt)
        second.addStretch(1)
        second.addWidget(self.encounter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addWidget(self.allergies)
        layout.addWidget(self.merged)
        i18n.watch_language(self, self.retranslate)

    def add_tool(self, widget: QWidget) -> None:
        """Put a button (the chart's Print menu) at the right end of the banner's first row."""
        self._first_row.addSpacing(16)
        self._first_row.addWidget(widget)

    def set_chart(self, chart: Chart, requested_id: str) -> None:
        """Show `chart`, opened by `requested_id` (another id when that chart was merged)."""
        self._chart = chart
        self._requested_id = requested_id
        self.retranslate()

    def set_directory(self, directory: FacilityDirectory) -> None:
        self._directory = directory
        self.retranslate()

    def retranslate(self) -> None:
        chart = self._chart
        if chart is None:
            for text in (self.name, self.details, self.identifiers, self.bhyt, self.encounter):
                text.clear()
            self.allergies.clear()
            self.identity.hide()
            self.merged.hide()
            return
        patient = chart.patient
        today = today_in_vietnam()
        self.name.setText(patient.full_name)
        details = [age_text(patient.date_of_birth, today), label("sex", patient.sex)]
        if patient.date_of_birth is not None:
            details.append(self.tr("born {date}").format(date=birth_date(patient.date_of_birth)))
        self.details.setText(" · ".join(d for d in details if d))
        identifiers = [self.tr("MRN {mrn}").format(mrn=patient.mrn)]
        if patient.cccd:
            identifiers.append(self.tr("CCCD {number}").format(number=patient.cccd))
        self.identifiers.setText(" · ".join(identifiers))
        self._show_identity(patient.identity_status)
        self._show_bhyt(chart, today)
        self._show_allergies(chart)
        self._show_encounter(chart)
        self._show_merges(chart)

    def _show_identity(self, status: str) -> None:
        if status == IdentityStatus.UNKNOWN:
            self.identity.setText(self.tr("Unidentified patient"))
        elif status == IdentityStatus.INCOMPLETE:
            self.identity.setText(self.tr("Identity not yet verified"))
        self.identity.setVisible(status != IdentityStatus.VERIFIED)

    def _show_bhyt(self, chart: Chart, today: date) -> None:
        patient = chart.patient
        if not patient.bhyt_number:
            self.bhyt.setText(self.tr("No health insurance (BHYT) card"))
            self.bhyt.setStyleSheet("")
            return
        start, end = patient.bhyt_valid_from, patient.bhyt_valid_to
        card = self.tr("BHYT {number}").format(number=patient.bhyt_number)
        problem = False
        if end is not None and end < today:
            validity = self.tr("expired on {date}").format(date=local_date(end))
            problem = True
        elif start is not None and start > today:
            validity = self.tr("valid only from {date}").format(date=local_date(start))
            problem = True
        elif end is not None:
            validity = self.tr("valid until {date}").format(date=local_date(end))
        else:
            validity = self.tr("validity not recorded")
        self.bhyt.setText(f"{card} · {validity}")
        self.bhyt.setStyleSheet(WARNING_STYLE if problem else "")

    def _show_allergies(self, chart: Chart) -> None:
        active = [a for a in chart.allergies if a.status == AllergyStatus.ACTIVE]
        if not active:
            self.allergies.setText(self.tr("No allergies recorded"))
            self.allergies.setStyleSheet("")
            return
        entries = []
        for allergy in active:
            details = [d for d in (allergy.reaction, label("severity", allergy.severity)) if d]
            entries.append(f"{allergy.substance} ({', '.join(details)})")
        self.allergies.setText(self.tr("ALLERGIES: {list}").format(list="; ".join(entries)))
        self.allergies.setStyleSheet(ALLERGY_STYLE)

    def _show_encounter(self, chart: Chart) -> None:
        current = open_encounter(chart)
        if current is None:
            self.encounter.setText(self.tr("No visit or stay in progress"))
            return
        parts = [label("encounter_kind", current.kind)]
        directory = self._directory
        if directory is not None and current.department_id:
            place = directory.department_name(current.department_id)
            bed = directory.bed_code(directory.bed_of_encounter(current.id))
            parts.append(
                self.tr("{department}, bed {bed}").format(department=place, bed=bed)
                if bed
                else place
            )
        since = local_time(datetime.fromisoformat(current.started_at))
        parts.append(self.tr("since {time}").format(time=since))
        self.encounter.setText(" · ".join(p for p in parts if p))

    def _show_merges(self, chart: Chart) -> None:
        notices = []
        if self._requested_id and self._requested_id != chart.patient.id:
            notices.append(self.tr("The record you opened was merged into this chart."))
        if chart.merged_ids:
            notices.append(
                self.tr("This chart includes %n merged record(s).", "", len(chart.merged_ids))
            )
        self.merged.setText(" ".join(notices))
        self.merged.setVisible(bool(notices))
