"""Tests for emr_desktop.core.provinces: the 63 pre-2025 province codes."""

from __future__ import annotations

import unicodedata

import pytest

from emr_desktop.core.provinces import PROVINCES_PRE_2025, is_province_code, province_name


def test_there_are_63_two_digit_codes() -> None:
    assert len(PROVINCES_PRE_2025) == 63
    for code in PROVINCES_PRE_2025:
        assert len(code) == 2
        assert code.isascii()
        assert code.isdigit()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "Thành phố Hà Nội"),
        ("02", "Tỉnh Hà Giang"),
        ("46", "Thành phố Huế"),
        ("74", "Tỉnh Bình Dương"),
        ("77", "Tỉnh Bà Rịa - Vũng Tàu"),
        ("79", "Thành phố Hồ Chí Minh"),
        ("96", "Tỉnh Cà Mau"),
    ],
)
def test_province_name(code: str, name: str) -> None:
    assert province_name(code) == name
    assert is_province_code(code)


@pytest.mark.parametrize("code", ["00", "03", "05", "99", "1", "001", "", " 1", "O1", "٠١"])
def test_unknown_codes(code: str) -> None:
    assert province_name(code) is None
    assert not is_province_code(code)


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        PROVINCES_PRE_2025["99"] = "Tỉnh Mới"  # type: ignore[index]


def test_names_are_nfc() -> None:
    for name in PROVINCES_PRE_2025.values():
        assert unicodedata.is_normalized("NFC", name)


def test_every_2025_province_kept_a_pre_2025_code() -> None:
    # Reference §6.1: each of the 34 new units reuses the code of one of its predecessors.
    from vietnam_provinces import ProvinceCode

    assert len(ProvinceCode) == 34
    for new_code in ProvinceCode:
        assert is_province_code(f"{new_code.value:02d}")
