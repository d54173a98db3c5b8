"""httpcore's connection pool without its per-request scans that grow with the square of the pool.

httpcore 1.0 calls ``AsyncConnectionPool._assign_requests_to_connections``
when a request comes in and when a response is closed. For every connection
it holds it asks ``has_expired()`` (an idle HTTP/1.1 connection asks its
stream ``get_extra_info("is_readable")``: anyio builds a dict of every socket
attribute to hand back the raw socket, then a ``poll``), and for every idle
one it builds a list over all connections just to take its length (the
length of the pool). A refresh of 300 feeds on 40 hosts keeps ~40-64
connections open: that was ~45% of the refreshing process's event-loop CPU
(cProfile), more than httpx, h11 and the feeds' own work together.

:class:`LinearPool` does the same thing in one pass (same order, same
decisions: closed connections dropped, expired ones closed, an idle one
closed while the pool holds more than ``max_keepalive_connections``; queued
requests assigned to an available connection of their origin, else a new
one, else in place of the first idle one), and :class:`KeptSocketStream`
keeps the raw socket a stream was opened on so that the readability check
is one ``poll``. Both are used only with the httpcore versions whose pool
this mirrors (:func:`pool_class`); any other version gets httpcore's own
pool, unchanged.
"""

from __future__ import annotations

import select
import socket
import ssl
from typing import Any

import httpcore

__all__ = ["KeptSocketStream", "LinearPool", "pool_class"]

_MIRRORED = ("1.0.",)   # httpcore versions whose _assign_requests_to_connections LinearPool mirrors


class LinearPool(httpcore.AsyncConnectionPool):
    """httpcore's pool, its request assignment in linear time (module docstring)."""

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        connections = self._connections
        keep = []
        total = len(connections)
        for connection in connections:
            if connection.is_closed():
                total -= 1
            elif connection.has_expired():
                total -= 1
                closing.append(connection)
            elif connection.is_idle() and total > self._max_keepalive_connections:
                # httpcore compares the number of all connections (not of idle ones) left in the pool
                total -= 1
                closing.append(connection)
            else:
                keep.append(connection)
        connections[:] = keep

        for pool_request in [request for request in self._requests if request.is_queued()]:
            origin = pool_request.request.url.origin
            available = next((c for c in connections if c.can_handle_request(origin) and c.is_available()), None)
            if available is not None:
                pool_request.assign_to_connection(available)
            elif len(connections) < self._max_connections:
                connection = self.create_connection(origin)
                connections.append(connection)
                pool_request.assign_to_connection(connection)
            else:
                idle = next((c for c in connections if c.is_idle()), None)
                if idle is not None:
                    connections.remove(idle)
                    closing.append(idle)
                    connection = self.create_connection(origin)
                    connections.append(connection)
                    pool_request.assign_to_connection(connection)
        return closing


class KeptSocketStream(httpcore.AsyncNetworkStream):
    """A network stream that answers ``socket`` and ``is_readable`` from the
    raw socket it was opened on (asked once); everything else is the inner
    stream's."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return KeptSocketStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """Whether reading ``sock`` would not block (httpcore's check): an idle
    connection whose server hung up reads b''. No socket (closed): readable."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # pragma: no cover - not on Linux
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def pool_class(version: str | None = None) -> type[httpcore.AsyncConnectionPool]:
    """:class:`LinearPool` for the httpcore versions it mirrors, else httpcore's pool."""
    version = httpcore.__version__ if version is None else version
    mirrored = version.startswith(_MIRRORED) and callable(
        getattr(httpcore.AsyncConnectionPool, "_assign_requests_to_connections", None))
    return LinearPool if mirrored else httpcore.AsyncConnectionPool
