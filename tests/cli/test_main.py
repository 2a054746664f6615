"""`emr-admin` end to end, in process, on a real encrypted store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest

from emr_desktop.cli.main import EXIT_ERROR, EXIT_USAGE, main
from emr_desktop.store import keys


class Cli:
    def __init__(
        self, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.data_dir = data_dir
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, password: str | None = None, expect: int = 0) -> tuple[str, str]:
        if password is not None:
            self.monkeypatch.setenv("EMR_PASSWORD", password)
        code = main(["--data-dir", str(self.data_dir), *args])
        out, err = self.capsys.readouterr()
        assert code == expect, (out, err)
        return out, err

    def json(self, *args: str, password: str | None = None) -> object:
        out, _ = self(*args, "--json", password=password)
        return json.loads(out)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    run = Cli(tmp_path / "data", capsys, monkeypatch)
    out, _ = run(
        "init",
        "--facility",
        "70001",
        "--facility-name",
        "TTYT huyện Thử",
        "--admin",
        "admin",
        password="admin-password-1",
    )
    assert "KHÓA KHÔI PHỤC / RECOVERY KEY" in out
    monkeypatch.setenv("EMR_NEW_PASSWORD", "doctor-password-1")
    run(
        "user",
        "add",
        "bs",
        "--role",
        "doctor",
        "--full-name",
        "Đỗ Thị Hằng",
        "--user",
        "admin",
        password="admin-password-1",
    )
    monkeypatch.setenv("EMR_PASSWORD", "doctor-password-1")
    return run


def test_register_search_and_record_a_visit(cli: Cli) -> None:
    added = cli.json(
        "patient",
        "add",
        "--full-name",
        "Nguyễn Văn An",
        "--sex",
        "male",
        "--dob",
        "1985-03-07",
        "--cccd",
        "001085001234",
        "--phone",
        "0912345678",
        "--user",
        "bs",
    )
    assert isinstance(added, dict)
    mrn = added["mrn"]
    found = cli.json("patient", "search", "nguyen van an", "--user", "bs")
    assert isinstance(found, list) and found[0]["mrn"] == mrn
    out, _ = cli("patient", "search", "NGUYỄN VĂN AN", "--user", "bs")
    assert "Nguyễn Văn An" in out
    visit = cli.json("encounter", "start", mrn, "--kind", "outpatient", "--user", "bs")
    assert isinstance(visit, dict)
    cli(
        "vitals",
        mrn,
        "--encounter",
        visit["id"],
        "--temperature",
        "38,5",
        "--bp",
        "130/85",
        "--spo2",
        "97",
        "--sign",
        "--user",
        "bs",
    )
    cli("diagnosis", mrn, "--icd10", "J20.9", "--sign", "--user", "bs")
    note = cli.json("note", mrn, "--text", "Ho khan 3 ngày", "--user", "bs")
    assert isinstance(note, dict) and note["status"] == "draft"
    cli("sign", note["id"], "--user", "bs")
    cli(
        "prescription",
        mrn,
        "--item",
        "T0001:10:5:1 viên x 2 lần/ngày",
        "--diagnosis",
        "J20.9",
        "--sign",
        "--user",
        "bs",
    )
    cli("order", mrn, "--category", "lab", "--service", "XN0103", "--user", "bs")
    result = cli.json("result", mrn, "--test", "XN0103", "--value", "98", "--user", "bs")
    assert isinstance(result, dict) and result["body"]["flag"] == "low"
    cli("allergy", mrn, "--substance", "Penicillin", "--user", "bs")
    chart = cli.json("chart", mrn, "--user", "bs")
    assert isinstance(chart, dict)
    assert [e["kind"] for e in chart["events"]] == [
        "vital_signs",
        "diagnosis",
        "clinical_note",
        "prescription",
        "order",
        "lab_result",
    ]
    assert all(e["status"] == "signed" for e in chart["events"][:4])


def test_qr_registration(cli: Cli) -> None:
    payload = "079190001235||ĐẶNG THỊ HỒNG|15081990|Nữ|Phường 5, TP Hồ Chí Minh|01012022"
    draft = cli.json("patient", "from-qr", payload, "--dry-run", "--user", "bs")
    assert isinstance(draft, dict) and draft["cccd"] == "079190001235"
    out, _ = cli("patient", "from-qr", payload, "--user", "bs")
    assert "Đặng Thị Hồng" in out
    _, err = cli("patient", "from-qr", "079190001235|x", "--user", "bs", expect=EXIT_ERROR)
    assert "Lỗi:" in err and "Error:" in err


def test_errors_go_to_stderr_in_both_languages(cli: Cli) -> None:
    out, err = cli(
        "patient",
        "add",
        "--full-name",
        "Lê Văn Tám",
        "--sex",
        "male",
        "--cccd",
        "12345",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert out == "" and "Lỗi: cccd:" in err and "Error: cccd:" in err
    _, err = cli("vitals", "0001000000", "--temperature", "50", "--user", "bs", expect=EXIT_ERROR)
    assert "giới hạn sinh lý" in err and "physiological limits" in err
    _, err = cli("chart", "0009999999", "--user", "bs", expect=EXIT_ERROR)
    assert "Không tìm thấy" in err and "No patient" in err
    _, err = cli(
        "patient", "search", "x", "--user", "bs", "--json", password="wrong", expect=EXIT_ERROR
    )
    assert json.loads(err)["error"]["code"] == "authentication"
    cli("patient", "add", "--sex", "male", "--user", "bs", expect=EXIT_USAGE)


def test_password_from_stdin(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMR_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO("doctor-password-1\n"))
    cli("patient", "search", "an", "--user", "bs")


def test_audit_backup_restore_recover(cli: Cli, tmp_path: Path) -> None:
    cli("patient", "add", "--full-name", "Hà Văn Sáu", "--sex", "male", "--user", "bs")
    out, _ = cli("audit", "verify", "--user", "admin", password="admin-password-1")
    assert "nguyên vẹn" in out
    backup = tmp_path / "sao-luu.emrbak"
    cli("backup", str(backup), "--user", "admin")
    cli("restore", str(backup))
    store_id = json.loads((cli.data_dir / "store.json").read_text())["store_id"]
    keyring.delete_password(keys.KEYRING_SERVICE, f"store-key:{store_id}")
    _, err = cli(
        "patient",
        "search",
        "ha van",
        "--user",
        "bs",
        password="doctor-password-1",
        expect=EXIT_ERROR,
    )
    assert "recover" in err
    cli("recover", "--recovery-key", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", expect=EXIT_ERROR)


def test_catalog_import_reports_line_and_column(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "xn.csv"
    bad.write_text(
        "code,name_vi,name_en,loinc,unit,ref_low,ref_high,ref_text,specimen,sex\n"
        "XN1,Glucose,Glucose,14749-6,mmol/L,3.9,abc,,Huyết thanh,\n",
        "utf-8",
    )
    _, err = cli(
        "catalog",
        "import",
        "lab_tests",
        str(bad),
        "--user",
        "admin",
        password="admin-password-1",
        expect=EXIT_ERROR,
    )
    assert "line 2, column ref_high" in err


def test_duplicates_merge_unmerge_and_conflicts(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMR_NEW_PASSWORD", "clerk-password-1")
    cli(
        "user",
        "add",
        "tn",
        "--role",
        "registrar",
        "--full-name",
        "Kim Thị Dung",
        "--user",
        "admin",
        password="admin-password-1",
    )
    monkeypatch.setenv("EMR_PASSWORD", "doctor-password-1")
    first = cli.json(
        "patient",
        "add",
        "--full-name",
        "Vương Thị Nụ",
        "--sex",
        "female",
        "--dob",
        "1944",
        "--phone",
        "0966123123",
        "--user",
        "bs",
    )
    second = cli.json(
        "patient",
        "add",
        "--full-name",
        "VUONG THI NU",
        "--sex",
        "female",
        "--dob",
        "1944",
        "--phone",
        "0966123123",
        "--user",
        "bs",
    )
    assert isinstance(first, dict) and isinstance(second, dict)
    found = cli.json("patient", "duplicates", first["mrn"], "--user", "bs")
    assert isinstance(found, list) and found[0]["patient"]["id"] == second["id"]
    link = cli.json(
        "patient",
        "merge",
        first["mrn"],
        second["mrn"],
        "--reason",
        "Đăng ký hai lần",
        "--user",
        "tn",
        password="clerk-password-1",
    )
    assert isinstance(link, dict) and link["replaced_by"] == first["id"]
    shown = cli.json("patient", "show", second["mrn"], "--user", "tn")
    assert isinstance(shown, dict) and shown["id"] == first["id"]
    cli("patient", "unmerge", link["id"], "--user", "tn")
    shown = cli.json("patient", "show", second["mrn"], "--user", "tn")
    assert isinstance(shown, dict) and shown["id"] == second["id"]
    out, _ = cli("conflicts", "list", "--user", "bs", password="doctor-password-1")
    assert "Không có xung đột" in out


def test_bad_numbers_and_unknown_codes_name_the_field(cli: Cli) -> None:
    cli("patient", "add", "--full-name", "Hà Văn Bảy", "--sex", "male", "--user", "bs")
    _, err = cli("vitals", "0001000000", "--pulse", "nhanh", "--user", "bs", expect=EXIT_ERROR)
    assert "pulse:" in err and "not a number" in err
    _, err = cli(
        "prescription",
        "0001000000",
        "--item",
        "T0001:mười:5:1 viên",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "item 1:" in err and "not a number" in err
    _, err = cli(
        "prescription",
        "0001000000",
        "--item",
        "X9999:10:5:1 viên",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "item 1:" in err and "drugs catalogue" in err
    _, err = cli(
        "order",
        "0001000000",
        "--category",
        "imaging",
        "--service",
        "NOPE",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "service:" in err and "imaging catalogue" in err
