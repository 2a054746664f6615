"""Reading the PDFs the tests print, with the tools a reader has: pdftotext, pdftohtml,
pdfinfo, pdffonts, pdftoppm and zbarimg (poppler-utils, zbar-tools; `dev.py setup` installs
them).

Rendered pages are kept as PNG in `test-artifacts/printing/` (override with
`EMR_TEST_ARTIFACTS`) so that a person can look at what the tests printed.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ARTIFACTS = Path(
    os.environ.get("EMR_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)


def need(*tools: str) -> None:
    """Skip the test when a PDF tool is missing (outside `dev.py`)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (poppler-utils, zbar-tools)")


def _run(args: list[str], pdf: bytes) -> str:
    """The output of the tool `args` run on `pdf` (kept in a temporary file)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [*args, str(path), *(["-"] if args[0] == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def text(pdf: bytes, *, layout: bool = True) -> str:
    """The document's text as pdftotext extracts it (pages separated by form feeds)."""
    need("pdftotext")
    return _run(["pdftotext", "-layout"] if layout else ["pdftotext"], pdf)


def flat(pdf: bytes) -> str:
    """The text with runs of white space (line breaks included) made single spaces: for
    checking content that wraps."""
    return " ".join(text(pdf, layout=False).split())


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page."""
    pages = text(pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@dataclass(frozen=True)
class Run:
    """A run of text as pdftohtml places it: its page (from 1), its box's top, left and
    width (in pdftohtml's units, top down), and whether it is set in bold."""

    text: str
    page: int
    top: int
    left: int
    width: int
    bold: bool

    @property
    def center(self) -> float:
        return self.left + self.width / 2


_TEXT = re.compile(
    r'<text top="(\d+)" left="(\d+)" width="(\d+)" height="\d+" font="\d+">(.*)</text>'
)


def runs(pdf: bytes) -> list[Run]:
    """Every run of text pdftohtml finds, in its order, with its page, place and weight."""
    need("pdftohtml")
    found: list[Run] = []
    page = 0
    for line in _run(["pdftohtml", "-xml", "-i", "-stdout"], pdf).splitlines():
        if line.startswith("<page "):
            page += 1
        match = _TEXT.match(line)
        if match:
            top, left, width, inner = match.groups()
            text = html.unescape(re.sub(r"<[^>]+>", "", inner))
            found.append(Run(text, page, int(top), int(left), int(width), "<b>" in inner))
    return found


#: What every page of the specimen patient's documents ends with (`printing.specimen`).
SPECIMEN_FOOTER = "Mã BN: 2016000123 — NGUYỄN THỊ HOÀ"


def numbered_pages(pdf: bytes, footer: str = SPECIMEN_FOOTER) -> list[str]:
    """The text of each page, runs of white space made single spaces, having checked that
    they are all the pages pdfinfo counts and that each ends with "Trang n/N" and `footer`
    (pages that come apart stay identifiable)."""
    pages = [" ".join(page.split()) for page in page_texts(pdf)]
    assert len(pages) == page_count(pdf)
    for number, page in enumerate(pages, 1):
        assert f"Trang {number}/{len(pages)}" in page, number
        assert footer in page, number
    return pages


def page_count(pdf: bytes) -> int:
    need("pdfinfo")
    match = re.search(r"^Pages:\s+(\d+)", _run(["pdfinfo"], pdf), re.MULTILINE)
    assert match, "pdfinfo found no page count"
    return int(match.group(1))


def fonts(pdf: bytes) -> str:
    """pdffonts' table of the fonts the document uses."""
    need("pdffonts")
    return _run(["pdffonts"], pdf)


def render(pdf: bytes, name: str, *, dpi: int = 100) -> list[Path]:
    """Render every page to PNG in the artifacts folder as `<name>-<page>.png`."""
    need("pdftoppm")
    folder = ARTIFACTS / "printing"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / name)], check=True
        )
    pages = sorted(folder.glob(f"{name}-*.png"))
    assert pages, "pdftoppm rendered nothing"
    return pages


def barcodes(pdf: bytes) -> list[str]:
    """Every barcode and QR code zbarimg reads on the pages rendered at 300 dpi, as
    "KIND:value", sorted."""
    need("pdftoppm", "zbarimg")
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "300", "-png", str(path), f"{tmp}/page"], check=True)
        for page in sorted(Path(tmp).glob("page-*.png")):
            result = subprocess.run(
                ["zbarimg", "--quiet", str(page)], capture_output=True, text=True, check=False
            )
            found.extend(line for line in result.stdout.splitlines() if line)
    return sorted(found)


def assert_only_embedded_fonts(pdf: bytes) -> None:
    """Every font is an embedded DejaVu (nothing left to the reader's PC to substitute)."""
    table = fonts(pdf).splitlines()[2:]
    assert table, "no fonts"
    for row in table:
        assert "DejaVuSans" in row and " yes yes yes " in row, row
