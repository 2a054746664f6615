"""Clinical catalogues: ICD-10 diagnoses, drugs, lab tests, imaging services and procedures.

Each catalogue is a UTF-8 CSV file with a header row. The program ships a starter set of each
(`emr_desktop.resources.catalogs`); a hospital replaces it with its own list (for drugs, lab
tests and technical services the MoH/BHYT lists it is paid by) by importing a CSV of the same
shape. Excel on a Vietnamese Windows saves CSV with a byte-order mark and often with ";" as the
delimiter and "," as the decimal mark, so the parser accepts all three.

Parsing is all-or-nothing: every row is checked, and the first malformed row stops the import
with a `ValidationError` naming the line and the column, so nothing half-imported is left.

Drugs, lab tests, imaging services and procedures may carry an optional `price` column: the
unit price in VND that BHYT pays (DON_GIA / DON_GIA_BH of the QĐ 130 claim tables), an exact
decimal >= 0 with at most 2 decimals, written with "." or the Vietnamese-Excel "," as the
decimal mark and without thousands separators ("12500", "12500,5"). A list without the
column still imports (every price None), so hospitals' older files keep working. The prices
in the built-in lists are ILLUSTRATIVE DEMO PRICES, of the right order of magnitude for a
district hospital and nothing more: a hospital replaces them with its own price list (the
one its BHYT contract pays) before sending any claim.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import IO, Final, TypeAlias

from emr_desktop.core.errors import ValidationError

__all__ = [
    "ICD10_CHAPTERS",
    "IMAGING_MODALITIES",
    "LAB_SEXES",
    "CatalogEntry",
    "CatalogKind",
    "DrugEntry",
    "DrugRoute",
    "Icd10Entry",
    "ImagingServiceEntry",
    "LabTestEntry",
    "ProcedureEntry",
    "flag_lab_value",
    "icd10_codes",
    "is_icd10_code",
    "is_valid_loinc",
    "lab_reference_for",
    "load_builtin",
    "parse_catalog_csv",
]


class CatalogKind(enum.StrEnum):
    """The kinds of catalogue the program knows."""

    ICD10 = "icd10"
    DRUGS = "drugs"
    LAB_TESTS = "lab_tests"
    IMAGING = "imaging"
    PROCEDURES = "procedures"

    @property
    def filename(self) -> str:
        """Name of the built-in CSV file of this catalogue."""
        return _FILENAMES[self]

    @property
    def columns(self) -> tuple[str, ...]:
        """The header this catalogue's CSV must have (order free)."""
        return _COLUMNS[self]

    @property
    def optional_columns(self) -> tuple[str, ...]:
        """Columns this catalogue's CSV may have besides `columns` (a missing one is empty)."""
        return _OPTIONAL_COLUMNS[self]


_FILENAMES: Final[Mapping[CatalogKind, str]] = {
    CatalogKind.ICD10: "icd10.csv",
    CatalogKind.DRUGS: "drugs.csv",
    CatalogKind.LAB_TESTS: "lab_tests.csv",
    CatalogKind.IMAGING: "imaging_services.csv",
    CatalogKind.PROCEDURES: "procedures.csv",
}

_COLUMNS: Final[Mapping[CatalogKind, tuple[str, ...]]] = {
    CatalogKind.ICD10: ("code", "name_vi", "name_en", "chapter"),
    CatalogKind.DRUGS: (
        "code",
        "name_vi",
        "active_ingredient",
        "strength",
        "dosage_form",
        "route",
        "unit",
        "atc_code",
    ),
    CatalogKind.LAB_TESTS: (
        "code",
        "name_vi",
        "name_en",
        "loinc",
        "unit",
        "ref_low",
        "ref_high",
        "ref_text",
        "specimen",
        "sex",
    ),
    CatalogKind.IMAGING: ("code", "name_vi", "name_en", "modality", "body_part"),
    CatalogKind.PROCEDURES: ("code", "name_vi", "name_en", "category"),
}

# The price came after hospitals had lists of their own: optional, so those still import.
_OPTIONAL_COLUMNS: Final[Mapping[CatalogKind, tuple[str, ...]]] = {
    CatalogKind.ICD10: (),
    CatalogKind.DRUGS: ("price",),
    CatalogKind.LAB_TESTS: ("price",),
    CatalogKind.IMAGING: ("price",),
    CatalogKind.PROCEDURES: ("price",),
}


