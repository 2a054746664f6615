"""Demo data: realistic, invented Vietnamese patients with ten years of history.

`seed_demo` fills a store for training, demonstrations and benchmarks (`emr-admin seed-demo
--patients N [--seed S]`). Everything is invented; no real person is described. The same seed
on a fresh store gives the same names, birth dates, CCCD and BHYT numbers, addresses and
histories (record ids and write stamps are new each time).

Who may seed: an administrator (`Permission.USER_MANAGE`), because seeding creates staff
accounts. The demo staff, created when missing, sign the demo history:

==================  ==============  ===================  ===========================
username            role            full name            password
==================  ==============  ===================  ===========================
``demo.bacsi``      doctor          Nguyễn Minh Tuấn     ``demo-bacsi-2025``
``demo.dieuduong``  nurse           Trần Thị Thu Hà      ``demo-dieuduong-2025``
``demo.tiepdon``    registrar       Lê Thị Ngọc Lan      ``demo-tiepdon-2025``
==================  ==============  ===================  ===========================

These passwords are public: never seed a store that holds real patients' data.

Demo data is written by the bulk path (`store.bulk`): it is local only and never pushed to a
server (no outbox rows). Batches of `BATCH_SIZE` patients are built in a helper process while
the previous batch is written, so memory stays bounded whatever the number of patients.

The population imitates a district hospital's: many children and elderly people, family
names by their real frequency, a home province (the facility's, from the first two digits of
its code) where most patients live, about 85 % with a CCCD (children under 14 mostly without,
with a guardian instead), about 70 % with a BHYT card whose beneficiary group fits their age
and work, about 80 % with a mobile number. About a third have 1–3 encounters over the last ten
years, each with vital signs, a note, one or two diagnoses and a prescription, all signed.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import functools
import logging
import multiprocessing
import random
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from vietnam_provinces import Province, Ward

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.catalog import CatalogKind, DrugEntry, Icd10Entry, load_builtin
from emr_desktop.core.errors import StorageError, ValidationError
from emr_desktop.core.ids import new_id
from emr_desktop.core.permissions import Permission
from emr_desktop.core.records import (
    ClinicalEvent,
    ClinicalNote,
    Diagnosis,
    DiagnosisRank,
    Encounter,
    EncounterKind,
    EncounterStatus,
    EventBody,
    EventStatus,
    Facility,
    IdentityStatus,
    Measurement,
    NoteType,
    Patient,
    Prescription,
    PrescriptionItem,
    Role,
    Sex,
    User,
    VitalCode,
    VitalSigns,
)
from emr_desktop.core.timeutil import VIETNAM_TZ, utc_now
from emr_desktop.services.auth import Session, add_user
from emr_desktop.store import bulk
from emr_desktop.store.store import Store

log = logging.getLogger(__name__)


#: Patients per batch (one transaction each). Part of the output's definition: the same
#: seed gives the same patients only with the same batch size.
BATCH_SIZE = 10_000

#: (username, role, full name, password) of the demo staff; see the module docstring.
DEMO_STAFF: tuple[tuple[str, str, str, str], ...] = (
    ("demo.bacsi", Role.DOCTOR, "Nguyễn Minh Tuấn", "demo-bacsi-2025"),
    ("demo.dieuduong", Role.NURSE, "Trần Thị Thu Hà", "demo-dieuduong-2025"),
    ("demo.tiepdon", Role.REGISTRAR, "Lê Thị Ngọc Lan", "demo-tiepdon-2025"),
)

AUDIT_ACTION = "demo.seed"


@dataclass(frozen=True)
class SeedReport:
    """What one `seed_demo` run wrote."""

    patients: int
    encounters: int
    events: int
    seconds: float


# ------------------------------------------------------------------ population tables


class _Weighted:
    """Values drawn by weight with one `random()` and a bisection."""

    __slots__ = ("_cum", "_total", "values")

    def __init__(self, pairs: Sequence[tuple[str, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self._cum: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self._cum.append(total)
        self._total = total

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect(self._cum, rng.random() * self._total)]


def _pairs(text: str) -> list[tuple[str, float]]:
    """ "Nguyễn:38 Trần:11" → [("Nguyễn", 38.0), ("Trần", 11.0)]."""
    result = []
    for item in text.split():
        name, _, weight = item.partition(":")
        result.append((name.replace("_", " "), float(weight or 1)))
    return result


# Approximate shares of the population (per cent); Hoàng/Huỳnh and Vũ/Võ are one name
# written the northern and the southern way, so the region picks the spelling.
_FAMILY_NORTH = _Weighted(
    _pairs(
        "Nguyễn:38 Trần:11 Lê:9.5 Phạm:7 Hoàng:5 Phan:4.5 Vũ:3.9 Đặng:2.1 Bùi:2 Đỗ:1.4 Hồ:1.3 "
        "Ngô:1.3 Dương:1 Lý:0.5 Đào:0.5 Đoàn:0.5 Trịnh:0.5 Đinh:0.5 Mai:0.4 Lương:0.4 Hà:0.4 "
        "Cao:0.3 Tạ:0.3 Lưu:0.3 Vương:0.2 Triệu:0.2 Kiều:0.2 Phùng:0.2 Tô:0.2 Khúc:0.1 Nông:0.2 "
        "Lò:0.1 Lại:0.1 Quách:0.1 Thái:0.1 Chu:0.2 Trương:0.4 Nghiêm:0.1"
    )
)
_FAMILY_SOUTH = _Weighted(
    _pairs(
        "Nguyễn:38 Trần:11 Lê:9.5 Phạm:7 Huỳnh:5 Phan:4.5 Võ:3.9 Đặng:2.1 Bùi:2 Đỗ:1.4 Hồ:1.3 "
        "Ngô:1.3 Dương:1 Lý:0.5 Đào:0.4 Đoàn:0.5 Trương:0.6 Lâm:0.4 Mai:0.4 Lương:0.3 Châu:0.3 "
        "Tô:0.2 Thái:0.2 Quách:0.1 Tăng:0.1 Hứa:0.1 La:0.1 Cao:0.3 Đinh:0.3 Từ:0.1 Văn:0.1 "
        "Kiều:0.1 Thạch:0.1 Danh:0.1 Sơn:0.1"
    )
)

_MIDDLE_MALE_OLD = _Weighted(
    _pairs("Văn:55 Hữu:6 Đức:6 Minh:5 Quang:4 Công:4 Đình:4 Xuân:3 Thanh:3 Ngọc:3 Tấn:2 Duy:2")
)
_MIDDLE_MALE_YOUNG = _Weighted(
    _pairs(
        "Văn:14 Minh:10 Đức:8 Quang:6 Hữu:5 Gia:6 Anh:5 Thành:4 Hoàng:5 Tuấn:4 Bảo:6 Quốc:5 "
        "Trung:3 Thanh:3 Công:3 Đăng:3 Nhật:3 Khánh:3"
    )
)
_MIDDLE_FEMALE_OLD = _Weighted(
    _pairs("Thị:75 Ngọc:4 Thu:3 Thanh:3 Kim:3 Minh:2 Hồng:2 Mỹ:2 Xuân:2")
)
_MIDDLE_FEMALE_YOUNG = _Weighted(
    _pairs(
        "Thị:25 Ngọc:8 Thu:5 Thanh:5 Thùy:5 Minh:4 Bảo:6 Phương:4 Kim:3 Mỹ:3 Khánh:4 Hoài:3 "
        "Diệu:2 Hải:2 Quỳnh:3 Gia:4 Tuệ:2 Tường:2"
    )
)

_GIVEN_MALE = _Weighted(
    _pairs(
        "An Anh:3 Bảo:2 Bình:2 Cường:2 Công Chiến Dũng:3 Duy:2 Dương Đạt:2 Đức:2 Đông Giang Hải:3 "
        "Hào Hiếu:2 Hiệp Hòa Hoàng:2 Hùng:3 Huy:3 Hưng:2 Khánh:2 Khang Khoa:2 Khôi Kiên Lâm Long:2 "
        "Lộc Luân Mạnh:2 Minh:3 Nam:3 Nghĩa Nguyên Nhân Phát Phong:2 Phúc:2 Phước Quân:2 Quang:2 "
        "Quốc Quý Sơn:3 Tài Tâm Tân Thái Thắng:2 Thành:3 Thanh Thiện Thịnh Thông Tiến:2 Toàn "
        "Trí Trọng Trung:2 Tú Tuấn:3 Tùng:2 Việt Vinh:2 Vũ Hậu Hiển Khải Lợi Nhật Phú Sang Thuận "
        "Toản Trường:2 Vĩnh Định Điền Bách Cảnh Chính Dân Đăng Khiêm Lực Ninh Quyết Sĩ Tấn Thạch "
        "Thức Tín Tư Tường Vương Hải_Đăng Đạo Cần Chung Diệu Giáp Hạnh Hoan Hợp Kha Khiết Lai Lập "
        "Luyện Mẫn Nhạc Phi Quảng Sáng Tuyến Thiêm Toại Vượng Xuân"
    )
)
_GIVEN_FEMALE = _Weighted(
    _pairs(
        "An Anh:3 Ánh Bích Châu Chi:2 Cúc Diệp Diệu Dung:2 Duyên Đào Giang Hà:3 Hạnh:2 Hằng:2 Hân "
        "Hiền:2 Hoa:3 Hòa Hồng:3 Huệ Hương:3 Hường Huyền:2 Khánh Khuê Lan:3 Liên:2 Liễu Linh:3 "
        "Loan:2 Lụa Ly Mai:3 My Mỹ Nga:2 Ngân Ngọc:2 Nguyệt Nhàn Nhi:2 Nhung:2 Oanh Phượng "
        "Phương:2 Quyên Quỳnh Sen Tâm Thảo:3 Thắm Thanh Thơ Thu:2 Thùy Thủy:2 Thư Thương Trang:3 "
        "Trâm Trinh Tuyết Uyên Vân:2 Vi Xuân Yến:2 Hậu Hiên Hoài Kiều Lành Lệ Lý Minh Mơ Na Nhạn "
        "Nhị Nương Phấn Quế Sương Tấm Thoa Thúy:2 Tiên Trúc Tươi Vy:2 Xoan Ý Bông Chanh Gấm Hảo "
        "Hợi Lài Lựu Mận Miên Nụ Son Tám Tho Tuyền Vinh Yên"
    )
)

#: Age bands (lowest age, highest age, weight): a district hospital sees many children
#: and many elderly people.
_AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 0, 3),
    (1, 4, 8),
    (5, 13, 10),
    (14, 17, 4),
    (18, 39, 20),
    (40, 59, 22),
    (60, 69, 14),
    (70, 79, 11),
    (80, 94, 7),
    (95, 100, 1),
)
_AGE_PICK = _Weighted([(str(i), w) for i, (_, _, w) in enumerate(_AGE_BANDS)])

_ETHNIC_DEFAULT = _Weighted(_pairs("Kinh:97 Mường:1 Hoa:1 Tày:0.5 Thái:0.5"))
_ETHNIC_NORTH_MOUNTAIN = _Weighted(_pairs("Kinh:55 Tày:14 Thái:10 Mường:5 H'Mông:7 Nùng:5 Dao:4"))
_ETHNIC_HIGHLANDS = _Weighted(_pairs("Kinh:72 Gia_Rai:10 Ê_Đê:8 Ba_Na:5 Xơ_Đăng:3 Mnông:2"))
_ETHNIC_MEKONG = _Weighted(_pairs("Kinh:88 Khmer:9 Hoa:2 Chăm:1"))

_OCCUPATION_ADULT = _Weighted(
    _pairs(
        "Nông_dân:30 Công_nhân:14 Buôn_bán:10 Nội_trợ:9 Lao_động_tự_do:12 Cán_bộ_công_chức:5 "
        "Giáo_viên:3 Tài_xế:3 Thợ_xây:4 Nhân_viên_văn_phòng:4 Ngư_dân:2 Thợ_may:2 Thợ_điện:1"
    )
)
_OCCUPATION_ELDERLY = _Weighted(
    _pairs("Hưu_trí:30 Nông_dân:40 Nội_trợ:20 Buôn_bán:5 Không_nghề_nghiệp:5")
)

#: Below the ward: villages and hamlets are named differently in the north, the mountains
#: and the south.
_HAMLET_NORTH = _Weighted(_pairs("Thôn:6 Xóm:3 Tổ:3 Khu_phố:2"))
_HAMLET_MOUNTAIN = _Weighted(_pairs("Bản:5 Thôn:4 Tổ:2"))
_HAMLET_SOUTH = _Weighted(_pairs("Ấp:6 Tổ:3 Khu_phố:3"))
_HAMLET_NAMES = (
    "Tân Hòa",
    "Phú Lợi",
    "Bình An",
    "Đông",
    "Tây",
    "Trung",
    "Hòa Bình",
    "Thắng Lợi",
    "Tân Lập",
    "Phú Thạnh",
    "An Khánh",
    "Long Thành",
    "Mỹ Hưng",
    "Quyết Tiến",
    "Đoàn Kết",
    "Hưng Long",
)

#: Mobile prefixes of Viettel, VinaPhone, MobiFone, Vietnamobile and Gmobile by share.
_MOBILE_PREFIX = _Weighted(
    _pairs(
        "032:4 033:4 034:4 035:4 036:4 037:4 038:4 039:4 086:4 096:6 097:6 098:6 "
        "081:2 082:2 083:2 084:2 085:2 088:3 091:4 094:4 "
        "070:2 076:1.5 077:1.5 078:1.5 079:1.5 089:2 090:4 093:4 "
        "052:0.5 056:0.5 058:0.5 092:1 059:0.3 099:0.3"
    )
)

#: Pre-2025 provinces (CCCD and BHYT codes) merged into each of the 34 provinces of 2025.
_MERGED_FROM: dict[int, tuple[str, ...]] = {
    1: ("01",),
    4: ("04",),
    8: ("08", "02"),
    11: ("11",),
    12: ("12",),
    14: ("14",),
    15: ("15", "10"),
    19: ("19", "06"),
    20: ("20",),
    22: ("22",),
    24: ("24", "27"),
    25: ("25", "26", "17"),
    31: ("31", "30"),
    33: ("33", "34"),
    37: ("37", "35", "36"),
    38: ("38",),
    40: ("40",),
    42: ("42",),
    44: ("44", "45"),
    46: ("46",),
    48: ("48", "49"),
    51: ("51", "62"),
    52: ("52", "64"),
    56: ("56", "58"),
    66: ("66", "54"),
    68: ("68", "67", "60"),
    75: ("75", "70"),
    79: ("79", "74", "77"),
    80: ("80", "72"),
    82: ("82", "87"),
    86: ("86", "83", "84"),
    91: ("91", "89"),
    92: ("92", "93", "94"),
    96: ("96", "95"),
}
_NORTH_MOUNTAIN = frozenset({4, 8, 11, 12, 14, 15, 19, 20})
_HIGHLANDS = frozenset({51, 52, 66, 68})
_MEKONG = frozenset({80, 82, 86, 91, 92, 96})

#: BHYT benefit level (mức hưởng) of each beneficiary group used here.
_BHYT_LEVEL = {
    "TE": 1,
    "CC": 1,
    "HN": 2,
    "DT": 2,
    "CB": 2,
    "KC": 2,
    "BT": 2,
    "HT": 3,
    "CN": 3,
    "DN": 4,
    "CH": 4,
    "HC": 4,
    "HS": 4,
    "SV": 4,
    "GD": 4,
    "GB": 4,
    "XK": 4,
    "LH": 4,
}
_BHYT_WORKING = _Weighted(_pairs("GD:40 DN:22 CH:5 HC:5 HN:7 CN:6 GB:5 XK:1 BT:1"))
_BHYT_ELDERLY = _Weighted(_pairs("HT:30 GD:25 CB:10 KC:6 CC:3 HN:8 CN:5 BT:8 LH:5"))

_TREATMENT_RESULT = _Weighted(_pairs("1:55 2:40 3:4 4:1"))


# ------------------------------------------------------------------ clinical tables


@dataclass(frozen=True)
class _Regimen:
    drug_code: str
    dosage: str
    #: Units taken per day (quantity = per_day × days), or None with `fixed` quantity.
    per_day: Decimal | None
    fixed: Decimal | None
    days: tuple[int, int]


def _rx(
    code: str, dosage: str, per_day: str | None, days: tuple[int, int], fixed: str | None = None
) -> _Regimen:
    return _Regimen(
        code, dosage, Decimal(per_day) if per_day else None, Decimal(fixed) if fixed else None, days
    )


_AFTER = "uống sau ăn"
_ACUTE = (5, 7)
_CHRONIC = (28, 30)

#: Drugs a district-hospital doctor would pick for each group of diagnoses (adults).
_REGIMENS: dict[str, tuple[_Regimen, ...]] = {
    "resp": (
        _rx("T0021", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
        _rx("T0023", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _ACUTE),
        _rx("T0001", "1 viên khi sốt trên 38,5°C, cách nhau ít nhất 4 giờ", "3", (3, 5)),
        _rx("T0158", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
        _rx("T0161", "1 viên x 1 lần/ngày, uống buổi tối", "1", _ACUTE),
    ),
    "gi": (
        _rx("T0067", "1 viên x 2 lần/ngày, uống trước ăn 30 phút", "2", (14, 28)),
        _rx("T0071", "1 viên x 1 lần/ngày, uống trước ăn sáng 30 phút", "1", (14, 28)),
        _rx("T0073", "1 gói x 3 lần/ngày, uống sau ăn 1 giờ", "3", (7, 14)),
        _rx("T0075", "1 viên x 3 lần/ngày, uống trước ăn 15 phút", "3", _ACUTE),
        _rx("T0078", "1 viên x 3 lần/ngày, uống khi đau bụng", "3", (3, 5)),
        _rx("T0085", "1 gói x 3 lần/ngày, pha với nước uống", "3", (3, 5)),
    ),
    "fever": (
        _rx("T0001", "1 viên khi sốt trên 38,5°C, cách nhau ít nhất 4 giờ", "3", (3, 5)),
        _rx("T0180", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _ACUTE),
        _rx("T0084", "Pha 1 gói với 200 ml nước chín, uống trong ngày", "2", (3, 5)),
    ),
    "htn": (
        _rx("T0090", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0095", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0097", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0109", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
    ),
    "dm": (
        _rx("T0131", "1 viên x 2 lần/ngày, uống sau ăn sáng và tối", "2", _CHRONIC),
        _rx("T0133", "1 viên x 1 lần/ngày, uống trước ăn sáng", "1", _CHRONIC),
        _rx("T0134", "1 viên x 1 lần/ngày, uống trước ăn sáng", "1", _CHRONIC),
    ),
    "lipid": (
        _rx("T0122", "1 viên x 1 lần/ngày, uống buổi tối", "1", _CHRONIC),
        _rx("T0123", "1 viên x 1 lần/ngày, uống buổi tối", "1", _CHRONIC),
        _rx("T0125", "1 viên x 1 lần/ngày, uống sau ăn tối", "1", _CHRONIC),
    ),
    "cardio": (
        _rx("T0117", "1 viên x 1 lần/ngày, uống sau ăn trưa", "1", _CHRONIC),
        _rx("T0101", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0107", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0113", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
    ),
    "stroke": (
        _rx("T0118", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _CHRONIC),
        _rx("T0117", "1 viên x 1 lần/ngày, uống sau ăn trưa", "1", _CHRONIC),
        _rx("T0122", "1 viên x 1 lần/ngày, uống buổi tối", "1", _CHRONIC),
        _rx("T0174", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _CHRONIC),
    ),
    "copd": (
        _rx("T0149", f"1 viên x 3 lần/ngày, {_AFTER}", "3", (7, 10)),
        _rx("T0155", f"1 viên x 2 lần/ngày, {_AFTER}", "2", (7, 10)),
        _rx("T0145", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _ACUTE),
        _rx("T0157", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
    ),
    "msk": (
        _rx("T0011", "1 viên x 1 lần/ngày, uống sau ăn no", "1", (7, 10)),
        _rx("T0001", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
        _rx("T0019", f"1 viên x 3 lần/ngày, {_AFTER}", "3", (7, 10)),
        _rx("T0020", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _CHRONIC),
        _rx("T0179", f"1 viên x 2 lần/ngày, {_AFTER}", "2", (10, 14)),
        _rx("T0185", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _CHRONIC),
    ),
    "gout": (
        _rx("T0018", f"1 viên x 2 lần/ngày, {_AFTER}", "2", (3, 5)),
        _rx("T0017", f"1 viên x 1 lần/ngày, {_AFTER}", "1", _CHRONIC),
        _rx("T0011", "1 viên x 1 lần/ngày, uống sau ăn no", "1", _ACUTE),
    ),
    "uro": (
        _rx("T0050", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _ACUTE),
        _rx("T0081", "1 viên x 3 lần/ngày, uống khi đau", "3", (3, 5)),
    ),
    "prostate": (_rx("T0202", "1 viên x 1 lần/ngày, uống sau ăn tối", "1", _CHRONIC),),
    "kidney": (
        _rx("T0107", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0090", "1 viên x 1 lần/ngày, uống buổi sáng", "1", _CHRONIC),
        _rx("T0184", f"1 viên x 1 lần/ngày, {_AFTER}", "1", _CHRONIC),
    ),
    "skin": (
        _rx("T0161", "1 viên x 1 lần/ngày, uống buổi tối", "1", (7, 10)),
        _rx("T0160", "1 viên x 1 lần/ngày, uống buổi tối", "1", (7, 10)),
        _rx("T0030", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
    ),
    "neuro": (
        _rx("T0175", f"1 viên x 2 lần/ngày, {_AFTER}", "2", (14, 28)),
        _rx("T0176", f"1 viên x 3 lần/ngày, {_AFTER}", "3", (7, 14)),
        _rx("T0177", "1 viên x 1 lần/ngày, uống buổi tối", "1", (14, 28)),
        _rx("T0172", "1 viên x 1 lần/ngày, uống buổi tối", "1", (14, 28)),
        _rx("T0179", f"1 viên x 2 lần/ngày, {_AFTER}", "2", (14, 28)),
    ),
    "eye": (_rx("T0218", "Nhỏ mắt 1–2 giọt x 4 lần/ngày", None, (5, 7), fixed="1"),),
    "thyroid": (
        _rx("T0142", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _CHRONIC),
        _rx("T0104", f"1 viên x 2 lần/ngày, {_AFTER}", "2", _CHRONIC),
        _rx("T0141", "1 viên x 1 lần/ngày, uống lúc đói buổi sáng", "1", _CHRONIC),
    ),
    "gyn": (
        _rx("T0215", "Đặt 1 viên vào âm đạo trước khi ngủ", "1", (6, 6)),
        _rx("T0055", f"2 viên x 2 lần/ngày, {_AFTER}", "4", (7, 7)),
        _rx("T0078", "1 viên x 3 lần/ngày, uống khi đau bụng", "3", (3, 5)),
    ),
    "obs": (
        _rx("T0183", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _CHRONIC),
        _rx("T0185", "1 viên x 1 lần/ngày, uống sau ăn trưa", "1", _CHRONIC),
    ),
    "anemia": (
        _rx("T0183", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _CHRONIC),
        _rx("T0184", f"1 viên x 1 lần/ngày, {_AFTER}", "1", _CHRONIC),
    ),
    "injury": (
        _rx("T0001", f"1 viên x 3 lần/ngày, {_AFTER}", "3", (3, 5)),
        _rx("T0007", "1 viên x 2 lần/ngày, uống sau ăn no", "2", (3, 5)),
        _rx("T0030", f"1 viên x 3 lần/ngày, {_AFTER}", "3", _ACUTE),
    ),
}

#: The same groups for children under 12: powders, suspensions, child doses.
_CHILD_REGIMENS: dict[str, tuple[_Regimen, ...]] = {
    "resp": (
        _rx("T0022", "1 gói x 3 lần/ngày, pha nước uống sau ăn", "3", _ACUTE),
        _rx("T0003", "1 gói khi sốt trên 38,5°C, cách nhau 4–6 giờ", "3", (3, 5)),
        _rx("T0156", "1 gói x 2 lần/ngày, pha nước uống", "2", _ACUTE),
    ),
    "gi": (
        _rx("T0084", "Pha 1 gói với 200 ml nước chín, uống sau mỗi lần đi ngoài", "3", (3, 5)),
        _rx("T0085", "1 gói x 2 lần/ngày, pha với nước uống", "2", (3, 5)),
        _rx("T0086", "1 gói x 1 lần/ngày, uống sau ăn", "1", (10, 14)),
    ),
    "fever": (
        _rx("T0003", "1 gói khi sốt trên 38,5°C, cách nhau 4–6 giờ", "3", (3, 5)),
        _rx("T0084", "Pha 1 gói với 200 ml nước chín, uống trong ngày", "1", (3, 5)),
    ),
    "skin": (
        _rx("T0163", "½ viên x 2 lần/ngày, uống sau ăn", "1", _ACUTE),
        _rx("T0022", "1 gói x 3 lần/ngày, pha nước uống sau ăn", "3", _ACUTE),
    ),
    "asthma": (
        _rx("T0149", "½ viên x 3 lần/ngày, uống sau ăn", "1.5", _ACUTE),
        _rx("T0156", "1 gói x 2 lần/ngày, pha nước uống", "2", _ACUTE),
    ),
    "worm": (_rx("T0065", "1 viên nhai, uống một liều duy nhất", None, (1, 1), fixed="1"),),
    "anemia": (_rx("T0183", "1 viên x 1 lần/ngày, uống sau ăn sáng", "1", _CHRONIC),),
    "injury": (
        _rx("T0008", "5 ml x 3 lần/ngày, uống sau ăn", None, (3, 5), fixed="1"),
        _rx("T0003", "1 gói khi đau hoặc sốt, cách nhau 4–6 giờ", "3", (3, 5)),
    ),
    "ent": (
        _rx("T0022", "1 gói x 3 lần/ngày, pha nước uống sau ăn", "3", (7, 10)),
        _rx("T0003", "1 gói khi sốt trên 38,5°C, cách nhau 4–6 giờ", "3", (3, 5)),
    ),
    "check": (_rx("T0086", "1 gói x 1 lần/ngày, uống sau ăn", "1", (10, 14)),),
}


def _dx(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, group) for code, _, group in (i.partition(":") for i in text.split()))


#: Common diagnoses of a district hospital by age group: (ICD-10 code, group of `_REGIMENS`).
_DIAGNOSES_CHILD = _dx(
    "J00:resp J02.9:resp J03.9:resp J06.9:resp J18.9:resp J20.9:resp J21.9:resp "
    "J45.9:asthma A09:gi A08.0:gi K52.9:gi B01.9:fever B08.4:fever A90:fever A91:fever "
    "H66.9:ent L20.9:skin L01.0:skin R50.9:fever B77.9:worm D50.9:anemia S00.9:injury "
    "S52.5:injury R56.0:fever Z00.1:check"
)
_DIAGNOSES_ADULT = _dx(
    "J02.9:resp J06.9:resp J20.9:resp J18.9:resp K29.7:gi K21.0:gi K30:gi K58.8:gi A09:gi "
    "M54.5:msk M54.2:msk M51.1:msk I10:htn E11.9:dm E78.5:lipid K76.0:gi B18.1:gi "
    "N39.0:uro N20.0:uro L50.9:skin L30.9:skin G43.9:neuro G44.2:neuro F41.1:neuro "
    "F51.0:neuro H10.9:eye S61.9:injury S82.6:injury S93.4:injury T14.1:injury A90:fever "
    "A91:fever K80.2:gi R10.4:gi E05.9:thyroid E04.9:thyroid"
)
_DIAGNOSES_ELDERLY = _dx(
    "I10:htn I10:htn E11.9:dm E78.5:lipid I25.9:cardio I50.9:cardio I63.9:stroke "
    "I69.3:stroke I48.9:cardio J44.9:copd J44.1:copd J18.9:resp J20.9:resp M17.9:msk "
    "M47.9:msk M81.9:msk M10.9:gout M54.5:msk K29.7:gi K21.0:gi N18.9:kidney H25.9:eye "
    "H40.9:eye G20:neuro F03:neuro R42:neuro H81.1:neuro N39.0:uro I67.2:stroke"
)
_DIAGNOSES_WOMEN = _dx("N76.0:gyn N73.9:gyn N92.0:gyn D25.9:gyn N95.1:gyn")
_DIAGNOSES_PREGNANCY = _dx("Z34.9:obs O21.0:obs O20.0:obs O80:obs")
_DIAGNOSES_OLDER_MEN = _dx("N40:prostate")

#: Diagnoses that usually mean a stay rather than a visit.
_INPATIENT_PRONE = frozenset(
    {
        "J18.9",
        "J21.9",
        "I63.9",
        "I50.9",
        "J44.1",
        "A91",
        "O80",
        "K80.2",
        "S82.6",
        "S52.5",
        "A09",
        "I48.9",
        "R56.0",
        "N18.9",
    }
)

_GROUP_TEXT: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # group: (reasons for coming, examination findings, management)
    "resp": (
        ("Ho, sốt {d} ngày", "Đau họng, sổ mũi {d} ngày", "Ho có đờm, khó thở nhẹ"),
        (
            "Họng đỏ, amidan sưng",
            "Phổi thông khí được, ran ẩm rải rác hai đáy phổi",
            "Phổi không ran, nhịp thở đều",
        ),
        (
            "Kháng sinh, hạ sốt, long đờm; uống nhiều nước",
            "Điều trị triệu chứng, theo dõi nhiệt độ",
        ),
    ),
    "asthma": (
        ("Khò khè, khó thở về đêm", "Ho, khò khè sau nhiễm lạnh"),
        ("Ran rít, ran ngáy hai phổi", "Thở nhanh nhẹ, không co kéo"),
        ("Giãn phế quản, tránh khói bụi, tái khám khi khó thở tăng",),
    ),
    "gi": (
        (
            "Đau thượng vị {d} ngày",
            "Tiêu chảy {d} lần/ngày",
            "Đau bụng, buồn nôn",
            "Ợ chua, nóng rát sau xương ức",
        ),
        (
            "Bụng mềm, ấn đau vùng thượng vị",
            "Bụng chướng nhẹ, không phản ứng thành bụng",
            "Dấu mất nước (-)",
        ),
        ("Ăn nhẹ, chia nhiều bữa, tránh đồ cay, rượu bia", "Bù nước điện giải đường uống"),
    ),
    "fever": (
        ("Sốt cao {d} ngày", "Sốt, nổi ban, mệt mỏi"),
        ("Da niêm hồng, không xuất huyết dưới da", "Nổi ban rải rác, không dấu xuất huyết"),
        ("Hạ sốt, bù nước; theo dõi dấu hiệu cảnh báo",),
    ),
    "htn": (
        ("Đau đầu, chóng mặt", "Tái khám tăng huyết áp", "Đến lĩnh thuốc định kỳ"),
        ("Tim đều, không âm thổi", "Không phù, phổi không ran"),
        ("Tiếp tục thuốc hạ áp, ăn nhạt, tập thể dục đều", "Theo dõi huyết áp tại nhà"),
    ),
    "dm": (
        ("Tái khám đái tháo đường", "Khát nhiều, tiểu nhiều", "Đến lĩnh thuốc định kỳ"),
        ("Bàn chân không loét, mạch mu chân bắt rõ", "Không phù"),
        ("Chế độ ăn giảm đường bột, tiếp tục thuốc hạ đường huyết",),
    ),
    "lipid": (
        ("Kiểm tra mỡ máu", "Tái khám rối loạn lipid máu"),
        ("Thể trạng thừa cân", "Khám tim phổi chưa phát hiện bất thường"),
        ("Ăn giảm mỡ, tăng vận động, dùng thuốc hạ mỡ máu",),
    ),
    "cardio": (
        ("Hồi hộp, đánh trống ngực", "Khó thở khi gắng sức", "Đau ngực trái"),
        ("Tim loạn nhịp hoàn toàn", "Phù nhẹ hai mắt cá chân", "Tim đều, T1 T2 rõ"),
        ("Điều trị nội khoa, hạn chế muối, tái khám đúng hẹn",),
    ),
    "stroke": (
        ("Yếu nửa người {d} ngày", "Nói khó, méo miệng", "Tái khám sau tai biến"),
        ("Liệt nửa người, cơ lực 3/5", "Rối loạn ngôn ngữ nhẹ"),
        ("Chống kết tập tiểu cầu, phục hồi chức năng",),
    ),
    "copd": (
        ("Khó thở tăng, ho khạc đờm", "Ho kéo dài, khó thở khi gắng sức"),
        ("Lồng ngực hình thùng, ran rít ran ngáy", "Rì rào phế nang giảm"),
        ("Giãn phế quản, bỏ thuốc lá, tập thở",),
    ),
    "msk": (
        ("Đau lưng {d} ngày", "Đau khớp gối, đi lại khó", "Đau mỏi vai gáy"),
        ("Co cứng cơ cạnh cột sống", "Khớp gối lạo xạo khi vận động", "Hạn chế vận động"),
        ("Giảm đau, giãn cơ, tập vận động nhẹ nhàng", "Chườm ấm, tránh mang vác nặng"),
    ),
    "gout": (
        ("Sưng đau khớp ngón chân cái", "Đau khớp cổ chân về đêm"),
        ("Khớp sưng nóng đỏ", "Hạt tophi vành tai"),
        ("Hạn chế đạm, rượu bia, uống nhiều nước",),
    ),
    "uro": (
        ("Tiểu buốt, tiểu rắt", "Đau hông lưng"),
        ("Ấn điểm niệu quản đau", "Rung thận (-)"),
        ("Kháng sinh, uống nhiều nước",),
    ),
    "prostate": (
        ("Tiểu đêm nhiều lần, tiểu khó",),
        ("Cầu bàng quang (-)",),
        ("Điều trị nội khoa, hẹn siêu âm kiểm tra",),
    ),
    "kidney": (
        ("Phù, mệt mỏi", "Tái khám suy thận mạn"),
        ("Phù nhẹ hai chi dưới", "Da xanh"),
        ("Hạn chế muối, đạm; theo dõi chức năng thận",),
    ),
    "skin": (
        ("Ngứa, nổi mẩn {d} ngày", "Mụn mủ vùng da"),
        ("Sẩn phù rải rác thân mình", "Tổn thương da khu trú"),
        ("Kháng histamin, vệ sinh da sạch sẽ",),
    ),
    "neuro": (
        ("Đau đầu, chóng mặt", "Mất ngủ kéo dài", "Hoa mắt, chóng mặt khi thay đổi tư thế"),
        ("Không dấu thần kinh khu trú", "Romberg (-)"),
        ("Nghỉ ngơi, điều trị triệu chứng",),
    ),
    "eye": (
        ("Đỏ mắt, cộm mắt", "Nhìn mờ"),
        ("Kết mạc cương tụ", "Thể thủy tinh đục"),
        ("Nhỏ thuốc, vệ sinh mắt, hẹn khám chuyên khoa mắt",),
    ),
    "ent": (
        ("Đau tai, sốt", "Chảy mủ tai"),
        ("Màng nhĩ đỏ, phồng",),
        ("Kháng sinh, hạ sốt, giữ tai khô",),
    ),
    "thyroid": (
        ("Hồi hộp, sụt cân", "Sưng vùng cổ"),
        ("Tuyến giáp to độ I",),
        ("Điều trị nội khoa, hẹn xét nghiệm hormon tuyến giáp",),
    ),
    "gyn": (
        ("Khí hư bất thường", "Đau bụng dưới", "Rối loạn kinh nguyệt"),
        ("Âm đạo nhiều khí hư", "Tử cung không to, hai phần phụ không sờ thấy khối"),
        ("Điều trị theo phác đồ, vệ sinh sạch sẽ",),
    ),
    "obs": (
        ("Khám thai định kỳ", "Nghén nhiều", "Đau bụng, ra máu âm đạo ít"),
        ("Tim thai đều", "Bề cao tử cung phù hợp tuổi thai"),
        ("Bổ sung sắt, acid folic, khám thai đúng hẹn",),
    ),
    "anemia": (("Mệt mỏi, da xanh",), ("Niêm mạc nhợt",), ("Bổ sung sắt, ăn uống đủ chất",)),
    "worm": (("Đau bụng quanh rốn",), ("Bụng mềm",), ("Tẩy giun, vệ sinh ăn uống",)),
    "injury": (
        ("Ngã xe máy, đau {d} giờ", "Tai nạn lao động, vết thương ở tay", "Ngã tại nhà"),
        ("Vết thương sạch, bờ mép gọn", "Sưng nề, biến dạng, ấn đau chói"),
        ("Sơ cứu, băng bó, giảm đau; chụp X-quang kiểm tra", "Cố định, giảm đau"),
    ),
    "check": (
        ("Khám sức khỏe định kỳ",),
        ("Trẻ phát triển bình thường",),
        ("Tư vấn dinh dưỡng, tiêm chủng đúng lịch",),
    ),
}


@functools.cache
def _icd10_names() -> dict[str, str]:
    """Vietnamese names of the catalogue's ICD-10 codes (only codes that have one)."""
    return {
        entry.code: entry.name_vi
        for entry in load_builtin(CatalogKind.ICD10)
        if isinstance(entry, Icd10Entry) and entry.name_vi
    }


