"""Identity documents and contact numbers: CCCD, CMND, BHYT card, phone, and the CCCD QR code.

Facts (structure, code tables) are from shared/reference/vietnam-formats.md §1 (CCCD and its
QR payload) and §2 (BHYT). Every check raises `ValidationError` naming the field and the rule,
with a Vietnamese and an English message a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

from emr_desktop.core.birthdate import MAX_AGE, BirthDate
from emr_desktop.core.errors import ValidationError
from emr_desktop.core.provinces import is_province_code, province_name
from emr_desktop.core.text import fold

Sex = Literal["male", "female"]

_SEX_VI: Mapping[str, str] = MappingProxyType({"male": "nam", "female": "nữ"})


class _Problem(NamedTuple):
    """A broken rule before it is bound to a field, so one check serves several fields
    (a CCCD typed as such, typed as a BHYT number, or read from a QR code)."""

    rule: str
    message_vi: str
    message_en: str


def _without_whitespace(value: str) -> str:
    return "".join(value.split())


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit alone accepts other scripts' digits ("١٢٣") and superscripts.
    return value.isascii() and value.isdigit()


# --- CCCD ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CccdInfo:
    """What a CCCD number says about its holder (reference §1.1–1.2)."""

    #: 2-digit pre-2025 code of the province where the birth was registered. Never use it as
    #: the current province of residence (reference §6).
    province_code: str
    sex: Sex
    birth_year_full: int

    @property
    def province_name(self) -> str:
        """Pre-2025 name of the province of birth registration."""
        return province_name(self.province_code) or self.province_code


def _decode_digit4(digit4: int) -> tuple[Sex, int]:
    """Sex and century base from the 4th digit: 0/1 → 1900, 2/3 → 2000, … 8/9 → 2300;
    even is male, odd is female (reference §1.2)."""
    return ("male" if digit4 % 2 == 0 else "female"), 1900 + 100 * (digit4 // 2)


def _cccd_shape_problem(number: str) -> _Problem | None:
    if not number:
        return _Problem("empty", "Chưa nhập số CCCD.", "The CCCD number is empty.")
    if not _is_ascii_digits(number):
        return _Problem(
            "digits", "Số CCCD chỉ gồm chữ số.", "A CCCD number is made of digits only."
        )
    if len(number) != 12:
        return _Problem(
            "length",
            f"Số CCCD phải có đúng 12 chữ số (đang có {len(number)}).",
            f"A CCCD number has exactly 12 digits (this one has {len(number)}).",
        )
    if number[0] != "0" or not is_province_code(number[1:3]):
        return _Problem(
            "province",
            f"Ba chữ số đầu của số CCCD ({number[:3]}) không phải mã tỉnh/thành phố.",
            f"The first three digits of the CCCD number ({number[:3]}) are not a province code.",
        )
    return None


def _cccd_consistency_problem(
    number: str, sex: str | None, birth_year: int | None
) -> _Problem | None:
    """Compare digits 4–6 with the holder's sex and birth year, where known."""
    card_sex, century = _decode_digit4(int(number[3]))
    if sex is not None and sex != "other" and sex != card_sex:
        return _Problem(
            "sex_century",
            f"Chữ số thứ 4 của số CCCD ({number[3]}) dành cho {_SEX_VI[card_sex]}, "
            f"nhưng giới tính là {_SEX_VI.get(sex, sex)}.",
            f"The 4th digit of the CCCD number ({number[3]}) is for a {card_sex}, "
            f"but the sex given is {sex}.",
        )
    if birth_year is not None:
        if birth_year % 100 != int(number[4:6]):
            return _Problem(
                "birth_year",
                f"Chữ số 5–6 của số CCCD ({number[4:6]}) không khớp năm sinh {birth_year}.",
                f"Digits 5–6 of the CCCD number ({number[4:6]}) do not match "
                f"the birth year {birth_year}.",
            )
        if birth_year - birth_year % 100 != century:
            return _Problem(
                "sex_century",
                f"Chữ số thứ 4 của số CCCD ({number[3]}) dành cho người sinh năm "
                f"{century}–{century + 99}, nhưng năm sinh là {birth_year}.",
                f"The 4th digit of the CCCD number ({number[3]}) is for people born in "
                f"{century}–{century + 99}, but the birth year is {birth_year}.",
            )
    return None