class DrugRoute(enum.StrEnum):
    """Route of administration. The value is the stable English code; `label_vi` is shown."""

    ORAL = "oral"
    SUBLINGUAL = "sublingual"
    IM = "im"
    IV = "iv"
    IV_INFUSION = "iv_infusion"
    SC = "sc"
    INTRADERMAL = "intradermal"
    RECTAL = "rectal"
    VAGINAL = "vaginal"
    OPHTHALMIC = "ophthalmic"
    OTIC = "otic"
    NASAL = "nasal"
    TOPICAL = "topical"
    INHALATION = "inhalation"
    MOUTHWASH = "mouthwash"

    @property
    def label_vi(self) -> str:
        """The Vietnamese name of the route, as written on prescriptions."""
        return _ROUTE_LABELS_VI[self]

    @classmethod
    def parse(cls, text: str) -> DrugRoute | None:
        """The route named by `text` (English code or Vietnamese label), or None."""
        key = _fold(text)
        return _ROUTE_LOOKUP.get(key)


_ROUTE_LABELS_VI: Final[Mapping[DrugRoute, str]] = {
    DrugRoute.ORAL: "uống",
    DrugRoute.SUBLINGUAL: "ngậm dưới lưỡi",
    DrugRoute.IM: "tiêm bắp",
    DrugRoute.IV: "tiêm tĩnh mạch",
    DrugRoute.IV_INFUSION: "truyền tĩnh mạch",
    DrugRoute.SC: "tiêm dưới da",
    DrugRoute.INTRADERMAL: "tiêm trong da",
    DrugRoute.RECTAL: "đặt hậu môn",
    DrugRoute.VAGINAL: "đặt âm đạo",
    DrugRoute.OPHTHALMIC: "nhỏ mắt",
    DrugRoute.OTIC: "nhỏ tai",
    DrugRoute.NASAL: "nhỏ mũi",
    DrugRoute.TOPICAL: "bôi ngoài da",
    DrugRoute.INHALATION: "khí dung",
    DrugRoute.MOUTHWASH: "súc miệng",
}

# Other spellings hospitals' lists use for the same routes.
_ROUTE_ALIASES_VI: Final[Mapping[str, DrugRoute]] = {
    "dùng ngoài": DrugRoute.TOPICAL,
    "xịt mũi": DrugRoute.NASAL,
    "hít": DrugRoute.INHALATION,
    "xịt họng": DrugRoute.INHALATION,
    "đặt trực tràng": DrugRoute.RECTAL,
    "tiêm truyền": DrugRoute.IV_INFUSION,
}


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_ROUTE_LOOKUP: Final[Mapping[str, DrugRoute]] = {
    **{_fold(route.value): route for route in DrugRoute},
    **{_fold(label): route for route, label in _ROUTE_LABELS_VI.items()},
    **{_fold(label): route for label, route in _ROUTE_ALIASES_VI.items()},
}

# DICOM modality codes (PS3.3 C.7.3.1.1.1) of the services a district hospital offers.
IMAGING_MODALITIES: Final[frozenset[str]] = frozenset(
    {"CR", "DX", "RF", "MG", "CT", "MR", "US", "XA", "NM", "BMD", "ECG", "EEG", "ES", "OT"}
)

ICD10_CHAPTERS: Final[tuple[str, ...]] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI",
    "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII",
)  # fmt: skip

LAB_SEXES: Final[frozenset[str]] = frozenset({"male", "female"})

_ICD10_CODE = re.compile(r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,2})?")
_LOINC = re.compile(r"([0-9]{1,7})-([0-9])")
_ATC = re.compile(r"[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?")
_CATALOG_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._/-]{0,31}")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_PRICE = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,3}))?")


@dataclass(frozen=True, slots=True)
class Icd10Entry:
    """One ICD-10 category or subcategory. `name_vi` is empty where no translation is kept."""

    code: str
    name_vi: str
    name_en: str
    chapter: str

    @property
    def name(self) -> str:
        """The name to show: Vietnamese when known, else English."""
        return self.name_vi or self.name_en


