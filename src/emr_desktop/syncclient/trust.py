"""Certificates are checked against the operating system's trust store.

A district hospital's sync server and PACS usually carry a certificate from the hospital's
(or the province's) own certificate authority, which IT installs into Windows' certificate
store on every PC, often by group policy. `requests` alone trusts only the public
authorities it ships (certifi), so every PC would need a CA file set by hand. With
`use_system_trust()` the TLS checks use the system's store instead (Windows CryptoAPI, the
macOS keychain, OpenSSL's configured paths on Linux, which honour SSL_CERT_FILE), through the
well-kept `truststore` package. Verification is never turned off.

Called once by each program at start (`emr-desktop`, `emr-admin`), before any connection.
"""

from __future__ import annotations

import threading

import truststore

_lock = threading.Lock()
_done = False


def use_system_trust() -> None:
    """Make every TLS connection of this process check certificates with the system's
    trust store (idempotent)."""
    global _done
    with _lock:
        if not _done:
            truststore.inject_into_ssl()
            _done = True
