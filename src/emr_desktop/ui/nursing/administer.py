"""The administration panel: record one dose as given, held, refused or missed.

It opens once the wristband and then the drug were scanned (or a dose was chosen on the
worklist). Given is the usual answer and the default, with the ordered dose filled in; a
smaller amount is a partial dose. Anything but given needs a reason. The time defaults to
now (the nursing screens' `clock`) and cannot be in the future; the nurse is whoever is
logged in.

A second record of the same dose, or a dose given too soon after the last one, is refused
by the service (`DoubleDose`). The panel then shows why, in red, and offers to record it
anyway with a reason — the service audits the override.
"""

from __future__ import annotations

import html
from decimal import Decimal

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.errors import AuthenticationError, ValidationError
from emr_desktop.core.permissions import Permission, allows
from emr_desktop.core.records import AdministrationOutcome, ClinicalEvent
from emr_desktop.services import nursing
from emr_desktop.services.nursing import DoubleDose, ScheduledDose
from emr_desktop.ui import context, i18n
from emr_desktop.ui.chart.banner import moment_edit
from emr_desktop.ui.chart.prescriptions import parse_dose, route_name
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.nursing import (
    SITES,
    alert_label,
    amount_text,
    clock_text,
    edited_moment,
    larger_font,
    reset_moment,
    show_alert,
    site_name,
    status_name,
    tr,
)

_OUTCOMES: dict[str, object] = {
    AdministrationOutcome.GIVEN: QT_TRANSLATE_NOOP("Nursing", "&Given"),
    AdministrationOutcome.HELD: QT_TRANSLATE_NOOP("Nursing", "&Held"),
    AdministrationOutcome.REFUSED: QT_TRANSLATE_NOOP("Nursing", "&Refused"),
    AdministrationOutcome.MISSED: QT_TRANSLATE_NOOP("Nursing", "&Missed"),
}

#: Reasons a nurse usually writes, by outcome (any other may be typed).
_REASONS: dict[str, tuple[object, ...]] = {
    AdministrationOutcome.HELD: (
        QT_TRANSLATE_NOOP("Nursing", "Nil by mouth (fasting for a procedure)"),
        QT_TRANSLATE_NOOP("Nursing", "Vital signs outside the ordered limits; doctor informed"),
        QT_TRANSLATE_NOOP("Nursing", "Held on the doctor's instruction"),
        QT_TRANSLATE_NOOP("Nursing", "Patient vomiting"),
        QT_TRANSLATE_NOOP("Nursing", "Drug not available"),
    ),
    AdministrationOutcome.REFUSED: (
        QT_TRANSLATE_NOOP("Nursing", "Patient refused"),
        QT_TRANSLATE_NOOP("Nursing", "Family refused on the patient's behalf"),
    ),
    AdministrationOutcome.MISSED: (
        QT_TRANSLATE_NOOP("Nursing", "Patient away from the ward"),
        QT_TRANSLATE_NOOP("Nursing", "Patient in surgery or at an investigation"),
        QT_TRANSLATE_NOOP("Nursing", "Drug not available"),
    ),
}

_ERROR_STYLE = "color: #b00020; font-weight: bold;"


def _error_label(name: str) -> QLabel:
    error = QLabel()
    error.setObjectName(name)
    error.setWordWrap(True)
    error.setStyleSheet(_ERROR_STYLE)
    error.hide()
    return error


