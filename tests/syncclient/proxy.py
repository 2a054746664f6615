"""A loopback TCP proxy between a PC's `SyncClient` and a live sync server, with faults.

The proxy listens on 127.0.0.1 and forwards each HTTP/1.1 request to the upstream server on
a fresh connection (it reads the request head and its `Content-Length` body, and asks the
upstream for `Connection: close`, so that every request can meet its own fault). Faults are
taken per request: from `plan` (a list, consumed first) or else the standing `fault`:

* ``"cut_request"``: only the first `cut_bytes` bytes of the request (default: half of it)
  reach the server, then both connections are closed — nothing is applied;
* ``"cut_response"``: the whole request reaches the server, which applies it and starts to
  answer; the client gets only the first few bytes of the answer, then the connection is
  closed — the acknowledgement is lost;
* ``"duplicate"``: the request reaches the server twice (the first answer is discarded);
* ``"delay"``: the request waits `delay_s` before it is forwarded.

`shape(bytes_per_s, one_way_delay_s)` turns the proxy into a slow link for the benchmarks:
each direction is paced at `bytes_per_s` and delayed by the one-way latency (a kept-alive
connection: no handshake is charged). Counters (`requests`, `bytes_up`, `bytes_down`) and
`response_seen` (set when any answer bytes pass from the server) let tests and benchmarks
observe the traffic.

Bounded: every socket has a timeout, the proxy stops by itself after `lifetime_s`, and
`close()` (or leaving the `with` block) stops it and its threads.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("cut_request", "cut_response", "duplicate", "delay")
_HEAD_LIMIT = 64 * 1024
_BODY_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024
#: Bytes of the answer let through before a "cut_response" closes the connection.
_RESPONSE_PREFIX = 12


class ProxyClosed(Exception):
    """The peer closed the connection before a whole request arrived."""


class FaultProxy:
    """A proxy from `127.0.0.1:<port>` to `upstream_url` (an `http://127.0.0.1:…` URL)."""

    def __init__(
        self,
        upstream_url: str,
        *,
        socket_timeout_s: float = 30.0,
        lifetime_s: float = 600.0,
    ) -> None:
        parts = urlsplit(upstream_url)
        if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
            raise ValueError("the proxy only forwards to a loopback server with a port")
        self.upstream = ("127.0.0.1", parts.port)
        self.socket_timeout_s = socket_timeout_s
        self.lifetime_s = lifetime_s
        self.fault: str | None = None
        self.plan: list[str | None] = []
        self.cut_bytes: int | None = None
        self.delay_s = 0.5
        self.bytes_per_s: float | None = None
        self.one_way_delay_s = 0.0
        self.requests = 0
        self.bytes_up = 0  # request bytes received from the client
        self.bytes_down = 0  # answer bytes sent to the client
        self.injected: list[str] = []
        self.response_seen = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="emr-fault-proxy", daemon=True
        )
        self._accept_thread.start()

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def shape(self, bytes_per_s: float | None, one_way_delay_s: float = 0.0) -> None:
        """Pace both directions at `bytes_per_s` with a one-way latency (None: no shaping)."""
        self.bytes_per_s = bytes_per_s
        self.one_way_delay_s = one_way_delay_s

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self.fault = None
            self.plan = []

    def close(self) -> None:
        self._stop.set()
        self._accept_thread.join(timeout=5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _next_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            fault = self.plan.pop(0) if self.plan else self.fault
            if fault is not None:
                if fault not in FAULTS:
                    raise ValueError(f"unknown fault {fault!r}")
                self.injected.append(fault)
            return fault

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + self.lifetime_s
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            thread = threading.Thread(
                target=self._handle, args=(client,), name="emr-fault-proxy-conn", daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()
        self._stop.set()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(self.socket_timeout_s)
        try:
            with client:
                while not self._stop.is_set():
                    try:
                        request = _read_request(client)
                    except (ProxyClosed, OSError):
                        return
                    with self._lock:
                        self.bytes_up += len(request)
                    if not self._forward(client, request, self._next_fault()):
                        return
        except OSError:
            return

    def _upstream(self) -> socket.socket:
        sock = socket.create_connection(self.upstream, timeout=self.socket_timeout_s)
        sock.settimeout(self.socket_timeout_s)
        return sock

    def _forward(self, client: socket.socket, request: bytes, fault: str | None) -> bool:
        """Send one request upstream and its answer back; False when the client is cut."""
        request = _force_close(request)
        if fault == "delay":
            time.sleep(self.delay_s)
        if self.bytes_per_s:
            time.sleep(self.one_way_delay_s + len(request) / self.bytes_per_s)
        if fault == "cut_request":
            cut = self.cut_bytes if self.cut_bytes is not None else len(request) // 2
            with self._upstream() as up:
                up.sendall(request[: max(0, min(cut, len(request) - 1))])
            return False
        if fault == "duplicate":
            with self._upstream() as up:
                up.sendall(request)
                while up.recv(_CHUNK):
                    pass
        with self._upstream() as up:
            up.sendall(request)
            if fault == "cut_response":
                first = up.recv(_CHUNK)
                if first:
                    self.response_seen.set()
                    client.sendall(first[:_RESPONSE_PREFIX])
                return False
            self._relay_answer(up, client)
        return True

    def _relay_answer(self, up: socket.socket, client: socket.socket) -> None:
        if not self.bytes_per_s:
            while chunk := up.recv(_CHUNK):
                self.response_seen.set()
                client.sendall(chunk)
                with self._lock:
                    self.bytes_down += len(chunk)
            return
        # A writer thread delivers each chunk when the slow link would have: departures are
        # paced at the link rate, arrivals follow one latency later.
        rate, latency = float(self.bytes_per_s), self.one_way_delay_s
        pending: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        failed = threading.Event()

        def deliver() -> None:
            while (item := pending.get()) is not None:
                arrival, chunk = item
                pause = arrival - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if failed.is_set():
                    continue
                try:
                    client.sendall(chunk)
                except OSError:
                    failed.set()

        writer = threading.Thread(target=deliver, name="emr-fault-proxy-link", daemon=True)
        writer.start()
        link_free = time.monotonic()
        try:
            while chunk := up.recv(_CHUNK):
                self.response_seen.set()
                link_free = max(link_free, time.monotonic()) + len(chunk) / rate
                pending.put((link_free + latency, chunk))
                with self._lock:
                    self.bytes_down += len(chunk)
        finally:
            pending.put(None)
            writer.join(timeout=self.socket_timeout_s + self.lifetime_s)


def _read_request(sock: socket.socket) -> bytes:
    """One whole HTTP/1.1 request (head and `Content-Length` body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(_CHUNK)
        if not chunk:
            raise ProxyClosed
        data += chunk
        if len(data) > _HEAD_LIMIT and b"\r\n\r\n" not in data:
            raise ProxyClosed
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length > _BODY_LIMIT:
        raise ProxyClosed
    while len(body) < length:
        chunk = sock.recv(min(_CHUNK, length - len(body)))
        if not chunk:
            raise ProxyClosed
        body += chunk
    return head + b"\r\n\r\n" + body


def _force_close(request: bytes) -> bytes:
    """The request with `Connection: close`, so the server ends its answer by closing."""
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


@contextmanager
def fault_proxy(upstream_url: str, **kwargs: Any) -> Iterator[FaultProxy]:
    """A `FaultProxy` that is closed when the block ends."""
    proxy = FaultProxy(upstream_url, **kwargs)
    try:
        yield proxy
    finally:
        proxy.close()
