"""The pixel pipeline on pydicom's own test files: every photometric interpretation, the
compressed transfer syntaxes, the modality LUT, VOI windows, geometry and clear errors."""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from emr_desktop.core.errors import ValidationError
from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Frames, Window, render


def _path(name: str) -> Path:
    found = get_testdata_file(name)
    assert found is not None, name
    return Path(str(found))


DICOMDIR_TESTS = _path("CT_small.dcm").parent / "dicomdirtests"


def _bytes_of(ds: Dataset) -> bytes:
    out = BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _stored_values(name: str) -> np.ndarray:
    """The stored pixel values, read straight from an uncompressed file's Pixel Data."""
    ds = pydicom.dcmread(_path(name))
    dtype = "<i2" if ds.PixelRepresentation else "<u2"
    return np.frombuffer(ds.PixelData, dtype=dtype).reshape(ds.Rows, ds.Columns)


# ---------------------------------------------------------------- grayscale


def test_ct_frames_are_in_hounsfield_units_through_the_rescale() -> None:
    frames = Frames.from_file(_path("CT_small.dcm"))
    assert (frames.count, frames.rows, frames.columns) == (1, 128, 128)
    assert frames.photometric == "MONOCHROME2"
    assert not frames.is_color and not frames.monochrome1
    frame = frames.frame(0)
    assert frame.dtype == np.float32
    # RescaleSlope 1, RescaleIntercept -1024.
    assert np.array_equal(frame, _stored_values("CT_small.dcm").astype(np.float32) - 1024)


def test_a_rescale_slope_multiplies_the_stored_values() -> None:
    ds = pydicom.dcmread(_path("MR_small.dcm"))
    ds.RescaleSlope = "2.5"
    ds.RescaleIntercept = "-100"
    frame = Frames.from_bytes(_bytes_of(ds)).frame(0)
    expected = _stored_values("MR_small.dcm").astype(np.float32) * 2.5 - 100
    assert np.allclose(frame, expected)


def test_the_window_comes_from_the_dataset_first_value_of_several() -> None:
    assert Frames.from_file(_path("MR_small.dcm")).window == Window(600.0, 1600.0)
    # WindowCenter [450, 200], WindowWidth [790, 443]: the first pair.
    assert Frames.from_file(_path("examples_overlay.dcm")).window == Window(450.0, 790.0)


def test_without_a_window_in_the_dataset_one_spans_the_data() -> None:
    frames = Frames.from_file(_path("CT_small.dcm"))
    assert frames.window is None
    frame = frames.frame(0)
    window = frames.default_window(frame)
    low, high = float(frame.min()), float(frame.max())
    assert window.width == high - low + 1
    image = render(frame, window.center, window.width)
    assert image.dtype == np.uint8
    assert image.min() == 0 and image.max() == 255
    assert image[np.unravel_index(np.argmin(frame), frame.shape)] == 0
    assert image[np.unravel_index(np.argmax(frame), frame.shape)] == 255


def test_monochrome1_is_shown_inverted() -> None:
    # A real computed radiograph stored as MONOCHROME1 (high values dark).
    frames = Frames.from_file(DICOMDIR_TESTS / "77654033" / "CR1" / "6154")
    assert frames.photometric == "MONOCHROME1" and frames.monochrome1
    frame = frames.frame(0)
    window = frames.default_window(frame)
    assert window == Window(1600.0, 2800.0)
    shown = render(frame, window.center, window.width, invert=frames.monochrome1)
    plain = render(frame, window.center, window.width)
    assert np.array_equal(shown, 255 - plain)
    brightest = np.unravel_index(np.argmax(frame), frame.shape)
    assert shown[brightest] < shown[np.unravel_index(np.argmin(frame), frame.shape)]


def test_the_linear_window_follows_dicom_voi() -> None:
    frame = np.array([[-1000, -160, -159, 40, 239, 240, 3000]], dtype=np.float32)
    image = render(frame, 40, 400)
    # Below c - 0.5 - (w-1)/2 = -160 black, above c - 0.5 + (w-1)/2 = 239 white.
    assert image[0].tolist()[0:2] == [0, 0]
    assert image[0, 2] == math.floor((-159 + 160) / 399 * 255)
    assert image[0, 3] == math.floor(200 / 399 * 255)
    assert image[0].tolist()[4:] == [255, 255, 255]
    assert render(frame, 40, 400, invert=True)[0, 0] == 255
    # Width 1 is a threshold at the centre.
    assert render(frame, 40, 1)[0].tolist() == [0, 0, 0, 255, 255, 255, 255]