def _check_sex_argument(sex: str | None) -> None:
    if sex not in (None, "male", "female", "other"):
        raise ValidationError(
            "sex",
            "format",
            f"Giới tính “{sex}” không hợp lệ (nam, nữ hoặc khác).",
            f"Sex “{sex}” is not one of male, female, other.",
        )


def validate_cccd(value: str, *, sex: str | None = None, birth_year: int | None = None) -> str:
    """Return the CCCD number without whitespace, or raise ValidationError(field="cccd").

    Rules: exactly 12 ASCII digits ("length", "digits"); "0" + a pre-2025 province code
    first ("province"). When given, `sex` ("male"/"female"; "other" skips the check) must
    match the 4th digit and the century of `birth_year` must too ("sex_century"), and digits
    5–6 must be the last two digits of `birth_year` ("birth_year"). There is no check digit
    (none is published). Births registered abroad carry a country code instead of a province
    code; that list is not known, so such numbers are rejected for now.
    """
    _check_sex_argument(sex)
    number = _without_whitespace(value)
    problem = _cccd_shape_problem(number) or _cccd_consistency_problem(number, sex, birth_year)
    if problem is not None:
        raise ValidationError("cccd", *problem)
    return number


def decode_cccd(value: str) -> CccdInfo:
    """Validate a CCCD number and decode its province, sex and full birth year."""
    number = validate_cccd(value)
    sex, century = _decode_digit4(int(number[3]))
    return CccdInfo(province_code=number[1:3], sex=sex, birth_year_full=century + int(number[4:6]))


def _cmnd_problem(number: str) -> _Problem | None:
    if not number:
        return _Problem("empty", "Chưa nhập số CMND.", "The CMND number is empty.")
    if not _is_ascii_digits(number):
        return _Problem(
            "digits", "Số CMND chỉ gồm chữ số.", "A CMND number is made of digits only."
        )
    if len(number) != 9:
        return _Problem(
            "length",
            f"Số CMND cũ phải có đúng 9 chữ số (đang có {len(number)}).",
            f"An old CMND number has exactly 9 digits (this one has {len(number)}).",
        )
    return None


def validate_cmnd(value: str) -> str:
    """Return the old 9-digit identity-card (CMND) number without whitespace, or raise
    ValidationError(field="cmnd") with rule "empty", "digits" or "length".

    Only the 9-digit form is accepted; a 12-digit number belongs in the CCCD field.
    """
    number = _without_whitespace(value)
    problem = _cmnd_problem(number)
    if problem is not None:
        raise ValidationError("cmnd", *problem)
    return number


# --- BHYT --------------------------------------------------------------------------------------

