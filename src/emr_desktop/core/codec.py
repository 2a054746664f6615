"""Records to plain JSON-able values and back.

One codec serves the store (JSON columns), the outbox and the sync wire, so a record means
the same bytes everywhere: dates and times as ISO 8601 (UTC, `Z`), decimals as strings (no
binary floating point in clinical values), tuples as lists, nested records as objects.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar, Union, get_args, get_origin

from emr_desktop.core.birthdate import BirthDate
from emr_desktop.core.errors import ValidationError

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """Turn a record (or any value inside one) into JSON-able data."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BirthDate):
        return value.iso()
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a NamedTuple row
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    raise TypeError(f"cannot encode {type(value).__name__}")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def from_plain(cls: type[T], data: dict[str, Any]) -> T:
    """Build the dataclass `cls` from the output of `to_plain`; validation runs as usual."""
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init or f.name not in data:
            continue
        kwargs[f.name] = decode_value(hints[f.name], data[f.name], f.name)
    return cls(**kwargs)


def decode_value(hint: Any, value: Any, field: str) -> Any:
    """Decode one plain value to the type `hint` (as written in a dataclass)."""
    if value is None:
        return None
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(hint) if a is not type(None)]
        return decode_value(options[0], value, field)
    if origin is tuple:
        inner = get_args(hint)[0]
        return tuple(decode_value(inner, v, field) for v in value)
    if origin is dict:
        return dict(value)
    try:
        if hint is datetime:
            return datetime.fromisoformat(value)
        if hint is date:
            return date.fromisoformat(value)
        if hint is Decimal:
            return Decimal(value)
        if hint is BirthDate:
            # Stored values are not re-judged against today's date: a record written when
            # the patient was 129 must still read back years later.
            if len(value) == 4:
                return BirthDate(int(value))
            born = date.fromisoformat(value)
            return BirthDate(born.year, born)
    except (ValueError, ArithmeticError):
        raise ValidationError(
            field,
            "format",
            f"Giá trị {value!r} không đúng định dạng",
            f"Value {value!r} has the wrong format",
        ) from None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_plain(hint, value)
    return value
