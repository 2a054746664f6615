"""Reading DICOM files, folders and DICOMDIR media, checking them, grouping them into studies.

`read_instance` checks one file's bytes at the header level, fast enough to run on every file
of a CD before anything is imported: it must be DICOM (the 128-byte preamble and "DICM"),
readable, carry its SOP Instance, Study and Series UIDs, and not be cut short — every element
whole, native Pixel Data as long as rows × columns × frames × samples × bits say, encapsulated
Pixel Data a complete run of fragments ended by its delimiter. The pixels themselves are
decoded only when shown (`imaging.pixels`).

`scan` walks what the user chose — files, folders (recursively) and DICOMDIR media, whose
referenced files are followed — and returns the studies found with their files, and every
file it could not use, each with a clear reason (a README or autorun.inf on a CD is reported
and skipped, never fatal). A file that is DICOM but damaged is attributed to its study when
its header, or the DICOMDIR, says which: such a study is incomplete, and the caller refuses
it unless the user chooses to import its valid instances (see `ScannedStudy.problems`).

Nothing here logs a name or an identifier of a patient, and nothing is written to disk.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from emr_desktop.core.errors import ValidationError
from emr_desktop.core.imaging import DicomInstance, DicomStudy, is_uid

#: Media Storage Directory Storage: the SOP class of a DICOMDIR.
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_PIXEL_DATA = 0x7FE00010
_STUDY_UID_TAG = 0x0020000D
_FLOAT_PIXEL_DATA = 0x7FE00008
_DOUBLE_PIXEL_DATA = 0x7FE00009
_ITEM = b"\xfe\xff\x00\xe0"
#: (FFFE,E0DD) with a zero length, little and big endian.
_SEQUENCE_DELIMITERS = (
    b"\xfe\xff\xdd\xe0\x00\x00\x00\x00",
    b"\xff\xfe\xe0\xdd\x00\x00\x00\x00",
)
_UNDEFINED = 0xFFFFFFFF
_PREAMBLE = 128
#: Files larger than this are not DICOM images a doctor brings on a CD; refused unread.
MAX_FILE_BYTES = 2 * 1024**3


def _error(rule: str, vi: str, en: str, name: str | None) -> ValidationError:
    if name:
        vi, en = f"{vi}: {name}", f"{en}: {name}"
    return ValidationError("file", rule, vi, en)


def _not_dicom(name: str | None) -> ValidationError:
    return _error(
        "not_dicom",
        "Tệp không phải DICOM (không có phần mở đầu 'DICM')",
        "Not a DICOM file (no 'DICM' preamble)",
        name,
    )


def _truncated(name: str | None, what_vi: str = "", what_en: str = "") -> ValidationError:
    vi = "Tệp DICOM bị cắt cụt" + (f" ({what_vi})" if what_vi else "")
    en = "The DICOM file is truncated" + (f" ({what_en})" if what_en else "")
    return _error("truncated", vi, en, name)


def _unreadable(name: str | None) -> ValidationError:
    return _error(
        "unreadable",
        "Tệp DICOM hỏng: không đọc được phần đầu (header)",
        "The DICOM file is damaged: its header cannot be read",
        name,
    )


# --------------------------------------------------------------------------- one instance


def read_instance(data: bytes, *, name: str | None = None) -> DicomInstance:
    """The header facts of one DICOM file, after checking it is whole.

    Raises ValidationError (field "file") naming `name` when given: "not_dicom" (no preamble
    and "DICM"), "unreadable" (the header cannot be decoded), "truncated" (cut short
    anywhere, pixel data included), "missing_tags" (no SOP Instance, Study or Series UID),
    "uid" (a UID that is not one), "dicomdir" (a DICOMDIR is a directory, not an image).
    """
    return _check(_parse(data, name), data, name)


def _parse(data: bytes, name: str | None) -> Dataset:
    if len(data) < _PREAMBLE + 4 or data[_PREAMBLE : _PREAMBLE + 4] != b"DICM":
        raise _not_dicom(name)
    # pydicom reports what it tolerates as warnings; they say nothing the checks below do
    # not, and must not depend on the caller's warning filters.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(io.BytesIO(data), force=False)
        except InvalidDicomError:
            raise _not_dicom(name) from None
        except (EOFError, struct.error):
            raise _truncated(name) from None
        except Exception:  # any failure to decode is a damaged header
            raise _unreadable(name) from None
    if any("End of file" in str(w.message) for w in caught):
        raise _truncated(name)
    return ds


def _check(ds: Dataset, data: bytes, name: str | None) -> DicomInstance:
    meta = getattr(ds, "file_meta", None)
    media_class = str(meta.get("MediaStorageSOPClassUID", "")) if meta is not None else ""
    if media_class == DICOMDIR_SOP_CLASS:
        raise _error(
            "dicomdir",
            "Tệp DICOMDIR là mục lục của đĩa, không phải ảnh",
            "A DICOMDIR is the index of a disc, not an image",
            name,
        )
    _check_whole(ds, data, name)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            instance = _header(ds, media_class, name)
        except ValidationError:
            raise
        except Exception:  # a value pydicom cannot convert
            raise _unreadable(name) from None
    _check_pixels(ds, instance, name)
    return instance


def _raw_elements(ds: Dataset) -> Iterator[RawDataElement | DataElement]:
    for tag in list(ds.keys()):
        element = ds.get_item(tag, keep_deferred=True)
        if isinstance(element, RawDataElement | DataElement):
            yield element


def _check_whole(ds: Dataset, data: bytes, name: str | None) -> None:
    """Every top-level element whole, and nothing left half-read at the end of the file."""
    last: RawDataElement | None = None
    for element in _raw_elements(ds):
        if not isinstance(element, RawDataElement) or element.value is None:
            continue
        if element.length == _UNDEFINED:
            # Read up to its delimiter, or up to the end of the file when it has none.
            end = element.value_tell + len(element.value)
            if data[end : end + 8] not in _SEQUENCE_DELIMITERS:
                raise _truncated(
                    name, "thiếu dấu kết thúc dữ liệu ảnh", "pixel data not terminated"
                )
        elif len(element.value) < element.length:
            raise _truncated(name)
        if last is None or element.value_tell > last.value_tell:
            last = element
    if last is not None and last.length != _UNDEFINED:
        left = len(data) - (last.value_tell + last.length)
        if 0 < left < 12:
            # Fewer bytes than an element header: the file stops inside the next element.
            raise _truncated(name)


def _text(ds: Dataset, keyword: str) -> str | None:
    value = ds.get(keyword)
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", " ").split())
    return text or None


def _int(ds: Dataset, keyword: str) -> int | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(str(value)))
        except ValueError:
            return None


def _floats(ds: Dataset, keyword: str, count: int) -> tuple[float, ...] | None:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    items = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if len(items) != count:
        return None
    try:
        return tuple(float(v) for v in items)
    except (TypeError, ValueError):
        return None


def _date(text: str | None) -> date | None:
    digits = "".join(c for c in (text or "") if c.isdigit())
    if len(digits) != 8:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _time(text: str | None) -> time | None:
    if not text:
        return None
    main, _, fraction = text.replace(":", "").partition(".")
    if not main.isdigit() or len(main) not in (2, 4, 6):
        return None
    parts = [int(main[i : i + 2]) for i in range(0, len(main), 2)] + [0, 0]
    micro = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    try:
        return time(parts[0], parts[1], min(parts[2], 59), micro)
    except ValueError:
        return None


def _utc_offset(text: str | None) -> int | None:
    if not text or len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
        return None
    minutes = int(text[1:3]) * 60 + int(text[3:])
    return -minutes if text[0] == "-" else minutes


def display_name(value: str | None) -> str | None:
    """A DICOM PN value as shown: "NGUYEN^VAN A" → "NGUYEN VAN A".

    The first non-empty component group (alphabetic, else ideographic, else phonetic);
    components in the Vietnamese order — prefix, family, middle, given, suffix — so that
    "NGUYEN^A^VAN" (family^given^middle) also reads "NGUYEN VAN A".
    """
    if not value:
        return None
    for group in value.split("="):
        parts = (group.split("^") + [""] * 5)[:5]
        family, given, middle, prefix, suffix = (" ".join(p.split()) for p in parts)
        text = " ".join(p for p in (prefix, family, middle, given, suffix) if p)
        if text:
            return text
    return None


def _patient_name(ds: Dataset) -> str | None:
    raw = ds.get_item(0x00100010)
    if raw is None:
        return None
    if isinstance(raw, RawDataElement) and isinstance(raw.value, bytes):
        value = raw.value.rstrip(b" \x00")
        if "SpecificCharacterSet" not in ds and not value.isascii():
            # Written in UTF-8 by a modality that forgot to say so (common with Vietnamese
            # names): read it so rather than as ASCII with replacement characters.
            try:
                return display_name(value.decode("utf-8"))
            except UnicodeDecodeError:
                pass
    return display_name(str(ds.PatientName))


def _other_ids(ds: Dataset) -> tuple[str, ...]:
    found: dict[str, None] = {}
    others = ds.get("OtherPatientIDs")
    if others:
        values = [others] if isinstance(others, str) else list(others)
        found.update(dict.fromkeys(" ".join(str(v).split()) for v in values if str(v).strip()))
    for item in ds.get("OtherPatientIDsSequence") or ():
        value = _text(item, "PatientID")
        if value:
            found[value] = None
    return tuple(found)


def _uid(ds: Dataset, keyword: str, fallback: str | None = None) -> str | None:
    value = ds.get(keyword)
    text = str(value).strip().rstrip("\x00").strip() if value is not None else ""
    return text or fallback


def _header(ds: Dataset, media_class: str, name: str | None) -> DicomInstance:
    meta = getattr(ds, "file_meta", None)
    sop = _uid(ds, "SOPInstanceUID")
    study = _uid(ds, "StudyInstanceUID")
    series = _uid(ds, "SeriesInstanceUID")
    missing = [
        label
        for label, value in (
            ("SOP Instance UID", sop),
            ("Study Instance UID", study),
            ("Series Instance UID", series),
        )
        if not value
    ]
    if missing:
        if max(ds.keys(), default=0) < _STUDY_UID_TAG:
            # Nothing from the identifying group (0020) on: the file stops before it.
            raise _truncated(name)
        listed = ", ".join(missing)
        raise _error(
            "missing_tags",
            f"Tệp DICOM thiếu thẻ bắt buộc ({listed})",
            f"The DICOM file lacks required tags ({listed})",
            name,
        )
    assert sop and study and series
    for value in (sop, study, series):
        if not is_uid(value):
            raise _error(
                "uid",
                "Tệp DICOM có UID không hợp lệ",
                "The DICOM file has an invalid UID",
                name,
            )
    position = _floats(ds, "ImagePositionPatient", 3)
    spacing = _floats(ds, "PixelSpacing", 2)
    frames = _int(ds, "NumberOfFrames")
    return DicomInstance(
        sop_instance_uid=sop,
        sop_class_uid=_uid(ds, "SOPClassUID", media_class) or "",
        study_instance_uid=study,
        series_instance_uid=series,
        instance_number=_int(ds, "InstanceNumber"),
        modality=(_text(ds, "Modality") or "").upper(),
        transfer_syntax_uid=str(meta.get("TransferSyntaxUID", "")) if meta is not None else "",
        rows=_int(ds, "Rows"),
        columns=_int(ds, "Columns"),
        frames=frames if frames and frames > 0 else 1,
        patient_id=_text(ds, "PatientID"),
        patient_name=_patient_name(ds),
        patient_birth_date=_date(_text(ds, "PatientBirthDate")),
        patient_sex=(_text(ds, "PatientSex") or "").upper() or None,
        other_patient_ids=_other_ids(ds),
        study_date=_date(_text(ds, "StudyDate")),
        study_time=_time(_text(ds, "StudyTime")),
        utc_offset_minutes=_utc_offset(_text(ds, "TimezoneOffsetFromUTC")),
        study_description=_text(ds, "StudyDescription"),
        accession_number=_text(ds, "AccessionNumber"),
        series_number=_int(ds, "SeriesNumber"),
        series_description=_text(ds, "SeriesDescription"),
        image_position=(position[0], position[1], position[2]) if position else None,
        pixel_spacing=(spacing[0], spacing[1]) if spacing else None,
    )


def _expected_native_length(ds: Dataset, instance: DicomInstance) -> int | None:
    rows, columns = instance.rows, instance.columns
    bits = _int(ds, "BitsAllocated")
    samples = _int(ds, "SamplesPerPixel") or 1
    if not rows or not columns or not bits:
        return None
    if _text(ds, "PhotometricInterpretation") == "YBR_FULL_422":
        samples = 2  # two luminance samples share one pair of chrominance samples
    pixels = rows * columns * instance.frames * samples
    return (pixels + 7) // 8 if bits == 1 else pixels * ((bits + 7) // 8)


def _check_pixels(ds: Dataset, instance: DicomInstance, name: str | None) -> None:
    element = None
    for tag in (_PIXEL_DATA, _FLOAT_PIXEL_DATA, _DOUBLE_PIXEL_DATA):
        element = ds.get_item(tag, keep_deferred=True)
        if element is not None:
            break
    if element is None:
        if instance.rows and instance.columns:
            raise _truncated(name, "không có dữ liệu ảnh", "no pixel data")
        return  # not an image (a report, a structured document)
    value: Any = element.value
    if not isinstance(value, bytes | bytearray):
        return
    syntax = UID(instance.transfer_syntax_uid) if instance.transfer_syntax_uid else None
    if syntax is not None and syntax.is_encapsulated:
        _check_fragments(bytes(value), name)
        return
    expected = _expected_native_length(ds, instance)
    if expected is not None and len(value) < expected:
        raise _truncated(
            name,
            f"dữ liệu ảnh {len(value)} byte, cần {expected}",
            f"pixel data is {len(value)} bytes, {expected} expected",
        )


def _check_fragments(value: bytes, name: str | None) -> None:
    """Encapsulated Pixel Data: the Basic Offset Table item, then at least one fragment, each
    item whole and the items filling the value exactly."""
    offset = 0
    items = 0
    while offset < len(value):
        if len(value) - offset < 8 or value[offset : offset + 4] != _ITEM:
            raise _truncated(name, "mảnh dữ liệu ảnh hỏng", "a pixel data fragment is damaged")
        length = int.from_bytes(value[offset + 4 : offset + 8], "little")
        offset += 8 + length
        items += 1
    if offset != len(value) or items < 2:
        raise _truncated(name, "mảnh dữ liệu ảnh hỏng", "a pixel data fragment is damaged")


# --------------------------------------------------------------------------- media


@dataclass(frozen=True)
class ScanProblem:
    """A file that was not used, and why; `study_instance_uid` when it is known whose study
    it belongs to (its header or the DICOMDIR says)."""

    path: Path
    error: ValidationError
    study_instance_uid: str | None = None

    @property
    def rule(self) -> str:
        return self.error.rule


@dataclass(frozen=True)
class ScannedStudy:
    """A study found on media: its summary, its valid files, and its damaged ones."""

    study: DicomStudy
    files: tuple[tuple[Path, DicomInstance], ...]
    problems: tuple[ScanProblem, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(path for path, _ in self.files)

    @property
    def complete(self) -> bool:
        """False when some of its files are damaged or missing."""
        return not self.problems


@dataclass(frozen=True)
class ScanResult:
    """The studies found, and every file not used (including those of the studies)."""

    studies: tuple[ScannedStudy, ...]
    problems: tuple[ScanProblem, ...] = ()
    #: Files seen (DICOMDIRs included).
    files_seen: int = 0

    @property
    def unattributed_problems(self) -> tuple[ScanProblem, ...]:
        """Files not used that belong to no known study (not DICOM, unreadable)."""
        return tuple(p for p in self.problems if p.study_instance_uid is None)


def _is_dicomdir(data: bytes) -> bool:
    # The Media Storage SOP Class UID is in the first few hundred bytes of the file meta.
    return DICOMDIR_SOP_CLASS.encode() in data[_PREAMBLE : _PREAMBLE + 512]


def _find_case_insensitive(base: Path, parts: Sequence[str]) -> Path | None:
    """The file `base/parts…`, matching each part without regard to case (a CD written on
    Windows and mounted elsewhere may show "im000001" for "IM000001")."""
    current = base
    for part in parts:
        candidate = current / part
        if candidate.exists():
            current = candidate
            continue
        try:
            names = {entry.name.upper(): entry for entry in os.scandir(current)}
        except OSError:
            return None
        found = names.get(part.upper())
        if found is None:
            return None
        current = Path(found.path)
    return current if current.is_file() else None


@dataclass
class _Scan:
    queue: list[Path] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    owner: dict[Path, str] = field(default_factory=dict)
    instances: dict[str, list[tuple[Path, DicomInstance]]] = field(default_factory=dict)
    sops: set[str] = field(default_factory=set)
    problems: list[ScanProblem] = field(default_factory=list)
    files_seen: int = 0

    def add(self, path: Path, study_uid: str | None = None) -> None:
        key = path.resolve()
        if study_uid is not None:
            self.owner.setdefault(key, study_uid)
        if key not in self.seen:
            self.seen.add(key)
            self.queue.append(path)

    def problem(self, path: Path, error: ValidationError, study_uid: str | None = None) -> None:
        self.problems.append(ScanProblem(path, error, study_uid or self.owner.get(path.resolve())))

    def read_dicomdir(self, path: Path, data: bytes) -> None:
        base = path.parent
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                ds = pydicom.dcmread(io.BytesIO(data), force=False)
                references = _dicomdir_references(ds)
            except Exception:  # a damaged DICOMDIR: the files around it are still walked
                self.problem(path, _unreadable(str(path)))
                return
        for parts, study_uid in references:
            owner = study_uid if is_uid(study_uid) else None
            if not parts or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
                # A reference out of the disc's folder is not followed.
                self.problem(
                    path,
                    _error(
                        "bad_reference",
                        "DICOMDIR trỏ ra ngoài thư mục của đĩa",
                        "The DICOMDIR points outside the disc's folder",
                        str(path),
                    ),
                    owner,
                )
                continue
            found = _find_case_insensitive(base, parts)
            if found is None:
                missing = base.joinpath(*parts)
                self.problem(
                    missing,
                    _error(
                        "missing_file",
                        "DICOMDIR nêu một tệp không có trên đĩa",
                        "The DICOMDIR lists a file that is not on the disc",
                        str(missing),
                    ),
                    owner,
                )
                continue
            self.add(found, owner)

    def read_file(self, path: Path) -> None:
        self.files_seen += 1
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                limit = MAX_FILE_BYTES // 1024**3
                self.problem(
                    path,
                    _error(
                        "too_large",
                        f"Tệp lớn hơn {limit} GB, không phải ảnh DICOM",
                        f"The file is larger than {limit} GB, not a DICOM image",
                        str(path),
                    ),
                )
                return
            with path.open("rb") as fh:
                head = fh.read(_PREAMBLE + 4)
                if head[_PREAMBLE:] != b"DICM":
                    # Not read further: a CD's viewer program and its libraries are large.
                    self.problem(path, _not_dicom(str(path)))
                    return
                data = head + fh.read()
        except OSError as exc:
            self.problem(
                path,
                _error(
                    "io",
                    f"Không đọc được tệp ({exc.strerror})",
                    f"The file cannot be read ({exc.strerror})",
                    str(path),
                ),
            )
            return
        if data[_PREAMBLE : _PREAMBLE + 4] == b"DICM" and _is_dicomdir(data):
            self.read_dicomdir(path, data)
            return
        try:
            ds = _parse(data, str(path))
        except ValidationError as error:
            self.problem(path, error)
            return
        study_uid = _uid(ds, "StudyInstanceUID")
        try:
            instance = _check(ds, data, str(path))
        except ValidationError as error:
            if error.rule == "dicomdir":
                self.read_dicomdir(path, data)
                return
            self.problem(path, error, study_uid if study_uid and is_uid(study_uid) else None)
            return
        if instance.sop_instance_uid in self.sops:
            return  # the same image twice (a copy in another folder)
        self.sops.add(instance.sop_instance_uid)
        self.instances.setdefault(instance.study_instance_uid, []).append((path, instance))


def _file_id(record: Dataset) -> list[str]:
    value = record.ReferencedFileID
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


def _dicomdir_references(ds: Dataset) -> list[tuple[list[str], str]]:
    """The files a DICOMDIR lists (as path components), each with its study's UID ("" when
    unknown), following the records' links from the root; records the links do not reach
    (a DICOMDIR written with wrong offsets) are taken in file order."""
    records = list(ds.get("DirectoryRecordSequence") or ())
    by_offset = {
        record.seq_item_tell: record
        for record in records
        if getattr(record, "seq_item_tell", None) is not None
    }
    found: list[tuple[list[str], str]] = []
    reached: set[int] = set()

    def walk(offset: int | None, study: str, depth: int) -> None:
        while offset and offset in by_offset and id(by_offset[offset]) not in reached:
            record = by_offset[offset]
            reached.add(id(record))
            here = study
            if record.get("DirectoryRecordType") == "STUDY":
                here = str(record.get("StudyInstanceUID", "") or "")
            if "ReferencedFileID" in record:
                found.append((_file_id(record), here))
            lower = record.get("OffsetOfReferencedLowerLevelDirectoryEntity")
            if lower and depth < 8:
                walk(int(lower), here, depth + 1)
            following = record.get("OffsetOfTheNextDirectoryRecord")
            offset = int(following) if following else None

    root = ds.get("OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity")
    walk(int(root) if root else None, "", 0)
    study = ""
    for record in records:
        if record.get("DirectoryRecordType") == "STUDY":
            study = str(record.get("StudyInstanceUID", "") or "")
        if id(record) not in reached and "ReferencedFileID" in record:
            found.append((_file_id(record), study))
    return found


def _ordered(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield path


def scan(paths: Sequence[Path]) -> ScanResult:
    """Find the DICOM studies in `paths` (files, folders walked recursively, DICOMDIRs).

    Every file is checked (`read_instance`); the ones that cannot be used are reported in
    `problems` with the reason, and belong to their study's `problems` too when their study
    is known. The same image found twice is kept once. Studies are listed by date, then uid.
    """
    state = _Scan()
    for path in paths:
        if not path.exists():
            state.problem(
                path,
                _error(
                    "missing_file",
                    "Không có tệp hoặc thư mục này",
                    "No such file or folder",
                    str(path),
                ),
            )
    candidates = list(_ordered([p for p in paths if p.exists()]))
    # DICOMDIRs first: they say which study each of their files belongs to, so that a
    # damaged file is counted against its study.
    for path in sorted(candidates, key=lambda p: p.name.upper() != "DICOMDIR"):
        state.add(path)
    index = 0
    while index < len(state.queue):
        state.read_file(state.queue[index])
        index += 1
    studies = []
    for uid, files in state.instances.items():
        files.sort(
            key=lambda f: (
                f[1].series_number is None,
                f[1].series_number or 0,
                f[1].series_instance_uid,
                f[1].instance_number is None,
                f[1].instance_number or 0,
                str(f[0]),
            )
        )
        study = DicomStudy.from_instances(instance for _, instance in files)
        problems = tuple(p for p in state.problems if p.study_instance_uid == uid)
        studies.append(ScannedStudy(study, tuple(files), problems))
    # A study none of whose files could be read is not listed: its files are in `problems`.
    studies.sort(
        key=lambda s: (
            s.study.study_at is None,
            s.study.study_at.isoformat() if s.study.study_at else "",
            s.study.study_instance_uid,
        )
    )
    return ScanResult(tuple(studies), tuple(state.problems), state.files_seen)


def load_study(scanned: ScannedStudy) -> list[tuple[DicomInstance, bytes]]:
    """Read the valid files of a scanned study again, checked again (the disc may have been
    changed since the scan): the instances and their bytes, ready for
    `services.imaging.save_study`. Raises ValidationError naming the first file that is
    no longer what the scan found."""
    loaded = []
    for path, expected in scanned.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _error(
                "io",
                f"Không đọc được tệp ({exc.strerror})",
                f"The file cannot be read ({exc.strerror})",
                str(path),
            ) from None
        instance = read_instance(data, name=str(path))
        if instance.sop_instance_uid != expected.sop_instance_uid:
            raise _error(
                "changed",
                "Tệp đã thay đổi từ lúc quét; hãy quét lại",
                "The file changed since it was scanned; scan again",
                str(path),
            )
        loaded.append((instance, data))
    return loaded
