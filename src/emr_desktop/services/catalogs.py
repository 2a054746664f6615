"""Catalogues: the built-in ones, replaced per kind by the hospital's own imported list."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from emr_desktop.core import catalog
from emr_desktop.core.catalog import CatalogEntry, CatalogKind, LabTestEntry
from emr_desktop.core.codec import from_plain, to_plain
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import AbnormalFlag
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
    try:
        return CatalogKind(value)
    except ValueError:
        listed = ", ".join(k.value for k in CatalogKind)
        raise ValidationError(
            "kind",
            "choice",
            f"Loại danh mục {value!r} không có; chọn: {listed}",
            f"No catalogue kind {value!r}; choose: {listed}",
        ) from None


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
