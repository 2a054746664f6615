"""Vital signs: the bedside entry form and the trend of each measure over time.

The form checks each value against the physiological hard limits of `core.records`
(a pulse of 800 is a typing error, not a patient) and shows the message beside the field.
The plot shades the normal adult range, so a fever or a falling SpO₂ stands out at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCharts import (
    QAreaSeries,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import VITAL_SPECS, ClinicalEvent, Measurement, VitalSigns
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import clinical
from emr_desktop.services.chart import Chart
from emr_desktop.ui import context, i18n
from emr_desktop.ui.chart.banner import (
    edited_moment,
    moment_edit,
    open_encounter,
    reset_moment,
    today_in_vietnam,
)
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.labels import codes, label

# Input units other than the stored one that the records convert (newborns in grams,
# glucometers showing mg/dL).
EXTRA_UNITS: dict[str, tuple[str, ...]] = {
    "weight": ("g",),
    "height": ("m",),
    "blood_glucose": ("mg/dL",),
}

# Normal ranges of adults at rest (Vietnamese nursing practice), shaded on the plots.
NORMAL_ADULT: dict[str, tuple[float, float]] = {
    "temperature": (36.0, 37.5),
    "pulse": (60, 100),
    "respiratory_rate": (12, 20),
    "systolic": (90, 139),
    "diastolic": (60, 89),
    "spo2": (95, 100),
    "blood_glucose": (3.9, 7.8),
}
ADULT_AGE = 16

# What each plot shows: blood pressure draws systolic and diastolic together.
PLOTS: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "pulse": ("pulse",),
    "blood_pressure": ("systolic", "diastolic"),
    "respiratory_rate": ("respiratory_rate",),
    "spo2": ("spo2",),
    "weight": ("weight",),
    "height": ("height",),
    "blood_glucose": ("blood_glucose",),
}
_PLOT_NAMES: dict[str, object] = {
    "blood_pressure": QT_TRANSLATE_NOOP("VitalsTab", "blood pressure"),
}
_PERIODS: tuple[tuple[int, object], ...] = (
    (0, QT_TRANSLATE_NOOP("VitalsTab", "Whole record")),
    (7, QT_TRANSLATE_NOOP("VitalsTab", "Last 7 days")),
    (30, QT_TRANSLATE_NOOP("VitalsTab", "Last 30 days")),
    (365, QT_TRANSLATE_NOOP("VitalsTab", "Last 12 months")),
)
_LINE_COLORS = ("#1f5fa8", "#8e44ad")
_BAND_COLOR = QColor(46, 160, 67, 45)
_DAY_MS = 86_400_000
# Intervals marked along the time axis.
TIME_TICKS = 5


def _first_upper(text: str) -> str:
    """Raise the first letter only (so "SpO₂" keeps its small o)."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Reading:
    """One measured value of one vital sign."""

    at: datetime
    value: float


def readings_by_code(chart: Chart) -> dict[str, list[Reading]]:
    """Every current vital sign of the chart, by measure, oldest first."""
    found: dict[str, list[Reading]] = {code: [] for code in codes("vital")}
    for event in chart.current_events():
        if event.kind != "vital_signs":
            continue
        at = event.effective_time
        for measurement in event.body.get("measurements", []):
            series = found.get(measurement["code"])
            if series is not None:
                series.append(Reading(at, float(measurement["value"])))
    return found


