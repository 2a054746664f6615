"""The pixel pipeline: from the bytes of one DICOM instance to 8-bit pixels on screen.

`Frames` parses an instance once and decodes its frames one at a time, on demand, through
pydicom's pixel-data plugins (JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE). A
grayscale frame comes out in modality values (RescaleSlope/Intercept applied: Hounsfield
units for CT) as float32; a colour frame as 8-bit RGB (YBR converted, palettes applied).

`render` applies a VOI window (DICOM PS3.3 C.11.2.1.2, linear) and gives the uint8 array the
GUI wraps in an image. Geometry: pixel spacing for distances in mm, and the order of the
slices of a series along the normal of their plane.

Numpy and pydicom only: no Qt here, so the same code serves the GUI and the benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.processing import apply_color_lut, apply_modality_lut, convert_color_space
from pydicom.uid import UID

from emr_desktop.core.errors import ValidationError

#: What `render` returns: (rows, columns) for grayscale, (rows, columns, 3) for RGB.
Image = npt.NDArray[np.uint8]
#: A decoded frame: float32 modality values (grayscale) or uint8 RGB (colour).
Frame = npt.NDArray[Any]

#: Photometric interpretations whose pixels are one gray value each.
GRAYSCALE = frozenset({"MONOCHROME1", "MONOCHROME2"})
_YBR = frozenset({"YBR_FULL", "YBR_FULL_422"})
_FIELD = "pixel_data"


@dataclass(frozen=True)
class Window:
    """A VOI window in modality values (HU for CT): the centre (level) and the width."""

    center: float
    width: float


@dataclass(frozen=True)
class Preset:
    """A named window radiologists use; the GUI names it in the user's language."""

    key: str
    window: Window


#: The usual CT windows (W/L in HU).
PRESETS: tuple[Preset, ...] = (
    Preset("lung", Window(-600.0, 1500.0)),
    Preset("bone", Window(300.0, 2000.0)),
    Preset("brain", Window(40.0, 80.0)),
    Preset("abdomen", Window(50.0, 400.0)),
    Preset("soft_tissue", Window(40.0, 350.0)),
)
PRESET_BY_KEY = {preset.key: preset for preset in PRESETS}


