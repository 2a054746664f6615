"""Write a sample of every printed document into docs/samples/ (PDF, and a PNG of page 1).

    python scripts/print_samples.py [--out docs/samples]

The samples are drawn from the specimen chart of a fictitious patient
(`emr_desktop.printing.specimen`), so they hold no real patient data and come out the same
on every run. PNGs need `pdftoppm` (poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from emr_desktop.core.documents import DocumentKind, ReferralDetails
from emr_desktop.printing.documents import render
from emr_desktop.printing.specimen import (
    IMAGING_ID,
    PRESCRIPTION_ID,
    PRINTED_AT,
    STAY_ID,
    VISIT_ID,
    specimen_chart,
)

ROOT = Path(__file__).resolve().parents[1]

REFERRAL = ReferralDetails(
    destination="Bệnh viện Đa khoa tỉnh Ninh Bình",
    reason="Vượt quá khả năng chuyên môn: cần chụp cắt lớp vi tính ngực",
    condition="Tỉnh, sốt 38,2 °C, SpO₂ 95 % khí trời, huyết động ổn định",
    direction="Tiếp tục kháng sinh, theo dõi suy hô hấp",
    transport="Xe cứu thương của Trung tâm",
    escort="Điều dưỡng Lê Thị Lan",
    transfer_at=PRINTED_AT + timedelta(minutes=30),
)

#: File name → (kind, target, paper, specimen options).
SAMPLES: dict[str, tuple[DocumentKind, str | None, str, dict[str, object]]] = {
    "don-thuoc-a5": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A5", {}),
    "don-thuoc-a4": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A4", {}),
    "don-thuoc-30-thuoc": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A5", {"drugs": 30}),
    "don-thuoc-thieu-thong-tin": (
        DocumentKind.PRESCRIPTION,
        PRESCRIPTION_ID,
        "A5",
        {"minimal": True},
    ),
    "don-thuoc-ten-dai": (DocumentKind.PRESCRIPTION, PRESCRIPTION_ID, "A5", {"extreme": True}),
    "giay-ra-vien": (DocumentKind.DISCHARGE, STAY_ID, "A4", {}),
    "phieu-ket-qua-xet-nghiem": (DocumentKind.LAB_REPORT, VISIT_ID, "A4", {}),
    "phieu-ket-qua-xet-nghiem-200-dong": (
        DocumentKind.LAB_REPORT,
        VISIT_ID,
        "A4",
        {"lab_lines": 200},
    ),
    "phieu-chan-doan-hinh-anh": (DocumentKind.IMAGING_REPORT, IMAGING_ID, "A4", {}),
    "tom-tat-lan-kham": (DocumentKind.VISIT_SUMMARY, VISIT_ID, "A4", {}),
    "giay-chuyen-tuyen": (DocumentKind.REFERRAL, VISIT_ID, "A4", {}),
    "ho-so-benh-an-10-nam": (DocumentKind.CHART_EXPORT, None, "A4", {"years": 10}),
    "phieu-theo-doi-dung-thuoc": (DocumentKind.MAR, STAY_ID, "A4", {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "samples")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    for name, (kind, target, paper, options) in SAMPLES.items():
        chart = specimen_chart(**options)  # type: ignore[arg-type]
        referral = REFERRAL if kind == DocumentKind.REFERRAL else None
        pdf = render(kind, chart, target, paper=paper, referral=referral)
        (args.out / f"{name}.pdf").write_bytes(pdf)
        if pdftoppm:
            with tempfile.TemporaryDirectory() as tmp:
                source = Path(tmp) / "sample.pdf"
                source.write_bytes(pdf)
                subprocess.run(
                    [
                        pdftoppm,
                        "-r",
                        "60",
                        "-png",
                        "-f",
                        "1",
                        "-l",
                        "1",
                        "-singlefile",
                        str(source),
                        str(args.out / name),
                    ],
                    check=True,
                )
        print(f"{name}.pdf ({len(pdf) // 1024} KiB)")


if __name__ == "__main__":
    main()
