"""Importing from a disc: files, folders and a DICOMDIR scanned off the GUI thread, the
patient match and its mismatches shown, confirmation required, damaged files set aside."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.ui.conftest import logged_in, settle
from tests.ui.imaging.conftest import DICOMDIR_TESTS

from emr_desktop.core.records import Patient
from emr_desktop.imaging.synthetic import ct_series
from emr_desktop.services import imaging, patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.importer import MATCH, NOTES, ImportDialog
from emr_desktop.ui.imaging.worker import imaging_worker, stop_imaging_worker


@pytest.fixture
def patient(store: Store, registrar: Session) -> Patient:
    return patients.register_patient(
        store, registrar, full_name="Nguyễn Văn An", sex="male", date_of_birth="1985-03-07"
    )


@pytest.fixture
def dialog(
    qtbot: QtBot, ctx: AppContext, doctor: Session, patient: Patient
) -> Iterator[ImportDialog]:
    logged_in(ctx, doctor)
    widget = ImportDialog(ctx, imaging_worker(ctx), patient)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    ctx.db.drain(30)
    stop_imaging_worker(ctx)


def _disc(folder: Path, files: list[bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(files):
        (folder / f"IM{n:04d}").write_bytes(data)
    return folder


def _ct(patient: Patient, slices: int = 4, **kw: object) -> list[bytes]:
    values: dict[str, object] = {
        "slices": slices,
        "size": 32,
        "patient_id": patient.mrn,
        "patient_name": "NGUYỄN^VĂN AN",
        "birth_date": date(1985, 3, 7),
        "sex": "M",
    }
    values.update(kw)
    return ct_series(**values)  # type: ignore[arg-type]


def _scanned(qtbot: QtBot, dialog: ImportDialog, paths: list[Path]) -> None:
    dialog.scan_paths(paths)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)


def test_a_study_of_this_patient_is_found_and_imported(
    qtbot: QtBot,
    dialog: ImportDialog,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    disc = _disc(tmp_path / "cd", _ct(patient))
    (disc / "README.TXT").write_text("Đĩa ảnh của bệnh viện tỉnh", "utf-8")
    _scanned(qtbot, dialog, [disc])
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, MATCH).text() == "hồ sơ này (theo mã bệnh nhân)"
    assert "NGUYỄN VĂN AN" in dialog.table.item(0, 5).text()
    assert dialog.is_included(0)
    # The README is not DICOM: listed, never fatal.
    assert dialog.problems.count() == 1
    assert "README.TXT" in dialog.problems.item(0).text()
    assert dialog.confirm.isHidden()
    assert dialog.import_button.isEnabled()
    with (
        qtbot.waitSignal(dialog.imported, timeout=15_000) as saved,
        qtbot.waitSignal(ctx.data_changed, timeout=15_000),
    ):
        dialog.import_button.click()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)
    assert dialog.status.text() == "Đã nhập 1 ca chụp vào hồ sơ."
    [study] = imaging.studies(store, doctor, patient.id)
    assert saved.args == [study.study_instance_uid]
    assert study.source == "import"
    assert sum(s.instances for s in study.series) == 4


def test_a_differing_name_needs_confirmation(
    qtbot: QtBot,
    dialog: ImportDialog,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    disc = _disc(tmp_path / "cd", _ct(patient, patient_name="TRAN^THI BINH"))
    _scanned(qtbot, dialog, [disc])
    notes = dialog.table.item(0, NOTES).text()
    assert notes  # what differs, in Vietnamese
    assert dialog.confirm.isVisible()
    assert not dialog.import_button.isEnabled()
    dialog.confirm.setChecked(True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=15_000):
        dialog.import_button.click()
    settle(qtbot, ctx)
    assert len(imaging.studies(store, doctor, patient.id)) == 1


def test_a_study_of_another_chart_is_flagged(
    qtbot: QtBot,
    dialog: ImportDialog,
    store: Store,
    registrar: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    other = patients.register_patient(
        store, registrar, full_name="Lê Thị Cúc", sex="female", date_of_birth="1990-01-01"
    )
    disc = _disc(
        tmp_path / "cd",
        _ct(other, patient_name="LE^THI CUC", birth_date=date(1990, 1, 1), sex="F"),
    )
    _scanned(qtbot, dialog, [disc])
    assert dialog.table.item(0, MATCH).text() == "hồ sơ của bệnh nhân KHÁC"
    assert dialog.confirm.isVisible()
    assert not dialog.import_button.isEnabled()
    dialog.set_included(0, False)
    assert dialog.confirm.isHidden()
    assert not dialog.import_button.isEnabled()


def test_a_study_with_a_damaged_file_is_imported_only_when_ticked(
    qtbot: QtBot,
    dialog: ImportDialog,
    ctx: AppContext,
    store: Store,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    files = _ct(patient, slices=5)
    files[4] = files[4][: len(files[4]) - 300]  # cut short in the pixel data
    disc = _disc(tmp_path / "cd", files)
    _scanned(qtbot, dialog, [disc])
    assert dialog.table.rowCount() == 1
    assert "1 tệp hỏng: chỉ nhập các ảnh đọc được" in dialog.table.item(0, NOTES).text()
    assert not dialog.is_included(0)
    assert not dialog.import_button.isEnabled()
    assert dialog.problems.count() == 1
    dialog.set_included(0, True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=15_000):
        dialog.import_button.click()
    settle(qtbot, ctx)
    [study] = imaging.studies(store, doctor, patient.id)
    assert sum(s.instances for s in study.series) == 4


def test_nothing_but_damaged_and_foreign_files_imports_nothing(
    qtbot: QtBot,
    dialog: ImportDialog,
    store: Store,
    doctor: Session,
    patient: Patient,
    tmp_path: Path,
) -> None:
    disc = tmp_path / "usb"
    disc.mkdir()
    (disc / "notes.pdf").write_bytes(b"%PDF-1.4 not an image")
    (disc / "slice.dcm").write_bytes(_ct(patient, slices=1)[0][:600])
    _scanned(qtbot, dialog, [disc])
    assert dialog.table.rowCount() == 0
    assert dialog.status.text() == "Không tìm thấy ảnh DICOM nào trong những gì đã chọn."
    assert dialog.problems.count() == 2
    assert not dialog.import_button.isEnabled()
    assert imaging.studies(store, doctor, patient.id) == []


def test_a_dicomdir_leads_to_the_studies_on_the_disc(
    qtbot: QtBot, dialog: ImportDialog, tmp_path: Path
) -> None:
    disc = tmp_path / "dicomdirtests"
    shutil.copytree(DICOMDIR_TESTS, disc)
    _scanned(qtbot, dialog, [disc / "DICOMDIR"])
    assert dialog.table.rowCount() >= 2
    # Other hospitals' patients: none of them is this chart's.
    texts = {dialog.table.item(row, MATCH).text() for row in range(dialog.table.rowCount())}
    assert texts <= {"không tìm thấy hồ sơ", "hồ sơ của bệnh nhân KHÁC"}