def _number(value: Any) -> float | None:
    """The first value of a DS/IS element (multi-valued windows take the first)."""
    if value is None:
        return None
    if isinstance(value, MultiValue | list | tuple):
        if len(value) == 0:
            return None
        value = value[0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _functional(ds: Dataset, sequence: str, keyword: str) -> Any:
    """An attribute from the shared functional groups of an enhanced multi-frame image."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    if not shared:
        return None
    group = shared[0].get(sequence)
    if not group:
        return None
    return group[0].get(keyword)


def _attribute(ds: Dataset, keyword: str, sequence: str) -> Any:
    value = ds.get(keyword)
    if value is None or value == "":
        value = _functional(ds, sequence, keyword)
    return value


def _syntax_name(uid: UID | None) -> str:
    if uid is None:
        return "?"
    return str(uid.name) if uid.is_valid and uid.name != uid else str(uid)


def _undecodable(uid: UID | None, rule: str) -> ValidationError:
    name = _syntax_name(uid)
    if uid is not None and uid.is_compressed:
        return ValidationError(
            _FIELD,
            rule,
            f"Không giải mã được ảnh nén {name} trên máy này",
            f"Cannot decode an image compressed as {name} on this computer",
        )
    return ValidationError(
        _FIELD,
        rule,
        f"Không giải mã được ảnh ({name}): dữ liệu ảnh bị cắt cụt hoặc hỏng",
        f"Cannot decode the image ({name}): the pixel data is truncated or damaged",
    )


class Frames:
    """The frames of one DICOM instance, parsed once and decoded one frame at a time."""

    def __init__(self, dataset: Dataset) -> None:
        if "PixelData" not in dataset or "Rows" not in dataset or "Columns" not in dataset:
            raise ValidationError(
                _FIELD,
                "no_pixels",
                "Tệp DICOM không có dữ liệu ảnh",
                "The DICOM file holds no image",
            )
        meta = getattr(dataset, "file_meta", None)
        uid = meta.get("TransferSyntaxUID") if meta is not None else None
        self.transfer_syntax_uid: UID | None = UID(uid) if uid else None
        self.transfer_syntax_name = _syntax_name(self.transfer_syntax_uid)
        if self.transfer_syntax_uid is None:
            raise _undecodable(None, "transfer_syntax")
        try:
            self._decoder = get_decoder(self.transfer_syntax_uid)
        except NotImplementedError:
            raise _undecodable(self.transfer_syntax_uid, "transfer_syntax") from None
        if not self._decoder.is_available:
            raise _undecodable(self.transfer_syntax_uid, "transfer_syntax")
        self._ds = dataset
        try:
            self.rows = int(dataset.Rows)
            self.columns = int(dataset.Columns)
            self.count = int(_number(dataset.get("NumberOfFrames")) or 1)
        except (TypeError, ValueError):
            raise _undecodable(self.transfer_syntax_uid, "header") from None
        self.photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
        self.is_color = self.photometric not in GRAYSCALE
        #: Shown inverted: 0 is white.
        self.monochrome1 = self.photometric == "MONOCHROME1"
        self.pixel_spacing = _spacing(dataset)
        self._slope = _number(
            _attribute(dataset, "RescaleSlope", "PixelValueTransformationSequence")
        )
        self._intercept = _number(
            _attribute(dataset, "RescaleIntercept", "PixelValueTransformationSequence")
        )
        self._modality_lut = "ModalityLUTSequence" in dataset
        center = _number(_attribute(dataset, "WindowCenter", "FrameVOILUTSequence"))
        width = _number(_attribute(dataset, "WindowWidth", "FrameVOILUTSequence"))
        #: The window the modality proposes (None: compute one from the pixels).
        self.window = (
            Window(center, width)
            if center is not None and width is not None and width > 0
            else None
        )
        self.modality = str(dataset.get("Modality", "")).strip()

    @classmethod
    def from_bytes(cls, data: bytes) -> Frames:
        """Parse one DICOM instance (a Part 10 file's bytes)."""
        return cls(_read(BytesIO(data)))

    @classmethod
    def from_file(cls, path: Path) -> Frames:
        with open(path, "rb") as fh:
            return cls(_read(fh))

    @property
    def dataset(self) -> Dataset:
        return self._ds

    def frame(self, index: int = 0) -> Frame:
        """Decode frame `index`: float32 modality values, or uint8 RGB for colour images."""
        if not 0 <= index < self.count:
            raise ValidationError(
                _FIELD,
                "frame",
                f"Ảnh không có khung {index + 1} (có {self.count} khung)",
                f"The image has no frame {index + 1} (it has {self.count})",
            )
        try:
            # Raw: the colour space the pixels are in is converted here, as the decoder
            # reports it (a JPEG decoder may already have given RGB).
            array, properties = self._decoder.as_array(self._ds, index=index, raw=True)
        except Exception as exc:  # plugins raise anything from RuntimeError to struct.error
            raise _undecodable(self.transfer_syntax_uid, "decode") from exc
        photometric = str(properties.get("photometric_interpretation", self.photometric))
        if photometric in GRAYSCALE:
            return self._modality(array)
        if photometric == "PALETTE COLOR":
            return _to_uint8(apply_color_lut(array, self._ds), _lut_bits(self._ds))
        if photometric in _YBR:
            array = convert_color_space(array, photometric, "RGB")
        bits = int(properties.get("bits_stored", self._ds.get("BitsStored", 8)) or 8)
        return _to_uint8(array, bits)

    def _modality(self, array: npt.NDArray[Any]) -> Frame:
        if self._modality_lut:
            return np.asarray(apply_modality_lut(array, self._ds), dtype=np.float32)
        values = array.astype(np.float32)
        slope = self._slope if self._slope is not None else 1.0
        intercept = self._intercept if self._intercept is not None else 0.0
        if slope != 1.0:
            values *= np.float32(slope)
        if intercept != 0.0:
            values += np.float32(intercept)
        return values

    def default_window(self, frame: Frame) -> Window:
        """The dataset's window, else one spanning `frame`'s values."""
        return self.window if self.window is not None else computed_window(frame)

    def distance_mm(self, p1: tuple[float, float], p2: tuple[float, float]) -> float | None:
        """Distance between two points (x = column, y = row) in mm; None without spacing."""
        return distance_mm(p1, p2, self.pixel_spacing)

    def image_position(self) -> tuple[float, float, float] | None:
        return _triple(_attribute(self._ds, "ImagePositionPatient", "PlanePositionSequence"))

    def image_orientation(self) -> tuple[float, ...] | None:
        value = _attribute(self._ds, "ImageOrientationPatient", "PlaneOrientationSequence")
        try:
            numbers = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            return None
        return numbers if len(numbers) == 6 else None

    def instance_number(self) -> int | None:
        number = _number(self._ds.get("InstanceNumber"))
        return int(number) if number is not None else None


def _read(source: Any) -> Dataset:
    try:
        return dcmread(source)
    except Exception as exc:  # damaged headers fail in every way: struct, EOF, Unicode, …
        raise ValidationError(
            "dicom",
            "format",
            "Tệp không phải DICOM hoặc đã bị hỏng",
            "Not a DICOM file, or the file is damaged",
        ) from exc


def _triple(value: Any) -> tuple[float, float, float] | None:
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(numbers) != 3 or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers[0], numbers[1], numbers[2]


def _spacing(ds: Dataset) -> tuple[float, float] | None:
    """(row spacing, column spacing) in mm: PixelSpacing, else ImagerPixelSpacing."""
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        value = _attribute(ds, keyword, "PixelMeasuresSequence")
        try:
            numbers = [float(v) for v in value]
        except (TypeError, ValueError):
            continue
        if len(numbers) == 2 and all(math.isfinite(n) and n > 0 for n in numbers):
            return numbers[0], numbers[1]
    return None


def _lut_bits(ds: Dataset) -> int:
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor")
    try:
        return 16 if int(descriptor[2]) > 8 else 8
    except (TypeError, ValueError, IndexError):
        return 8


def _to_uint8(array: npt.NDArray[Any], bits: int) -> Image:
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    shift = max(0, bits - 8)
    return np.ascontiguousarray(np.right_shift(array.astype(np.uint32), shift), dtype=np.uint8)


def computed_window(frame: Frame) -> Window:
    """A window spanning the frame's values (for images that propose none)."""
    low = float(np.min(frame))
    high = float(np.max(frame))
    return Window((low + high) / 2 + 0.5, max(1.0, high - low + 1))


def render(frame: Frame, center: float, width: float, *, invert: bool = False) -> Image:
    """8-bit pixels of `frame` shown through the window (`center`, `width`).

    Grayscale: the DICOM linear VOI function; `invert` (MONOCHROME1, or the user's choice)
    makes low values white. Colour frames pass through (inverted on request).
    """
    if frame.ndim == 3:
        rgb = np.ascontiguousarray(frame, dtype=np.uint8)
        return np.subtract(255, rgb, dtype=np.uint8) if invert else rgb
    width = max(1.0, float(width))
    low = float(center) - 0.5 - (width - 1) / 2
    span = width - 1
    if span <= 0:
        above = frame > float(center) - 0.5
        out = np.where(above, np.uint8(255), np.uint8(0)).astype(np.uint8)
    else:
        scaled = np.subtract(frame, np.float32(low), dtype=np.float32)
        scaled *= np.float32(255.0 / span)
        np.clip(scaled, 0, 255, out=scaled)
        out = scaled.astype(np.uint8)
    if invert:
        np.subtract(255, out, out=out)
    return out


def thumbnail(image: Image, max_side: int) -> Image:
    """A smaller copy of a rendered image (every n-th pixel), at most `max_side` across."""
    rows, columns = image.shape[:2]
    step = max(1, math.ceil(max(rows, columns) / max(1, max_side)))
    return np.ascontiguousarray(image[::step, ::step])


def distance_mm(
    p1: tuple[float, float], p2: tuple[float, float], spacing: tuple[float, float] | None
) -> float | None:
    """Distance in mm between points (x = column, y = row) given (row, column) spacing."""
    if spacing is None:
        return None
    row_spacing, column_spacing = spacing
    dx = (p2[0] - p1[0]) * column_spacing
    dy = (p2[1] - p1[1]) * row_spacing
    return math.hypot(dx, dy)


def slice_order(
    positions: Sequence[tuple[float, float, float] | None],
    instance_numbers: Sequence[int | None],
    orientation: Sequence[float] | None = None,
) -> list[int]:
    """The order in which to show the slices of a series (indexes into the inputs).

    Sorted by ImagePositionPatient along the normal of the image plane (from
    ImageOrientationPatient; without it, the axis along which the positions spread), from
    the lowest projection up. When positions are missing or all equal: by InstanceNumber,
    unnumbered slices last, then in the given order.
    """
    count = len(positions)
    by_number = sorted(
        range(count),
        key=lambda i: (
            instance_numbers[i] is None,
            instance_numbers[i] if instance_numbers[i] is not None else 0,
            i,
        ),
    )
    known = [p for p in positions if p is not None]
    if count < 2 or len(known) != count:
        return by_number
    points = np.asarray(known, dtype=np.float64)
    normal = _normal(orientation, points)
    if normal is None:
        return by_number
    projections = points @ normal
    if np.ptp(projections) < 1e-6:
        return by_number
    rank = {index: place for place, index in enumerate(by_number)}
    return sorted(range(count), key=lambda i: (float(projections[i]), rank[i]))


def _normal(orientation: Sequence[float] | None, points: npt.NDArray[np.float64]) -> Any:
    if orientation is not None and len(orientation) == 6:
        row = np.asarray(orientation[:3], dtype=np.float64)
        column = np.asarray(orientation[3:], dtype=np.float64)
        normal = np.cross(row, column)
        length = float(np.linalg.norm(normal))
        if length > 1e-6:
            return normal / length
    centred = points - points.mean(axis=0)
    if not np.any(centred):
        return None
    # The principal axis of the positions; its sign is chosen as a cross product of a
    # usual orientation would give it (the largest component positive: feet to head for
    # axial slices).
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    return axis if axis[np.argmax(np.abs(axis))] > 0 else -axis