class VitalsTab(QWidget):
    """Entry form on the left, trend plot on the right."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("vitals_tab")
        self._ctx = ctx
        self.patient_id = patient_id
        self._chart: Chart | None = None
        self._can_sign = False
        self.readings: dict[str, list[Reading]] = {code: [] for code in codes("vital")}
        # Code → band shaded on the current plot (empty for children).
        self.bands: dict[str, tuple[float, float]] = {}

        self.form_box = QGroupBox()
        self.form_box.setObjectName("vitals_form")
        grid = QGridLayout(self.form_box)
        self.inputs: dict[str, QLineEdit] = {}
        self.units: dict[str, QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self._names: dict[str, QLabel] = {}
        for row, code in enumerate(codes("vital")):
            spec = VITAL_SPECS[code]
            name = QLabel()
            edit = QLineEdit()
            edit.setObjectName(f"vital_{code}")
            edit.setMaximumWidth(90)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            name.setBuddy(edit)
            unit = QComboBox()
            unit.setObjectName(f"unit_{code}")
            for text in (spec.unit, *EXTRA_UNITS.get(code, ())):
                unit.addItem(text, text)
            unit.setEnabled(unit.count() > 1)
            error = QLabel()
            error.setObjectName(f"error_{code}")
            error.setStyleSheet("color: #b00020;")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(name, row * 2, 0)
            grid.addWidget(edit, row * 2, 1)
            grid.addWidget(unit, row * 2, 2)
            grid.addWidget(error, row * 2 + 1, 0, 1, 3)
            self.inputs[code], self.units[code], self.errors[code] = edit, unit, error
            self._names[code] = name
            edit.editingFinished.connect(lambda c=code: self._check_field(c))
        row = len(self.inputs) * 2
        self.measured_at = moment_edit()
        self.measured_at.setObjectName("measured_at")
        self._measured_label = QLabel()
        self._measured_label.setBuddy(self.measured_at)
        grid.addWidget(self._measured_label, row, 0)
        grid.addWidget(self.measured_at, row, 1, 1, 2)
        self.password = QLineEdit()
        self.password.setObjectName("vitals_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password_label = QLabel()
        self._password_label.setBuddy(self.password)
        grid.addWidget(self._password_label, row + 1, 0)
        grid.addWidget(self.password, row + 1, 1, 1, 2)
        self.error = QLabel()
        self.error.setObjectName("vitals_error")
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setWordWrap(True)
        grid.addWidget(self.error, row + 2, 0, 1, 3)
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_vitals")
        self.save_button.setDefault(True)
        self.clear_button = QPushButton()
        self.clear_button.setObjectName("clear_vitals")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)
        grid.addLayout(buttons, row + 3, 0, 1, 3)
        grid.setRowStretch(row + 4, 1)
        self.read_only = QLabel()
        self.read_only.setObjectName("vitals_read_only")
        self.read_only.setWordWrap(True)

        self.measure = QComboBox()
        self.measure.setObjectName("plot_measure")
        self.period = QComboBox()
        self.period.setObjectName("plot_period")
        self.caption = QLabel()
        self.caption.setObjectName("plot_caption")
        self.caption.setWordWrap(True)
        self.plot = QChart()
        self.plot.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        # Time runs along a category axis labelled here, in Vietnam time whatever the PC's
        # time zone (QDateTimeAxis would label in the PC's zone).
        self.x_axis = QCategoryAxis()
        self.x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%.1f")
        self.plot.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.plot.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.plot_view = QChartView(self.plot)
        self.plot_view.setObjectName("vitals_plot")
        self.plot_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.plot_view.setMinimumSize(420, 300)

        choose = QHBoxLayout()
        choose.addWidget(self.measure)
        choose.addWidget(self.period)
        choose.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(choose)
        right.addWidget(self.plot_view, 1)
        right.addWidget(self.caption)
        left = QVBoxLayout()
        left.addWidget(self.read_only)
        left.addWidget(self.form_box)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        self.save_button.clicked.connect(self.save)
        self.clear_button.clicked.connect(self.clear_form)
        self.measure.currentIndexChanged.connect(self.redraw)
        self.period.currentIndexChanged.connect(self.redraw)
        i18n.watch_language(self, self.retranslate)
        self._apply_permissions()

    def retranslate(self) -> None:
        self.form_box.setTitle(self.tr("Record vital signs"))
        for code, name in self._names.items():
            name.setText(_first_upper(label("vital", code)))
            spec = VITAL_SPECS[code]
            self.inputs[code].setPlaceholderText(f"{spec.low}–{spec.high}".replace(".", ","))
        self._measured_label.setText(self.tr("Measured at"))
        self._password_label.setText(self.tr("Sign now (password)"))
        self.password.setPlaceholderText(self.tr("optional: leave empty to keep as draft"))
        self.save_button.setText(self.tr("&Save vital signs"))
        self.clear_button.setText(self.tr("Clear"))
        self.read_only.setText(self.tr("Your role can read vital signs but not record them."))
        for combo, items in (
            (self.measure, [(key, self._plot_name(key)) for key in PLOTS]),
            (self.period, [(days, self.tr(str(text))) for days, text in _PERIODS]),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for data, text in items:
                combo.addItem(text, data)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)
        self.redraw()

    def _plot_name(self, key: str) -> str:
        if key in _PLOT_NAMES:
            return _first_upper(self.tr(str(_PLOT_NAMES[key])))
        return _first_upper(label("vital", key))

    def _apply_permissions(self) -> None:
        session = self._ctx.session
        role = session.role if session is not None else None
        can_write = role is not None and allows(role, Permission.VITALS_WRITE)
        can_sign = role is not None and allows(role, Permission.VITALS_SIGN)
        self._can_sign = can_sign
        self.form_box.setVisible(can_write)
        self.read_only.setVisible(not can_write)
        self.password.setVisible(can_sign)
        self._password_label.setVisible(can_sign)

    # ------------------------------------------------------------------ data
    def set_chart(self, chart: Chart) -> None:
        self.patient_id = chart.patient.id
        self._chart = chart
        self.readings = readings_by_code(chart)
        self.redraw()

    # ------------------------------------------------------------------ entry
    def _measurement(self, code: str) -> Measurement | None:
        """The value typed for `code` (None if empty); raises ValidationError if wrong."""
        text = self.inputs[code].text().strip()
        if not text:
            return None
        return Measurement(code, text, self.units[code].currentData())  # type: ignore[arg-type]

    def _check_field(self, code: str) -> None:
        try:
            self._measurement(code)
        except ValidationError as exc:
            self._show_field_error(code, error_text(exc, with_field=False))
        else:
            self._show_field_error(code, "")

    def _show_field_error(self, code: str, text: str) -> None:
        self.errors[code].setText(text)
        self.errors[code].setVisible(bool(text))

    def vital_signs(self) -> VitalSigns | None:
        """The form's content as a record, or None after showing what is wrong."""
        self.error.clear()
        measurements = []
        valid = True
        for code in self.inputs:
            try:
                measurement = self._measurement(code)
            except ValidationError as exc:
                self._show_field_error(code, error_text(exc, with_field=False))
                valid = False
                continue
            self._show_field_error(code, "")
            if measurement is not None:
                measurements.append(measurement)
        if not valid:
            return None
        try:
            return VitalSigns(measurements=tuple(measurements))
        except ValidationError as exc:
            if exc.field in self.errors:
                self._show_field_error(exc.field, error_text(exc, with_field=False))
            else:
                self.error.setText(error_text(exc, with_field=False))
            return None

    def save(self) -> None:
        """Record the form as a vital-signs entry (signed at once if a password is given)."""
        body = self.vital_signs()
        if body is None or self._ctx.session is None:
            return
        current = open_encounter(self._chart) if self._chart is not None else None
        password = self.password.text() if self._can_sign else ""
        self.save_button.setEnabled(False)
        self._ctx.call(
            clinical.record_event,
            patient_id=self.patient_id,
            body=body,
            encounter_id=current.id if current is not None else None,
            effective_at=edited_moment(self.measured_at),
            sign_password=password or None,
            on_done=self._on_saved,
            on_error=self._on_failed,
        )

    def _on_saved(self, event: ClinicalEvent) -> None:
        if not isValid(self):
            return
        self.save_button.setEnabled(True)
        self.clear_form()
        if event.status == "signed":
            self._ctx.inform(self.tr("Vital signs recorded and signed."))
        else:
            self._ctx.inform(self.tr("Vital signs recorded (draft, not signed)."))
        self._ctx.data_changed.emit(context.CHART, self.patient_id)

    def _on_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.save_button.setEnabled(True)
        self.password.clear()
        if isinstance(error, ValidationError) and error.field in self.errors:
            self._show_field_error(error.field, error_text(error, with_field=False))
        elif isinstance(error, AuthenticationError):
            self.error.setText(error_text(error))
            self.password.setFocus()
        else:
            self.error.setText(error_text(error))

    def clear_form(self) -> None:
        for code, edit in self.inputs.items():
            edit.clear()
            self.units[code].setCurrentIndex(0)
            self._show_field_error(code, "")
        self.password.clear()
        self.error.clear()
        reset_moment(self.measured_at)

    # ------------------------------------------------------------------ plot
    def _adult(self) -> bool:
        chart = self._chart
        if chart is None or chart.patient.date_of_birth is None:
            return True
        return chart.patient.date_of_birth.age_on(today_in_vietnam()) >= ADULT_AGE

    def plotted(self) -> dict[str, list[Reading]]:
        """The readings on the plot now, by code (what the clinician sees)."""
        key = self.measure.currentData() or "temperature"
        days = self.period.currentData() or 0
        shown: dict[str, list[Reading]] = {}
        for code in PLOTS[key]:
            readings = self.readings.get(code, [])
            if days and readings:
                since = datetime.now(readings[-1].at.tzinfo).timestamp() - days * 86_400
                readings = [r for r in readings if r.at.timestamp() >= since]
            shown[code] = readings
        return shown

    def redraw(self) -> None:
        """Draw the chosen measure over the chosen period."""
        key = self.measure.currentData()
        if key is None:
            return
        self.plot.removeAllSeries()
        shown = self.plotted()
        points = [r for readings in shown.values() for r in readings]
        adult = self._adult()
        self.bands = {code: NORMAL_ADULT[code] for code in shown if adult and code in NORMAL_ADULT}
        if points:
            first = min(r.at for r in points).timestamp() * 1000
            last = max(r.at for r in points).timestamp() * 1000
            if last - first < _DAY_MS:
                first, last = first - _DAY_MS / 2, last + _DAY_MS / 2
            # Room at both ends, so the first and last dates are not cut at the edges.
            pad = (last - first) * 0.06
            for code, (low, high) in self.bands.items():
                self._add_band(code, low, high, first - pad, last + pad)
            for color, (code, readings) in zip(_LINE_COLORS, shown.items(), strict=False):
                self._add_line(code, readings, color)
            values = [r.value for r in points] + [v for b in self.bands.values() for v in b]
            low, high = min(values), max(values)
            margin = max((high - low) * 0.1, 1.0)
            self._set_time_ticks(first, last, pad)
            self.y_axis.setRange(low - margin, high + margin)
        self.plot.legend().setVisible(len(shown) > 1)
        unit = VITAL_SPECS[PLOTS[key][0]].unit
        self.plot.setTitle(f"{self._plot_name(key)} ({unit})")
        self.caption.setText(self._caption(key, len(points), adult))

    def _set_time_ticks(self, first: float, last: float, pad: float) -> None:
        axis = self.x_axis
        for text in axis.categoriesLabels():
            axis.remove(text)
        axis.setStartValue(first - pad)
        axis.setRange(first - pad, last + pad)
        span_days = (last - first) / _DAY_MS
        if span_days <= 10:
            form = "%d/%m %H:%M"
        elif span_days <= 366:
            form = "%d/%m"
        else:
            form = "%m/%Y"
        for step in range(TIME_TICKS + 1):
            at = first + (last - first) * step / TIME_TICKS
            text = datetime.fromtimestamp(at / 1000, VIETNAM_TZ).strftime(form)
            if text not in axis.categoriesLabels():
                axis.append(text, at)

    def _caption(self, key: str, count: int, adult: bool) -> str:
        if count == 0:
            return self.tr("No readings of {measure} in this period.").format(
                measure=self._plot_name(key).lower()
            )
        text = self.tr("%n reading(s).", "", count)
        if self.bands:
            text += " " + self.tr("The shaded band is the normal range for adults.")
        elif not adult and any(code in NORMAL_ADULT for code in PLOTS[key]):
            text += " " + self.tr("No normal band is shaded: the adult range does not apply.")
        return text

    def _add_band(self, code: str, low: float, high: float, first: float, last: float) -> None:
        area = QAreaSeries()
        upper = QLineSeries(area)
        lower = QLineSeries(area)
        upper.append([QPointF(first, high), QPointF(last, high)])
        lower.append([QPointF(first, low), QPointF(last, low)])
        area.setUpperSeries(upper)
        area.setLowerSeries(lower)
        area.setName(self.tr("normal {measure}").format(measure=label("vital", code)))
        area.setBrush(QBrush(_BAND_COLOR))
        area.setPen(QPen(Qt.PenStyle.NoPen))
        self.plot.addSeries(area)
        area.attachAxis(self.x_axis)
        area.attachAxis(self.y_axis)

    def _add_line(self, code: str, readings: list[Reading], color: str) -> None:
        line = QLineSeries()
        line.setName(label("vital", code))
        line.setPointsVisible(True)
        line.setColor(QColor(color))
        line.append([QPointF(r.at.timestamp() * 1000, r.value) for r in readings])
        self.plot.addSeries(line)
        line.attachAxis(self.x_axis)
        line.attachAxis(self.y_axis)

    def series_points(self) -> dict[str, int]:
        """Points drawn per line (the band areas are left out)."""
        return {s.name(): s.count() for s in self.plot.series() if isinstance(s, QLineSeries)}
