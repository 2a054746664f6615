"""`emr-admin imaging import` and `imaging studies`, in process, on a real encrypted store."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.imaging.synthetic import ct_series


def _patient(cli: Cli, name: str = "Nguyễn Văn An", dob: str = "1985-03-07") -> dict[str, str]:  # noqa: F811
    added = cli.json(
        "patient", "add", "--full-name", name, "--sex", "male", "--dob", dob, "--user", "bs"
    )
    assert isinstance(added, dict)
    return added


def _ct(slices: int, **kw: object) -> list[bytes]:
    """A CT series of Nguyễn Văn An, born 7 March 1985 (the chart `_patient` registers)."""
    values: dict[str, object] = {
        "size": 16,
        "patient_name": "NGUYEN^VAN AN",
        "birth_date": date(1985, 3, 7),
    }
    values.update(kw)
    return ct_series(slices=slices, **values)  # type: ignore[arg-type]


def _disc(folder: Path, files: list[bytes], *, extra: dict[str, bytes] | None = None) -> Path:
    folder.mkdir(parents=True)
    for index, data in enumerate(files):
        (folder / f"IM{index:04d}").write_bytes(data)
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    return folder


def _studies(cli: Cli, patient: str) -> list[dict[str, object]]:  # noqa: F811
    found = cli.json("imaging", "studies", patient, "--user", "bs")
    assert isinstance(found, list)
    return found


def test_a_cd_is_shown_then_imported_into_the_matching_chart(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    patient = _patient(cli)
    disc = _disc(
        tmp_path / "cd",
        _ct(4, patient_id=patient["mrn"]),
        extra={"README.TXT": b"Open with the viewer", "AUTORUN.INF": b"[autorun]"},
    )
    out, _ = cli("imaging", "import", str(disc), "--user", "bs")
    assert "NGUYEN VAN AN" in out and patient["mrn"] in out
    assert "mã bệnh nhân / record number" in out
    assert "README.TXT" in out and "Tệp không phải DICOM" in out
    assert "--yes" in out
    assert _studies(cli, patient["mrn"]) == []  # shown only
    out, _ = cli("imaging", "import", str(disc), "--yes", "--user", "bs")
    assert "Đã nhập / Imported" in out
    [study] = _studies(cli, patient["mrn"])
    assert study["modalities"] == ["CT"] and study["source"] == "import"
    assert study["series"][0]["instances"] == 4  # type: ignore[index]
    out, _ = cli("imaging", "studies", patient["mrn"], "--user", "bs")
    assert "CT" in out and "trên máy này / on this PC" in out


def test_a_study_from_another_hospital_goes_to_the_chart_named(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    patient = _patient(cli)
    _patient(cli, dob="1990-01-01")
    disc = _disc(tmp_path / "cd", _ct(2, patient_id="BVTINH-998"))
    # Name + birth date find the chart; PatientID is the other hospital's.
    data = cli.json("imaging", "import", str(disc), "--yes", "--user", "bs")
    assert isinstance(data, dict)
    [entry] = data["studies"]
    assert entry["basis"] == "name_birth" and entry["patient_id"] == patient["id"]
    assert entry["imported"] is True


def test_differences_need_accept_mismatch(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    patient = _patient(cli)
    disc = _disc(
        tmp_path / "cd",
        _ct(2, patient_id="X1", patient_name="LE^VAN C", sex="F"),
    )
    out, err = cli(
        "imaging",
        "import",
        str(disc),
        "--patient",
        patient["mrn"],
        "--yes",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "KHÁC / DIFFERS" in out and "LE VAN C" in out and "--accept-mismatch" in out
    assert "không được nhập" in err
    assert _studies(cli, patient["mrn"]) == []
    cli(
        "imaging",
        "import",
        str(disc),
        "--patient",
        patient["mrn"],
        "--yes",
        "--accept-mismatch",
        "--user",
        "bs",
    )
    assert len(_studies(cli, patient["mrn"])) == 1


def test_a_study_with_a_damaged_file_is_refused_unless_skip_corrupt(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    patient = _patient(cli)
    files = _ct(3, patient_id=patient["mrn"])
    files[1] = files[1][: len(files[1]) - 100]  # copied off a scratched disc
    disc = _disc(tmp_path / "cd", files)
    out, _ = cli("imaging", "import", str(disc), "--yes", "--user", "bs", expect=EXIT_ERROR)
    assert "HỎNG / DAMAGED" in out and "Tệp DICOM bị cắt cụt" in out and "IM0001" in out
    assert _studies(cli, patient["mrn"]) == []
    cli("imaging", "import", str(disc), "--yes", "--skip-corrupt", "--user", "bs")
    [study] = _studies(cli, patient["mrn"])
    assert study["series"][0]["instances"] == 2  # type: ignore[index]


def test_nothing_dicom_is_an_error(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    disc = _disc(tmp_path / "cd", [], extra={"README.TXT": b"hello"})
    out, err = cli("imaging", "import", str(disc), "--user", "bs", expect=EXIT_ERROR)
    assert "README.TXT" in out
    assert "Không tìm thấy ca chụp DICOM nào" in err


def test_an_unmatched_study_names_similar_charts(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    other = _patient(cli, dob="1970")
    disc = _disc(tmp_path / "cd", _ct(1, patient_id="Z"))
    out, _ = cli("imaging", "import", str(disc), "--yes", "--user", "bs", expect=EXIT_ERROR)
    assert "Không tìm thấy hồ sơ bệnh nhân" in out and other["id"] in out


def test_a_dicomdir_disc_and_an_order(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    patient = _patient(cli, name="Citizen Jan", dob="1970-01-01")
    order = cli.json(
        "order", patient["mrn"], "--category", "imaging", "--service", "HA0037", "--user", "bs"
    )
    assert isinstance(order, dict)
    media = Path(str(get_testdata_file("DICOMDIR", read=False))).parent / "TINY_ALPHA"
    disc = tmp_path / "cd"
    shutil.copytree(media, disc)
    out, _ = cli(
        "imaging", "import", str(disc / "DICOMDIR"), "--patient", patient["mrn"], "--user", "bs"
    )
    assert "Chỉ định phù hợp / Matching order" in out and order["id"] in out
    data = cli.json(
        "imaging",
        "import",
        str(disc / "DICOMDIR"),
        "--patient",
        patient["mrn"],
        "--order",
        order["id"],
        "--yes",
        "--accept-mismatch",
        "--user",
        "bs",
    )
    assert isinstance(data, dict)
    [entry] = data["studies"]
    assert entry["imported"] and entry["order_id"] == order["id"]
    [study] = _studies(cli, patient["mrn"])
    assert study["order_id"] == order["id"]
    assert sum(s["instances"] for s in study["series"]) == 50  # type: ignore[index, union-attr]


def test_a_nurse_cannot_import(
    cli: Cli,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patient = _patient(cli)
    monkeypatch.setenv("EMR_NEW_PASSWORD", "nurse-password-1")
    cli(
        "user",
        "add",
        "dd",
        "--role",
        "nurse",
        "--full-name",
        "Lê Thị Hoa",
        "--user",
        "admin",
        password="admin-password-1",
    )
    disc = _disc(
        tmp_path / "cd",
        _ct(1, patient_id=patient["mrn"], study_date=date(2026, 2, 1)),
    )
    _, err = cli(
        "imaging",
        "import",
        str(disc),
        "--yes",
        "--user",
        "dd",
        password="nurse-password-1",
        expect=EXIT_ERROR,
    )
    assert "order.write" in err


def test_a_viewer_program_on_the_disc_is_summed_up(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    patient = _patient(cli)
    libraries = {f"VIEWER/LIB{i:02d}.DLL": b"MZ" + bytes(200) for i in range(15)}
    disc = _disc(tmp_path / "cd", _ct(1, patient_id=patient["mrn"]))
    (disc / "VIEWER").mkdir()
    for name, data in libraries.items():
        (disc / name).write_bytes(data)
    out, _ = cli("imaging", "import", str(disc), "--user", "bs")
    assert out.count("Bỏ qua / Skipped") == 10 and "and 5 more skipped" in out
    data = cli.json("imaging", "import", str(disc), "--user", "bs")
    assert isinstance(data, dict) and len(data["skipped_files"]) == 15
    assert {f["rule"] for f in data["skipped_files"]} == {"not_dicom"}
