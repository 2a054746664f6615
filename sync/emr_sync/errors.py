"""Errors the server answers with: an HTTP status and a bilingual, machine-readable body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal: `{"error": {"code", "message_vi", "message_en", "field"?}}` with `status`."""

    def __init__(
        self,
        status: int,
        code: str,
        message_vi: str,
        message_en: str,
        *,
        field: str | None = None,
    ) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.status = status
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """The error body sent on the wire (and printed by the CLI with --json)."""
        error: dict[str, Any] = {
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def forbidden(code: str, vi: str, en: str, field: str | None = None) -> ApiError:
    """A 403: the device is known but may not do this."""
    return ApiError(403, code, vi, en, field=field)


def not_found(code: str, vi: str, en: str) -> ApiError:
    """A 404: the thing named does not exist on this server."""
    return ApiError(404, code, vi, en)
