"""`emr-admin import fhir FILE`: a dry run by default, then the import, on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture
from tests.interop.test_fhir_import import rich_chart

from emr_desktop.cli.main import EXIT_ERROR
from emr_desktop.interop.fhir import chart_bundle
from emr_desktop.store.store import Store


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    """A Bundle from facility 35001 (Nguyễn Thị Hoà, CCCD 001156012345)."""
    path = tmp_path / "tu-tuyen-tren.json"
    path.write_text(json.dumps(chart_bundle(rich_chart()), ensure_ascii=False), encoding="utf-8")
    return path


def _external_records(data_dir: Path) -> int:
    store = Store.open(data_dir)
    try:
        with store.engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM clinical_event WHERE kind = 'external_record'"
                ).scalar_one()
            )
    finally:
        store.close()


def _add(cli: Cli, *args: str) -> dict[str, str]:  # noqa: F811 - the fixture's type
    added = cli.json("patient", "add", "--sex", "female", *args, "--user", "bs")
    assert isinstance(added, dict)
    return added


def test_a_dry_run_shows_the_source_the_chart_and_the_counts_then_yes_imports(
    cli: Cli,  # noqa: F811 - the fixture imported above
    bundle_file: Path,
) -> None:
    chart = _add(
        cli, "--full-name", "Nguyễn Thị Hoà", "--dob", "1956-03-07", "--cccd", "001156012345"
    )
    out, _ = cli("import", "fhir", str(bundle_file), "--user", "bs")
    assert "Nguồn / Source: Trung tâm Y tế khu vực Kim Bảng (35001)" in out
    assert f"Hồ sơ / Chart: {chart['mrn']}" in out and "số CCCD / citizen ID" in out
    assert "Nothing imported: run again with --yes" in out
    assert "KHÁC" not in out
    assert _external_records(cli.data_dir) == 0
    planned = cli.json("import", "fhir", str(bundle_file), "--user", "bs")
    assert isinstance(planned, dict)
    assert planned["patient_id"] == chart["id"] and planned["basis"] == "cccd"
    assert planned["imported"] is False and planned["new"] > 40
    done = cli.json("import", "fhir", str(bundle_file), "--yes", "--user", "bs")
    assert isinstance(done, dict)
    assert done["imported"] is True and len(done["event_ids"]) == planned["new"]
    assert _external_records(cli.data_dir) == planned["new"]
    again = cli.json("import", "fhir", str(bundle_file), "--yes", "--user", "bs")
    assert isinstance(again, dict)
    assert (again["new"], again["unchanged"], again["event_ids"]) == (0, planned["new"], [])
    # The chart shows them.
    out, _ = cli("chart", chart["mrn"], "--user", "bs")
    assert out.count("external_record") == planned["new"]


def test_a_differing_chart_needs_accept_mismatch(
    cli: Cli,  # noqa: F811 - the fixture imported above
    bundle_file: Path,
) -> None:
    chart = _add(cli, "--full-name", "Trần Thị Mai", "--dob", "1956")
    out, _ = cli("import", "fhir", str(bundle_file), "--user", "bs")
    assert "Không tìm thấy hồ sơ bệnh nhân / No matching chart" in out
    _, err = cli("import", "fhir", str(bundle_file), "--yes", "--user", "bs", expect=EXIT_ERROR)
    assert "--patient" in err
    out, err = cli(
        "import",
        "fhir",
        str(bundle_file),
        "--patient",
        chart["mrn"],
        "--yes",
        "--user",
        "bs",
        expect=EXIT_ERROR,
    )
    assert "KHÁC / DIFFERS: Họ tên trong tệp “Nguyễn Thị Hoà”" in out
    assert "--accept-mismatch" in out and "differs from the chart" in err
    assert _external_records(cli.data_dir) == 0
    out, _ = cli(
        "import",
        "fhir",
        str(bundle_file),
        "--patient",
        chart["mrn"],
        "--yes",
        "--accept-mismatch",
        "--user",
        "bs",
    )
    assert "Đã nhập / Imported:" in out and "(ký bởi / signed by Đỗ Thị Hằng)" in out
    assert _external_records(cli.data_dir) > 40


def test_a_bad_file_is_refused_naming_the_entry(
    cli: Cli,  # noqa: F811 - the fixture imported above
    bundle_file: Path,
    tmp_path: Path,
) -> None:
    data = json.loads(bundle_file.read_text(encoding="utf-8"))
    data["entry"][5]["resource"]["resourceType"] = "Nonsense"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    _, err = cli("import", "fhir", str(broken), "--yes", "--user", "bs", expect=EXIT_ERROR)
    assert "entry[5] (Nonsense)" in err and "Entry 5 (Nonsense)" in err
    _, err = cli(
        "import", "fhir", str(tmp_path / "missing.json"), "--user", "bs", expect=EXIT_ERROR
    )
    assert "Không đọc được tệp missing.json" in err
