"""Who is logged in, who tried too often, and which origins are this server's own."""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from safet_tui.service.users import Person

SESSION_COOKIE = "safet_session"
CSRF_COOKIE = "safet_login"
SESSION_SECONDS = 12 * 3600


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): reachable from this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased, default ports left out (as browsers send it)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origins(public_url: str, host: str, port: int, scheme: str) -> frozenset[str]:
    """The origins a page of this server has: the public URL's, and on loopback the usual names
    of this machine (a browser may be pointed at localhost or 127.0.0.1)."""
    origins = {origin_of(public_url)}
    if is_loopback(host):
        for name in ("localhost", "127.0.0.1", "[::1]"):
            origins.add(origin_of(f"{scheme}://{name}:{port}"))
    return frozenset(origins)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """``--trusted-proxy`` values (addresses or networks, each or comma-separated) as networks;
    a value that is neither raises ValueError naming it."""
    networks = []
    for value in values:
        for part in value.split(","):
            part = part.strip().strip("[]")
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"--trusted-proxy {part!r} is not an address or a network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6] or [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or address


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """Who a request comes from, for the login's per-address limit: the connection's address;
    and only when that is a trusted proxy's (``--trusted-proxy``), the right-most address of
    X-Forwarded-For that is not itself a trusted proxy's (each proxy appends the address it was
    connected from, so anything left of that is what the visitor chose to send). Without trusted
    proxies the header is never read. A header a trusted proxy sent with nothing usable in it
    leaves the proxy's own address."""
    peer_address = _address(peer or "")
    if peer_address is None:
        return peer or "?"
    if not any(peer_address in network for network in trusted):
        return str(peer_address)
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: nothing to the left of it can be believed
            break
        if not any(address in network for network in trusted):
            return str(address)
    return str(peer_address)


@dataclass
class Sessions:
    """Logged-in visitors by an unguessable token (the cookie's value), each for a limited time."""

    clock: Callable[[], float] = time.monotonic
    _by_token: dict[str, tuple[Person, float]] = field(default_factory=dict)

    def start(self, person: Person) -> str:
        token = secrets.token_urlsafe(32)
        self._by_token[token] = (person, self.clock() + SESSION_SECONDS)
        return token

    def who(self, token: str | None) -> Person | None:
        if not token:
            return None
        entry = self._by_token.get(token)
        if entry is None:
            return None
        if entry[1] < self.clock():
            del self._by_token[token]
            return None
        return entry[0]

    def end(self, token: str | None) -> None:
        self._by_token.pop(token or "", None)

    def end_user(self, name: str) -> None:
        for token in [t for t, (p, _) in self._by_token.items() if p.name == name]:
            del self._by_token[token]


@dataclass
class Throttle:
    """Failed logins counted per name and per address over a window; past the limit a login is
    refused without checking the password until old failures age out."""

    per_name: int = 5
    per_address: int = 20
    window: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] < self.clock() - self.window:
            times.popleft()
        return times

    def wait(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` is checked again (0: now)."""
        waits = []
        for key, limit in ((f"name:{name.lower()}", self.per_name), (f"addr:{address}", self.per_address)):
            times = self._recent(key)
            if len(times) >= limit:
                waits.append(times[0] + self.window - self.clock())
        return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        for key in (f"name:{name.lower()}", f"addr:{address}"):
            self._recent(key).append(self.clock())
        if len(self._failures) > 10_000:  # a flood of names: keep the memory bounded
            for key in [k for k in self._failures if not self._recent(k)]:
                del self._failures[key]
