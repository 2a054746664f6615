"""The fonts printed documents embed: DejaVu Sans, which covers every Vietnamese letter.

reportlab's standard fonts (Helvetica …) have no glyphs for most Vietnamese letters, and a
PDF that only names a font leaves the choice to the reader's PC. DejaVu Sans ships with the
program (`resources/fonts`, Bitstream Vera licence, see LICENSE-DejaVu.txt) and is embedded,
subset, in every document.
"""

from __future__ import annotations

import threading
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: Names to give `canvas.setFont` once `register_fonts()` has run.
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()


def register_fonts() -> None:
    """Register the embedded fonts with reportlab (once per process; safe to call again)."""
    with _lock:
        if REGULAR in pdfmetrics.getRegisteredFontNames():
            return
        folder = resources.files("emr_desktop.resources").joinpath("fonts")
        # The bold face first: the regular one is the mark that both are there.
        for name in (BOLD, REGULAR):
            with resources.as_file(folder.joinpath(_FILES[name])) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
        )
