"""Documents: attach a file to the chart, view it in place (memory only, no temporary
copy), save a copy on request (export permission, audited)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.support import type_text

from emr_desktop.core.errors import PermissionDenied
from emr_desktop.core.records import Patient
from emr_desktop.services import chart, clinical, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.chart.documents import (
    IMAGE,
    PDF,
    SIZE,
    TEXT,
    TITLE,
    UNSUPPORTED,
    DocumentsModel,
    DocumentsTab,
)
from emr_desktop.ui.chart.view import ChartView
from emr_desktop.ui.context import AppContext

REFERRAL = "Giấy chuyển tuyến: bệnh nhân viêm phổi, đề nghị điều trị tiếp.\n"


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Đinh Thị Hương", sex="female", date_of_birth="1980"
    )


def _tab(qtbot: QtBot, ctx: AppContext, patient_id: str) -> DocumentsTab:
    view = ChartView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    settle(qtbot, ctx)
    view.tabs.setCurrentWidget(view.documents)
    return view.documents


def _attachments(store: Store, session: Session, patient_id: str) -> list[dict[str, object]]:
    events = chart.open_chart(store, session, patient_id).events
    return [{"id": e.id, **e.body} for e in events if e.kind == "attachment"]


def _pdf_bytes() -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    painter = QPainter(writer)
    painter.drawText(100, 100, "ECG")
    painter.end()
    return bytes(buffer.data().data())


def _png_bytes() -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_the_model_passes_the_qt_model_checks(
    qtmodeltester: ModelTester, store: Store, doctor: Session, patient: Patient
) -> None:
    clinical.attach_document(
        store, doctor, patient_id=patient.id, title="Điện tim", media_type="image/png", data=b"x"
    )
    model = DocumentsModel()
    model.set_events(chart.open_chart(store, doctor, patient.id).current_events())
    qtmodeltester.check(model)
    assert model.data(model.index(0, TITLE)) == "Điện tim"
    assert model.data(model.index(0, SIZE)) == "1 B"


def test_a_file_is_attached_under_the_title_typed(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    source = tmp_path / "chuyen-tuyen.txt"
    source.write_text(REFERRAL, encoding="utf-8")
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    type_text(tab.title, "Giấy chuyển tuyến")
    tab.attach_file(str(source))
    settle(qtbot, ctx)
    [stored] = _attachments(store, nurse, patient.id)
    assert (stored["title"], stored["media_type"]) == ("Giấy chuyển tuyến", "text/plain")
    data = clinical.read_attachment(store, nurse, str(stored["id"]))
    assert data == REFERRAL.encode("utf-8")
    assert tab.model.rowCount() == 1 and tab.title.text() == ""


def test_without_a_title_the_file_name_is_used(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    source = tmp_path / "dien-tim.pdf"
    source.write_bytes(_pdf_bytes())
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    tab.attach_file(str(source))
    settle(qtbot, ctx)
    [stored] = _attachments(store, nurse, patient.id)
    assert (stored["title"], stored["media_type"]) == ("dien-tim", "application/pdf")


def test_a_missing_file_is_reported_and_nothing_is_attached(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    nurse: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    tab.attach_file(str(tmp_path / "khong-co.pdf"))
    settle(qtbot, ctx)
    assert tab.error.text() == "Không tìm thấy tệp này"
    assert _attachments(store, nurse, patient.id) == []
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    tab.attach_file(str(empty))
    settle(qtbot, ctx)
    assert tab.error.text() == "Tệp đính kèm phải từ 1 byte đến 50 MB"
    assert _attachments(store, nurse, patient.id) == []


@pytest.mark.parametrize(
    ("name", "media_type", "page"),
    [
        ("ghi-chu.txt", "text/plain", TEXT),
        ("dien-tim.pdf", "application/pdf", PDF),
        ("phim.png", "image/png", IMAGE),
        ("du-lieu.bin", "application/octet-stream", UNSUPPORTED),
    ],
)
def test_documents_are_viewed_in_place_without_a_temporary_copy(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    name: str,
    media_type: str,
    page: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {
        "text/plain": REFERRAL.encode("utf-8"),
        "application/pdf": _pdf_bytes(),
        "image/png": _png_bytes(),
    }.get(media_type, b"\x00\x01\x02")
    clinical.attach_document(
        store, doctor, patient_id=patient.id, title=name, media_type=media_type, data=data
    )
    # Anything Python or Qt would write to a temporary folder lands here.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.table.selectRow(0)
    tab.view_button.click()
    settle(qtbot, ctx)
    assert tab.viewer.currentIndex() == page
    assert tab.shown_id == _attachments(store, doctor, patient.id)[0]["id"]
    if page == TEXT:
        assert tab.text.toPlainText() == REFERRAL
    if page == PDF:
        assert tab.pdf.pageCount() == 1
    if page == IMAGE:
        assert tab.image.pixmap().width() == 40
    assert list(scratch.iterdir()) == []
    with store.engine.connect() as conn:
        reads = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE action = 'attachment.read' AND user_id = ?",
            (doctor.user_id,),
        ).scalar()
    assert reads == 1
    tab.close_viewer()
    assert tab.shown_id is None and tab.viewer.currentIndex() == 0


def test_a_doctor_saves_a_copy_and_the_export_is_audited(
    qtbot: QtBot,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    clinical.attach_document(
        store,
        doctor,
        patient_id=patient.id,
        title="Cam kết",
        media_type="application/pdf",
        data=b"%PDF-1.4 consent",
    )
    tab = _tab(qtbot, logged_in(ctx, doctor), patient.id)
    tab.table.selectRow(0)
    assert tab.save_button.isEnabled()
    target = tmp_path / "cam-ket.pdf"
    event_id = tab.selected_id()
    assert event_id is not None
    tab.save_copy(event_id, str(target))
    settle(qtbot, ctx)
    assert target.read_bytes() == b"%PDF-1.4 consent"
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT user_id, patient_id, target_id FROM audit_log "
            "WHERE action = 'attachment.export'"
        ).one()
    assert tuple(row) == (doctor.user_id, patient.id, event_id)


def test_a_nurse_views_documents_but_cannot_take_copies(
    qtbot: QtBot, ctx: AppContext, store: Store, nurse: Session, patient: Patient, tmp_path: Path
) -> None:
    event = clinical.attach_document(
        store, nurse, patient_id=patient.id, title="Phiếu", media_type="text/plain", data=b"ok"
    )
    tab = _tab(qtbot, logged_in(ctx, nurse), patient.id)
    tab.table.selectRow(0)
    assert tab.save_button.isHidden() and tab.view_button.isEnabled()
    with pytest.raises(PermissionDenied):
        chart.export_attachment(store, nurse, event.id, tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()
    assert tab.table.model().data(tab.table.model().index(0, 0), Qt.ItemDataRole.DisplayRole)
