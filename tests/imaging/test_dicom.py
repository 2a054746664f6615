"""Reading DICOM: pydicom's real test files, damaged copies of them, folders and DICOMDIR media."""

from __future__ import annotations

import io
import shutil
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import DicomStudy
from emr_desktop.imaging.dicom import display_name, load_study, read_instance, scan
from emr_desktop.imaging.synthetic import RESCALE_INTERCEPT, ct_series


def _file(name: str) -> Path:
    path = get_testdata_file(name)
    assert path is not None, name
    return Path(str(path))


def _bytes(name: str) -> bytes:
    return _file(name).read_bytes()


def _rule(data: bytes, name: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read_instance(data, name=name)
    assert caught.value.field == "file"
    return caught.value


DICOMDIR_MEDIA = _file("DICOMDIR").parent


# --------------------------------------------------------------------------- one file


def test_reads_the_header_of_a_ct_image() -> None:
    ct = read_instance(_bytes("CT_small.dcm"))
    assert ct.modality == "CT"
    assert (ct.rows, ct.columns, ct.frames) == (128, 128, 1)
    assert ct.sop_class_uid == "1.2.840.10008.5.1.4.1.1.2"
    assert ct.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert ct.patient_name == "CompressedSamples CT1"
    assert ct.patient_id == "1CT1"
    assert ct.study_date == date(2004, 1, 19)
    assert ct.image_position == pytest.approx((-158.135803, -179.035797, -75.699997))
    assert ct.pixel_spacing == pytest.approx((0.661468, 0.661468))
    # No TimezoneOffsetFromUTC: the modality's clock is taken as Vietnamese time (UTC+7).
    assert ct.study_at == datetime(2004, 1, 19, 12, 27, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "modality", "frames", "syntax"),
    [
        ("MR_small.dcm", "MR", 1, "1.2.840.10008.1.2.1"),
        ("JPEG2000.dcm", "NM", 1, "1.2.840.10008.1.2.4.91"),
        ("JPGExtended.dcm", "NM", 1, "1.2.840.10008.1.2.4.51"),
        ("SC_rgb_jpeg_dcmtk.dcm", "OT", 1, "1.2.840.10008.1.2.4.50"),
        ("MR_small_RLE.dcm", "MR", 1, "1.2.840.10008.1.2.5"),
        ("MR_small_jpeg_ls_lossless.dcm", "MR", 1, "1.2.840.10008.1.2.4.80"),
        ("SC_rgb_rle_2frame.dcm", "OT", 2, "1.2.840.10008.1.2.5"),
        ("rtdose.dcm", "RTDOSE", 15, "1.2.840.10008.1.2"),
        ("examples_ybr_color.dcm", "US", 30, "1.2.840.10008.1.2.4.50"),
        ("examples_palette.dcm", "US", 1, "1.2.840.10008.1.2.1"),
    ],
)
def test_reads_compressed_and_multi_frame_files(
    name: str, modality: str, frames: int, syntax: str
) -> None:
    instance = read_instance(_bytes(name))
    assert (instance.modality, instance.frames, instance.transfer_syntax_uid) == (
        modality,
        frames,
        syntax,
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"This CD contains images. Insert it in a DICOM viewer.\r\n",
        b"[autorun]\r\nopen=viewer.exe\r\n",
        bytes(128) + b"NOPE" + bytes(64),
        # A DICOM data set written without the preamble and "DICM" (force=False refuses it).
        _bytes("CT_small.dcm")[132:],
    ],
)
def test_a_file_that_is_not_dicom_is_refused(data: bytes) -> None:
    error = _rule(data, "README.TXT")
    assert error.rule == "not_dicom"
    assert "Tệp không phải DICOM" in error.message_vi
    assert "README.TXT" in error.message_vi and "README.TXT" in error.message_en


def test_pydicoms_truncated_file_is_refused() -> None:
    error = _rule(_bytes("MR_truncated.dcm"))
    assert error.rule == "truncated"
    assert "Tệp DICOM bị cắt cụt" in error.message_vi
    assert "truncated" in error.message_en


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "rtdose.dcm",
        "JPEG2000.dcm",
        "SC_rgb_rle_2frame.dcm",
        "examples_ybr_color.dcm",
    ],
)
@pytest.mark.parametrize("keep", [0.999, 0.9, 0.5, 0.05])
def test_a_file_cut_anywhere_is_refused_as_truncated(name: str, keep: float) -> None:
    data = _bytes(name)
    cut = max(133, int(len(data) * keep))
    assert _rule(data[:cut]).rule == "truncated"


def test_a_file_cut_by_a_few_bytes_is_refused() -> None:
    for name in ("CT_small.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm"):
        data = _bytes(name)
        for missing in (1, 3, 8, 9):
            assert _rule(data[:-missing]).rule == "truncated", (name, missing)