@functools.cache
def _drugs() -> dict[str, DrugEntry]:
    return {
        entry.code: entry
        for entry in load_builtin(CatalogKind.DRUGS)
        if isinstance(entry, DrugEntry)
    }


def curated_codes() -> tuple[list[str], list[str]]:
    """The ICD-10 and drug codes the generator uses (for checking them against catalogues)."""
    dx = [
        code
        for table in (
            _DIAGNOSES_CHILD,
            _DIAGNOSES_ADULT,
            _DIAGNOSES_ELDERLY,
            _DIAGNOSES_WOMEN,
            _DIAGNOSES_PREGNANCY,
            _DIAGNOSES_OLDER_MEN,
        )
        for code, _ in table
    ]
    drugs = [
        r.drug_code
        for table in (_REGIMENS, _CHILD_REGIMENS)
        for group in table.values()
        for r in group
    ]
    return dx, drugs


# ------------------------------------------------------------------ the generator


@dataclass(frozen=True)
class _Plan:
    """Everything a batch needs, picklable for a helper process."""

    seed: int
    facility_id: str
    facility_code: str
    device_id: str
    doctor_id: str
    nurse_id: str
    registrar_id: str
    #: 2025 province code of the facility's area, where most patients live.
    home_province: int
    #: First MRN of this run; patient i of the run gets `first_mrn + i`.
    first_mrn: int
    now: datetime


