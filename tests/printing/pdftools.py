"""Reading the PDFs the tests print, with the tools a reader has: pdftotext, pdfinfo,
pdffonts, pdftoppm and zbarimg (poppler-utils, zbar-tools; `dev.py setup` installs them).

Rendered pages are kept as PNG in `test-artifacts/printing/` (override with
`EMR_TEST_ARTIFACTS`) so that a person can look at what the tests printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
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
