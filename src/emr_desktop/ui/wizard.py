"""First start on a PC: the setup wizard (DESIGN §5, §6 "settings and enrollment").

Hospital IT (or whoever sets up the PC) chooses how the PC works: on its own, for a
facility typed here, or joined to the hospital's server with a one-time enrollment code,
in which case the facility and the PC's number come from the server. Then the first
administrator account; a PC joining the server may go without one when the facility's
accounts on the server include an administrator (the setup pulls them right after
enrolling, and refuses a first administrator whose username the facility already has).
The encrypted store is made on a background thread (argon2 and SQLCipher take seconds on
an old PC; the window keeps answering), and the recovery key is shown once, in large type:
Finish stays disabled until the user confirms they wrote it down and types its last group
back. Without that key a PC whose keyring was wiped cannot be opened again.

Each page checks its fields before moving on and shows what is wrong beside the field; an
error from the server (a wrong or used code, no link) sends the user back to fix it, and
the half-made store is removed so the next attempt starts clean.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from emr_desktop.core.errors import EmrError, SyncError, ValidationError
from emr_desktop.core.ids import facility_id_for
from emr_desktop.core.records import Facility, User
from emr_desktop.services.auth import MIN_PASSWORD_LENGTH
from emr_desktop.services.setup import (
    EnrolledFacility,
    EnrolledSetup,
    initialize,
    initialize_enrolled,
)
from emr_desktop.store.store import Store
from emr_desktop.syncclient.client import ServerRefused, SyncClient
from emr_desktop.syncclient.credentials import load_credential, server_url
from emr_desktop.syncclient.engine import enroll, pull_changes
from emr_desktop.ui import i18n
from emr_desktop.ui.worker import Worker

log = logging.getLogger(__name__)

MODE_PAGE, FACILITY_PAGE, SERVER_PAGE, ADMIN_PAGE, KEY_PAGE = range(5)
#: Seconds the server may take to answer the enrollment.
ENROLL_TIMEOUT = 20.0

_ERROR_STYLE = "color: #b00020;"
#: The wizard's usual buttons (Qt's own layout), put back after a failed attempt.
_ALL_BUTTONS = [
    QWizard.WizardButton.Stretch,
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.CommitButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.CancelButton,
]


def _error_label(name: str) -> QLabel:
    error = QLabel()
    error.setObjectName(name)
    error.setWordWrap(True)
    error.setStyleSheet(_ERROR_STYLE)
    error.hide()
    return error


def _show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _field_error(error: ValidationError) -> str:
    return i18n.error_text(error, with_field=False)


def enroll_new_store(
    store: Store, server_url: str, code: str, device_name: str
) -> EnrolledFacility:
    """Enroll the PC's new store with the server (runs on the setup thread).

    The server lists devices by name: an empty one (the field is optional here) is sent as
    the computer's name, as `emr-admin enroll` does.
    """
    client = SyncClient(server_url, timeout=ENROLL_TIMEOUT)
    name = device_name.strip() or socket.gethostname() or "PC"
    result = enroll(store, client.base_url, code, name, client=client)
    return EnrolledFacility(
        facility_id=result.facility_id,
        facility_code=result.facility_code,
        facility_name=result.facility_name,
        device_number=result.device_number,
    )


def pull_new_store(store: Store) -> None:
    """The setup's first pull, over the link the enrollment just used (runs on the setup
    thread): it brings the facility's accounts before the first administrator is made."""
    client = SyncClient(
        server_url(store), credential=load_credential(store), timeout=ENROLL_TIMEOUT
    )
    pull_changes(store, client)


