"""The chart's "Hình ảnh" (Imaging) tab: the patient's studies beside the viewer.

Built when first shown: a chart opened for its notes never loads the DICOM machinery. The
study list is read on the database worker each time the chart is filled; choosing a series
opens it in the viewer (the study's viewing is audited once, `services.imaging.open_study`).
Import from a disc and the PACS search open from the tab's tool bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from emr_desktop.core.permissions import Permission, allows
from emr_desktop.ui import i18n
from emr_desktop.ui.imaging.status import show_status

if TYPE_CHECKING:
    from emr_desktop.core.imaging import SeriesSummary
    from emr_desktop.core.records import ImagingStudy
    from emr_desktop.services.chart import Chart
    from emr_desktop.services.imaging import UploadOutcome
    from emr_desktop.ui.context import AppContext
    from emr_desktop.ui.imaging.browser import SeriesBrowser
    from emr_desktop.ui.imaging.importer import ImportDialog
    from emr_desktop.ui.imaging.pacs import PacsAccess, PacsPanel
    from emr_desktop.ui.imaging.report import ReportPanel
    from emr_desktop.ui.imaging.viewer import SeriesViewer


class ImagingTab(QWidget):
    """Studies and series of the patient, and the viewer."""

    def __init__(self, ctx: AppContext, patient_id: str) -> None:
        super().__init__()
        self.setObjectName("imaging_tab")
        self._ctx = ctx
        self.patient_id = patient_id
        self.chart: Chart | None = None
        self._viewed: set[str] = set()
        self.browser: SeriesBrowser | None = None
        self.viewer: SeriesViewer | None = None
        self.import_dialog: ImportDialog | None = None
        self.pacs_panel: PacsPanel | None = None
        self.report: ReportPanel | None = None
        self._pacs: PacsAccess | None = None
        self._opened: tuple[str, str] | None = None
        self._study: ImagingStudy | None = None
        self._uploading = False
        #: What the last send to the PACS did (text, whether it failed), kept on show.
        self._sent: tuple[str, bool] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.notice = QLabel()
        self.notice.setObjectName("imaging_notice")
        self.notice.setWordWrap(True)
        self.import_button = QPushButton()
        self.import_button.setObjectName("imaging_import_button")
        self.pacs_button = QPushButton()
        self.pacs_button.setObjectName("imaging_pacs_button")
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("imaging_refresh_button")
        self.key_image_button = QPushButton()
        self.key_image_button.setObjectName("imaging_key_image_button")
        self.key_image_button.setEnabled(False)
        self.upload_button = QPushButton()
        self.upload_button.setObjectName("imaging_upload_button")
        self.upload_button.setEnabled(False)
        self.upload_button.setVisible(False)
        bar = QHBoxLayout()
        bar.addWidget(self.notice, 1)
        bar.addWidget(self.key_image_button)
        bar.addWidget(self.upload_button)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.pacs_button)
        bar.addWidget(self.import_button)
        self._layout.addLayout(bar)
        i18n.watch_language(self, self.retranslate)

    def title(self) -> str:
        """The tab's name in the chart."""
        return self.tr("Imaging")

    def retranslate(self) -> None:
        self.import_button.setText(self.tr("Import from disc/USB…"))
        self.pacs_button.setText(self.tr("Search the PACS…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.upload_button.setText(self.tr("Send to the PACS"))
        self.upload_button.setToolTip(
            self.tr("Send the images imported here to the PACS: every PC can then view them")
        )
        self.key_image_button.setText(self.tr("Keep as key image"))
        self.key_image_button.setToolTip(
            self.tr("Keep the image as shown, with its measurement, in the chart's documents")
        )
        self._update_notice()

    def is_built(self) -> bool:
        return self.viewer is not None

    def _build(self) -> None:
        # The DICOM machinery (numpy, pydicom) is loaded here, the first time the tab shows.
        from emr_desktop.ui.imaging.browser import SeriesBrowser
        from emr_desktop.ui.imaging.pacs import PacsAccess
        from emr_desktop.ui.imaging.report import ReportPanel, may_keep_key_images
        from emr_desktop.ui.imaging.viewer import SeriesViewer
        from emr_desktop.ui.imaging.worker import imaging_worker

        worker = imaging_worker(self._ctx, on_error=self._ctx.report_error)
        self.browser = SeriesBrowser(self._ctx, worker)
        self.browser.series_chosen.connect(self._on_series_chosen)
        self.viewer = SeriesViewer(worker)
        self._pacs = PacsAccess(self._ctx, self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("imaging_splitter")
        self.report = ReportPanel(self._ctx, self.patient_id)
        splitter.addWidget(self.browser)
        splitter.addWidget(self.viewer)
        splitter.addWidget(self.report)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 800, 360])
        self._layout.addWidget(splitter, 1)
        self.key_image_button.setVisible(may_keep_key_images(self._ctx))
        self.key_image_button.clicked.connect(self.keep_key_image)
        self.import_button.clicked.connect(self.open_import)
        self.pacs_button.clicked.connect(self.open_pacs)
        self.upload_button.clicked.connect(lambda: self.upload_study())
        self.refresh_button.clicked.connect(self.reload)

    # ------------------------------------------------------------------ filling
    def set_chart(self, chart: Chart) -> None:
        """Called by the chart when the tab is shown with fresh data."""
        self.chart = chart
        self.patient_id = chart.patient.id
        if self.viewer is None:
            self._build()
        session = self._ctx.session
        can_import = session is not None and allows(session.role, Permission.ORDER_WRITE)
        self.import_button.setVisible(can_import)
        self.upload_button.setVisible(can_import)
        self.reload()

    def reload(self) -> None:
        if self._ctx.session is None or self.browser is None:
            return
        from emr_desktop.services import imaging as imaging_service

        self._ctx.call(
            imaging_service.studies,
            self.patient_id,
            on_done=self._on_studies,
            on_error=self._on_failed,
            owner=self,
            key=f"imaging-studies:{self.patient_id}",
        )

    def _on_studies(self, studies: list[ImagingStudy]) -> None:
        assert self.browser is not None and self.report is not None
        self.browser.set_studies(studies)
        if self._study is not None:
            # The fresh record of the study on show (a link to an order may have changed).
            uid = self._study.study_instance_uid
            self._study = next((s for s in studies if s.study_instance_uid == uid), None)
            self.report.set_study(self._study)
            self.key_image_button.setEnabled(self._study is not None)
        self._update_upload_button()
        self._update_notice()
        if self.browser.current() is None and studies:
            self.browser.choose(studies[0].study_instance_uid)

    def _on_failed(self, error: BaseException) -> None:
        show_status(self.notice, i18n.error_text(error), error=True)

    def _update_notice(self) -> None:
        empty = self.browser is not None and not self.browser.studies()
        text = self.tr("No images in this chart yet: import them from a disc or search the PACS.")
        if empty or self._sent is None:
            show_status(self.notice, text if empty else "")
        else:
            # What the last send to the PACS did stays said while the list refreshes.
            show_status(self.notice, self._sent[0], error=self._sent[1])

    # ------------------------------------------------------------------ viewing
    def _on_series_chosen(self, study: ImagingStudy, series: SeriesSummary) -> None:
        from emr_desktop.services import imaging as imaging_service
        from emr_desktop.ui.imaging.source import StoredSeries
        from emr_desktop.ui.imaging.viewer import OverlayInfo
        from emr_desktop.ui.labels import local_time

        assert self.viewer is not None and self._pacs is not None and self.report is not None
        chosen = (study.study_instance_uid, series.series_instance_uid)
        if chosen == self._opened:
            return
        self._opened = chosen
        self._study = study
        self.report.set_study(study)
        self.key_image_button.setEnabled(True)
        self._update_upload_button()
        if study.study_instance_uid not in self._viewed:
            self._viewed.add(study.study_instance_uid)
            self._ctx.call(imaging_service.open_study, study.study_instance_uid, owner=self)
        patient = self.chart.patient if self.chart is not None else None
        when = local_time(study.study_at)
        source = StoredSeries(
            self._ctx,
            self,
            study,
            series,
            study_date=when,
            pacs_fetch=self._pacs.fetch_instance,
            pacs_list=self._pacs.list_instances,
        )
        self.viewer.open_series(
            source,
            OverlayInfo(
                patient=patient.full_name if patient else "",
                mrn=patient.mrn if patient else "",
                study_date=when,
            ),
        )

    def keep_key_image(self) -> None:
        """Keep the image on screen (with its overlay and measurement) as a chart document."""
        from emr_desktop.ui.imaging.report import key_image_title, save_key_image

        viewer, study = self.viewer, self._study
        if viewer is None or study is None or not viewer.canvas.has_image():
            return
        title = key_image_title(
            study, slice_number=viewer.current_index() + 1, slices=viewer.slice_count()
        )
        image = viewer.canvas.grab().toImage()
        save_key_image(self._ctx, self.patient_id, study, image, title, owner=self)

    # ------------------------------------------------------------------ import and PACS
    def open_import(self) -> None:
        from emr_desktop.ui.imaging.importer import ImportDialog
        from emr_desktop.ui.imaging.worker import imaging_worker

        if self.chart is None:
            return
        dialog = ImportDialog(self._ctx, imaging_worker(self._ctx), self.chart.patient, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._on_imported)
        self.import_dialog = dialog
        dialog.show()

    def _on_imported(self, study_uid: str) -> None:
        """A study was imported: list it, and send it to the PACS when this PC has one."""
        self.reload()
        self.upload_study(study_uid, after_import=True)

    def _update_upload_button(self) -> None:
        """Enabled for a study imported on this PC and not yet in the PACS."""
        from emr_desktop.core.records import ImagingSource

        study, store = self._study, self._ctx.store
        self.upload_button.setEnabled(
            not self._uploading
            and study is not None
            and study.source == ImagingSource.IMPORT
            and store is not None
            and study.held_on_device == store.device_id
        )

    def upload_study(self, study_uid: str | None = None, *, after_import: bool = False) -> None:
        """Send a study imported on this PC (by default the one on show) to the PACS, on the
        network worker. Until the PACS holds every image nothing changes: the button stays
        to try again."""
        from emr_desktop.services import pacs as pacs_service

        uid = study_uid or (self._study.study_instance_uid if self._study else None)
        if uid is None or self._pacs is None or self._uploading:
            return
        if after_import:
            # Only when a PACS is set up: a PC without one imports as before, silently.
            self._ctx.call(
                pacs_service.pacs_settings,
                on_done=lambda settings: self._send(uid) if settings.configured else None,
                on_error=lambda _error: None,
                owner=self,
            )
            return
        self._send(uid)

    def _send(self, uid: str) -> None:
        assert self._pacs is not None
        self._uploading = True
        self._update_upload_button()
        show_status(self.notice, self.tr("Sending the images to the PACS…"))
        self._pacs.send_study(uid, on_done=self._on_sent, on_error=self._on_send_failed)

    def _on_sent(self, outcome: UploadOutcome) -> None:
        self._uploading = False
        if outcome.on_pacs:
            text = self.tr(
                "The PACS holds the %n image(s) of the study: every PC can view it.",
                "",
                outcome.instances,
            )
            self._sent = (text, False)
            show_status(self.notice, text)
        else:
            text = (
                self.tr("The PACS refused %1 of %2 images; try again later.")
                .replace("%1", str(len(outcome.failed)))
                .replace("%2", str(outcome.instances))
            )
            self._sent = (text, True)
            show_status(self.notice, text, error=True)
        self.reload()

    def _on_send_failed(self, error: BaseException) -> None:
        self._uploading = False
        self._update_upload_button()
        show_status(self.notice, i18n.error_text(error), error=True)

    def open_pacs(self) -> None:
        from emr_desktop.ui.imaging.pacs import PacsPanel

        if self.chart is None or self.browser is None:
            return
        panel = PacsPanel(
            self._ctx,
            self.chart.patient,
            in_chart=[s.study_instance_uid for s in self.browser.studies()],
            parent=self,
        )
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel.study_fetched.connect(lambda _uid: self.reload())
        self.pacs_panel = panel
        panel.show()
