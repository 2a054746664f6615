"""Tests for emr_desktop.core.identity: CCCD, CMND, BHYT, phone numbers and the CCCD QR code."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.identity import (
    BHYT_GROUPS,
    BhytInfo,
    CccdInfo,
    QrRegistration,
    bhyt_kind,
    decode_bhyt,
    decode_cccd,
    is_bhyt_valid_on,
    parse_cccd_qr,
    validate_bhyt,
    validate_bhyt_validity,
    validate_cccd,
    validate_cmnd,
    validate_phone,
)
from emr_desktop.core.provinces import PROVINCES_PRE_2025

TODAY = dt.date(2025, 3, 6)


def assert_rejected(call: Callable[[], object], field: str, rule: str) -> ValidationError:
    """Run `call`, expect a ValidationError for `field`/`rule` with both messages filled."""
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    assert (error.field, error.rule) == (field, rule), error
    assert error.message_vi.strip()
    assert error.message_en.strip()
    return error


def assert_only_validation_errors(call: Callable[[], object], field: str) -> None:
    """Run `call`; it may succeed, and may fail only with a ValidationError for `field`."""
    error = None
    try:
        call()
    except ValidationError as caught:
        error = caught
    if error is not None:
        assert error.field == field
        assert error.message_vi.strip()
        assert error.message_en.strip()


# --- strategies ---------------------------------------------------------------------------

province_codes = st.sampled_from(sorted(PROVINCES_PRE_2025))
sexes = st.sampled_from(["male", "female"])


def digit_strings(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


def make_cccd(province: str, sex: str, birth_year: int, serial: str) -> str:
    digit4 = 2 * ((birth_year - 1900) // 100) + (0 if sex == "male" else 1)
    return f"0{province}{digit4}{birth_year % 100:02d}{serial}"


@st.composite
def cccds(draw: st.DrawFn, *, min_year: int = 1900, max_year: int = 2399) -> dict[str, Any]:
    """A valid CCCD number and the facts it encodes."""
    province = draw(province_codes)
    sex = draw(sexes)
    year = draw(st.integers(min_value=min_year, max_value=max_year))
    number = make_cccd(province, sex, year, draw(digit_strings(6)))
    return {"number": number, "province": province, "sex": sex, "year": year}


@st.composite
def bhyt_codes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid 15-character BHYT card code and its parts."""
    group = draw(st.sampled_from(sorted(BHYT_GROUPS)))
    level = draw(st.integers(min_value=1, max_value=5))
    province = draw(province_codes)
    social = draw(digit_strings(10))
    return {
        "code": f"{group}{level}{province}{social}",
        "group": group,
        "level": level,
        "province": province,
        "social": social,
    }


# --- CCCD ---------------------------------------------------------------------------------


def test_validate_cccd_examples() -> None:
    assert validate_cccd("001099012345") == "001099012345"
    assert validate_cccd(" 001 099 012345\n") == "001099012345"
    assert validate_cccd("079203000001", sex="male", birth_year=2003) == "079203000001"
    assert validate_cccd("096356000001", sex="female", birth_year=2056) == "096356000001"
    assert validate_cccd("001199000001", sex="other", birth_year=1999) == "001199000001"


def test_decode_cccd() -> None:
    assert decode_cccd("001099012345") == CccdInfo("01", "male", 1999)
    assert decode_cccd("079305000001") == CccdInfo("79", "female", 2005)
    assert decode_cccd("046800000001") == CccdInfo("46", "male", 2300)
    info = decode_cccd("048987000001")
    assert (info.sex, info.birth_year_full) == ("female", 2387)
    assert info.province_name == "Thành phố Đà Nẵng"


@pytest.mark.parametrize(
    ("value", "kwargs", "rule"),
    [
        ("", {}, "empty"),
        ("   ", {}, "empty"),
        ("00109901234a", {}, "digits"),
        ("001-099-012345", {}, "digits"),
        ("٠٠١٠٩٩٠١٢٣٤٥", {}, "digits"),
        ("00109901234", {}, "length"),
        ("0010990123456", {}, "length"),
        ("101099012345", {}, "province"),
        ("003099012345", {}, "province"),
        ("099099012345", {}, "province"),
        ("001099012345", {"sex": "female"}, "sex_century"),
        ("001199012345", {"sex": "male"}, "sex_century"),
        ("001099012345", {"birth_year": 2099}, "sex_century"),
        ("001299012345", {"birth_year": 1999}, "sex_century"),
        ("001099012345", {"birth_year": 1998}, "birth_year"),
        ("001099012345", {"sex": "male", "birth_year": 1989}, "birth_year"),
    ],
)
def test_validate_cccd_rejects(value: str, kwargs: dict[str, Any], rule: str) -> None:
    assert_rejected(lambda: validate_cccd(value, **kwargs), "cccd", rule)


