"""The image viewer: one series at a time, slice by slice or as a cine loop.

The viewer asks its source for the bytes of an instance, the imaging worker decodes them and
the decoded frame is kept in a small cache; the window is applied on the GUI thread when the
slice is shown (a millisecond for a 512×512 CT slice), so dragging the window or scrolling
through cached slices never waits. Around the slice on screen the neighbours are fetched and
decoded ahead — most in the direction the user is going — with never more than a few jobs
outstanding, so a jump across the series is served next, not after a queue of stale work.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from emr_desktop.imaging import pixels
from emr_desktop.imaging.pixels import Window
from emr_desktop.ui import i18n
from emr_desktop.ui.imaging.canvas import MEASURE, PAN, WINDOW, ImageCanvas, decimal_text
from emr_desktop.ui.imaging.decoding import DecodedSlice, ParsedCache, decode_slice
from emr_desktop.ui.imaging.source import SeriesLayout, SeriesSource
from emr_desktop.ui.imaging.status import show_status
from emr_desktop.ui.imaging.worker import submit_while_running
from emr_desktop.ui.worker import Worker

log = logging.getLogger(__name__)

#: Decoded frames kept (float32: a 512×512 CT slice is 1 MB).
FRAME_CACHE_BYTES = 96 * 1024 * 1024
#: Bytes of multi-frame instances kept (one fetch serves all their frames).
BYTES_CACHE_BYTES = 32 * 1024 * 1024
#: Slices decoded ahead in the direction of travel, and behind.
AHEAD, BEHIND = 6, 2
#: Fetch-and-decode jobs outstanding at once.
IN_FLIGHT = 3
FPS_CHOICES = (5, 10, 15, 20, 25, 30)
DEFAULT_FPS = 10


@dataclass(frozen=True)
class OverlayInfo:
    """What the corners say about the patient and the study."""

    patient: str = ""
    mrn: str = ""
    study_date: str = ""
    modality: str = ""
    series: str = ""


class _LruCache:
    """Values by key up to a budget of bytes, least recently used dropped first."""

    def __init__(self, budget: int, size_of: Callable[[Any], int]) -> None:
        self._budget = budget
        self._size_of = size_of
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._used = 0

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def __contains__(self, key: Any) -> bool:
        return key in self._items

    def put(self, key: Any, value: Any, *, keep: Any = None) -> None:
        if key in self._items:
            self._used -= self._size_of(self._items.pop(key))
        self._items[key] = value
        self._used += self._size_of(value)
        while self._used > self._budget:
            victim = next((k for k in self._items if k != key and k != keep), None)
            if victim is None:
                return
            self._used -= self._size_of(self._items.pop(victim))

    def clear(self) -> None:
        self._items.clear()
        self._used = 0

    def __len__(self) -> int:
        return len(self._items)


class SeriesViewer(QWidget):
    """Shows the slices of one series; see the module docstring for how they are loaded."""

    #: A series is open: the number of its slices.
    series_opened = Signal(int)
    #: A slice was painted for the first time since it was asked for: its index.
    slice_shown = Signal(int)
    #: The window changed: centre, width.
    window_changed = Signal(float, float)

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("series_viewer")
        self._worker = worker
        self._parsed = ParsedCache()
        self._frames = _LruCache(FRAME_CACHE_BYTES, lambda d: d.nbytes)
        self._bytes = _LruCache(BYTES_CACHE_BYTES, len)
        self._source: SeriesSource | None = None
        self._layout = SeriesLayout(slices=())
        self._overlay = OverlayInfo()
        self._generation = 0
        self._current = -1
        self._shown = -1
        self._direction = 1
        self._busy: set[int] = set()
        self._fetching: dict[str, list[int]] = {}
        self._multi_frame: set[str] = set()
        self._failed: dict[int, BaseException] = {}
        self._window: Window | None = None
        self._default_window: Window | None = None
        self._invert = False
        self._showing: DecodedSlice | None = None
        #: Seconds (perf_counter) when the series was asked for, and to its first paint.
        self._opened_at = 0.0
        self.first_image_ms: float | None = None

        self.canvas = ImageCanvas()
        self.canvas.window_dragged.connect(self._on_window_dragged)
        self.canvas.step_requested.connect(self.step)
        self.canvas.jump_requested.connect(self._on_jump)
        self.canvas.painted.connect(self._on_painted)
        self.canvas.view_changed.connect(self._update_corners)

        self.notice = QLabel()
        self.notice.setObjectName("viewer_notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("slice_slider")
        self.slider.setMinimum(0)
        self.slider.setMaximum(0)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_slider)
        self.slice_label = QLabel()

        self.cine_timer = QTimer(self)
        self.cine_timer.timeout.connect(self._on_cine_tick)
        self.fps = QComboBox()
        self.fps.setObjectName("cine_fps")
        for value in FPS_CHOICES:
            self.fps.addItem("", value)
        self.fps.setCurrentIndex(FPS_CHOICES.index(DEFAULT_FPS))
        self.fps.currentIndexChanged.connect(self._on_fps_changed)

        self.toolbar = QToolBar()
        self.toolbar.setObjectName("viewer_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools = QActionGroup(self)
        tools.setExclusive(True)
        self.pan_action = self._action("P", checkable=True, group=tools)
        self.window_action = self._action("W", checkable=True, group=tools)
        self.measure_action = self._action("D", checkable=True, group=tools)
        self.pan_action.setChecked(True)
        self.pan_action.triggered.connect(lambda: self.canvas.set_tool(PAN))
        self.window_action.triggered.connect(lambda: self.canvas.set_tool(WINDOW))
        self.measure_action.triggered.connect(lambda: self.canvas.set_tool(MEASURE))
        self.toolbar.addSeparator()
        self.presets_menu = QMenu(self)
        self.presets_button = QToolButton()
        self.presets_button.setObjectName("presets_button")
        self.presets_button.setMenu(self.presets_menu)
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(self.presets_button)
        self.preset_actions: dict[str, QAction] = {}
        self.default_window_action = self.presets_menu.addAction("")
        self.default_window_action.triggered.connect(self.use_default_window)
        self.full_range_action = self.presets_menu.addAction("")
        self.full_range_action.triggered.connect(self.use_full_range)
        self.presets_menu.addSeparator()
        for preset in pixels.PRESETS:
            action = self.presets_menu.addAction("")
            action.triggered.connect(lambda _=False, key=preset.key: self.apply_preset(key))
            self.preset_actions[preset.key] = action
        self.invert_action = self._action("I", checkable=True)
        self.invert_action.toggled.connect(self._on_invert)
        self.toolbar.addSeparator()
        self.zoom_in_action = self._action("+", shortcut=QKeySequence.StandardKey.ZoomIn)
        self.zoom_in_action.triggered.connect(lambda: self.canvas.zoom_by(1.25))
        self.zoom_out_action = self._action("-", shortcut=QKeySequence.StandardKey.ZoomOut)
        self.zoom_out_action.triggered.connect(lambda: self.canvas.zoom_by(0.8))
        self.rotate_action = self._action("R", shortcut="R")
        self.rotate_action.triggered.connect(self.canvas.rotate_right)
        self.flip_h_action = self._action("H", shortcut="H")
        self.flip_h_action.triggered.connect(self.canvas.toggle_flip_h)
        self.flip_v_action = self._action("V", shortcut="V")
        self.flip_v_action.triggered.connect(self.canvas.toggle_flip_v)
        self.reset_action = self._action("0", shortcut="0")
        self.reset_action.triggered.connect(self.reset)
        self.toolbar.addSeparator()
        self.play_action = self._action(">", checkable=True, shortcut="Space")
        self.play_action.toggled.connect(self._on_play_toggled)
        self.toolbar.addWidget(self.fps)

        bottom = QHBoxLayout()
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.slice_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.notice)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(bottom)
        self._set_enabled(False)
        i18n.watch_language(self, self.retranslate)

    def _action(
        self,
        text: str,
        *,
        checkable: bool = False,
        group: QActionGroup | None = None,
        shortcut: str | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setCheckable(checkable)
        if group is not None:
            group.addAction(action)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.toolbar.addAction(action)
        return action

    def retranslate(self) -> None:
        self.pan_action.setText(self.tr("Pan"))
        self.pan_action.setToolTip(self.tr("Drag to move the image (right-drag: window/level)"))
        self.window_action.setText(self.tr("W/L"))
        self.window_action.setToolTip(
            self.tr("Drag to change the window: across for its width, up and down for its level")
        )
        self.measure_action.setText(self.tr("Distance"))
        self.measure_action.setToolTip(
            self.tr("Click two points to measure the distance between them")
        )
        self.presets_button.setText(self.tr("Window"))
        self.default_window_action.setText(self.tr("As in the image"))
        self.full_range_action.setText(self.tr("Full range"))
        names = {
            "lung": self.tr("Lung"),
            "bone": self.tr("Bone"),
            "brain": self.tr("Brain"),
            "abdomen": self.tr("Abdomen"),
            "soft_tissue": self.tr("Soft tissue"),
        }
        for key, action in self.preset_actions.items():
            window = pixels.PRESET_BY_KEY[key].window
            action.setText(
                self.tr("%1 (W %2, L %3)")
                .replace("%1", names[key])
                .replace("%2", f"{window.width:g}")
                .replace("%3", f"{window.center:g}")
            )
        self.invert_action.setText(self.tr("Invert"))
        self.zoom_in_action.setText(self.tr("Zoom in"))
        self.zoom_out_action.setText(self.tr("Zoom out"))
        self.rotate_action.setText(self.tr("Rotate"))
        self.rotate_action.setToolTip(self.tr("Rotate 90° clockwise (R)"))
        self.flip_h_action.setText(self.tr("Flip H"))
        self.flip_h_action.setToolTip(self.tr("Mirror left to right (H)"))
        self.flip_v_action.setText(self.tr("Flip V"))
        self.flip_v_action.setToolTip(self.tr("Mirror top to bottom (V)"))
        self.reset_action.setText(self.tr("Reset"))
        self.reset_action.setToolTip(self.tr("Back to the whole image and its own window (0)"))
        self.play_action.setText(
            self.tr("Pause") if self.play_action.isChecked() else self.tr("Play")
        )
        self.play_action.setToolTip(self.tr("Play the slices or frames as a loop (Space)"))
        for index, value in enumerate(FPS_CHOICES):
            self.fps.setItemText(index, self.tr("%1 frames/s").replace("%1", str(value)))
        self._update_corners()

    # ------------------------------------------------------------------ opening
    def open_series(self, source: SeriesSource, overlay: OverlayInfo | None = None) -> None:
        """Show `source`'s series from its first slice."""
        self.pause()
        self._generation += 1
        self._source = source
        self._overlay = overlay or OverlayInfo()
        self._layout = SeriesLayout(slices=())
        self._frames.clear()
        self._bytes.clear()
        self._parsed = ParsedCache()
        self._busy.clear()
        self._fetching.clear()
        self._failed.clear()
        self._current = self._shown = -1
        self._direction = 1
        self._window = self._default_window = None
        self._showing = None
        self.canvas.clear()
        self._set_enabled(False)
        self._show_notice(self.tr("Opening the series…"), error=False)
        self._opened_at = time.perf_counter()
        self.first_image_ms = None
        generation = self._generation
        source.layout(
            on_done=lambda layout: self._on_layout(generation, layout),
            on_error=lambda error: self._on_layout_failed(generation, error),
        )

    def _on_layout(self, generation: int, layout: SeriesLayout) -> None:
        if generation != self._generation or not isValid(self):
            return
        self._layout = layout
        counts = Counter(ref.instance for ref in layout.slices)
        self._multi_frame = {instance for instance, n in counts.items() if n > 1}
        self._overlay = replace(
            self._overlay,
            modality=self._overlay.modality or layout.modality,
            series=self._overlay.series or layout.series,
            study_date=self._overlay.study_date or layout.study_date,
        )
        count = len(layout.slices)
        if count == 0:
            self._show_notice(self.tr("This series has no images."), error=True)
            self.series_opened.emit(0)
            return
        self.slider.blockSignals(True)
        self.slider.setMaximum(count - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._set_enabled(True)
        self.series_opened.emit(count)
        self.show_slice(0)

    def _on_layout_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation or not isValid(self):
            return
        self._show_notice(i18n.error_text(error), error=True)

    # ------------------------------------------------------------------ slices
    def slice_count(self) -> int:
        return len(self._layout.slices)

    def current_index(self) -> int:
        return self._current

    def shown_index(self) -> int:
        """The slice whose pixels are on the canvas (-1: none yet)."""
        return self._shown

    def show_slice(self, index: int) -> None:
        """Go to slice `index` (shown at once when decoded, else as soon as it is)."""
        self._go(index, None)

    def _go(self, index: int, direction: int | None) -> None:
        count = self.slice_count()
        if count == 0:
            return
        index = max(0, min(count - 1, index))
        if direction is not None:
            self._direction = direction
        elif index != self._current and self._current >= 0:
            self._direction = 1 if index > self._current else -1
        self._current = index
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        decoded = self._frames.get(index)
        if decoded is not None:
            self._display(index, decoded)
        elif index in self._failed:
            self._show_failure(self._failed[index])
        self._update_corners()
        self._pump()

    def step(self, delta: int) -> None:
        """Move `delta` slices (wrapping round while a cine plays)."""
        count = self.slice_count()
        if count == 0 or delta == 0:
            return
        target = self._current + delta
        if self.cine_timer.isActive():
            target %= count
        # Onwards even when a loop wraps round to the first slice.
        self._go(target, 1 if delta > 0 else -1)

    def _on_jump(self, to_end: bool) -> None:
        self.show_slice(self.slice_count() - 1 if to_end else 0)

    def _on_slider(self, value: int) -> None:
        self.show_slice(value)

    def _wanted(self) -> list[int]:
        """Slices to have decoded, most wanted first."""
        count = self.slice_count()
        if self._current < 0 or count == 0:
            return []
        order = [self._current]
        looping = self.cine_timer.isActive()
        for distance in range(1, AHEAD + 1):
            ahead = self._current + distance * self._direction
            if looping:
                ahead %= count
            order.append(ahead)
        for distance in range(1, BEHIND + 1):
            order.append(self._current - distance * self._direction)
        seen: set[int] = set()
        wanted = []
        for index in order:
            if 0 <= index < count and index not in seen:
                seen.add(index)
                wanted.append(index)
        return wanted

    def _pump(self) -> None:
        """Start fetching and decoding the most wanted slices, a few at a time."""
        if self._source is None:
            return
        for index in self._wanted():
            if len(self._busy) >= IN_FLIGHT:
                return
            if index in self._busy or index in self._failed or index in self._frames:
                continue
            self._start(index)

    def _start(self, index: int) -> None:
        assert self._source is not None
        self._busy.add(index)
        ref = self._layout.slices[index]
        data = self._bytes.get(ref.instance)
        if data is not None:
            self._decode(index, data)
            return
        waiting = self._fetching.get(ref.instance)
        if waiting is not None:
            waiting.append(index)
            return
        self._fetching[ref.instance] = [index]
        generation = self._generation
        self._source.fetch(
            ref.instance,
            on_done=lambda blob: self._on_bytes(generation, ref.instance, blob),
            on_error=lambda error: self._on_fetch_failed(generation, ref.instance, error),
        )

    def _on_bytes(self, generation: int, instance: str, data: bytes) -> None:
        if generation != self._generation or not isValid(self):
            return
        if instance in self._multi_frame:
            # Its other frames will want the same bytes; a single image's are done with.
            self._bytes.put(instance, data)
        for index in self._fetching.pop(instance, []):
            self._decode(index, data)

    def _on_fetch_failed(self, generation: int, instance: str, error: BaseException) -> None:
        if generation != self._generation or not isValid(self):
            return
        for index in self._fetching.pop(instance, []):
            self._on_decode_failed(generation, index, error)

    def _decode(self, index: int, data: bytes) -> None:
        assert self._source is not None
        ref = self._layout.slices[index]
        generation = self._generation
        submit_while_running(
            self._worker,
            decode_slice,
            self._parsed,
            f"{self._source.key}:{ref.instance}",
            data,
            ref.frame,
            on_done=lambda decoded: self._on_decoded(generation, index, decoded),
            on_error=lambda error: self._on_decode_failed(generation, index, error),
        )

    def _on_decoded(self, generation: int, index: int, decoded: DecodedSlice) -> None:
        if generation != self._generation or not isValid(self):
            return
        self._busy.discard(index)
        self._frames.put(index, decoded, keep=self._current)
        if index == self._current:
            self._display(index, decoded)
        self._pump()

    def _on_decode_failed(self, generation: int, index: int, error: BaseException) -> None:
        if generation != self._generation or not isValid(self):
            return
        self._busy.discard(index)
        self._failed[index] = error
        if index == self._current:
            self._show_failure(error)
        self._pump()

    def _show_failure(self, error: BaseException) -> None:
        self._show_notice(i18n.error_text(error), error=True)

    # ------------------------------------------------------------------ showing
    def _display(self, index: int, decoded: DecodedSlice) -> None:
        if self._window is None:
            self._window = self._default_window = decoded.window
        self._showing = decoded
        self._shown = index
        self.notice.hide()
        self._render()

    def _render(self) -> None:
        decoded = self._showing
        if decoded is None or self._window is None:
            return
        image = pixels.render(
            decoded.frame,
            self._window.center,
            self._window.width,
            invert=decoded.monochrome1 != self._invert,
        )
        self.canvas.set_image(image, self._shown, decoded.spacing)
        self._update_corners()

    def _on_painted(self, token: int) -> None:
        if self.first_image_ms is None:
            self.first_image_ms = (time.perf_counter() - self._opened_at) * 1000
        self.slice_shown.emit(token)

    # ------------------------------------------------------------------ window
    def current_window(self) -> Window | None:
        return self._window

    def set_window(self, center: float, width: float) -> None:
        self._window = Window(center, max(1.0, width))
        self._render()
        self.window_changed.emit(self._window.center, self._window.width)

    def apply_preset(self, key: str) -> None:
        window = pixels.PRESET_BY_KEY[key].window
        self.set_window(window.center, window.width)

    def use_default_window(self) -> None:
        if self._default_window is not None:
            self.set_window(self._default_window.center, self._default_window.width)

    def use_full_range(self) -> None:
        if self._showing is not None and not self._showing.is_color:
            window = pixels.computed_window(self._showing.frame)
            self.set_window(window.center, window.width)

    def _on_window_dragged(self, dx: float, dy: float) -> None:
        if self._window is None or (self._showing is not None and self._showing.is_color):
            return
        # A screen pixel moves the window by a fraction of its width: fine control over a
        # brain window (80 HU), fast enough over a bone window (2000 HU).
        sensitivity = max(self._window.width, 2.0) / 250
        self.set_window(
            self._window.center - dy * sensitivity, self._window.width + dx * sensitivity
        )

    def _on_invert(self, checked: bool) -> None:
        self._invert = checked
        self._render()

    def reset(self) -> None:
        """Whole image, upright, in the image's own window."""
        self.canvas.reset_view()
        self.invert_action.setChecked(False)
        if self._default_window is not None:
            self.set_window(self._default_window.center, self._default_window.width)

    # ------------------------------------------------------------------ cine
    def play(self) -> None:
        self.play_action.setChecked(True)

    def pause(self) -> None:
        self.play_action.setChecked(False)

    def is_playing(self) -> bool:
        return self.cine_timer.isActive()

    def _on_play_toggled(self, playing: bool) -> None:
        if playing and self.slice_count() > 1:
            self._direction = 1
            self.cine_timer.start(round(1000 / self._fps()))
        else:
            self.cine_timer.stop()
            if playing:
                self.play_action.setChecked(False)
        self.retranslate()

    def _fps(self) -> int:
        value = self.fps.currentData()
        return int(value) if value else DEFAULT_FPS

    def _on_fps_changed(self) -> None:
        if self.cine_timer.isActive():
            self.cine_timer.setInterval(round(1000 / self._fps()))

    def _on_cine_tick(self) -> None:
        # A frame not decoded yet holds the loop back rather than queueing up behind it.
        if self._shown == self._current or self._current in self._failed:
            self.step(1)

    # ------------------------------------------------------------------ overlay
    def _update_corners(self) -> None:
        overlay = self._overlay
        record = self.tr("MRN %1").replace("%1", overlay.mrn) if overlay.mrn else ""
        top_left = [text for text in (overlay.patient, record) if text]
        top_right = [
            text for text in (overlay.study_date, overlay.modality, overlay.series) if text
        ]
        bottom_left: list[str] = []
        bottom_right: list[str] = []
        count = self.slice_count()
        if count:
            position = self.tr("Slice %1/%2").replace("%1", str(self._current + 1))
            bottom_left.append(position.replace("%2", str(count)))
            self.slice_label.setText(position.replace("%2", str(count)))
        else:
            self.slice_label.clear()
        if self._window is not None and not (self._showing and self._showing.is_color):
            bottom_right.append(
                self.tr("W %1 · L %2")
                .replace("%1", f"{self._window.width:.0f}")
                .replace("%2", f"{self._window.center:.0f}")
            )
        if self.canvas.has_image():
            zoom = decimal_text(self.canvas.shown_scale() * 100, 0)
            bottom_right.append(self.tr("Zoom %1%").replace("%1", zoom))
        self.canvas.set_corners(
            {
                Qt.Corner.TopLeftCorner: top_left,
                Qt.Corner.TopRightCorner: top_right,
                Qt.Corner.BottomLeftCorner: bottom_left,
                Qt.Corner.BottomRightCorner: bottom_right,
            }
        )

    def corner_text(self) -> str:
        """Everything the corners say, one line each (tests, screen readers)."""
        return "\n".join(self.canvas.corner_lines())

    def _show_notice(self, text: str, *, error: bool) -> None:
        show_status(self.notice, text, error=error)
        self.notice.show()

    def _set_enabled(self, enabled: bool) -> None:
        self.slider.setEnabled(enabled and self.slice_count() > 1)
        self.play_action.setEnabled(enabled and self.slice_count() > 1)
        self.fps.setEnabled(enabled and self.slice_count() > 1)
