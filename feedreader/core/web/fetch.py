"""Fetching original pages into the page cache, safely and within bounds.

One :class:`Fetcher` holds one ``httpx.AsyncClient`` (HTTP/1.1; HTTP/2 too
when the optional ``h2`` package happens to be installed) and fetches pages
with:

* at most ``jobs`` pages at once, and at most ``per_host`` per host;
* a connect/read timeout (``timeout``) and a deadline for the whole page,
  redirects and body included (``deadline``): a server that drips one byte a
  second is cut off at the deadline;
* redirects followed by hand, at most ``max_redirects``, every target checked
  again (URL rules and address policy), loops detected;
* a body cap (``max_bytes``) enforced while streaming, on the bytes received
  *and* on the bytes after content decoding (gzip/deflate are decoded here,
  in bounded steps, so a compression bomb is stopped after ``max_bytes`` of
  output and never inflated in memory); Content-Length is only used to
  refuse early;
* only HTML (``text/html``, ``application/xhtml+xml``) is kept;
* no cookies, no proxies from the environment, no credentials;
* the address policy of :mod:`feedreader.core.web.netguard` applied where the
  socket is opened (no loopback/private/link-local/... unless allowed).

Every outcome is a :class:`FetchResult`; a hostile or broken server never
makes :meth:`Fetcher.fetch` raise or log. Good pages go to the
:class:`~feedreader.core.web.pagecache.PageCache`; a failure is recorded there
without touching a good copy; a 304 keeps the copy. :meth:`Fetcher.get`
serves feeds: the same guards, any content type, no cache (a ``Resource``).
"""

from __future__ import annotations

import asyncio
import errno
import importlib.util
import ssl
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy

import httpx

from feedreader import __version__
from feedreader.core.web.settings import FetchSettings
from feedreader.core.web.netguard import AddressPolicy, BlockedAddress, GuardedTransport, ResolveError, Resolver, parse_ip
from feedreader.core.web.pagecache import CacheStatus, PageCache
from feedreader.core.web.readable import ReadableText
from feedreader.core.web.resource import KEPT_HEADERS, FetchStatus, Resource
from feedreader.core.text import clean_text, url_problem

__all__ = [
    "CacheStatus",
    "FetchResult",
    "Fetcher",
    "PageCache",
    "ReadableText",
    "Resource",
    "fetch_urls",
    "interleave_hosts",
]

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)
USER_AGENT = f"feedreader/{__version__} (terminal news reader; prefetch)"
POOL_CONNECTIONS = 64   # connections kept open between requests (see Fetcher.__init__)
ProgressCallback = Callable[[int, int, int, "FetchResult"], None]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one URL. ``error`` says why, for a person, when failed."""

    url: str
    status: FetchStatus
    error: str | None = None
    bytes: int = 0                  # body size kept (decoded); 0 when failed or not modified
    elapsed: float = 0.0            # seconds from getting a fetch slot
    final_url: str | None = None    # after redirects
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class _Fail(Exception):
    """A fetch failed; the message is the FetchResult's error."""

    def __init__(self, message: str, http_status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.headers = headers or {}


@dataclass
class _Page:
    status: FetchStatus
    final_url: str
    http_status: int
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    moved_to: str | None = None


@dataclass(frozen=True)
class _Want:
    """Accept header, content types kept (None: any), body cap, the 304-without-validators error."""

    accept: str
    types: tuple[str, ...] | None
    max_bytes: int
    unasked_304: str = "HTTP 304 for a page not in the cache"


def _kept(headers: httpx.Headers) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _too_large(limit: int) -> str:
    return f"too large (over {limit:,} bytes)"


# -- bounded content decoding --------------------------------------------------

class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        if len(data) > room:
            raise OverflowError
        return data

    def flush(self, room: int) -> bytes:
        return b""


class _Inflate:
    """gzip / deflate, never producing more than ``room`` bytes per call + 1."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._first = True
        self._new()

    def _new(self) -> None:
        wbits = 16 + zlib.MAX_WBITS if self.encoding == "gzip" else zlib.MAX_WBITS
        self._d = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> bytes:
        out = bytearray()
        while data:
            try:
                chunk = self._d.decompress(data, room - len(out) + 1)
            except zlib.error:
                if self.encoding == "deflate" and self._first:
                    # "deflate" is often sent raw, without the zlib wrapper
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise
            self._first = False
            out += chunk
            if len(out) > room:
                raise OverflowError
            if self._d.unconsumed_tail:
                data = self._d.unconsumed_tail
            elif self._d.eof and self._d.unused_data and self.encoding == "gzip":
                data = self._d.unused_data     # another gzip member follows
                self._new()
            else:
                data = b""
        return bytes(out)

    def flush(self, room: int) -> bytes:
        out = self._d.flush()
        if len(out) > room:
            raise OverflowError
        return out


def _decoder(content_encoding: str) -> _Identity | _Inflate:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflate("deflate" if codings[0] == "deflate" else "gzip")
    raise _Fail(f"unsupported content encoding ({clean_text(content_encoding, limit=40)})")


# -- errors -------------------------------------------------------------------

def _causes(exc: BaseException) -> Iterable[BaseException]:
    current: BaseException | None = exc
    seen = 0
    while current is not None and seen < 10:
        yield current
        current = current.__cause__ or current.__context__
        seen += 1


def _describe(exc: Exception, settings: FetchSettings) -> str:
    """A person's reason for a transport error (never the raw exception text)."""
    chain = list(_causes(exc))
    if isinstance(exc, (BlockedAddress, ResolveError)):
        return clean_text(str(exc), limit=200)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout after {_seconds(settings.timeout)}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {_seconds(settings.timeout)}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout after {_seconds(settings.timeout)}"
    if any(isinstance(c, ConnectionResetError) or getattr(c, "errno", None) == errno.ECONNRESET for c in chain):
        return "connection reset"
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in chain):
        return "TLS certificate not valid for this host"
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return "TLS handshake failed"
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, ConnectionRefusedError) for c in chain):
            return "connection refused"
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc).lower()
        if "incomplete" in text or "peer closed" in text or "without sending" in text:
            return "connection closed before the page was complete"
        return "invalid HTTP response"
    if isinstance(exc, httpx.ReadError):
        return "connection lost while reading"
    if isinstance(exc, (httpx.WriteError, httpx.NetworkError)):
        return "network error"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return "invalid URL"
    if isinstance(exc, zlib.error):
        return "corrupt compressed body"
    return f"unexpected error ({type(exc).__name__})"


