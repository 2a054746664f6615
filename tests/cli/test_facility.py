"""`emr-admin facility show|set`: the letterhead of printed documents, from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emr_desktop.cli.main import EXIT_ERROR, EXIT_USAGE, main

ADMIN_PASSWORD = "admin-password-1"
DOCTOR_PASSWORD = "doctor-password-1"
#: The start of a JPEG file (what the logo check reads) and its end marker.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(100) + b"\xff\xd9"


class Cli:
    def __init__(
        self, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.data_dir = data_dir
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, password: str, expect: int = 0) -> tuple[str, str]:
        self.monkeypatch.setenv("EMR_PASSWORD", password)
        code = main(["--data-dir", str(self.data_dir), *args])
        out, err = self.capsys.readouterr()
        assert code == expect, (out, err)
        return out, err

    def json(self, *args: str, password: str = ADMIN_PASSWORD) -> dict[str, object]:
        out, _ = self(*args, "--json", password=password)
        data: dict[str, object] = json.loads(out)
        return data


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    run = Cli(tmp_path / "data", capsys, monkeypatch)
    run(
        "init",
        "--facility",
        "35001",
        "--facility-name",
        "Trung tâm Y tế huyện Kim Bảng",
        "--admin",
        "admin",
        password=ADMIN_PASSWORD,
    )
    monkeypatch.setenv("EMR_NEW_PASSWORD", DOCTOR_PASSWORD)
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
        password=ADMIN_PASSWORD,
    )
    return run


def test_show_and_set_the_letterhead(cli: Cli, tmp_path: Path) -> None:
    out, _ = cli("facility", "show", "--user", "admin", password=ADMIN_PASSWORD)
    assert "Trung tâm Y tế huyện Kim Bảng (35001)" in out
    assert "Logo: không có / none" in out
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(JPEG)
    out, _ = cli(
        "facility",
        "set",
        "--user",
        "admin",
        "--parent-name",
        "SỞ Y TẾ TỈNH HÀ NAM",
        "--address",
        "TT. Quế, H. Kim Bảng, Hà Nam",
        "--phone",
        "0226 3851 234",
        "--logo",
        str(logo),
        password=ADMIN_PASSWORD,
    )
    assert "Đã cập nhật tiêu đề giấy tờ / Letterhead updated" in out
    assert f"Logo: {len(JPEG)} byte" in out
    # A doctor reads it, as printing will.
    shown = cli.json("facility", "show", "--user", "bs", password=DOCTOR_PASSWORD)
    assert shown == {
        "facility_code": "35001",
        "facility_name": "Trung tâm Y tế huyện Kim Bảng",
        "parent_name": "SỞ Y TẾ TỈNH HÀ NAM",
        "address": "TT. Quế, H. Kim Bảng, Hà Nam",
        "phone": "0226 3851 234",
        "logo_bytes": len(JPEG),
    }
    # What is not given is kept; an empty value clears; --no-logo removes the logo.
    changed = cli.json("facility", "set", "--user", "admin", "--phone", "", "--no-logo")
    assert changed == {**shown, "phone": None, "logo_bytes": None}
    out, _ = cli("facility", "show", "--user", "admin", password=ADMIN_PASSWORD)
    assert "Cơ quan chủ quản / Governing body: SỞ Y TẾ TỈNH HÀ NAM" in out
    assert "Điện thoại / Phone: không có / none" in out


def test_bad_letterheads_are_refused_naming_the_field(cli: Cli, tmp_path: Path) -> None:
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00")
    _, err = cli(
        "facility",
        "set",
        "--user",
        "admin",
        "--logo",
        str(gif),
        password=ADMIN_PASSWORD,
        expect=EXIT_ERROR,
    )
    assert "logo: Logo phải là ảnh PNG hoặc JPEG" in err
    _, err = cli(
        "facility",
        "set",
        "--user",
        "admin",
        "--logo",
        str(tmp_path / "missing.png"),
        password=ADMIN_PASSWORD,
        expect=EXIT_ERROR,
    )
    assert "logo: Không đọc được tệp logo" in err
    _, err = cli(
        "facility",
        "set",
        "--user",
        "admin",
        "--phone",
        "12345",
        password=ADMIN_PASSWORD,
        expect=EXIT_ERROR,
    )
    assert "phone:" in err
    _, err = cli(
        "facility",
        "set",
        "--user",
        "bs",
        "--address",
        "Hà Nam",
        password=DOCTOR_PASSWORD,
        expect=EXIT_ERROR,
    )
    assert "user.manage" in err
    cli(
        "facility",
        "set",
        "--user",
        "admin",
        "--logo",
        str(gif),
        "--no-logo",
        password=ADMIN_PASSWORD,
        expect=EXIT_USAGE,
    )
    shown = cli.json("facility", "show", "--user", "admin")
    assert (shown["address"], shown["phone"], shown["logo_bytes"]) == (None, None, None)
