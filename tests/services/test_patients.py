"""Registration, QR registration, duplicates and Vietnamese search."""

from __future__ import annotations

import unicodedata

import pytest

from emr_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from emr_desktop.services import patients
from emr_desktop.services.auth import Session
from emr_desktop.store.store import Store

QR = (
    "001085001234|123456789|Nguyễn Văn An|07031985|Nam|Số 5 ngõ 2, Phường Hàng Bạc, Hà Nội|15062021"
)


def test_register_from_qr_and_find_him_every_way(store: Store, registrar: Session) -> None:
    patient = patients.register_from_qr(
        store, registrar, QR, phones=("+84 912 345 678",), bhyt_number="GD4010123456789"
    )
    assert patient.cccd == "001085001234" and patient.cmnd == "123456789"
    assert patient.identity_status == "verified" and patient.phones == ("0912345678",)
    patients.register_patient(
        store, registrar, full_name="Nguyễn Văn Ánh", sex="male", date_of_birth="1990"
    )
    patients.register_patient(
        store, registrar, full_name="Đặng Thị Nga", sex="female", date_of_birth="1950"
    )
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    for query in (
        "nguyen van an",
        "NGUYỄN VĂN AN",
        "Nguyễn Văn An",
        decomposed,
        "001085001234",
        "0912345678",
        "+84912345678",
        "GD4010123456789",
        "0123456789",
        patient.mrn,
        "123456789",
    ):
        found = patients.find_patients(store, registrar, query)
        assert found and found[0].id == patient.id, query
    assert [p.full_name for p in patients.find_patients(store, registrar, "dang")] == [
        "Đặng Thị Nga"
    ]
    assert {p.full_name for p in patients.find_patients(store, registrar, "nguyen van")} == {
        "Nguyễn Văn An",
        "Nguyễn Văn Ánh",
    }
    assert patients.find_patients(store, registrar, "tran") == []


def test_exact_identifier_ranks_before_name_matches(store: Store, registrar: Session) -> None:
    target = patients.register_patient(
        store,
        registrar,
        full_name="Lê Thị Hạnh",
        sex="female",
        date_of_birth="1979-02-01",
        phones=("0977000111",),
    )
    patients.register_patient(
        store,
        registrar,
        full_name="Lê Văn Hải",
        sex="male",
        date_of_birth="1980",
        phones=("0977000112",),
    )
    assert patients.find_patients(store, registrar, "0977000111")[0].id == target.id


def test_name_prefix_as_typed_ranks_first(store: Store, registrar: Session) -> None:
    first = patients.register_patient(
        store, registrar, full_name="Trần Văn Nam", sex="male", date_of_birth="1960"
    )
    patients.register_patient(
        store, registrar, full_name="Nam Trần Văn", sex="male", date_of_birth="1961"
    )
    assert patients.find_patients(store, registrar, "tran van")[0].id == first.id


def test_same_cccd_twice_names_the_existing_record(store: Store, registrar: Session) -> None:
    first = patients.register_from_qr(store, registrar, QR)
    with pytest.raises(ConflictError) as info:
        patients.register_from_qr(store, registrar, QR)
    assert first.mrn in info.value.message_vi and first.mrn in info.value.message_en


def test_unknown_patient_and_newborn(store: Store, nurse: Session) -> None:
    unknown = patients.register_patient(store, nurse, full_name="Bệnh nhân vô danh", sex="male")
    assert unknown.identity_status == "unknown" and unknown.date_of_birth is None
    mother = patients.register_patient(
        store, nurse, full_name="Hà Thị Thu", sex="female", date_of_birth="1995-04-03"
    )
    baby = patients.register_patient(
        store,
        nurse,
        full_name="Con bà Hà Thị Thu",
        sex="female",
        date_of_birth="2026-11-20",
        mother_id=mother.id,
        guardian_name="Hà Thị Thu",
    )
    assert baby.mother_id == mother.id
    completed = patients.update_patient(
        store,
        nurse,
        unknown.id,
        full_name="Mùa A Sính",
        cccd="011092004321",
        date_of_birth="1992-01-01",
    )
    assert completed.identity_status == "verified"


