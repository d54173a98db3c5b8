"""A real HTTP/1.1 server on 127.0.0.1 for tests, run in a thread, with scripted routes.

    with TestServer() as server:
        server.route("/a", html_page("<p>hi</p>", etag='"v1"'))
        server.route("/slow", drip(b"x" * 100, interval=1.0))
        url = server.url("/a")
        ...
        server.hits("/a"), server.requests[-1].headers, server.stats.max_in_flight

A route is a callable ``(handler: RouteContext) -> None`` that writes the raw
response itself, so it can misbehave exactly as a hostile server would (drip,
lie about Content-Length, reset the connection, send a gzip bomb). The
factories below cover the usual cases. Nothing here is mocked: clients talk
TCP to a real socket.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = [
    "InFlight",
    "TestServer",
    "chunked_body",
    "drip",
    "gzip_bomb",
    "html_page",
    "raw_response",
    "redirect",
    "reset_after",
    "slow_page",
    "status_page",
]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    host: str          # the server address that received it (for multi-address tests)


@dataclass
class InFlight:
    """Counts requests being served at once, overall and per server address.

    Share one between several servers to measure a client's total concurrency.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    max_in_flight: int = 0
    per_host_now: dict[str, int] = field(default_factory=dict)
    per_host_max: dict[str, int] = field(default_factory=dict)

    def enter(self, host: str) -> None:
        with self.lock:
            self.now += 1
            self.max_in_flight = max(self.max_in_flight, self.now)
            n = self.per_host_now.get(host, 0) + 1
            self.per_host_now[host] = n
            self.per_host_max[host] = max(self.per_host_max.get(host, 0), n)

    def leave(self, host: str) -> None:
        with self.lock:
            self.now -= 1
            self.per_host_now[host] -= 1


class RouteContext:
    """What a route gets: the request, and ways to answer (or not)."""

    def __init__(self, handler: "_Handler", request: Request, stop: threading.Event) -> None:
        self._h = handler
        self.request = request
        self.stop = stop
        self.closed = False

    @property
    def headers(self) -> dict[str, str]:
        return self.request.headers

    def send_head(self, status: int, headers: list[tuple[str, str]] | dict[str, str] = (), reason: str = "") -> None:
        items = headers.items() if isinstance(headers, dict) else headers
        lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Whatever')}"]
        lines += [f"{k}: {v}" for k, v in items]
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def write(self, data: bytes) -> None:
        self._h.wfile.write(data)
        self._h.wfile.flush()

    def close(self) -> None:
        """Close the connection after this response."""
        self._h.close_connection = True

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0)."""
        sock = self._h.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass
        self._h.close_connection = True
        self.closed = True


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
            307: "Temporary Redirect", 308: "Permanent Redirect", 404: "Not Found", 500: "Internal Server Error"}

Route = Callable[[RouteContext], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args) -> None:   # quiet
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path
        request = Request(self.command, path, {k.lower(): v for k, v in self.headers.items()}, owner.host)
        with owner._lock:
            owner.requests.append(request)
            route = owner._routes.get(path.split("?", 1)[0])
        owner.stats.enter(owner.host)
        try:
            ctx = RouteContext(self, request, owner._stop)
            if route is None:
                body = b"no such route"
                ctx.send_head(404, {"Content-Type": "text/plain", "Content-Length": str(len(body))})
                ctx.write(body)
            else:
                route(ctx)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True   # the client went away: expected in these tests
        finally:
            owner.stats.leave(owner.host)

    do_HEAD = do_GET

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner: "TestServer"

    def handle_error(self, request, client_address) -> None:   # quiet: clients hang up on purpose
        pass


class TestServer:
    """A threaded HTTP server on ``host`` (default 127.0.0.1), ephemeral port."""

    __test__ = False   # not a pytest test class

    def __init__(self, host: str = "127.0.0.1", stats: InFlight | None = None) -> None:
        self.host = host
        self.stats = stats or InFlight()
        self.requests: list[Request] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> "TestServer":
        self._server = _Server((self.host, 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "TestServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- routes and addresses ----------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def route(self, path: str, handler: Route) -> str:
        """Serve ``handler`` at ``path``; returns the full URL."""
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def hits(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path.split("?", 1)[0] == path)


# -- route factories ---------------------------------------------------------------

def html_page(
    body: str | bytes,
    *,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
) -> Route:
    """A page; with ``etag``/``last_modified`` it answers 304 to a matching conditional GET."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def route(ctx: RouteContext) -> None:
        extra = dict(headers or {})
        if etag:
            extra["ETag"] = etag
        if last_modified:
            extra["Last-Modified"] = last_modified
        if (etag and ctx.headers.get("if-none-match") == etag) or (
            last_modified and not etag and ctx.headers.get("if-modified-since") == last_modified
        ):
            ctx.send_head(304, extra)
            return
        ctx.send_head(status, {"Content-Type": content_type, "Content-Length": str(len(data)), **extra})
        ctx.write(data)

    return route


