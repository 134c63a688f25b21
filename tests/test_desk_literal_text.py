"""User text is shown literally: markup, ANSI escapes and control characters stay inert."""

from __future__ import annotations

from decimal import Decimal

from desk_support import make_app, screen_text, settle, wait_for, wait_for_screen

from safet_tui.db import Account, Product, Refund
from safet_tui.domain.money import Money
from safet_tui.screens.thread import ThreadScreen
from safet_tui.service.desk import Desk
from safet_tui.widgets.text import clean, literal

EVIL_TITLE = "[bold red]PWNED[/] [link=http://evil.example]click[/link] \x1b[31mred\x1b[0m\x07"
EVIL_BODY = "[reverse]hidden[/reverse]\n\x1b[2J\x1b[Hcleared? \x1b]52;c;ZXZpbA==\x07 tab\there"
EVIL_FILE = "[blink]x[-blink]\x1b[5m.pdf"


def test_clean_makes_control_characters_visible():
    assert clean("a\x1b[31mb") == "a␛[31mb"
    assert clean("bell\x07") == "bell␇"
    assert clean("line\nbreak") == "line break"
    assert clean("line\nbreak", newlines=True) == "line\nbreak"
    assert literal("[bold]x[/bold]").plain == "[bold]x[/bold]"
    assert literal("[bold]x[/bold]").spans == []


async def test_markup_and_escapes_in_claim_data_render_literally(empty_desk, clock, tmp_path):
    account = Account.create(name="Evil [b]Shop[/b]", marketplace="amazon.com", currency="USD")
    product = Product.create(account=account, sku="[i]SKU[/i]", asin="B0EVIL", title=EVIL_TITLE)
    refund_at = clock.now().replace(day=20)
    Refund.create(account=account, product=product, order_id="112-1234567-7654321", order_item_id="1",
                  currency="USD", amount_minor=1999, refund_at=refund_at, created_at=refund_at)
    evil = tmp_path / EVIL_FILE
    evil.write_bytes(b"x")
    view = empty_desk.file_claim(
        account_id=account.id, order_id="112-1234567-7654321", order_item_id="1", reason_code="abuse",
        amount=Money(Decimal("19.99"), "USD"), description=EVIL_BODY, refund_at=refund_at,
    )
    empty_desk.attach(view.claim_no, str(evil))
    db_path = empty_desk.target.path
    empty_desk.close()

    app = make_app(db_path, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "[bold red]PWNED[/]" in screen_text(app))  # the title, verbatim
        await settle(pilot)
        home_text = screen_text(app)
        assert "\x1b" not in home_text and "\x07" not in home_text
        await pilot.press("enter")
        await wait_for_screen(pilot, ThreadScreen)
        thread_text = screen_text(app)
        assert "[reverse]hidden[/reverse]" in thread_text
        assert "␛[2J" in thread_text and "␛]52;c;ZXZpbA==␇" in thread_text
        assert "[blink]x[-blink][5m.pdf" in thread_text  # markup literal; the ESC is dropped from a stored name
        assert "\x1b" not in thread_text
    Desk(str(db_path), clock=clock).close()