def test_presets_are_the_usual_ct_windows() -> None:
    assert [p.key for p in pixels.PRESETS] == ["lung", "bone", "brain", "abdomen", "soft_tissue"]
    assert pixels.PRESET_BY_KEY["lung"].window == Window(-600, 1500)
    assert pixels.PRESET_BY_KEY["brain"].window == Window(40, 80)
    assert pixels.PRESET_BY_KEY["abdomen"].window == Window(50, 400)
    assert pixels.PRESET_BY_KEY["soft_tissue"].window == Window(40, 350)
    assert pixels.PRESET_BY_KEY["bone"].window.width in {1500, 2000}
    frame = Frames.from_file(_path("CT_small.dcm")).frame(0)
    lung = pixels.PRESET_BY_KEY["lung"].window
    image = render(frame, lung.center, lung.width)
    # Air (-1024 HU and below) is black in the lung window; dense bone is white.
    assert image[frame <= -1350].max(initial=0) == 0
    assert image[frame >= 150].min(initial=255) == 255


# ---------------------------------------------------------------- colour


def test_rgb_passes_through() -> None:
    frames = Frames.from_file(_path("SC_rgb_rle.dcm"))
    assert frames.is_color and frames.photometric == "RGB"
    frame = frames.frame(0)
    assert frame.dtype == np.uint8 and frame.shape == (100, 100, 3)
    # The test image's bands: red, then green, then blue.
    assert frame[5, 50].tolist() == [255, 0, 0]
    assert frame[25, 50].tolist() == [0, 255, 0]
    assert frame[45, 50].tolist() == [0, 0, 255]
    assert np.array_equal(render(frame, 0, 1), frame)
    assert np.array_equal(render(frame, 0, 1, invert=True), 255 - frame)


def test_sixteen_bit_rgb_is_brought_to_eight_bits() -> None:
    frame = Frames.from_file(_path("SC_rgb_rle_16bit.dcm")).frame(0)
    assert frame.dtype == np.uint8
    assert frame[5, 50].tolist() == [255, 0, 0]


@pytest.mark.parametrize(
    "name",
    ["SC_ybr_full_422_uncompressed.dcm", "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm"],
)
def test_ybr_is_converted_to_rgb(name: str) -> None:
    frames = Frames.from_file(_path(name))
    assert frames.photometric in {"YBR_FULL", "YBR_FULL_422"}
    frame = frames.frame(0).astype(int)
    # Same bands as the RGB original, within what lossy coding and YCbCr rounding allow.
    assert np.abs(frame[5, 50] - [255, 0, 0]).max() <= 6
    assert np.abs(frame[25, 50] - [0, 255, 0]).max() <= 6
    assert np.abs(frame[45, 50] - [0, 0, 255]).max() <= 6


def test_palette_colour_is_applied() -> None:
    frames = Frames.from_file(_path("examples_palette.dcm"))
    assert frames.photometric == "PALETTE COLOR" and frames.is_color
    frame = frames.frame(0)
    assert frame.shape == (350, 800, 3) and frame.dtype == np.uint8
    ds = pydicom.dcmread(_path("examples_palette.dcm"))
    index = int(np.frombuffer(ds.PixelData, dtype=np.uint8).reshape(350, 800)[175, 400])
    red = np.frombuffer(ds.RedPaletteColorLookupTableData, dtype="<u2")
    green = np.frombuffer(ds.GreenPaletteColorLookupTableData, dtype="<u2")
    blue = np.frombuffer(ds.BluePaletteColorLookupTableData, dtype="<u2")
    expected = [int(red[index]) >> 8, int(green[index]) >> 8, int(blue[index]) >> 8]
    assert frame[175, 400].tolist() == expected


# ---------------------------------------------------------------- compressed syntaxes


