"""The hospital's PACS from the chart: search it for the patient's studies, fetch one into this
PC's encrypted cache, and fetch single images again when the cache has let them go.

The address and credentials come from `services.pacs.pacs_client_args` (database worker);
the DICOMweb requests run on the network worker; what arrives is checked
(`imaging.dicom.read_instance`) and kept through `services.imaging` (database worker).
When the PACS cannot be reached the panel says so and everything already on this PC keeps
working.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.core.imaging import DicomInstance, DicomStudy, PatientMatch
from emr_desktop.core.records import ImagingSource, Patient
from emr_desktop.imaging import dicom
from emr_desktop.imaging.dicomweb import DicomWebClient
from emr_desktop.services import imaging as imaging_service
from emr_desktop.services import pacs as pacs_service
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import context, i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.i18n import error_text
from emr_desktop.ui.imaging.status import show_status
from emr_desktop.ui.labels import local_time
from emr_desktop.ui.worker import Callback

# ------------------------------------------------------------------ on the network worker


def search_patient_studies(args: dict[str, Any], patient_ids: Sequence[str]) -> list[DicomStudy]:
    """The PACS's studies whose PatientID is one of `patient_ids`, newest first."""
    found: dict[str, DicomStudy] = {}
    with DicomWebClient(**args) as client:
        for patient_id in dict.fromkeys(patient_ids):
            for study in client.search_studies(patient_id=patient_id):
                found.setdefault(study.study_instance_uid, study)
    dated = sorted(
        (s for s in found.values() if s.study_at is not None),
        key=lambda s: s.study_at,  # type: ignore[arg-type, return-value]
        reverse=True,
    )
    return dated + [s for s in found.values() if s.study_at is None]


def with_series(args: dict[str, Any], study: DicomStudy) -> DicomStudy:
    """`study` with its series listed (a study search does not list them)."""
    with DicomWebClient(**args) as client:
        series = client.search_series(study.study_instance_uid)
    return replace(study, series=tuple(series))


def retrieve_series(
    args: dict[str, Any], study_uid: str, series_uid: str
) -> list[tuple[DicomInstance, bytes]]:
    """Every instance of a series, each checked as an imported file is."""
    with DicomWebClient(**args) as client:
        return [
            (dicom.read_instance(data), data)
            for data in client.retrieve_series(study_uid, series_uid)
        ]


def retrieve_instance(
    args: dict[str, Any], study_uid: str, series_uid: str, sop_uid: str
) -> tuple[DicomInstance, bytes]:
    with DicomWebClient(**args) as client:
        data = client.retrieve_instance(study_uid, series_uid, sop_uid)
    return dicom.read_instance(data), data


def search_series_instances(
    args: dict[str, Any], study_uid: str, series_uid: str
) -> list[DicomInstance]:
    """The instances of a series as the PACS lists them (QIDO-RS)."""
    with DicomWebClient(**args) as client:
        return client.search_instances(study_uid, series_uid)


def send_study(
    args: dict[str, Any], store: Store, session: Session, study_uid: str
) -> imaging_service.UploadOutcome:
    """Send a study held on this PC to the PACS (STOW-RS), its files read from the store as
    they go out (`services.imaging.upload_study`)."""
    with DicomWebClient(**args) as client:
        return imaging_service.upload_study(
            store,
            session,
            study_uid,
            lambda uid, files: client.store_instances(files, study_uid=uid),
        )


# ------------------------------------------------------------------ on the GUI thread


