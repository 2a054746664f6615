"""Registering a patient: the registration form, and one-click registration of an
unidentified emergency patient (DESIGN §6).

The form checks each field as the clerk leaves it, with the same rules the services apply
(`core.identity`, `core.birthdate`, `core.text`: pure functions, safe on the GUI thread), and
shows what is wrong under the field while everything else stays editable. Nothing is saved
until every field is valid; whatever the service still refuses lands under its field too.
A CCCD number already registered is looked up as soon as it is typed or scanned, with a
button to open that chart instead of making a duplicate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import ConflictError, ValidationError
from emr_desktop.core.identity import (
    decode_cccd,
    validate_bhyt,
    validate_bhyt_validity,
    validate_cccd,
    validate_cmnd,
    validate_phone,
)
from emr_desktop.core.records import Patient
from emr_desktop.core.text import normalize_name
from emr_desktop.services import patients
from emr_desktop.services.patients import CardScan
from emr_desktop.ui import i18n
from emr_desktop.ui.context import PATIENTS, AppContext
from emr_desktop.ui.labels import age_text, birth_date, codes, label, local_date

#: Children under this age should have a guardian recorded.
GUARDIAN_AGE = 16

#: The 54 ethnic groups of Việt Nam, as written on identity documents (proper names, not
#: translated). Kinh first: most patients.
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "Mông", "Dao", "Gia-rai",
    "Ngái", "Ê-đê", "Ba-na", "Xơ-đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê",
    "Mnông", "Raglay", "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ-tu", "Gié-Triêng",
    "Mạ", "Khơ-mú", "Co", "Tà-ôi", "Chơ-ro", "Kháng", "Xinh-mun", "Hà Nhì", "Chu-ru",
    "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn",
    "Cơ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ-măm",
)  # fmt: skip

_DAY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_PHONE_SEPARATORS = re.compile(r"[,;/]")
_FACILITY = re.compile(r"[0-9A-Za-z]{5}")

_STYLES = {
    "error": "color: #b00020;",
    "warning": "color: #8a5300;",
    "hint": "color: #555555;",
}

# Fields the services name in a ValidationError, mapped to the form's own field.
_FIELD_ALIASES = {"phones": "phone", "qr": "cccd", "identity_status": "full_name"}

#: The form's fields, in the order a clerk fills them.
FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "cccd",
    "cmnd",
    "bhyt_number",
    "bhyt_valid_from",
    "bhyt_valid_to",
    "bhyt_registered_facility",
    "phone",
    "address",
    "ethnicity",
    "occupation",
    "guardian_name",
)


def _passes(validate: Callable[[str], str], text: str) -> bool:
    try:
        validate(text)
    except ValidationError:
        return False
    return True


def _field_of_query(text: str) -> str | None:
    """Which field a search that found nobody was typed for: a phone number, CCCD, CMND or
    BHYT card code, or a name typed with its diacritics ("nguyen van an" would have to be
    retyped anyway); None for anything else (a record number, a few letters)."""
    if not text:
        return None
    if _passes(validate_phone, text):
        return "phone"
    if _passes(validate_cccd, text):
        return "cccd"
    if _passes(validate_cmnd, text):
        return "cmnd"
    # Only the 15-character code: the 10-digit form looks like a record number.
    if len(text) == 15 and _passes(validate_bhyt, text):
        return "bhyt_number"
    if not text.isascii() and not any(char.isdigit() for char in text):
        return "full_name"
    return None


def _parse_day(text: str) -> dt.date:
    """A day typed as Vietnamese write it (07/03/2026, 7-3-2026, 07.03.2026) or ISO."""
    match = _DAY.fullmatch(text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


class _Problems:
    """What is wrong (blocking) or worth a second look (warnings, hints), per field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.notes: dict[str, tuple[str, str]] = {}

    def error(self, field: str, text: str) -> None:
        self.errors.setdefault(field, text)

    def note(self, field: str, level: str, text: str) -> None:
        self.notes.setdefault(field, (level, text))

    def check(self, field: str, validate: Callable[[], Any]) -> Any:
        """Run a core validator; its ValidationError becomes the field's message."""
        try:
            return validate()
        except ValidationError as error:
            self.error(field, i18n.error_text(error, with_field=False))
            return None