def test_validate_cccd_rejects_an_unknown_sex_value() -> None:
    assert_rejected(lambda: validate_cccd("001099012345", sex="M"), "sex", "format")


def test_decode_cccd_validates() -> None:
    assert_rejected(lambda: decode_cccd("003099012345"), "cccd", "province")


@given(cccds())
def test_generated_cccds_validate_and_decode_back(case: dict[str, Any]) -> None:
    number = case["number"]
    assert validate_cccd(number, sex=case["sex"], birth_year=case["year"]) == number
    assert validate_cccd(number, sex="other") == number
    assert decode_cccd(number) == CccdInfo(case["province"], case["sex"], case["year"])


@given(cccds())
def test_generated_cccds_reject_the_other_sex(case: dict[str, Any]) -> None:
    other = "female" if case["sex"] == "male" else "male"
    assert_rejected(lambda: validate_cccd(case["number"], sex=other), "cccd", "sex_century")


@given(cccds())
def test_generated_cccds_reject_the_wrong_century(case: dict[str, Any]) -> None:
    # Same last two digits, another century.
    year = case["year"] + 100 if case["year"] < 2300 else case["year"] - 100
    assert_rejected(lambda: validate_cccd(case["number"], birth_year=year), "cccd", "sex_century")


@given(st.text(max_size=20))
def test_validate_cccd_garbage_raises_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: validate_cccd(text), "cccd")


@given(digit_strings(12))
def test_validate_cccd_random_digits(text: str) -> None:
    assert_only_validation_errors(lambda: decode_cccd(text), "cccd")


# --- CMND -----------------------------------------------------------------------------------


def test_validate_cmnd() -> None:
    assert validate_cmnd("123456789") == "123456789"
    assert validate_cmnd(" 123 456 789 ") == "123456789"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "empty"),
        ("12345678a", "digits"),
        ("12345678", "length"),
        ("001099012345", "length"),
    ],
)
def test_validate_cmnd_rejects(value: str, rule: str) -> None:
    assert_rejected(lambda: validate_cmnd(value), "cmnd", rule)


@given(st.text(max_size=15))
def test_validate_cmnd_garbage_raises_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: validate_cmnd(text), "cmnd")


# --- BHYT -----------------------------------------------------------------------------------


def test_group_table() -> None:
    assert "LH" in BHYT_GROUPS
    assert len(BHYT_GROUPS) == 45
    for code, meaning in BHYT_GROUPS.items():
        assert len(code) == 2
        assert code.isascii()
        assert code.isupper()
        assert meaning.strip()
        assert unicodedata.is_normalized("NFC", meaning)


@pytest.mark.parametrize(
    ("value", "normalized", "kind"),
    [
        ("DN4010123456789", "DN4010123456789", "card_code"),
        ("dn4 01 0123456789", "DN4010123456789", "card_code"),
        ("LH2790000000001", "LH2790000000001", "card_code"),
        ("TE1960000000001", "TE1960000000001", "card_code"),
        ("0123456789", "0123456789", "social_insurance_number"),
        ("01234 56789", "0123456789", "social_insurance_number"),
        ("001099012345", "001099012345", "cccd"),
    ],
)
def test_validate_bhyt(value: str, normalized: str, kind: str) -> None:
    assert validate_bhyt(value) == normalized
    assert bhyt_kind(value) == kind


def test_decode_bhyt() -> None:
    assert decode_bhyt("hn2 79 0123456789") == BhytInfo(
        group_code="HN",
        group_meaning_vi="Người thuộc hộ gia đình nghèo",
        level=2,
        province_code="79",
        social_insurance_number="0123456789",
    )


