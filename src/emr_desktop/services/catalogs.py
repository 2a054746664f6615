"""Catalogues: the built-in ones, replaced per kind by the hospital's own imported list."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from emr_desktop.core import catalog
from emr_desktop.core.catalog import (
    CatalogEntry,
    CatalogKind,
    DrugEntry,
    Icd10Entry,
    ImagingServiceEntry,
    LabTestEntry,
    ProcedureEntry,
)
from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.errors import ValidationError, parse_choice
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import AbnormalFlag, OrderCategory, Patient
from emr_desktop.core.text import fold, fold_tokens
from emr_desktop.services.auth import Session
from emr_desktop.store.rows import dumps
from emr_desktop.store.store import Store
from emr_desktop.store.uow import UnitOfWork

_ENTRY_TYPES: dict[CatalogKind, type] = {
    CatalogKind.ICD10: catalog.Icd10Entry,
    CatalogKind.DRUGS: catalog.DrugEntry,
    CatalogKind.LAB_TESTS: catalog.LabTestEntry,
    CatalogKind.IMAGING: catalog.ImagingServiceEntry,
    CatalogKind.PROCEDURES: catalog.ProcedureEntry,
}


def _kind(value: str) -> CatalogKind:
    return parse_choice(CatalogKind, value, "kind", "loại danh mục", "catalogue kind")


def import_catalog(store: Store, session: Session, kind: str, path: Path) -> int:
    """Replace the hospital's list of `kind` by the CSV at `path`; all rows or none.

    Every row is checked first; the first bad row is reported with its line and column and
    nothing is imported.
    """
    session.require(Permission.CATALOG_MANAGE)
    catalog_kind = _kind(kind)
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "file", "utf8", "Tệp phải mã hóa UTF-8", "The file must be UTF-8 encoded"
        ) from None
    except OSError as exc:
        raise ValidationError(
            "file", "readable", f"Không đọc được tệp: {exc}", f"Cannot read the file: {exc}"
        ) from None
    entries = catalog.parse_catalog_csv(catalog_kind, text)
    with store.unit_of_work(user_id=session.user_id) as uow:
        uow.conn.exec_driver_sql("DELETE FROM catalog_entry WHERE kind = ?", (catalog_kind.value,))
        uow.conn.exec_driver_sql(
            "INSERT INTO catalog_entry(kind, code, name, data) VALUES (?, ?, ?, ?)",
            [
                (catalog_kind.value, _key(entry), entry.name_vi, dumps(to_plain(entry)))
                for entry in entries
            ],
        )
        uow.audit("catalog.import", detail={"kind": catalog_kind.value, "rows": len(entries)})
        uow.commit()
    return len(entries)


def _key(entry: CatalogEntry) -> str:
    # Sex-specific lab ranges share a code: keep one row per (code, sex).
    sex = getattr(entry, "sex", None)
    return f"{entry.code}|{sex}" if sex else entry.code


def entries(uow: UnitOfWork, kind: CatalogKind) -> list[CatalogEntry]:
    """The catalogue in force: the hospital's imported list, else the built-in one."""
    rows = uow.conn.exec_driver_sql(
        "SELECT data FROM catalog_entry WHERE kind = ? ORDER BY code", (kind.value,)
    ).fetchall()
    if not rows:
        return catalog.load_builtin(kind)
    entry_type = _ENTRY_TYPES[kind]
    return [from_plain(entry_type, json.loads(row[0])) for row in rows]


def lab_reference(uow: UnitOfWork, test_code: str, sex: str | None) -> LabTestEntry | None:
    """The lab test entry whose reference range applies to a patient of `sex`."""
    return catalog.lab_reference_for(entries(uow, CatalogKind.LAB_TESTS), test_code, sex)


def flag_value(entry: LabTestEntry, value: str, sex: str | None) -> str:
    """The abnormal flag of a result value (text results get none)."""
    try:
        number = Decimal(value.strip().replace(",", "."))
    except ArithmeticError:
        return AbnormalFlag.NONE
    if not number.is_finite():
        return AbnormalFlag.NONE
    return catalog.flag_lab_value(entry, number, sex)