@dataclass(frozen=True)
class _Area:
    wards: tuple[str, ...]
    province: str
    old_codes: tuple[str, ...]
    province_code: int


@functools.cache
def _areas(home_province: int, seed: int) -> tuple[_Area, tuple[_Area, ...]]:
    """The hospital's catchment (a few dozen wards of its province) and the other provinces."""
    by_province: dict[int, list[str]] = {}
    for ward in Ward.iter_all():
        by_province.setdefault(int(ward.province_code), []).append(ward.name)
    areas = []
    for province in Province.iter_all():
        code = int(province.code)
        name = province.name if province.name.startswith("Thành phố") else (f"Tỉnh {province.name}")
        areas.append(_Area(tuple(sorted(by_province[code])), name, _MERGED_FROM[code], code))
    areas.sort(key=lambda a: a.province_code)
    home = next(a for a in areas if a.province_code == home_province)
    rng = random.Random(seed)
    catchment = tuple(rng.sample(home.wards, min(40, len(home.wards))))
    return replace(home, wards=catchment), tuple(areas)


def home_province_for(facility_code: str, seed: int) -> int:
    """The 2025 province of a facility: its code starts with its pre-2025 province code."""
    old = facility_code[:2]
    for new, merged in _MERGED_FROM.items():
        if old in merged:
            return new
    return sorted(_MERGED_FROM)[random.Random(seed).randrange(len(_MERGED_FROM))]


