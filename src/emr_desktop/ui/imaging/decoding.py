"""What the imaging worker runs: decoding one slice, a thumbnail, the layout of a series.

Plain functions over bytes and numpy arrays, no widgets: their results are handed to the GUI
thread by the worker. The last parsed instances are kept (a multi-frame cine is parsed once,
then decoded frame by frame).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Frame, Frames, Image, Window


@dataclass(frozen=True)
class DecodedSlice:
    """One frame ready to be shown through a window."""

    frame: Frame
    #: The window the image proposes (or one spanning its values).
    window: Window
    is_color: bool
    monochrome1: bool
    #: (row, column) spacing in mm, None when the image gives none.
    spacing: tuple[float, float] | None

    @property
    def nbytes(self) -> int:
        return int(self.frame.nbytes)


@dataclass(frozen=True)
class SliceHeader:
    """Where one instance sits in its series (read from its header)."""

    frames: int
    position: tuple[float, float, float] | None
    orientation: tuple[float, ...] | None
    instance_number: int | None
    modality: str
    series_description: str
    study_date: str


class ParsedCache:
    """The last few parsed instances, by the caller's key (used on the worker thread)."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._parsed: OrderedDict[str, Frames] = OrderedDict()

    def frames(self, key: str, data: bytes) -> Frames:
        with self._lock:
            found = self._parsed.get(key)
            if found is not None:
                self._parsed.move_to_end(key)
                return found
        parsed = Frames.from_bytes(data)
        with self._lock:
            self._parsed[key] = parsed
            while len(self._parsed) > self._size:
                self._parsed.popitem(last=False)
        return parsed


def decode_slice(cache: ParsedCache, key: str, data: bytes, frame: int) -> DecodedSlice:
    """Decode frame `frame` of the instance `data` (known to `cache` as `key`)."""
    frames = cache.frames(key, data)
    decoded = frames.frame(frame)
    return DecodedSlice(
        frame=decoded,
        window=frames.default_window(decoded),
        is_color=frames.is_color,
        monochrome1=frames.monochrome1,
        spacing=frames.pixel_spacing,
    )


def decode_thumbnail(data: bytes, size: int) -> Image:
    """A small picture of an instance: its middle frame through its own window."""
    frames = Frames.from_bytes(data)
    frame = frames.frame(frames.count // 2)
    window = frames.default_window(frame)
    image = pixels.render(frame, window.center, window.width, invert=frames.monochrome1)
    return pixels.thumbnail(image, size)


def read_header(data: bytes) -> SliceHeader:
    """The header facts that place an instance in its series."""
    frames = Frames.from_bytes(data)
    ds = frames.dataset
    return SliceHeader(
        frames=frames.count,
        position=frames.image_position(),
        orientation=frames.image_orientation(),
        instance_number=frames.instance_number(),
        modality=frames.modality,
        series_description=str(ds.get("SeriesDescription", "") or ""),
        study_date=str(ds.get("StudyDate", "") or ""),
    )


def read_headers(instances: Sequence[bytes]) -> list[SliceHeader]:
    return [read_header(data) for data in instances]