class RegistrationForm(QWidget):
    """A new patient's demographics, identity papers, BHYT card and contacts."""

    #: The patient was saved (and their chart asked to open); the argument is their id.
    registered = Signal(str)
    #: The clerk closed the form without registering (cancel, or opened an existing chart).
    closed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("registration")
        self._ctx = ctx
        self._touched: set[str] = set()
        #: Fields a scan left for the clerk: level ("error" blocks saving) and message.
        self._flags: dict[str, tuple[str, str]] = {}
        self._existing: Patient | None = None
        self._saving = False

        self.title = QLabel()
        font = self.title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.title.setFont(font)
        self.general_error = QLabel()
        self.general_error.setObjectName("registration_error")
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(_STYLES["error"] + " font-weight: bold;")
        self.general_error.hide()

        self.full_name = self._line_edit("full_name")
        self.sex = QComboBox()
        self.sex.setObjectName("sex")
        for code in codes("sex"):
            self.sex.addItem("", code)
        self.sex.setCurrentIndex(-1)
        self.date_of_birth = self._line_edit("date_of_birth")
        self.cccd = self._line_edit("cccd", max_length=14)
        self.cmnd = self._line_edit("cmnd", max_length=11)
        self.bhyt_number = self._line_edit("bhyt_number", max_length=20)
        self.bhyt_valid_from = self._line_edit("bhyt_valid_from", max_length=10)
        self.bhyt_valid_to = self._line_edit("bhyt_valid_to", max_length=10)
        self.bhyt_registered_facility = self._line_edit("bhyt_registered_facility", max_length=5)
        self.phone = self._line_edit("phone")
        self.address = self._line_edit("address")
        self.ethnicity = QComboBox()
        self.ethnicity.setObjectName("ethnicity")
        self.ethnicity.setEditable(True)
        self.ethnicity.addItems(ETHNIC_GROUPS)
        self.ethnicity.setCurrentIndex(-1)
        self.occupation = self._line_edit("occupation")
        self.guardian_name = self._line_edit("guardian_name")

        self.inputs: dict[str, QWidget] = {
            "full_name": self.full_name,
            "sex": self.sex,
            "date_of_birth": self.date_of_birth,
            "cccd": self.cccd,
            "cmnd": self.cmnd,
            "bhyt_number": self.bhyt_number,
            "bhyt_valid_from": self.bhyt_valid_from,
            "bhyt_valid_to": self.bhyt_valid_to,
            "bhyt_registered_facility": self.bhyt_registered_facility,
            "phone": self.phone,
            "address": self.address,
            "ethnicity": self.ethnicity,
            "occupation": self.occupation,
            "guardian_name": self.guardian_name,
        }
        self.messages: dict[str, QLabel] = {}
        self._labels: dict[str, QLabel] = {}
        for field in FIELDS:
            message = QLabel()
            message.setObjectName(f"{field}_message")
            message.setWordWrap(True)
            message.hide()
            self.messages[field] = message
            self._labels[field] = QLabel()
            self._labels[field].setBuddy(self.inputs[field])

        self.existing_box = QWidget()
        self.existing_box.setObjectName("existing_patient")
        self.existing_text = QLabel()
        self.existing_text.setWordWrap(True)
        self.open_existing = QPushButton()
        self.open_existing.setObjectName("open_existing")
        self.open_existing.clicked.connect(self.open_existing_chart)
        existing_row = QHBoxLayout(self.existing_box)
        existing_row.setContentsMargins(0, 0, 0, 0)
        existing_row.addWidget(self.existing_text, 1)
        existing_row.addWidget(self.open_existing)
        self.existing_box.hide()

        self.identity_group = QGroupBox()
        self.insurance_group = QGroupBox()
        self.contact_group = QGroupBox()
        identity = QFormLayout(self.identity_group)
        for field in ("full_name", "sex", "date_of_birth", "cccd", "cmnd"):
            identity.addRow(self._labels[field], self._cell(field))
        identity.addRow(self.existing_box)
        insurance = QFormLayout(self.insurance_group)
        for field in (
            "bhyt_number",
            "bhyt_valid_from",
            "bhyt_valid_to",
            "bhyt_registered_facility",
        ):
            insurance.addRow(self._labels[field], self._cell(field))
        contact = QFormLayout(self.contact_group)
        for field in ("phone", "address", "ethnicity", "occupation", "guardian_name"):
            contact.addRow(self._labels[field], self._cell(field))

        self.save_button = QPushButton()
        self.save_button.setObjectName("save_patient")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancel_registration")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.general_error)
        layout.addWidget(self.identity_group)
        layout.addWidget(self.insurance_group)
        layout.addWidget(self.contact_group)
        layout.addLayout(buttons)
        layout.addStretch(1)

        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.save)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel)

        self.sex.currentIndexChanged.connect(lambda _index: self._left("sex"))
        self.ethnicity.currentTextChanged.connect(lambda _text: self._touched.add("ethnicity"))
        self.full_name.textEdited.connect(lambda _text: self._unflag("full_name"))
        self.address.textEdited.connect(lambda _text: self._unflag("address"))
        self.cccd.textEdited.connect(lambda _text: self._forget_existing())
        i18n.watch_language(self, self.retranslate)

    def _line_edit(self, field: str, *, max_length: int = 255) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(field)
        edit.setMaxLength(max_length)
        edit.editingFinished.connect(partial(self._left, field))
        # Enter moves on to the next field, as desk staff expect; Ctrl+Enter saves.
        edit.returnPressed.connect(self.focusNextChild)
        return edit

    def _cell(self, field: str) -> QWidget:
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.inputs[field])
        column.addWidget(self.messages[field])
        return cell

    def retranslate(self) -> None:
        self.title.setText(self.tr("Register a new patient"))
        self.identity_group.setTitle(self.tr("Identity"))
        self.insurance_group.setTitle(self.tr("Health insurance card (BHYT)"))
        self.contact_group.setTitle(self.tr("Contact and other details"))
        names = {
            "full_name": self.tr("Full &name"),
            "sex": self.tr("&Sex"),
            "date_of_birth": self.tr("&Date of birth"),
            "cccd": self.tr("&CCCD number"),
            "cmnd": self.tr("Old CM&ND number"),
            "bhyt_number": self.tr("&BHYT number"),
            "bhyt_valid_from": self.tr("Valid &from"),
            "bhyt_valid_to": self.tr("Valid &to"),
            "bhyt_registered_facility": self.tr("Registered facility (KCB BĐ)"),
            "phone": self.tr("&Phone"),
            "address": self.tr("&Address"),
            "ethnicity": self.tr("&Ethnicity"),
            "occupation": self.tr("&Occupation"),
            "guardian_name": self.tr("&Guardian (for a child)"),
        }
        for field, text in names.items():
            self._labels[field].setText(text)
        self.sex.setPlaceholderText(self.tr("Choose…"))
        for index in range(self.sex.count()):
            self.sex.setItemText(index, label("sex", self.sex.itemData(index)))
        self.full_name.setPlaceholderText(self.tr("As on the identity card"))
        self.date_of_birth.setPlaceholderText(self.tr("dd/mm/yyyy, or the year only"))
        self.cccd.setPlaceholderText(self.tr("12 digits"))
        self.cmnd.setPlaceholderText(self.tr("9 digits, if the patient has one"))
        self.bhyt_number.setPlaceholderText(self.tr("15-character card code, e.g. DN4010123456789"))
        self.bhyt_valid_from.setPlaceholderText(self.tr("dd/mm/yyyy"))
        self.bhyt_valid_to.setPlaceholderText(self.tr("dd/mm/yyyy"))
        self.bhyt_registered_facility.setPlaceholderText(self.tr("5 characters, e.g. 01001"))
        self.phone.setPlaceholderText(self.tr("Several numbers separated by commas"))
        self.address.setPlaceholderText(self.tr("House number, street, ward/commune, province"))
        self.ethnicity.setPlaceholderText(self.tr("Choose or type…"))
        self.save_button.setText(self.tr("Register and open chart"))
        self.save_button.setToolTip(self.tr("Ctrl+Enter"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.open_existing.setText(self.tr("Open that chart"))
        self._show_existing()
        if self._touched:
            self._show_problems(self._validate()[1])

    # ------------------------------------------------------------------ filling
    def clear(self) -> None:
        """An empty form, no messages."""
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit):
                widget.clear()
        self.sex.setCurrentIndex(-1)
        self.ethnicity.setCurrentIndex(-1)
        self.ethnicity.setEditText("")
        self._touched.clear()
        self._flags.clear()
        self._existing = None
        self._saving = False
        self.save_button.setEnabled(True)
        self.general_error.hide()
        self._show_existing()
        self._show_problems(_Problems())

    def start_new(self, query: str = "") -> None:
        """An empty form, with what the clerk typed in the search box put where it belongs
        (a CCCD, a phone number or a name)."""
        self.clear()
        text = " ".join(query.split())
        field = _field_of_query(text)
        if field is not None:
            edit = self.inputs[field]
            assert isinstance(edit, QLineEdit)
            edit.setText(text)
            self._touched.add(field)
        target = self.full_name if field in (None, "full_name") else self.inputs[field]
        self._show_problems(self._validate()[1])
        if self.cccd.text():
            self._look_up_cccd()
        target.setFocus()

    def prefill_from_scan(self, scan: CardScan) -> None:
        """Fill the form from a scanned CCCD card; a garbled name or address is left empty
        and flagged for the clerk to type from the card."""
        self.clear()
        self.cccd.setText(scan.cccd)
        self.cmnd.setText(scan.cmnd or "")
        self.full_name.setText(scan.full_name or "")
        self.sex.setCurrentIndex(self.sex.findData(scan.sex))
        if scan.date_of_birth is not None:
            self.date_of_birth.setText(local_date(scan.date_of_birth))
        self.address.setText(scan.address or "")
        if scan.garbled and scan.full_name is None:
            self._flags["full_name"] = (
                "error",
                self.tr(
                    "The scanner garbled the name: type it from the card, with its diacritics."
                ),
            )
        if scan.garbled and scan.address is None:
            self._flags["address"] = (
                "warning",
                self.tr("The scanner garbled the address: type it from the card."),
            )
        self._touched.update(f for f in FIELDS if self._text(f))
        self._show_problems(self._validate()[1])
        self._look_up_cccd()
        (self.full_name if "full_name" in self._flags else self.bhyt_number).setFocus()

    # ------------------------------------------------------------------ checking
    def _text(self, field: str) -> str:
        widget = self.inputs[field]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if widget is self.ethnicity:
            return self.ethnicity.currentText().strip()
        return str(self.sex.currentData() or "")

    def _left(self, field: str) -> None:
        """The clerk left a field: check it (and the fields that depend on it)."""
        if self._saving:
            return
        if self._text(field) or field in self._touched:
            self._touched.add(field)
        if field == "cccd":
            self._fill_sex_from_cccd()
            self._look_up_cccd()
        self._show_problems(self._validate()[1])

    def _unflag(self, field: str) -> None:
        if self._flags.pop(field, None) is not None:
            self._show_problems(self._validate()[1])

    def _fill_sex_from_cccd(self) -> None:
        # The 4th digit of a CCCD gives the sex; save the clerk a choice.
        if self.sex.currentIndex() >= 0:
            return
        try:
            sex = decode_cccd(self.cccd.text()).sex
        except ValidationError:
            return
        self.sex.setCurrentIndex(self.sex.findData(sex))

    def _validate(self) -> tuple[dict[str, Any], _Problems]:
        """The service arguments, and what is wrong with which field."""
        problems = _Problems()
        values: dict[str, Any] = {}
        for field, (level, text) in self._flags.items():
            if level == "error":
                problems.error(field, text)
            else:
                problems.note(field, level, text)

        values["full_name"] = problems.check(
            "full_name", lambda: normalize_name(self._text("full_name"))
        )
        sex = self._text("sex")
        if not sex:
            problems.error("sex", self.tr("Choose the patient's sex."))
        values["sex"] = sex

        birth: BirthDate | None = None
        if text := self._text("date_of_birth"):
            birth = problems.check("date_of_birth", lambda: BirthDate.parse(text))
            if birth is not None:
                problems.note("date_of_birth", "hint", age_text(birth, dt.date.today()))
        values["date_of_birth"] = birth

        if text := self._text("cccd"):
            known_sex = sex if sex in ("male", "female") else None
            year = birth.year if birth is not None else None
            values["cccd"] = problems.check(
                "cccd", lambda: validate_cccd(text, sex=known_sex, birth_year=year)
            )
            if self._existing is not None and self._existing.cccd == values["cccd"]:
                problems.error("cccd", self.tr("This CCCD number is already registered."))
        if text := self._text("cmnd"):
            values["cmnd"] = problems.check("cmnd", lambda: validate_cmnd(text))

        self._check_insurance(values, problems)

        phones = [p for p in _PHONE_SEPARATORS.split(self.phone.text()) if p.strip()]
        values["phones"] = tuple(
            problems.check("phone", partial(validate_phone, number)) for number in phones
        )
        for field in ("address", "ethnicity", "occupation"):
            values[field] = " ".join(self._text(field).split()) or None
        if text := self._text("guardian_name"):
            values["guardian_name"] = problems.check(
                "guardian_name", lambda: normalize_name(text, "guardian_name")
            )
        elif birth is not None and birth.age_on(dt.date.today()) < GUARDIAN_AGE:
            problems.note(
                "guardian_name", "warning", self.tr("A child: record the parent or guardian.")
            )
        return values, problems

    def _check_insurance(self, values: dict[str, Any], problems: _Problems) -> None:
        if text := self._text("bhyt_number"):
            values["bhyt_number"] = problems.check("bhyt_number", lambda: validate_bhyt(text))
        days: dict[str, dt.date | None] = {}
        for field in ("bhyt_valid_from", "bhyt_valid_to"):
            days[field] = None
            if text := self._text(field):
                try:
                    days[field] = _parse_day(text)
                except ValueError:
                    problems.error(
                        field,
                        self.tr("“{text}” is not a date: write it as dd/mm/yyyy.").format(
                            text=text
                        ),
                    )
            values[field] = days[field]
        valid_from, valid_to = days["bhyt_valid_from"], days["bhyt_valid_to"]
        try:
            validate_bhyt_validity(valid_from, valid_to, dt.date.today())
        except ValidationError as error:
            # An expired card is still recorded (the visit is then paid out of pocket).
            level = "error" if error.rule == "validity" else "warning"
            text = i18n.error_text(error, with_field=False)
            if level == "error":
                problems.error(error.field, text)
            else:
                problems.note(error.field, level, text)
        if (valid_from or valid_to) and not self._text("bhyt_number"):
            problems.error("bhyt_number", self.tr("Enter the card number with its validity dates."))
        if text := self._text("bhyt_registered_facility"):
            if _FACILITY.fullmatch(text):
                values["bhyt_registered_facility"] = text.upper()
            else:
                problems.error(
                    "bhyt_registered_facility",
                    self.tr("The facility code on the card has 5 letters or digits, e.g. 01001."),
                )

    def _show_problems(self, problems: _Problems) -> None:
        for field, message in self.messages.items():
            if field in problems.errors and (field in self._touched or field in self._flags):
                self._set_message(message, "error", problems.errors[field])
            elif field in problems.notes and (
                field in self._touched or field in self._flags or field == "guardian_name"
            ):
                self._set_message(message, *problems.notes[field])
            else:
                message.clear()
                message.hide()

    @staticmethod
    def _set_message(message: QLabel, level: str, text: str) -> None:
        message.setText(text)
        message.setProperty("level", level)
        message.setStyleSheet(_STYLES[level])
        message.show()

    # ------------------------------------------------------------------ existing CCCD
    def _look_up_cccd(self) -> None:
        try:
            number = validate_cccd(self.cccd.text())
        except ValidationError:
            self._forget_existing()
            return
        self._ctx.call(
            patients.find_patient_by_cccd,
            number,
            key="registration-cccd",
            on_done=partial(self._cccd_looked_up, number),
            owner=self,
            # A failed look-up only means no offer to open a chart; saving still checks.
            on_error=lambda _error: None,
        )

    def _cccd_looked_up(self, number: str, patient: Patient | None) -> None:
        if "".join(self.cccd.text().split()) != number:
            return
        self._existing = patient
        self._show_existing()
        if patient is not None:
            self._touched.add("cccd")
            self._show_problems(self._validate()[1])

    def _forget_existing(self) -> None:
        if self._existing is not None:
            self._existing = None
            self._show_existing()

    def _show_existing(self) -> None:
        patient = self._existing
        if patient is None:
            self.existing_box.hide()
            return
        self.existing_text.setText(
            self.tr("Registered already: {name}, born {born}, record number {mrn}.").format(
                name=patient.full_name, born=birth_date(patient.date_of_birth), mrn=patient.mrn
            )
        )
        self.existing_box.show()

    def open_existing_chart(self) -> None:
        """Open the chart that already has this CCCD, instead of registering again."""
        if self._existing is None:
            return
        patient_id = self._existing.id
        self.clear()
        self._ctx.open_chart_requested.emit(patient_id)
        self.closed.emit()

    # ------------------------------------------------------------------ saving
    def save(self) -> bool:
        """Register the patient if every field is valid; False (and messages) if not."""
        if self._saving:
            return False
        values, problems = self._validate()
        self._touched.update(FIELDS)
        self._show_problems(problems)
        self.general_error.hide()
        if problems.errors:
            first = next(f for f in FIELDS if f in problems.errors)
            self.inputs[first].setFocus()
            return False
        self._saving = True
        self.save_button.setEnabled(False)
        self._ctx.call(
            patients.register_patient,
            **values,
            on_done=self._saved,
            owner=self,
            on_error=self._save_failed,
        )
        return True

    def _saved(self, patient: Patient) -> None:
        self.clear()
        self._ctx.inform(
            self.tr("Registered {name}, record number {mrn}.").format(
                name=patient.full_name, mrn=patient.mrn
            )
        )
        self._ctx.data_changed.emit(PATIENTS, patient.id)
        self.registered.emit(patient.id)
        self._ctx.open_chart_requested.emit(patient.id)

    def _save_failed(self, error: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            field = _FIELD_ALIASES.get(error.field, error.field)
            if field in self.messages:
                self._set_message(
                    self.messages[field], "error", i18n.error_text(error, with_field=False)
                )
                self.inputs[field].setFocus()
                return
        if isinstance(error, ConflictError) and self.cccd.text():
            self._look_up_cccd()
        self.general_error.setText(i18n.error_text(error))
        self.general_error.show()

    def cancel(self) -> None:
        self.clear()
        self.closed.emit()


class UnidentifiedPatientPanel(QWidget):
    """One click registers an emergency patient nobody can name yet; the chart opens."""

    registered = Signal(str)
    closed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("unidentified")
        self._ctx = ctx
        self.title = QLabel()
        font = self.title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.title.setFont(font)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.sex_buttons: dict[str, QRadioButton] = {}
        self._sex_group = QButtonGroup(self)
        sex_row = QHBoxLayout()
        for code in codes("sex"):
            button = QRadioButton()
            button.setObjectName(f"unidentified_{code}")
            self.sex_buttons[code] = button
            self._sex_group.addButton(button)
            sex_row.addWidget(button)
        sex_row.addStretch(1)
        self.age = QSpinBox()
        self.age.setObjectName("estimated_age")
        # The lowest value stands for "cannot tell".
        self.age.setRange(-1, 120)
        self.age.setValue(-1)
        self.error = QLabel()
        self.error.setObjectName("unidentified_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_STYLES["error"])
        self.error.hide()
        self.register_button = QPushButton()
        self.register_button.setObjectName("register_unidentified")
        self.register_button.clicked.connect(self.register)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self._sex_label = QLabel()
        self._age_label = QLabel()
        self._age_label.setBuddy(self.age)
        form = QFormLayout()
        form.addRow(self._sex_label, sex_row)
        form.addRow(self._age_label, self.age)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.register_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self)
            enter.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            enter.activated.connect(self.register)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Unidentified emergency patient"))
        self.explanation.setText(
            self.tr(
                "For a patient nobody can name yet. The chart opens at once; complete the "
                "identity when it is known."
            )
        )
        for code, button in self.sex_buttons.items():
            button.setText(label("sex", code))
        self._sex_label.setText(self.tr("Sex"))
        self._age_label.setText(self.tr("Estimated &age"))
        self.age.setSpecialValueText(self.tr("cannot tell"))
        self.age.setSuffix(self.tr(" years"))
        self.register_button.setText(self.tr("Register and open chart"))
        self.cancel_button.setText(self.tr("Cancel"))

    def reset(self) -> None:
        self._sex_group.setExclusive(False)
        for button in self.sex_buttons.values():
            button.setChecked(False)
        self._sex_group.setExclusive(True)
        self.age.setValue(-1)
        self.error.hide()
        self.register_button.setEnabled(True)

    def chosen_sex(self) -> str | None:
        return next((code for code, b in self.sex_buttons.items() if b.isChecked()), None)

    def register(self) -> bool:
        sex = self.chosen_sex()
        if sex is None:
            self.error.setText(self.tr("Choose the sex."))
            self.error.show()
            return False
        year = None if self.age.value() < 0 else dt.date.today().year - self.age.value()
        self.error.hide()
        self.register_button.setEnabled(False)
        self._ctx.call(
            patients.register_unidentified_patient,
            sex=sex,
            estimated_birth_year=year,
            on_done=self._registered,
            owner=self,
            on_error=self._failed,
        )
        return True

    def _registered(self, patient: Patient) -> None:
        self.reset()
        self._ctx.inform(
            self.tr("Registered an unidentified patient, record number {mrn}.").format(
                mrn=patient.mrn
            )
        )
        self._ctx.data_changed.emit(PATIENTS, patient.id)
        self.registered.emit(patient.id)
        self._ctx.open_chart_requested.emit(patient.id)

    def _failed(self, error: BaseException) -> None:
        self.register_button.setEnabled(True)
        self.error.setText(i18n.error_text(error))
        self.error.show()

    def cancel(self) -> None:
        self.reset()
        self.closed.emit()
