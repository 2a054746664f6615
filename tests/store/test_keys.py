"""Keyring checks and the recovery key."""

from __future__ import annotations

import os

import keyring
import pytest

from emr_desktop.core.errors import KeyStoreError
from emr_desktop.store import keys


def test_insecure_keyring_is_refused_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setattr(keyring, "get_keyring", PlaintextKeyring)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    with pytest.raises(KeyStoreError) as info:
        keys.check_keyring()
    assert "PYTHON_KEYRING_BACKEND" in info.value.message_en
    assert "PYTHON_KEYRING_BACKEND" in info.value.message_vi
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keys.check_keyring()


def test_no_keyring_at_all_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.setattr(keyring, "get_keyring", FailKeyring)
    with pytest.raises(KeyStoreError, match="No secure OS keyring"):
        keys.check_keyring()


def test_recovery_key_round_trip(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    key, salt = os.urandom(32), os.urandom(16)
    recovery = keys.new_recovery_key()
    assert len(recovery) == 39 and recovery.count("-") == 7
    keys.write_recovery(folder, "store-1", key, recovery, salt)
    # Read from paper: lower case, spaces, and O/I/B misread as 0/1/8.
    typed = recovery.lower().replace("-", " ").replace("o", "0").replace("i", "1")
    assert keys.read_recovery(folder, "store-1", typed, salt) == key
    with pytest.raises(KeyStoreError, match="another database"):
        keys.read_recovery(folder, "store-2", recovery, salt)
    assert b"store-1" not in (folder / keys.RECOVERY_FILE).read_bytes()
