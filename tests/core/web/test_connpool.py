"""LinearPool decides what httpcore's own pool decides, in one pass.

Random pools (connections closed, expired, idle, busy, of a few origins;
requests queued or not; pools at and under their limits) are given to
httpcore's ``_assign_requests_to_connections`` and to LinearPool's: the
connections closed, the connections kept (in order) and which connection
each request got must be the same. Then a real server on 127.0.0.1 on a
server that hangs up idle connections: the stream's readability check sees
it and the next request opens a new connection instead of failing.
"""

from __future__ import annotations

import asyncio
import random

import httpcore
import pytest

from feedreader.core.web.connpool import KeptSocketStream, LinearPool, pool_class
from feedreader.core.web.fetch import Fetcher
from feedreader.core.web.settings import FetchSettings

ORIGINS = [httpcore.URL(f"http://127.0.0.{i}:80/").origin for i in range(2, 6)]


class _Conn:
    def __init__(self, n: int, origin: object, state: str) -> None:
        self.n, self.origin, self.state = n, origin, state

    def is_closed(self) -> bool:
        return self.state == "closed"

    def has_expired(self) -> bool:
        return self.state == "expired"

    def is_idle(self) -> bool:
        return self.state in ("idle", "expired")

    def is_available(self) -> bool:
        return self.state in ("idle", "expired")

    def can_handle_request(self, origin: object) -> bool:
        return origin == self.origin

    def __repr__(self) -> str:
        return f"C{self.n}:{self.state}"


class _Req:
    def __init__(self, n: int, origin: object, queued: bool) -> None:
        self.n, self.queued, self.got = n, queued, None
        self.request = type("R", (), {"url": type("U", (), {"origin": origin})()})()

    def is_queued(self) -> bool:
        return self.queued and self.got is None

    def assign_to_connection(self, connection: _Conn) -> None:
        self.got = connection


def _run(pool_type: type, seed: int) -> tuple:
    rng = random.Random(seed)
    max_conn = rng.randint(1, 8)
    pool = pool_type(max_connections=max_conn, max_keepalive_connections=rng.randint(0, max_conn))
    made = iter(range(1000, 2000))
    pool.create_connection = lambda origin: _Conn(next(made), origin, "new")   # type: ignore[method-assign]
    states = ("closed", "expired", "idle", "busy")
    pool._connections = [_Conn(i, rng.choice(ORIGINS), rng.choice(states)) for i in range(rng.randint(0, max_conn))]
    pool._requests = [_Req(i, rng.choice(ORIGINS), rng.random() < 0.7) for i in range(rng.randint(0, 6))]
    closing = pool._assign_requests_to_connections()
    return ([c.n for c in closing], [(c.n, c.state) for c in pool._connections],
            [(r.n, r.got.n if r.got else None) for r in pool._requests])


def test_linear_pool_decides_as_httpcore_does() -> None:
    assert pool_class() is LinearPool   # the httpcore this project pins is one LinearPool mirrors
    for seed in range(3000):
        assert _run(LinearPool, seed) == _run(httpcore.AsyncConnectionPool, seed), seed


def test_other_httpcore_versions_get_httpcores_pool() -> None:
    assert pool_class("1.0.9") is LinearPool
    assert pool_class("1.1.0") is httpcore.AsyncConnectionPool
    assert pool_class("2.0.0") is httpcore.AsyncConnectionPool


@pytest.mark.asyncio
async def test_a_connection_the_server_closed_is_not_reused() -> None:
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()   # hangs up the kept-alive connection while the client holds it idle

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = FetchSettings(jobs=2, per_host=2, timeout=5.0, deadline=10.0)
    try:
        async with Fetcher(settings, None, allow_private=True) as fetcher:
            first = await fetcher.get(f"http://127.0.0.1:{port}/a", validators={}, accept="*/*")
            await asyncio.sleep(0.3)
            pool = fetcher._client._transport._pool   # type: ignore[attr-defined]
            assert any(isinstance(c._connection._network_stream, KeptSocketStream)   # type: ignore[attr-defined]
                       for c in pool._connections)
            second = await fetcher.get(f"http://127.0.0.1:{port}/b", validators={}, accept="*/*")
    finally:
        server.close()
        await server.wait_closed()
    assert first.status == second.status == "fetched", (first.error, second.error)
    assert connections == 2