def test_bad_input_names_the_field_and_writes_nothing(store: Store, registrar: Session) -> None:
    cases = [
        ({"cccd": "001085001234", "date_of_birth": "1986-01-01"}, "cccd"),
        ({"date_of_birth": "2999"}, "date_of_birth"),
        ({"phones": ("12345",)}, "phone"),
        ({"bhyt_number": "ZZ4010123456789"}, "bhyt_number"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as info:
            patients.register_patient(store, registrar, full_name="Hồ Văn Tư", sex="male", **extra)  # type: ignore[arg-type]
        assert info.value.field == field, extra
        assert info.value.message_vi and info.value.message_en
    with pytest.raises(ValidationError) as info:
        patients.register_patient(store, registrar, full_name="  ", sex="male")
    assert info.value.field == "full_name"
    assert patients.find_patients(store, registrar, "ho van tu") == []
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM patient").scalar() == 0
        assert conn.exec_driver_sql("SELECT next - first FROM mrn_range").scalar() == 0


def test_malformed_qr_says_what_is_wrong(store: Store, registrar: Session) -> None:
    with pytest.raises(ValidationError) as info:
        patients.register_from_qr(store, registrar, "001085001234|Nguyễn Văn An")
    assert info.value.field == "qr"


def test_mrns_come_from_this_devices_block(store: Store, registrar: Session) -> None:
    a = patients.register_patient(store, registrar, full_name="Võ Văn A", sex="male")
    b = patients.register_patient(store, registrar, full_name="Võ Văn B", sex="male")
    assert (a.mrn, b.mrn) == ("0001000000", "0001000001")


def test_admin_cannot_search_patients(store: Store, admin: Session) -> None:
    with pytest.raises(PermissionDenied):
        patients.find_patients(store, admin, "nguyen")
    with pytest.raises(PermissionDenied):
        patients.register_patient(store, admin, full_name="Võ Văn A", sex="male")


def test_search_is_audited_without_the_query(store: Store, registrar: Session) -> None:
    patients.register_patient(store, registrar, full_name="Kiều Thị Loan", sex="female")
    patients.find_patients(store, registrar, "kieu thi loan")
    with store.engine.connect() as conn:
        action, detail = conn.exec_driver_sql(
            "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).one()
    assert action == "patient.search" and "kieu" not in detail.lower()


def test_scanning_a_card_into_search_finds_the_patient(store: Store, registrar: Session) -> None:
    patient = patients.register_from_qr(store, registrar, QR)
    garbled = "001085001234|123456789|Nguy?n V?n An|07031985|N?m|S? 5|15062021"
    assert [p.id for p in patients.find_patients(store, registrar, garbled)] == [patient.id]


def test_prefixes_of_any_word_and_unfinished_earlier_words(
    store: Store, registrar: Session
) -> None:
    hanh = patients.register_patient(
        store, registrar, full_name="Nguyễn Thị Hạnh", sex="female", date_of_birth="1970"
    )
    patients.register_patient(
        store, registrar, full_name="Nguyễn Văn Hải", sex="male", date_of_birth="1971"
    )
    patients.register_patient(
        store, registrar, full_name="H'Hen Niê", sex="female", date_of_birth="1990"
    )
    for query in ("ng th han", "nguyen hanh", "nguy thi h", "Nguyễn Thị Hạ"):
        assert [p.id for p in patients.find_patients(store, registrar, query)] == [hanh.id], query
    assert {p.full_name for p in patients.find_patients(store, registrar, "nguyen h")} == {
        "Nguyễn Thị Hạnh",
        "Nguyễn Văn Hải",
    }
    assert [p.full_name for p in patients.find_patients(store, registrar, "hen nie")] == [
        "H'Hen Niê"
    ]
    assert patients.find_patients(store, registrar, "nguyen x") == []
    assert patients.find_patients(store, registrar, "zz thi") == []


def test_unidentified_emergency_patient_is_flagged_unknown(store: Store, nurse: Session) -> None:
    first = patients.register_unidentified_patient(
        store, nurse, sex="male", estimated_birth_year=1980
    )
    second = patients.register_unidentified_patient(store, nurse, sex="female")
    assert first.identity_status == second.identity_status == "unknown"
    assert first.full_name == patients.UNIDENTIFIED_NAME
    assert first.date_of_birth is not None and first.date_of_birth.is_year_only
    assert first.date_of_birth.year == 1980 and second.date_of_birth is None
    assert first.mrn != second.mrn
    with pytest.raises(ValidationError) as info:
        patients.register_unidentified_patient(store, nurse, sex="male", estimated_birth_year=2999)
    assert info.value.field == "date_of_birth"


def test_find_by_cccd_ignores_the_name_and_audits(store: Store, registrar: Session) -> None:
    patient = patients.register_from_qr(store, registrar, QR)
    assert patients.find_patient_by_cccd(store, registrar, "001085001234") == patient
    assert patients.find_patient_by_cccd(store, registrar, " 0010 8500 1234 ") == patient
    assert patients.find_patient_by_cccd(store, registrar, "001085009999") is None
    with store.engine.connect() as conn:
        action, target = conn.exec_driver_sql(
            "SELECT action, target_id FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).one()
    assert (action, target) == ("patient.read", patient.id)


def test_a_clean_card_scan_is_taken_whole() -> None:
    scan = patients.read_card_scan(QR + "\r\n")
    assert scan.full_name == "Nguyễn Văn An" and not scan.garbled
    assert scan.address == "Số 5 ngõ 2, Phường Hàng Bạc, Hà Nội"
    assert (scan.cccd, scan.cmnd, scan.sex) == ("001085001234", "123456789", "male")
    assert scan.date_of_birth is not None and scan.date_of_birth.isoformat() == "1985-03-07"


@pytest.mark.parametrize(
    "payload",
    [
        # "?" for every character the wedge's keyboard layout could not type.
        "001085001234|123456789|Nguy?n V?n An|07031985|Nam|S? 5 ng? 2, H? N?i|15062021",
        # UTF-8 read as Windows-1252 (mojibake).
        "001085001234|123456789|NguyÃ¡Â»â€¦n VÃ„Æ’n An|07031985|Nam|HÃƒÂ  NÃ¡Â»â„¢i|15062021",
        # Diacritics dropped: no Vietnamese address is plain ASCII.
        "001085001234|123456789|Nguyen Van An|07031985|Nam|So 5 ngo 2, Ha Noi|15062021",
    ],
)
def test_a_garbled_name_is_left_for_the_clerk(payload: str) -> None:
    scan = patients.read_card_scan(payload)
    assert scan.garbled and scan.full_name is None and scan.address is None
    assert (scan.cccd, scan.cmnd, scan.sex) == ("001085001234", "123456789", "male")
    assert scan.date_of_birth is not None and scan.date_of_birth.isoformat() == "1985-03-07"


def test_an_unparsable_scan_keeps_the_number_and_what_agrees_with_it() -> None:
    # The sex "Nữ" came out as "N?": the card does not parse, the digits still count.
    scan = patients.read_card_scan("079195000123||Tr?n Th? B?ch|12021995|N?|TP. H? Ch? Minh|")
    assert scan.garbled and scan.full_name is None and scan.cmnd is None
    assert (scan.cccd, scan.sex) == ("079195000123", "female")
    assert scan.date_of_birth is not None and scan.date_of_birth.isoformat() == "1995-02-12"
    # A birth date that contradicts the number is not trusted.
    wrong_year = patients.read_card_scan("079195000123|12345|T?|12021996|N?|x")
    assert wrong_year.date_of_birth is None and wrong_year.cmnd is None
    with pytest.raises(ValidationError) as info:
        patients.read_card_scan("not a card")
    assert info.value.field == "qr"