def _secondary_capture(**values: object) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.Rows, ds.Columns = 4, 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(range(16))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # pydicom warns of the invalid values some tests write on purpose.
        warnings.simplefilter("ignore")
        for keyword, value in values.items():
            if value is None:
                delattr(ds, keyword)
            else:
                setattr(ds, keyword, value)
        pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def test_native_pixel_data_shorter_than_the_image_is_truncated() -> None:
    # Whole elements, but 10 bytes of pixels for a 4 × 4 image of one byte per pixel.
    error = _rule(_secondary_capture(PixelData=bytes(10)))
    assert error.rule == "truncated"
    assert "16" in error.message_en


def test_an_image_without_pixel_data_is_truncated() -> None:
    assert _rule(_secondary_capture(PixelData=None)).rule == "truncated"


@pytest.mark.parametrize("keyword", ["SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"])
def test_missing_identifying_tags_are_refused(keyword: str) -> None:
    error = _rule(_secondary_capture(**{keyword: None}), "IM0001")
    assert error.rule == "missing_tags"
    assert "thiếu thẻ bắt buộc" in error.message_vi and "IM0001" in error.message_vi


def test_pydicoms_file_without_study_uid_is_refused() -> None:
    assert _rule(_bytes("JPEGLSNearLossless_08.dcm")).rule == "missing_tags"


def test_an_invalid_uid_is_refused() -> None:
    assert _rule(_secondary_capture(StudyInstanceUID="1.2.abc")).rule == "uid"


def test_a_dicomdir_is_not_an_image() -> None:
    assert _rule((DICOMDIR_MEDIA / "DICOMDIR").read_bytes()).rule == "dicomdir"


def test_damaged_encapsulated_fragments_are_refused() -> None:
    data = bytearray(_bytes("JPEG2000.dcm"))
    # The first fragment's item tag overwritten: the fragments no longer parse.
    start = data.find(b"\xfe\xff\x00\xe0", data.find(b"\xe0\x7f\x10\x00"))
    fragment = data.find(b"\xfe\xff\x00\xe0", start + 8)
    data[fragment : fragment + 4] = b"\x00\x00\x00\x00"
    assert _rule(bytes(data)).rule in ("truncated", "unreadable")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("NGUYEN^VAN A", "NGUYEN VAN A"),
        ("NGUYEN^A^VAN", "NGUYEN VAN A"),
        ("Doe^John^^Dr.", "Dr. Doe John"),
        ("^^^", None),
        ("=山田^太郎", "山田 太郎"),
        ("  TRAN^  THI   B ", "TRAN THI B"),
        ("", None),
    ],
)
def test_person_names_are_shown_with_spaces(value: str, shown: str | None) -> None:
    assert display_name(value) == shown


def test_vietnamese_names_are_decoded_with_the_declared_character_set() -> None:
    files = ct_series(slices=1, size=8, patient_name="NGUYỄN^VĂN ĐỨC", charset="ISO_IR 192")
    assert read_instance(files[0]).patient_name == "NGUYỄN VĂN ĐỨC"


def test_utf8_names_without_a_declared_character_set_are_still_read() -> None:
    name = "TRẦN^THỊ B".encode()
    placeholder = b"X" * len(name)
    [data] = ct_series(slices=1, size=8, patient_name=placeholder.decode(), charset=None)
    # The same file with the name's bytes in UTF-8, as some modalities write it.
    assert data.count(placeholder) == 1
    assert read_instance(data.replace(placeholder, name)).patient_name == "TRẦN THỊ B"


def test_latin1_names_follow_iso_ir_100() -> None:
    files = ct_series(slices=1, size=8, patient_name="MÜLLER^JOSÉ", charset="ISO_IR 100")
    assert read_instance(files[0]).patient_name == "MÜLLER JOSÉ"


# --------------------------------------------------------------------------- synthetic series


def test_synthetic_ct_series_is_a_real_ct_series() -> None:
    files = ct_series(slices=6, size=32, patient_id="BN1", accession_number="A1")
    instances = [read_instance(f) for f in files]
    assert len({i.sop_instance_uid for i in instances}) == 6
    assert len({i.series_instance_uid for i in instances}) == 1
    zs = [i.image_position[2] for i in instances if i.image_position]
    assert zs == sorted(zs) and len(set(zs)) == 6
    ds = pydicom.dcmread(io.BytesIO(files[3]))
    hu = ds.pixel_array.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert float(ds.RescaleIntercept) == RESCALE_INTERCEPT
    assert hu.min() == pytest.approx(-1000, abs=1)  # air around the body
    assert hu.max() > 500  # the spine
    study = DicomStudy.from_instances(instances)
    assert (study.accession_number, study.instance_count, study.modalities) == ("A1", 6, ("CT",))


# --------------------------------------------------------------------------- media