@dataclass(frozen=True, slots=True)
class DrugEntry:
    """One drug product of the formulary (generic name, strength and form)."""

    code: str
    name_vi: str
    active_ingredient: str
    strength: str
    dosage_form: str
    route: DrugRoute
    unit: str
    atc_code: str
    #: VND per `unit`, paid by BHYT (None: the hospital's list gives no price).
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LabTestEntry:
    """One lab test with its reference range.

    A test whose range differs by sex has one entry per sex, sharing the code; `sex` is None
    when the range holds for both. Either bound may be missing (e.g. "< 5.2"); `ref_text`
    carries the expected result of qualitative tests ("Âm tính").
    """

    code: str
    name_vi: str
    name_en: str
    loinc: str
    unit: str
    ref_low: Decimal | None
    ref_high: Decimal | None
    ref_text: str
    specimen: str
    sex: str | None
    #: VND per test, paid by BHYT (None: no price given).
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ImagingServiceEntry:
    """One imaging or functional-exploration service; `modality` is a DICOM modality code."""

    code: str
    name_vi: str
    name_en: str
    modality: str
    body_part: str
    #: VND per examination, paid by BHYT (None: no price given).
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProcedureEntry:
    """One technical service or procedure (khâu vết thương, bó bột …)."""

    code: str
    name_vi: str
    name_en: str
    category: str
    #: VND per procedure, paid by BHYT (None: no price given).
    price: Decimal | None = None


CatalogEntry: TypeAlias = (
    Icd10Entry | DrugEntry | LabTestEntry | ImagingServiceEntry | ProcedureEntry
)


class _Row:
    """One data row of a catalogue CSV, with the line it came from for error messages."""

    def __init__(self, line: int, values: Mapping[str, str]) -> None:
        self.line = line
        self.values = values

    def fail(self, column: str, rule: str, message_vi: str, message_en: str) -> ValidationError:
        return ValidationError(
            field=f"line {self.line}, column {column}",
            rule=rule,
            message_vi=message_vi,
            message_en=message_en,
        )

    def optional(self, column: str) -> str:
        # An optional column may be absent from the header altogether.
        return self.values.get(column, "")

    def required(self, column: str) -> str:
        value = self.values[column]
        if not value:
            raise self.fail(
                column,
                "required",
                f"Cột “{column}” không được để trống.",
                f"Column “{column}” must not be empty.",
            )
        return value

    def code(self, column: str = "code") -> str:
        value = self.required(column)
        if not _CATALOG_CODE.fullmatch(value):
            raise self.fail(
                column,
                "code_shape",
                f"Mã “{value}” chỉ được gồm chữ, số và . _ / - (tối đa 32 ký tự).",
                f"Code “{value}” may hold only letters, digits and . _ / - (at most 32).",
            )
        return value

    def decimal(self, column: str) -> Decimal | None:
        value = self.values[column]
        if not value:
            return None
        # Vietnamese Excel writes the decimal mark as a comma.
        if "," in value and "." not in value:
            value = value.replace(",", ".")
        if not _NUMBER.fullmatch(value):
            raise self.fail(
                column,
                "not_a_number",
                f"“{self.values[column]}” không phải là số.",
                f"“{self.values[column]}” is not a number.",
            )
        return Decimal(value)

    def price(self, column: str = "price") -> Decimal | None:
        """A VND price: digits, then at most 2 decimals after "." or ","; no sign, no
        thousands separators. Three decimals ("12.500") are refused as ambiguous: 12.5 to a
        program, twelve thousand five hundred to a Vietnamese reader, and a price read 1000
        times too low would go out on every claim."""
        value = self.optional(column)
        if not value:
            return None
        match = _PRICE.fullmatch(value)
        if match is None:
            raise self.fail(
                column,
                "price_format",
                f"Giá “{value}” phải là số không âm, không có dấu phân cách hàng nghìn "
                "(ví dụ 12500 hoặc 12500,5).",
                f"Price “{value}” must be a non-negative number without thousands "
                "separators (e.g. 12500 or 12500.5).",
            )
        whole, decimals = match.groups()
        if decimals is not None and len(decimals) == 3:
            raise self.fail(
                column,
                "price_ambiguous",
                f"Giá “{value}” không rõ: dấu phân cách hàng nghìn hay 3 chữ số thập phân? "
                "Viết không có dấu phân cách hàng nghìn (12500), hoặc làm tròn còn 2 số lẻ.",
                f"Price “{value}” is ambiguous (thousands separator or 3 decimals?): write it "
                "without thousands separators (12500), or round it to 2 decimals.",
            )
        return Decimal(f"{whole}.{decimals}" if decimals else whole)


