"""`emr-admin pacs set|show|clear|search|fetch` against a real PACS (Orthanc on loopback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture
from tests.imaging.conftest import PacsContent, orthanc, pacs  # noqa: F401 - the fixtures
from tests.imaging.orthanc import Orthanc, free_port

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.services import auth
from emr_desktop.services import imaging as imaging_service
from emr_desktop.store.store import Store

ADMIN = "admin-password-1"
DOCTOR = "doctor-password-1"


def _audit(data_dir: Path, action: str) -> list[dict[str, object]]:
    with Store.open(data_dir) as store, store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq", (action,)
        ).all()
    return [json.loads(r[0]) for r in rows]


@pytest.fixture
def configured(
    cli: Cli,  # noqa: F811 - the fixture imported above
    orthanc: Orthanc,  # noqa: F811
    pacs: PacsContent,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """The PC set up with the test PACS by its administrator."""
    monkeypatch.setenv("EMR_PACS_SECRET", orthanc.password)
    out, _ = cli(
        "pacs",
        "set",
        "--url",
        orthanc.dicom_web,
        "--pacs-user",
        orthanc.user,
        "--user",
        "admin",
        password=ADMIN,
    )
    assert "Đã lưu cấu hình PACS / PACS settings saved" in out
    monkeypatch.delenv("EMR_PACS_SECRET")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return cli


def test_set_and_show(configured: Cli, orthanc: Orthanc) -> None:  # noqa: F811
    shown = configured.json("pacs", "show", "--user", "bs", password=DOCTOR)
    assert shown == {
        "url": orthanc.dicom_web,
        "auth": "basic",
        "username": orthanc.user,
        "has_secret": True,
    }
    out, _ = configured("pacs", "show", "--user", "admin", password=ADMIN)
    assert "Mật khẩu trong kho khóa / Secret in the keyring: có / kept" in out
    assert orthanc.password not in out
    # A doctor may not change it.
    _, err = configured(
        "pacs", "set", "--url", orthanc.dicom_web, "--user", "bs", password=DOCTOR, expect=2
    )
    assert "user.manage" in err


def test_the_secret_from_stdin_or_kept(
    configured: Cli,
    orthanc: Orthanc,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing given: the password in the keyring stays.
    configured(
        "pacs",
        "set",
        "--url",
        orthanc.dicom_web + "/",
        "--pacs-user",
        orthanc.user,
        "--user",
        "admin",
        password=ADMIN,
    )
    found = configured.json(
        "pacs", "search", "--patient-id", "1CT1", "--user", "bs", password=DOCTOR
    )
    assert isinstance(found, list) and len(found) == 1
    # The login password, then the PACS password, on standard input.
    monkeypatch.delenv("EMR_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ADMIN}\nwrong-pacs-password\n"))
    configured("pacs", "set", "--url", orthanc.dicom_web, "--pacs-user", "pacs", "--user", "admin")
    _, err = configured("pacs", "search", "--user", "bs", password=DOCTOR, expect=EXIT_ERROR)
    assert "HTTP 401" in err
    assert "Lỗi:" in err and "Error:" in err


def test_search(configured: Cli, pacs: PacsContent) -> None:  # noqa: F811
    found = configured.json(
        "pacs", "search", "--patient-id", "BN0001234", "--user", "bs", password=DOCTOR
    )
    assert isinstance(found, list)
    [study] = found
    assert study["study_instance_uid"] == pacs.series.study_uid
    assert study["patient_name"] == "NGUYỄN VĂN AN"
    assert study["study_at"] == "2024-03-15T02:30:00.000Z"
    out, _ = configured(
        "pacs", "search", "--from", "2004-08-01", "--to", "2004-08-31", "--user", "bs"
    )
    assert "CompressedSamples MR1" in out and "CompressedSamples NM1" in out
    assert "CompressedSamples CT1" not in out
    out, _ = configured("pacs", "search", "--modality", "US", "--user", "bs")
    assert "Không có ca chụp / No study found" in out
    assert _audit(configured.data_dir, "pacs.search") == [
        {"criteria": ["patient_id"], "found": 1},
        {"criteria": ["study_date"], "found": 2},
        {"criteria": ["modality"], "found": 0},
    ]


def test_fetch_into_a_chart(configured: Cli, pacs: PacsContent) -> None:  # noqa: F811
    patient = configured.json(
        "patient",
        "add",
        "--full-name",
        "Nguyễn Văn An",
        "--sex",
        "male",
        "--dob",
        "1980-05-12",
        "--user",
        "bs",
        password=DOCTOR,
    )
    assert isinstance(patient, dict)
    mrn = patient["mrn"]
    series = pacs.series
    fetched = configured.json("pacs", "fetch", series.study_uid, "--patient", mrn, "--user", "bs")
    assert isinstance(fetched, dict)
    assert (fetched["instances"], fetched["added"]) == (5, 5)
    assert fetched["bytes"] == sum(len(d) for d in series.files.values())
    # Fetching again finds everything cached.
    again = configured.json("pacs", "fetch", series.study_uid, "--patient", mrn, "--user", "bs")
    assert isinstance(again, dict) and again["added"] == 0

    with Store.open(configured.data_dir) as store:
        doctor = auth.login(store, "bs", DOCTOR)
        [record] = imaging_service.studies(store, doctor, patient["id"])
        assert record.source == "pacs"
        assert record.study_instance_uid == series.study_uid
        assert record.source_patient_name == "NGUYỄN VĂN AN"
        assert [(s.series_instance_uid, s.instances) for s in record.series] == [
            (series.series_uid, 5)
        ]
        cached = imaging_service.series_instances(
            store, doctor, series.study_uid, series.series_uid
        )
        assert [c.sop_instance_uid for c in cached] == list(series.files)
        assert all(c.held and c.source == "pacs" for c in cached)
        for uid, data in series.files.items():
            assert imaging_service.instance_bytes(store, doctor, uid) == data

    out, _ = configured("imaging", "studies", mrn, "--user", "bs")
    assert "CT ngực không tiêm thuốc" in out


def test_fetch_refuses_another_patients_study(configured: Cli, pacs: PacsContent) -> None:  # noqa: F811
    patient = configured.json(
        "patient",
        "add",
        "--full-name",
        "Trần Thị Bình",
        "--sex",
        "female",
        "--dob",
        "1975-01-02",
        "--user",
        "bs",
        password=DOCTOR,
    )
    assert isinstance(patient, dict)
    ct_study = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
    _, err = configured(
        "pacs", "fetch", ct_study, "--patient", patient["mrn"], "--user", "bs", expect=EXIT_ERROR
    )
    assert "khác hồ sơ" in err and "differs from the chart" in err
    with Store.open(configured.data_dir) as store:
        doctor = auth.login(store, "bs", DOCTOR)
        assert imaging_service.studies(store, doctor, patient["id"]) == []
    fetched = configured.json(
        "pacs", "fetch", ct_study, "--patient", patient["mrn"], "--accept-mismatch", "--user", "bs"
    )
    assert isinstance(fetched, dict) and fetched["instances"] == 1
    _, err = configured(
        "pacs", "fetch", "1.2.3.4.5", "--patient", patient["mrn"], "--user", "bs", expect=2
    )
    assert "does not have this study" in err


def test_offline_and_not_set_up(configured: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _, err = configured(
        "pacs",
        "set",
        "--url",
        f"http://127.0.0.1:{free_port()}/dicom-web",
        "--user",
        "admin",
        password=ADMIN,
    )
    _, err = configured("pacs", "search", "--user", "bs", "--json", password=DOCTOR, expect=2)
    assert json.loads(err)["error"]["code"] == "pacs_offline"
    configured("pacs", "clear", "--user", "admin", password=ADMIN)
    out, _ = configured("pacs", "show", "--user", "admin")
    assert "Chưa cấu hình PACS / No PACS set up" in out
    _, err = configured("pacs", "search", "--user", "bs", password=DOCTOR, expect=EXIT_ERROR)
    assert "emr-admin pacs set" in err