class PacsAccess:
    """Runs PACS requests for one screen: credentials from the database worker, requests on
    the network worker, results back on the GUI thread while `owner` lives and the same
    user is logged in."""

    def __init__(self, ctx: AppContext, owner: QWidget) -> None:
        self._ctx = ctx
        self._owner = owner

    def _live(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        session = self._ctx.session

        def deliver(value: Any) -> None:
            if isValid(self._owner) and self._ctx.session is session:
                callback(value)

        return deliver

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        on_error: Callback,
    ) -> None:
        """`fn(client_args, *args)` on the network worker."""

        def with_args(client_args: dict[str, Any]) -> None:
            self._ctx.net.submit(
                fn,
                client_args,
                *args,
                on_done=self._live(on_done),
                on_error=self._live(on_error),
            )

        self._ctx.call(
            pacs_service.pacs_client_args, on_done=with_args, on_error=on_error, owner=self._owner
        )

    def list_instances(
        self,
        study_uid: str,
        series_uid: str,
        on_done: Callable[[list[DicomInstance]], None],
        on_error: Callback,
    ) -> None:
        """The instances of a series in the PACS (for a study this PC never fetched)."""
        self.run(search_series_instances, study_uid, series_uid, on_done=on_done, on_error=on_error)

    def send_study(
        self,
        study_uid: str,
        on_done: Callable[[imaging_service.UploadOutcome], None],
        on_error: Callback,
    ) -> None:
        """Send a study held here to the PACS, on the network worker (the files are read
        from the store there, a few at a time, as they go out)."""
        store, session = self._ctx.store, self._ctx.session
        if store is None or session is None:
            return
        self.run(send_study, store, session, study_uid, on_done=on_done, on_error=on_error)

    def fetch_instance(
        self,
        study_uid: str,
        series_uid: str,
        sop_uid: str,
        on_done: Callable[[bytes], None],
        on_error: Callback,
    ) -> None:
        """One image from the PACS, shown at once and kept in the cache behind."""

        def arrived(found: tuple[DicomInstance, bytes]) -> None:
            on_done(found[1])
            self._ctx.call(
                imaging_service.add_instances,
                study_uid,
                [found],
                source=ImagingSource.PACS,
                on_error=lambda _error: None,  # shown anyway; cached on the next viewing
                owner=self._owner,
            )

        self.run(
            retrieve_instance, study_uid, series_uid, sop_uid, on_done=arrived, on_error=on_error
        )


