"""Clinical catalogues: the built-in lists and the CSV parser hospitals import their own with."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from emr_desktop.core.catalog import (
    CatalogKind,
    DrugEntry,
    DrugRoute,
    Icd10Entry,
    ImagingServiceEntry,
    LabTestEntry,
    ProcedureEntry,
    flag_lab_value,
    icd10_codes,
    is_icd10_code,
    is_valid_loinc,
    lab_reference_for,
    load_builtin,
    parse_catalog_csv,
)
from emr_desktop.core.errors import ValidationError

ICD_HEADER = "code,name_vi,name_en,chapter\n"
DRUG_HEADER = "code,name_vi,active_ingredient,strength,dosage_form,route,unit,atc_code\n"
LAB_HEADER = "code,name_vi,name_en,loinc,unit,ref_low,ref_high,ref_text,specimen,sex\n"
IMAGING_HEADER = "code,name_vi,name_en,modality,body_part\n"
PROCEDURE_HEADER = "code,name_vi,name_en,category\n"

PARACETAMOL = "T0001,Paracetamol 500 mg,Paracetamol,500 mg,viên nén,uống,viên,N02BE01\n"
HAEMOGLOBIN = "XN0103,Huyết sắc tố,Haemoglobin,718-7,g/L,130,170,,Máu toàn phần,male\n"


def lab_entry(
    low: str | None, high: str | None, sex: str | None = None, ref_text: str = ""
) -> LabTestEntry:
    return LabTestEntry(
        code="XN0001",
        name_vi="Xét nghiệm",
        name_en="Test",
        loinc="718-7",
        unit="g/L",
        ref_low=Decimal(low) if low is not None else None,
        ref_high=Decimal(high) if high is not None else None,
        ref_text=ref_text,
        specimen="Máu",
        sex=sex,
    )


# -- built-in catalogues ------------------------------------------------------------------


def test_builtin_icd10_holds_every_who_code_and_the_vietnamese_names() -> None:
    entries = load_builtin(CatalogKind.ICD10)
    assert len(entries) >= 10_000
    assert all(isinstance(entry, Icd10Entry) for entry in entries)
    named = [entry for entry in entries if isinstance(entry, Icd10Entry) and entry.name_vi]
    assert len(named) >= 300
    by_code = {entry.code: entry for entry in entries if isinstance(entry, Icd10Entry)}
    assert by_code["I10"].name_vi == "Tăng huyết áp vô căn (nguyên phát)"
    assert by_code["J18.9"].name_en == "Pneumonia, unspecified"
    assert by_code["J18.9"].chapter == "X"
    assert by_code["A90"].name_vi.startswith("Sốt Dengue")
    assert by_code["P59.9"].name == "Vàng da sơ sinh, không đặc hiệu"


@pytest.mark.parametrize(
    "code",
    ["I10", "E11.9", "J20.9", "J18.9", "J02.9", "J03.9", "K29.7", "A09", "A90", "A91", "O80",
     "J44.9", "J45.9", "I63.9", "I64", "I50.9", "N39.0", "N20.0", "B18.1", "A15.0", "A16.2",
     "M54.5", "M17.9", "M19.9", "S52.5", "T30.0", "T60.0", "P59.9"],
)  # fmt: skip
def test_common_district_hospital_diagnoses_have_a_vietnamese_name(code: str) -> None:
    by_code = {entry.code: entry for entry in load_builtin(CatalogKind.ICD10)}
    entry = by_code[code]
    assert isinstance(entry, Icd10Entry)
    assert entry.name_vi


def test_builtin_icd10_has_no_chapters_or_blocks() -> None:
    codes = icd10_codes()
    assert "X" not in codes
    assert "J09-J18" not in codes
    assert {"J18", "J18.9", "B18.10"} <= codes


def test_builtin_drugs() -> None:
    entries = load_builtin(CatalogKind.DRUGS)
    assert len(entries) >= 150
    drugs = [entry for entry in entries if isinstance(entry, DrugEntry)]
    assert len(drugs) == len(entries)
    assert len({drug.code for drug in drugs}) == len(drugs)
    first = drugs[0]
    assert first.code == "T0001"
    assert first.route is DrugRoute.ORAL
    assert first.atc_code == "N02BE01"
    ingredients = " | ".join(drug.active_ingredient.casefold() for drug in drugs)
    for expected in ("amoxicilin", "ceftriaxon", "metformin", "amlodipin", "losartan", "insulin"):
        assert expected in ingredients
    routes = {drug.route for drug in drugs}
    assert {DrugRoute.ORAL, DrugRoute.IV, DrugRoute.IV_INFUSION, DrugRoute.SC} <= routes


def test_builtin_lab_tests_have_valid_loinc_codes() -> None:
    entries = load_builtin(CatalogKind.LAB_TESTS)
    tests = [entry for entry in entries if isinstance(entry, LabTestEntry)]
    assert len(tests) == len(entries)
    assert len({test.code for test in tests}) >= 60
    assert all(test.loinc and is_valid_loinc(test.loinc) for test in tests)
    by_loinc = {test.loinc for test in tests}
    assert {"718-7", "1742-6", "4548-4", "5196-1"} <= by_loinc
    haemoglobin = [test for test in tests if test.loinc == "718-7"]
    assert {test.sex for test in haemoglobin} == {"male", "female"}


def test_builtin_imaging_and_procedures() -> None:
    imaging = load_builtin(CatalogKind.IMAGING)
    procedures = load_builtin(CatalogKind.PROCEDURES)
    assert len(imaging) >= 30
    assert len(procedures) >= 30
    assert all(isinstance(entry, ImagingServiceEntry) for entry in imaging)
    assert all(isinstance(entry, ProcedureEntry) for entry in procedures)
    modalities = {entry.modality for entry in imaging if isinstance(entry, ImagingServiceEntry)}
    assert {"CR", "US", "CT", "ECG", "ES"} <= modalities


def test_load_builtin_returns_a_fresh_list() -> None:
    first = load_builtin(CatalogKind.PROCEDURES)
    first.clear()
    assert load_builtin(CatalogKind.PROCEDURES)


def test_is_icd10_code() -> None:
    assert is_icd10_code("J18.9")
    assert is_icd10_code(" j18.9 ")
    assert is_icd10_code("I10")
    assert not is_icd10_code("J18.99")
    assert not is_icd10_code("J189")
    assert not is_icd10_code("")
    assert not is_icd10_code("X")


# -- LOINC check digit --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["718-7", "2345-7", "2160-0", "1742-6", "14749-6", "56888-1"])
def test_valid_loinc_codes(code: str) -> None:
    assert is_valid_loinc(code)


@pytest.mark.parametrize("code", ["718-6", "2345-1", "7187", "718-", "-7", "abc-7", "12345678-9"])
def test_invalid_loinc_codes(code: str) -> None:
    assert not is_valid_loinc(code)


# -- parsing: accepted input --------------------------------------------------------------


def test_parse_drug_row() -> None:
    [drug] = parse_catalog_csv(CatalogKind.DRUGS, DRUG_HEADER + PARACETAMOL)
    assert drug == DrugEntry(
        code="T0001",
        name_vi="Paracetamol 500 mg",
        active_ingredient="Paracetamol",
        strength="500 mg",
        dosage_form="viên nén",
        route=DrugRoute.ORAL,
        unit="viên",
        atc_code="N02BE01",
    )


def test_route_accepts_english_code_and_vietnamese_label() -> None:
    text = (
        DRUG_HEADER
        + "T1,Ceftriaxon 1 g,Ceftriaxon,1 g,bột pha tiêm,IV,lọ,J01DD04\n"
        + "T2,NaCl 0.9%,Natri clorid,500 ml,dịch truyền,Truyền Tĩnh Mạch,chai,B05BB01\n"
        + "T3,Povidon iod,Povidon iod,10%,dung dịch,dùng ngoài,chai,\n"
    )
    routes = [entry.route for entry in parse_catalog_csv(CatalogKind.DRUGS, text)]  # type: ignore[union-attr]
    assert routes == [DrugRoute.IV, DrugRoute.IV_INFUSION, DrugRoute.TOPICAL]
    assert DrugRoute.IV_INFUSION.label_vi == "truyền tĩnh mạch"


def test_bom_and_semicolon_delimiter_and_decimal_comma_are_accepted() -> None:
    text = (
        "\ufeffcode;name_vi;name_en;loinc;unit;ref_low;ref_high;ref_text;specimen;sex\r\n"
        "XN0201;Glucose;Glucose;14749-6;mmol/L;3,9;6,4;;Huyết thanh;\r\n"
    )
    [entry] = parse_catalog_csv(CatalogKind.LAB_TESTS, text)
    assert isinstance(entry, LabTestEntry)
    assert entry.code == "XN0201"
    assert entry.ref_low == Decimal("3.9")
    assert entry.ref_high == Decimal("6.4")
    assert entry.sex is None


def test_a_file_object_is_accepted_and_blank_rows_are_skipped() -> None:
    text = (
        PROCEDURE_HEADER + "TT1,Thay băng,Dressing,Ngoại khoa\n\n,,,\nTT2,Tiêm bắp,IM,Điều dưỡng\n"
    )
    entries = parse_catalog_csv(CatalogKind.PROCEDURES, io.StringIO(text))
    assert [entry.code for entry in entries] == ["TT1", "TT2"]


def test_values_are_trimmed_and_put_in_nfc() -> None:
    decomposed = "Vie\u0302\u0323t"  # "Việt" typed with combining marks
    text = PROCEDURE_HEADER + f" TT1 , {decomposed} ,,Ngoại khoa\n"
    [entry] = parse_catalog_csv(CatalogKind.PROCEDURES, text)
    assert isinstance(entry, ProcedureEntry)
    assert entry.code == "TT1"
    assert entry.name_vi == "Việt"


def test_header_order_and_case_are_free() -> None:
    text = "Name_VI,CODE,category,name_en\nKhâu vết thương,TT1,Ngoại khoa,\n"
    [entry] = parse_catalog_csv(CatalogKind.PROCEDURES, text)
    assert entry == ProcedureEntry(
        code="TT1", name_vi="Khâu vết thương", name_en="", category="Ngoại khoa"
    )


def test_icd10_code_is_upper_cased() -> None:
    [entry] = parse_catalog_csv(CatalogKind.ICD10, ICD_HEADER + "j18.9,Viêm phổi,,x\n")
    assert entry == Icd10Entry(code="J18.9", name_vi="Viêm phổi", name_en="", chapter="X")


def test_quoted_multi_line_value_keeps_later_line_numbers_right() -> None:
    text = PROCEDURE_HEADER + 'TT1,"Khâu\nvết thương",Suture,Ngoại khoa\nTT2,,x,Ngoại khoa\n'
    with pytest.raises(ValidationError) as caught:
        parse_catalog_csv(CatalogKind.PROCEDURES, text)
    assert caught.value.field == "line 4, column name_vi"


def test_lab_test_may_repeat_its_code_once_per_sex() -> None:
    text = (
        LAB_HEADER
        + HAEMOGLOBIN
        + HAEMOGLOBIN.replace("130,170", "120,155").replace("male", "female")
    )
    entries = parse_catalog_csv(CatalogKind.LAB_TESTS, text)
    assert [entry.sex for entry in entries] == ["male", "female"]  # type: ignore[union-attr]


# -- parsing: every malformed row names its line and column ------------------------------

MALFORMED = [
    pytest.param(
        CatalogKind.ICD10,
        "code,name_vi,name_en\nJ18.9,a,b\n",
        "line 1, column chapter",
        "missing_column",
        id="missing-column",
    ),
    pytest.param(
        CatalogKind.ICD10,
        "code,name_vn,name_en,chapter\n",
        "line 1, column name_vn",
        "unknown_column",
        id="unknown-column",
    ),
    pytest.param(
        CatalogKind.ICD10,
        "code,code,name_vi,name_en,chapter\n",
        "line 1, column code",
        "duplicate_column",
        id="duplicate-column",
    ),
    pytest.param(CatalogKind.ICD10, "", "line 1, column code", "missing_column", id="empty-file"),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,Viêm phổi,,X\nJ189,Viêm phổi,,X\n",
        "line 3, column code",
        "icd10_shape",
        id="icd-no-dot",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.999,a,,X\n",
        "line 2, column code",
        "icd10_shape",
        id="icd-too-long",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "18.9,a,,X\n",
        "line 2, column code",
        "icd10_shape",
        id="icd-no-letter",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + ",a,,X\n",
        "line 2, column code",
        "required",
        id="icd-empty-code",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,,,X\n",
        "line 2, column name_vi",
        "required",
        id="icd-no-name",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,a,,XXIII\n",
        "line 2, column chapter",
        "icd10_chapter",
        id="icd-bad-chapter",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,a,,X\nJ18.9,b,,X\n",
        "line 3, column code",
        "duplicate_code",
        id="icd-duplicate",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,a,,X,extra\n",
        "line 2, column 5",
        "extra_value",
        id="too-many-values",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + "J18.9,a\n",
        "line 2, column name_en",
        "missing_value",
        id="too-few-values",
    ),
    pytest.param(
        CatalogKind.ICD10,
        ICD_HEADER + 'J18.9,"a"b,,X\n',
        "line 2, column ?",
        "csv_syntax",
        id="bad-quoting",
    ),
    pytest.param(
        CatalogKind.DRUGS,
        DRUG_HEADER + PARACETAMOL.replace("uống", "nuốt"),
        "line 2, column route",
        "unknown_route",
        id="drug-unknown-route",
    ),
    pytest.param(
        CatalogKind.DRUGS,
        DRUG_HEADER + PARACETAMOL.replace("N02BE01", "N2BE01"),
        "line 2, column atc_code",
        "atc_shape",
        id="drug-bad-atc",
    ),
    pytest.param(
        CatalogKind.DRUGS,
        DRUG_HEADER + PARACETAMOL.replace("viên nén", ""),
        "line 2, column dosage_form",
        "required",
        id="drug-no-form",
    ),
    pytest.param(
        CatalogKind.DRUGS,
        DRUG_HEADER + PARACETAMOL.replace("T0001", "T 0001"),
        "line 2, column code",
        "code_shape",
        id="drug-bad-code",
    ),
    pytest.param(
        CatalogKind.DRUGS,
        DRUG_HEADER + PARACETAMOL + PARACETAMOL,
        "line 3, column code",
        "duplicate_code",
        id="drug-duplicate",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("718-7", "718-6"),
        "line 2, column loinc",
        "loinc_shape",
        id="lab-loinc-check-digit",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("718-7", "718.7"),
        "line 2, column loinc",
        "loinc_shape",
        id="lab-loinc-shape",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("130,", "abc,"),
        "line 2, column ref_low",
        "not_a_number",
        id="lab-low-not-number",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace(",170,", ",1.7.0,"),
        "line 2, column ref_high",
        "not_a_number",
        id="lab-high-not-number",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("130,", "NaN,"),
        "line 2, column ref_low",
        "not_a_number",
        id="lab-nan",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("130,170", "170,130"),
        "line 2, column ref_low",
        "range_order",
        id="lab-low-above-high",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("male", "nam"),
        "line 2, column sex",
        "unknown_sex",
        id="lab-bad-sex",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN.replace("Máu toàn phần", ""),
        "line 2, column specimen",
        "required",
        id="lab-no-specimen",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN + HAEMOGLOBIN,
        "line 3, column code",
        "duplicate_code",
        id="lab-duplicate-same-sex",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN + HAEMOGLOBIN.replace("male", ""),
        "line 3, column code",
        "duplicate_code",
        id="lab-both-and-one-sex",
    ),
    pytest.param(
        CatalogKind.LAB_TESTS,
        LAB_HEADER + HAEMOGLOBIN + HAEMOGLOBIN.replace("male", "female").replace("g/L", "g/dL"),
        "line 3, column unit",
        "inconsistent_test",
        id="lab-unit-differs-by-sex",
    ),
    pytest.param(
        CatalogKind.IMAGING,
        IMAGING_HEADER + "HA1,X-quang ngực,Chest X-ray,XR,ngực\n",
        "line 2, column modality",
        "unknown_modality",
        id="imaging-bad-modality",
    ),
    pytest.param(
        CatalogKind.IMAGING,
        IMAGING_HEADER + "HA1,X-quang ngực,Chest X-ray,CR,\n",
        "line 2, column body_part",
        "required",
        id="imaging-no-body-part",
    ),
    pytest.param(
        CatalogKind.PROCEDURES,
        PROCEDURE_HEADER + "TT1,Tiêm,Injection,\n",
        "line 2, column category",
        "required",
        id="procedure-no-category",
    ),
]


@pytest.mark.parametrize(("kind", "text", "field", "rule"), MALFORMED)
def test_malformed_row_names_line_and_column(
    kind: CatalogKind, text: str, field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_catalog_csv(kind, text)
    error = caught.value
    assert error.field == field
    assert error.rule == rule
    assert error.message_vi
    assert error.message_en
    assert error.message_en.startswith(field)


def test_malformed_row_line_counts_blank_lines_and_bom() -> None:
    text = "\ufeff" + ICD_HEADER + "J18.9,a,,X\n\n\nJ1.89,b,,X\n"
    with pytest.raises(ValidationError) as caught:
        parse_catalog_csv(CatalogKind.ICD10, text)
    assert caught.value.field == "line 5, column code"


# -- abnormal flag ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "value", "flag"),
    [
        ("130", "170", "129.9", "low"),
        ("130", "170", "130", "normal"),
        ("130", "170", "170", "normal"),
        ("130", "170", "171", "high"),
        (None, "5.2", "6", "high"),
        (None, "5.2", "0", "normal"),
        ("1.0", None, "0.9", "low"),
        ("1.0", None, "9", "normal"),
        (None, None, "1", ""),
    ],
)
def test_flag_lab_value(low: str | None, high: str | None, value: str, flag: str) -> None:
    assert flag_lab_value(lab_entry(low, high), Decimal(value), None) == flag


def test_flag_lab_value_sex_specific_range_applies_only_to_that_sex() -> None:
    male = lab_entry("130", "170", sex="male")
    assert flag_lab_value(male, Decimal("125"), "male") == "low"
    assert flag_lab_value(male, Decimal("125"), "female") == ""
    assert flag_lab_value(male, Decimal("125"), None) == ""


def test_lab_reference_for_picks_the_patients_sex_then_the_common_range() -> None:
    tests = load_builtin(CatalogKind.LAB_TESTS)
    female = lab_reference_for(tests, "XN0103", "female")
    assert female is not None
    assert female.sex == "female"
    assert flag_lab_value(female, Decimal("125"), "female") == "normal"
    wbc = lab_reference_for(tests, "XN0101", "male")
    assert wbc is not None
    assert wbc.sex is None
    assert lab_reference_for(tests, "XN0103", None) is None
    assert lab_reference_for(tests, "NOPE", "male") is None


# -- prices: an optional column ------------------------------------------------------------


def test_the_price_column_is_optional_and_accepts_the_decimal_comma() -> None:
    old = parse_catalog_csv(CatalogKind.DRUGS, DRUG_HEADER + PARACETAMOL)
    assert old[0].price is None  # type: ignore[union-attr]
    text = (DRUG_HEADER + PARACETAMOL).replace(",", ";").replace("\n", ";price\n", 1)
    text = text.rstrip("\n") + ";525,5\n"
    (entry,) = parse_catalog_csv(CatalogKind.DRUGS, "\ufeff" + text)
    assert isinstance(entry, DrugEntry) and entry.price == Decimal("525.5")
    blank = parse_catalog_csv(
        CatalogKind.DRUGS, DRUG_HEADER.replace("\n", ",price\n") + PARACETAMOL.replace("\n", ",\n")
    )
    assert blank[0].price is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "header", "row"),
    [
        (CatalogKind.LAB_TESTS, LAB_HEADER, HAEMOGLOBIN),
        (CatalogKind.IMAGING, IMAGING_HEADER, "HA0001,X-quang ngực thẳng,Chest X-ray,CR,ngực\n"),
        (CatalogKind.PROCEDURES, PROCEDURE_HEADER, "TT0014,Tiêm bắp,IM injection,Điều dưỡng\n"),
    ],
)
def test_services_carry_a_price(kind: CatalogKind, header: str, row: str) -> None:
    (entry,) = parse_catalog_csv(kind, "price," + header + "84200.5," + row)
    assert entry.price == Decimal("84200.5")
    (without,) = parse_catalog_csv(kind, header + row)
    assert without.price is None


@pytest.mark.parametrize(
    ("price", "rule"),
    [
        ("-100", "price_format"),
        ("12 500", "price_format"),
        ("12.500,5", "price_format"),
        ("abc", "price_format"),
        ("12.500", "price_ambiguous"),
        ("1,250", "price_ambiguous"),
    ],
)
def test_a_bad_price_names_its_line_and_column(price: str, rule: str) -> None:
    text = DRUG_HEADER.replace("\n", ",price\n") + PARACETAMOL.replace("\n", f',"{price}"\n')
    with pytest.raises(ValidationError) as info:
        parse_catalog_csv(CatalogKind.DRUGS, text)
    assert (info.value.field, info.value.rule) == ("line 2, column price", rule)


def test_a_test_with_ranges_per_sex_has_one_price() -> None:
    female = HAEMOGLOBIN.replace("130,170", "120,155").replace("male", "female")
    header = LAB_HEADER.replace("\n", ",price\n")
    same = header + HAEMOGLOBIN.replace("\n", ",30000\n") + female.replace("\n", ",30000\n")
    assert {e.price for e in parse_catalog_csv(CatalogKind.LAB_TESTS, same)} == {  # type: ignore[union-attr]
        Decimal(30000)
    }
    with pytest.raises(ValidationError) as info:
        parse_catalog_csv(
            CatalogKind.LAB_TESTS,
            header + HAEMOGLOBIN.replace("\n", ",30000\n") + female.replace("\n", ",31000\n"),
        )
    assert (info.value.field, info.value.rule) == ("line 3, column price", "inconsistent_test")


def test_the_builtin_lists_price_every_drug_and_service() -> None:
    for kind in (
        CatalogKind.DRUGS,
        CatalogKind.LAB_TESTS,
        CatalogKind.IMAGING,
        CatalogKind.PROCEDURES,
    ):
        prices = [entry.price for entry in load_builtin(kind)]
        assert all(isinstance(p, Decimal) and p > 0 for p in prices), kind
