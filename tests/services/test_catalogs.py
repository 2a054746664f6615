"""Importing a hospital's own catalogue: all rows or none."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from emr_desktop.core.catalog import CatalogKind
from emr_desktop.core.errors import PermissionDenied, ValidationError
from emr_desktop.core.text import fold
from emr_desktop.services import catalogs, patients
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


# ------------------------------------------------------------------ lookups for the chart


def test_icd10_search_in_vietnamese_without_diacritics(store: Store, doctor: Session) -> None:
    found = catalogs.search_icd10(store, doctor, "viem phoi")
    assert found[0].code == "J18.9"
    assert found[0].name_vi == "Viêm phổi, không đặc hiệu"
    assert all("phoi" in fold(e.name_vi) for e in found)
    # A word being typed still matches ("viem ph"), and so does the English name.
    assert "J18.9" in [e.code for e in catalogs.search_icd10(store, doctor, "VIÊM PH")]
    assert "J18.9" in [e.code for e in catalogs.search_icd10(store, doctor, "pneumonia")]


def test_icd10_search_by_code_puts_the_code_first(store: Store, doctor: Session) -> None:
    codes = [e.code for e in catalogs.search_icd10(store, doctor, "J18")]
    assert codes[:2] == ["J18", "J18.0"]
    assert {"J18.9", "J18.1"} <= set(codes)
    assert [e.code for e in catalogs.search_icd10(store, doctor, "j18.9")] == ["J18.9"]
    assert catalogs.search_icd10(store, doctor, "  ") == []


def test_drug_search_by_name_and_active_ingredient(store: Store, doctor: Session) -> None:
    names = [d.name_vi for d in catalogs.search_drugs(store, doctor, "amoxi")]
    assert names[0] == "Amoxicilin 500 mg"
    assert "Amoxicilin + acid clavulanic 500 mg/125 mg" in names
    # By an ingredient that is only the second one of a combination.
    assert {d.code for d in catalogs.search_drugs(store, doctor, "clavulanic")} >= {"T0023"}
    assert [d.code for d in catalogs.search_drugs(store, doctor, "para 500")] == ["T0001"]


def test_search_follows_an_imported_list(
    store: Store, admin: Session, doctor: Session, tmp_path: Path
) -> None:
    assert catalogs.search_drugs(store, doctor, "amoxi")
    path = tmp_path / "thuoc.csv"
    path.write_text(HEADER + "BV001,Cồn 70 độ,Ethanol,70%,dung dịch,dùng ngoài,chai,D08AX08\n")
    catalogs.import_catalog(store, admin, "drugs", path)
    assert catalogs.search_drugs(store, doctor, "amoxi") == []
    assert [d.code for d in catalogs.search_drugs(store, doctor, "con 70")] == ["BV001"]


def test_orderable_services_one_line_per_test(store: Store, doctor: Session) -> None:
    labs = catalogs.orderable_services(store, doctor, "lab")
    codes = [s.code for s in labs]
    assert len(codes) == len(set(codes))
    hgb = next(s for s in labs if s.code == "XN0103")
    assert hgb.name_vi == "Huyết sắc tố (HGB)" and hgb.category == "lab"
    chest = next(s for s in catalogs.orderable_services(store, doctor, "imaging"))
    assert chest.detail == "CR · ngực"
    assert catalogs.orderable_services(store, doctor, "procedure")
    with pytest.raises(ValidationError) as info:
        catalogs.orderable_services(store, doctor, "vaccine")
    assert info.value.field == "category"


def test_lab_reference_follows_the_patients_sex(
    store: Store, doctor: Session, registrar: Session
) -> None:
    woman = patients.register_patient(store, registrar, full_name="Lò Thị Mai", sex="female")
    entry = catalogs.lab_test_for_patient(store, doctor, "XN0103", woman.id)
    assert entry is not None and entry.sex == "female" and entry.ref_low == 120
    assert catalogs.lab_test_for_patient(store, doctor, "NOPE", woman.id) is None


def test_registrar_cannot_search_clinical_catalogues(store: Store, registrar: Session) -> None:
    with pytest.raises(PermissionDenied):
        catalogs.search_icd10(store, registrar, "viem phoi")


def test_imported_prices_are_kept_and_an_old_list_without_prices_imports(
    store: Store, admin: Session, tmp_path: Path
) -> None:
    with store.unit_of_work(user_id=None) as uow:
        builtin = catalogs.drug_prices(uow)
    assert builtin["T0001"] > 0
    priced = tmp_path / "thuoc-gia.csv"
    priced.write_text(
        HEADER.replace("\n", ",price\n")
        + "BV001,Amoxicilin 500 mg,Amoxicilin,500 mg,viên nang,uống,viên,J01CA04,1250.5\n"
        + "BV002,Natri clorid 0.9%,Natri clorid,0.9%,chai,truyền tĩnh mạch,chai,B05XA03,\n",
        "utf-8",
    )
    catalogs.import_catalog(store, admin, "drugs", priced)
    with store.unit_of_work(user_id=None) as uow:
        entries = catalogs.drug_entries(uow)
        assert entries["BV001"].price == Decimal("1250.5")
        assert entries["BV002"].price is None
        assert catalogs.drug_prices(uow) == {"BV001": Decimal("1250.5")}
    old = tmp_path / "thuoc-cu.csv"
    old.write_text(
        HEADER + "BV003,Paracetamol,Paracetamol,500 mg,viên,uống,viên,N02BE01\n", "utf-8"
    )
    assert catalogs.import_catalog(store, admin, "drugs", old) == 1
    with store.unit_of_work(user_id=None) as uow:
        assert catalogs.drug_entries(uow)["BV003"].price is None
        assert catalogs.drug_prices(uow) == {}


def test_service_prices_cover_the_three_orderable_lists(
    store: Store, admin: Session, tmp_path: Path
) -> None:
    with store.unit_of_work(user_id=None) as uow:
        prices = catalogs.service_prices(uow)
    assert {"XN0201", "HA0001", "TT0014"} <= set(prices)
    imaging = tmp_path / "cdha.csv"
    imaging.write_text(
        "code,name_vi,name_en,modality,body_part,price\nHA9,Siêu âm bụng,,US,bụng,43500\n",
        "utf-8",
    )
    catalogs.import_catalog(store, admin, "imaging", imaging)
    with store.unit_of_work(user_id=None) as uow:
        prices = catalogs.service_prices(uow)
    assert prices["HA9"] == Decimal(43500)
    assert "HA0001" not in prices and "XN0201" in prices
