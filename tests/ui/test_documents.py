"""Printed documents in the GUI: the preview from memory, printing through the printer (here
a PDF printer writing into the test's folder), "save as PDF" as an audited export, the
chart's Print menu and the referral details."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QFileDialog, QWidget
from pytestqt.qtbot import QtBot
from tests.conftest import STAFF_PASSWORD
from tests.ui.chart.test_notes import admitted_patient
from tests.ui.conftest import logged_in, settle

from emr_desktop.core.documents import DocumentKind
from emr_desktop.core.records import Encounter, Patient
from emr_desktop.printing import labels
from emr_desktop.services import prescribing
from emr_desktop.services.auth import Session
from emr_desktop.services.prescribing import ItemRequest
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.documents import (
    PRESCRIPTION_PAPER_SETTING,
    ChartPrintButton,
    DocumentPreview,
    PdfPages,
    PreparedDocument,
    PrintPrescriptionButton,
    ReferralDialog,
    chosen_pages,
    default_file_name,
    prepare_document,
)

A4_WIDTH_POINTS = 595
A5_WIDTH_POINTS = 420


@dataclass(frozen=True)
class Scene:
    """A patient in an outpatient visit with one signed prescription."""

    patient: Patient
    visit: Encounter
    #: The prescription's event id.
    event_id: str


@pytest.fixture
def scene(store: Store, registrar: Session, doctor: Session) -> Scene:
    """The prescription the tests print, in the test's store."""
    patient, visit = admitted_patient(store, registrar, doctor)
    event = prescribing.prescribe(
        store,
        doctor,
        patient_id=patient.id,
        encounter_id=visit.id,
        items=[ItemRequest(drug_code="T0001", dose=Decimal(1), times_per_day=2, days=5)],
        advice="Uống nhiều nước",
        sign_password=STAFF_PASSWORD,
    )
    return Scene(patient, visit, event.id)


def _prepared(store: Store, session: Session, scene: Scene) -> PreparedDocument:
    """The scene's prescription, drawn on A5."""
    return prepare_document(
        store, session, scene.patient.id, DocumentKind.PRESCRIPTION, scene.event_id, paper="A5"
    )


def _open(
    qtbot: QtBot, ctx: AppContext, store: Store, session: Session, scene: Scene
) -> DocumentPreview:
    """The preview of the scene's prescription, for `session` logged in."""
    preview = DocumentPreview(logged_in(ctx, session), _prepared(store, session, scene))
    qtbot.addWidget(preview)
    preview.show()
    return preview


@pytest.fixture
def preview(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: Scene
) -> DocumentPreview:
    """The doctor's preview of the scene's prescription."""
    return _open(qtbot, ctx, store, doctor, scene)


def _audit(store: Store, action: str) -> list[dict[str, Any]]:
    with store.unit_of_work(user_id=None) as uow:
        rows = uow.conn.exec_driver_sql(
            "SELECT target_id, patient_id, detail FROM audit_log WHERE action = ? ORDER BY seq",
            (action,),
        ).fetchall()
    return [
        {"target_id": target, "patient_id": patient, **json.loads(detail)}
        for target, patient, detail in rows
    ]


def pdfs_on_disk(tmp_path: Path) -> set[Path]:
    """PDF files under the test's folder and in the temporary and working folders, where a
    careless preview would leave its copy."""
    found = [p for p in tmp_path.rglob("*") if p.is_file()]
    for folder in (Path(tempfile.gettempdir()), Path(os.getcwd())):
        found += [p for p in folder.iterdir() if p.is_file()]
    return {p for p in found if _starts_as_pdf(p)}


def _starts_as_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(5) == b"%PDF-"
    except OSError:  # gone meanwhile, or not ours to read
        return False


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return {
        key.strip(): value.strip()
        for key, value in (line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)
    }


def _pdfinfo_pages(path: Path) -> int:
    return int(_pdfinfo(path)["Pages"])


def _document(path: Path) -> QPdfDocument:
    document = QPdfDocument()
    document.load(str(path))
    assert document.status() == QPdfDocument.Status.Ready
    return document


def _ink(document: QPdfDocument, page: int) -> float:
    """The share of a page's pixels that are dark (printed on), at 72 dpi."""
    size = document.pagePointSize(page).toSize()
    image = document.render(page, size).convertToFormat(QImage.Format.Format_Grayscale8)
    dark = 0
    for y in range(image.height()):
        line = bytes(cast(memoryview, image.constScanLine(y)))[: image.width()]
        dark += sum(1 for value in line if value < 128)
    return dark / (image.width() * image.height())


