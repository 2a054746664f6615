"""`emr-admin facility show|set`: the letterhead of printed documents, from the terminal."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_main import Cli, cli  # noqa: F401 - the fixture

from emr_desktop.cli.main import EXIT_ERROR, EXIT_USAGE

#: The users `cli` sets up, with their passwords.
PASSWORDS = {"admin": "admin-password-1", "bs": "doctor-password-1"}
#: The start of a JPEG file (what the logo check reads) and its end marker.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(100) + b"\xff\xd9"


def _facility(
    run: Cli, command: str, *options: str, user: str = "admin", expect: int = 0
) -> tuple[str, str]:
    """`emr-admin facility <command>` as `user`: what it wrote to stdout and stderr."""
    return run(
        "facility", command, "--user", user, *options, password=PASSWORDS[user], expect=expect
    )


def _facility_json(run: Cli, command: str, *options: str, user: str = "admin") -> dict[str, object]:
    data = run.json("facility", command, "--user", user, *options, password=PASSWORDS[user])
    assert isinstance(data, dict)
    return data


def test_show_and_set_the_letterhead(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    out, _ = _facility(cli, "show")
    assert "TTYT huyện Thử (70001)" in out
    assert "Logo: không có / none" in out
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(JPEG)
    out, _ = _facility(
        cli,
        "set",
        "--parent-name",
        "SỞ Y TẾ TỈNH HÀ NAM",
        "--address",
        "TT. Quế, H. Kim Bảng, Hà Nam",
        "--phone",
        "0226 3851 234",
        "--logo",
        str(logo),
    )
    assert "Đã cập nhật tiêu đề giấy tờ / Letterhead updated" in out
    assert f"Logo: {len(JPEG)} byte" in out
    # A doctor reads it, as printing will.
    shown = _facility_json(cli, "show", user="bs")
    assert shown == {
        "facility_code": "70001",
        "facility_name": "TTYT huyện Thử",
        "parent_name": "SỞ Y TẾ TỈNH HÀ NAM",
        "address": "TT. Quế, H. Kim Bảng, Hà Nam",
        "phone": "0226 3851 234",
        "logo_bytes": len(JPEG),
    }
    # What is not given is kept; an empty value clears; --no-logo removes the logo.
    changed = _facility_json(cli, "set", "--phone", "", "--no-logo")
    assert changed == {**shown, "phone": None, "logo_bytes": None}
    out, _ = _facility(cli, "show")
    assert "Cơ quan chủ quản / Governing body: SỞ Y TẾ TỈNH HÀ NAM" in out
    assert "Điện thoại / Phone: không có / none" in out


def test_bad_letterheads_are_refused_naming_the_field(
    cli: Cli,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00")
    _, err = _facility(cli, "set", "--logo", str(gif), expect=EXIT_ERROR)
    assert "logo: Logo phải là ảnh PNG hoặc JPEG" in err
    _, err = _facility(cli, "set", "--logo", str(tmp_path / "missing.png"), expect=EXIT_ERROR)
    assert "logo: Không đọc được tệp logo" in err
    _, err = _facility(cli, "set", "--phone", "12345", expect=EXIT_ERROR)
    assert "phone:" in err
    _, err = _facility(cli, "set", "--address", "Hà Nam", user="bs", expect=EXIT_ERROR)
    assert "user.manage" in err
    _facility(cli, "set", "--logo", str(gif), "--no-logo", expect=EXIT_USAGE)
    shown = _facility_json(cli, "show")
    assert (shown["address"], shown["phone"], shown["logo_bytes"]) == (None, None, None)