@pytest.mark.parametrize("value", ["0123456789", "001099012345"])
def test_decode_bhyt_needs_the_15_character_code(value: str) -> None:
    assert_rejected(lambda: decode_bhyt(value), "bhyt_number", "format")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "empty"),
        ("DN401012345678", "length"),
        ("DN40101234567890", "length"),
        ("012345678", "length"),
        ("0123456789012", "length"),
        ("D14010123456789", "format"),
        ("DN4O10123456789", "format"),
        ("ĐN4010123456789", "format"),
        ("ZZ4010123456789", "group"),
        ("DN0010123456789", "level"),
        ("DN6010123456789", "level"),
        ("DN4000123456789", "province"),
        ("DN4990123456789", "province"),
        ("003099012345", "province"),
        ("00109901234a", "length"),
    ],
)
def test_validate_bhyt_rejects(value: str, rule: str) -> None:
    assert_rejected(lambda: validate_bhyt(value), "bhyt_number", rule)


@given(bhyt_codes())
def test_generated_bhyt_codes_validate_and_decode_back(case: dict[str, Any]) -> None:
    code = case["code"]
    assert validate_bhyt(code.lower()) == code
    assert bhyt_kind(code) == "card_code"
    info = decode_bhyt(code)
    assert (info.group_code, info.level, info.province_code, info.social_insurance_number) == (
        case["group"],
        case["level"],
        case["province"],
        case["social"],
    )
    assert info.group_meaning_vi == BHYT_GROUPS[case["group"]]


@given(cccds())
def test_a_cccd_is_accepted_as_a_bhyt_number(case: dict[str, Any]) -> None:
    assert validate_bhyt(case["number"]) == case["number"]
    assert bhyt_kind(case["number"]) == "cccd"


@given(st.text(max_size=20))
def test_validate_bhyt_garbage_raises_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: decode_bhyt(text), "bhyt_number")


@given(st.text(alphabet="ABCDHLNTZ0123456789", min_size=15, max_size=15))
def test_validate_bhyt_near_misses_raise_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: decode_bhyt(text), "bhyt_number")


# --- BHYT validity ----------------------------------------------------------------------------

JAN_1 = dt.date(2025, 1, 1)
DEC_31 = dt.date(2025, 12, 31)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "on"),
    [
        (JAN_1, DEC_31, None),
        (JAN_1, JAN_1, JAN_1),
        (JAN_1, DEC_31, JAN_1),
        (JAN_1, DEC_31, DEC_31),
        (None, DEC_31, dt.date(2000, 1, 1)),
        (JAN_1, None, dt.date(2100, 1, 1)),
        (None, None, TODAY),
    ],
)
def test_valid_periods(
    valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date | None
) -> None:
    validate_bhyt_validity(valid_from, valid_to, on)
    if on is not None:
        assert is_bhyt_valid_on(valid_from, valid_to, on)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "on", "field", "rule"),
    [
        (DEC_31, JAN_1, None, "bhyt_valid_to", "validity"),
        (DEC_31, JAN_1, TODAY, "bhyt_valid_to", "validity"),
        (JAN_1, DEC_31, dt.date(2026, 1, 1), "bhyt_valid_to", "expired"),
        (None, DEC_31, dt.date(2026, 1, 1), "bhyt_valid_to", "expired"),
        (JAN_1, DEC_31, dt.date(2024, 12, 31), "bhyt_valid_from", "not_yet_valid"),
        (JAN_1, None, dt.date(2024, 12, 31), "bhyt_valid_from", "not_yet_valid"),
    ],
)
def test_invalid_periods(
    valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date | None, field: str, rule: str
) -> None:
    assert_rejected(lambda: validate_bhyt_validity(valid_from, valid_to, on), field, rule)
    if on is not None:
        assert not is_bhyt_valid_on(valid_from, valid_to, on)


@given(st.none() | st.dates(), st.none() | st.dates(), st.dates())
def test_is_valid_on_agrees_with_validate(
    valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date
) -> None:
    try:
        validate_bhyt_validity(valid_from, valid_to, on)
    except ValidationError:
        assert not is_bhyt_valid_on(valid_from, valid_to, on)
    else:
        assert is_bhyt_valid_on(valid_from, valid_to, on)


