"""The login and lock screen (DESIGN §6).

One screen serves three moments: the first login after start, the lock screen after the
idle time (the user's name is kept; the password unlocks) and a fast user switch on a shared
PC ("Người khác đăng nhập"), where another member of staff logs in and the workspace of the
previous one is closed. The language switch is here too, before anybody has logged in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext

if TYPE_CHECKING:
    from emr_desktop.services.auth import Session
    from emr_desktop.store.store import Store


def _log_in(store: Store, username: str, password: str) -> Session:
    """On the database worker (which also loads the services the first time)."""
    from emr_desktop.services import auth

    return auth.login(store, username, password)


class LoginScreen(QWidget):
    """Username, password, language; in lock mode the username is fixed until "switch"."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("login")
        self._ctx = ctx
        self._locked_user: Session | None = None
        self._store_error: str | None = None

        self.title = QLabel()
        title_font = QFont(self.title.font())
        title_font.setPointSize(title_font.pointSize() + 8)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel()
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_in = QPushButton()
        self.sign_in.setObjectName("sign_in")
        self.sign_in.setDefault(True)
        self.switch_user = QPushButton()
        self.switch_user.setObjectName("switch_user")
        self.switch_user.hide()
        self.error = QLabel()
        self.error.setObjectName("login_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code in i18n.LANGUAGES:
            self.language.addItem(i18n.LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(i18n.LANGUAGES.index(i18n.current_language()))

        self._username_label = QLabel()
        self._password_label = QLabel()
        self._language_label = QLabel()
        form = QFormLayout()
        form.addRow(self._username_label, self.username)
        form.addRow(self._password_label, self.password)
        form.addRow(self._language_label, self.language)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_user)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in)

        box = QWidget()
        box.setMaximumWidth(420)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(self.subtitle)
        inner.addSpacing(12)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.sign_in.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.switch_user.clicked.connect(self._switch_user)
        self.language.currentIndexChanged.connect(self._language_chosen)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.title.setText(self.tr("EMR Desktop"))
        self._username_label.setText(self.tr("&Username"))
        self._password_label.setText(self.tr("&Password"))
        self._language_label.setText(self.tr("&Language"))
        self._username_label.setBuddy(self.username)
        self._password_label.setBuddy(self.password)
        self._language_label.setBuddy(self.language)
        self.sign_in.setText(self.tr("Sign in") if self._locked_user is None else self.tr("Unlock"))
        self.switch_user.setText(self.tr("Another user"))
        if self._locked_user is not None:
            text = self.tr(
                "Locked. {name} can unlock with their password, or another user can sign in."
            )
            self.subtitle.setText(text.format(name=self._locked_user.full_name))
        else:
            self.subtitle.setText(self.tr("Sign in to open patient records."))
        if self._store_error is not None:
            self.error.setText(self._store_error)

    # ------------------------------------------------------------------ modes
    def show_login(self) -> None:
        """The plain login: nobody is logged in."""
        self._locked_user = None
        self.username.setReadOnly(False)
        self.username.clear()
        self.switch_user.hide()
        self._reset()
        self.retranslate()
        self.username.setFocus()

    def show_locked(self, session: Session) -> None:
        """Lock mode: the user's name stays; their password unlocks."""
        self._locked_user = session
        self.username.setText(session.username)
        self.username.setReadOnly(True)
        self.switch_user.show()
        self._reset()
        self.retranslate()
        self.password.setFocus()

    def show_store_error(self, text: str) -> None:
        """The store cannot be opened: say why and refuse logins."""
        self._store_error = text
        self.error.setText(text)
        self.sign_in.setEnabled(False)

    def _reset(self) -> None:
        self.password.clear()
        if self._store_error is None:
            self.error.clear()
        self.sign_in.setEnabled(self._store_error is None)

    def _switch_user(self) -> None:
        self.username.setReadOnly(False)
        self.username.clear()
        self.username.setFocus()
        self.switch_user.hide()

    def _language_chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code != i18n.current_language():
            i18n.set_language(code, self._ctx.settings)

    # ------------------------------------------------------------------ login
    def _submit(self) -> None:
        username = self.username.text().strip()
        password = self.password.text()
        if not username or not password:
            self.error.setText(self.tr("Enter your username and password."))
            return
        self.sign_in.setEnabled(False)
        self.error.clear()
        self._ctx.submit_with_store(
            _log_in, username, password, on_done=self._logged_in, on_error=self._failed
        )

    def _logged_in(self, session: Session) -> None:
        self.password.clear()
        self.sign_in.setEnabled(True)
        self._ctx.set_session(session)

    def _failed(self, error: BaseException) -> None:
        self.password.clear()
        self.sign_in.setEnabled(self._store_error is None)
        self.error.setText(i18n.error_text(error))
        self.password.setFocus()
