"""Where a series' images come from: the slices in display order, and the bytes of each
instance fetched on demand.

`StoredSeries` reads a study kept in the encrypted store (imported from a CD/USB or fetched
from the PACS) through `services.imaging` on the database worker. `MemorySeries` shows
instances already in memory: files picked in the import dialog before they are saved.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from shiboken6 import isValid

from emr_desktop.core.errors import NotFound
from emr_desktop.imaging import pixels
from emr_desktop.services import imaging as imaging_service
from emr_desktop.ui.imaging.decoding import SliceHeader, read_headers
from emr_desktop.ui.imaging.worker import submit_while_running
from emr_desktop.ui.worker import Callback, Worker

if TYPE_CHECKING:
    from emr_desktop.core.imaging import DicomInstance, SeriesSummary, StoredInstance
    from emr_desktop.core.records import ImagingStudy
    from emr_desktop.ui.context import AppContext

#: Fetches one instance from the PACS: (study uid, series uid, sop uid, on_done, on_error).
PacsFetch = Callable[[str, str, str, Callable[[bytes], None], Callback], None]
#: Lists a series' instances in the PACS: (study uid, series uid, on_done, on_error).
PacsList = Callable[[str, str, Callable[[list["DicomInstance"]], None], Callback], None]


@dataclass(frozen=True)
class SliceRef:
    """One slice on screen: frame `frame` of the instance `instance` (the source's key)."""

    instance: str
    frame: int


@dataclass(frozen=True)
class SeriesLayout:
    """The slices of a series in display order, and what the overlay says about it."""

    slices: tuple[SliceRef, ...]
    modality: str = ""
    #: "CT ngực" as the series calls itself, with its number when it has one.
    series: str = ""
    #: The study's date as shown (dd/mm/yyyy).
    study_date: str = ""


@dataclass(frozen=True)
class PlacedInstance:
    """An instance with what places it in the series."""

    key: str
    frames: int
    position: tuple[float, float, float] | None
    instance_number: int | None


def ordered_slices(
    instances: Sequence[PlacedInstance], orientation: Sequence[float] | None = None
) -> tuple[SliceRef, ...]:
    """Every frame of every instance, the instances sorted along the slice normal."""
    order = pixels.slice_order(
        [i.position for i in instances], [i.instance_number for i in instances], orientation
    )
    return tuple(
        SliceRef(instances[i].key, frame) for i in order for frame in range(instances[i].frames)
    )


def dicom_date(value: str) -> str:
    """A DICOM DA (yyyymmdd) as people read it in Vietnam (dd/mm/yyyy)."""
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[6:8]}/{value[4:6]}/{value[0:4]}"
    return value


class SeriesSource(ABC):
    """A series the viewer can show. Callbacks run on the GUI thread."""

    #: Distinguishes this series' instances from another's in the decoding caches.
    key: str

    @abstractmethod
    def layout(self, on_done: Callable[[SeriesLayout], None], on_error: Callback) -> None:
        """Find the slices (once, when the series is opened)."""

    @abstractmethod
    def fetch(self, instance: str, on_done: Callable[[bytes], None], on_error: Callback) -> None:
        """Get the bytes of one instance."""


