"""`emr-admin imaging upload STUDY_UID`: a study imported from a disc sent to a real PACS
(Orthanc on loopback), and the study record then saying every PC finds it there."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture
from tests.cli.test_pacs import ADMIN, DOCTOR, _audit, configured  # noqa: F401 - the fixture
from tests.imaging.conftest import PacsContent, dataset, orthanc, pacs  # noqa: F401
from tests.imaging.orthanc import Orthanc, free_port

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.imaging.dicomweb import DicomWebClient
from emr_desktop.imaging.synthetic import ct_series


def _imported(cli: Cli, folder: Path) -> tuple[dict[str, str], list[bytes]]:  # noqa: F811
    patient = cli.json(
        "patient",
        "add",
        "--full-name",
        "Nguyễn Văn An",
        "--sex",
        "male",
        "--dob",
        "1985-03-07",
        "--user",
        "bs",
        password=DOCTOR,
    )
    assert isinstance(patient, dict)
    files = ct_series(
        slices=3,
        size=16,
        patient_id=patient["mrn"],
        patient_name="NGUYEN^VAN AN",
        birth_date=date(1985, 3, 7),
    )
    folder.mkdir()
    for n, data in enumerate(files):
        (folder / f"IM{n:04d}").write_bytes(data)
    out, _ = cli("imaging", "import", str(folder), "--yes", "--user", "bs", password=DOCTOR)
    assert "Đã nhập / Imported" in out
    return patient, files


def test_upload_an_imported_study(
    configured: Cli,  # noqa: F811
    orthanc: Orthanc,  # noqa: F811
    tmp_path: Path,
) -> None:
    patient, files = _imported(configured, tmp_path / "cd")
    study_uid = str(dataset(files[0]).StudyInstanceUID)
    series_uid = str(dataset(files[0]).SeriesInstanceUID)
    sent = configured.json("imaging", "upload", study_uid, "--user", "bs", password=DOCTOR)
    assert isinstance(sent, dict)
    assert (sent["instances"], sent["stored"], sent["failed"], sent["on_pacs"]) == (3, 3, [], True)
    out, _ = configured("imaging", "upload", study_uid, "--user", "bs")
    assert "PACS đã lưu 3/3 ảnh / The PACS stored 3 of 3 images" in out
    assert "mọi máy đều xem được" in out
    with DicomWebClient(orthanc.dicom_web, auth=orthanc.auth) as web:
        assert sorted(web.retrieve_series(study_uid, series_uid)) == sorted(files)
    studies = configured.json("imaging", "studies", patient["mrn"], "--user", "bs")
    assert isinstance(studies, list) and [s["source"] for s in studies] == ["pacs"]
    assert [a["on_pacs"] for a in _audit(configured.data_dir, "imaging.upload")] == [True, True]


def test_upload_without_a_pacs_changes_nothing(
    configured: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    patient, files = _imported(configured, tmp_path / "cd")
    study_uid = str(dataset(files[0]).StudyInstanceUID)
    configured(
        "pacs",
        "set",
        "--url",
        f"http://127.0.0.1:{free_port()}/dicom-web",
        "--user",
        "admin",
        password=ADMIN,
    )
    _, err = configured(
        "imaging", "upload", study_uid, "--user", "bs", "--json", password=DOCTOR, expect=2
    )
    assert json.loads(err)["error"]["code"] == "pacs_offline"
    configured("pacs", "clear", "--user", "admin", password=ADMIN)
    _, err = configured(
        "imaging", "upload", study_uid, "--user", "bs", password=DOCTOR, expect=EXIT_ERROR
    )
    assert "emr-admin pacs set" in err
    studies = configured.json("imaging", "studies", patient["mrn"], "--user", "bs")
    assert isinstance(studies, list) and [s["source"] for s in studies] == ["import"]
    assert _audit(configured.data_dir, "imaging.upload") == []