@functools.cache
def _affine_params(modulus: int, seed: int, salt: int) -> tuple[int, int]:
    mul = random.Random(seed * 7919 + salt).randrange(modulus // 10) * 10 + 3
    return mul, random.Random(seed * 104729 + salt).randrange(modulus)


def _affine(index: int, modulus: int, seed: int, salt: int) -> int:
    """A bijection of [0, modulus) (modulus a power of ten), so numbers never repeat."""
    mul, off = _affine_params(modulus, seed, salt)
    return (index * mul + off) % modulus


def _decimal1(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


class _BatchBuilder:
    """Makes the records of one batch; every choice comes from one seeded generator."""

    def __init__(
        self, plan: _Plan, batch_no: int, drop_cccds: frozenset[str] = frozenset()
    ) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed * 1_000_003 + batch_no)
        self.drop_cccds = drop_cccds
        self.home, self.areas = _areas(plan.home_province, plan.seed)
        self.home_province = next(a for a in self.areas if a.province_code == plan.home_province)
        self.south = plan.home_province >= 44
        self.today = plan.now.astimezone(VIETNAM_TZ).date()
        if plan.home_province in _NORTH_MOUNTAIN:
            self.ethnicity = _ETHNIC_NORTH_MOUNTAIN
        elif plan.home_province in _HIGHLANDS:
            self.ethnicity = _ETHNIC_HIGHLANDS
        elif plan.home_province in _MEKONG:
            self.ethnicity = _ETHNIC_MEKONG
        else:
            self.ethnicity = _ETHNIC_DEFAULT
        self.batch = bulk.BulkBatch()

    # -------------------------------------------------------------- demographics

    def _name(self, sex: str, birth_year: int, family: str | None = None) -> str:
        rng = self.rng
        family = family or (_FAMILY_SOUTH if self.south else _FAMILY_NORTH).pick(rng)
        old = birth_year < 1985
        if sex == Sex.MALE:
            middle = (_MIDDLE_MALE_OLD if old else _MIDDLE_MALE_YOUNG).pick(rng)
            given = _GIVEN_MALE.pick(rng)
        else:
            middle = (_MIDDLE_FEMALE_OLD if old else _MIDDLE_FEMALE_YOUNG).pick(rng)
            given = _GIVEN_FEMALE.pick(rng)
        if middle == given:
            middle = "Văn" if sex == Sex.MALE else "Thị"
        return f"{family} {middle} {given}"

    def _address(self) -> tuple[str, _Area]:
        rng = self.rng
        draw = rng.random()
        if draw < 0.85:
            area = self.home
        elif draw < 0.95:
            area = self.home_province
        else:
            area = self.areas[rng.randrange(len(self.areas))]
        ward = area.wards[rng.randrange(len(area.wards))]
        if area.province_code in _NORTH_MOUNTAIN:
            kind = _HAMLET_MOUNTAIN.pick(rng)
        elif area.province_code >= 44:
            kind = _HAMLET_SOUTH.pick(rng)
        else:
            kind = _HAMLET_NORTH.pick(rng)
        if kind != "Bản" and rng.random() < 0.6:
            place = f"{kind} {rng.randint(1, 15)}"
        else:
            place = f"{kind} {_HAMLET_NAMES[rng.randrange(len(_HAMLET_NAMES))]}"
        return f"{place}, {ward}, {area.province}", area

    def _phone(self) -> str:
        return f"{_MOBILE_PREFIX.pick(self.rng)}{self.rng.randrange(10_000_000):07d}"

    def _bhyt(
        self,
        index: int,
        age: int,
        occupation: str | None,
        ethnicity: str,
        area: _Area,
        birth: BirthDate,
    ) -> tuple[str, date, date]:
        rng = self.rng
        if age < 6:
            group = "TE"
        elif age < 18:
            group = "HS"
        elif age < 23 and rng.random() < 0.4:
            group = "SV"
        elif age >= 60:
            group = _BHYT_ELDERLY.pick(rng)
        elif ethnicity != "Kinh" and rng.random() < 0.6:
            group = "DT"
        elif occupation in ("Cán bộ công chức", "Giáo viên"):
            group = "HC"
        elif occupation == "Công nhân":
            group = "DN"
        else:
            group = _BHYT_WORKING.pick(rng)
        old_code = area.old_codes[rng.randrange(len(area.old_codes))]
        number = _affine(self.plan.first_mrn + index, 10**8, self.plan.seed, 2)
        code = f"{group}{_BHYT_LEVEL[group]}{old_code}{old_code}{number:08d}"
        year = self.today.year - (1 if rng.random() < 0.1 else 0)
        valid_from, valid_to = date(year, 1, 1), date(year, 12, 31)
        if group == "TE" and birth.date is not None:
            # A child's card runs from birth to the day before the sixth birthday.
            valid_from = birth.date
            sixth = birth.date.replace(year=birth.year + 6, day=min(birth.date.day, 28))
            valid_to = sixth - timedelta(days=1)
        return code, valid_from, valid_to

    def _cccd(self, index: int, sex: str, birth_year: int, area: _Area) -> str:
        old_code = area.old_codes[self.rng.randrange(len(area.old_codes))]
        digit4 = (birth_year // 100 - 19) * 2 + (0 if sex == Sex.MALE else 1)
        serial = _affine(self.plan.first_mrn + index, 10**6, self.plan.seed, 1)
        return f"0{old_code}{digit4}{birth_year % 100:02d}{serial:06d}"

    def patient(self, index: int) -> tuple[Patient, int]:
        """Patient number `index` of the run and their age in years."""
        rng, plan = self.rng, self.plan
        low, high, _ = _AGE_BANDS[int(_AGE_PICK.pick(rng))]
        age = rng.randint(low, high)
        sex = Sex.FEMALE if rng.random() < (0.56 if age >= 60 else 0.5) else Sex.MALE
        born = self.today - timedelta(days=age * 365 + rng.randrange(365))
        age = (
            self.today.year
            - born.year
            - ((self.today.month, self.today.day) < (born.month, born.day))
        )
        birth = (
            BirthDate(born.year)
            if age >= 60 and rng.random() < 0.15
            else BirthDate(born.year, born)
        )
        full_name = self._name(sex, born.year)
        address, area = self._address()
        ethnicity = self.ethnicity.pick(rng)
        guardian = None
        if age < 6:
            occupation = "Trẻ em"
        elif age < 18:
            occupation = "Học sinh"
        elif age < 23 and rng.random() < 0.3:
            occupation = "Sinh viên"
        elif age >= 60:
            occupation = _OCCUPATION_ELDERLY.pick(rng)
        else:
            occupation = _OCCUPATION_ADULT.pick(rng)
        if age < 16:
            # Children take the father's family name; the parent present is the guardian.
            family = full_name.split(" ", 1)[0]
            parent_sex = Sex.MALE if rng.random() < 0.4 else Sex.FEMALE
            guardian = self._name(
                parent_sex,
                born.year - rng.randint(22, 38),
                family if parent_sex == Sex.MALE else None,
            )
        has_cccd = rng.random() < (0.3 if age < 14 else 0.99)
        cccd = self._cccd(index, sex, born.year, area) if has_cccd else None
        if cccd in self.drop_cccds:
            cccd = None
        bhyt = valid_from = valid_to = None
        if rng.random() < (0.95 if age < 6 else 0.8 if age >= 60 else 0.62):
            bhyt, valid_from, valid_to = self._bhyt(index, age, occupation, ethnicity, area, birth)
        phones: tuple[str, ...] = (self._phone(),) if rng.random() < 0.8 else ()
        if phones and rng.random() < 0.05:
            phones = (*phones, self._phone())
        registered_days = rng.randrange(min(3650, max(1, (self.today - born).days)))
        created_at = plan.now - timedelta(days=registered_days, seconds=rng.randrange(86_400))
        patient = Patient(
            id=new_id(),
            facility_id=plan.facility_id,
            created_at=created_at,
            created_by=plan.registrar_id,
            device_id=plan.device_id,
            mrn=f"{plan.first_mrn + index:010d}",
            full_name=full_name,
            sex=sex,
            date_of_birth=birth,
            cccd=cccd,
            bhyt_number=bhyt,
            bhyt_valid_from=valid_from,
            bhyt_valid_to=valid_to,
            bhyt_registered_facility=plan.facility_code if bhyt else None,
            phones=phones,
            address=address,
            ethnicity=ethnicity,
            occupation=occupation,
            guardian_name=guardian,
            identity_status=IdentityStatus.VERIFIED if cccd else IdentityStatus.INCOMPLETE,
        )
        return patient, age

    # -------------------------------------------------------------- clinical history

    def _diagnoses(self, age: int, sex: str) -> list[tuple[str, str]]:
        rng = self.rng
        if age < 16:
            table = _DIAGNOSES_CHILD
        elif age < 60:
            table = _DIAGNOSES_ADULT
            if sex == Sex.FEMALE and rng.random() < 0.25:
                pregnant = 18 <= age <= 44 and rng.random() < 0.5
                table = _DIAGNOSES_PREGNANCY if pregnant else _DIAGNOSES_WOMEN
        else:
            table = _DIAGNOSES_ELDERLY
        if sex == Sex.MALE and age >= 50 and rng.random() < 0.1:
            table = _DIAGNOSES_OLDER_MEN
        first = table[rng.randrange(len(table))]
        chosen = [first]
        if rng.random() < 0.35:
            pool = _DIAGNOSES_ELDERLY if age >= 60 else table
            second = pool[rng.randrange(len(pool))]
            if (
                second[0] != first[0]
                and second[0][0] != "O"
                and (second[1] in _REGIMENS or age < 12)
            ):
                chosen.append(second)
        return chosen

    def _vitals(self, age: int, group: str) -> VitalSigns:
        rng = self.rng
        fever = group in ("fever", "resp", "ent") and rng.random() < 0.6
        temp = rng.uniform(37.8, 39.6) if fever else rng.uniform(36.3, 37.2)
        values: list[tuple[str, float]] = [(VitalCode.TEMPERATURE, temp)]
        if age < 1:
            values += [
                (VitalCode.PULSE, rng.randint(110, 160)),
                (VitalCode.RESPIRATORY_RATE, rng.randint(30, 50)),
                (VitalCode.WEIGHT, rng.uniform(3.2, 10)),
                (VitalCode.HEIGHT, rng.uniform(50, 75)),
            ]
        elif age < 5:
            values += [
                (VitalCode.PULSE, rng.randint(90, 140)),
                (VitalCode.RESPIRATORY_RATE, rng.randint(24, 40)),
                (VitalCode.WEIGHT, rng.uniform(9, 18)),
                (VitalCode.HEIGHT, rng.uniform(75, 110)),
            ]
        elif age < 14:
            values += [
                (VitalCode.PULSE, rng.randint(70, 120)),
                (VitalCode.RESPIRATORY_RATE, rng.randint(18, 30)),
                (VitalCode.WEIGHT, rng.uniform(16, 45)),
                (VitalCode.HEIGHT, rng.uniform(105, 160)),
            ]
        else:
            systolic = _clamp(
                rng.gauss(108 + 0.5 * age + (25 if group == "htn" else 0), 14), 85, 210
            )
            diastolic = _clamp(rng.gauss(systolic * 0.62, 6), 50, systolic - 20)
            values += [
                (VitalCode.PULSE, rng.randint(60, 100)),
                (VitalCode.RESPIRATORY_RATE, rng.randint(16, 22)),
                (VitalCode.SYSTOLIC, round(systolic)),
                (VitalCode.DIASTOLIC, round(diastolic)),
                (VitalCode.WEIGHT, _clamp(rng.gauss(54, 9), 35, 95)),
                (VitalCode.HEIGHT, _clamp(rng.gauss(158, 7), 140, 185)),
            ]
        low_oxygen = group in ("copd", "cardio") or (group == "resp" and age >= 60)
        values.append((VitalCode.SPO2, rng.randint(89, 96) if low_oxygen else rng.randint(96, 100)))
        if group == "dm":
            values.append((VitalCode.BLOOD_GLUCOSE, rng.uniform(5.5, 15)))
        return VitalSigns(
            measurements=tuple(
                Measurement(
                    code,
                    _decimal1(value) if isinstance(value, float) else Decimal(value),
                    _SPEC_UNITS[code],
                )
                for code, value in values
            )
        )

    def _prescription(self, age: int, diagnoses: list[tuple[str, str]], day: date) -> Prescription:
        rng = self.rng
        items: list[PrescriptionItem] = []
        for _, group in diagnoses:
            options = (
                (_CHILD_REGIMENS.get(group) if age < 12 else None)
                or _REGIMENS.get(group)
                or _CHILD_REGIMENS[group]
            )
            for regimen in rng.sample(options, min(len(options), rng.randint(1, 3))):
                if any(item.drug_code == regimen.drug_code for item in items):
                    continue
                drug = _drugs()[regimen.drug_code]
                days = rng.randint(*regimen.days)
                quantity = (
                    regimen.fixed
                    if regimen.fixed is not None
                    else ((regimen.per_day or Decimal(1)) * days).to_integral_value(
                        rounding="ROUND_UP"
                    )
                )
                items.append(
                    PrescriptionItem(
                        drug_code=drug.code,
                        drug_name=drug.name_vi,
                        dosage=regimen.dosage,
                        quantity=quantity,
                        unit=drug.unit,
                        days=days,
                        route=drug.route.value,
                    )
                )
        chronic = any(group in _CHRONIC_GROUPS for _, group in diagnoses)
        return Prescription(
            items=tuple(items),
            diagnosis_codes=tuple(code for code, _ in diagnoses),
            advice="Tái khám khi hết thuốc hoặc khi có dấu hiệu bất thường."
            if chronic
            else "Tái khám sau 1 tuần hoặc ngay khi có dấu hiệu bất thường.",
            follow_up=day + timedelta(days=30 if chronic else 7),
            # Seeded like everything else in the demo (core.eprescription makes real ones).
            code=self.plan.facility_code
            + "".join(rng.choices(string.ascii_uppercase + string.digits, k=7))
            + "-c",
        )

    def _signed(
        self, patient: Patient, encounter: Encounter, at: datetime, author: str, body: EventBody
    ) -> ClinicalEvent:
        plan = self.plan
        draft = ClinicalEvent(
            id=new_id(),
            facility_id=plan.facility_id,
            patient_id=patient.id,
            encounter_id=encounter.id,
            effective_at=at,
            created_at=at,
            created_by=author,
            device_id=plan.device_id,
            body=body,
        )
        return replace(
            draft,
            status=EventStatus.SIGNED,
            signed_by=author,
            signed_at=at + timedelta(minutes=self.rng.randint(1, 20)),
            content_hash=draft.content_digest(),
        )

    def history(self, patient: Patient, age: int) -> None:
        """Add 0–3 past encounters with their signed events to the batch."""
        rng, plan = self.rng, self.plan
        if rng.random() >= (0.45 if age >= 60 or age < 6 else 0.3):
            return
        first_day = max(patient.created_at, plan.now - timedelta(days=3650))
        # Every stay has ended: the last one starts at least twelve days ago.
        span = int((plan.now - timedelta(days=12) - first_day).total_seconds() // 86_400)
        if span < 1:
            return
        count = rng.choices((1, 2, 3), (5, 3, 2))[0]
        days = sorted(rng.randrange(span) for _ in range(count))
        for offset in days:
            day = (first_day + timedelta(days=offset)).astimezone(VIETNAM_TZ).date()
            local = datetime(
                day.year,
                day.month,
                day.day,
                rng.randint(7, 16),
                rng.randrange(60),
                tzinfo=VIETNAM_TZ,
            )
            start = max(local.astimezone(UTC), patient.created_at)
            self._encounter(patient, age - (plan.now - start).days // 365, start)

    def _encounter(self, patient: Patient, age: int, start: datetime) -> None:
        rng, plan = self.rng, self.plan
        age = max(0, age)
        diagnoses = self._diagnoses(age, patient.sex)
        main_code, group = diagnoses[0]
        inpatient = rng.random() < (0.4 if main_code in _INPATIENT_PRONE else 0.06)
        stay = (
            timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 6))
            if inpatient
            else (timedelta(minutes=rng.randint(30, 150)))
        )
        end = start + stay
        reasons, findings, plans = _GROUP_TEXT[group]
        reason = reasons[rng.randrange(len(reasons))].format(d=rng.randint(1, 5))
        encounter = Encounter(
            id=new_id(),
            facility_id=plan.facility_id,
            created_at=start,
            created_by=plan.registrar_id,
            device_id=plan.device_id,
            patient_id=patient.id,
            kind=EncounterKind.INPATIENT if inpatient else EncounterKind.OUTPATIENT,
            status=EncounterStatus.FINISHED,
            started_at=start,
            ended_at=end,
            attending_id=plan.doctor_id,
            reason=reason,
            treatment_result=_TREATMENT_RESULT.pick(rng) if inpatient else None,
            discharge_type="1" if inpatient else None,
        )
        self.batch.encounters.append(encounter)
        events = self.batch.events
        at = start + timedelta(minutes=rng.randint(3, 15))
        events.append(self._signed(patient, encounter, at, plan.nurse_id, self._vitals(age, group)))
        names = _icd10_names()
        dx_text = "; ".join(f"{names[code]} ({code})" for code, _ in diagnoses)
        note_at = end - timedelta(minutes=20) if inpatient else at + timedelta(minutes=10)
        text = (
            f"Lý do vào viện: {reason}. Khám: {findings[rng.randrange(len(findings))]}. "
            f"Chẩn đoán: {dx_text}. Xử trí: {plans[rng.randrange(len(plans))]}."
            if inpatient
            else f"Lý do khám: {reason}. Khám: {findings[rng.randrange(len(findings))]}. "
            f"Chẩn đoán: {dx_text}. Hướng xử trí: {plans[rng.randrange(len(plans))]}."
        )
        events.append(
            self._signed(
                patient,
                encounter,
                note_at,
                plan.doctor_id,
                ClinicalNote(
                    note_type=NoteType.DISCHARGE_SUMMARY if inpatient else NoteType.PROGRESS,
                    text=text,
                ),
            )
        )
        for rank, (code, _) in enumerate(diagnoses):
            events.append(
                self._signed(
                    patient,
                    encounter,
                    note_at,
                    plan.doctor_id,
                    Diagnosis(
                        icd10=code,
                        rank=DiagnosisRank.PRIMARY if rank == 0 else DiagnosisRank.SECONDARY,
                        description=names[code],
                    ),
                )
            )
        rx_at = note_at + timedelta(minutes=5)
        events.append(
            self._signed(
                patient,
                encounter,
                rx_at,
                plan.doctor_id,
                self._prescription(age, diagnoses, rx_at.astimezone(VIETNAM_TZ).date()),
            )
        )


_SPEC_UNITS: dict[str, str] = {
    VitalCode.TEMPERATURE: "°C",
    VitalCode.PULSE: "/min",
    VitalCode.RESPIRATORY_RATE: "/min",
    VitalCode.SYSTOLIC: "mmHg",
    VitalCode.DIASTOLIC: "mmHg",
    VitalCode.SPO2: "%",
    VitalCode.WEIGHT: "kg",
    VitalCode.HEIGHT: "cm",
    VitalCode.BLOOD_GLUCOSE: "mmol/L",
}
_CHRONIC_GROUPS = frozenset(
    {"htn", "dm", "lipid", "cardio", "stroke", "kidney", "thyroid", "prostate"}
)


def _build_batch(
    plan: _Plan, batch_no: int, start: int, count: int, drop_cccds: frozenset[str] = frozenset()
) -> bulk.BulkBatch:
    builder = _BatchBuilder(plan, batch_no, drop_cccds)
    for index in range(start, start + count):
        patient, age = builder.patient(index)
        builder.batch.patients.append(patient)
        builder.history(patient, age)
    return builder.batch


def _build_rows(
    plan: _Plan, batch_no: int, start: int, count: int, drop_cccds: frozenset[str] = frozenset()
) -> bulk.BulkRows:
    """One batch as rows; runs in a helper process (module-level so it can be pickled)."""
    return bulk.rows_for(_build_batch(plan, batch_no, start, count, drop_cccds))


def generate_patients(
    *, seed: int, count: int, facility_code: str = "70001", now: datetime | None = None
) -> Iterator[Patient]:
    """Demo patients without history and without a store (for tests and previews)."""
    plan = _Plan(
        seed=seed,
        facility_id=new_id(),
        facility_code=facility_code,
        device_id=new_id(),
        doctor_id="demo-doctor",
        nurse_id="demo-nurse",
        registrar_id="demo-registrar",
        home_province=home_province_for(facility_code, seed),
        first_mrn=1_000_000,
        now=now or utc_now(),
    )
    for batch_no, start in enumerate(range(0, count, BATCH_SIZE)):
        builder = _BatchBuilder(plan, batch_no)
        for index in range(start, min(count, start + BATCH_SIZE)):
            yield builder.patient(index)[0]


# ------------------------------------------------------------------ seeding a store


def _demo_staff(store: Store, session: Session) -> dict[str, str]:
    """Ids of the demo doctor, nurse and registrar, created when missing."""
    ids: dict[str, str] = {}
    for username, role, full_name, password in DEMO_STAFF:
        with store.unit_of_work(user_id=session.user_id) as uow:
            existing = [u for u in uow.find(User, username=username) if u.deleted_at is None]
        if existing:
            if existing[0].role != role:
                raise ValidationError(
                    "username",
                    "demo_staff",
                    f"Tài khoản {username} đã có nhưng không phải vai trò {role}",
                    f"The account {username} exists with another role than {role}",
                )
            ids[role] = existing[0].id
        else:
            ids[role] = add_user(
                store, session, username=username, role=role, full_name=full_name, password=password
            ).id
    return ids


def _plan(store: Store, session: Session, seed: int, patients: int) -> _Plan:
    staff = _demo_staff(store, session)
    with store.unit_of_work(user_id=session.user_id) as uow:
        facility = uow.get(Facility, session.facility_id)
        row = uow.conn.exec_driver_sql(
            "SELECT next, last FROM mrn_range WHERE device_id = ?", (store.device_id,)
        ).fetchone()
    if row is None or row[1] - row[0] + 1 < patients:
        free = 0 if row is None else max(0, row[1] - row[0] + 1)
        raise StorageError(
            f"Dải mã bệnh nhân của máy này chỉ còn {free} mã, không đủ cho {patients} bệnh nhân",
            f"This PC's block of record numbers has {free} left, not enough for {patients}",
        )
    return _Plan(
        seed=seed,
        facility_id=facility.id,
        facility_code=facility.code,
        device_id=store.device_id,
        doctor_id=staff[Role.DOCTOR],
        nurse_id=staff[Role.NURSE],
        registrar_id=staff[Role.REGISTRAR],
        home_province=home_province_for(facility.code, seed),
        first_mrn=int(row[0]),
        now=utc_now(),
    )


def _cccd_column() -> int:
    return bulk.patient_columns().index("cccd")


def seed_demo(
    store: Store,
    session: Session,
    *,
    patients: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> SeedReport:
    """Fill the store with `patients` invented patients and their history (admin only).

    Needs `Permission.USER_MANAGE`: the demo staff accounts are created if missing. Batches
    of `BATCH_SIZE` are built by `workers` helper processes (default: one per CPU, since
    this process mostly waits on SQLite; 0 builds them here) while this process writes;
    each batch is one transaction. `progress` is called with the number of patients written so far.
    A CCCD that is already registered in the store is left out (the patient is then
    registered as incomplete). One audit row `demo.seed` records the counts.
    """
    session.require(Permission.USER_MANAGE)
    if patients < 1:
        raise ValidationError(
            "patients",
            "range",
            "Số bệnh nhân phải lớn hơn 0",
            "The number of patients must be above 0",
        )
    started = time.perf_counter()
    plan = _plan(store, session, seed, patients)
    jobs = [
        (batch_no, start, min(BATCH_SIZE, patients - start))
        for batch_no, start in enumerate(range(0, patients, BATCH_SIZE))
    ]
    if workers is None:
        workers = max(1, multiprocessing.cpu_count())
    if len(jobs) == 1:
        workers = 0
    done = encounters = events = 0
    cccd_at = _cccd_column()

    def write(rows: bulk.BulkRows, job: tuple[int, int, int], last: bool) -> None:
        nonlocal done, encounters, events
        cccds = [row[cccd_at] for row in rows.patients if row[cccd_at]]
        taken = bulk.taken_cccds(store, cccds)
        if taken:
            rows = _build_rows(plan, *job, drop_cccds=frozenset(taken))
        done += len(rows.patients)
        encounters += len(rows.encounters)
        events += len(rows.events)
        detail = (
            {"patients": done, "encounters": encounters, "events": events, "seed": seed}
            if last
            else None
        )
        bulk.insert_rows(
            store,
            rows,
            audit_user_id=session.user_id,
            audit_action=AUDIT_ACTION if last else None,
            audit_detail=detail,
        )
        if progress is not None:
            progress(done)

    if workers == 0:
        for i, job in enumerate(jobs):
            write(_build_rows(plan, *job), job, i == len(jobs) - 1)
    else:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: list[concurrent.futures.Future[bulk.BulkRows]] = []
            queued = iter(jobs)
            for job in queued:
                pending.append(pool.submit(_build_rows, plan, *job))
                if len(pending) > workers:
                    break
            for i, job in enumerate(jobs):
                rows = pending.pop(0).result()
                nxt = next(queued, None)
                if nxt is not None:
                    pending.append(pool.submit(_build_rows, plan, *nxt))
                write(rows, job, i == len(jobs) - 1)
    seconds = time.perf_counter() - started
    log.info("seeded %d demo patients in %.1f s", done, seconds)
    return SeedReport(patients=done, encounters=encounters, events=events, seconds=seconds)
