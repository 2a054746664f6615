"""Importing a hospital's own catalogue: all rows or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from emr_desktop.core.catalog import CatalogKind
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.services import catalogs
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

HEADER = "code,name_vi,active_ingredient,strength,dosage_form,route,unit,atc_code\n"


def _drug_codes(store: Store) -> list[str]:
    with store.unit_of_work(user_id=None) as uow:
        return [e.code for e in catalogs.entries(uow, CatalogKind.DRUGS)]


def test_import_replaces_the_builtin_list(store: Store, admin: Session, tmp_path: Path) -> None:
    path = tmp_path / "thuoc.csv"
    path.write_text(
        "\ufeff"
        + HEADER.replace(",", ";")
        + "BV001;Amoxicilin 500 mg;Amoxicilin;500 mg;viên nang;uống;viên;J01CA04\n"
        + "BV002;Natri clorid 0,9%;Natri clorid;0,9%;chai 500 ml;"
        "truyền tĩnh mạch;chai;B05XA03\n",
        "utf-8",
    )
    assert catalogs.import_catalog(store, admin, "drugs", path) == 2
    assert _drug_codes(store) == ["BV001", "BV002"]


def test_a_bad_row_names_line_and_column_and_imports_nothing(
    store: Store, admin: Session, tmp_path: Path
) -> None:
    builtin = _drug_codes(store)
    path = tmp_path / "thuoc.csv"
    path.write_text(
        HEADER
        + "BV001,Amoxicilin,Amoxicilin,500 mg,viên,uống,viên,J01CA04\n"
        + "BV002,Thuốc lạ,X,1 mg,viên,bay lên trời,viên,J01CA04\n",
        "utf-8",
    )
    with pytest.raises(ValidationError) as info:
        catalogs.import_catalog(store, admin, "drugs", path)
    assert info.value.field == "line 3, column route"
    assert _drug_codes(store) == builtin


def test_unknown_kind_and_unreadable_file(store: Store, admin: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        catalogs.import_catalog(store, admin, "vaccines", tmp_path / "x.csv")
    assert info.value.field == "kind"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(HEADER.encode() + "BV1,Thu\xe9c".encode("latin-1"))
    with pytest.raises(ValidationError, match="UTF-8"):
        catalogs.import_catalog(store, admin, "drugs", latin1)


def test_doctor_cannot_import(store: Store, doctor: Session, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        catalogs.import_catalog(store, doctor, "drugs", tmp_path / "x.csv")