# -- the fetcher ----------------------------------------------------------------

class Fetcher:
    """Fetches pages into ``cache``. Use one per event loop; ``await aclose()`` at the end.

    ``allow_private`` lets every address through (settings
    ``allow_private_hosts``). ``allow_networks`` lets only the given networks
    through besides public addresses (tests: ``("127.0.0.0/8",)``).
    ``resolver`` replaces the system resolver (tests). ``cache`` may be
    None for a fetcher that only serves :meth:`get` (feeds).
    """

    def __init__(
        self,
        settings: FetchSettings,
        cache: PageCache | None,
        *,
        allow_private: bool,
        allow_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.policy = AddressPolicy.make(allow_private=allow_private, allow_networks=allow_networks)
        http2 = importlib.util.find_spec("h2") is not None
        # Requests at once are bounded by ``jobs`` (and ``per_host``) below; the
        # pool only keeps connections open between requests. httpcore closes
        # every idle connection while it holds more connections than
        # max_keepalive_connections, and evicts an idle one for a new host once
        # it holds max_connections: both are POOL_CONNECTIONS, so a refresh that
        # goes round many hosts finds its connection to each still open (a
        # first refresh of 300 feeds on 40 hosts: 40 connections instead of
        # 300, -13% fetch CPU). Not more: the pool scans its idle connections
        # on every request.
        pool = max(POOL_CONNECTIONS, settings.jobs * 2 + 4)
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool, keepalive_expiry=5.0)
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self.policy, http2=http2, limits=limits, resolver=resolver),
            timeout=httpx.Timeout(settings.timeout, pool=settings.deadline),
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": PAGE_ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
        )
        # no cookies at all: nothing one site sets is sent anywhere, ever
        self._client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self._jobs = asyncio.Semaphore(settings.jobs)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._host_users: dict[str, int] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # -- one page ------------------------------------------------------------
    async def fetch(self, url: str) -> FetchResult:
        """Fetch ``url`` into the cache. Never raises (except cancellation)."""
        problem = url_problem(url)
        if problem is not None:
            return FetchResult(str(url)[:2048], "failed", f"invalid URL: {problem}")
        async with self._jobs:
            start = time.monotonic()
            try:
                validators = self.cache.validators(url) if self.cache is not None else {}
                page = await self._fetch(url, validators, _Want(PAGE_ACCEPT, HTML_TYPES, self.settings.max_bytes))
            except _Fail as exc:
                result = FetchResult(url, "failed", str(exc), elapsed=time.monotonic() - start)
            except TimeoutError:
                result = FetchResult(
                    url, "failed", f"timeout after {_seconds(self.settings.deadline)}",
                    elapsed=time.monotonic() - start,
                )
            except Exception as exc:   # noqa: BLE001 - every failure becomes a result
                result = FetchResult(url, "failed", _describe(exc, self.settings), elapsed=time.monotonic() - start)
            else:
                result = FetchResult(
                    url, page.status, None, len(page.body), time.monotonic() - start, page.final_url, page.http_status
                )
        await self._record(url, result, page if result.ok else None)
        return result

    async def _record(self, url: str, result: FetchResult, page: _Page | None) -> None:
        if self.cache is None:
            return
        try:
            if page is not None and page.status == "fetched":
                await asyncio.to_thread(
                    self.cache.store, url, page.body, final_url=page.final_url, http_status=page.http_status,
                    content_type=page.content_type, etag=page.etag, last_modified=page.last_modified,
                )
            elif page is not None:
                await asyncio.to_thread(
                    self.cache.mark_not_modified, url, etag=page.etag, last_modified=page.last_modified
                )
            else:
                await asyncio.to_thread(self.cache.record_failure, url, result.error or "failed")
        except OSError:
            pass   # a full or read-only cache directory must not fail the fetch itself

    # -- one resource (feeds) ------------------------------------------------------
    async def get(
        self, url: str, *, validators: dict[str, str], accept: str, max_bytes: int | None = None,
    ) -> Resource:
        """GET ``url`` with ``validators`` (If-None-Match / If-Modified-Since,
        sent as given) under the same guards, limits and redirect rules as
        pages, any content type; nothing is cached. Never raises (except
        cancellation): a failure is a Resource with ``error``."""
        problem = url_problem(url)
        if problem is not None:
            return Resource(str(url)[:2048], "failed", error=f"invalid URL: {problem}")
        want = _Want(accept, None, max_bytes or self.settings.max_bytes, "HTTP 304 to a request that was not conditional")
        async with self._jobs:
            start = time.monotonic()
            try:
                page = await self._fetch(url, validators, want)
            except _Fail as exc:
                return Resource(url, "failed", exc.http_status, headers=exc.headers, error=str(exc),
                                gone=exc.http_status == 410, elapsed=time.monotonic() - start)
            except TimeoutError:
                return Resource(url, "failed", error=f"timeout after {_seconds(self.settings.deadline)}",
                                elapsed=time.monotonic() - start)
            except Exception as exc:   # noqa: BLE001 - every failure becomes a result
                return Resource(url, "failed", error=_describe(exc, self.settings), elapsed=time.monotonic() - start)
            return Resource(
                url, page.status, page.http_status, page.final_url, page.moved_to, page.body, page.content_type,
                page.headers, elapsed=time.monotonic() - start,
            )

    async def _enter_host(self, host: str) -> None:
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.settings.per_host)
        self._host_users[host] = self._host_users.get(host, 0) + 1
        try:
            await sem.acquire()
        except BaseException:
            self._drop_host_user(host)
            raise

    def _leave_host(self, host: str) -> None:
        self._hosts[host].release()
        self._drop_host_user(host)

    def _drop_host_user(self, host: str) -> None:
        users = self._host_users[host] - 1
        if users:
            self._host_users[host] = users
        else:   # nobody waiting or fetching: forget the host (keeps long runs small)
            del self._host_users[host]
            del self._hosts[host]

    async def _fetch(self, url: str, validators: dict[str, str], want: _Want) -> _Page:
        settings = self.settings
        seen = {url}
        current = url
        moved: str | None = None      # where the permanent redirects from the start led
        permanent = True
        host: str | None = None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(None) as deadline:
                for hop in range(settings.max_redirects + 1):
                    target = httpx.URL(current)
                    next_host = target.host
                    ip = parse_ip(next_host)
                    if ip is not None:     # refuse before connecting; names are checked at connect time
                        problem = self.policy.problem(ip)
                        if problem is not None:
                            raise _Fail(problem)
                    if next_host != host:
                        if host is not None:
                            self._leave_host(host)
                            host = None
                        await self._enter_host(next_host)
                        host = next_host
                    if hop == 0:
                        deadline.reschedule(loop.time() + settings.deadline)
                    outcome = await self._request(current, validators, want)
                    if isinstance(outcome, _Page):
                        outcome.moved_to = moved
                        return outcome
                    code, location = outcome
                    try:
                        following = str(target.join(location))
                    except (httpx.InvalidURL, ValueError, TypeError):
                        raise _Fail("invalid redirect target") from None
                    problem = url_problem(following)
                    if problem is not None:
                        raise _Fail(f"invalid redirect target: {problem}")
                    if following in seen:
                        raise _Fail("redirect loop")
                    seen.add(following)
                    current = following
                    permanent = permanent and code in PERMANENT
                    if permanent:
                        moved = following
                raise _Fail("too many redirects")
        finally:
            if host is not None:
                self._leave_host(host)

    async def _request(self, url: str, validators: dict[str, str], want: _Want) -> _Page | tuple[int, str]:
        """One GET: a page, a 304, or (status, Location) of a redirect."""
        limit = want.max_bytes
        headers = {**validators, "Accept": want.accept}
        async with self._client.stream("GET", url, headers=headers) as resp:
            code = resp.status_code
            kept = _kept(resp.headers)
            if code in REDIRECTS:
                location = resp.headers.get("location")
                if not location:
                    raise _Fail(f"HTTP {code} without a Location", code, kept)
                return code, location
            if code == 304:
                if not validators:
                    raise _Fail(want.unasked_304, code, kept)
                return _Page("not_modified", url, code, etag=resp.headers.get("etag"),
                             last_modified=resp.headers.get("last-modified"), headers=kept)
            if code not in (200, 203):
                raise _Fail(f"HTTP {code}", code, kept)
            content_type = resp.headers.get("content-type", "")
            mime = content_type.split(";", 1)[0].strip().lower()
            if want.types is not None and mime not in want.types:
                shown = clean_text(mime, limit=60) or "no content type"
                raise _Fail(f"not HTML ({shown})", code, kept)
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _Fail(_too_large(limit))
            decoder = _decoder(resp.headers.get("content-encoding", ""))
            body = bytearray()
            received = 0
            try:
                async for chunk in resp.aiter_raw():
                    received += len(chunk)
                    if received > limit:
                        raise _Fail(_too_large(limit))
                    body += decoder.feed(chunk, limit - len(body))
                body += decoder.flush(limit - len(body))
            except OverflowError:
                raise _Fail(_too_large(limit)) from None
            except zlib.error:
                raise _Fail("corrupt compressed body") from None
            return _Page(
                "fetched", url, code, bytes(body), content_type,
                resp.headers.get("etag"), resp.headers.get("last-modified"), kept,
            )

    # -- many pages ------------------------------------------------------------
    async def fetch_many(
        self,
        urls: Iterable[str],
        on_progress: ProgressCallback | None = None,
    ) -> list[FetchResult]:
        """Fetch every URL (duplicates once), hosts interleaved; results in input order.

        ``on_progress(done, failed, total, result)`` is called after each URL.
        """
        urls = list(urls)
        unique = list(OrderedDict.fromkeys(urls))
        order = interleave_hosts(unique)
        total = len(order)
        results: dict[str, FetchResult] = {}
        failed = 0
        window = max(1, self.settings.jobs * 4)
        running: set[asyncio.Task[FetchResult]] = set()
        pending = iter(order)

        def finished(task: asyncio.Task[FetchResult]) -> None:
            nonlocal failed
            result = task.result()
            results[result.url] = result
            if not result.ok:
                failed += 1
            if on_progress is not None:
                on_progress(len(results), failed, total, result)

        try:
            for url in pending:
                task = asyncio.ensure_future(self._fetch_keyed(url))
                running.add(task)
                if len(running) >= window:
                    done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        finished(task)
            while running:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    finished(task)
        finally:
            for task in running:
                task.cancel()
        if self.cache is not None and self.settings.cache_max_mb and any(r.status == "fetched" for r in results.values()):
            # the cache grew: over its cap, the least recently read pages go (pagecache.py "Size")
            await asyncio.to_thread(self.cache.prune, self.settings.cache_max_mb * 1_000_000)
        return [results[u] for u in urls]

    async def _fetch_keyed(self, url: str) -> FetchResult:
        result = await self.fetch(url)
        if result.url != url:   # invalid URLs come back cut to size: key by the input
            result = FetchResult(url, result.status, result.error, result.bytes, result.elapsed)
        return result