# ------------------------------------------------------------------ lookups for the chart


@dataclass(frozen=True)
class _SearchIndex:
    """A catalogue with each entry's searchable words folded once, for search-as-you-type."""

    entries: tuple[CatalogEntry, ...]
    #: Per entry: its folded words, each preceded by a space (" viem phoi khong dac hieu").
    words: tuple[str, ...]


_INDEX_TEXT: dict[CatalogKind, Callable[[Any], str]] = {
    CatalogKind.ICD10: lambda e: f"{e.code} {e.name_vi} {e.name_en}",
    CatalogKind.DRUGS: lambda e: f"{e.code} {e.name_vi} {e.active_ingredient} {e.atc_code}",
}

#: One index per kind of built-in list, and per (store, kind) of an imported one; rebuilt
#: when the hospital imports a new list.
_indexes: dict[tuple[str, CatalogKind], tuple[tuple[int, int], _SearchIndex]] = {}


def _search_index(store: Store, uow: UnitOfWork, kind: CatalogKind) -> _SearchIndex:
    # An import deletes and re-inserts the whole list, so count and last rowid change.
    count, last = uow.conn.exec_driver_sql(
        "SELECT count(*), coalesce(max(rowid), 0) FROM catalog_entry WHERE kind = ?",
        (kind.value,),
    ).one()
    version = (int(count), int(last))
    # The built-in lists are the same for every store; a hospital's own list is its store's.
    key = (str(store.data_dir) if count else "", kind)
    cached = _indexes.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    found = tuple(entries(uow, kind))
    text_of = _INDEX_TEXT[kind]
    index = _SearchIndex(found, tuple(" " + " ".join(fold_tokens(text_of(e))) for e in found))
    _indexes[key] = (version, index)
    return index


def _matching(index: _SearchIndex, query: str) -> list[int]:
    """Positions of the entries in which every word of `query` starts a word."""
    needles = [" " + token for token in fold_tokens(query)]
    if not needles:
        return []
    return [i for i, words in enumerate(index.words) if all(n in words for n in needles)]


_ICD10_CODE_QUERY = re.compile(r"[A-Z][0-9]{0,2}(?:\.[0-9A-Z]{0,2})?")


def search_icd10(
    store: Store, session: Session, query: str, *, limit: int = 50
) -> list[Icd10Entry]:
    """ICD-10 entries for what a doctor types: a code ("J18", "j18.9") or words of the name,
    Vietnamese with or without diacritics ("viem phoi") or English ("pneumonia").

    Codes that start with the query come first, then names that start with it, then names
    holding every word (each typed word may be the start of a word: "viem ph"); entries with
    a Vietnamese name before those with only an English one, shorter names first.
    """
    session.require(Permission.CHART_READ)
    compact = "".join(query.split()).upper()
    with store.unit_of_work(user_id=session.user_id) as uow:
        index = _search_index(store, uow, CatalogKind.ICD10)
    found: list[Icd10Entry] = []
    seen: set[int] = set()
    if _ICD10_CODE_QUERY.fullmatch(compact):
        for i, entry in enumerate(index.entries):
            if entry.code.startswith(compact):
                found.append(cast(Icd10Entry, entry))
                seen.add(i)
    folded = fold(query)

    def rank(i: int) -> tuple[int, int, int, str]:
        entry = cast(Icd10Entry, index.entries[i])
        starts = fold(entry.name_vi).startswith(folded) or fold(entry.name_en).startswith(folded)
        # The shorter name is the less specific one: "Viêm phổi, không đặc hiệu" first.
        return (0 if starts else 1, 0 if entry.name_vi else 1, len(entry.name), entry.code)

    by_name = sorted((i for i in _matching(index, query) if i not in seen), key=rank)
    found.extend(cast(Icd10Entry, index.entries[i]) for i in by_name)
    return found[:limit]


