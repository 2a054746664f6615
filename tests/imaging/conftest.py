"""Fixtures of the imaging tests: a real PACS (Orthanc + DICOMweb on loopback, once per test
session) holding pydicom's test files and a five-slice CT series made from CT_small.dcm.

* `orthanc`: the running server (`url`, `user`, `password`; skipped with the reason when the
  Debian packages are missing — `python dev.py` installs them).
* `pacs`: what was uploaded to it (`PacsContent`), by SOPInstanceUID.
* `client`: a `DicomWebClient` on its DICOMweb root, with the right password.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
from tests.imaging.orthanc import Orthanc, orthanc_missing, running_orthanc, upload

from emr_desktop.imaging.dicomweb import DicomWebClient

#: pydicom's bundled files sent to the PACS: CT, MR, a multi-frame dose grid (15 frames) and
#: a JPEG 2000 image (stored compressed; the PACS must give it back untouched).
PACS_FILES = ("CT_small.dcm", "MR_small.dcm", "rtdose.dcm", "JPEG2000.dcm")
SERIES_SLICES = 5


@dataclass(frozen=True)
class SeriesOnPacs:
    """The CT series made for these tests: a Vietnamese patient, five slices."""

    study_uid: str
    series_uid: str
    #: The files as uploaded, by SOPInstanceUID, in slice order.
    files: dict[str, bytes]


@dataclass(frozen=True)
class PacsContent:
    """Everything uploaded to the test PACS."""

    #: Every uploaded file, by SOPInstanceUID.
    files: dict[str, bytes]
    #: pydicom's test files as uploaded, by file name.
    by_name: dict[str, bytes]
    series: SeriesOnPacs


def pydicom_file(name: str) -> bytes:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom's test file {name} is missing"
    return Path(str(path)).read_bytes()


def dataset(data: bytes) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(data))


def ct_series() -> SeriesOnPacs:
    """Five CT slices of one series from CT_small.dcm: new uids, positions 5 mm apart, and
    different pixels in each slice, for a Vietnamese patient (UTF-8 names)."""
    base = dataset(pydicom_file("CT_small.dcm"))
    study_uid = generate_uid(entropy_srcs=["emr-pacs-test", "study"])
    series_uid = generate_uid(entropy_srcs=["emr-pacs-test", "series"])
    files: dict[str, bytes] = {}
    for index in range(SERIES_SLICES):
        ds = copy.deepcopy(base)
        sop_uid = generate_uid(entropy_srcs=["emr-pacs-test", "slice", str(index)])
        ds.SpecificCharacterSet = "ISO_IR 192"
        ds.PatientID = "BN0001234"
        ds.PatientName = "NGUYỄN^VĂN AN"
        ds.PatientBirthDate = "19800512"
        ds.PatientSex = "M"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = sop_uid
        ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
        ds.StudyDate = "20240315"
        ds.StudyTime = "093000"
        ds.TimezoneOffsetFromUTC = "+0700"
        ds.StudyDescription = "CT ngực không tiêm thuốc"
        ds.AccessionNumber = "2024031500001"
        ds.SeriesNumber = 2
        ds.SeriesDescription = "Phổi 5 mm"
        ds.InstanceNumber = index + 1
        x, y, z = (float(v) for v in base.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z + 5.0 * index]
        pixels = base.pixel_array.astype(np.int16) + np.int16(index * 10)
        ds.PixelData = pixels.astype(base.pixel_array.dtype).tobytes()
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True)
        files[sop_uid] = out.getvalue()
    return SeriesOnPacs(study_uid=study_uid, series_uid=series_uid, files=files)


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    missing = orthanc_missing()
    if missing is not None:
        pytest.skip(f"no PACS to test against: {missing}")
    with running_orthanc(tmp_path_factory.mktemp("orthanc")) as server:
        yield server


@pytest.fixture(scope="session")
def pacs(orthanc: Orthanc) -> PacsContent:
    by_name = {name: pydicom_file(name) for name in PACS_FILES}
    series = ct_series()
    files: dict[str, bytes] = {}
    for data in [*by_name.values(), *series.files.values()]:
        upload(orthanc, data)
        files[str(dataset(data).SOPInstanceUID)] = data
    return PacsContent(files=files, by_name=by_name, series=series)


@pytest.fixture
def client(orthanc: Orthanc, pacs: PacsContent) -> Iterator[DicomWebClient]:
    with DicomWebClient(orthanc.dicom_web, auth=orthanc.auth, timeout=(2.0, 30.0)) as web:
        yield web
