"""The minimum client version (issue 9): PCs older than the server's minimum may not sync.

Every request of a PC carries its EMR Desktop version in `X-EMR-Client-Version` (the
package version, PEP 440). When the server has a minimum (`Settings.min_client_version`,
`--min-client-version`, `EMR_SYNC_MIN_CLIENT_VERSION`), every `/v1/` route except
`/v1/health` refuses an older PC, or one that does not say its version (every release
before this rule), with 426 and both versions in the body:

    {"error": {"code": "client_too_old", "message_vi", "message_en",
               "client_version": "0.1.0" | null, "min_client_version": "0.2.0"}}

`/v1/health` advertises the minimum (`"min_client_version"`, null when there is none), so a
PC or an administrator can see it without credentials. The check runs before anything
else, authentication and body included: an old PC learns what it must do without sending
its 50 MB attachment first, and the version is no secret.

This is apart from the protocol version (`core.wire.SUPPORTED_PROTOCOLS`), which says what
the server can *understand*; the minimum client version is a policy of the hospital's IT
(e.g. a release that fixes a data-quality bug), raised only after the PCs are updated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Sent by `syncclient.client.SyncClient` on every request (the same name is defined there:
#: the server shares only `core` with the PC).
CLIENT_VERSION_HEADER = "X-EMR-Client-Version"
TOO_OLD = "client_too_old"
#: Routes every client may call whatever its version.
_OPEN_PATHS = frozenset({"/v1/health"})
#: Longer header values are not versions of ours; they are not parsed.
_MAX_VERSION_TEXT = 64


@lru_cache(maxsize=64)
def parse_version(text: str | None) -> Version | None:
    """`text` as a PEP 440 version; None when missing or not a version."""
    if not text or len(text) > _MAX_VERSION_TEXT:
        return None
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def refusal(minimum: Version | None, reported: str | None) -> dict[str, Any] | None:
    """The 426 body for a client reporting `reported`, or None when it may sync."""
    if minimum is None:
        return None
    version = parse_version(reported)
    if version is not None and version >= minimum:
        return None
    shown = str(version) if version is not None else None
    vi_client = shown or "(không rõ)"
    en_client = shown or "(unknown)"
    return {
        "error": {
            "code": TOO_OLD,
            "message_vi": (
                f"Phiên bản EMR Desktop {vi_client} của máy này cũ hơn phiên bản tối thiểu "
                f"{minimum} của máy chủ: cần cập nhật; vẫn làm việc ngoại tuyến được"
            ),
            "message_en": (
                f"EMR Desktop {en_client} on this PC is older than the server's minimum "
                f"version {minimum}: update required; the PC keeps working offline"
            ),
            "client_version": shown,
            "min_client_version": str(minimum),
        }
    }


class ClientVersionGate:
    """ASGI middleware: answers 426 to a PC older than `minimum` on every guarded route.

    Plain ASGI (no `BaseHTTPMiddleware`): nothing is added to a request that passes, and
    without a minimum the gate only forwards.
    """

    def __init__(self, app: ASGIApp, minimum: Version | None) -> None:
        self.app = app
        self.minimum = minimum

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.minimum is not None and scope["type"] == "http" and _guarded(scope["path"]):
            reported = Headers(scope=scope).get(CLIENT_VERSION_HEADER)
            body = refusal(self.minimum, reported)
            if body is not None:
                response = JSONResponse(body, status_code=426)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _guarded(path: str) -> bool:
    return path.startswith("/v1/") and path not in _OPEN_PATHS
