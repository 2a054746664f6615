"""The main window: the login/lock screen, or the workspace of the logged-in user.

The workspace holds fixed tabs (find a patient, the ward board, sync review) and one tab per
open chart. A new user gets a new workspace: nothing the previous user had open survives a
user switch. Locking hides the workspace behind the lock screen without closing it, so the
same user unlocks to exactly where they were.

Errors and notices appear in a message bar above the tabs, never in a modal box that would
stop a busy ward until somebody clicks it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.labels import label
from emr_desktop.ui.login import LoginScreen

if TYPE_CHECKING:
    from emr_desktop.services.auth import Session
    from emr_desktop.ui.chart.view import ChartView
    from emr_desktop.ui.syncstatus import SyncStatusBar

#: The screens of the workspace, loaded after the login window is up (`preload_screens`):
#: with them come SQLAlchemy, the services and reportlab, most of the start-up time.
SCREEN_MODULES = (
    "emr_desktop.ui.search",
    "emr_desktop.ui.ward",
    "emr_desktop.ui.nursing.worklist",
    "emr_desktop.ui.review",
    "emr_desktop.ui.chart.view",
    "emr_desktop.ui.syncstatus",
    # The chart's imaging tab: numpy and pydicom load here, not on the GUI thread later.
    "emr_desktop.ui.imaging.viewer",
    "emr_desktop.ui.imaging.browser",
    "emr_desktop.ui.imaging.importer",
    "emr_desktop.ui.imaging.pacs",
)


def preload_screens() -> None:
    """Import the workspace's modules (on the database worker, while the user logs in)."""
    for name in SCREEN_MODULES:
        importlib.import_module(name)


#: How long an information message stays (errors stay until closed or replaced).
INFO_MS = 8000

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.TouchBegin,
    }
)


class MessageBar(QWidget):
    """A strip above the tabs with the latest error or notice."""

    _STYLES: ClassVar[dict[str, str]] = {
        "error": "background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2c0;",
        "warning": "background: #fff4e5; color: #663c00; border: 1px solid #ffd8a8;",
        "info": "background: #e8f4fd; color: #0b3c5d; border: 1px solid #b6dcf7;",
    }

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("message_bar")
        self.text = QLabel()
        self.text.setObjectName("message_text")
        self.text.setWordWrap(True)
        self.level = ""
        close = QToolButton()
        close.setText("×")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        self.level = level
        self.text.setText(text)
        self.setStyleSheet(self._STYLES.get(level, self._STYLES["info"]))
        self.show()
        if level == "error":
            self._timer.stop()
        else:
            self._timer.start(INFO_MS)


class IdleWatcher(QObject):
    """Locks the screen after the configured minutes without keyboard or mouse input."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(ctx.lock)
        self.restart()

    def restart(self) -> None:
        self.timer.start(self._ctx.idle_ms())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        # Restarting a timer is cheap, but mouse moves come in floods: once a second is enough.
        if event.type() in _INPUT_EVENTS:
            slack = min(1000, self.timer.interval() // 4)
            if self.timer.remainingTime() < self.timer.interval() - slack:
                self.restart()
        return False


class Workspace(QWidget):
    """The logged-in user's tabs."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("workspace")
        self._ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        from emr_desktop.ui.nursing.worklist import WorklistScreen
        from emr_desktop.ui.review import ReviewScreen
        from emr_desktop.ui.search import PatientSearchScreen
        from emr_desktop.ui.ward import WardBoard

        self.search = PatientSearchScreen(ctx)
        self.ward = WardBoard(ctx)
        self.nursing = WorklistScreen(ctx)
        self.review = ReviewScreen(ctx)
        # A scan from the serial scanner may open registration while a chart is in front.
        self.search.show_requested.connect(self.show_search)
        self._fixed: list[QWidget] = [self.search, self.ward, self.nursing, self.review]
        for screen in self._fixed:
            self.tabs.addTab(screen, "")
            self.tabs.tabBar().setTabButton(
                self.tabs.indexOf(screen), self.tabs.tabBar().ButtonPosition.RightSide, None
            )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.search), self.tr("Patients"))
        self.tabs.setTabText(self.tabs.indexOf(self.ward), self.tr("Ward board"))
        self.tabs.setTabText(self.tabs.indexOf(self.nursing), self.tr("Nursing"))
        self.tabs.setTabText(self.tabs.indexOf(self.review), self.tr("Sync review"))

    def charts(self) -> list[ChartView]:
        from emr_desktop.ui.chart.view import ChartView

        return [
            w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), ChartView)
        ]

    def open_chart(self, patient_id: str) -> ChartView:
        """Raise the patient's chart tab, opening it first if needed."""
        for chart in self.charts():
            if chart.patient_id == patient_id:
                self.tabs.setCurrentWidget(chart)
                return chart
        from emr_desktop.ui.chart.view import ChartView

        chart = ChartView(self._ctx, patient_id)
        index = self.tabs.addTab(chart, chart.title())
        chart.title_changed.connect(
            lambda title, c=chart: self.tabs.setTabText(self.tabs.indexOf(c), title)
        )
        self.tabs.setCurrentIndex(index)
        return chart

    def _close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is None or widget in self._fixed:
            return
        self.tabs.removeTab(index)
        widget.deleteLater()

    def show_search(self) -> None:
        self.tabs.setCurrentWidget(self.search)
        self.search.focus_search()


