"""The national e-prescription code (mã đơn thuốc) printed on every outpatient prescription.

Fourteen characters (vietnam-formats §4.2, medium confidence): the 5-character facility code,
7 letters or digits the facility makes unique, "-", and the prescription type:

* ``c`` — ordinary (cơ bản),
* ``n`` — narcotic (gây nghiện),
* ``h`` — psychotropic (hướng thần),
* ``y`` — accepted by the national system; its meaning is not confirmed in any source read,
  so the program never makes one, but reads it.

The 7 characters are random (uppercase letters and digits, 36⁷ ≈ 7.8·10¹⁰ choices): PCs make
codes offline, and a counter would collide between PCs. The program keeps this rule here only.
"""

from __future__ import annotations

import secrets
import string

from emr_desktop.core.errors import ValidationError

_ALPHABET = string.ascii_uppercase + string.digits

#: Prescription type → the title printed on the form.
PRESCRIPTION_TITLES = {
    "c": "ĐƠN THUỐC",
    "n": 'ĐƠN THUỐC "N"',
    "h": 'ĐƠN THUỐC "H"',
    "y": "ĐƠN THUỐC",
}
#: The types the program issues.
ISSUED_TYPES = ("c", "n", "h")


def new_prescription_code(facility_code: str, prescription_type: str = "c") -> str:
    """A fresh code for a prescription of the facility."""
    if prescription_type not in ISSUED_TYPES:
        raise ValidationError(
            "prescription_type",
            "choice",
            "Loại đơn thuốc phải là c (cơ bản), n (gây nghiện) hoặc h (hướng thần)",
            "The prescription type must be c (ordinary), n (narcotic) or h (psychotropic)",
        )
    serial = "".join(secrets.choice(_ALPHABET) for _ in range(7))
    return validate_prescription_code(f"{facility_code}{serial}-{prescription_type}")


def validate_prescription_code(code: str) -> str:
    """The code, checked: 5 + 7 letters or digits, "-", and a type c, n, h or y."""
    head, dash, kind = code.strip().rpartition("-")
    if not (dash and len(head) == 12 and head.isascii() and head.isalnum()):
        raise ValidationError(
            "prescription_code",
            "format",
            "Mã đơn thuốc gồm 12 chữ/số (5 mã cơ sở + 7 mã đơn), dấu '-' và loại đơn",
            "A prescription code is 12 letters or digits (5 facility + 7 serial), '-' and the type",
        )
    if kind not in PRESCRIPTION_TITLES:
        raise ValidationError(
            "prescription_code",
            "type",
            "Loại đơn thuốc ở cuối mã phải là c, n, h hoặc y",
            "The type at the end of the code must be c, n, h or y",
        )
    return f"{head.upper()}-{kind}"


def prescription_type(code: str) -> str:
    """The type letter of a valid code."""
    return code.rpartition("-")[2]