def _pdf_printer(output: Path) -> QPrinter:
    """A printer writing a PDF to `output` (what a test can look at afterwards)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(output))
    return printer


def _print_into(monkeypatch: pytest.MonkeyPatch, output: Path, *, copies: int = 1) -> None:
    """The print dialog, as if the user picked a PDF printer writing `output` and pressed
    Print (the real dialog would wait for a click)."""

    def choose(dialog: QPrintDialog) -> None:
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
        printer.setCopyCount(copies)
        dialog.done(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "show", choose)


# ---------------------------------------------------------------------- the preview
def test_the_prescription_is_previewed_from_memory_with_its_page_label(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: Scene, tmp_path: Path
) -> None:
    before = pdfs_on_disk(tmp_path)
    preview = _open(qtbot, ctx, store, doctor, scene)

    assert preview.pages.document.status() == QPdfDocument.Status.Ready
    assert preview.page_count() == 1
    assert preview.pages.page_label.text() == "Trang 1/1"
    assert round(preview.pages.document.pagePointSize(0).width()) == A5_WIDTH_POINTS
    assert scene.patient.mrn in preview.windowTitle() and "Đơn thuốc" in preview.windowTitle()
    assert scene.patient.full_name not in preview.windowTitle()
    assert preview.print_button.isEnabled() and preview.print_button.text() == "&In…"
    assert preview.save_button.isVisible() and preview.save_button.text() == "&Lưu PDF…"
    assert preview.paper.isVisible()
    assert pdfs_on_disk(tmp_path) - before == set()

    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: preview.pages.page_label.text() == "Page 1/1")
    assert preview.print_button.text() == "&Print…"


def test_zoom_fits_the_width_the_page_or_steps(preview: DocumentPreview) -> None:
    pages = preview.pages
    preview.resize(800, 900)
    assert pages.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    fitted = pages.zoom_factor()

    pages.zoom_in_button.click()
    assert pages.view.zoomMode() == QPdfView.ZoomMode.Custom
    assert pages.view.zoomFactor() == pytest.approx(fitted * 1.25)
    pages.zoom_out_button.click()
    pages.zoom_out_button.click()
    assert pages.view.zoomFactor() == pytest.approx(fitted / 1.25)
    for _ in range(20):
        pages.zoom_out_button.click()
    assert pages.view.zoomFactor() == pytest.approx(0.25)

    pages.fit_page_button.click()
    assert pages.view.zoomMode() == QPdfView.ZoomMode.FitInView
    pages.fit_width_button.click()
    assert pages.view.zoomMode() == QPdfView.ZoomMode.FitToWidth


def test_a_pdf_that_cannot_be_read_is_not_shown(qtbot: QtBot) -> None:
    pages = PdfPages()
    qtbot.addWidget(pages)
    assert pages.load_pdf(b"%PDF-1.4 truncated") is False
    assert pages.page_count() == 0 and pages.page_label.text() == ""


def test_choosing_a5_or_a4_draws_the_prescription_again(
    qtbot: QtBot, ctx: AppContext, store: Store, preview: DocumentPreview, settings: QSettings
) -> None:
    prepares = len(_audit(store, "document.prepare"))

    preview.paper.setCurrentIndex(preview.paper.findData("A4"))
    assert not preview.print_button.isEnabled()  # while it is drawn again
    settle(qtbot, ctx)

    assert preview.prepared.paper == "A4"
    assert round(preview.pages.document.pagePointSize(0).width()) == A4_WIDTH_POINTS
    assert preview.print_button.isEnabled()
    assert settings.value(PRESCRIPTION_PAPER_SETTING) == "A4"
    # The chart is not read again for another paper.
    assert len(_audit(store, "document.prepare")) == prepares


# ---------------------------------------------------------------------- printing
def test_print_paints_the_pages_on_the_printer_and_records_the_print(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    preview: DocumentPreview,
    scene: Scene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "printer" / "printed.pdf"
    output.parent.mkdir()
    _print_into(monkeypatch, output, copies=2)

    with qtbot.waitSignal(preview.printed, timeout=20_000) as printed:
        preview.print_button.click()
    assert printed.args == [1, 2]
    settle(qtbot, ctx)

    # The PDF printer makes no copies itself: the program painted the page twice.
    assert _pdfinfo_pages(output) == 2
    # Painted as the preview shows it: the prescription's A5 page, with its text (as an
    # image: the printer gets pixels).
    assert _pdfinfo(output)["Page size"] == "420 x 595 pts (A5)"
    printed_ink = _ink(_document(output), 1)
    assert printed_ink > 0.002
    assert printed_ink == pytest.approx(_ink(preview.pages.document, 0), rel=0.1)
    [row] = _audit(store, "document.print")
    assert row == {
        "target_id": scene.event_id,
        "patient_id": scene.patient.id,
        "kind": "prescription",
        "pages": 1,
        "copies": 2,
    }
    assert preview.status.text() == "Đã gửi tới máy in."
    assert preview.print_button.isEnabled()


def test_too_many_copies_are_refused_before_printing(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    preview: DocumentPreview,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "printed.pdf"
    _print_into(monkeypatch, output, copies=21)
    preview.print_button.click()
    settle(qtbot, ctx)
    assert not output.exists()
    assert "20" in preview.status.text()
    assert _audit(store, "document.print") == []


def test_the_pages_printed_are_those_asked_for(qtbot: QtBot) -> None:
    printer = QPrinter()
    assert chosen_pages(printer, 5, 2) == [0, 1, 2, 3, 4]
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    assert chosen_pages(printer, 5, 0) == [1, 2]
    printer.setFromTo(4, 9)
    assert chosen_pages(printer, 5, 0) == [3, 4]
    printer.setPrintRange(QPrinter.PrintRange.CurrentPage)
    assert chosen_pages(printer, 5, 3) == [3]


def _three_pages(preview: DocumentPreview, patient: Patient) -> None:
    """Show a longer document in the preview: 48 labels, 16 a sheet."""
    sheet = labels.wristband_sheet([patient], "Bệnh viện huyện", copies=48)
    assert preview.pages.load_pdf(sheet) and preview.page_count() == 3


def test_a_page_range_of_a_longer_document_prints_only_those_pages(
    qtbot: QtBot, preview: DocumentPreview, scene: Scene, tmp_path: Path
) -> None:
    _three_pages(preview, scene.patient)  # to have a range to choose from
    output = tmp_path / "range.pdf"
    printer = _pdf_printer(output)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    with qtbot.waitSignal(preview.printed, timeout=30_000) as printed:
        assert preview.print_to(printer)
    assert printed.args == [2, 1]
    assert _pdfinfo_pages(output) == 2


def test_pages_are_painted_one_per_turn_of_the_event_loop_and_a_cancel_prints_nothing(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    preview: DocumentPreview,
    scene: Scene,
    tmp_path: Path,
) -> None:
    _three_pages(preview, scene.patient)
    printer = _pdf_printer(tmp_path / "cancelled.pdf")
    painted: list[int] = []

    assert preview.print_to(printer)
    job = preview.job
    assert job is not None and job.running
    job.progressed.connect(painted.append)
    assert not preview.print_button.isEnabled() and not preview.paper.isEnabled()
    assert len(job.sheets) == 3 and painted == []  # nothing painted before returning
    qtbot.waitUntil(lambda: bool(painted))  # the event loop ran between pages
    with qtbot.waitSignal(job.finished) as finished:
        job.cancel()
    assert finished.args == [False]
    settle(qtbot, ctx)
    assert 1 <= len(painted) < 3
    assert preview.status.text() == "Giấy tờ chưa được in."
    assert preview.print_button.isEnabled()
    assert _audit(store, "document.print") == []


# ---------------------------------------------------------------------- save as PDF
def test_save_as_pdf_exports_through_the_audited_service(
    qtbot: QtBot,
    store: Store,
    preview: DocumentPreview,
    scene: Scene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    chosen = tmp_path / "exports" / "don-thuoc"  # typed without the extension

    def ask(_parent: QWidget, _title: str, proposed: str, _filter: str) -> tuple[str, str]:
        asked.append(proposed)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    chosen.parent.mkdir()
    with qtbot.waitSignal(preview.exported, timeout=10_000) as exported:
        preview.save_button.click()

    saved = chosen.with_name("don-thuoc.pdf")
    assert exported.args == [saved]
    assert saved.read_bytes() == preview.prepared.pdf
    [proposed] = asked
    assert Path(proposed).name == f"don-thuoc-{scene.patient.mrn}.pdf"
    assert "Bích" not in proposed
    [row] = _audit(store, "document.export")
    assert row["target_id"] == scene.event_id and row["patient_id"] == scene.patient.id
    assert str(tmp_path) not in json.dumps(row)  # the file's name and place are not logged


def test_an_export_that_fails_is_reported_in_the_message_bar(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    preview: DocumentPreview,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "no-such-folder" / "don-thuoc.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(missing), ""))
    messages: list[tuple[str, str]] = []
    ctx.message.connect(lambda level, text: messages.append((level, text)))

    preview.save_button.click()
    settle(qtbot, ctx)

    assert not missing.exists()
    [(level, text)] = messages
    assert level == "error" and "Không ghi được tệp" in text
    assert "Không ghi được tệp" in preview.status.text()
    assert preview.save_button.isEnabled()
    assert _audit(store, "document.export") == []


def test_a_role_without_export_cannot_save_but_prints(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, scene: Scene
) -> None:
    preview = _open(qtbot, ctx, store, nurse, scene)
    assert preview.page_count() == 1
    assert not preview.save_button.isVisible()
    preview.save_as()  # even asked directly: nothing happens
    settle(qtbot, ctx)
    assert _audit(store, "document.export") == []
    assert preview.print_button.isEnabled()


def test_the_preview_hides_while_locked_and_closes_for_another_user(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, nurse: Session, scene: Scene
) -> None:
    # Not the `preview` fixture: this preview is deleted during the test, and pytest-qt
    # would try to close the fixture's object (still held by pytest) afterwards.
    preview = _open(qtbot, ctx, store, doctor, scene)
    ctx.lock()
    assert not preview.isVisible()
    ctx.set_session(doctor)  # the same user unlocks
    assert preview.isVisible()
    with qtbot.waitSignal(preview.destroyed):
        ctx.set_session(nurse)


def test_default_file_names_hold_the_record_number_only() -> None:
    assert default_file_name(DocumentKind.PRESCRIPTION, "MRN-000123") == "don-thuoc-MRN-000123.pdf"
    assert default_file_name(DocumentKind.CHART_EXPORT, "7") == "ho-so-benh-an-7.pdf"
    assert default_file_name(DocumentKind.REFERRAL, "../x") == "giay-chuyen-tuyen-x.pdf"


# ---------------------------------------------------------------------- the chart
def _chart(qtbot: QtBot, ctx: AppContext, patient_id: str) -> ChartView:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    return view


def test_the_chart_print_menu_lists_what_can_be_printed_and_opens_the_preview(
    qtbot: QtBot, ctx: AppContext, doctor: Session, scene: Scene
) -> None:
    view = _chart(qtbot, logged_in(ctx, doctor), scene.patient.id)
    button = view.print_button
    assert button.isVisible() and button.text() == "&In"

    button.menu_.aboutToShow.emit()
    assert [a.text() for a in button.menu_.actions()] == ["Đang tải…"]
    settle(qtbot, ctx)

    [(text, target)] = button.actions_of(DocumentKind.PRESCRIPTION)
    assert target == scene.event_id and "1 thuốc" in text
    assert button.actions_of(DocumentKind.VISIT_SUMMARY)[0][1] == scene.visit.id
    whole_chart = [("Hồ sơ bệnh án (bản trích xuất)", None)]
    assert button.actions_of(DocumentKind.CHART_EXPORT) == whole_chart
    submenus = [a.text() for a in button.menu_.actions() if a.menu() is not None]
    assert "Đơn thuốc" in submenus and "Giấy chuyển tuyến" in submenus

    [action] = [
        entry
        for entry in button.menu_.findChildren(QAction)
        if entry.data() == ("prescription", scene.event_id)
    ]
    with qtbot.waitSignal(button.opener.opened, timeout=20_000) as opened:
        action.trigger()
    preview = opened.args[0]
    assert isinstance(preview, DocumentPreview) and preview.isVisible()
    assert preview.prepared.target_id == scene.event_id and preview.page_count() == 1
    assert button.isEnabled()

    # The chart changed: the list is read again when the menu next opens.
    view.reload()
    settle(qtbot, ctx)
    assert button.targets is None


def test_building_the_buttons_and_the_preview_shows_no_window_of_their_own(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: Scene
) -> None:
    """A widget shown before it has a parent is a window: it would take the focus from the
    main window (and its shortcuts, Ctrl+L to lock among them)."""
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is host)
    logged_in(ctx, doctor)
    built = [
        ChartPrintButton(ctx, scene.patient.id),
        PrintPrescriptionButton(ctx),
        DocumentPreview(ctx, _prepared(store, doctor, scene)),
    ]
    for widget in built:
        qtbot.addWidget(widget)
    assert QApplication.activeWindow() is host
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [host]


def test_the_prescriptions_tab_prints_the_selected_prescription(
    qtbot: QtBot, ctx: AppContext, doctor: Session, scene: Scene
) -> None:
    view = _chart(qtbot, logged_in(ctx, doctor), scene.patient.id)
    view.tabs.setCurrentWidget(view.prescriptions)
    tab = view.prescriptions
    assert not tab.print_button.isEnabled()
    tab.table.selectRow(0)
    assert tab.print_button.isEnabled()
    with qtbot.waitSignal(tab.print_button.opener.opened, timeout=20_000) as opened:
        tab.print_button.click()
    assert opened.args[0].prepared.target_id == scene.event_id


def test_a_role_that_cannot_read_charts_sees_no_print_button(
    qtbot: QtBot, ctx: AppContext, registrar: Session, scene: Scene
) -> None:
    # A registration clerk prints forms, but a chart's documents show its clinical content.
    view = _chart(qtbot, logged_in(ctx, registrar), scene.patient.id)
    assert not view.print_button.isVisibleTo(view)


# ---------------------------------------------------------------------- referral
def test_the_referral_details_are_required_before_the_letter(qtbot: QtBot) -> None:
    dialog = ReferralDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.destination_error.text() == "Nhập nơi chuyển người bệnh đến."
    assert dialog.reason_error.isVisible() and dialog.condition_error.isVisible()

    dialog.destination.setText("  Bệnh viện  Đa khoa tỉnh Hà Nam ")
    dialog.reason.setPlainText("Vượt quá khả năng chuyên môn")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert not dialog.destination_error.isVisible() and not dialog.reason_error.isVisible()
    assert dialog.condition_error.isVisible()

    i18n.set_language(i18n.ENGLISH)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.condition_error.text() == "Describe the patient's condition at transfer."

    dialog.condition.setPlainText("Tỉnh, mạch 90, huyết áp 120/80")
    dialog.transport.setText("Xe cứu thương")
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    details = dialog.details()
    assert details is not None
    assert details.destination == "Bệnh viện Đa khoa tỉnh Hà Nam"
    assert details.transport == "Xe cứu thương" and details.escort == ""


def test_choosing_a_referral_in_the_chart_asks_its_details_then_shows_the_letter(
    qtbot: QtBot, ctx: AppContext, store: Store, doctor: Session, scene: Scene
) -> None:
    view = _chart(qtbot, logged_in(ctx, doctor), scene.patient.id)
    button = view.print_button
    prepares = len(_audit(store, "document.prepare"))

    button.choose(DocumentKind.REFERRAL, scene.visit.id)
    [dialog] = button.findChildren(ReferralDialog)
    assert dialog.isVisible()
    dialog.reject()
    settle(qtbot, ctx)
    assert len(_audit(store, "document.prepare")) == prepares  # nothing read or drawn

    button.choose(DocumentKind.REFERRAL, scene.visit.id)
    [dialog] = [d for d in button.findChildren(ReferralDialog) if d.isVisible()]
    dialog.destination.setText("Bệnh viện Đa khoa tỉnh Hà Nam")
    dialog.reason.setPlainText("Vượt quá khả năng chuyên môn")
    dialog.condition.setPlainText("Tỉnh, sốt 39 độ")
    with qtbot.waitSignal(button.opener.opened, timeout=20_000) as opened:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    preview = opened.args[0]
    assert preview.prepared.kind == DocumentKind.REFERRAL
    assert preview.prepared.referral.destination == "Bệnh viện Đa khoa tỉnh Hà Nam"
    assert preview.page_count() >= 1 and not preview.paper.isVisibleTo(preview)
    assert "Giấy chuyển tuyến" in preview.windowTitle()

    # Escape closes the preview, which is then deleted (its PDF with it).
    with qtbot.waitSignal(preview.destroyed):
        qtbot.keyClick(preview, Qt.Key.Key_Escape)
