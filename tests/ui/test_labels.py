"""Display names of stored codes: every kind of chart entry has one, in both languages."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from emr_desktop.core.records import EVENT_BODIES, ExternalRecord
from emr_desktop.ui import i18n
from emr_desktop.ui.labels import codes, label


def test_every_kind_of_chart_entry_has_a_name() -> None:
    assert set(EVENT_BODIES) <= set(codes("event_kind"))


def test_a_record_from_another_facility_is_named_in_the_current_language(qtbot: QtBot) -> None:
    i18n.set_language(i18n.VIETNAMESE)
    assert label("event_kind", ExternalRecord.KIND) == "hồ sơ từ cơ sở khác"
    i18n.set_language(i18n.ENGLISH)
    assert label("event_kind", ExternalRecord.KIND) == "record from another facility"
