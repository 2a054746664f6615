"""The image viewer on real DICOM images: slices in anatomical order, scrolling, window and
presets, zoom/rotate/flip, the distance tool, cine, decoding off the GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from tests.ui.imaging.conftest import DICOMDIR_TESTS, dicom_file, open_files

from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Frames, Window
from emr_desktop.ui import i18n
from emr_desktop.ui.imaging.canvas import ImageCanvas
from emr_desktop.ui.imaging.source import MemorySeries
from emr_desktop.ui.imaging.status import is_error
from emr_desktop.ui.imaging.viewer import AHEAD, SeriesViewer, _LruCache
from emr_desktop.ui.worker import Worker

CT5N = sorted((DICOMDIR_TESTS / "98892001" / "CT5N").iterdir())


def _drag(canvas: ImageCanvas, button: Qt.MouseButton, start: QPointF, end: QPointF) -> None:
    none = Qt.KeyboardModifier.NoModifier
    for kind, at, buttons in (
        (QMouseEvent.Type.MouseButtonPress, start, button),
        (QMouseEvent.Type.MouseMove, end, button),
        (QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(kind, at, canvas.mapToGlobal(at), button, buttons, none)
        QApplication.sendEvent(canvas, event)


def _click(canvas: ImageCanvas, at: QPointF) -> None:
    _drag(canvas, Qt.MouseButton.LeftButton, at, at)


def _wheel(canvas: ImageCanvas, notches: int, modifiers: Qt.KeyboardModifier) -> None:
    at = QPointF(canvas.width() / 2, canvas.height() / 2)
    event = QWheelEvent(
        at,
        canvas.mapToGlobal(at),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def _shown(qtbot: QtBot, viewer: SeriesViewer, index: int) -> None:
    qtbot.waitUntil(lambda: viewer.shown_index() == index, timeout=10_000)


def _on_screen(viewer: SeriesViewer) -> np.ndarray:
    array = viewer.canvas.image_array()
    assert array is not None
    return array


def _expected(path: str, window: Window, *, invert: bool = False) -> np.ndarray:
    frames = Frames.from_file(dicom_file(path))
    return pixels.render(frames.frame(0), window.center, window.width, invert=invert)


def test_the_first_slice_is_the_lowest_along_the_normal_with_the_overlay(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, CT5N)
    assert viewer.slice_count() == 5
    # Files 2062…3353 are instances 6…10 from head to feet: the feet end comes first.
    first = Frames.from_file(CT5N[-1])
    assert first.instance_number() == 10
    window = viewer.current_window()
    assert window is not None
    expected = pixels.render(first.frame(0), window.center, window.width)
    assert np.array_equal(_on_screen(viewer), expected)
    text = viewer.corner_text()
    assert "Lát 1/5" in text
    assert "CT" in text and "01/01/2001" in text
    assert f"W {window.width:.0f} · L {window.center:.0f}" in text
    assert viewer.first_image_ms is not None and viewer.first_image_ms > 0


def test_keys_wheel_and_slider_move_through_the_series(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, CT5N)
    canvas = viewer.canvas
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    _shown(qtbot, viewer, 1)
    assert "Lát 2/5" in viewer.corner_text()
    qtbot.keyClick(canvas, Qt.Key.Key_PageDown)
    _shown(qtbot, viewer, 4)
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    _shown(qtbot, viewer, 3)
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    _shown(qtbot, viewer, 0)
    qtbot.keyClick(canvas, Qt.Key.Key_End)
    _shown(qtbot, viewer, 4)
    _wheel(canvas, 1, Qt.KeyboardModifier.NoModifier)
    _shown(qtbot, viewer, 3)
    _wheel(canvas, -1, Qt.KeyboardModifier.NoModifier)
    _shown(qtbot, viewer, 4)
    viewer.slider.setValue(2)
    _shown(qtbot, viewer, 2)
    second = Frames.from_file(CT5N[2])
    window = viewer.current_window()
    assert window is not None
    expected = pixels.render(second.frame(0), window.center, window.width)
    assert np.array_equal(_on_screen(viewer), expected)


def test_neighbouring_slices_are_decoded_ahead_and_shown_at_once(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, CT5N)
    qtbot.waitUntil(lambda: worker.pending() == 0)
    for index in range(1, min(AHEAD, 4) + 1):
        viewer.step(1)
        # No event processed in between: the slice was already decoded.
        assert viewer.shown_index() == index


def test_decoding_runs_off_the_gui_thread(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    gate = threading.Event()
    files = [dicom_file("693_J2KI.dcm"), dicom_file("CT_small.dcm")]
    source = MemorySeries(viewer, worker, [f.read_bytes() for f in files], key="two")
    worker.submit(gate.wait, 10)  # the imaging worker is busy elsewhere
    viewer.open_series(source)
    # The GUI goes on: events are processed, nothing is shown yet.
    qtbot.wait(100)
    assert viewer.shown_index() == -1
    assert viewer.notice.isVisible()
    gate.set()
    _shown(qtbot, viewer, 0)
    assert viewer.notice.isHidden()


def test_right_drag_changes_the_window_and_presets_set_it(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("693_J2KI.dcm")])
    assert viewer.current_window() == Window(40, 100)
    canvas = viewer.canvas
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    _drag(canvas, Qt.MouseButton.RightButton, centre, centre + QPointF(50, -25))
    window = viewer.current_window()
    assert window is not None
    # Right: wider; up: higher level.
    assert window.width > 100 and window.center > 40
    assert np.array_equal(_on_screen(viewer), _expected("693_J2KI.dcm", window))
    assert f"W {window.width:.0f} · L {window.center:.0f}" in viewer.corner_text()

    names = [a.text() for a in viewer.presets_menu.actions() if a.text()]
    assert names[2:] == [
        "Phổi (W 1500, L -600)",
        "Xương (W 2000, L 300)",
        "Não (W 80, L 40)",
        "Bụng (W 400, L 50)",
        "Mô mềm (W 350, L 40)",
    ]
    viewer.preset_actions["lung"].trigger()
    assert viewer.current_window() == Window(-600, 1500)
    assert np.array_equal(_on_screen(viewer), _expected("693_J2KI.dcm", Window(-600, 1500)))
    viewer.default_window_action.trigger()
    assert viewer.current_window() == Window(40, 100)


def test_left_drag_in_window_mode_and_reset(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("693_J2KI.dcm")])
    canvas = viewer.canvas
    viewer.window_action.trigger()
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    _drag(canvas, Qt.MouseButton.LeftButton, centre, centre + QPointF(-40, 30))
    window = viewer.current_window()
    assert window is not None and window.width < 100 and window.center < 40
    viewer.invert_action.trigger()
    assert np.array_equal(_on_screen(viewer), _expected("693_J2KI.dcm", window, invert=True))
    canvas.zoom_by(2)
    canvas.rotate_right()
    viewer.reset_action.trigger()
    assert viewer.current_window() == Window(40, 100)
    assert not viewer.invert_action.isChecked()
    assert (canvas.zoom, canvas.rotation, canvas.flip_h, canvas.flip_v) == (1.0, 0, False, False)


def test_monochrome1_shows_dark_where_values_are_high(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    radiograph = DICOMDIR_TESTS / "77654033" / "CR1" / "6154"
    open_files(qtbot, viewer, worker, [radiograph])
    frames = Frames.from_file(radiograph)
    window = Window(1600, 2800)
    expected = pixels.render(frames.frame(0), window.center, window.width, invert=True)
    assert np.array_equal(_on_screen(viewer), expected)
    # "Invert" on a MONOCHROME1 image shows it the other way round.
    viewer.invert_action.trigger()
    assert np.array_equal(_on_screen(viewer), 255 - expected)


def test_zoom_pan_rotate_and_flip_move_the_image_on_screen(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("JPEG2000.dcm")])  # 1024 rows × 256 columns
    canvas = viewer.canvas
    fit = canvas.shown_scale()
    assert fit == pytest.approx(canvas.height() / 1024)
    _wheel(canvas, 2, Qt.KeyboardModifier.ControlModifier)
    assert canvas.shown_scale() == pytest.approx(fit * 1.25**2)
    assert "Thu phóng" in viewer.corner_text()
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.shown_scale() == pytest.approx(fit)

    top_left = canvas.transform().map(QPointF(0, 0))
    _drag(canvas, Qt.MouseButton.LeftButton, QPointF(300, 300), QPointF(340, 310))
    assert canvas.transform().map(QPointF(0, 0)) == top_left + QPointF(40, 10)
    canvas.reset_view()

    # Rotated 90° clockwise the image lies across: its first row runs down the right side.
    canvas.rotate_right()
    assert canvas.shown_scale() == pytest.approx(min(canvas.width() / 1024, canvas.height() / 256))
    first_row_start = canvas.transform().map(QPointF(0, 0))
    first_row_end = canvas.transform().map(QPointF(256, 0))
    assert first_row_start.x() > canvas.width() / 2
    assert first_row_end.y() > first_row_start.y()
    canvas.reset_view()
    canvas.toggle_flip_h()
    left = canvas.transform().map(QPointF(0, 0))
    right = canvas.transform().map(QPointF(256, 0))
    assert left.x() > right.x()
    canvas.toggle_flip_h()
    canvas.toggle_flip_v()
    assert canvas.transform().map(QPointF(0, 0)).y() > canvas.transform().map(QPointF(0, 1024)).y()
    canvas.grab()  # paints with every transform without a Qt warning


def test_the_distance_tool_measures_in_mm(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("693_J2KI.dcm")])  # 0.478516 mm pixels
    canvas = viewer.canvas
    viewer.measure_action.trigger()
    measured: list[str] = []
    canvas.measured.connect(measured.append)
    transform = canvas.transform()
    _click(canvas, transform.map(QPointF(100, 100)))
    _click(canvas, transform.map(QPointF(130, 140)))
    assert measured == ["23,9 mm"]  # 50 pixels × 0.478516 mm
    start, end = canvas.measurement()  # type: ignore[misc]
    assert start == pytest.approx((100, 100), abs=0.01)
    assert end == pytest.approx((130, 140), abs=0.01)
    canvas.grab()
    i18n.set_language(i18n.ENGLISH)
    try:
        assert canvas.measurement_text() == "23.9 mm"
    finally:
        i18n.set_language(i18n.VIETNAMESE)


def test_without_pixel_spacing_the_distance_says_so(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("JPEGLSNearLossless_08.dcm")])
    canvas = viewer.canvas
    viewer.measure_action.trigger()
    transform = canvas.transform()
    _click(canvas, transform.map(QPointF(1, 1)))
    _click(canvas, transform.map(QPointF(4, 5)))
    assert canvas.measurement_text() == "5 px (không có khoảng cách điểm ảnh)"


def test_cine_plays_the_frames_of_an_ultrasound_loop(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("examples_ybr_color.dcm")])
    assert viewer.slice_count() == 30
    assert viewer.play_action.isEnabled()
    seen: list[int] = []
    viewer.slice_shown.connect(seen.append)
    viewer.fps.setCurrentIndex(viewer.fps.findData(30))
    viewer.play()
    assert viewer.is_playing()
    assert viewer.play_action.text() == "Dừng"
    qtbot.waitUntil(lambda: len(seen) >= 8, timeout=10_000)
    assert seen[:8] == list(range(1, 9))
    viewer.pause()
    assert not viewer.is_playing()
    frames = Frames.from_file(dicom_file("examples_ybr_color.dcm"))
    shown = viewer.shown_index()
    assert np.array_equal(_on_screen(viewer), frames.frame(shown))


def test_a_cine_wraps_round_to_the_first_frame(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("SC_rgb_rle_2frame.dcm")])
    viewer.fps.setCurrentIndex(viewer.fps.findData(30))
    seen: list[int] = []
    viewer.slice_shown.connect(seen.append)
    viewer.play()
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=10_000)
    viewer.pause()
    assert seen[:3] == [1, 0, 1]


def test_a_single_image_has_no_cine(qtbot: QtBot, viewer: SeriesViewer, worker: Worker) -> None:
    open_files(qtbot, viewer, worker, [dicom_file("CT_small.dcm")])
    assert not viewer.play_action.isEnabled()
    assert not viewer.slider.isEnabled()


def test_an_image_that_cannot_be_decoded_says_why(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    data = dicom_file("JPEG-lossy.dcm").read_bytes()
    viewer.open_series(MemorySeries(viewer, worker, [data], key="bad"))
    qtbot.waitUntil(
        lambda: "Không giải mã được ảnh nén JPEG Extended" in viewer.notice.text(),
        timeout=10_000,
    )
    assert viewer.notice.isVisible() and is_error(viewer.notice)
    assert viewer.shown_index() == -1


def test_a_file_that_is_not_dicom_says_so(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    viewer.open_series(MemorySeries(viewer, worker, [b"not an image" * 50], key="junk"))
    qtbot.waitUntil(lambda: "không phải DICOM" in viewer.notice.text(), timeout=10_000)


def test_opening_another_series_drops_what_the_first_was_loading(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    gate = threading.Event()
    worker.submit(gate.wait, 10)
    slow = MemorySeries(viewer, worker, [f.read_bytes() for f in CT5N], key="first")
    viewer.open_series(slow)
    open_second = MemorySeries(viewer, worker, [dicom_file("CT_small.dcm").read_bytes()], key="b")
    viewer.open_series(open_second)
    gate.set()
    _shown(qtbot, viewer, 0)
    qtbot.waitUntil(lambda: worker.pending() == 0)
    assert viewer.slice_count() == 1
    assert _on_screen(viewer).shape == (128, 128)


def test_the_interface_speaks_vietnamese_and_english(
    qtbot: QtBot, viewer: SeriesViewer, worker: Worker
) -> None:
    open_files(qtbot, viewer, worker, CT5N)
    assert viewer.play_action.text() == "Phát"
    assert viewer.measure_action.text() == "Đo khoảng cách"
    i18n.set_language(i18n.ENGLISH)
    try:
        qtbot.waitUntil(lambda: viewer.play_action.text() == "Play")
        assert "Slice 1/5" in viewer.corner_text()
    finally:
        i18n.set_language(i18n.VIETNAMESE)
    qtbot.waitUntil(lambda: "Lát 1/5" in viewer.corner_text())


def test_the_frame_cache_keeps_to_its_budget() -> None:
    cache = _LruCache(10, len)
    for key in "abcde":
        cache.put(key, b"xxx")
    assert len(cache) == 3
    assert "a" not in cache and "e" in cache
    cache.get("c")
    cache.put("f", b"xxx", keep="c")
    assert "c" in cache and "d" not in cache
    # One value larger than the budget is kept alone (it is the one on screen).
    cache.put("big", b"x" * 50)
    assert len(cache) == 1 and "big" in cache