#: Beneficiary group codes (mã đối tượng, positions 1–2 of the card code), reference §2.2
#: (QĐ 1351/QĐ-BHXH grouping as transcribed in S7, plus LH from S16). The official list was
#: not available; the wording here is short, not the legal text.
BHYT_GROUPS: Mapping[str, str] = MappingProxyType(
    {
        # Employee and employer pay.
        "DN": "Người lao động làm việc trong doanh nghiệp",
        "HX": "Người lao động làm việc trong hợp tác xã",
        "CH": "Người lao động làm việc trong cơ quan nhà nước, đơn vị sự nghiệp công lập",
        "NN": "Người lao động làm việc tại tổ chức nước ngoài, tổ chức quốc tế tại Việt Nam",
        "TK": "Người lao động làm việc trong các tổ chức khác",
        "HC": "Cán bộ, công chức, viên chức",
        "XK": "Người hoạt động không chuyên trách ở cấp xã",
        # The social-insurance fund pays.
        "HT": "Người hưởng lương hưu, trợ cấp mất sức lao động hằng tháng",
        "TB": "Người hưởng trợ cấp tai nạn lao động, bệnh nghề nghiệp hằng tháng",
        "NO": "Người lao động nghỉ việc hưởng chế độ ốm đau dài ngày",
        "CT": "Người từ đủ 80 tuổi trở lên hưởng trợ cấp tuất hằng tháng",
        "XB": "Cán bộ xã đã nghỉ việc hưởng trợ cấp bảo hiểm xã hội hằng tháng",
        "TN": "Người hưởng trợ cấp thất nghiệp",
        "CS": "Công nhân cao su nghỉ việc hưởng trợ cấp hằng tháng",
        # The state budget pays.
        "QN": "Quân nhân",
        "CA": "Công an nhân dân",
        "CY": "Người làm công tác cơ yếu",
        "XN": "Cán bộ xã đã nghỉ việc hưởng trợ cấp từ ngân sách nhà nước",
        "MS": "Người đã thôi hưởng trợ cấp mất sức lao động, đang hưởng trợ cấp hằng tháng",
        "CC": "Người có công với cách mạng (nhóm 1)",
        "CK": "Người có công với cách mạng (nhóm 2)",
        "CB": "Cựu chiến binh",
        "KC": "Người tham gia kháng chiến",
        "HD": "Đại biểu Quốc hội, đại biểu Hội đồng nhân dân",
        "TE": "Trẻ em dưới 6 tuổi",
        "BT": "Người hưởng trợ cấp bảo trợ xã hội hằng tháng",
        "HN": "Người thuộc hộ gia đình nghèo",
        "DT": "Người dân tộc thiểu số sống ở vùng có điều kiện kinh tế - xã hội khó khăn",
        "DK": "Người sống ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn",
        "XD": "Người sống ở xã đảo, huyện đảo",
        "TS": "Thân nhân liệt sĩ",
        "TC": "Thân nhân người có công với cách mạng",
        "TQ": "Thân nhân quân nhân",
        "TV": "Thân nhân công nhân, viên chức quốc phòng",
        "TA": "Thân nhân công an nhân dân",
        "TY": "Thân nhân người làm công tác cơ yếu",
        "HG": "Người hiến bộ phận cơ thể người",
        "LS": "Lưu học sinh nước ngoài học tại Việt Nam theo học bổng ngân sách nhà nước",
        "PV": "Người phục vụ người có công với cách mạng",
        # The state budget supports the contribution.
        "CN": "Người thuộc hộ gia đình cận nghèo",
        "HS": "Học sinh",
        "SV": "Sinh viên",
        "GB": "Người thuộc hộ gia đình làm nông, lâm, ngư, diêm nghiệp có mức sống trung bình",
        # Households.
        "GD": "Người tham gia bảo hiểm y tế theo hộ gia đình",
        "LH": "Người từ đủ 75 tuổi trở lên hưởng trợ cấp hưu trí xã hội",
    }
)

BhytKind = Literal["card_code", "social_insurance_number", "cccd"]

_BHYT_SHAPE = re.compile(r"[A-Z]{2}[0-9]{13}")

_BHYT_FORMS_VI = "mã thẻ 15 ký tự (ví dụ DN4010123456789), mã số BHXH 10 số hoặc số CCCD 12 số"
_BHYT_FORMS_EN = (
    "a 15-character card code (e.g. DN4010123456789), a 10-digit social-insurance number "
    "or a 12-digit CCCD number"
)


@dataclass(frozen=True, slots=True)
class BhytInfo:
    """The parts of a 15-character BHYT card code (reference §2.1)."""

    group_code: str
    group_meaning_vi: str
    #: Benefit level (mức hưởng) 1–5, reference §2.3.
    level: int
    #: 2-digit pre-2025 province code of the issuing BHXH office.
    province_code: str
    #: The holder's lifelong 10-digit social-insurance number (mã số BHXH).
    social_insurance_number: str


def _card_code_problem(code: str) -> _Problem | None:
    if len(code) != 15:
        return _Problem(
            "length",
            f"Mã thẻ BHYT phải là {_BHYT_FORMS_VI} (đang có {len(code)} ký tự).",
            f"A BHYT number is {_BHYT_FORMS_EN} (this one has {len(code)} characters).",
        )
    if not _BHYT_SHAPE.fullmatch(code):
        return _Problem(
            "format",
            "Mã thẻ BHYT 15 ký tự gồm 2 chữ cái rồi 13 chữ số (ví dụ DN4010123456789).",
            "A 15-character BHYT card code is 2 letters then 13 digits (e.g. DN4010123456789).",
        )
    if code[:2] not in BHYT_GROUPS:
        return _Problem(
            "group",
            f"Mã đối tượng “{code[:2]}” (2 chữ cái đầu của thẻ BHYT) không có trong danh mục.",
            f"“{code[:2]}” (the first two letters of the BHYT card) is not a known "
            "beneficiary group code.",
        )
    if code[2] not in "12345":
        return _Problem(
            "level",
            f"Mức hưởng (ký tự thứ 3 của thẻ BHYT) phải từ 1 đến 5, không phải {code[2]}.",
            f"The benefit level (3rd character of the BHYT card) is 1 to 5, not {code[2]}.",
        )
    if not is_province_code(code[3:5]):
        return _Problem(
            "province",
            f"Ký tự 4–5 của thẻ BHYT ({code[3:5]}) không phải mã tỉnh/thành phố.",
            f"Characters 4–5 of the BHYT card ({code[3:5]}) are not a province code.",
        )
    return None


