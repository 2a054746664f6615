"""The patient's studies and their series, each series with a small picture.

Studies come from `services.imaging.studies` (read by the tab); the thumbnails are made one
series at a time — the middle image read on the database worker, decoded and shrunk on the
imaging worker — so a study of many series never holds up the image the user opens.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget
from shiboken6 import isValid

from emr_desktop.core.imaging import SeriesSummary
from emr_desktop.core.records import ImagingSource, ImagingStudy
from emr_desktop.imaging.pixels import Image
from emr_desktop.services import imaging as imaging_service
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.context import AppContext
from emr_desktop.ui.imaging.canvas import to_qimage
from emr_desktop.ui.imaging.decoding import decode_thumbnail
from emr_desktop.ui.imaging.source import series_label
from emr_desktop.ui.imaging.worker import submit_while_running
from emr_desktop.ui.labels import local_time
from emr_desktop.ui.worker import Worker

THUMBNAIL = 64
_STUDY, _SERIES = Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 1


def middle_image(store: Store, session: Session, study_uid: str, series_uid: str) -> bytes | None:
    """The bytes of the middle image of a series held on this PC (None: none is)."""
    held = [
        i for i in imaging_service.series_instances(store, session, study_uid, series_uid) if i.held
    ]
    if not held:
        return None
    return imaging_service.instance_bytes(store, session, held[len(held) // 2].sop_instance_uid)


class SeriesBrowser(QWidget):
    """Studies, newest first, and their series with thumbnails."""

    #: The user chose a series: the study and the series.
    series_chosen = Signal(object, object)

    def __init__(self, ctx: AppContext, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("series_browser")
        self._ctx = ctx
        self._worker = worker
        self._studies: list[ImagingStudy] = []
        self._queue: list[QTreeWidgetItem] = []
        self._tops: list[QTreeWidgetItem] = []
        self._items: list[QTreeWidgetItem] = []
        self._loading = False
        self._generation = 0
        self.tree = QTreeWidget()
        self.tree.setObjectName("series_tree")
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.tree.currentItemChanged.connect(self._on_current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        i18n.watch_language(self, self.retranslate)

    def retranslate(self) -> None:
        for top in self._tops:
            text = self._study_text(top.data(0, _STUDY))
            top.setText(0, text)
            top.setToolTip(0, text)
        for item in self._items:
            self._name_series(item)

    def _study_text(self, study: ImagingStudy) -> str:
        when = local_time(study.study_at) if study.study_at else self.tr("no date")
        parts = [when, ", ".join(study.modalities)]
        if study.description:
            parts.append(study.description)
        where = self.tr("PACS") if study.source == ImagingSource.PACS else self.tr("from disc")
        return f"{' · '.join(p for p in parts if p)} ({where})"

    def _name_series(self, item: QTreeWidgetItem) -> None:
        series: SeriesSummary = item.data(0, _SERIES)
        label = series_label(series) or series.modality
        count = self.tr("%n image(s)", "", series.instances)
        item.setText(0, f"{series.modality} {label}\n{count}".strip())

    # ------------------------------------------------------------------ content
    def set_studies(self, studies: Sequence[ImagingStudy]) -> None:
        """Show `studies`; the series chosen stays chosen when it is still there."""
        current = self.current()
        self._generation += 1
        self._studies = list(studies)
        self._queue.clear()
        self._loading = False
        self.tree.blockSignals(True)
        self.tree.clear()
        self._tops = []
        self._items = []
        keep: QTreeWidgetItem | None = None
        for study in self._studies:
            top = QTreeWidgetItem([self._study_text(study)])
            top.setToolTip(0, top.text(0))
            top.setData(0, _STUDY, study)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(top)
            self._tops.append(top)
            for series in study.series:
                item = QTreeWidgetItem()
                item.setData(0, _STUDY, study)
                item.setData(0, _SERIES, series)
                self._name_series(item)
                top.addChild(item)
                self._items.append(item)
                self._queue.append(item)
                if current is not None and current == (
                    study.study_instance_uid,
                    series.series_instance_uid,
                ):
                    keep = item
            top.setExpanded(True)
        if keep is not None:
            self.tree.setCurrentItem(keep)
        self.tree.blockSignals(False)
        self._next_thumbnail()

    def studies(self) -> list[ImagingStudy]:
        return list(self._studies)

    def current(self) -> tuple[str, str] | None:
        """(study uid, series uid) of the series chosen."""
        item = self.tree.currentItem()
        if item is None or item.data(0, _SERIES) is None:
            return None
        study: ImagingStudy = item.data(0, _STUDY)
        series: SeriesSummary = item.data(0, _SERIES)
        return study.study_instance_uid, series.series_instance_uid

    def series_items(self) -> list[QTreeWidgetItem]:
        return list(self._items)

    def choose(self, study_uid: str, series_uid: str | None = None) -> bool:
        """Choose a series of a study (its first when `series_uid` is None)."""
        for item in self.series_items():
            study: ImagingStudy = item.data(0, _STUDY)
            series: SeriesSummary = item.data(0, _SERIES)
            if study.study_instance_uid == study_uid and series_uid in (
                None,
                series.series_instance_uid,
            ):
                self.tree.setCurrentItem(item)
                return True
        return False

    def _on_current_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is None or item.data(0, _SERIES) is None:
            return
        self.series_chosen.emit(item.data(0, _STUDY), item.data(0, _SERIES))

    # ------------------------------------------------------------------ thumbnails
    def thumbnails_pending(self) -> int:
        return len(self._queue) + (1 if self._loading else 0)

    def _next_thumbnail(self) -> None:
        if self._loading or not self._queue or self._ctx.session is None:
            return
        item = self._queue.pop(0)
        study: ImagingStudy = item.data(0, _STUDY)
        series: SeriesSummary = item.data(0, _SERIES)
        generation = self._generation
        self._loading = True
        self._ctx.call(
            middle_image,
            study.study_instance_uid,
            series.series_instance_uid,
            on_done=lambda data: self._on_image(generation, item, data),
            on_error=lambda _error: self._thumbnail_done(generation),
            owner=self,
        )

    def _on_image(self, generation: int, item: QTreeWidgetItem, data: bytes | None) -> None:
        if generation != self._generation:
            return
        if data is None:
            item.setToolTip(0, self.tr("The images of this series are not on this PC"))
            self._thumbnail_done(generation)
            return
        submit_while_running(
            self._worker,
            decode_thumbnail,
            data,
            THUMBNAIL,
            on_done=lambda image: self._on_thumbnail(generation, item, image),
            on_error=lambda _error: self._thumbnail_done(generation),
        )

    def _on_thumbnail(self, generation: int, item: QTreeWidgetItem, image: Image) -> None:
        if not isValid(self) or generation != self._generation:
            return
        # A deep copy: the pixmap may otherwise share the array's memory, freed on return.
        item.setIcon(0, QIcon(QPixmap.fromImage(to_qimage(image).copy())))
        self._thumbnail_done(generation)

    def _thumbnail_done(self, generation: int) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._loading = False
        self._next_thumbnail()