class ModePage(QWizardPage):
    """How this PC works: on its own, or joined to the hospital's server; the language."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.standalone = QRadioButton()
        self.standalone.setObjectName("standalone")
        self.enrolled = QRadioButton()
        self.enrolled.setObjectName("enrolled")
        self.standalone.setChecked(True)
        self.standalone_help = QLabel()
        self.standalone_help.setWordWrap(True)
        self.enrolled_help = QLabel()
        self.enrolled_help.setWordWrap(True)
        for help_label in (self.standalone_help, self.enrolled_help):
            help_label.setContentsMargins(24, 0, 0, 8)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code in i18n.LANGUAGES:
            self.language.addItem(i18n.LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(i18n.LANGUAGES.index(i18n.current_language()))
        self._language_label = QLabel()
        self._language_label.setBuddy(self.language)
        layout = QVBoxLayout(self)
        layout.addWidget(self.standalone)
        layout.addWidget(self.standalone_help)
        layout.addWidget(self.enrolled)
        layout.addWidget(self.enrolled_help)
        layout.addStretch(1)
        language = QFormLayout()
        language.addRow(self._language_label, self.language)
        layout.addLayout(language)
        self.language.currentIndexChanged.connect(self._language_chosen)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Set up this PC"))
        self.setSubTitle(self.tr("This PC has no patient records yet. Choose how it will work."))
        self.standalone.setText(self.tr("&On its own, without a server"))
        self.standalone_help.setText(
            self.tr(
                "For a facility without a central server yet. The records stay on this PC; "
                "it can be enrolled with a server later."
            )
        )
        self.enrolled.setText(self.tr("&Join the hospital's server"))
        self.enrolled_help.setText(
            self.tr(
                "The IT staff give you the server's address and a one-time enrollment code. "
                "The facility and this PC's number come from the server, and the PC then "
                "keeps its records in step with the others."
            )
        )
        self._language_label.setText(self.tr("&Language"))

    def _language_chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code != i18n.current_language():
            i18n.set_language(code, self._wizard.settings)

    def nextId(self) -> int:  # noqa: N802 - Qt name
        return SERVER_PAGE if self.enrolled.isChecked() else FACILITY_PAGE


class FacilityPage(QWizardPage):
    """A PC on its own: which facility it serves, and its number within the facility."""

    def __init__(self) -> None:
        super().__init__()
        self.code = QLineEdit()
        self.code.setObjectName("facility_code")
        self.code.setMaxLength(5)
        self.name = QLineEdit()
        self.name.setObjectName("facility_name")
        self.device_number = QSpinBox()
        self.device_number.setObjectName("device_number")
        self.device_number.setRange(1, 9999)
        self.device_name = QLineEdit()
        self.device_name.setObjectName("device_name")
        self.code_error = _error_label("facility_code_error")
        self.name_error = _error_label("facility_name_error")
        self.number_help = QLabel()
        self.number_help.setWordWrap(True)
        self._labels = [QLabel() for _ in range(4)]
        form = QFormLayout(self)
        for label_widget, field, error in (
            (self._labels[0], self.code, self.code_error),
            (self._labels[1], self.name, self.name_error),
            (self._labels[2], self.device_number, None),
            (self._labels[3], self.device_name, None),
        ):
            label_widget.setBuddy(field)
            form.addRow(label_widget, field)
            if error is not None:
                form.addRow("", error)
        form.addRow("", self.number_help)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Facility"))
        self.setSubTitle(self.tr("The health facility this PC belongs to."))
        self._labels[0].setText(self.tr("Facility &code (MA_CSKCB)"))
        self._labels[1].setText(self.tr("Facility &name"))
        self._labels[2].setText(self.tr("PC &number"))
        self._labels[3].setText(self.tr("PC name"))
        self.code.setPlaceholderText(self.tr("5 characters, e.g. 70001"))
        self.name.setPlaceholderText(self.tr("e.g. Trung tâm Y tế huyện Đồng Phú"))
        self.device_name.setPlaceholderText(self.tr("e.g. Khoa Nội – máy 1 (optional)"))
        self.number_help.setText(
            self.tr(
                "Give each PC of the facility its own number: the record numbers (MRN) it "
                "prints start from it, so two PCs never print the same one."
            )
        )

    def facility_code(self) -> str:
        return self.code.text().strip().upper()

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        _show_error(self.code_error, "")
        _show_error(self.name_error, "")
        code, name = self.facility_code(), self.name.text().strip()
        try:
            Facility(
                id=facility_id_for(code),
                facility_id=facility_id_for(code),
                created_at=datetime.now(UTC),
                created_by="setup",
                device_id="setup",
                code=code,
                name=name,
            )
        except ValidationError as error:
            self.show_field_error(error)
            return False
        return True

    def show_field_error(self, error: ValidationError) -> None:
        if error.field == "facility_code":
            _show_error(self.code_error, _field_error(error))
            self.code.setFocus()
        else:
            _show_error(self.name_error, _field_error(error))
            self.name.setFocus()

    def nextId(self) -> int:  # noqa: N802 - Qt name
        return ADMIN_PAGE


class ServerPage(QWizardPage):
    """A PC joining the hospital's server: where the server is, and the one-time code."""

    def __init__(self) -> None:
        super().__init__()
        self.url = QLineEdit()
        self.url.setObjectName("server_url")
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.device_name = QLineEdit()
        self.device_name.setObjectName("server_device_name")
        self.url_error = _error_label("server_url_error")
        self.code_error = _error_label("enroll_code_error")
        self._labels = [QLabel() for _ in range(3)]
        form = QFormLayout(self)
        for label_widget, field, error in (
            (self._labels[0], self.url, self.url_error),
            (self._labels[1], self.code, self.code_error),
            (self._labels[2], self.device_name, None),
        ):
            label_widget.setBuddy(field)
            form.addRow(label_widget, field)
            if error is not None:
                form.addRow("", error)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Hospital server"))
        self.setSubTitle(self.tr("The IT staff make an enrollment code for this PC on the server."))
        self._labels[0].setText(self.tr("Server &address"))
        self._labels[1].setText(self.tr("&Enrollment code"))
        self._labels[2].setText(self.tr("PC name"))
        self.url.setPlaceholderText(self.tr("e.g. https://emr.ttyt-dongphu.vn"))
        self.code.setPlaceholderText(self.tr("e.g. ABCD-EFGH-JKLM"))
        self.device_name.setPlaceholderText(self.tr("e.g. Khoa Nội – máy 1 (optional)"))

    def server_url(self) -> str:
        return self.url.text().strip()

    def enroll_code(self) -> str:
        return self.code.text().strip()

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        _show_error(self.url_error, "")
        _show_error(self.code_error, "")
        parts = urlsplit(self.server_url())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            _show_error(
                self.url_error,
                self.tr("Give the full address, starting with https:// (or http://)."),
            )
            self.url.setFocus()
            return False
        if sum(ch.isalnum() for ch in self.enroll_code()) < 8:
            _show_error(self.code_error, self.tr("Type the enrollment code the IT staff gave."))
            self.code.setFocus()
            return False
        return True

    def show_server_error(self, error: BaseException) -> None:
        """Put an enrollment failure beside the field to correct."""
        text = i18n.error_text(error)
        if isinstance(error, ServerRefused) and error.error_code.startswith("enroll_code"):
            _show_error(self.code_error, text)
        else:
            _show_error(self.url_error, text)

    def nextId(self) -> int:  # noqa: N802 - Qt name
        return ADMIN_PAGE