def _guarded(owner: QObject, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    def deliver(value: Any) -> None:
        if isValid(owner):
            callback(value)

    return deliver


class MemorySeries(SeriesSource):
    """Instances held in memory (files just read from a CD, not yet saved)."""

    def __init__(self, owner: QObject, worker: Worker, instances: Sequence[bytes], key: str):
        self._owner = owner
        self._worker = worker
        self._instances = list(instances)
        self.key = key

    def layout(self, on_done: Callable[[SeriesLayout], None], on_error: Callback) -> None:
        def done(headers: list[SliceHeader]) -> None:
            placed = [
                PlacedInstance(str(n), h.frames, h.position, h.instance_number)
                for n, h in enumerate(headers)
            ]
            first = headers[0] if headers else None
            on_done(
                SeriesLayout(
                    slices=ordered_slices(placed, first.orientation if first else None),
                    modality=first.modality if first else "",
                    series=first.series_description if first else "",
                    study_date=dicom_date(first.study_date) if first else "",
                )
            )

        submit_while_running(
            self._worker,
            read_headers,
            self._instances,
            on_done=_guarded(self._owner, done),
            on_error=_guarded(self._owner, on_error),
        )

    def fetch(self, instance: str, on_done: Callable[[bytes], None], on_error: Callback) -> None:
        data = self._instances[int(instance)]
        # Asynchronous like every other source: the viewer's bookkeeping expects it.
        QTimer.singleShot(0, self._owner, lambda: on_done(data))


def series_label(series: SeriesSummary) -> str:
    """ "2 · PHỔI 1.25mm": the series number and description, as the overlay shows them."""
    parts = [str(series.number)] if series.number is not None else []
    if series.description:
        parts.append(series.description)
    return " · ".join(parts)


class StoredSeries(SeriesSource):
    """A series of a study in the chart: its instances read from the encrypted store on the
    database worker; those not held on this PC (evicted from the PACS cache) fetched from
    the PACS through `pacs_fetch` when one is given. A study of the PACS this PC has never
    fetched (imported on another PC and sent there) has no instance listed here: they are
    listed from the PACS first (`pacs_list`), then fetched one by one as shown."""

    def __init__(
        self,
        ctx: AppContext,
        owner: QObject,
        study: ImagingStudy,
        series: SeriesSummary,
        *,
        study_date: str = "",
        pacs_fetch: PacsFetch | None = None,
        pacs_list: PacsList | None = None,
    ) -> None:
        self._ctx = ctx
        self._owner = owner
        self._study = study
        self._series = series
        self._study_date = study_date
        self._pacs_fetch = pacs_fetch
        self._pacs_list = pacs_list
        self._listed_from_pacs = False
        self._held: dict[str, bool] = {}
        self.key = f"{study.study_instance_uid}/{series.series_instance_uid}"

    def layout(self, on_done: Callable[[SeriesLayout], None], on_error: Callback) -> None:
        def done(instances: list[StoredInstance]) -> None:
            if not instances and self._list_from_pacs(on_done, on_error):
                return
            self._held = {i.sop_instance_uid: i.held for i in instances}
            placed = [
                PlacedInstance(i.sop_instance_uid, i.frames, i.image_position, i.instance_number)
                for i in instances
            ]
            on_done(
                SeriesLayout(
                    slices=ordered_slices(placed),
                    modality=self._series.modality,
                    series=series_label(self._series),
                    study_date=self._study_date,
                )
            )

        self._ctx.call(
            imaging_service.series_instances,
            self._study.study_instance_uid,
            self._series.series_instance_uid,
            on_done=done,
            on_error=on_error,
            owner=self._owner,
        )

    def _list_from_pacs(self, on_done: Callable[[SeriesLayout], None], on_error: Callback) -> bool:
        """Ask the PACS for the series' instances (once) when this PC knows none of a
        study kept in the PACS; False when there is nothing to ask."""
        from emr_desktop.core.records import ImagingSource

        if (
            self._listed_from_pacs
            or self._pacs_list is None
            or self._study.source != ImagingSource.PACS
        ):
            return False
        self._listed_from_pacs = True
        study_uid = self._study.study_instance_uid

        def listed(found: list[DicomInstance]) -> None:
            self._ctx.call(
                imaging_service.list_pacs_instances,
                study_uid,
                found,
                on_done=lambda _new: self.layout(on_done, on_error),
                on_error=on_error,
                owner=self._owner,
            )

        self._pacs_list(study_uid, self._series.series_instance_uid, listed, on_error)
        return True

    def fetch(self, instance: str, on_done: Callable[[bytes], None], on_error: Callback) -> None:
        if not self._held.get(instance, True) and self._pacs_fetch is not None:
            self._from_pacs(instance, on_done, on_error)
            return

        def failed(error: BaseException) -> None:
            if isinstance(error, NotFound) and self._pacs_fetch is not None:
                self._from_pacs(instance, on_done, on_error)
            else:
                on_error(error)

        self._ctx.call(
            imaging_service.instance_bytes,
            instance,
            on_done=on_done,
            on_error=failed,
            owner=self._owner,
        )

    def _from_pacs(
        self, instance: str, on_done: Callable[[bytes], None], on_error: Callback
    ) -> None:
        assert self._pacs_fetch is not None

        def fetched(data: bytes) -> None:
            self._held[instance] = True
            on_done(data)

        self._pacs_fetch(
            self._study.study_instance_uid,
            self._series.series_instance_uid,
            instance,
            fetched,
            on_error,
        )
