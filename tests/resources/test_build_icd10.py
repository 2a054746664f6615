"""The ICD-10 catalogue is generated: a rebuild must reproduce the committed file exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from emr_desktop.resources import build_icd10


def test_rebuild_is_identical_to_the_committed_file(tmp_path: Path) -> None:
    out_path = tmp_path / "icd10.csv"
    count = build_icd10.build(out_path)
    assert out_path.read_bytes() == build_icd10.OUTPUT_PATH.read_bytes()
    assert count >= 10_000


def test_every_vietnamese_name_reaches_the_output() -> None:
    names = build_icd10.read_vietnamese_names()
    assert len(names) >= 300
    rows = {code: name_vi for code, name_vi, _name_en, _chapter in build_icd10.rows()}
    for code, name in names.items():
        assert rows[code] == name


def test_unknown_code_in_the_vietnamese_names_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = tmp_path / "icd10_vi.csv"
    names.write_text("code,name_vi\nZ99.99,Không có\n", encoding="utf-8")
    monkeypatch.setattr(build_icd10, "VI_NAMES_PATH", names)
    with pytest.raises(ValueError, match=r"Z99\.99"):
        build_icd10.rows()


def test_duplicate_vietnamese_name_is_refused(tmp_path: Path) -> None:
    names = tmp_path / "icd10_vi.csv"
    names.write_text("code,name_vi\nI10,a\nI10,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        build_icd10.read_vietnamese_names(names)
