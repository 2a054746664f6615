"""`emr-admin export hsba` end to end on a real encrypted store."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture

from emr_desktop.cli.main import EXIT_ERROR, EXIT_USAGE
from emr_desktop.store.store import Store


def _exports(data_dir: Path) -> list[dict[str, Any]]:
    store = Store.open(data_dir)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE action = 'document.export' ORDER BY seq"
            ).all()
    finally:
        store.close()
    return [json.loads(r[0]) for r in rows]


def _patient_with_a_visit(cli: Cli) -> tuple[str, str]:  # noqa: F811 - the fixture's type
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
        "--bhyt",
        "DN4010123456789",
        "--user",
        "bs",
    )
    assert isinstance(added, dict)
    visit = cli.json("encounter", "start", added["mrn"], "--kind", "outpatient", "--user", "bs")
    assert isinstance(visit, dict)
    cli(
        "vitals",
        added["mrn"],
        "--encounter",
        visit["id"],
        "--bp",
        "130/85",
        "--temperature",
        "38,5",
        "--sign",
        "--user",
        "bs",
    )
    cli("diagnosis", added["mrn"], "--icd10", "J20.9", "--sign", "--user", "bs")
    return added["mrn"], visit["id"]


def test_export_hsba_to_a_file_and_to_standard_output(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    mrn, visit_id = _patient_with_a_visit(cli)
    target = tmp_path / "hsba.xml"
    out, _ = cli("export", "hsba", mrn, "--out", str(target), "--user", "bs")
    assert "hsba.xml" in out and "HoSoBenhAn" in out
    root = ET.fromstring(target.read_bytes())  # noqa: S314 - our own output
    assert root.tag == "HoSoBenhAn" and len(root) == 11
    assert root.findtext("ThongTinBenhNhan/ma_benhnhan") == mrn
    assert root.findtext("ThongTinBenhNhan/cccd_so") == "001085001234"
    assert root.findtext("ThongTinBenhNhan/thebhyt_so") == "DN4010123456789"
    (vitals,) = root.findall(".//SinhHieu")
    assert (vitals.findtext("huyetap_tamthu"), vitals.findtext("nhietdo")) == ("130", "38.5")
    assert vitals.findtext("chuky_hoten") == "Đỗ Thị Hằng"
    # The diagnosis was recorded outside the visit: in the whole chart, not in the visit.
    (diagnosis,) = root.findall(".//ChanDoan")
    assert (diagnosis.findtext("ma_icd"), diagnosis.findtext("ma_luotkham")) == ("J20.9", "")
    out, _ = cli("export", "hsba", mrn, "--format", "json", "--encounter", visit_id, "--user", "bs")
    body = json.loads(out)["HoSoBenhAn"]
    assert body["pham_vi"] == "luot_kham" and body["pham_vi_ma_luotkham"] == visit_id
    assert [v["ma_luotkham"] for v in body["ThongTinVaoVien"]] == [visit_id]
    assert body["ThongTinDieuTri"]["DanhSachChanDoan"] == []
    assert len(body["ThongTinDieuTri"]["DanhSachSinhHieu"]) == 1
    summary = cli.json("export", "hsba", mrn, "--out", str(tmp_path / "b.xml"), "--user", "bs")
    assert isinstance(summary, dict)
    assert summary["bytes"] == (tmp_path / "b.xml").stat().st_size
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".emr-export-")] == []
    exports = _exports(cli.data_dir)
    assert [e["format"] for e in exports] == ["hsba+xml", "hsba+json", "hsba+xml"]
    assert exports[0]["bytes"] == target.stat().st_size
    assert "Nguyễn" not in json.dumps(exports)


def test_a_nurse_cannot_export_and_no_file_is_written(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mrn, _ = _patient_with_a_visit(cli)
    monkeypatch.setenv("EMR_NEW_PASSWORD", "nurse-password-1")
    cli(
        "user",
        "add",
        "dd",
        "--role",
        "nurse",
        "--full-name",
        "Lê Thị Lan",
        "--user",
        "admin",
        password="admin-password-1",
    )
    target = tmp_path / "hsba.xml"
    _, err = cli(
        "export",
        "hsba",
        mrn,
        "--out",
        str(target),
        "--user",
        "dd",
        password="nurse-password-1",
        expect=EXIT_ERROR,
    )
    assert "Lỗi:" in err and "Error:" in err
    assert not target.exists()
    assert _exports(cli.data_dir) == []


def test_bad_requests_are_refused(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    mrn, _ = _patient_with_a_visit(cli)
    target = tmp_path / "hsba.xml"
    _, err = cli(
        "export",
        "hsba",
        mrn,
        "--format",
        "pdf",
        "--out",
        str(target),
        "--user",
        "bs",
        expect=EXIT_USAGE,
    )
    assert "--format" in err
    _, err = cli(
        "export",
        "hsba",
        mrn,
        "--encounter",
        "nowhere",
        "--out",
        str(target),
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "encounter: Không có lượt khám" in err
    missing = tmp_path / "no-such-folder" / "hsba.xml"
    _, err = cli("export", "hsba", mrn, "--out", str(missing), "--user", "bs", expect=EXIT_ERROR)
    assert "destination: Không ghi được tệp" in err
    assert not target.exists() and not missing.parent.exists()
    assert _exports(cli.data_dir) == []
