"""Wristbands: the sheet is built on the database worker, previewed from memory with QtPdf
and painted for the printer; nothing is written to disk."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QPdfWriter
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.nursing.conftest import Ward, audit_actions
from tests.ui.test_documents import pdfs_on_disk

from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.nursing.wristbands import WristbandPreview, render_pages

#: Labels on one A4 sheet (`printing.labels.LabelLayout`: 2 × 8).
PER_PAGE = 16


def _preview(qtbot: QtBot, ctx: AppContext, session: Session) -> WristbandPreview:
    preview = WristbandPreview(logged_in(ctx, session))
    qtbot.addWidget(preview)
    preview.resize(700, 900)
    preview.show()
    return preview


def test_the_sheet_loads_from_memory_with_its_pages_and_no_file_is_written(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, ward: Ward, tmp_path: Path
) -> None:
    before = pdfs_on_disk(tmp_path)
    preview = _preview(qtbot, ctx, nurse)
    preview.set_patients([ward.first.id, ward.second.id])
    assert not preview.print_button.isEnabled()

    preview.copies.setValue(9)  # 18 labels: two pages
    preview.prepare_button.click()
    settle(qtbot, ctx)

    assert preview.document.status() == QPdfDocument.Status.Ready
    assert preview.page_count() == 2
    assert preview.print_button.isEnabled()
    assert audit_actions(store, "wristband.print") == 2
    assert pdfs_on_disk(tmp_path) - before == set()

    # What the printer gets: every page, painted at size (here into memory).
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    assert render_pages(preview.document, writer) == 2
    del writer
    printed = QPdfDocument()
    copy = QBuffer()
    copy.setData(QByteArray(buffer.data()))
    copy.open(QIODevice.OpenModeFlag.ReadOnly)
    printed.load(copy)
    assert printed.pageCount() == 2


def test_choosing_other_patients_takes_the_old_sheet_off(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward
) -> None:
    preview = _preview(qtbot, ctx, nurse)
    preview.set_patients([ward.first.id])
    preview.prepare()
    settle(qtbot, ctx)
    assert preview.page_count() == 1
    assert "1 bệnh nhân" in preview.status.text()

    preview.set_patients([ward.second.id])
    assert preview.page_count() == 0
    assert not preview.print_button.isEnabled()

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: preview.print_button.text() == "&Print…")


def test_one_page_per_sixteen_labels(
    qtbot: QtBot, ctx: AppContext, nurse: Session, ward: Ward
) -> None:
    preview = _preview(qtbot, ctx, nurse)
    preview.set_patients([ward.first.id])
    preview.copies.setValue(PER_PAGE)
    preview.prepare()
    settle(qtbot, ctx)
    assert preview.page_count() == 1