class PacsPanel(QDialog):
    """Search the PACS for the patient's studies and fetch one into this PC's cache."""

    #: A study was fetched into the chart: its StudyInstanceUID.
    study_fetched = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        patient: Patient,
        *,
        in_chart: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pacs_panel")
        self._ctx = ctx
        self._patient = patient
        self._in_chart = set(in_chart)
        self._access = PacsAccess(ctx, self)
        self._studies: list[DicomStudy] = []
        self._match: PatientMatch | None = None
        self._busy = False

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.search_button = QPushButton()
        self.search_button.setObjectName("pacs_search")
        self.search_button.clicked.connect(self.search)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("pacs_studies")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.mismatches = QLabel()
        self.mismatches.setObjectName("pacs_mismatches")
        self.mismatches.setWordWrap(True)
        self.mismatches.hide()
        self.confirm = QCheckBox()
        self.confirm.setObjectName("pacs_confirm")
        self.confirm.hide()
        self.confirm.toggled.connect(self._update_buttons)
        self.status = QLabel()
        self.status.setObjectName("pacs_status")
        self.status.setWordWrap(True)
        self.fetch_button = QPushButton()
        self.fetch_button.setObjectName("pacs_fetch")
        self.fetch_button.clicked.connect(self.fetch_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.intro, 1)
        top.addWidget(self.search_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.fetch_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.mismatches)
        layout.addWidget(self.confirm)
        layout.addLayout(bottom)
        layout.addWidget(buttons)
        self.resize(760, 460)
        i18n.watch_language(self, self.retranslate)
        self._update_buttons()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Images in the PACS"))
        ids = self.patient_ids()
        self.intro.setText(
            self.tr("Studies of %1 in the hospital's PACS (patient ID %2).")
            .replace("%1", self._patient.full_name)
            .replace("%2", self.tr(" or ").join(ids))
        )
        self.search_button.setText(self.tr("Search again"))
        self.fetch_button.setText(self.tr("Fetch to this PC"))
        self.confirm.setText(self.tr("I have checked: these images are of this patient"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Date"),
                self.tr("Modality"),
                self.tr("Description"),
                self.tr("Images"),
                self.tr("In the chart"),
            ]
        )
        self._fill()

    def patient_ids(self) -> list[str]:
        """What the PACS may call this patient: the record number, then the CCCD."""
        return [i for i in (self._patient.mrn, self._patient.cccd) if i]

    # ------------------------------------------------------------------ search
    def search(self) -> None:
        self._set_busy(True, self.tr("Searching the PACS…"))
        self._access.run(
            search_patient_studies,
            self.patient_ids(),
            on_done=self._on_found,
            on_error=self._on_failed,
        )

    def _on_found(self, studies: list[DicomStudy]) -> None:
        self._studies = studies
        self._fill()
        if studies:
            self._set_busy(False, self.tr("%n study(ies) found.", "", len(studies)))
            self.table.selectRow(0)
        else:
            self._set_busy(False, self.tr("The PACS has no study of this patient."))

    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False, error_text(error), error=True)

    def _fill(self) -> None:
        selected = self.selected_study()
        self.table.setRowCount(len(self._studies))
        for row, study in enumerate(self._studies):
            cells = [
                local_time(study.study_at),
                ", ".join(study.modalities),
                study.description or "",
                str(study.instance_count) if study.instance_count else "",
                self.tr("yes") if study.study_instance_uid in self._in_chart else "",
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if selected is not None and selected.study_instance_uid == study.study_instance_uid:
                self.table.selectRow(row)

    def selected_study(self) -> DicomStudy | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self._studies[row] if 0 <= row < len(self._studies) else None

    def _on_selection(self) -> None:
        self._match = None
        self.confirm.setChecked(False)
        self.confirm.hide()
        self.mismatches.hide()
        study = self.selected_study()
        self._update_buttons()
        if study is None:
            return
        self._ctx.call(
            imaging_service.compare_with_chart,
            self._patient.id,
            study,
            on_done=lambda match: self._on_compared(study, match),
            owner=self,
        )

    def _on_compared(self, study: DicomStudy, match: PatientMatch) -> None:
        if self.selected_study() is not study:
            return
        self._match = match
        if match.mismatches:
            lines = [i18n.pick(m.vi, m.en) for m in match.mismatches]
            show_status(
                self.mismatches,
                self.tr("The PACS names the patient differently:") + "\n• " + "\n• ".join(lines),
                error=True,
            )
            self.mismatches.show()
            self.confirm.show()
        self._update_buttons()

    def _needs_confirmation(self) -> bool:
        return self._match is not None and bool(self._match.mismatches)

    def _update_buttons(self) -> None:
        ready = (
            not self._busy
            and self.selected_study() is not None
            and self._match is not None
            and (not self._needs_confirmation() or self.confirm.isChecked())
        )
        self.fetch_button.setEnabled(ready)
        self.search_button.setEnabled(not self._busy)

    # ------------------------------------------------------------------ fetch
    def fetch_selected(self) -> None:
        study = self.selected_study()
        if study is None or self._busy:
            return
        self._set_busy(True, self.tr("Listing the series…"))
        self._access.run(
            with_series, study, on_done=self._on_series_listed, on_error=self._on_failed
        )

    def _on_series_listed(self, study: DicomStudy) -> None:
        self._set_busy(True, self.tr("Adding the study to the chart…"))
        self._ctx.call(
            imaging_service.save_study,
            self._patient.id,
            study,
            [],
            source=ImagingSource.PACS,
            confirm_mismatch=self.confirm.isChecked(),
            on_done=lambda _record: self._fetch_series(study, 0),
            on_error=self._on_failed,
            owner=self,
        )

    def _fetch_series(self, study: DicomStudy, index: int) -> None:
        if index >= len(study.series):
            self._in_chart.add(study.study_instance_uid)
            self._fill()
            self._set_busy(False, self.tr("The study is on this PC now."))
            self._ctx.data_changed.emit(context.CHART, self._patient.id)
            self.study_fetched.emit(study.study_instance_uid)
            return
        series = study.series[index]
        self._set_busy(
            True,
            self.tr("Fetching series %1 of %2…")
            .replace("%1", str(index + 1))
            .replace("%2", str(len(study.series))),
        )

        def arrived(instances: list[tuple[DicomInstance, bytes]]) -> None:
            self._ctx.call(
                imaging_service.add_instances,
                study.study_instance_uid,
                instances,
                source=ImagingSource.PACS,
                on_done=lambda _added: self._fetch_series(study, index + 1),
                on_error=self._on_failed,
                owner=self,
            )

        self._access.run(
            retrieve_series,
            study.study_instance_uid,
            series.series_instance_uid,
            on_done=arrived,
            on_error=self._on_failed,
        )

    def _set_busy(self, busy: bool, text: str, *, error: bool = False) -> None:
        self._busy = busy
        show_status(self.status, text, error=error)
        self._update_buttons()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not self._studies and not self._busy:
            self.search()

    def is_busy(self) -> bool:
        return self._busy
