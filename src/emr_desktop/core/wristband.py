"""What a patient's wristband barcode holds: `WRISTBAND_PREFIX` + the medical record number.

One rule for the printed label (`printing.labels`) and for the nurse's scan
(`services.nursing`). The MRN is the facility's own number, unique per facility (per-device
blocks): short enough for a Code 128 barcode on a wristband, and not the CCCD, which a
wristband must not carry in plain sight.
"""

from __future__ import annotations

from emr_desktop.core.records import Patient

WRISTBAND_PREFIX = "BN"


def wristband_code(patient: Patient) -> str:
    """The text of the patient's wristband barcode."""
    return f"{WRISTBAND_PREFIX}{patient.mrn}"
