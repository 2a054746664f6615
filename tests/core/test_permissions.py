"""The permission matrix."""

from __future__ import annotations

import pytest

from emr_desktop.core.errors import PermissionDenied
from emr_desktop.core.permissions import Permission, allows, event_permission, require
from emr_desktop.core.records import EVENT_BODIES


def test_the_rules_the_hospital_asked_for() -> None:
    assert not allows("nurse", Permission.PRESCRIPTION_SIGN)
    assert not allows("registrar", Permission.CHART_READ)
    assert allows("doctor", Permission.PRESCRIPTION_SIGN)
    assert allows("nurse", Permission.ADMINISTRATION_SIGN)
    assert not allows("admin", Permission.CHART_READ)
    assert allows("admin", Permission.USER_MANAGE)
    assert not allows("pharmacist", Permission.PRESCRIPTION_SIGN)


def test_every_event_kind_has_write_and_sign_permissions() -> None:
    for body in EVENT_BODIES.values():
        event_permission(body.PERMISSION, "write")
        event_permission(body.PERMISSION, "sign")


def test_refusal_is_bilingual() -> None:
    with pytest.raises(PermissionDenied) as info:
        require("nurse", Permission.PRESCRIPTION_SIGN)
    assert "điều dưỡng" in info.value.message_vi and "nurse" in info.value.message_en