@pytest.mark.parametrize(
    "name", ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"]
)
def test_lossless_compression_gives_back_the_uncompressed_pixels(name: str) -> None:
    original = Frames.from_file(_path("MR_small.dcm")).frame(0)
    frames = Frames.from_file(_path(name))
    assert frames.transfer_syntax_uid is not None and frames.transfer_syntax_uid.is_compressed
    assert np.array_equal(frames.frame(0), original)


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("JPEG2000.dcm", "JPEG 2000 Image Compression"),
        ("JPGExtended.dcm", "JPEG Extended (Process 2 and 4)"),
        ("SC_rgb_jpeg_dcmtk.dcm", "JPEG Baseline (Process 1)"),
        (
            "SC_rgb_jpeg_gdcm.dcm",
            "JPEG Lossless, Non-Hierarchical, First-Order Prediction"
            " (Process 14 [Selection Value 1])",
        ),
        ("JPEGLSNearLossless_08.dcm", "JPEG-LS Lossy (Near-Lossless) Image Compression"),
        ("693_J2KI.dcm", "JPEG 2000 Image Compression"),
    ],
)
def test_compressed_images_decode(name: str, syntax: str) -> None:
    frames = Frames.from_file(_path(name))
    assert frames.transfer_syntax_name == syntax
    frame = frames.frame(0)
    assert frame.shape[:2] == (frames.rows, frames.columns)
    window = frames.default_window(frame)
    image = render(frame, window.center, window.width)
    assert image.shape[:2] == (frames.rows, frames.columns)
    assert image.max() > image.min()


def test_a_jpeg2000_ct_slice_is_in_hounsfield_units() -> None:
    frames = Frames.from_file(_path("693_J2KI.dcm"))
    frame = frames.frame(0)
    assert frames.window == Window(40, 100)
    assert frames.pixel_spacing == (0.478516, 0.478516)
    # Air around the patient, soft tissue inside (lossy coding: roughly).
    assert frame[5, 5] < -900
    assert -200 < float(np.median(frame[200:300, 200:300])) < 200


# ---------------------------------------------------------------- frames


def test_multi_frame_images_decode_one_frame_at_a_time() -> None:
    frames = Frames.from_file(_path("rtdose.dcm"))
    assert frames.count == 15
    every = pydicom.dcmread(_path("rtdose.dcm")).pixel_array
    for index in (0, 7, 14):
        assert np.array_equal(frames.frame(index), every[index].astype(np.float32))
    with pytest.raises(ValidationError) as error:
        frames.frame(15)
    assert error.value.rule == "frame"
    assert "16" in error.value.message_vi


def test_multi_frame_colour_frames_differ() -> None:
    frames = Frames.from_file(_path("SC_rgb_rle_2frame.dcm"))
    assert frames.count == 2
    first, second = frames.frame(0), frames.frame(1)
    # The second frame of this test file is the first inverted.
    assert np.array_equal(second, 255 - first)


def test_a_multi_frame_ultrasound_cine_in_ybr_jpeg() -> None:
    frames = Frames.from_file(_path("examples_ybr_color.dcm"))
    assert (frames.count, frames.photometric) == (30, "YBR_FULL_422")
    last = frames.frame(29)
    assert last.shape == (240, 320, 3) and last.dtype == np.uint8
    assert not np.array_equal(frames.frame(0), last)


# ---------------------------------------------------------------- errors


def test_a_transfer_syntax_without_a_decoder_is_named_in_the_message() -> None:
    ds = pydicom.dcmread(_path("MR_small.dcm"))
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")  # MPEG2 video
    ds.PixelData = encapsulate([ds.PixelData])
    out = BytesIO()
    ds.save_as(out)
    with pytest.raises(ValidationError) as error:
        Frames.from_bytes(out.getvalue())
    assert error.value.rule == "transfer_syntax"
    assert "Không giải mã được ảnh nén MPEG2 Main Profile / Main Level trên máy này" in (
        error.value.message_vi
    )
    assert "MPEG2 Main Profile / Main Level" in error.value.message_en


def test_a_jpeg_that_fails_to_decode_gives_a_clear_message() -> None:
    frames = Frames.from_file(_path("JPEG-lossy.dcm"))
    with pytest.raises(ValidationError) as error:
        frames.frame(0)
    assert error.value.rule == "decode"
    assert error.value.message_vi.endswith(
        "Không giải mã được ảnh nén JPEG Extended (Process 2 and 4) trên máy này"
    )


def test_truncated_pixel_data_is_reported() -> None:
    frames = Frames.from_file(_path("MR_truncated.dcm"))
    with pytest.raises(ValidationError) as error:
        frames.frame(0)
    assert error.value.rule == "decode"
    assert "cắt cụt hoặc hỏng" in error.value.message_vi
    assert "truncated" in error.value.message_en


