"""The 63 province-level units that existed before the 2025 reform, by 2-digit code.

CCCD numbers (positions 1–3 = "0" + this code) and BHYT card codes (positions 4–5) carry these
codes for life, so they are needed long after 01/07/2025, when the 63 units became 34. The
installed `vietnam_provinces` package (2025.10.1) only ships the 34 new units, hence this table.

Source: shared/reference/vietnam-formats.md §1.3 (NSO list, names as on the pre-07/2025 list);
§6 explains why the current province must never be derived from these codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: 2-digit code → province name as on the NSO list before 01/07/2025 (reference §1.3).
PROVINCES_PRE_2025: Mapping[str, str] = MappingProxyType(
    {
        "01": "Thành phố Hà Nội",
        "02": "Tỉnh Hà Giang",
        "04": "Tỉnh Cao Bằng",
        "06": "Tỉnh Bắc Kạn",
        "08": "Tỉnh Tuyên Quang",
        "10": "Tỉnh Lào Cai",
        "11": "Tỉnh Điện Biên",
        "12": "Tỉnh Lai Châu",
        "14": "Tỉnh Sơn La",
        "15": "Tỉnh Yên Bái",
        "17": "Tỉnh Hoà Bình",
        "19": "Tỉnh Thái Nguyên",
        "20": "Tỉnh Lạng Sơn",
        "22": "Tỉnh Quảng Ninh",
        "24": "Tỉnh Bắc Giang",
        "25": "Tỉnh Phú Thọ",
        "26": "Tỉnh Vĩnh Phúc",
        "27": "Tỉnh Bắc Ninh",
        "30": "Tỉnh Hải Dương",
        "31": "Thành phố Hải Phòng",
        "33": "Tỉnh Hưng Yên",
        "34": "Tỉnh Thái Bình",
        "35": "Tỉnh Hà Nam",
        "36": "Tỉnh Nam Định",
        "37": "Tỉnh Ninh Bình",
        "38": "Tỉnh Thanh Hóa",
        "40": "Tỉnh Nghệ An",
        "42": "Tỉnh Hà Tĩnh",
        "44": "Tỉnh Quảng Bình",
        "45": "Tỉnh Quảng Trị",
        # Older cards say "Tỉnh Thừa Thiên Huế"; the NSO list already uses the new name.
        "46": "Thành phố Huế",
        "48": "Thành phố Đà Nẵng",
        "49": "Tỉnh Quảng Nam",
        "51": "Tỉnh Quảng Ngãi",
        "52": "Tỉnh Bình Định",
        "54": "Tỉnh Phú Yên",
        "56": "Tỉnh Khánh Hòa",
        "58": "Tỉnh Ninh Thuận",
        "60": "Tỉnh Bình Thuận",
        "62": "Tỉnh Kon Tum",
        "64": "Tỉnh Gia Lai",
        "66": "Tỉnh Đắk Lắk",
        "67": "Tỉnh Đắk Nông",
        "68": "Tỉnh Lâm Đồng",
        "70": "Tỉnh Bình Phước",
        "72": "Tỉnh Tây Ninh",
        "74": "Tỉnh Bình Dương",
        "75": "Tỉnh Đồng Nai",
        "77": "Tỉnh Bà Rịa - Vũng Tàu",
        "79": "Thành phố Hồ Chí Minh",
        "80": "Tỉnh Long An",
        "82": "Tỉnh Tiền Giang",
        "83": "Tỉnh Bến Tre",
        "84": "Tỉnh Trà Vinh",
        "86": "Tỉnh Vĩnh Long",
        "87": "Tỉnh Đồng Tháp",
        "89": "Tỉnh An Giang",
        "91": "Tỉnh Kiên Giang",
        "92": "Thành phố Cần Thơ",
        "93": "Tỉnh Hậu Giang",
        "94": "Tỉnh Sóc Trăng",
        "95": "Tỉnh Bạc Liêu",
        "96": "Tỉnh Cà Mau",
    }
)


def province_name(code2: str) -> str | None:
    """Name of the pre-2025 province with this 2-digit code, or None if there is none.

    The code must be given exactly as two ASCII digits ("01", not "1").
    """
    return PROVINCES_PRE_2025.get(code2)


def is_province_code(code2: str) -> bool:
    """Whether `code2` is the 2-digit code of one of the 63 pre-2025 provinces."""
    return code2 in PROVINCES_PRE_2025