def _parse_icd10(row: _Row) -> Icd10Entry:
    code = row.required("code").upper()
    if not _ICD10_CODE.fullmatch(code):
        raise row.fail(
            "code",
            "icd10_shape",
            f"“{code}” không phải mã ICD-10 (một chữ cái, 2 chữ số, có thể thêm dấu chấm "
            "và 1–2 ký tự, ví dụ J18.9).",
            f"“{code}” is not an ICD-10 code (a letter, 2 digits, optionally a dot and "
            "1–2 characters, e.g. J18.9).",
        )
    name_vi = row.optional("name_vi")
    name_en = row.optional("name_en")
    if not name_vi and not name_en:
        raise row.fail(
            "name_vi",
            "required",
            "Cần ít nhất tên tiếng Việt hoặc tên tiếng Anh.",
            "A Vietnamese or an English name is required.",
        )
    chapter = row.required("chapter").upper()
    if chapter not in ICD10_CHAPTERS:
        raise row.fail(
            "chapter",
            "icd10_chapter",
            f"“{chapter}” không phải số chương ICD-10 (I đến XXII).",
            f"“{chapter}” is not an ICD-10 chapter number (I to XXII).",
        )
    return Icd10Entry(code=code, name_vi=name_vi, name_en=name_en, chapter=chapter)


def _parse_drug(row: _Row) -> DrugEntry:
    code = row.code()
    name_vi = row.required("name_vi")
    active_ingredient = row.required("active_ingredient")
    strength = row.optional("strength")
    dosage_form = row.required("dosage_form")
    route_text = row.required("route")
    route = DrugRoute.parse(route_text)
    if route is None:
        known = ", ".join(r.label_vi for r in DrugRoute)
        raise row.fail(
            "route",
            "unknown_route",
            f"Đường dùng “{route_text}” không có trong danh mục ({known}).",
            f"Unknown route “{route_text}” (expected one of: "
            f"{', '.join(r.value for r in DrugRoute)}).",
        )
    unit = row.required("unit")
    atc_code = row.optional("atc_code").upper()
    if atc_code and not _ATC.fullmatch(atc_code):
        raise row.fail(
            "atc_code",
            "atc_shape",
            f"“{atc_code}” không phải mã ATC (ví dụ N02BE01).",
            f"“{atc_code}” is not an ATC code (e.g. N02BE01).",
        )
    return DrugEntry(
        code=code,
        name_vi=name_vi,
        active_ingredient=active_ingredient,
        strength=strength,
        dosage_form=dosage_form,
        route=route,
        unit=unit,
        atc_code=atc_code,
        price=row.price(),
    )


def is_valid_loinc(code: str) -> bool:
    """Whether `code` is shaped like a LOINC code ("718-7") with a correct check digit.

    LOINC's check digit is the mod-10 (Luhn) digit of the part before the hyphen.
    """
    match = _LOINC.fullmatch(code)
    if match is None:
        return False
    return _luhn_check_digit(match.group(1)) == int(match.group(2))


def _luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def _parse_lab_test(row: _Row) -> LabTestEntry:
    code = row.code()
    name_vi = row.required("name_vi")
    name_en = row.optional("name_en")
    loinc = row.optional("loinc")
    if loinc and not is_valid_loinc(loinc):
        raise row.fail(
            "loinc",
            "loinc_shape",
            f"“{loinc}” không phải mã LOINC hợp lệ (dạng số-số kiểm tra, ví dụ 718-7).",
            f"“{loinc}” is not a valid LOINC code (digits, hyphen, check digit, e.g. 718-7).",
        )
    unit = row.optional("unit")
    ref_low = row.decimal("ref_low")
    ref_high = row.decimal("ref_high")
    if ref_low is not None and ref_high is not None and ref_low > ref_high:
        raise row.fail(
            "ref_low",
            "range_order",
            f"Giới hạn dưới {ref_low} lớn hơn giới hạn trên {ref_high}.",
            f"Lower limit {ref_low} is above upper limit {ref_high}.",
        )
    sex_text = row.optional("sex").lower()
    if sex_text and sex_text not in LAB_SEXES:
        raise row.fail(
            "sex",
            "unknown_sex",
            f"Giới “{sex_text}” phải là male, female hoặc để trống (cả hai giới).",
            f"Sex “{sex_text}” must be male, female or blank (both).",
        )
    return LabTestEntry(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        loinc=loinc,
        unit=unit,
        ref_low=ref_low,
        ref_high=ref_high,
        ref_text=row.optional("ref_text"),
        specimen=row.required("specimen"),
        sex=sex_text or None,
        price=row.price(),
    )