class AdminPage(QWizardPage):
    """The first administrator: manages staff accounts, backups and enrollment."""

    def __init__(self) -> None:
        super().__init__()
        self.username = QLineEdit()
        self.username.setObjectName("admin_username")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("admin_full_name")
        self.password = QLineEdit()
        self.password.setObjectName("admin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("admin_password_again")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.username_error = _error_label("admin_username_error")
        self.full_name_error = _error_label("admin_full_name_error")
        self.password_error = _error_label("admin_password_error")
        self.again_error = _error_label("admin_password_again_error")
        self.password_rule = QLabel()
        self.password_rule.setWordWrap(True)
        self.no_local_admin = QCheckBox()
        self.no_local_admin.setObjectName("no_local_admin")
        self.no_local_admin.hide()
        self._labels = [QLabel() for _ in range(4)]
        form = QFormLayout(self)
        form.addRow(self.no_local_admin)
        for label_widget, field, error in (
            (self._labels[0], self.username, self.username_error),
            (self._labels[1], self.full_name, self.full_name_error),
            (self._labels[2], self.password, self.password_error),
            (self._labels[3], self.password_again, self.again_error),
        ):
            label_widget.setBuddy(field)
            form.addRow(label_widget, field)
            form.addRow("", error)
        form.addRow("", self.password_rule)
        self.no_local_admin.toggled.connect(self._no_local_admin_toggled)
        i18n.watch_language(self, self.retranslate)

    def initializePage(self) -> None:  # noqa: N802 - Qt name
        # Only a PC joining the server can count on the facility's accounts.
        wizard = self.wizard()
        enrolling = isinstance(wizard, SetupWizard) and wizard.enrolling()
        self.no_local_admin.setVisible(enrolling)
        if not enrolling:
            self.no_local_admin.setChecked(False)

    def wants_admin(self) -> bool:
        """False when no local administrator is to be made (a PC joining the server)."""
        # isHidden, not isVisible: asked while another page is shown.
        return self.no_local_admin.isHidden() or not self.no_local_admin.isChecked()

    def _no_local_admin_toggled(self, checked: bool) -> None:
        for field in (self.username, self.full_name, self.password, self.password_again):
            field.setEnabled(not checked)

    def retranslate(self) -> None:
        self.no_local_admin.setText(
            self.tr(
                "&No administrator on this PC: staff log in with their accounts from the "
                "hospital's server"
            )
        )
        self.setTitle(self.tr("First administrator"))
        self.setSubTitle(
            self.tr(
                "The administrator adds the staff accounts, makes backups and manages this PC. "
                "Doctors, nurses and clerks get their own accounts later."
            )
        )
        self._labels[0].setText(self.tr("&Username"))
        self._labels[1].setText(self.tr("&Full name"))
        self._labels[2].setText(self.tr("&Password"))
        self._labels[3].setText(self.tr("Password &again"))
        self.username.setPlaceholderText(self.tr("e.g. qt.nam (no accents)"))
        self.password_rule.setText(
            self.tr(
                "At least %n character(s); a phrase of a few words is easy to remember.",
                "",
                MIN_PASSWORD_LENGTH,
            )
        )
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Create the store"))

    def validatePage(self) -> bool:  # noqa: N802 - Qt name
        for error in (
            self.username_error,
            self.full_name_error,
            self.password_error,
            self.again_error,
        ):
            _show_error(error, "")
        if not self.wants_admin():
            return True
        try:
            User(
                id="setup",
                facility_id="setup",
                created_at=datetime.now(UTC),
                created_by="setup",
                device_id="setup",
                username=self.username.text().strip(),
                full_name=self.full_name.text(),
                role="admin",
                # Only the names are checked here; the hash is made with the store.
                password_hash="$argon2id$",  # noqa: S106 - a placeholder, not a password
            )
        except ValidationError as error:
            self.show_field_error(error)
            return False
        password = self.password.text()
        if len(password) < MIN_PASSWORD_LENGTH:
            _show_error(
                self.password_error,
                self.tr(
                    "The password must have at least %n character(s).", "", MIN_PASSWORD_LENGTH
                ),
            )
            self.password.setFocus()
            return False
        if password != self.password_again.text():
            _show_error(self.again_error, self.tr("The two passwords differ."))
            self.password_again.setFocus()
            return False
        return True

    def show_field_error(self, error: ValidationError) -> None:
        fields = {
            "username": (self.username_error, self.username),
            "full_name": (self.full_name_error, self.full_name),
            "password": (self.password_error, self.password),
        }
        label_widget, field = fields.get(error.field, (self.username_error, self.username))
        _show_error(label_widget, _field_error(error))
        field.setFocus()

    def nextId(self) -> int:  # noqa: N802 - Qt name
        return KEY_PAGE


class KeyPage(QWizardPage):
    """The store is made; the recovery key is shown once and must be confirmed."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.status = QLabel()
        self.status.setObjectName("setup_status")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.error = _error_label("setup_error")
        self.key = QLabel()
        self.key.setObjectName("recovery_key")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(18, font.pointSize() + 8))
        font.setWeight(QFont.Weight.Bold)
        self.key.setFont(font)
        self.key.setStyleSheet("border: 2px solid #444; padding: 12px; background: #fffbe6;")
        self.instructions = QLabel()
        self.instructions.setWordWrap(True)
        self.written = QCheckBox()
        self.written.setObjectName("key_written")
        self.last_group = QLineEdit()
        self.last_group.setObjectName("key_last_group")
        self.last_group.setMaxLength(4)
        self._last_group_label = QLabel()
        self._last_group_label.setBuddy(self.last_group)
        self.key_box = QWidget()
        box = QVBoxLayout(self.key_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.key)
        box.addWidget(self.instructions)
        box.addWidget(self.written)
        confirm = QFormLayout()
        confirm.addRow(self._last_group_label, self.last_group)
        box.addLayout(confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.key_box)
        layout.addStretch(1)
        self.key_box.hide()
        self.written.toggled.connect(lambda _checked: self.completeChanged.emit())
        self.last_group.textChanged.connect(lambda _text: self.completeChanged.emit())
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Recovery key"))
        self.instructions.setText(
            self.tr(
                "Write this key on paper now and keep it locked away, apart from the PC. It "
                "is shown only this once. If this PC's keyring is ever lost (Windows "
                "reinstalled, account reset), the IT staff need it to open the records again."
            )
        )
        self.written.setText(self.tr("I have &written the key down and put it away safely"))
        self._last_group_label.setText(self.tr("&Type its last group (4 characters)"))
        self._show_status()

    def _show_status(self) -> None:
        wizard = self._wizard
        if wizard.busy:
            self.status.setText(self.tr("Creating the encrypted store… This takes a few seconds."))
        elif wizard.store is not None:
            ready = self.tr("The store of {facility} is ready on this PC (PC number {number}).")
            text = ready.format(facility=wizard.facility_name, number=wizard.device_number)
            if wizard.unchecked_admin:
                unchecked = self.tr(
                    "The facility's accounts could not be fetched from the server, so it was "
                    "not checked that no other PC uses the username {username}. If two "
                    "accounts share it, ask the IT staff to rename one."
                )
                text += "\n\n" + unchecked.format(username=wizard.unchecked_admin)
            self.status.setText(text)
        else:
            self.status.setText(
                self.tr("The store could not be created. Go back, correct and try again.")
            )

    def initializePage(self) -> None:  # noqa: N802 - Qt name
        if self._wizard.store is None:
            _show_error(self.error, "")
            self.key_box.hide()
            self._wizard.create_store()
        self._show_status()

    def show_created(self, recovery_key: str) -> None:
        self.progress.hide()
        self.key.setText(recovery_key)
        self.key_box.show()
        self.written.setChecked(False)
        self.last_group.clear()
        self._show_status()
        self.written.setFocus()
        self.completeChanged.emit()

    def show_failed(self, error: BaseException) -> None:
        self.progress.hide()
        _show_error(self.error, i18n.error_text(error))
        self._show_status()
        self.completeChanged.emit()

    def show_busy(self) -> None:
        self.progress.show()
        self._show_status()

    def isComplete(self) -> bool:  # noqa: N802 - Qt name
        key = self._wizard.recovery_key
        if self._wizard.store is None or key is None:
            return False
        last = key.rsplit("-", 1)[-1]
        return self.written.isChecked() and self.last_group.text().strip().upper() == last


class SetupWizard(QWizard):
    """The first-start wizard; `completed` carries the new, open store after Finish."""

    completed = Signal(object)

    def __init__(self, data_dir: Path, settings: QSettings) -> None:
        super().__init__()
        self.setObjectName("setup_wizard")
        self.data_dir = data_dir
        self.settings = settings
        self.store: Store | None = None
        self.recovery_key: str | None = None
        self.facility_name = ""
        self.device_number = 0
        #: The first administrator's username when the facility's accounts could not be
        #: fetched to check it (a PC joining the server while the link dropped).
        self.unchecked_admin = ""
        self.busy = False
        self._enrolled: list[EnrolledFacility] = []
        self._worker: Worker | None = Worker("emr-setup")
        self.mode_page = ModePage(self)
        self.facility_page = FacilityPage()
        self.server_page = ServerPage()
        self.admin_page = AdminPage()
        self.key_page = KeyPage(self)
        self.setPage(MODE_PAGE, self.mode_page)
        self.setPage(FACILITY_PAGE, self.facility_page)
        self.setPage(SERVER_PAGE, self.server_page)
        self.setPage(ADMIN_PAGE, self.admin_page)
        self.setPage(KEY_PAGE, self.key_page)
        self.setStartId(MODE_PAGE)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(720, 560)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("EMR Desktop — setting up this PC"))

    # ------------------------------------------------------------------ the store

    def enrolling(self) -> bool:
        return self.mode_page.enrolled.isChecked()

    def create_store(self) -> None:
        """Make the store on the setup thread, from what the pages hold."""
        if self.busy or self.store is not None or self._worker is None:
            return
        admin = self.admin_page
        username = admin.username.text().strip() if admin.wants_admin() else ""
        full_name = admin.full_name.text()
        password = admin.password.text()
        if self.enrolling():
            server = self.server_page
            url, code = server.server_url(), server.enroll_code()
            device_name = server.device_name.text().strip()
            answers = self._enrolled = []

            def enroll_and_keep(store: Store) -> EnrolledFacility:
                # Runs on the setup thread; read on this one once the store is made.
                answers.append(enroll_new_store(store, url, code, device_name))
                return answers[-1]

            self._worker.submit(
                initialize_enrolled,
                self.data_dir,
                enroll=enroll_and_keep,
                admin_username=username,
                admin_full_name=full_name,
                admin_password=password,
                device_name=device_name,
                pull_accounts=pull_new_store,
                on_done=self._created,
                on_error=self._failed,
            )
        else:
            self._enrolled = []
            facility = self.facility_page
            self._worker.submit(
                initialize,
                self.data_dir,
                facility_code=facility.facility_code(),
                facility_name=facility.name.text().strip(),
                admin_username=username,
                admin_full_name=full_name,
                admin_password=password,
                device_name=facility.device_name.text().strip(),
                device_number=facility.device_number.value(),
                on_done=self._created,
                on_error=self._failed,
            )
        self.busy = True
        # Nothing to go back to or cancel while the store is being made.
        self.setButtonLayout([QWizard.WizardButton.Stretch, QWizard.WizardButton.FinishButton])
        self.key_page.show_busy()

    def _created(self, result: tuple[Store, str] | EnrolledSetup) -> None:
        self.busy = False
        if isinstance(result, EnrolledSetup):
            self.store, self.recovery_key = result.store, result.recovery_key
            unchecked = result.admin_username and not result.accounts_checked
            self.unchecked_admin = result.admin_username or "" if unchecked else ""
        else:
            self.store, self.recovery_key = result
            self.unchecked_admin = ""
        if self._enrolled:
            self.facility_name = self._enrolled[-1].facility_name
            self.device_number = self._enrolled[-1].device_number
        else:
            self.facility_name = self.facility_page.name.text().strip()
            self.device_number = self.facility_page.device_number.value()
        # Made: there is no way back, and no leaving before the key is confirmed.
        self.setButtonLayout([QWizard.WizardButton.Stretch, QWizard.WizardButton.FinishButton])
        self.key_page.show_created(self.recovery_key)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        if not isinstance(error, EmrError):
            log.error("setup failed: %s", type(error).__name__)
        if isinstance(error, ValidationError):
            if error.field.startswith("facility"):
                self.facility_page.show_field_error(error)
            else:
                self.admin_page.show_field_error(error)
        elif isinstance(error, SyncError):
            self.server_page.show_server_error(error)
        self.setButtonLayout(_ALL_BUTTONS)
        self.key_page.show_failed(error)

    # ------------------------------------------------------------------ ending

    def accept(self) -> None:
        if self.store is None or not self.key_page.isComplete():
            return
        store = self.store
        self.stop_worker()
        super().accept()
        self.completed.emit(store)

    def reject(self) -> None:
        # While the store is made, or before its recovery key is confirmed, stay open.
        if self.busy or self.store is not None:
            return
        self.stop_worker()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt name
        if self.busy or (self.store is not None and self.result() != QWizard.DialogCode.Accepted):
            event.ignore()
            return
        self.stop_worker()
        super().closeEvent(event)

    def stop_worker(self) -> None:
        """End the setup thread (done by the wizard itself when it is finished or cancelled)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