def test_scan_finds_the_studies_of_a_disc_and_skips_what_is_not_dicom() -> None:
    result = scan([DICOMDIR_MEDIA])
    assert len(result.studies) == 7
    by_patient: dict[str | None, int] = {}
    for scanned in result.studies:
        by_patient[scanned.study.patient_name] = by_patient.get(scanned.study.patient_name, 0) + 1
        assert scanned.complete
        assert len(scanned.files) == scanned.study.instance_count
    assert by_patient == {"Doe Archibald": 2, "Doe Peter": 4, "Citizen Jan": 1}
    skipped = {p.path.name for p in result.problems}
    assert skipped == {"README.txt", "README"}
    assert all(p.rule == "not_dicom" for p in result.problems)
    assert all(p.study_instance_uid is None for p in result.problems)


def test_a_dicomdir_alone_leads_to_its_files() -> None:
    result = scan([DICOMDIR_MEDIA / "TINY_ALPHA" / "DICOMDIR"])
    [study] = result.studies
    assert study.study.instance_count == 50
    assert result.problems == ()


def test_a_dicomdir_finds_files_whatever_the_case_of_their_names(tmp_path: Path) -> None:
    disc = tmp_path / "cd"
    shutil.copytree(DICOMDIR_MEDIA / "TINY_ALPHA", disc)
    # Mounted so that every name reads in lower case (as some CD drivers show them).
    for path in sorted(disc.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.name != "DICOMDIR":
            path.rename(path.with_name(path.name.lower()))
    [study] = scan([disc / "DICOMDIR"]).studies
    assert study.study.instance_count == 50


def test_a_damaged_file_on_a_disc_counts_against_its_study(tmp_path: Path) -> None:
    disc = tmp_path / "cd"
    shutil.copytree(DICOMDIR_MEDIA, disc)
    damaged = disc / "77654033" / "CT2" / "17136"
    damaged.write_bytes(damaged.read_bytes()[:300])  # cut before the study's UID
    (disc / "98892001" / "CT5N" / "2062").unlink()  # listed in the DICOMDIR, gone
    result = scan([disc / "DICOMDIR"])
    incomplete = {s.study.study_instance_uid: s for s in result.studies if not s.complete}
    assert len(incomplete) == 2
    rules = sorted(p.rule for s in incomplete.values() for p in s.problems)
    assert rules == ["missing_file", "truncated"]
    [truncated] = [p for s in incomplete.values() for p in s.problems if p.rule == "truncated"]
    assert truncated.path.name == "17136" and str(truncated.path) in truncated.error.message_vi
    assert all(s.complete for s in result.studies if s.study.study_instance_uid not in incomplete)


def test_the_same_image_twice_is_kept_once(tmp_path: Path) -> None:
    files = ct_series(slices=3, size=16)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        for index, data in enumerate(files):
            (tmp_path / folder / f"IM{index}").write_bytes(data)
    result = scan([tmp_path / "a", tmp_path / "b", tmp_path / "a" / "IM0"])
    [study] = result.studies
    assert study.study.instance_count == 3 and len(study.files) == 3


def test_scan_reports_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = scan([tmp_path / "absent"])
    assert result.studies == ()
    [problem] = result.problems
    assert problem.rule == "missing_file"


def test_studies_and_series_are_grouped(tmp_path: Path) -> None:
    study_uid = generate_uid()
    first = ct_series(slices=2, size=16, study_uid=study_uid, series_number=1)
    second = ct_series(slices=3, size=16, study_uid=study_uid, series_number=2)
    other = ct_series(slices=1, size=16, study_date=date(2025, 1, 1))
    for index, data in enumerate(second + other + first):
        (tmp_path / f"f{index}.dcm").write_bytes(data)
    result = scan([tmp_path])
    assert [s.study.instance_count for s in result.studies] == [1, 5]
    study = result.studies[1].study
    assert [(s.number, s.instances) for s in study.series] == [(1, 2), (2, 3)]
    assert study.study_instance_uid == study_uid


def test_load_study_reads_the_files_again_and_notices_a_change(tmp_path: Path) -> None:
    for index, data in enumerate(ct_series(slices=3, size=16)):
        (tmp_path / f"IM{index}").write_bytes(data)
    [scanned] = scan([tmp_path]).studies
    loaded = load_study(scanned)
    assert [i.sop_instance_uid for i, _ in loaded] == [i.sop_instance_uid for _, i in scanned.files]
    assert all(
        data == path.read_bytes() for (_, data), path in zip(loaded, scanned.paths, strict=True)
    )
    # The disc was swapped for another one after the scan.
    scanned.paths[1].write_bytes(ct_series(slices=1, size=16)[0])
    with pytest.raises(ValidationError) as caught:
        load_study(scanned)
    assert caught.value.rule == "changed" and "IM1" in caught.value.message_vi
    scanned.paths[1].write_bytes(b"not dicom")
    with pytest.raises(ValidationError) as caught:
        load_study(scanned)
    assert caught.value.rule == "not_dicom"