def _parse_imaging(row: _Row) -> ImagingServiceEntry:
    code = row.code()
    name_vi = row.required("name_vi")
    name_en = row.optional("name_en")
    modality = row.required("modality").upper()
    if modality not in IMAGING_MODALITIES:
        raise row.fail(
            "modality",
            "unknown_modality",
            f"Loại máy “{modality}” không có trong danh mục "
            f"({', '.join(sorted(IMAGING_MODALITIES))}).",
            f"Unknown modality “{modality}” (expected one of "
            f"{', '.join(sorted(IMAGING_MODALITIES))}).",
        )
    return ImagingServiceEntry(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        modality=modality,
        body_part=row.required("body_part"),
        price=row.price(),
    )


def _parse_procedure(row: _Row) -> ProcedureEntry:
    return ProcedureEntry(
        code=row.code(),
        name_vi=row.required("name_vi"),
        name_en=row.optional("name_en"),
        category=row.required("category"),
        price=row.price(),
    )


_ROW_PARSERS: Final[Mapping[CatalogKind, Callable[[_Row], CatalogEntry]]] = {
    CatalogKind.ICD10: _parse_icd10,
    CatalogKind.DRUGS: _parse_drug,
    CatalogKind.LAB_TESTS: _parse_lab_test,
    CatalogKind.IMAGING: _parse_imaging,
    CatalogKind.PROCEDURES: _parse_procedure,
}


def _sniff_delimiter(header_line: str) -> str:
    # The header holds plain column names, so whichever separator it uses more is the one.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _read_header(row: list[str]) -> list[str]:
    return [unicodedata.normalize("NFC", cell).strip().lower() for cell in row]


def _check_header(kind: CatalogKind, header: list[str]) -> None:
    def fail(column: str, rule: str, message_vi: str, message_en: str) -> ValidationError:
        return ValidationError(
            field=f"line 1, column {column}",
            rule=rule,
            message_vi=message_vi,
            message_en=message_en,
        )

    expected = ", ".join(kind.columns)
    if kind.optional_columns:
        expected += f" [{', '.join(kind.optional_columns)}]"
    allowed = (*kind.columns, *kind.optional_columns)
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name not in allowed:
            raise fail(
                name or str(position),
                "unknown_column",
                f"Cột “{name}” không thuộc danh mục {kind.value} (cần các cột: {expected}).",
                f"Column “{name}” does not belong to catalogue {kind.value} "
                f"(expected: {expected}).",
            )
        if name in seen:
            raise fail(
                name,
                "duplicate_column",
                f"Cột “{name}” xuất hiện hai lần.",
                f"Column “{name}” appears twice.",
            )
        seen.add(name)
    for name in kind.columns:
        if name not in seen:
            raise fail(
                name,
                "missing_column",
                f"Thiếu cột “{name}” trong dòng tiêu đề (cần các cột: {expected}).",
                f"The header lacks column “{name}” (expected: {expected}).",
            )


def _entry_key(entry: CatalogEntry) -> tuple[str, str | None]:
    # Lab tests may repeat a code once per sex; every other catalogue has one row per code.
    if isinstance(entry, LabTestEntry):
        return (entry.code, entry.sex)
    return (entry.code, None)


def _check_unique(row: _Row, entry: CatalogEntry, seen: dict[str, list[CatalogEntry]]) -> None:
    earlier = seen.setdefault(entry.code, [])
    key = _entry_key(entry)
    for other in earlier:
        other_key = _entry_key(other)
        both_and_one_sex = isinstance(entry, LabTestEntry) and (key[1] is None) != (
            other_key[1] is None
        )
        if other_key == key or both_and_one_sex:
            raise row.fail(
                "code",
                "duplicate_code",
                f"Mã “{entry.code}” đã có ở một dòng trước.",
                f"Code “{entry.code}” already appears on an earlier line.",
            )
        if isinstance(entry, LabTestEntry) and isinstance(other, LabTestEntry):
            for column in ("loinc", "unit", "price"):
                if getattr(entry, column) != getattr(other, column):
                    raise row.fail(
                        column,
                        "inconsistent_test",
                        f"Các dòng của xét nghiệm “{entry.code}” phải có cùng “{column}”.",
                        f"All rows of test “{entry.code}” must have the same “{column}”.",
                    )
    earlier.append(entry)


