"""The one exception tree of EMR Desktop.

Every error a user may see carries a Vietnamese and an English message; the GUI and the CLI
turn it into a dialog or a stderr line in exactly one place each.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class EmrError(Exception):
    """Base of every error the program raises on purpose."""

    #: A short stable identifier, useful for scripts (`--json`) and for tests.
    code = "error"

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en

    def to_dict(self) -> dict[str, str]:
        """The error as plain data, for `--json` output and for the wire."""
        return {"code": self.code, "message_vi": self.message_vi, "message_en": self.message_en}


class ValidationError(EmrError):
    """Input broke a rule. Names the field and the rule that was broken."""

    code = "validation"

    def __init__(self, field: str, rule: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_vi}", f"{field}: {message_en}")
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "field": self.field, "rule": self.rule}


class NotFound(EmrError):
    """The record asked for does not exist (or is not visible to this user)."""

    code = "not_found"


class PermissionDenied(EmrError):
    """The logged-in user's role does not allow this action."""

    code = "permission_denied"


class AuthenticationError(EmrError):
    """Wrong credentials, a locked account, or no logged-in user."""

    code = "authentication"


class ConflictError(EmrError):
    """The action contradicts the record's state (e.g. editing a signed note)."""

    code = "conflict"


class StorageError(EmrError):
    """The local encrypted store cannot be opened, read or written."""

    code = "storage"


class KeyStoreError(StorageError):
    """The database key cannot be found or kept safely (keyring, recovery key)."""

    code = "keystore"


class SyncError(EmrError):
    """Talking to the central server failed."""

    code = "sync"


_Choice = TypeVar("_Choice", bound=StrEnum)


def parse_choice(
    choices: type[_Choice], value: str, field: str, what_vi: str, what_en: str
) -> _Choice:
    """`value` as a member of `choices`, or a ValidationError (rule "choice") on `field`
    naming what was asked for (`what_vi`, `what_en`: "loại giấy tờ", "document kind") and
    listing what may be chosen."""
    try:
        return choices(value)
    except ValueError:
        listed = ", ".join(c.value for c in choices)
        raise ValidationError(
            field,
            "choice",
            f"{what_vi.capitalize()} {value!r} không có; chọn một trong: {listed}",
            f"No {what_en} {value!r}; choose one of: {listed}",
        ) from None
