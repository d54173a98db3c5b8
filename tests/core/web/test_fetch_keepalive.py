"""The fetcher keeps a connection open to each host a round of requests goes through.

A refresh interleaves hosts (``interleave_hosts``), so it comes back to a
host only after going through all the others: the pool must keep that many
idle connections, or every request opens a new one (httpcore closes all
idle connections while it holds more than ``max_keepalive_connections``).
Real sockets on 127.0.0.2 .. 127.0.0.13; the servers count connections.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from feedreader.core.web.fetch import Fetcher, interleave_hosts
from feedreader.core.web.settings import FetchSettings

HOSTS = [f"127.0.0.{i}" for i in range(2, 14)]   # 12 hosts: more than the old pool kept (jobs * 2)


def _free_port() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind((HOSTS[0], 0))
            port = s.getsockname()[1]
        try:
            for host in HOSTS[1:]:
                with socket.socket() as s:
                    s.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every address")


class _Servers:
    def __init__(self) -> None:
        self.connections: dict[str, int] = {h: 0 for h in HOSTS}
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        self.connections[host] += 1
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        try:
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        finally:
            writer.close()


@pytest.mark.asyncio
async def test_a_round_over_many_hosts_reuses_one_connection_per_host() -> None:
    servers = _Servers()
    port = _free_port()
    started = [await asyncio.start_server(servers.handle, host, port) for host in HOSTS]
    try:
        urls = interleave_hosts([f"http://{h}:{port}/feed/{n}.xml" for n in range(4) for h in HOSTS])
        settings = FetchSettings(jobs=2, per_host=1, timeout=5.0, deadline=10.0)
        async with Fetcher(settings, None, allow_private=True) as fetcher:
            for url in urls:   # one at a time: each host comes back after all the others
                resource = await fetcher.get(url, validators={}, accept="*/*")
                assert resource.status == "fetched", resource.error
    finally:
        for server in started:
            server.close()
            await server.wait_closed()
    assert servers.requests == 4 * len(HOSTS)
    assert servers.connections == {h: 1 for h in HOSTS}