def parse_catalog_csv(kind: CatalogKind, text: str | IO[str]) -> list[CatalogEntry]:
    """Parse and validate a whole catalogue CSV.

    `text` is the file's content or an open text file. A UTF-8 byte-order mark is skipped, and
    the delimiter ("," or ";") is taken from the header line. Values are trimmed and put in
    Unicode NFC so that Vietnamese typed on different keyboards compares equal. Blank rows are
    skipped.

    Raises `ValidationError` for the first bad row, with `field` = "line N, column NAME" (N is
    the 1-based line in the file) and `rule` saying what was wrong.
    """
    content = text if isinstance(text, str) else text.read()
    content = content.removeprefix("\ufeff")
    header_line = content.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(content), delimiter=_sniff_delimiter(header_line), strict=True)
    parse_row = _ROW_PARSERS[kind]
    entries: list[CatalogEntry] = []
    seen: dict[str, list[CatalogEntry]] = {}
    header: list[str] | None = None
    line = 1
    try:
        for cells in reader:
            if header is None:
                header = _read_header(cells)
                _check_header(kind, header)
                line = reader.line_num + 1
                continue
            values = [unicodedata.normalize("NFC", cell).strip() for cell in cells]
            row_line, line = line, reader.line_num + 1
            if not any(values):
                continue
            row = _Row(row_line, dict(zip(header, values, strict=False)))
            if len(values) > len(header):
                raise row.fail(
                    str(len(header) + 1),
                    "extra_value",
                    f"Dòng có {len(values)} giá trị nhưng tiêu đề chỉ có {len(header)} cột.",
                    f"The row has {len(values)} values but the header has {len(header)} columns.",
                )
            if len(values) < len(header):
                missing = header[len(values)]
                raise row.fail(
                    missing,
                    "missing_value",
                    f"Dòng thiếu giá trị từ cột “{missing}” trở đi.",
                    f"The row ends before column “{missing}”.",
                )
            entry = parse_row(row)
            _check_unique(row, entry, seen)
            entries.append(entry)
    except csv.Error as exc:
        raise ValidationError(
            field=f"line {reader.line_num}, column ?",
            rule="csv_syntax",
            message_vi=f"Tệp CSV sai cú pháp: {exc}.",
            message_en=f"Malformed CSV: {exc}.",
        ) from exc
    if header is None:
        raise ValidationError(
            field=f"line 1, column {kind.columns[0]}",
            rule="missing_column",
            message_vi="Tệp trống: thiếu dòng tiêu đề.",
            message_en="The file is empty: there is no header row.",
        )
    return entries


@functools.cache
def _builtin(kind: CatalogKind) -> tuple[CatalogEntry, ...]:
    source = resources.files("emr_desktop.resources.catalogs").joinpath(kind.filename)
    return tuple(parse_catalog_csv(kind, source.read_text(encoding="utf-8")))


def load_builtin(kind: CatalogKind) -> list[CatalogEntry]:
    """The catalogue shipped with the program (parsed once, then served from memory)."""
    return list(_builtin(kind))


@functools.cache
def icd10_codes() -> frozenset[str]:
    """Every code of the built-in ICD-10 catalogue, for validating diagnoses."""
    return frozenset(entry.code for entry in _builtin(CatalogKind.ICD10))


def is_icd10_code(code: str) -> bool:
    """Whether `code` (e.g. "J18.9", case and surrounding spaces ignored) is an ICD-10 code."""
    return code.strip().upper() in icd10_codes()


def lab_reference_for(
    entries: Iterable[CatalogEntry], code: str, sex: str | None
) -> LabTestEntry | None:
    """The entry of lab test `code` whose reference range applies to a patient of `sex`."""
    fallback: LabTestEntry | None = None
    for entry in entries:
        if not isinstance(entry, LabTestEntry) or entry.code != code:
            continue
        if entry.sex is None:
            fallback = entry
        elif entry.sex == sex:
            return entry
    return fallback


def flag_lab_value(entry: LabTestEntry, value: Decimal, sex: str | None) -> str:
    """The abnormal flag of a result: "low", "high", "normal", or "" when no range applies.

    A sex-specific entry applies only to patients of that sex; for anyone else (or when the
    sex is unknown) there is no range to compare with.
    """
    if entry.sex is not None and entry.sex != sex:
        return ""
    if entry.ref_low is None and entry.ref_high is None:
        return ""
    if entry.ref_low is not None and value < entry.ref_low:
        return "low"
    if entry.ref_high is not None and value > entry.ref_high:
        return "high"
    return "normal"
