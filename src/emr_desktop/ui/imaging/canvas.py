"""The image on screen: zoom, pan, rotation and flips, window/level by mouse, the distance tool
and the text in the corners.

The canvas paints a QImage that wraps the rendered uint8 array in place (the array is the one
copy made from the decoded frame). What the mouse and keys ask that is not about the view
itself — another slice, another window — is signalled to the viewer.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from emr_desktop.imaging.pixels import Image, distance_mm
from emr_desktop.ui import i18n

#: What a left-button drag does.
PAN, WINDOW, MEASURE = "pan", "window", "measure"
TOOLS = (PAN, WINDOW, MEASURE)

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.1, 32.0
#: Slices jumped by PageUp / PageDown.
PAGE = 10

Point = tuple[float, float]


def decimal_text(value: float, digits: int = 1) -> str:
    """A number with the decimal separator of the user's language (12,4 in Vietnamese)."""
    text = f"{value:.{digits}f}"
    return text if i18n.current_language() == i18n.ENGLISH else text.replace(".", ",")


def to_qimage(image: Image) -> QImage:
    """A QImage over the array's own memory (the caller keeps the array alive)."""
    if not image.flags["C_CONTIGUOUS"]:
        raise ValueError("the image must be C-contiguous")
    rows, columns = image.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if image.ndim == 2 else QImage.Format.Format_RGB888
    return QImage(image.data, columns, rows, image.strides[0], fmt)


