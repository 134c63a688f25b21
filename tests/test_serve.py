"""``safet serve``: each visitor's desk command, what the server refuses to start with, and the
pieces behind the login (sessions, throttling, origins)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from safet_tui.cli.commands.serve import _refusal, desk_command
from safet_tui.cli.main import build_parser, main
from safet_tui.cli.web.guard import Sessions, Throttle, is_loopback, origin_of, own_origins
from safet_tui.service.users import Person


def serve_args(*argv: str):
    args = build_parser().parse_args(["serve", *argv])
    for name, default in (("user", None), ("config", None), ("role", "seller"), ("files_in", None)):
        if not hasattr(args, name):
            setattr(args, name, default)
    return args


def test_each_visitor_runs_the_desk_as_their_own_user_and_role_in_their_folder():
    args = serve_args("--db", "/data/team db.sqlite", "--port", "8123")
    assert args.port == 8123
    ivan = Person("ivan", "amazon")
    command = desk_command(args, ivan, Path("/srv/visitors/ivan"))
    assert command.startswith("exec ")  # the shell becomes the desk
    assert shlex.split(command)[1:] == [
        sys.executable, "-m", "safet_tui", "--db", "/data/team db.sqlite", "--user", "ivan", "--as", "amazon",
        "--files-in", "/srv/visitors/ivan",
    ]
    ana = shlex.split(desk_command(args, Person("ana", "seller"), Path("/srv/visitors/ana"), claim="3417650022"))
    assert ana[ana.index("--as") + 1] == "seller" and ana[-2:] == ["open", "3417650022"]


@pytest.mark.parametrize(("argv", "refused"), [
    (["--host", "0.0.0.0"], "reachable from other machines"),
    (["--host", "192.168.1.20", "--cert", "c.pem"], "--cert and --key go together"),
    (["--as", "amazon"], "--user and --as do not apply"),
    (["--user", "ana"], "--user and --as do not apply"),
    (["--port", "70000"], "not a TCP port"),
])
def test_serve_refuses_what_would_expose_the_desk(argv, refused):
    assert refused in _refusal(serve_args(*argv))


@pytest.mark.parametrize("argv", [[], ["--host", "localhost"], ["--host", "::1"],
                                  ["--host", "0.0.0.0", "--insecure"],
                                  ["--host", "10.0.0.5", "--cert", "c.pem", "--key", "k.pem"]])
def test_serve_accepts_loopback_tls_or_an_explicit_insecure(argv):
    assert _refusal(serve_args(*argv)) is None


def test_serve_with_nobody_to_log_in_says_how_to_add_a_user(tmp_path, capsys):
    pytest.importorskip("textual_serve")
    db = tmp_path / "team.db"
    assert main(["--db", str(db), "--create", "serve", "--port", "8999"]) == 1
    assert "nobody can log in yet: add a user first with 'safet user add" in capsys.readouterr().err


def test_origins_are_this_servers_own():
    assert origin_of("HTTPS://Claims.Example.com:443/desk") == "https://claims.example.com"
    assert own_origins("https://claims.example.com", "0.0.0.0", 8000, "https") == {"https://claims.example.com"}
    loopback = own_origins("http://127.0.0.1:8000", "127.0.0.1", 8000, "http")
    assert {"http://127.0.0.1:8000", "http://localhost:8000"} <= loopback
    assert "http://evil.example" not in loopback
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and not is_loopback("0.0.0.0")


def test_a_session_lasts_its_time_and_ends_with_a_logout():
    now = [0.0]
    sessions = Sessions(clock=lambda: now[0])
    token = sessions.start(Person("ana", "seller"))
    assert sessions.who(token) == Person("ana", "seller") and sessions.who("guess") is None
    now[0] += 13 * 3600
    assert sessions.who(token) is None
    again = sessions.start(Person("ana", "seller"))
    sessions.end(again)
    assert sessions.who(again) is None


def test_failed_logins_wait_out_a_window_per_name_and_per_address():
    now = [0.0]
    throttle = Throttle(per_name=3, per_address=5, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("ana", "10.0.0.1") == 0
        throttle.failed("ana", "10.0.0.1")
    assert throttle.wait("ANA", "10.0.0.9") == 60  # the name, from any address
    assert throttle.wait("bob", "10.0.0.2") == 0
    throttle.failed("bob", "10.0.0.1")
    throttle.failed("cy", "10.0.0.1")
    assert throttle.wait("dee", "10.0.0.1") > 0  # the address, for any name
    now[0] += 61
    assert throttle.wait("ana", "10.0.0.1") == 0


async def test_behind_a_tls_proxy_the_cookies_are_secure_and_the_websocket_url_is_wss():
    pytest.importorskip("textual_serve")
    from aiohttp.test_utils import TestClient, TestServer

    from safet_tui.cli.web.server import GuardedServer

    ana = Person("ana", "seller")
    server = GuardedServer(command_for=lambda person, claim: "true",
                           check=lambda name, secret: ana if (name, secret) == ("ana", "right one") else None,
                           origins=own_origins("https://claims.example.com", "127.0.0.1", 8000, "http"),
                           public_url="https://claims.example.com", host="127.0.0.1", port=8000)
    async with TestClient(TestServer(await server._make_app())) as client:
        form = await client.get("/login?next=https://evil.example/")
        page = await form.text()
        assert 'name="next" value="/"' in page  # never sent on to another site
        assert "Secure" in form.headers["Set-Cookie"] and "HttpOnly" in form.headers["Set-Cookie"]
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        login = await client.post("/login", data={"csrf": csrf, "name": "ana", "secret": "right one", "next": "/"},
                                  headers={"Origin": "https://claims.example.com"}, allow_redirects=False,
                                  cookies={"safet_login": csrf})  # a Secure cookie is not sent over http
        assert login.status == 303
        cookie = login.cookies["safet_session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
        desk = await client.get("/", cookies={"safet_session": cookie.value})
        assert 'data-session-websocket-url="wss://claims.example.com/ws"' in await desk.text()
        refused = await client.get("/ws", headers={"Origin": "https://claims.example.com.evil.example"},
                                   cookies={"safet_session": cookie.value})
        assert refused.status == 403


async def test_a_user_removed_or_given_another_role_since_the_login_gets_no_desk():
    pytest.importorskip("textual_serve")
    from aiohttp.test_utils import TestClient, TestServer

    from safet_tui.cli.web.server import GuardedServer

    table = {"ana": Person("ana", "seller")}
    server = GuardedServer(command_for=lambda person, claim: "true",
                           check=lambda name, secret: table.get(name) if secret == "right one" else None,
                           lookup=table.get, origins=frozenset({"http://127.0.0.1:8000"}),
                           public_url="http://127.0.0.1:8000", host="127.0.0.1", port=8000)
    async with TestClient(TestServer(await server._make_app())) as client:
        page = await (await client.get("/login")).text()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        login = await client.post("/login", data={"csrf": csrf, "name": "ana", "secret": "right one", "next": "/"},
                                  headers={"Origin": "http://127.0.0.1:8000"}, allow_redirects=False,
                                  cookies={"safet_login": csrf})
        session = {"safet_session": login.cookies["safet_session"].value}
        table["ana"] = Person("ana", "amazon")  # safet user remove ana; safet user add ana --role amazon
        ws = await client.get("/ws", headers={"Origin": "http://127.0.0.1:8000"}, cookies=session)
        assert ws.status == 403
        assert server.sessions.who(session["safet_session"]) is None  # the session is over
