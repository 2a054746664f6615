"""GUI fixtures: an application context over a real SQLCipher store, with workers running."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.worker import stop_imaging_worker


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As the program does (`ui.collector`): no automatic collection while a test runs, so
    that no worker thread ever destroys a closed window; collected here, on the GUI thread,
    before and after each test."""
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ctx(qtbot: QtBot, store: Store, settings: QSettings) -> Iterator[AppContext]:
    """A context over the test store; nobody logged in yet. Vietnamese, as on a ward PC."""
    i18n.set_language(i18n.VIETNAMESE)
    context = AppContext(store.data_dir, settings, store=store)
    yield context
    context.db.drain(30)
    context.net.stop()
    # After the database worker's last results, which may still ask it for images.
    stop_imaging_worker(context)
    context.db.stop()
    i18n.set_language(i18n.VIETNAMESE)


def logged_in(ctx: AppContext, session: Session) -> AppContext:
    ctx.set_session(session)
    return ctx


def settle(qtbot: QtBot, ctx: AppContext, timeout_ms: int = 10_000) -> None:
    """Wait until the database worker has finished and its results reached the widgets."""
    qtbot.waitUntil(lambda: ctx.db.pending() == 0, timeout=timeout_ms)