# --- phone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("0321234567", "0321234567"),
        ("0561234567", "0561234567"),
        ("0701234567", "0701234567"),
        ("0861234567", "0861234567"),
        ("02838291234", "02838291234"),
        ("(028) 3829 1234", "02838291234"),
        ("+84 24 3825 1234", "02438251234"),
    ],
)
def test_validate_phone(value: str, expected: str) -> None:
    assert validate_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "empty"),
        (" - . ", "empty"),
        ("+1 555 123 4567", "country"),
        ("+8491234567a", "digits"),
        ("09123456７８", "digits"),
        ("091234567", "length"),
        ("09123456789", "length"),
        ("0283829123", "length"),
        ("028382912345", "length"),
        ("01681234567", "prefix"),
        ("0412345678", "prefix"),
        ("0612345678", "prefix"),
        ("0012345678", "prefix"),
        ("0", "prefix"),
        ("912345678", "format"),
        ("1900 1234", "format"),
    ],
)
def test_validate_phone_rejects(value: str, rule: str) -> None:
    assert_rejected(lambda: validate_phone(value), "phone", rule)


@given(st.sampled_from("35789"), digit_strings(8), st.sampled_from(["0", "+84", "84", "0084"]))
def test_mobile_numbers_in_any_form_become_national(second: str, rest: str, prefix: str) -> None:
    national = f"0{second}{rest}"
    typed = f"{prefix}{second}{rest[:3]} {rest[3:5]}.{rest[5:]}"
    assert validate_phone(typed) == national
    assert validate_phone(national) == national


@given(st.text(max_size=20))
def test_validate_phone_garbage_raises_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: validate_phone(text), "phone")


# --- CCCD QR code ---------------------------------------------------------------------------

QR = "001099012345|123456789|Nguyễn Văn An|07031999|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01012021"


def test_parse_cccd_qr() -> None:
    assert parse_cccd_qr(QR, today=TODAY) == QrRegistration(
        cccd="001099012345",
        cmnd="123456789",
        full_name="Nguyễn Văn An",
        date_of_birth=dt.date(1999, 3, 7),
        sex="male",
        address="Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
        issue_date=dt.date(2021, 1, 1),
    )


@pytest.mark.parametrize(
    "payload",
    [
        QR + "\r\n",
        "  " + QR + "\n",
        "\ufeff" + QR,
        unicodedata.normalize("NFD", QR),
    ],
)
def test_parse_cccd_qr_tolerates_scanner_noise(payload: str) -> None:
    assert parse_cccd_qr(payload, today=TODAY) == parse_cccd_qr(QR, today=TODAY)


def test_parse_cccd_qr_six_fields_and_empty_cmnd() -> None:
    result = parse_cccd_qr("079305000001||TRẦN THỊ BÌNH|28022005|Nữ|TP HCM", today=TODAY)
    assert result.cmnd is None
    assert result.issue_date is None
    assert result.sex == "female"
    assert result.full_name == "TRẦN THỊ BÌNH"
    assert result.date_of_birth == dt.date(2005, 2, 28)


def test_parse_cccd_qr_empty_issue_date_and_address() -> None:
    result = parse_cccd_qr("079305000001||Trần Thị Bình|28022005|Nữ||", today=TODAY)
    assert (result.address, result.issue_date) == ("", None)


@pytest.mark.parametrize("sex_label", ["Nữ", "NỮ", "nữ", "Nu", "NU"])
def test_parse_cccd_qr_female_labels(sex_label: str) -> None:
    payload = f"001199012345||Lê Thị Hoa|07031999|{sex_label}|Hà Nội|01012021"
    assert parse_cccd_qr(payload, today=TODAY).sex == "female"


def test_parse_cccd_qr_keeps_a_garbled_name_and_the_digits() -> None:
    # A keyboard-wedge scanner dropped or mangled the diacritics; the numbers are intact.
    payload = "001199012345||L? Th? H?a|07031999|Nu|H? N?i|01012021"
    result = parse_cccd_qr(payload, today=TODAY)
    assert result.cccd == "001199012345"
    assert result.full_name == "L? Th? H?a"
    assert result.address == "H? N?i"