def _classify_bhyt(value: str) -> tuple[str, BhytKind]:
    """The normalized number and its form, or ValidationError(field="bhyt_number")."""
    number = _without_whitespace(value).upper()
    if not number:
        raise ValidationError(
            "bhyt_number", "empty", "Chưa nhập mã thẻ BHYT.", "The BHYT number is empty."
        )
    if _is_ascii_digits(number) and len(number) == 10:
        return number, "social_insurance_number"
    if _is_ascii_digits(number) and len(number) == 12:
        problem = _cccd_shape_problem(number)
        if problem is not None:
            raise ValidationError("bhyt_number", *problem)
        return number, "cccd"
    problem = _card_code_problem(number)
    if problem is not None:
        raise ValidationError("bhyt_number", *problem)
    return number, "card_code"


def validate_bhyt(value: str) -> str:
    """Return a BHYT number upper-cased and without whitespace, or raise
    ValidationError(field="bhyt_number").

    Three forms are accepted, because all three are what a clerk may be shown:
    - the 15-character card code `^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$`: a known group code
      ("group"), benefit level 1–5 ("level"), a pre-2025 province code ("province");
    - the 10-digit social-insurance number alone, the only code printed on cards of the
      QĐ 1666 template (since 04/2021);
    - a 12-digit CCCD number, accepted as the BHYT identifier since 15/08/2025
      (NĐ 188/2025; reference §2.5 rates this low confidence), checked like `validate_cccd`.
    Other lengths fail with "length"; a 15-character value of the wrong shape with "format".
    The claim XML still needs the 15-character code, so keep it whenever the portal returns
    it (`bhyt_kind` tells the forms apart).
    """
    return _classify_bhyt(value)[0]


def bhyt_kind(value: str) -> BhytKind:
    """Which of the three accepted forms a BHYT number is (validating it first)."""
    return _classify_bhyt(value)[1]


def decode_bhyt(value: str) -> BhytInfo:
    """Validate a 15-character BHYT card code and split it into its parts.

    The 10-digit and 12-digit forms carry no group, level or province, so decoding them
    raises ValidationError(field="bhyt_number", rule="format").
    """
    number, kind = _classify_bhyt(value)
    if kind != "card_code":
        raise ValidationError(
            "bhyt_number",
            "format",
            "Chỉ mã thẻ BHYT 15 ký tự mới có mã đối tượng, mức hưởng và mã tỉnh.",
            "Only a 15-character BHYT card code carries a group, level and province.",
        )
    return BhytInfo(
        group_code=number[:2],
        group_meaning_vi=BHYT_GROUPS[number[:2]],
        level=int(number[2]),
        province_code=number[3:5],
        social_insurance_number=number[5:],
    )


def _vi_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def validate_bhyt_validity(
    valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date | None = None
) -> None:
    """Check a BHYT card's validity period (either end may be unknown).

    Raises ValidationError with rule "validity" when `valid_from` is after `valid_to`
    (field "bhyt_valid_to"); when `on` is given, also "expired" if `on` is after
    `valid_to` (field "bhyt_valid_to") and "not_yet_valid" if before `valid_from`
    (field "bhyt_valid_from").
    """
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise ValidationError(
            "bhyt_valid_to",
            "validity",
            f"Thẻ BHYT có hạn đến ({_vi_date(valid_to)}) trước ngày bắt đầu "
            f"({_vi_date(valid_from)}).",
            f"The BHYT card's end date ({valid_to.isoformat()}) is before its start date "
            f"({valid_from.isoformat()}).",
        )
    if on is None:
        return
    if valid_to is not None and on > valid_to:
        raise ValidationError(
            "bhyt_valid_to",
            "expired",
            f"Thẻ BHYT đã hết hạn ngày {_vi_date(valid_to)}.",
            f"The BHYT card expired on {valid_to.isoformat()}.",
        )
    if valid_from is not None and on < valid_from:
        raise ValidationError(
            "bhyt_valid_from",
            "not_yet_valid",
            f"Thẻ BHYT chỉ có giá trị từ ngày {_vi_date(valid_from)}.",
            f"The BHYT card is valid only from {valid_from.isoformat()}.",
        )