def status_page(status: int, body: bytes = b"error page") -> Route:
    return html_page(body, status=status)


def raw_response(status: int, headers: dict[str, str], body: bytes = b"") -> Route:
    """Exactly these headers (add Content-Length yourself, or don't)."""

    def route(ctx: RouteContext) -> None:
        ctx.send_head(status, headers)
        ctx.write(body)
        if "Content-Length" not in headers:
            ctx.close()

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(ctx: RouteContext) -> None:
        ctx.send_head(status, {"Location": location, "Content-Length": "0"})

    return route


def slow_page(body: str, delay: float, held: InFlight | None = None) -> Route:
    """Waits ``delay`` seconds, then answers (to hold requests in flight).

    ``held`` counts the requests waiting here, and stops counting one before its
    answer's first byte goes out: the server's own count ends only after the last
    byte, by which time a fast client may already have sent its next request."""
    data = body.encode("utf-8")

    def route(ctx: RouteContext) -> None:
        if held is not None:
            held.enter(ctx.request.host)
        try:
            ctx.stop.wait(delay)
        finally:
            if held is not None:
                held.leave(ctx.request.host)
        ctx.send_head(200, {"Content-Type": "text/html", "Content-Length": str(len(data))})
        ctx.write(data)

    return route


def drip(body: bytes, interval: float = 1.0, content_type: str = "text/html") -> Route:
    """Announces the whole body, then sends one byte every ``interval`` seconds."""

    def route(ctx: RouteContext) -> None:
        ctx.send_head(200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        for i in range(len(body)):
            ctx.write(body[i:i + 1])
            if ctx.stop.wait(interval):
                return

    return route


def chunked_body(total: int, *, honest_length: bool, chunk: int = 64 * 1024) -> Route:
    """``total`` bytes of HTML, with a true Content-Length or none (chunked)."""
    block = (b"<p>" + b"x" * (chunk - 7) + b"</p>\n")[:chunk]

    def route(ctx: RouteContext) -> None:
        headers = {"Content-Type": "text/html"}
        if honest_length:
            headers["Content-Length"] = str(total)
        else:
            headers["Transfer-Encoding"] = "chunked"
        ctx.send_head(200, headers)
        sent = 0
        while sent < total and not ctx.stop.is_set():
            piece = block[: min(chunk, total - sent)]
            ctx.write(b"%x\r\n%s\r\n" % (len(piece), piece) if not honest_length else piece)
            sent += len(piece)
        if not honest_length:
            ctx.write(b"0\r\n\r\n")

    return route


def gzip_bomb(decompressed: int, *, declare_length: bool = True) -> Route:
    """A small gzip body that inflates to ``decompressed`` bytes of HTML-looking zeros."""
    data = _bomb(decompressed)

    def route(ctx: RouteContext) -> None:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        if declare_length:
            headers["Content-Length"] = str(len(data))
        ctx.send_head(200, headers)
        ctx.write(data)
        if not declare_length:
            ctx.close()

    return route


_BOMBS: dict[int, bytes] = {}


def _bomb(size: int) -> bytes:
    if size not in _BOMBS:
        buf = bytearray()
        comp = gzip.GzipFile(fileobj=_Sink(buf), mode="wb", compresslevel=9)
        block = b"\0" * (1 << 20)
        left = size
        while left > 0:
            comp.write(block[: min(left, len(block))])
            left -= len(block)
        comp.close()
        _BOMBS[size] = bytes(buf)
    return _BOMBS[size]


class _Sink:
    def __init__(self, buf: bytearray) -> None:
        self.buf = buf

    def write(self, data: bytes) -> int:
        self.buf += data
        return len(data)

    def flush(self) -> None:
        pass


def reset_after(prefix: bytes, declared_length: int, content_type: str = "text/html") -> Route:
    """Sends headers and ``prefix`` of a longer body, then resets the connection."""

    def route(ctx: RouteContext) -> None:
        ctx.send_head(200, {"Content-Type": content_type, "Content-Length": str(declared_length)})
        ctx.write(prefix)
        time.sleep(0.05)   # let the prefix reach the client before the RST
        ctx.reset()

    return route
