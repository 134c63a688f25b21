"""The rules of notifications (domain.notices) and the e-mail they make (notify.compose)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from safet_tui.config import ConfigError, parse_config
from safet_tui.domain.money import Money
from safet_tui.domain.notices import (
    About,
    Deadline,
    Level,
    digest_due,
    reminder_key,
    reminder_level,
    retry_delay,
    wants,
)
from safet_tui.notify.compose import Links, build, one_line
from safet_tui.notify.gather import Notice

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "left", "level"), [
    (Deadline.REPLY_BY, timedelta(hours=49), None),
    (Deadline.REPLY_BY, timedelta(hours=48), Level.H48),
    (Deadline.REPLY_BY, timedelta(hours=30), Level.H48),
    (Deadline.APPEAL_BY, timedelta(hours=24), Level.H24),
    (Deadline.APPEAL_BY, timedelta(minutes=1), Level.H24),
    (Deadline.APPEAL_BY, timedelta(0), Level.PASSED),
    (Deadline.REPLY_BY, -timedelta(days=7), Level.PASSED),
    (Deadline.REPLY_BY, -timedelta(days=8), None),  # old news
    (Deadline.FILE_BY, timedelta(days=4), None),
    (Deadline.FILE_BY, timedelta(days=3), Level.D3),
    (Deadline.FILE_BY, timedelta(hours=2), Level.D3),
    (Deadline.FILE_BY, -timedelta(hours=2), Level.PASSED),
])
def test_reminder_levels(kind, left, level):
    assert reminder_level(kind, NOW + left, NOW) is level


def test_a_reminder_key_names_the_deadline_and_the_level():
    key = reminder_key(Deadline.REPLY_BY, "3417650022", NOW, Level.H24)
    assert key == f"reminder:reply_by:3417650022:{int(NOW.timestamp())}:24h"
    # a new reply-by (a second request) is new news
    assert reminder_key(Deadline.REPLY_BY, "3417650022", NOW + timedelta(days=9), Level.H24) != key


def test_who_is_told():
    about = About("Northwind Goods", frozenset({"maria"}), by="ivan")
    assert wants("maria", ["all"], about)
    assert not wants("ivan", ["all"], about)  # never of one's own change
    assert wants("maria", ["touched"], about) and not wants("bob", ["touched"], about)
    assert wants("bob", ["account:northwind goods"], about) and not wants("bob", ["account:Other"], about)
    assert not wants("bob", [], about)


def test_retries_and_digests():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 7, 20)] == [1, 2, 4, 60, 60]
    assert digest_due(None, NOW, 30) and digest_due(NOW, NOW, 0)
    assert not digest_due(NOW - timedelta(minutes=29), NOW, 30) and digest_due(NOW - timedelta(minutes=30), NOW, 30)


def hostile_notice() -> Notice:
    return Notice(
        1, "status:1", "status", account="Acme\r\nBcc: evil@example.net", marketplace="amazon.in",
        timezone="Asia/Kolkata", claim_no="3417650022\r\nX-Injected: yes", order_id="402-1\n\x1b[2J",
        sku="SKU", title="Title\r\n\r\n<img src=x onerror=alert(1)>", status="Resolved", outcome="Partial grant",
        claimed=Money.of("123456", "INR"), reimbursed=Money.of("1000.50", "INR"),
        deadline=(Deadline.APPEAL_BY, NOW + timedelta(days=2), True),
        change=("Under Investigation", "Resolved", "grant", "amazon", "ivan", NOW, "a\x07note"),
        latest=(NOW, "line one\r\nline two <b>bold</b> \x1b]8;;http://evil\x1b\\link"),
        about=About("Acme"))


def test_no_header_injection_and_inert_text():
    msg = build([hostile_notice()], "maria@example.com", "safet <safet@example.com>", Links(), NOW)
    wire = msg.as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    subject = " ".join(parsed["Subject"].split())  # unfolded
    assert subject == "[safet] Claim 3417650022 X-Injected: yes: Resolved (Partial grant) · amazon.in"
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "\x1b" not in plain + html and "\x07" not in plain + html
    assert "Claimed: ₹1,23,456.00" in plain and "Reimbursed: ₹1,000.50" in plain
    assert "Appeal by: ~2026-11-25 17:30 IST (Asia/Kolkata), 2d 0h left (estimated)" in plain
    assert "> line one\n> line two <b>bold</b> ␛]8;;http://evil␛\\link" in plain.replace("\r\n", "\n")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html
    assert "Open: safet open '3417650022 X-Injected: yes'" in plain  # quoted, one line
    assert "\nX-Injected" not in plain and "\nBcc" not in plain


def test_the_policy_refuses_a_raw_line_break_in_a_header():
    msg = EmailMessage(policy=policy.SMTP)
    with pytest.raises(ValueError):
        msg["Subject"] = "hi\r\nBcc: evil@example.net"
    assert one_line("a\r\nb\nc\x1b") == "a b c␛"


def test_notification_settings_are_checked_and_the_password_hidden():
    cfg = parse_config({"notifications": {
        "from": "safet <s@example.com>", "digest_minutes": 15,
        "smtp": {"host": "smtp.example.com", "password": "pw-123", "security": "tls"},
        "users": {"maria": {"email": "maria@example.com", "subscribe": ["touched", "account:Acme"]}}}})
    n = cfg.notifications
    assert n.smtp.address == "smtp.example.com:465" and n.digest_minutes == 15
    assert "pw-123" not in repr(n) and n.smtp.secret() == "pw-123"
    assert n.subscriptions(n.people[0]) == ("touched", "account:Acme")
    for bad, says in (
        ({"users": {"x": {"email": "a@b, c@d"}}}, "is not one e-mail address"),
        ({"users": {"x": {"email": "a@b", "subscribe": ["everything"]}}}, "unknown subscription"),
        ({"smtp": {"security": "ssl"}}, "security must be one of"),
        ({"from": "a@b\r\nBcc: c@d"}, "must be one line"),
        ({"bogus": 1}, "unknown setting(s) bogus"),
    ):
        with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
            parse_config({"notifications": bad})


def test_a_big_digest_shows_reminders_first_and_counts_the_rest():
    from dataclasses import replace

    from safet_tui.notify.compose import DIGEST_DETAIL

    base = hostile_notice()
    changes = [replace(base, outbox_id=i, key=f"status:{i}", claim_no=str(3_400_000_000 + i),
                       account="Acme", title="Mixer") for i in range(DIGEST_DETAIL + 10)]
    reminder = replace(changes[0], outbox_id=999, key="reminder:x", change=None,
                       reminder=(Deadline.APPEAL_BY, Level.H24, NOW + timedelta(hours=20)))
    msg = build([*changes, reminder], "maria@example.com", "safet <s@example.com>", Links(), NOW)
    assert msg["Subject"] == f"[safet] {DIGEST_DETAIL + 11} updates: {DIGEST_DETAIL + 10} claim changes, 1 reminder"
    plain = msg.get_body(("plain",)).get_content()
    assert plain.index("appeal by within 24 h") < plain.index("Change:")
    assert plain.count("Change: ") == DIGEST_DETAIL - 1
    assert "… and 11 more: open the desk (safet) to see them all." in plain
