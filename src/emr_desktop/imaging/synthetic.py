"""Synthetic DICOM studies for tests, demonstrations and benchmarks: no patient's images.

`ct_series` writes a CT series as a scanner would — one file per slice, signed 16-bit pixels
in Hounsfield units through RescaleSlope/Intercept, ImagePositionPatient advancing along
the table, PixelSpacing and a default window — of a simple chest phantom (body, lungs that
grow and shrink along the series, spine, and a little noise) so that a viewer shows slices
that differ, and a benchmark measures real sizes (a 512 × 512 slice is 512 KiB of pixels).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, time

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

#: Hounsfield units of the phantom's tissues.
_AIR, _SOFT_TISSUE, _LUNG, _BONE = -1000, 40, -850, 700
#: Stored value = HU − intercept: the usual CT encoding.
RESCALE_INTERCEPT = -1024


def _phantom(size: int, slices: int) -> list[np.ndarray]:
    """One int16 array of stored values per slice."""
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    body = (xx / 0.85) ** 2 + (yy / 0.6) ** 2 <= 1.0
    spine = (xx**2 + (yy - 0.38) ** 2) <= 0.09**2
    rng = np.random.default_rng(7)
    noise = rng.normal(0.0, 12.0, (size, size)).astype(np.float32)
    out = []
    for index in range(slices):
        # Lungs widest in the middle of the series, gone at its ends.
        phase = np.sin(np.pi * (index + 0.5) / slices)
        rx, ry = 0.28 * phase + 0.01, 0.42 * phase + 0.01
        lungs = (((xx - 0.38) / rx) ** 2 + (yy / ry) ** 2 <= 1.0) | (
            ((xx + 0.38) / rx) ** 2 + (yy / ry) ** 2 <= 1.0
        )
        hu = np.full((size, size), _AIR, dtype=np.float32)
        hu[body] = _SOFT_TISSUE
        hu[lungs & body] = _LUNG
        hu[spine] = _BONE
        hu[body] += np.roll(noise, index * 7, axis=1)[body]
        out.append((hu - RESCALE_INTERCEPT).astype(np.int16))
    return out


def ct_series(
    slices: int = 200,
    size: int = 512,
    *,
    patient_id: str = "SYN0000001",
    patient_name: str = "NGUYỄN^VĂN A",
    birth_date: date | None = date(1970, 5, 17),
    sex: str = "M",
    other_patient_ids: Sequence[str] = (),
    study_uid: str | None = None,
    series_uid: str | None = None,
    accession_number: str = "",
    study_date: date = date(2026, 1, 15),
    study_time: time = time(9, 30),
    study_description: str | None = None,
    series_description: str | None = None,
    series_number: int = 2,
    pixel_spacing: float = 0.7,
    slice_thickness: float = 1.25,
    charset: str | None = "ISO_IR 192",
) -> list[bytes]:
    """A CT series of `slices` files of `size` × `size`, each as the bytes of a DICOM file
    (preamble, file meta, explicit VR little endian).

    Text is written in UTF-8 (`charset` "ISO_IR 192", the usual Vietnamese choice), with
    Vietnamese descriptions by default; with another `charset` (or None: no
    SpecificCharacterSet, plain ASCII) the default descriptions are unaccented and the
    name must be encodable in it.
    """
    utf8 = charset == "ISO_IR 192"
    if study_description is None:
        study_description = "CT NGỰC KHÔNG TIÊM" if utf8 else "CT NGUC KHONG TIEM"
    if series_description is None:
        series_description = "PHỔI 1.25mm" if utf8 else "PHOI 1.25mm"
    study_uid = study_uid or generate_uid()
    series_uid = series_uid or generate_uid()
    frame_of_reference = generate_uid()
    origin = -pixel_spacing * (size - 1) / 2
    files = []
    for index, pixels in enumerate(_phantom(size, slices)):
        sop_uid = generate_uid()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        if charset:
            ds.SpecificCharacterSet = charset
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.StudyDate = study_date.strftime("%Y%m%d")
        ds.StudyTime = study_time.strftime("%H%M%S")
        ds.AccessionNumber = accession_number
        ds.Modality = "CT"
        ds.Manufacturer = "EMR Desktop synthetic"
        ds.StudyDescription = study_description
        ds.SeriesDescription = series_description
        ds.PatientName = patient_name
        ds.PatientID = patient_id
        ds.PatientBirthDate = birth_date.strftime("%Y%m%d") if birth_date else ""
        ds.PatientSex = sex
        if other_patient_ids:
            ds.OtherPatientIDs = list(other_patient_ids)
        ds.SliceThickness = f"{slice_thickness:g}"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = series_number
        ds.InstanceNumber = index + 1
        ds.ImagePositionPatient = [
            f"{origin:.3f}",
            f"{origin:.3f}",
            f"{index * slice_thickness:.3f}",
        ]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.FrameOfReferenceUID = frame_of_reference
        ds.SliceLocation = f"{index * slice_thickness:.3f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = size
        ds.Columns = size
        ds.PixelSpacing = [f"{pixel_spacing:g}", f"{pixel_spacing:g}"]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.WindowCenter = "40"
        ds.WindowWidth = "400"
        ds.RescaleIntercept = str(RESCALE_INTERCEPT)
        ds.RescaleSlope = "1"
        ds.RescaleType = "HU"
        ds.PixelData = pixels.tobytes()
        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
        files.append(buffer.getvalue())
    return files