def test_files_that_are_not_dicom_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        Frames.from_bytes(b"%PDF-1.7 not an image at all" * 20)
    assert (error.value.field, error.value.rule) == ("dicom", "format")
    head = _path("CT_small.dcm").read_bytes()[:400]
    with pytest.raises(ValidationError):
        Frames.from_bytes(head)


@pytest.mark.parametrize("name", ["CT_small.dcm", "JPEG2000.dcm", "SC_rgb_rle_2frame.dcm"])
@pytest.mark.parametrize("keep", [0.02, 0.1, 0.3, 0.6, 0.9])
def test_a_file_cut_anywhere_fails_with_a_clear_error(name: str, keep: float) -> None:
    data = _path(name).read_bytes()
    cut = data[: int(len(data) * keep)]
    with pytest.raises(ValidationError) as error:
        Frames.from_bytes(cut).frame(0)
    assert error.value.rule in {"format", "no_pixels", "decode", "header"}


def test_a_dicom_without_pixels_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        Frames.from_file(_path("rtplan.dcm"))
    assert error.value.rule == "no_pixels"


# ---------------------------------------------------------------- geometry


def test_distances_use_the_pixel_spacing() -> None:
    frames = Frames.from_file(_path("CT_small.dcm"))
    assert frames.pixel_spacing == (0.661468, 0.661468)
    distance = frames.distance_mm((10, 10), (13, 14))
    assert distance == pytest.approx(5 * 0.661468)
    assert pixels.distance_mm((0, 0), (2, 2), (0.5, 2.0)) == pytest.approx(math.hypot(4, 1))


def test_imager_pixel_spacing_is_used_when_pixel_spacing_is_absent() -> None:
    frames = Frames.from_file(DICOMDIR_TESTS / "77654033" / "CR1" / "6154")
    assert frames.pixel_spacing == (0.1, 0.1)
    assert frames.distance_mm((0, 0), (0, 10)) == pytest.approx(1.0)


def test_without_spacing_there_is_no_distance() -> None:
    frames = Frames.from_file(_path("JPEGLSNearLossless_08.dcm"))
    assert frames.pixel_spacing is None
    assert frames.distance_mm((0, 0), (3, 4)) is None


def _series(folder: Path) -> list[Frames]:
    return [Frames.from_file(path) for path in sorted(folder.iterdir())]


def test_slices_sort_along_the_normal_not_by_file_or_instance_number() -> None:
    # CT5N: instance numbers 6…10 run from head (z 8.76) to feet (z -1.24).
    series = _series(DICOMDIR_TESTS / "98892001" / "CT5N")
    positions = [f.image_position() for f in series]
    numbers = [f.instance_number() for f in series]
    orientation = series[0].image_orientation()
    assert orientation == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    order = pixels.slice_order(positions, numbers, orientation)
    assert [numbers[i] for i in order] == [10, 9, 8, 7, 6]
    zs = [positions[i][2] for i in order]  # type: ignore[index]
    assert zs == sorted(zs)
    # Without the orientation, the axis along which the slices spread gives the same.
    assert pixels.slice_order(positions, numbers) == order


def test_a_sagittal_stack_sorts_along_its_own_normal() -> None:
    # Rows along +y, columns along -z: the normal (row x column) is -x, so the slices run
    # from the patient's left (+x) to the right; listed out of order, numbered otherwise.
    orientation = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    positions = [(-5.0, -100.0, 100.0), (5.0, -100.0, 100.0), (0.0, -100.0, 100.0)]
    order = pixels.slice_order(positions, [1, 3, 2], orientation)
    assert [positions[i][0] for i in order] == [5.0, 0.0, -5.0]


def test_without_positions_slices_sort_by_instance_number() -> None:
    assert pixels.slice_order([None, None, None, None], [3, None, 1, 2]) == [2, 3, 0, 1]
    same = (0.0, 0.0, 0.0)
    assert pixels.slice_order([same, same, same], [2, 3, 1]) == [2, 0, 1]
    assert pixels.slice_order([(0.0, 0.0, 1.0), None], [2, 1]) == [1, 0]


def test_a_thumbnail_is_at_most_the_size_asked() -> None:
    frames = Frames.from_file(_path("JPEG2000.dcm"))
    frame = frames.frame(0)
    window = frames.default_window(frame)
    small = pixels.thumbnail(render(frame, window.center, window.width), 96)
    assert max(small.shape) <= 96
    assert small.flags["C_CONTIGUOUS"]
