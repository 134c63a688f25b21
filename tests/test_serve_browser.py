"""``safet serve`` as a visitor and as an attacker meet it: a real server on loopback, Debian's
Chromium driven by Playwright (headless), and a websocket opened by hand from another origin.

The served desks run on the real clock (they are other processes), so the database here is a
demo made for now, not for the tests' fixed clock."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from serve_support import needs_browser, needs_serve, serving, wait_until

from safet_tui.service.desk import Desk
from safet_tui.service.users import Users

PASSWORD = "correct horse battery"
#: what the desk draws in the page (the terminal is a canvas): its websocket's frames, as text
DRAWN = """(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.drawn = "";
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    socket.addEventListener("message", (e) => {
      window.drawn += typeof e.data === "string" ? e.data : decoder.decode(e.data, {stream: true});
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})()"""


@pytest.fixture(scope="module")
def team_db(tmp_path_factory):
    """A small demo database made for the real time now, with a seller and an investigator."""
    needs_serve()
    from safet_tui.demo.generate import generate

    path = tmp_path_factory.mktemp("team") / "team.db"
    generate(str(path), claims=30, seed=11, now=datetime.now(UTC))
    users = Users(str(path))
    users.add("ana", "seller", PASSWORD)
    users.add("ivan", "amazon", PASSWORD)
    users.close()
    return path


@pytest.fixture(scope="module")
def server(team_db, tmp_path_factory):
    folders = tmp_path_factory.mktemp("folders")
    with serving(team_db, folders, folders.parent / "serve.log") as url:
        yield url


def awaiting_claim(db) -> str:
    """A claim waiting on the seller, unread by ana (so opening it shows: it becomes read)."""
    desk = Desk(str(db), user="ana")
    try:
        claim_no = desk.window("awaiting", 0, 1)[0].claim_no
        desk.mark_read([claim_no], read=False)
        assert desk.claim(claim_no).unread
        return claim_no
    finally:
        desk.close()


def test_a_seller_logs_in_on_a_deep_link_replies_and_the_reply_is_on_the_database(team_db, server):
    needs_browser()
    from playwright.sync_api import sync_playwright

    claim_no = awaiting_claim(team_db)
    text = "Photos of the damaged tray are attached"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(DRAWN)
            page.goto(f"{server}/claim/{claim_no}")
            assert re.search(r"/login\?next=/claim/", page.url)  # no desk before a login

            page.fill("#name", "ana")
            page.fill("#secret", "not the password")
            page.click("#login")
            assert page.locator("#error").inner_text() == "Wrong user name or password."
            assert not [c for c in page.context.cookies() if c["name"] == "safet_session"]

            page.fill("#name", "ana")
            page.fill("#secret", PASSWORD)
            page.click("#login")
            page.wait_for_url(f"{server}/claim/{claim_no}")
            cookie = next(c for c in page.context.cookies() if c["name"] == "safet_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            page.wait_for_selector("#terminal.-connected", timeout=60_000)

            desk = Desk(str(team_db), user="ana")
            try:
                # the thread is on ana's screen once her desk has marked it read
                wait_until(lambda: not desk.claim(claim_no).unread, "the deep link to open the thread")
                page.click("#terminal")
                page.keyboard.press("r")
                # "r" focuses the reply at once; the text goes in as one input (as a paste does),
                # and ctrl+s once the desk has drawn it (sent at once, it could overtake the text)
                page.keyboard.insert_text(text)
                page.wait_for_function("t => window.drawn.includes(t)", arg=text)
                page.keyboard.press("Control+e")  # no $EDITOR in a browser: said, and the desk lives on
                page.wait_for_function("() => window.drawn.includes('$EDITOR is not available')")
                page.keyboard.press("Control+s")
                view = wait_until(
                    lambda: (v := desk.claim(claim_no)) and [m for m in v.thread if m.kind == "message"
                                                             and m.body == text] and v,
                    "the reply on the database")
                assert view.status.value == "investigating"  # the seller's reply, as ana the seller
            finally:
                desk.close()
        finally:
            browser.close()


async def _login(session, url: str, name: str, secret: str, origin: str | None = None):
    form = await (await session.get(f"{url}/login")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    headers = {"Origin": origin} if origin else {}
    return await session.post(f"{url}/login", data={"csrf": csrf, "name": name, "secret": secret, "next": "/"},
                              headers=headers, allow_redirects=False)


def test_a_websocket_from_another_origin_or_without_a_login_is_refused(server):
    import aiohttp

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as anonymous:
            with pytest.raises(aiohttp.WSServerHandshakeError) as no_login:
                await anonymous.ws_connect(f"{server}/ws", origin=server)
            assert no_login.value.status == 403
            page = await anonymous.get(f"{server}/", allow_redirects=False)
            assert page.status == 303 and page.headers["Location"] == "/login?next=/"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
            refused = await _login(visitor, server, "ana", PASSWORD, origin="https://evil.example")
            assert refused.status == 403  # a login posted from another site's page
            logged_in = await _login(visitor, server, "ana", PASSWORD)
            assert logged_in.status == 303
            with pytest.raises(aiohttp.WSServerHandshakeError) as foreign:
                await visitor.ws_connect(f"{server}/ws", origin="https://evil.example")
            assert foreign.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as no_origin:
                await visitor.ws_connect(f"{server}/ws")
            assert no_origin.value.status == 403
            index = await (await visitor.get(f"{server}/")).text()
            assert f'data-session-websocket-url="{server.replace("http", "ws")}/ws"' in index

    asyncio.run(scenario())


def test_failed_logins_are_throttled_per_name(server):
    import aiohttp

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as guesser:
            statuses = [(await _login(guesser, server, "ivan", f"guess number {n}")).status for n in range(6)]
            assert statuses == [401] * 5 + [429]
            # the right password too waits out the window: nothing is checked meanwhile
            assert (await _login(guesser, server, "ivan", PASSWORD)).status == 429

    asyncio.run(scenario())
