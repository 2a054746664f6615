"""The server's settings: one typed object, built by the CLI or by tests (CONVENTIONS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from packaging.version import InvalidVersion, Version

DEFAULT_PORT = 8443
#: Largest accepted request body, compressed or not (a push batch of 256 ops is far smaller).
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: HLC wall times further ahead of the server clock than this are clamped (DESIGN §4).
DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000
DEFAULT_ENROLL_CODE_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Settings:
    """Where the server keeps its data and how it listens.

    `database_url` defaults to an SQLite file in `data_dir`; PostgreSQL is
    `postgresql+psycopg://user@host/db`. Credentials live only in that URL, never in a default.
    """

    data_dir: Path
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_future_skew_ms: int = DEFAULT_MAX_FUTURE_SKEW_MS
    enroll_code_ttl: timedelta = field(default=DEFAULT_ENROLL_CODE_TTL)
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    #: The oldest EMR Desktop version (PEP 440) whose PCs may sync; "" accepts every version.
    #: Raised only once the PCs are updated (sync/deploy/README.md, "Upgrades").
    min_client_version: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not self.database_url:
            url = f"sqlite:///{(self.data_dir / 'emr-sync.db').as_posix()}"
            object.__setattr__(self, "database_url", url)
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("tls_certfile and tls_keyfile go together")
        if self.min_client_version:
            try:
                Version(self.min_client_version)
            except InvalidVersion as exc:
                raise ValueError("min_client_version is not a PEP 440 version") from exc

    @property
    def minimum_client(self) -> Version | None:
        """`min_client_version` parsed; None when every version is accepted."""
        return Version(self.min_client_version) if self.min_client_version else None

    @property
    def is_sqlite(self) -> bool:
        """True when the database is an SQLite file."""
        return self.database_url.startswith("sqlite")
