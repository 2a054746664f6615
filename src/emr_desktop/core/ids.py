"""Record identifiers: UUIDv7 (RFC 9562), made on the PC that creates the record.

Time-ordered ids keep B-tree inserts local and let two offline PCs create records without
ever colliding. Python 3.11 has no `uuid.uuid7`, so we build one from the RFC layout.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character string.

    Ids made in the same millisecond by this process stay strictly increasing: the 74 random
    bits are bumped instead of redrawn (RFC 9562 §6.2, method 2).
    """
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            rand = _last_rand + 1
            if rand >= 1 << 74:
                ms += 1
                rand = int.from_bytes(os.urandom(10), "big") >> 6
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 6
        _last_ms, _last_rand = ms, rand
    rand_a = rand >> 62
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def is_id(value: str) -> bool:
    """True if `value` is a canonical UUID string (any version)."""
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, AttributeError, TypeError):
        return False


def id_time_ms(value: str) -> int:
    """The creation time (Unix milliseconds) encoded in a UUIDv7."""
    return uuid.UUID(value).int >> 80


_FACILITY_NAMESPACE = uuid.UUID("5b7c1f0e-6f1d-4b9a-9c53-2f4d3e8a7b10")


def facility_id_for(facility_code: str) -> str:
    """The id of a facility, derived from its 5-character MoH code (UUIDv5), so that every
    PC of the facility and the server agree on it without having talked to each other."""
    return str(uuid.uuid5(_FACILITY_NAMESPACE, facility_code.strip().upper()))