def _set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class AdministrationPanel(QWidget):
    """Record what happened to one scheduled dose (or one as-needed dose)."""

    #: The administration was written (the event recorded).
    recorded = Signal(object)
    #: The nurse closed the panel without recording.
    cancelled = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("administration_panel")
        self._ctx = ctx
        self.dose: ScheduledDose | None = None
        self.wristband_scanned = False
        session = ctx.session
        role = session.role if session is not None else ""
        self.can_record = bool(role) and allows(role, Permission.ADMINISTRATION_WRITE)
        self._can_sign = bool(role) and allows(role, Permission.ADMINISTRATION_SIGN)

        self.title = QLabel()
        self.title.setObjectName("administration_title")
        self.title.setWordWrap(True)
        larger_font(self.title, 18, bold=True)
        self.details = QLabel()
        self.details.setObjectName("administration_details")
        self.details.setWordWrap(True)
        larger_font(self.details)
        self.wristband = QLabel()
        self.wristband.setObjectName("wristband_state")
        self.wristband.setWordWrap(True)
        larger_font(self.wristband, bold=True)
        self.history = QLabel()
        self.history.setObjectName("administration_history")
        self.history.setWordWrap(True)

        self.outcomes = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        outcome_row = QHBoxLayout()
        for code in _OUTCOMES:
            button = QRadioButton()
            button.setObjectName(f"outcome_{code}")
            larger_font(button, bold=True)
            self.outcomes.addButton(button)
            self.outcome_buttons[code] = button
            outcome_row.addWidget(button)
        outcome_row.addStretch(1)

        self.amount = QLineEdit()
        self.amount.setObjectName("dose_given")
        self.amount.setMaximumWidth(110)
        larger_font(self.amount)
        self.unit = QLabel()
        self.unit.setObjectName("dose_unit")
        larger_font(self.unit)
        self.amount_error = _error_label("dose_error")
        self.site = QComboBox()
        self.site.setObjectName("site")
        self.site.setEditable(True)
        self.site.setMinimumWidth(260)
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.setEditable(True)
        self.reason.setMinimumWidth(360)
        self.reason_error = _error_label("reason_error")
        self.at = moment_edit()
        self.at.setObjectName("administered_at")
        reset_moment(self.at)
        self.nurse = QLabel()
        self.nurse.setObjectName("administering_nurse")
        self.password = QLineEdit()
        self.password.setObjectName("administration_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_error = _error_label("password_error")

        self._labels = {key: QLabel() for key in ("outcome", "dose", "site", "reason", "at")}
        self._labels["nurse"] = QLabel()
        self._labels["password"] = QLabel()
        self._labels["dose"].setBuddy(self.amount)
        self._labels["site"].setBuddy(self.site)
        self._labels["reason"].setBuddy(self.reason)
        self._labels["at"].setBuddy(self.at)
        self._labels["password"].setBuddy(self.password)
        grid = QGridLayout()
        grid.addWidget(self._labels["outcome"], 0, 0)
        grid.addLayout(outcome_row, 0, 1)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount)
        amount_row.addWidget(self.unit)
        amount_row.addStretch(1)
        grid.addWidget(self._labels["dose"], 1, 0)
        grid.addLayout(amount_row, 1, 1)
        grid.addWidget(self.amount_error, 2, 1)
        grid.addWidget(self._labels["site"], 3, 0)
        grid.addWidget(self.site, 3, 1)
        grid.addWidget(self._labels["reason"], 4, 0)
        grid.addWidget(self.reason, 4, 1)
        grid.addWidget(self.reason_error, 5, 1)
        grid.addWidget(self._labels["at"], 6, 0)
        grid.addWidget(self.at, 6, 1)
        grid.addWidget(self._labels["nurse"], 7, 0)
        grid.addWidget(self.nurse, 7, 1)
        grid.addWidget(self._labels["password"], 8, 0)
        grid.addWidget(self.password, 8, 1)
        grid.addWidget(self.password_error, 9, 1)
        grid.setColumnStretch(1, 1)

        # Shown when the service refused a double dose.
        self.override_box = QFrame()
        self.override_box.setObjectName("override_box")
        self.override_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.override_alert = alert_label("double_dose_alert")
        self.override_reason = QLineEdit()
        self.override_reason.setObjectName("override_reason")
        self._override_label = QLabel()
        self._override_label.setWordWrap(True)
        self._override_label.setBuddy(self.override_reason)
        self.override_error = _error_label("override_error")
        self.override_button = QPushButton()
        self.override_button.setObjectName("override_double_dose")
        override_layout = QVBoxLayout(self.override_box)
        override_layout.addWidget(self.override_alert)
        override_layout.addWidget(self._override_label)
        override_layout.addWidget(self.override_reason)
        override_layout.addWidget(self.override_error)
        override_layout.addWidget(self.override_button)
        self.override_box.hide()

        self.error = _error_label("administration_error")
        self.record_button = QPushButton()
        self.record_button.setObjectName("record_administration")
        self.record_button.setDefault(True)
        self.record_button.setMinimumHeight(44)
        larger_font(self.record_button, bold=True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancel_administration")
        self.cancel_button.setMinimumHeight(44)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.record_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.wristband)
        layout.addWidget(self.history)
        layout.addLayout(grid)
        layout.addWidget(self.override_box)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.outcomes.buttonToggled.connect(self._outcome_toggled)
        self.record_button.clicked.connect(self.record)
        self.override_button.clicked.connect(self.record_override)
        self.override_reason.returnPressed.connect(self.record_override)
        self.cancel_button.clicked.connect(self.cancel)
        self.amount.returnPressed.connect(self.record)
        self.password.returnPressed.connect(self.record)
        self.password.setVisible(self._can_sign)
        self._labels["password"].setVisible(self._can_sign)
        i18n.watch_language(self, self.retranslate)
        self._set_enabled(False)

    def retranslate(self) -> None:
        for code, button in self.outcome_buttons.items():
            button.setText(tr(_OUTCOMES[code]))
        self._labels["outcome"].setText(self.tr("Outcome"))
        self._labels["dose"].setText(self.tr("&Dose given"))
        self._labels["site"].setText(self.tr("&Site"))
        self._labels["reason"].setText(self.tr("&Reason"))
        self._labels["at"].setText(self.tr("&Time"))
        self._labels["nurse"].setText(self.tr("Nurse"))
        self._labels["password"].setText(self.tr("Sign now (&password)"))
        self.password.setPlaceholderText(self.tr("optional: leave empty to keep as draft"))
        self._override_label.setText(
            self.tr("To record it anyway, write why (the override is logged):")
        )
        self.override_reason.setPlaceholderText(
            self.tr("e.g. the first record was made in error; doctor confirmed")
        )
        self.override_button.setText(self.tr("Record anyway (override)"))
        self.record_button.setText(self.tr("Record"))
        self.cancel_button.setText(self.tr("Cancel"))
        self._fill_sites()
        self._fill_reasons()
        self._show_dose()

    def _fill_sites(self) -> None:
        typed = self.site.currentText() if self.site.currentIndex() < 0 else None
        chosen = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem("", None)
        for code in SITES:
            self.site.addItem(site_name(code), code)
        index = self.site.findData(chosen) if chosen else 0
        self.site.setCurrentIndex(max(0, index))
        if typed:
            self.site.setEditText(typed)
        self.site.blockSignals(False)

    def _fill_reasons(self, *, keep_text: bool = True) -> None:
        typed = self.reason.currentText() if keep_text else ""
        self.reason.blockSignals(True)
        self.reason.clear()
        self.reason.addItem("")
        for source in _REASONS.get(self.outcome(), ()):
            self.reason.addItem(tr(source))
        self.reason.setCurrentIndex(0)
        self.reason.setEditText(typed)
        self.reason.blockSignals(False)

    # ------------------------------------------------------------------ the dose

    def set_dose(self, dose: ScheduledDose, *, wristband_scanned: bool) -> None:
        """Show `dose`, ready to record it as given."""
        self.dose = dose
        self.wristband_scanned = wristband_scanned
        self.outcome_buttons[AdministrationOutcome.GIVEN].setChecked(True)
        self.amount.setText(amount_text(dose.dose, None))
        self.site.setCurrentIndex(0)
        self.reason.setEditText("")
        self.password.clear()
        self.override_reason.clear()
        self.override_box.hide()
        reset_moment(self.at)
        for label in (self.amount_error, self.reason_error, self.password_error, self.error):
            _set_error(label, "")
        _set_error(self.override_error, "")
        self._set_enabled(self.can_record)
        self._show_dose()
        self.amount.setFocus()
        self.amount.selectAll()

    def set_wristband_scanned(self, scanned: bool) -> None:
        self.wristband_scanned = scanned
        self._show_dose()

    def clear(self) -> None:
        """No dose chosen."""
        self.dose = None
        self.wristband_scanned = False
        self.override_box.hide()
        self.password.clear()
        self._set_enabled(False)
        self._show_dose()

    def outcome(self) -> str:
        for code, button in self.outcome_buttons.items():
            if button.isChecked():
                return code
        return AdministrationOutcome.GIVEN

    def set_outcome(self, outcome: str) -> None:
        self.outcome_buttons[outcome].setChecked(True)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            *self.outcome_buttons.values(),
            self.amount,
            self.site,
            self.reason,
            self.at,
            self.password,
            self.record_button,
        ):
            widget.setEnabled(enabled)
        self._outcome_toggled()

    def _outcome_toggled(self, *_args: object) -> None:
        given = self.outcome() == AdministrationOutcome.GIVEN
        active = self.dose is not None and self.can_record
        self.amount.setEnabled(active and given)
        self.site.setEnabled(active and given)
        self._fill_reasons(keep_text=False)
        edit = self.reason.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(
                self.tr("optional") if given else self.tr("required: why the dose was not given")
            )
        _set_error(self.reason_error, "")
        if not given:
            _set_error(self.amount_error, "")

    def _show_dose(self) -> None:
        dose = self.dose
        session = self._ctx.session
        self.nurse.setText(session.full_name if session is not None else "")
        if dose is None:
            self.title.setText(self.tr("Scan the wristband, then the drug."))
            self.details.clear()
            self.wristband.clear()
            self.history.clear()
            self.unit.clear()
            return
        where = " — " + self.tr("bed {bed}").format(bed=dose.bed_code) if dose.bed_code else ""
        self.title.setText(f"{dose.patient_name} — {dose.mrn}{where}")
        ordered = amount_text(dose.dose, dose.dose_unit)
        if dose.as_needed:
            when = self.tr("when needed")
        else:
            when = self.tr("due {time}").format(time=clock_text(dose.due_at))
        lines = [
            f"<b>{html.escape(dose.drug_name)}</b> ({html.escape(dose.drug_code)})",
            html.escape(f"{ordered} · {route_name(dose.route)} · {when}"),
        ]
        if dose.instructions:
            lines.append(html.escape(dose.instructions))
        self.details.setText("<br>".join(lines))
        self.unit.setText(dose.dose_unit)
        if self.wristband_scanned:
            self.wristband.setText(self.tr("✓ Wristband scanned: right patient."))
            self.wristband.setStyleSheet("color: #1b5e20;")
        else:
            self.wristband.setText(
                self.tr("Wristband not scanned: scan it to confirm the patient before giving.")
            )
            self.wristband.setStyleSheet("color: #a35200;")
        done = [
            self.tr("{outcome} at {time} by {nurse}").format(
                outcome=status_name(a.outcome),
                time=clock_text(a.at),
                nurse=a.recorded_by_name,
            )
            for a in dose.administrations
        ]
        self.history.setText(
            self.tr("Already recorded: {list}").format(list="; ".join(done)) if done else ""
        )
        self.history.setStyleSheet("color: #b00020; font-weight: bold;" if done else "")
        self.history.setVisible(bool(done))

    # ------------------------------------------------------------------ recording

    def record(self) -> None:
        """Record the dose as the form says (the service refuses a double dose)."""
        self._submit(override_reason=None)

    def record_override(self) -> None:
        """Record a dose the service refused as a double dose, with the reason written."""
        reason = self.override_reason.text().strip()
        if not reason:
            _set_error(self.override_error, self.tr("Write why the dose is recorded again."))
            self.override_reason.setFocus()
            return
        _set_error(self.override_error, "")
        self._submit(override_reason=reason)

    def _submit(self, *, override_reason: str | None) -> None:
        dose = self.dose
        if dose is None or not self.can_record or not self.record_button.isEnabled():
            return
        outcome = self.outcome()
        amount: Decimal | None = None
        _set_error(self.error, "")
        _set_error(self.password_error, "")
        if outcome == AdministrationOutcome.GIVEN:
            amount = parse_dose(self.amount.text())
            if amount is None:
                _set_error(self.amount_error, self.tr("Enter the amount given, above 0."))
                self.amount.setFocus()
                return
            if amount > dose.dose:
                _set_error(
                    self.amount_error,
                    self.tr("More than the {ordered} ordered: check the order.").format(
                        ordered=amount_text(dose.dose, dose.dose_unit)
                    ),
                )
                self.amount.setFocus()
                return
        _set_error(self.amount_error, "")
        reason = self.reason.currentText().strip()
        if outcome != AdministrationOutcome.GIVEN and not reason:
            _set_error(self.reason_error, self.tr("Give the reason the dose was not given."))
            self.reason.setFocus()
            return
        _set_error(self.reason_error, "")
        site = self._site() if outcome == AdministrationOutcome.GIVEN else None
        password = self.password.text() if self._can_sign else ""
        self.record_button.setEnabled(False)
        self.override_button.setEnabled(False)
        self._ctx.call(
            nursing.record_administration,
            order_id=dose.order_id,
            scheduled_for=dose.due_at,
            outcome=outcome,
            dose=amount,
            dose_unit=dose.dose_unit if amount is not None else None,
            reason=reason or None,
            site=site,
            wristband_scanned=self.wristband_scanned,
            override_reason=override_reason,
            sign_password=password or None,
            at=edited_moment(self.at),
            on_done=self._recorded,
            on_error=self._failed,
            owner=self,
        )

    def _site(self) -> str | None:
        text = self.site.currentText().strip()
        if not text:
            return None
        code = self.site.currentData()
        if code and self.site.itemText(self.site.currentIndex()) == text:
            return str(code)
        return text

    def _recorded(self, event: ClinicalEvent) -> None:
        dose = self.dose
        self.record_button.setEnabled(True)
        self.override_button.setEnabled(True)
        self.override_box.hide()
        self.clear()
        if dose is not None:
            self._ctx.data_changed.emit(context.CHART, dose.patient_id)
        self.recorded.emit(event)

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.record_button.setEnabled(self.dose is not None and self.can_record)
        self.override_button.setEnabled(True)
        self.password.clear()
        if isinstance(error, DoubleDose):
            show_alert(self.override_alert, error_text(error, with_field=False))
            self.override_box.show()
            self.override_reason.setFocus()
            return
        if isinstance(error, AuthenticationError):
            _set_error(self.password_error, error_text(error))
            self.password.setFocus()
            return
        if isinstance(error, ValidationError):
            target = {
                "dose": self.amount_error,
                "reason": self.reason_error,
                "override_reason": self.override_error,
            }.get(error.field)
            if target is not None:
                _set_error(target, error_text(error, with_field=False))
                return
        _set_error(self.error, error_text(error))

    def cancel(self) -> None:
        self.clear()
        self.cancelled.emit()