def search_drugs(store: Store, session: Session, query: str, *, limit: int = 50) -> list[DrugEntry]:
    """Drugs of the formulary whose name, active ingredient, code or ATC code holds every
    word typed (diacritics optional): "amoxi" finds Amoxicilin and Amoxicilin + acid
    clavulanic; names that start with the query come first."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        index = _search_index(store, uow, CatalogKind.DRUGS)
    folded = fold(query)

    def rank(i: int) -> tuple[int, int, str]:
        name = fold(cast(DrugEntry, index.entries[i]).name_vi)
        return (0 if name.startswith(folded) else 1, len(name), name)

    return [cast(DrugEntry, index.entries[i]) for i in sorted(_matching(index, query), key=rank)][
        :limit
    ]


def drug_entries(uow: UnitOfWork) -> dict[str, DrugEntry]:
    """The formulary in force, by drug code."""
    return {e.code: e for e in entries(uow, CatalogKind.DRUGS) if isinstance(e, DrugEntry)}


def drug_prices(uow: UnitOfWork) -> dict[str, Decimal]:
    """The BHYT unit price of each drug of the formulary in force that has one, by code."""
    return {code: e.price for code, e in drug_entries(uow).items() if e.price is not None}


def service_prices(uow: UnitOfWork) -> dict[str, Decimal]:
    """The BHYT price of each lab test, imaging service and procedure in force that has one,
    by service code (what an `Order` names). A code found in two of the lists keeps the
    first one's price, in the order lab tests, imaging, procedures."""
    prices: dict[str, Decimal] = {}
    for kind in (CatalogKind.LAB_TESTS, CatalogKind.IMAGING, CatalogKind.PROCEDURES):
        for entry in entries(uow, kind):
            price = getattr(entry, "price", None)
            if price is not None:
                prices.setdefault(entry.code, price)
    return prices


@dataclass(frozen=True)
class OrderableService:
    """A lab test, imaging service or procedure that can be ordered (one line of a list)."""

    #: `core.records.OrderCategory`: "lab", "imaging" or "procedure".
    category: str
    code: str
    name_vi: str
    name_en: str
    #: What helps choose: the specimen, the modality and body part, or the specialty.
    detail: str


_ORDER_CATALOGS = {
    OrderCategory.LAB: CatalogKind.LAB_TESTS,
    OrderCategory.IMAGING: CatalogKind.IMAGING,
    OrderCategory.PROCEDURE: CatalogKind.PROCEDURES,
}


def _orderable(category: OrderCategory, entry: CatalogEntry) -> OrderableService:
    if isinstance(entry, LabTestEntry):
        detail = entry.specimen
    elif isinstance(entry, ImagingServiceEntry):
        detail = f"{entry.modality} · {entry.body_part}"
    elif isinstance(entry, ProcedureEntry):
        detail = entry.category
    else:
        raise TypeError(type(entry).__name__)
    return OrderableService(category.value, entry.code, entry.name_vi, entry.name_en, detail)


def orderable_services(store: Store, session: Session, category: str) -> list[OrderableService]:
    """What can be ordered in `category`, one line per code (a lab test with ranges per sex
    is still one test), in catalogue order."""
    session.require(Permission.CHART_READ)
    try:
        order_category = OrderCategory(category)
    except ValueError:
        raise ValidationError(
            "category",
            "choice",
            f"Loại chỉ định {category!r} không có",
            f"No order category {category!r}",
        ) from None
    with store.unit_of_work(user_id=session.user_id) as uow:
        listed = entries(uow, _ORDER_CATALOGS[order_category])
    services: dict[str, OrderableService] = {}
    for entry in listed:
        services.setdefault(entry.code, _orderable(order_category, entry))
    return list(services.values())


def lab_test_for_patient(
    store: Store, session: Session, test_code: str, patient_id: str
) -> LabTestEntry | None:
    """The lab test `test_code` with the reference range that applies to this patient's sex
    (None if the code is not in the catalogue)."""
    session.require(Permission.CHART_READ)
    with store.unit_of_work(user_id=session.user_id) as uow:
        sex = uow.get(Patient, patient_id).sex
        return lab_reference(uow, test_code, sex)
