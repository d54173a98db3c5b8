"""Which addresses a fetch may reach, enforced where the socket is opened.

A page named in a document file must not be able to make feedreader talk to
the user's own machine, router, intranet or a cloud metadata service. So by
default every address a host resolves to must be a *public* one: not
loopback, private, link-local, multicast, reserved, unspecified, shared
(carrier-grade NAT), nor any of those wrapped in IPv6 (IPv4-mapped, 6to4,
NAT64, Teredo, IPv4-compatible).

The check runs inside the connection itself (:class:`GuardedBackend`, an
httpcore network backend): the host is resolved once, every address is
checked, and the socket is opened to one of *those* addresses. There is no
second lookup between the check and the connection, so a DNS answer that
changes in between (DNS rebinding) cannot slip a private address past it.
TLS still verifies the certificate against the host name (httpcore passes the
name for SNI and verification; only the TCP connect uses the address).
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port, timeout) -> addresses as strings, in the order to try them
Resolver = Callable[[str, int, "float | None"], Awaitable[list[str]]]

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")    # carrier-grade NAT
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
MAX_ADDRESSES_TRIED = 4


class BlockedAddress(Exception):
    """A host resolved to an address the policy refuses (message for a person)."""


class ResolveError(Exception):
    """A host name could not be resolved (message for a person)."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
    if ip.teredo is not None:
        return ip.teredo[1], "Teredo"
    if 1 < int(ip) <= 0xFFFFFFFF:   # ::a.b.c.d, the old "IPv4-compatible" form
        return ipaddress.IPv4Address(int(ip)), "IPv4-compatible"
    return None


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "private", …); None if it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner, form = embedded
            kind = address_kind(inner)
            if kind is not None:
                return f"{kind}, {form}"
        if ip in _NAT64_LOCAL:
            return "private"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared/CGNAT"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not public"
    return None


def parse_ip(value: str) -> IPAddress | None:
    """An IP address from a host as written in a URL (``[::1]`` too), else None."""
    text = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    text = text.split("%", 1)[0]    # an IPv6 zone id does not change the address
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# the settings key (top level of config.toml) that lets non-public addresses through
ALLOW_HINT = ": set allow_private_hosts = true in config.toml to allow it"


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be connected to.

    ``allow_private``: anything goes (intranets; the settings key
    ``allow_private_hosts``). ``allowed``: networks let through even when not
    public, everything else stays blocked (tests use ``127.0.0.0/8`` to reach
    their own server while still proving that other addresses are refused).
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def make(cls, *, allow_private: bool = False, allow_networks: Iterable[str] = ()) -> "AddressPolicy":
        return cls(allow_private, tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks))

    def problem(self, address: str | IPAddress) -> str | None:
        """``"blocked address 10.0.0.1 (private): set allow_private_hosts ..."``
        (naming the setting that lets it through), or None when it may be reached."""
        ip = parse_ip(address) if isinstance(address, str) else address
        if ip is None:
            return f"blocked address {address!s:.60} (not an IP address)"
        if self.allow_private:
            return None
        plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip
        if any(plain in net for net in self.allowed if net.version == plain.version):
            return None
        kind = address_kind(ip)
        return None if kind is None else f"blocked address {ip} ({kind}){ALLOW_HINT}"


async def system_resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of ``host`` from the system resolver (IP literals as is)."""
    ip = parse_ip(host)
    if ip is not None:
        return [str(ip)]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP),
            timeout,
        )
    except asyncio.TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
    except (socket.gaierror, UnicodeError, OSError):
        raise ResolveError(f"cannot resolve host {host[:80]}") from None
    out: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in out:
            out.append(address)
    return out


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address against the policy, connect to a checked one."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver | None = None) -> None:
        self.policy = policy
        self._resolve = resolver or system_resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        if not addresses:
            raise ResolveError(f"cannot resolve host {host[:80]}")
        # Every answer must pass: an attacker who controls the DNS answer must
        # not be able to mix a private address in with a public one.
        for address in addresses:
            problem = self.policy.problem(address)
            if problem is not None:
                raise BlockedAddress(problem)
        last: Exception | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool built on :class:`GuardedBackend`.

    httpx 0.28 has no public parameter for the network backend (there is an
    open pull request for one), so the pool is replaced after construction.
    If a future httpx stores it differently this fails loudly at creation
    instead of silently fetching unguarded; a test also proves end to end
    that a host name resolving to loopback is refused.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        http2: bool = False,
        limits: httpx.Limits,
        resolver: Resolver | None = None,
    ) -> None:
        super().__init__(http1=True, http2=http2, limits=limits, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("this httpx version keeps its pool elsewhere; cannot guard addresses")
        self.backend = GuardedBackend(policy, resolver)
        no_sniffio_search()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=self.backend,
        )


def no_sniffio_search() -> None:
    """When sniffio is not installed, make ``import sniffio`` fail at once.

    httpcore asks which async library runs with ``import sniffio`` inside a
    function (``current_async_library``), ~4 times a request (every lock,
    event and cancellation shield it sets up); anyio 4 no longer installs
    sniffio, so each was a failed import that searched every ``sys.path``
    entry and finder: 860 M of the 5.6 G instructions of 300 feed fetches
    (valgrind, same sitting). A ``None`` in ``sys.modules`` is Python's own
    "not importable" mark: the import still raises ImportError, as before,
    without the search. Nothing changes when sniffio is installed."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except (ImportError, OSError):  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
