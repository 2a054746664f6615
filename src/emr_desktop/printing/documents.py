"""One entry point for every printed document: `render(kind, extract, target_id)`."""

from __future__ import annotations

from emr_desktop.core.documents import ChartExtract, DocumentKind, ReferralDetails
from emr_desktop.core.errors import ValidationError
from emr_desktop.printing.chart_export import chart_export_pdf
from emr_desktop.printing.discharge import discharge_pdf
from emr_desktop.printing.imaging_report import imaging_report_pdf
from emr_desktop.printing.lab_report import lab_report_pdf
from emr_desktop.printing.mar import mar_pdf
from emr_desktop.printing.prescription import prescription_pdf
from emr_desktop.printing.referral import referral_pdf
from emr_desktop.printing.visit_summary import visit_summary_pdf

#: The documents that print on A5 as well as A4.
A5_DOCUMENTS = frozenset({DocumentKind.PRESCRIPTION})


def render(
    kind: DocumentKind,
    extract: ChartExtract,
    target_id: str | None,
    *,
    paper: str = "A4",
    referral: ReferralDetails | None = None,
) -> bytes:
    """The PDF of document `kind` for `target_id`: an event id for a prescription or an
    imaging report, an encounter id for the others, None for the whole chart. A referral
    letter needs the `referral` details the doctor typed."""
    if paper != "A4" and kind not in A5_DOCUMENTS:
        raise ValidationError(
            "paper", "choice", "Giấy tờ này chỉ in khổ A4", "This document prints on A4 only"
        )
    if kind == DocumentKind.CHART_EXPORT:
        return chart_export_pdf(extract)
    target = _required(target_id)
    if kind == DocumentKind.PRESCRIPTION:
        return prescription_pdf(extract, target, paper=paper)
    if kind == DocumentKind.IMAGING_REPORT:
        return imaging_report_pdf(extract, target)
    if kind == DocumentKind.LAB_REPORT:
        return lab_report_pdf(extract, target)
    if kind == DocumentKind.DISCHARGE:
        return discharge_pdf(extract, target)
    if kind == DocumentKind.VISIT_SUMMARY:
        return visit_summary_pdf(extract, target)
    if kind == DocumentKind.MAR:
        return mar_pdf(extract, target)
    if kind == DocumentKind.REFERRAL:
        if referral is None:
            raise ValidationError(
                "referral",
                "required",
                "Giấy chuyển tuyến cần nơi chuyển đến, lý do và tình trạng người bệnh",
                "A referral letter needs the destination, the reason and the patient's condition",
            )
        return referral_pdf(extract, target, referral)
    raise ValidationError(
        "kind", "choice", f"Không có mẫu giấy tờ {kind!r}", f"There is no document {kind!r}"
    )


def _required(target_id: str | None) -> str:
    if not target_id:
        raise ValidationError(
            "target_id", "required", "Chọn bản ghi cần in", "Choose the record to print"
        )
    return target_id
