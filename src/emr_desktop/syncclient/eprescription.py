"""Sending queued prescriptions to the national e-prescription system, one at a time.

The HTTP side (`PortalClient`, requests) and the pass over the queue (`send_due`) live here;
the queue itself — due items, bodies, answers, all store work — is behind the
`SubmissionQueue` protocol, which `services.eprescribing.PortalQueue` implements (the sync
client and the services are layers beside each other and do not import one another).

How an answer is read (vietnam-formats §4.4; `success` is a *sentence*, not a boolean):

* **HTTP 200** → sent: the message and the `checksum` are recorded.
* **HTTP 422** → refused with the system's error list (`danh_sach_cac_loi`). Not retried:
  a refusal needs a human (fix the chart, then queue again).
* **"Already used"** (any 4xx whose message says the code "đã được sử dụng") → sent. A
  code is accepted only once, and the program sends a code only from its one sending PC, so
  this answer means an earlier attempt of ours got through but its answer was lost (a
  timeout after the system had accepted it, a crash after sending). The message is kept, and
  the audit row says `already_used`.
* **5xx, a timeout, a dropped or refused connection, an unreadable 200, 401/403 and other
  4xx** → failed, retried later with exponential backoff and jitter (`retry_delay`); the
  submission is never dropped. Once the system is unreachable in a pass, the items still
  due in that pass are marked failed without a request (each waiting its own backoff), so an
  offline PC does not wait one timeout per prescription.

Authentication: HTTP Basic with this PC's account. The official sign-in of QĐ 808 is not
known (vietnam-formats §8 item 6); this is where it changes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import requests

from emr_desktop.core.records import PortalError
from emr_desktop.core.text import fold
from emr_desktop.core.timeutil import utc_now
from emr_desktop.syncclient.background import BackgroundLoop

log = logging.getLogger(__name__)

#: The body is posted here, under the configured address.
SEND_PATH = "/api/v1/gui-don-thuoc"
DEFAULT_TIMEOUT = 20.0
#: The first retry after a failure, and the longest wait between two attempts.
FIRST_RETRY = 60.0
MAX_BACKOFF = 6 * 3600.0
#: How the system says a code was already sent (folded: no diacritics, lower case).
_ALREADY_USED = ("da duoc su dung", "already used")

Outcome = Literal["sent", "refused", "already_used"]


class SubmissionQueue(Protocol):
    """The queue as the sender sees it (`services.eprescribing.PortalQueue`)."""

    def due(self, now: datetime) -> list[str]: ...

    def payload(self, submission_id: str) -> dict[str, Any] | None: ...

    def attempts(self, submission_id: str) -> int: ...

    def record_sent(
        self, submission_id: str, *, message: str, checksum: str | None, already_used: bool
    ) -> None: ...

    def record_refused(
        self, submission_id: str, *, message: str, errors: Sequence[PortalError]
    ) -> None: ...

    def record_failure(self, submission_id: str, *, error: str, retry_at: datetime) -> None: ...


@dataclass(frozen=True)
class PortalAnswer:
    """What the national system said about one prescription."""

    outcome: Outcome
    message: str
    errors: tuple[PortalError, ...]
    checksum: str | None
    http_status: int


class PortalUnavailable(Exception):
    """No usable answer: retry later. `message` names the cause, never patient data."""

    def __init__(self, message: str, *, unreachable: bool) -> None:
        super().__init__(message)
        self.message = message
        #: True when the system could not be reached at all (then the pass stops trying).
        self.unreachable = unreachable


@dataclass(frozen=True)
class SendReport:
    """What one pass over the queue did."""

    sent: int = 0
    refused: int = 0
    failed: int = 0
    #: Submissions not sent: refused by the checks before sending, or no longer due here.
    skipped: int = 0


class PortalClient:
    """Posts prescriptions to the national system at `base_url` (its `requests.Session` is
    injected so tests can give a fault-injecting one)."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        secret: str,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.auth = (username, secret)
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    def send(self, payload: dict[str, Any]) -> PortalAnswer:
        """Post one body; the system's answer, or `PortalUnavailable` when there is none."""
        try:
            response = self.session.post(
                self.base_url + SEND_PATH,
                json=payload,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise PortalUnavailable(
                f"no answer within {self.timeout:g} s", unreachable=True
            ) from exc
        except requests.RequestException as exc:
            raise PortalUnavailable(
                f"cannot reach the system: {type(exc).__name__}", unreachable=True
            ) from exc
        with response:
            return _answer(response)


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _errors(data: dict[str, Any]) -> tuple[PortalError, ...]:
    found = []
    for item in data.get("danh_sach_cac_loi") or []:
        if isinstance(item, dict):
            found.append(
                PortalError(
                    field=str(item.get("truong") or ""),
                    code=str(item.get("ma_loi") or ""),
                    message=str(item.get("thong_bao") or ""),
                )
            )
    return tuple(found)


def _says_already_used(message: str, errors: Sequence[PortalError]) -> bool:
    texts = [message, *(e.message for e in errors)]
    return any(phrase in fold(text) for text in texts for phrase in _ALREADY_USED)


def _answer(response: requests.Response) -> PortalAnswer:
    status = response.status_code
    data = _json(response)
    if status >= 500:
        raise PortalUnavailable(f"HTTP {status}", unreachable=False)
    if data is None:
        raise PortalUnavailable(f"HTTP {status}: the answer is not JSON", unreachable=False)
    message = str(data.get("success") or data.get("message") or "")
    errors = _errors(data)
    checksum = str(data["checksum"]) if data.get("checksum") else None
    if status == 200:
        return PortalAnswer("sent", message, (), checksum, status)
    if 400 <= status < 500 and _says_already_used(message, errors):
        return PortalAnswer("already_used", message, errors, checksum, status)
    if status == 422:
        return PortalAnswer("refused", message, errors, checksum, status)
    raise PortalUnavailable(f"HTTP {status}", unreachable=False)


def retry_delay(attempts: int, rng: random.Random, *, first: float = FIRST_RETRY) -> float:
    """Seconds before the next attempt after `attempts` failed ones: doubling from `first`
    up to `MAX_BACKOFF`, with "equal jitter" (at least half of it, so PCs that come back
    online together do not all knock at once)."""
    ceiling = min(MAX_BACKOFF, first * 2.0 ** max(0, attempts - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _send_one(queue: SubmissionQueue, client: PortalClient, submission_id: str) -> str:
    """Send one submission and record the answer: "sent", "refused" or "skipped"."""
    payload = queue.payload(submission_id)
    if payload is None:
        return "skipped"
    answer = client.send(payload)
    if answer.outcome == "refused":
        queue.record_refused(submission_id, message=answer.message, errors=answer.errors)
        return "refused"
    queue.record_sent(
        submission_id,
        message=answer.message,
        checksum=answer.checksum,
        already_used=answer.outcome == "already_used",
    )
    return "sent"


def send_due(
    queue: SubmissionQueue,
    client: PortalClient,
    *,
    rng: random.Random | None = None,
    first_retry: float = FIRST_RETRY,
    clock: Callable[[], datetime] = utc_now,
) -> SendReport:
    """Send every submission due now, one at a time, and record each answer. A submission
    that cannot be prepared or recorded waits its backoff like a failed one: it never
    holds up the others behind it."""
    rng = rng or random.Random()
    counts = dict.fromkeys(("sent", "refused", "failed", "skipped"), 0)
    unreachable: str | None = None
    for submission_id in queue.due(clock()):
        try:
            if unreachable is not None:
                raise PortalUnavailable(f"not tried: {unreachable}", unreachable=True)
            counts[_send_one(queue, client, submission_id)] += 1
            continue
        except PortalUnavailable as exc:
            if exc.unreachable and unreachable is None:
                unreachable = exc.message
            error = exc.message
        except Exception as exc:  # one bad submission must not stop the queue
            log.exception("e-prescription %s failed", submission_id)
            error = f"{type(exc).__name__}"
        counts["failed"] += 1
        try:
            delay = retry_delay(queue.attempts(submission_id) + 1, rng, first=first_retry)
            queue.record_failure(
                submission_id, error=error, retry_at=clock() + timedelta(seconds=delay)
            )
        except Exception:
            log.exception("e-prescription %s: the failure could not be recorded", submission_id)
    report = SendReport(**counts)
    if report.sent or report.refused or report.failed:
        log.info(
            "e-prescriptions: %d sent, %d refused, %d failed",
            report.sent,
            report.refused,
            report.failed,
        )
    return report


class EPrescriptionLoop(BackgroundLoop[SendReport]):
    """Runs `send_due` every `interval` seconds in a background thread (like `SyncLoop`).

    The waiting between attempts of one prescription is its own backoff (`next_attempt_at`);
    the loop only looks for due items. `trigger()` asks for a pass now (after signing).
    """

    def __init__(
        self,
        queue: SubmissionQueue,
        client: PortalClient,
        *,
        interval: float = 60.0,
        rng: random.Random | None = None,
        on_report: Callable[[SendReport], None] | None = None,
    ) -> None:
        super().__init__("emr-eprescription")
        self.queue = queue
        self.client = client
        self.interval = interval
        self._rng = rng or random.Random()
        self._on_report = on_report
        #: The last pass's report, or its error's type name (no patient data).
        self.last_report: SendReport | None = None
        self.last_error: str | None = None

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the pass under way, if any, end the thread and close the connection."""
        super().stop(timeout)
        self.client.close()

    def next_delay(self) -> float:
        return self.interval

    def _attempt(self) -> SendReport | None:
        try:
            report = send_due(self.queue, self.client, rng=self._rng)
        except Exception as exc:  # the worker must survive anything and try again later
            log.exception("e-prescription pass failed")
            self.last_error = type(exc).__name__
            return None
        self.last_report, self.last_error = report, None
        if self._on_report is not None:
            self._on_report(report)
        return report