@pytest.mark.parametrize(
    ("payload", "rule", "mentions"),
    [
        ("", "field_count", "1"),
        ("001099012345|123456789|Nguyễn Văn An|07031999|Nam", "field_count", "5"),
        (QR + "|extra", "field_count", "8"),
        (QR.replace("001099012345", "00109901234"), "cccd", "field 1"),
        (QR.replace("001099012345", "003099012345"), "cccd", "field 1"),
        (QR.replace("001099012345", "001199012345"), "cccd", "field 1"),
        (QR.replace("001099012345", "001098012345"), "cccd", "field 1"),
        (QR.replace("001099012345", "001299012345"), "cccd", "field 1"),
        (QR.replace("123456789", "12345"), "cmnd", "field 2"),
        (QR.replace("Nguyễn Văn An", "  "), "full_name", "field 3"),
        (QR.replace("07031999", "1999-03-07"), "date_of_birth", "field 4"),
        (QR.replace("07031999", "32031999"), "date_of_birth", "field 4"),
        (QR.replace("07031999", "0703199"), "date_of_birth", "field 4"),
        (QR.replace("|Nam|", "|Male|"), "sex", "field 5"),
        (QR.replace("|Nam|", "||"), "sex", "field 5"),
        (QR.replace("01012021", "01132021"), "issue_date", "field 7"),
        (QR.replace("01012021", "01011998"), "issue_date", "field 7"),
        (QR.replace("01012021", "01012026"), "issue_date", "field 7"),
    ],
)
def test_parse_cccd_qr_rejects(payload: str, rule: str, mentions: str) -> None:
    error = assert_rejected(lambda: parse_cccd_qr(payload, today=TODAY), "qr", rule)
    assert mentions in error.message_en


def test_parse_cccd_qr_rejects_an_implausible_birth_date() -> None:
    future = "001125012345||Bé Út|01012025|Nam|Hà Nội"
    assert_rejected(
        lambda: parse_cccd_qr(future, today=dt.date(2024, 12, 31)), "qr", "date_of_birth"
    )
    ancient = "001085012345||Cụ Tổ|01011885|Nam|Hà Nội"
    assert_rejected(lambda: parse_cccd_qr(ancient, today=TODAY), "qr", "date_of_birth")


# Names and addresses as a card could print them: letters, marks, digits (house numbers),
# spaces and punctuation, never the field separator.
qr_text = st.text(
    alphabet=st.characters(categories=["L", "M", "Nd", "Zs", "Po", "Pd"], exclude_characters="|"),
    max_size=30,
).map(lambda text: unicodedata.normalize("NFC", text).strip())


@st.composite
def qr_payloads(draw: st.DrawFn) -> tuple[str, QrRegistration]:
    """A payload built from generated fields, and what parsing it must give."""
    sex = draw(sexes)
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    province = draw(province_codes)
    cccd = make_cccd(province, sex, birth.year, draw(digit_strings(6)))
    cmnd = draw(st.none() | digit_strings(9))
    name = draw(qr_text.filter(bool))
    address = draw(qr_text)
    issue = draw(st.none() | st.dates(min_value=birth, max_value=TODAY))
    labels = ["Nam", "NAM"] if sex == "male" else ["Nữ", "NỮ", "Nu", "nữ"]
    sex_label = draw(st.sampled_from(labels))
    fields = [cccd, cmnd or "", name, birth.strftime("%d%m%Y"), sex_label, address]
    if issue is not None or draw(st.booleans()):
        fields.append(issue.strftime("%d%m%Y") if issue else "")
    payload = unicodedata.normalize("NFD" if draw(st.booleans()) else "NFC", "|".join(fields))
    payload += draw(st.sampled_from(["", "\n", "\r\n", " "]))
    expected = QrRegistration(
        cccd=cccd,
        cmnd=cmnd,
        full_name=name,
        date_of_birth=birth,
        sex="male" if sex == "male" else "female",
        address=address,
        issue_date=issue,
    )
    return payload, expected


@given(qr_payloads())
def test_parse_cccd_qr_round_trip(case: tuple[str, QrRegistration]) -> None:
    payload, expected = case
    assert parse_cccd_qr(payload, today=TODAY) == expected


@given(st.text(max_size=80))
def test_parse_cccd_qr_garbage_raises_only_validation_errors(text: str) -> None:
    assert_only_validation_errors(lambda: parse_cccd_qr(text, today=TODAY), "qr")


@given(
    st.lists(st.text(alphabet="0123456789Namữu ", max_size=14), min_size=6, max_size=7).map(
        "|".join
    )
)
def test_parse_cccd_qr_near_misses_raise_only_validation_errors(payload: str) -> None:
    assert_only_validation_errors(lambda: parse_cccd_qr(payload, today=TODAY), "qr")


def test_cccd_from_a_garbled_qr_scan() -> None:
    from emr_desktop.core.identity import cccd_from_qr

    assert cccd_from_qr("001085001234||NGUY?N V?N AN|07031985|N?|H? N?i|01012021\r\n") == (
        "001085001234"
    )
    assert cccd_from_qr("001085001234") is None
    assert cccd_from_qr("999085001234|x") is None