class ImageCanvas(QWidget):
    """Shows one rendered slice with the user's view (zoom, pan, rotation, flips)."""

    #: A window/level drag moved by (dx, dy) screen pixels.
    window_dragged = Signal(float, float)
    #: Move this many slices (wheel, arrow keys, PageUp/PageDown).
    step_requested = Signal(int)
    #: Go to the first (False) or the last (True) slice (Home / End).
    jump_requested = Signal(bool)
    #: The image with this token was painted for the first time.
    painted = Signal(int)
    #: The view changed (zoom, rotation...): the overlay's zoom text follows.
    view_changed = Signal()
    #: A distance was measured: its text ("12,4 mm").
    measured = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image_canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(False)
        self._array: Image | None = None
        self._image: QImage | None = None
        self._token = -1
        self._painted_token = -1
        self._spacing: tuple[float, float] | None = None
        self.tool = PAN
        self.zoom = 1.0
        self.pan = QPointF(0, 0)
        self.rotation = 0
        self.flip_h = False
        self.flip_v = False
        #: Finished measurements by image token, and the first point of one under way.
        self._measures: dict[int, tuple[Point, Point]] = {}
        self._first_point: Point | None = None
        self._drag: str | None = None
        self._last_pos = QPointF()
        self._corners: dict[Qt.Corner, list[str]] = {}

    # ------------------------------------------------------------------ content
    def set_image(
        self, image: Image, token: int, spacing: tuple[float, float] | None = None
    ) -> None:
        """Show `image` (rendered pixels); `token` names it (the slice index)."""
        if token != self._token:
            self._first_point = None
        self._array = image
        self._image = to_qimage(image)
        self._token = token
        self._spacing = spacing
        self.update()

    def clear(self) -> None:
        self._array = None
        self._image = None
        self._token = -1
        self._painted_token = -1
        self._measures.clear()
        self._first_point = None
        self.update()

    def has_image(self) -> bool:
        return self._image is not None

    def image_array(self) -> Image | None:
        """The pixels on screen (tests and the benchmark look at them)."""
        return self._array

    def set_corners(self, corners: dict[Qt.Corner, list[str]]) -> None:
        self._corners = corners
        self.update()

    def corner_lines(self) -> list[str]:
        """The overlay text, corner by corner, one line each."""
        return [line for lines in self._corners.values() for line in lines]

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self._first_point = None
        cursor = Qt.CursorShape.CrossCursor if tool == MEASURE else Qt.CursorShape.ArrowCursor
        self.setCursor(cursor)
        self.update()

    # ------------------------------------------------------------------ view
    def zoom_by(self, factor: float) -> None:
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        self._view_changed()

    def rotate_right(self) -> None:
        """Turn the image 90° clockwise."""
        self.rotation = (self.rotation + 90) % 360
        self._view_changed()

    def toggle_flip_h(self) -> None:
        self.flip_h = not self.flip_h
        self._view_changed()

    def toggle_flip_v(self) -> None:
        self.flip_v = not self.flip_v
        self._view_changed()

    def reset_view(self) -> None:
        self.zoom = 1.0
        self.pan = QPointF(0, 0)
        self.rotation = 0
        self.flip_h = self.flip_v = False
        self._view_changed()

    def _view_changed(self) -> None:
        self.update()
        self.view_changed.emit()

    def shown_scale(self) -> float:
        """Screen pixels per image pixel (what the overlay calls the zoom)."""
        if self._image is None:
            return 1.0
        return self._fit_scale() * self.zoom

    def _fit_scale(self) -> float:
        assert self._image is not None
        width, height = self._image.width(), self._image.height()
        if self.rotation in (90, 270):
            width, height = height, width
        return min(self.width() / max(1, width), self.height() / max(1, height))

    def transform(self) -> QTransform:
        """Image coordinates (x = column, y = row) to widget coordinates."""
        t = QTransform()
        if self._image is None:
            return t
        scale = self.shown_scale()
        t.translate(self.width() / 2 + self.pan.x(), self.height() / 2 + self.pan.y())
        t.scale(-1.0 if self.flip_h else 1.0, -1.0 if self.flip_v else 1.0)
        t.rotate(self.rotation)
        t.scale(scale, scale)
        t.translate(-self._image.width() / 2, -self._image.height() / 2)
        return t

    def to_image(self, pos: QPointF) -> Point:
        inverse, _ = self.transform().inverted()
        point = inverse.map(pos)
        return point.x(), point.y()

    # ------------------------------------------------------------------ measuring
    def measurement(self) -> tuple[Point, Point] | None:
        return self._measures.get(self._token)

    def measurement_text(self) -> str:
        found = self.measurement()
        if found is None:
            return ""
        mm = distance_mm(found[0], found[1], self._spacing)
        if mm is None:
            pixels = math.dist(found[0], found[1])
            return self.tr("%1 px (no pixel spacing)").replace("%1", decimal_text(pixels, 0))
        return f"{decimal_text(mm)} mm"

    def measure_point(self, point: Point) -> None:
        """A click of the distance tool at `point` (image coordinates)."""
        if self._image is None:
            return
        if self._first_point is None:
            self._first_point = point
            self._measures.pop(self._token, None)
        else:
            self._measures[self._token] = (self._first_point, point)
            self._first_point = None
            self.measured.emit(self.measurement_text())
        self.update()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        if self._image is not None:
            painter.save()
            transform = self.transform()
            painter.setTransform(transform)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 3)
            painter.drawImage(QPointF(0, 0), self._image)
            painter.restore()
            self._paint_measurement(painter, transform)
        self._paint_corners(painter)
        painter.end()
        if self._image is not None and self._painted_token != self._token:
            self._painted_token = self._token
            self.painted.emit(self._token)

    def _paint_measurement(self, painter: QPainter, transform: QTransform) -> None:
        pen = QPen(QColor(255, 220, 0), 2)
        painter.setPen(pen)
        if self._first_point is not None:
            centre = transform.map(QPointF(*self._first_point))
            painter.drawEllipse(centre, 3, 3)
        found = self.measurement()
        if found is None:
            return
        start, end = (transform.map(QPointF(*p)) for p in found)
        painter.drawLine(start, end)
        painter.drawEllipse(start, 3, 3)
        painter.drawEllipse(end, 3, 3)
        self._text(painter, end + QPointF(8, -8), self.measurement_text(), QColor(255, 220, 0))

    def _paint_corners(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height()
        margin = 6
        for corner, lines in self._corners.items():
            right = corner in (Qt.Corner.TopRightCorner, Qt.Corner.BottomRightCorner)
            bottom = corner in (Qt.Corner.BottomLeftCorner, Qt.Corner.BottomRightCorner)
            for n, text in enumerate(lines):
                row = len(lines) - 1 - n if bottom else n
                y = (
                    self.height() - margin - row * line - metrics.descent()
                    if bottom
                    else margin + row * line + metrics.ascent()
                )
                width = metrics.horizontalAdvance(text)
                x = self.width() - margin - width if right else margin
                self._text(painter, QPointF(x, y), text, QColor(235, 235, 235))

    def _text(self, painter: QPainter, at: QPointF, text: str, color: QColor) -> None:
        # A dark shadow keeps the text readable over white bone and black air alike.
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(at + QPointF(1, 1), text)
        painter.setPen(color)
        painter.drawText(at, text)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self.view_changed.emit()

    # ------------------------------------------------------------------ mouse and keys
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt name
        self.setFocus()
        self._last_pos = event.position()
        if event.button() == Qt.MouseButton.RightButton:
            self._drag = WINDOW
        elif event.button() == Qt.MouseButton.LeftButton:
            if self.tool == MEASURE:
                self.measure_point(self.to_image(event.position()))
                self._drag = None
            else:
                self._drag = self.tool
        else:
            self._drag = None
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt name
        position = event.position()
        delta = position - self._last_pos
        self._last_pos = position
        if self._drag == PAN:
            self.pan += delta
            self.update()
        elif self._drag == WINDOW:
            self.window_dragged.emit(delta.x(), delta.y())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt name
        self._drag = None
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt name
        notches = event.angleDelta().y() / 120
        if notches == 0:
            event.ignore()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP**notches)
        else:
            # Wheel towards the user (down) goes on through the series.
            self.step_requested.emit(-1 if notches > 0 else 1)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        key = event.key()
        steps = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_PageDown: PAGE,
            Qt.Key.Key_PageUp: -PAGE,
        }
        if key in steps:
            self.step_requested.emit(steps[Qt.Key(key)])
        elif key == Qt.Key.Key_Home:
            self.jump_requested.emit(False)
        elif key == Qt.Key.Key_End:
            self.jump_requested.emit(True)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_Escape and self._first_point is not None:
            self._first_point = None
            self.update()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
