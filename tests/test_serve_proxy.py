"""``safet serve --trusted-proxy``: behind a reverse proxy each visitor's failed logins count
against their own address (from X-Forwarded-For), and only a trusted proxy's header is read."""

from __future__ import annotations

import pytest

from safet_tui.cli.web.guard import Throttle, client_address, trusted_networks
from safet_tui.service.users import Person
from tests.test_serve import serve_args

PROXY = trusted_networks(["127.0.0.1, 10.0.0.0/24", "::1"])


def test_the_visitor_is_the_right_most_address_no_trusted_proxy_added():
    assert client_address("127.0.0.1", ["203.0.113.5"], PROXY) == "203.0.113.5"
    # what the visitor sent is left of what the proxy appended: it cannot choose its address
    assert client_address("127.0.0.1", ["198.51.100.1, 203.0.113.5"], PROXY) == "203.0.113.5"
    # a chain of trusted proxies is skipped, one header or several
    assert client_address("10.0.0.7", ["198.51.100.1, 203.0.113.5", "10.0.0.3"], PROXY) == "203.0.113.5"
    assert client_address("127.0.0.1", ["[2001:db8::1]:4711"], PROXY) == "2001:db8::1"
    assert client_address("127.0.0.1", ["203.0.113.5:4711"], PROXY) == "203.0.113.5"
    # nothing usable: the proxy's own address
    assert client_address("127.0.0.1", [], PROXY) == "127.0.0.1"
    assert client_address("127.0.0.1", ["not-an-address"], PROXY) == "127.0.0.1"
    assert client_address("127.0.0.1", ["10.0.0.3"], PROXY) == "127.0.0.1"


def test_the_header_is_never_read_from_anyone_but_a_trusted_proxy():
    assert client_address("198.51.100.9", ["203.0.113.5"], PROXY) == "198.51.100.9"
    assert client_address("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"
    assert client_address("::ffff:127.0.0.1", ["203.0.113.5"], PROXY) == "203.0.113.5"  # v4 over v6


def test_serve_takes_trusted_proxies_and_refuses_what_is_not_an_address():
    from safet_tui.cli.commands.serve import _refusal

    args = serve_args("--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/24,::1")
    assert _refusal(args) is None
    assert trusted_networks(args.trusted_proxy) == PROXY
    assert "--trusted-proxy 'proxy.local' is not an address" in _refusal(serve_args("--trusted-proxy", "proxy.local"))
    assert serve_args().trusted_proxy == []


async def _failed_logins(trusted, forwarded: list[str]) -> list[int]:
    """The status of a wrong-password login through the test client (from 127.0.0.1) for each
    X-Forwarded-For value, at two failures allowed per address."""
    from aiohttp.test_utils import TestClient, TestServer

    from safet_tui.cli.web.server import GuardedServer

    server = GuardedServer(command_for=lambda person, claim: "true",
                           check=lambda name, secret: Person(name, "seller") if secret == "right one" else None,
                           origins=frozenset({"http://127.0.0.1:8000"}), public_url="http://127.0.0.1:8000",
                           host="127.0.0.1", port=8000, throttle=Throttle(per_name=100, per_address=2),
                           trusted_proxies=trusted)
    statuses = []
    async with TestClient(TestServer(await server._make_app())) as client:
        for i, header in enumerate(forwarded):
            page = await (await client.get("/login")).text()
            csrf = page.split('name="csrf" value="')[1].split('"')[0]
            response = await client.post(
                "/login", data={"csrf": csrf, "name": f"user{i}", "secret": "wrong", "next": "/"},
                headers={"Origin": "http://127.0.0.1:8000", "X-Forwarded-For": header}, allow_redirects=False,
                cookies={"safet_login": csrf})
            statuses.append(response.status)
    return statuses


async def test_behind_a_trusted_proxy_each_visitor_has_their_own_login_limit():
    pytest.importorskip("textual_serve")
    one, other = "203.0.113.5", "203.0.113.6"
    statuses = await _failed_logins(trusted_networks(["127.0.0.1"]),
                                    [one, one, f"198.51.100.{7}, {one}", other, other, other])
    # the third try from one visitor waits (a made-up address on the left does not help); another
    # visitor through the same proxy is not held back by it
    assert statuses == [401, 401, 429, 401, 401, 429]


async def test_without_trusted_proxies_a_forwarded_header_changes_nothing():
    pytest.importorskip("textual_serve")
    statuses = await _failed_logins((), ["203.0.113.5", "203.0.113.6", "203.0.113.7"])
    assert statuses == [401, 401, 429]  # all from 127.0.0.1, whatever the header said
