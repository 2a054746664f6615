"""QR codes and Code 128 barcodes drawn straight onto the page.

Drawn with plain rectangles rather than reportlab's graphics widgets: a widget's Drawing
also puts Helvetica into the document, and no text of ours may be set in a font without
Vietnamese letters.
"""

from __future__ import annotations

from reportlab.graphics.barcode import code128, qrencoder
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

#: Quiet zone around a QR code, in modules (the standard asks for 4; 2 reads fine on paper
#: with white margins around it).
_QR_BORDER = 2


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code of `text` (error correction M) in a `size`-point square at (x, y)."""
    matrix = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    matrix.addData(text)
    matrix.make()
    count = len(matrix.modules)
    box = size / (count + 2 * _QR_BORDER)
    canvas.saveState()
    canvas.setFillGray(0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix.modules):
        top = y + size - (r + _QR_BORDER + 1) * box
        c = 0
        while c < count:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < count and row[c]:
                c += 1
            # One rectangle per run of dark modules: a tenth of the drawing operators.
            path.rect(x + (start + _QR_BORDER) * box, top, (c - start) * box, box)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def draw_code128(
    canvas: Canvas, text: str, x: float, y: float, width: float, height: float
) -> None:
    """A Code 128 barcode of `text`, squeezed (never stretched) to `width`, at (x, y)."""
    barcode = code128.Code128(text, barHeight=height, barWidth=0.9, quiet=True)
    scale = min(1.0, width / barcode.width)
    canvas.saveState()
    canvas.translate(x - barcode.lquiet * scale, y)
    canvas.scale(scale, 1)
    barcode.drawOn(canvas, 0, 0)
    canvas.restoreState()


class QrFlowable(Flowable):
    """A QR code as a flowable of `size` points square."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.text = text
        self.width = self.height = size

    def draw(self) -> None:
        draw_qr(self.canv, self.text, 0, 0, self.width)


class BarcodeFlowable(Flowable):
    """A Code 128 barcode as a flowable, `width` × `height` points at most."""

    def __init__(self, text: str, width: float, height: float) -> None:
        super().__init__()
        self.text = text
        self.width = width
        self.height = height

    def draw(self) -> None:
        draw_code128(self.canv, self.text, 0, 0, self.width, self.height)