def is_bhyt_valid_on(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """Whether a card with this validity period covers the day `on` (unknown ends are open)."""
    return (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to)


# --- Phone ---------------------------------------------------------------------------------------

_PHONE_PUNCTUATION = str.maketrans("", "", ".-()")


def _phone_error(rule: str, message_vi: str, message_en: str) -> ValidationError:
    return ValidationError("phone", rule, message_vi, message_en)


def validate_phone(value: str) -> str:
    """Return a Vietnamese phone number in national form ("0" + subscriber digits), or raise
    ValidationError(field="phone").

    Whitespace, dots, dashes and parentheses are dropped; "+84", "0084" and "84" prefixes
    become "0". What remains must be a mobile number, 10 digits starting 03, 05, 07, 08 or
    09, or a landline, 11 digits starting 02 (area codes since the 2017 renumbering).
    Pre-2018 11-digit mobile numbers (01x…) were renumbered and are rejected ("prefix"),
    as are foreign numbers ("country").
    """
    number = _without_whitespace(value).translate(_PHONE_PUNCTUATION)
    if not number:
        raise _phone_error("empty", "Chưa nhập số điện thoại.", "The phone number is empty.")
    if number.startswith("+"):
        if not number.startswith("+84"):
            raise _phone_error(
                "country",
                "Chỉ nhận số điện thoại Việt Nam (+84).",
                "Only Vietnamese phone numbers (+84) are accepted.",
            )
        number = number[1:]
    if not _is_ascii_digits(number):
        raise _phone_error(
            "digits",
            "Số điện thoại chỉ gồm chữ số (có thể bắt đầu bằng +84).",
            "A phone number is made of digits only (it may start with +84).",
        )
    # A national number always starts with 0 and never with 00, so a leading 84 or 0084
    # can only be the country code.
    if number.startswith("0084"):
        number = "0" + number[4:]
    elif number.startswith("84"):
        number = "0" + number[2:]
    if not number.startswith("0"):
        raise _phone_error(
            "format",
            "Số điện thoại phải bắt đầu bằng 0 hoặc +84.",
            "A phone number starts with 0 or +84.",
        )
    kind = number[1:2]
    if kind == "2":
        expected = 11
    elif kind and kind in "35789":
        expected = 10
    else:
        raise _phone_error(
            "prefix",
            f"Đầu số {number[:2]} không phải số di động (03, 05, 07, 08, 09) hay số cố định (02).",
            f"Prefix {number[:2]} is neither a mobile (03, 05, 07, 08, 09) "
            "nor a landline (02) prefix.",
        )
    if len(number) != expected:
        label_vi, label_en = ("cố định", "landline") if kind == "2" else ("di động", "mobile")
        raise _phone_error(
            "length",
            f"Số {label_vi} phải có {expected} chữ số (đang có {len(number)}).",
            f"A {label_en} number has {expected} digits (this one has {len(number)}).",
        )
    return number


# --- CCCD QR code ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QrRegistration:
    """The fields of the QR code on a chip CCCD card (reference §1.4)."""

    cccd: str
    cmnd: str | None
    #: As printed on the card after NFC; a keyboard-wedge scanner may have garbled it.
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    address: str
    issue_date: dt.date | None


_QR_FIELDS_VI = (
    "số CCCD",
    "số CMND cũ",
    "họ tên",
    "ngày sinh",
    "giới tính",
    "nơi thường trú",
    "ngày cấp",
)
_QR_FIELDS_EN = (
    "CCCD number",
    "old CMND number",
    "full name",
    "date of birth",
    "sex",
    "address",
    "issue date",
)

#: Folded sex field → sex. Folding also accepts "NAM", "NỮ" and a scanner's "Nu".
_QR_SEX: Mapping[str, Sex] = MappingProxyType({"nam": "male", "nu": "female"})

_DDMMYYYY = re.compile(r"[0-9]{8}")


def _qr_error(index: int, rule: str, message_vi: str, message_en: str) -> ValidationError:
    """Name the QR field (1-based, as a person counts) that broke the rule."""
    return ValidationError(
        "qr",
        rule,
        f"Mã QR, trường {index + 1} ({_QR_FIELDS_VI[index]}): {message_vi}",
        f"QR code, field {index + 1} ({_QR_FIELDS_EN[index]}): {message_en}",
    )


def _qr_date(parts: list[str], index: int, rule: str) -> dt.date:
    text = parts[index]
    if _DDMMYYYY.fullmatch(text):
        try:
            return dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
        except ValueError:
            pass
    raise _qr_error(
        index,
        rule,
        f"“{text}” không phải ngày dạng ddmmyyyy (8 chữ số: ngày, tháng, năm).",
        f"“{text}” is not a date in DDMMYYYY form.",
    )


def parse_cccd_qr(payload: str, *, today: dt.date | None = None) -> QrRegistration:
    """Parse the QR payload of a chip CCCD card, or raise ValidationError(field="qr").

    Payload: `cccd|cmnd|full name|DDMMYYYY|Nam or Nữ|address|DDMMYYYY issue date`; 6 or 7
    fields, the CMND (and issue date) may be empty. Surrounding whitespace (a scanner's
    CR/LF) and a byte-order mark are ignored, and the text is NFC-normalized, since some
    scanners deliver decomposed Unicode. Keyboard-wedge scanners may garble diacritics, so
    the name and address are kept as they arrive and the sex may read "Nu" for "Nữ"; the
    digits are checked strictly. The CCCD number must agree with the sex and birth year in
    the payload. `today` (default: the local date) bounds the birth and issue dates.

    Rules: "field_count", "cccd", "cmnd", "full_name", "date_of_birth", "sex", "issue_date";
    the message names the field and what is wrong with it.
    """
    today = today or dt.date.today()
    text = unicodedata.normalize("NFC", payload).strip().strip("\ufeff").strip()
    parts = [part.strip() for part in text.split("|")]
    if len(parts) not in (6, 7):
        raise ValidationError(
            "qr",
            "field_count",
            f"Mã QR CCCD phải có 6 hoặc 7 trường ngăn cách bởi “|” (đang có {len(parts)}).",
            f"A CCCD QR code has 6 or 7 fields separated by “|” (this one has {len(parts)}).",
        )
    cccd = parts[0]
    problem = _cccd_shape_problem(cccd)
    if problem is not None:
        raise _qr_error(0, "cccd", problem.message_vi, problem.message_en)

    cmnd = parts[1] or None
    if cmnd is not None and (problem := _cmnd_problem(cmnd)) is not None:
        raise _qr_error(1, "cmnd", problem.message_vi, problem.message_en)

    full_name = parts[2]
    if not full_name:
        raise _qr_error(2, "full_name", "trống.", "empty.")

    date_of_birth = _qr_date(parts, 3, "date_of_birth")
    if (
        date_of_birth > today
        or BirthDate(date_of_birth.year, date_of_birth).age_on(today) > MAX_AGE
    ):
        raise _qr_error(
            3,
            "date_of_birth",
            f"ngày sinh {_vi_date(date_of_birth)} ở tương lai hoặc cho tuổi trên {MAX_AGE}.",
            f"date of birth {date_of_birth.isoformat()} is in the future or gives an age "
            f"over {MAX_AGE}.",
        )

    sex = _QR_SEX.get(fold(parts[4]))
    if sex is None:
        raise _qr_error(
            4,
            "sex",
            f"“{parts[4]}” không phải “Nam” hay “Nữ”.",
            f"“{parts[4]}” is not “Nam” or “Nữ”.",
        )

    problem = _cccd_consistency_problem(cccd, sex, date_of_birth.year)
    if problem is not None:
        raise _qr_error(0, "cccd", problem.message_vi, problem.message_en)

    issue_date = None
    if len(parts) == 7 and parts[6]:
        issue_date = _qr_date(parts, 6, "issue_date")
        if not date_of_birth <= issue_date <= today:
            raise _qr_error(
                6,
                "issue_date",
                f"ngày cấp {_vi_date(issue_date)} phải sau ngày sinh và không ở tương lai.",
                f"issue date {issue_date.isoformat()} must be after the birth "
                "and not in the future.",
            )

    return QrRegistration(
        cccd=cccd,
        cmnd=cmnd,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=parts[5],
        issue_date=issue_date,
    )


def cccd_from_qr(payload: str) -> str | None:
    """The CCCD number of a scanned card QR, even when the rest of the payload is garbled.

    Keyboard-wedge scanners may mangle the name and the sex but the digits survive, so a
    scan typed into the search box must still find the patient by number. Returns None when
    the text is not a card QR at all (no "|", or a first field that is not a valid CCCD).
    """
    text = unicodedata.normalize("NFC", payload).strip().strip("\ufeff").strip()
    if "|" not in text:
        return None
    first = text.split("|", 1)[0].strip()
    return first if _cccd_shape_problem(first) is None else None
