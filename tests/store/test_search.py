"""The search index rows and query building, without the services around them."""

from __future__ import annotations

from datetime import UTC, datetime

from emr_desktop.core.records import Patient
from emr_desktop.store import search

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def test_index_row_folds_the_name_and_lists_identifiers() -> None:
    patient = Patient(
        id="p",
        facility_id="f",
        created_at=NOW,
        created_by="u",
        device_id="d",
        mrn="0001000042",
        full_name="Đặng Thị Ngọc Ánh",
        sex="female",
        cccd="001185001234",
        bhyt_number="HN2010123456789",
        phones=("0912345678",),
    )
    name, ident = search.index_row(patient)
    assert name == "dang thi ngoc anh"
    assert ident.split() == [
        "001185001234",
        "hn2010123456789",
        "0001000042",
        "0912345678",
        "0123456789",
    ]
