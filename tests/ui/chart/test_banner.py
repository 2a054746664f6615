"""The chart banner: identity, age, BHYT validity, allergies in red, the current stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from emr_desktop.core.records import Patient
from emr_desktop.core.timeutil import VIETNAM_TZ
from emr_desktop.services import chart, clinical, patients, wards
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store
from emr_desktop.ui import i18n
from emr_desktop.ui.chart.banner import ALLERGY_STYLE, WARNING_STYLE, ChartBanner, today_in_vietnam
from emr_desktop.ui.context import AppContext


@pytest.fixture(autouse=True)
def _vietnamese(ctx: AppContext) -> None:
    """The banner in Vietnamese, as on a ward PC (the context fixture sets and restores it)."""


def _banner(qtbot: QtBot) -> ChartBanner:
    banner = ChartBanner()
    qtbot.addWidget(banner)
    return banner


def _patient(store: Store, registrar: Session, **fields: object) -> Patient:
    values: dict[str, object] = {
        "full_name": "Hà Thị Mai",
        "sex": "female",
        "date_of_birth": "12/05/1950",
        "cccd": "001150012345",
    }
    values.update(fields)
    return patients.register_patient(store, registrar, **values)  # type: ignore[arg-type]


def test_the_banner_names_the_patient_with_age_sex_birth_and_identifiers(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session
) -> None:
    patient = _patient(store, registrar)
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    today = today_in_vietnam()
    age = today.year - 1950 - int((today.month, today.day) < (5, 12))
    assert banner.name.text() == "Hà Thị Mai"
    assert banner.details.text() == f"{age} tuổi · nữ · sinh 12/05/1950"
    assert banner.identifiers.text() == f"Mã BN {patient.mrn} · CCCD 001150012345"
    assert banner.bhyt.text() == "Không có thẻ BHYT"
    assert banner.identity.isHidden()
    assert banner.merged.isHidden()


def test_allergies_are_shown_in_red_and_their_absence_said_plainly(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session
) -> None:
    patient = _patient(store, registrar)
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    assert banner.allergies.text() == "Chưa ghi nhận dị ứng"
    assert banner.allergies.styleSheet() == ""
    clinical.add_allergy(
        store,
        doctor,
        patient_id=patient.id,
        substance="Penicilin",
        reaction="mẩn ngứa",
        severity="severe",
    )
    clinical.add_allergy(store, doctor, patient_id=patient.id, substance="Hải sản")
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    assert banner.allergies.text() == ("DỊ ỨNG: Penicilin (mẩn ngứa, nặng); Hải sản (trung bình)")
    assert banner.allergies.styleSheet() == ALLERGY_STYLE


def test_an_expired_bhyt_card_is_flagged_in_orange(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session
) -> None:
    today = today_in_vietnam()
    patient = _patient(
        store,
        registrar,
        bhyt_number="HT2797924953344",
        bhyt_valid_from=today - timedelta(days=400),
        bhyt_valid_to=today - timedelta(days=1),
    )
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    expired = (today - timedelta(days=1)).strftime("%d/%m/%Y")
    assert banner.bhyt.text() == f"BHYT HT2797924953344 · hết hạn ngày {expired}"
    assert banner.bhyt.styleSheet() == WARNING_STYLE

    patients.update_patient(store, registrar, patient.id, bhyt_valid_to=today + timedelta(days=30))
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    valid = (today + timedelta(days=30)).strftime("%d/%m/%Y")
    assert banner.bhyt.text() == f"BHYT HT2797924953344 · có giá trị đến {valid}"
    assert banner.bhyt.styleSheet() == ""


def test_the_current_stay_shows_its_department_and_bed_once_names_arrive(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session, admin: Session
) -> None:
    ward = wards.add_department(store, admin, code="NOI", name="Khoa Nội tổng hợp")
    bed = wards.add_bed(store, admin, department_id=ward.id, code="P201-G3")
    patient = _patient(store, registrar)
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    assert banner.encounter.text() == "Không có lượt khám/điều trị đang mở"
    stay = clinical.start_encounter(
        store,
        doctor,
        patient_id=patient.id,
        kind="inpatient",
        department_id=ward.id,
        bed_id=bed.id,
    )
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    since = stay.started_at.astimezone(VIETNAM_TZ)
    assert banner.encounter.text() == f"điều trị nội trú · từ {since:%d/%m/%Y %H:%M}"
    banner.set_directory(chart.facility_directory(store, doctor))
    assert banner.encounter.text() == (
        f"điều trị nội trú · Khoa Nội tổng hợp, giường P201-G3 · từ {since:%d/%m/%Y %H:%M}"
    )


def test_unidentified_emergency_patients_are_marked(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session
) -> None:
    patient = patients.register_patient(store, registrar, full_name="Nam chưa rõ tên", sex="male")
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    assert banner.identity.text() == "Bệnh nhân chưa rõ danh tính"
    assert not banner.identity.isHidden()


def test_the_banner_follows_the_language(
    qtbot: QtBot, store: Store, registrar: Session, doctor: Session
) -> None:
    patient = _patient(store, registrar)
    banner = _banner(qtbot)
    banner.set_chart(chart.open_chart(store, doctor, patient.id), patient.id)
    i18n.set_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: banner.allergies.text() == "No allergies recorded")
    assert banner.identifiers.text().startswith("MRN ")
    assert "female" in banner.details.text()