def _host_of(url: str) -> str:
    try:
        return httpx.URL(url).host
    except Exception:   # noqa: BLE001 - invalid URLs fail in fetch(), one host is as good as any
        return ""


def interleave_hosts(urls: Sequence[str]) -> list[str]:
    """Round-robin over hosts, so that ``jobs`` slots are not all waiting on one host."""
    by_host: OrderedDict[str, list[str]] = OrderedDict()
    for url in urls:
        by_host.setdefault(_host_of(url), []).append(url)
    queues = [list(reversed(q)) for q in by_host.values()]
    out: list[str] = []
    while queues:
        still = []
        for q in queues:
            out.append(q.pop())
            if q:
                still.append(q)
        queues = still
    return out


# -- conveniences -------------------------------------------------------------------

def fetch_urls(
    urls: Iterable[str],
    settings: FetchSettings,
    cache: PageCache,
    *,
    allow_private: bool,
    on_progress: ProgressCallback | None = None,
    allow_networks: Iterable[str] = (),
) -> list[FetchResult]:
    """Synchronous :meth:`Fetcher.fetch_many` for the CLI and worker threads (own event loop)."""

    async def run() -> list[FetchResult]:
        async with Fetcher(settings, cache, allow_private=allow_private, allow_networks=allow_networks) as fetcher:
            return await fetcher.fetch_many(urls, on_progress)

    return asyncio.run(run())
