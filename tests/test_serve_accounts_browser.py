"""``safet serve`` and a seller tied to one account, in Debian's Chromium (Playwright, headless):
a deep link to another account's claim opens the desk saying "No claim", as for a claim that
does not exist, and the desk they get shows only their account's claims."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from serve_support import needs_browser, needs_serve, serving
from test_serve_browser import DRAWN, PASSWORD

from safet_tui.service.desk import Desk
from safet_tui.service.users import Users

MINE, THEIRS = "Saffron Home", "Northwind Goods"
#: the text drawn so far without its escape sequences (a style change may fall between two words)
PLAIN = r"window.drawn.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    needs_serve()
    from safet_tui.demo.generate import generate

    path = tmp_path_factory.mktemp("accounts") / "team.db"
    generate(str(path), claims=30, seed=11, now=datetime.now(UTC))
    users = Users(str(path))
    users.add("sam", "seller", PASSWORD, (MINE,))
    users.close()
    desk = Desk(str(path), user="nobody-in-particular")
    try:
        rows = [r for tab in ("awaiting", "investigating", "resolved") for r in desk.window(tab, 0, 100)]
    finally:
        desk.close()
    assert {r.account for r in rows} == {MINE, THEIRS}
    folders = tmp_path_factory.mktemp("folders")
    with serving(path, folders, folders.parent / "serve.log") as url:
        yield url, rows


def test_a_deep_link_to_another_accounts_claim_is_no_claim_and_the_list_is_theirs(team):
    needs_browser()
    from playwright.sync_api import sync_playwright

    url, rows = team
    theirs = next(r.claim_no for r in rows if r.account == THEIRS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(DRAWN)
            page.goto(f"{url}/claim/{theirs}")
            page.fill("#name", "sam")
            page.fill("#secret", PASSWORD)
            page.click("#login")
            page.wait_for_url(f"{url}/claim/{theirs}")
            page.wait_for_selector("#terminal.-connected", timeout=60_000)
            page.wait_for_function(f"t => {PLAIN}.includes(t)", arg=f"No claim {theirs}", timeout=60_000)
            page.wait_for_function(f"t => {PLAIN}.includes(t)", arg=MINE, timeout=60_000)
            drawn = page.evaluate(f"() => {PLAIN}")
            assert THEIRS not in drawn
            assert not any(r.claim_no in drawn for r in rows if r.account == THEIRS and r.claim_no != theirs)
        finally:
            browser.close()