class MainWindow(QMainWindow):
    """Login/lock screen or workspace, message bar, status bar with the sync state."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.ctx = ctx
        self.login = LoginScreen(ctx)
        self.workspace: Workspace | None = None
        self.messages = MessageBar()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.login)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.user_label.setObjectName("user_label")
        self.statusBar().addWidget(self.user_label)
        #: Built at the first login (it needs the store and the services).
        self.sync_status: SyncStatusBar | None = None

        self.idle = IdleWatcher(ctx)
        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(self.idle)
        self._build_actions()
        ctx.session_changed.connect(self._session_changed)
        ctx.locked_changed.connect(self._locked_changed)
        ctx.open_chart_requested.connect(self.open_chart)
        ctx.message.connect(self.messages.show_message)
        i18n.watch_language(self, self.retranslate)
        self.resize(1280, 800)
        self._session_changed(None)

    def _build_actions(self) -> None:
        self.lock_action = QAction(self)
        self.lock_action.setObjectName("lock_action")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.ctx.lock)
        self.logout_action = QAction(self)
        self.logout_action.triggered.connect(lambda: self.ctx.set_session(None))
        self.find_action = QAction(self)
        self.find_action.setShortcuts([QKeySequence("F2"), QKeySequence("Ctrl+F")])
        self.find_action.triggered.connect(self._find_patient)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        self.language_actions: dict[str, QAction] = {}
        for code in i18n.LANGUAGES:
            action = QAction(i18n.LANGUAGE_NAMES[code], self)
            action.setCheckable(True)
            action.triggered.connect(
                lambda _checked=False, c=code: i18n.set_language(c, self.ctx.settings)
            )
            self.language_actions[code] = action
        self.session_menu = self.menuBar().addMenu("")
        self.session_menu.addAction(self.find_action)
        self.session_menu.addSeparator()
        self.session_menu.addAction(self.lock_action)
        self.session_menu.addAction(self.logout_action)
        self.session_menu.addSeparator()
        self.session_menu.addAction(self.quit_action)
        self.language_menu = self.menuBar().addMenu("")
        for action in self.language_actions.values():
            self.language_menu.addAction(action)
        for action in (self.lock_action, self.logout_action, self.find_action, self.quit_action):
            self.addAction(action)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("EMR Desktop — electronic medical records"))
        self.session_menu.setTitle(self.tr("&Session"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.lock_action.setText(self.tr("&Lock screen"))
        self.logout_action.setText(self.tr("Log &out"))
        self.find_action.setText(self.tr("&Find patient"))
        self.quit_action.setText(self.tr("&Quit"))
        for code, action in self.language_actions.items():
            action.setChecked(code == i18n.current_language())
        self._show_user()

    def _show_user(self) -> None:
        session = self.ctx.session
        if session is None or self.ctx.locked:
            self.user_label.setText("")
        else:
            self.user_label.setText(
                self.tr("Signed in: {name} ({role})").format(
                    name=session.full_name, role=label("role", session.role)
                )
            )

    # ------------------------------------------------------------------ states
    def _session_changed(self, session: Session | None) -> None:
        if self.workspace is not None:
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        logged_in = session is not None
        for action in (self.lock_action, self.logout_action, self.find_action):
            action.setEnabled(logged_in)
        if session is None:
            self.login.show_login()
            self.stack.setCurrentWidget(self.login)
        else:
            self.messages.hide()
            if self.sync_status is None:
                from emr_desktop.ui.syncstatus import SyncStatusBar

                self.sync_status = SyncStatusBar(self.ctx)
                self.statusBar().addPermanentWidget(self.sync_status)
            self.workspace = Workspace(self.ctx)
            self.stack.addWidget(self.workspace)
            self.stack.setCurrentWidget(self.workspace)
            self.workspace.show_search()
            self.idle.restart()
        self._show_user()

    def _locked_changed(self, locked: bool) -> None:
        if locked and self.ctx.session is not None:
            self.messages.hide()
            self.login.show_locked(self.ctx.session)
            self.stack.setCurrentWidget(self.login)
        elif self.workspace is not None:
            self.stack.setCurrentWidget(self.workspace)
            self.idle.restart()
        for action in (self.find_action, self.lock_action):
            action.setEnabled(not locked)
        self._show_user()

    def open_chart(self, patient_id: str) -> ChartView | None:
        if self.workspace is None or self.ctx.locked:
            return None
        return self.workspace.open_chart(patient_id)

    def _find_patient(self) -> None:
        if self.workspace is not None and not self.ctx.locked:
            self.workspace.show_search()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt name
        self.idle.timer.stop()
        application = QApplication.instance()
        if application is not None:
            application.removeEventFilter(self.idle)
        if self.sync_status is not None:
            self.sync_status.stop()
        event.accept()
