"""Importing a patient's images from a CD, a DVD or a USB stick into their chart.

The user picks files (a DICOMDIR among them) or a folder; the imaging worker scans them
(`imaging.dicom.scan`: every file checked, damaged ones set aside with the reason). Each
study found is shown with whose it looks like (`services.imaging.match_patient`) and what
differs from this chart (`compare_with_chart`); a study that differs, or that matches
another chart, is imported only after the user confirms it is this patient's. A study with
damaged files is left unticked: ticking it imports its readable images only. The chosen
studies are read again and saved (`services.imaging.save_study`), each all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.imaging import DicomInstance, PatientMatch
from emr_desktop.core.records import ImagingSource, ImagingStudy, Patient
from emr_desktop.imaging import dicom
from emr_desktop.imaging.dicom import ScannedStudy, ScanResult
from emr_desktop.services import imaging as imaging_service
from emr_desktop.ui import context, i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.imaging.status import show_status
from emr_desktop.ui.labels import local_date, local_time
from emr_desktop.ui.worker import Worker

INCLUDE, DATE, MODALITY, DESCRIPTION, IMAGES, DICOM_PATIENT, MATCH, NOTES = range(8)
#: Damaged files listed by name (the rest are counted).
MAX_PROBLEMS_LISTED = 50


@dataclass
class _Found:
    """A study on the media and what is known of whose it is."""

    scanned: ScannedStudy
    match: PatientMatch | None = None
    comparison: PatientMatch | None = None


class ImportDialog(QDialog):
    """Import DICOM studies from files, folders or DICOMDIR media into one patient's chart."""

    #: A study was saved in the chart: its StudyInstanceUID.
    imported = Signal(str)

    def __init__(
        self, ctx: AppContext, worker: Worker, patient: Patient, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("imaging_import")
        self._ctx = ctx
        self._worker = worker
        self._patient = patient
        self._found: list[_Found] = []
        self._busy = False
        self._result: ScanResult | None = None

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.files_button = QPushButton()
        self.files_button.setObjectName("import_files")
        self.files_button.clicked.connect(self.choose_files)
        self.folder_button = QPushButton()
        self.folder_button.setObjectName("import_folder")
        self.folder_button.clicked.connect(self.choose_folder)
        self.table = QTableWidget(0, 8)
        self.table.setObjectName("import_studies")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(NOTES, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._on_item_changed)
        self.problems = QListWidget()
        self.problems.setObjectName("import_problems")
        self.problems.setMaximumHeight(110)
        self.problems.hide()
        self.confirm = QCheckBox()
        self.confirm.setObjectName("import_confirm")
        self.confirm.hide()
        self.confirm.toggled.connect(self._update_buttons)
        self.status = QLabel()
        self.status.setObjectName("import_status")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setObjectName("import_save")
        self.import_button.clicked.connect(self.import_selected)
        self.buttons.rejected.connect(self.reject)

        pick = QHBoxLayout()
        pick.addWidget(self.intro, 1)
        pick.addWidget(self.files_button)
        pick.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(pick)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.confirm)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(980, 520)
        i18n.watch_language(self, self.retranslate)
        self._update_buttons()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Import images from a disc or USB"))
        self.intro.setText(
            self.tr(
                "Choose the DICOM files, the DICOMDIR or the folder of the disc for %1."
            ).replace("%1", f"{self._patient.full_name} ({self._patient.mrn})")
        )
        self.files_button.setText(self.tr("Choose files…"))
        self.folder_button.setText(self.tr("Choose a folder…"))
        self.import_button.setText(self.tr("Import"))
        self.confirm.setText(
            self.tr("I have checked: the ticked studies are images of this patient")
        )
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Import"),
                self.tr("Date"),
                self.tr("Modality"),
                self.tr("Description"),
                self.tr("Images"),
                self.tr("Patient in the images"),
                self.tr("Chart found"),
                self.tr("Notes"),
            ]
        )
        self._fill()

    # ------------------------------------------------------------------ choosing
    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("DICOM files or DICOMDIR"),
            "",
            self.tr("DICOM files (*.dcm *.DCM DICOMDIR *)"),
        )
        if names:
            self.scan_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of the disc"))
        if folder:
            self.scan_paths([Path(folder)])

    def scan_paths(self, paths: list[Path]) -> None:
        """Look for studies in `paths` (on the imaging worker)."""
        self._found = []
        self._result = None
        self._fill()
        self._set_busy(True, self.tr("Reading the files…"))
        self._worker.submit(
            dicom.scan,
            paths,
            on_done=self._guard(self._on_scanned),
            on_error=self._guard(self._on_failed),
        )

    def _guard(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        session = self._ctx.session

        def deliver(value: Any) -> None:
            if isValid(self) and self._ctx.session is session:
                callback(value)

        return deliver

    def _on_scanned(self, result: ScanResult) -> None:
        self._result = result
        self._found = [_Found(scanned) for scanned in result.studies]
        self._fill()
        self._show_problems(result)
        if not self._found:
            self._set_busy(
                False, self.tr("No DICOM images were found in what you chose."), error=True
            )
            return
        self._set_busy(True, self.tr("Looking for the patient's chart…"))
        for found in self._found:
            self._ctx.call(
                imaging_service.match_patient,
                found.scanned.study,
                on_done=partial(self._on_matched, found),
                on_error=self._on_failed,
                owner=self,
            )
            self._ctx.call(
                imaging_service.compare_with_chart,
                self._patient.id,
                found.scanned.study,
                on_done=partial(self._on_compared, found),
                on_error=self._on_failed,
                owner=self,
            )

    def _on_matched(self, found: _Found, match: PatientMatch) -> None:
        found.match = match
        self._after_check()

    def _on_compared(self, found: _Found, comparison: PatientMatch) -> None:
        found.comparison = comparison
        self._after_check()

    def _after_check(self) -> None:
        if all(f.match is not None and f.comparison is not None for f in self._found):
            self._fill()
            self._set_busy(False, self.tr("Tick the studies to import, then press Import."))

    def _show_problems(self, result: ScanResult) -> None:
        self.problems.clear()
        for problem in result.problems[:MAX_PROBLEMS_LISTED]:
            self.problems.addItem(error_text(problem.error, with_field=False))
        hidden = len(result.problems) - MAX_PROBLEMS_LISTED
        if hidden > 0:
            self.problems.addItem(self.tr("… and %n more file(s)", "", hidden))
        self.problems.setVisible(bool(result.problems))

    # ------------------------------------------------------------------ the table
    def _is_this_patient(self, found: _Found) -> bool:
        return found.match is not None and found.match.patient_id == self._patient.id

    def needs_confirmation(self, found: _Found) -> bool:
        """The study differs from the chart, or looks like another patient's."""
        if found.comparison is not None and found.comparison.mismatches:
            return True
        return (
            found.match is not None
            and found.match.patient_id is not None
            and found.match.patient_id != self._patient.id
        )

    def _match_text(self, found: _Found) -> str:
        match = found.match
        if match is None:
            return self.tr("checking…")
        if match.patient_id is None:
            return self.tr("no chart found")
        if match.patient_id != self._patient.id:
            return self.tr("ANOTHER patient's chart")
        bases = {
            "mrn": self.tr("this chart (record number)"),
            "cccd": self.tr("this chart (CCCD)"),
            "name_birth": self.tr("this chart (name and birth date)"),
        }
        return bases.get(match.basis or "", self.tr("this chart"))

    def _notes(self, found: _Found) -> str:
        notes: list[str] = []
        if found.comparison is not None:
            notes.extend(i18n.pick(m.vi, m.en) for m in found.comparison.mismatches)
        problems = len(found.scanned.problems)
        if problems:
            notes.append(
                self.tr("%n damaged file(s): only the readable images are imported", "", problems)
            )
        return "; ".join(notes)

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._found))
        for row, found in enumerate(self._found):
            study = found.scanned.study
            include = self.table.item(row, INCLUDE)
            if include is None:
                include = QTableWidgetItem()
                include.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                # A study with damaged files is imported only if the user asks for it.
                include.setCheckState(
                    Qt.CheckState.Checked if found.scanned.complete else Qt.CheckState.Unchecked
                )
                self.table.setItem(row, INCLUDE, include)
            birth = local_date(study.patient_birth_date)
            who = " · ".join(p for p in (study.patient_name, study.patient_id, birth) if p)
            cells = {
                DATE: local_time(study.study_at),
                MODALITY: ", ".join(study.modalities),
                DESCRIPTION: study.description or "",
                IMAGES: str(study.instance_count),
                DICOM_PATIENT: who,
                MATCH: self._match_text(found),
                NOTES: self._notes(found),
            }
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                if column in (MATCH, NOTES) and self.needs_confirmation(found):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def is_included(self, row: int) -> bool:
        item = self.table.item(row, INCLUDE)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def set_included(self, row: int, included: bool) -> None:
        item = self.table.item(row, INCLUDE)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if included else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == INCLUDE:
            self._update_buttons()

    def _chosen(self) -> list[_Found]:
        return [f for row, f in enumerate(self._found) if self.is_included(row)]

    def _update_buttons(self) -> None:
        chosen = self._chosen()
        checked = all(f.match is not None and f.comparison is not None for f in chosen)
        confirm_needed = any(self.needs_confirmation(f) for f in chosen)
        self.confirm.setVisible(confirm_needed)
        ready = (
            not self._busy
            and bool(chosen)
            and checked
            and (not confirm_needed or self.confirm.isChecked())
        )
        self.import_button.setEnabled(ready)
        self.files_button.setEnabled(not self._busy)
        self.folder_button.setEnabled(not self._busy)

    # ------------------------------------------------------------------ importing
    def import_selected(self) -> None:
        chosen = self._chosen()
        if not chosen or self._busy:
            return
        self._import(chosen, 0)

    def _import(self, chosen: list[_Found], index: int) -> None:
        if index >= len(chosen):
            self._set_busy(
                False, self.tr("%n study(ies) imported into the chart.", "", len(chosen))
            )
            self._ctx.data_changed.emit(context.CHART, self._patient.id)
            return
        found = chosen[index]
        self._set_busy(
            True,
            self.tr("Importing study %1 of %2…")
            .replace("%1", str(index + 1))
            .replace("%2", str(len(chosen))),
        )

        def loaded(instances: list[tuple[DicomInstance, bytes]]) -> None:
            self._ctx.call(
                imaging_service.save_study,
                self._patient.id,
                found.scanned.study,
                instances,
                source=ImagingSource.IMPORT,
                confirm_mismatch=self.confirm.isChecked(),
                on_done=lambda record: self._on_saved(chosen, index, record),
                on_error=self._on_failed,
                owner=self,
            )

        self._worker.submit(
            dicom.load_study,
            found.scanned,
            on_done=self._guard(loaded),
            on_error=self._guard(self._on_failed),
        )

    def _on_saved(self, chosen: list[_Found], index: int, record: ImagingStudy) -> None:
        row = self._found.index(chosen[index])
        self.set_included(row, False)
        self.imported.emit(record.study_instance_uid)
        self._import(chosen, index + 1)

    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False, error_text(error), error=True)

    def _set_busy(self, busy: bool, text: str, *, error: bool = False) -> None:
        self._busy = busy
        show_status(self.status, text, error=error)
        self._update_buttons()

    def is_busy(self) -> bool:
        return self._busy
