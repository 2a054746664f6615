"""The audit chain's hash, shared by the PCs (`store.audit`) and the server (`emr_sync.audit`).

A row's hash covers its content and the previous row's hash (DESIGN §5), so the server can
check each row a PC sends with the very function that made it, and a chain verified on the
server is the chain the PC wrote. Changing this function changes every hash: never do.

On the wire (`POST /v1/audit`, see `emr_sync.audit`) a row is a JSON object with
`WIRE_FIELDS`, as stored in the PC's `audit_log` (`detail` is JSON text, hashed as text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

#: The `prev_hash` of a chain's first row.
GENESIS = "0" * 64
#: The content a row's hash covers, besides the previous row's hash.
HASHED_FIELDS = (
    "id",
    "at",
    "user_id",
    "device_id",
    "action",
    "target_kind",
    "target_id",
    "patient_id",
    "detail",
)
#: A row as sent to the server: its place in the PC's log, its content, its links.
WIRE_FIELDS = ("seq", *HASHED_FIELDS, "prev_hash", "hash")


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON: the same text for the same value on every machine."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a row following `prev_hash`; `row` holds `HASHED_FIELDS`."""
    content = canonical_json({name: row[name] for name in HASHED_FIELDS})
    return hashlib.sha256(f"{prev_hash}|{content}".encode()).hexdigest()
