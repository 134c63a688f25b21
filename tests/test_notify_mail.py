"""`safet notify` against a real SMTP server on loopback: the messages read off the wire."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from pg_support import write_elsewhere

from safet_tui.cli.main import main
from safet_tui.domain.clock import Clock
from safet_tui.domain.money import Money
from safet_tui.service.desk import Desk
from tests.conftest import NOW
from tests.notify_support import MailServer, investigating, parts, write_config

HOSTILE = "Mixer\r\nBcc: victim@example.net\r\n\r\n<script>alert(1)</script> \x1b[31mred\x1b[0m [b]x[/b]"


@pytest.fixture
def frozen(monkeypatch):
    """Every desk the command opens reads the tests' clock."""
    monkeypatch.setattr(Clock, "now", lambda self: NOW)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)
    monkeypatch.setenv("SAFET_SMTP_PASSWORD", "hunter2-secret")


def notify(db, cfg, *extra: str) -> int:
    return main(["notify", "--db", str(db), "--config", str(cfg), *extra])


@pytest.mark.backends("sqlite", "postgresql")
def test_a_decision_is_mailed_once_with_both_parts_and_the_link(demo_db, clock, tmp_path, frozen, capsys):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    amazon = seller.as_role("amazon", "ivan")
    no = investigating(seller, 1)[0]
    write_elsewhere(demo_db, "UPDATE product SET title = ? WHERE id = (SELECT product_id FROM claim WHERE claim_no = ?)",
                    (HOSTILE, no))
    amazon.request_info(no, "Please send the invoice.\x1b[2J <b>now</b>")
    seller.close()
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port, 'ssh_host = "desk.example.com"\n'
                           'public_url = "https://desk.example.com/safet/"')
        assert notify(demo_db, cfg, "--no-reminders") == 0
        assert len(server.messages) == 1, [m["Subject"] for m in server.messages]
        msg = server.messages[0]
        # the seller is told; the investigator who asked is not
        assert server.recorder.envelopes[0] == ("safet@example.com", ["maria@example.com"])
        assert msg["To"] == "maria@example.com"
        assert msg["Subject"] == f"[safet] Claim {no}: Awaiting Seller Response · amazon.com"
        assert msg["Bcc"] is None and "victim" not in str(msg["Subject"])
        assert msg.get_content_type() == "multipart/alternative"
        plain, html = parts(msg)
        assert "Under Investigation → Awaiting Seller Response" in plain
        assert "Reply by: 2026-11-30 04:00 PST (America/Los_Angeles), 7d 0h left" in plain and "PST (America/Los_Angeles)" in plain
        assert f"Open: ssh desk.example.com -t safet --db {demo_db} --config {cfg} open {no}" in plain
        assert f"In a browser: https://desk.example.com/safet/?claim={no}\r\n  then : and {no} opens the claim" in plain
        assert "> Please send the invoice.␛[2J <b>now</b>" in plain
        # hostile text: one line, escapes visible, markup inert in HTML
        assert "Mixer Bcc: victim@example.net" in plain and "\x1b" not in plain and "\x1b" not in html
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;now&lt;/b&gt;" in html
        assert f'<a href="https://desk.example.com/safet/?claim={no}">' in html
        assert "$" in plain and "Claimed: $" in plain
        # a second run sends nothing new
        assert notify(demo_db, cfg, "--no-reminders") == 0
        assert len(server.messages) == 1
    assert "hunter2" not in capsys.readouterr().out


def test_an_investigators_decision_goes_to_the_seller_not_the_investigator(demo_db, clock, tmp_path, frozen):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    amazon = seller.as_role("amazon", "ivan")
    a, b = investigating(seller, 2)
    amazon.grant(a, Money.of("1.00", seller.claim(a).claimed.currency), "part of it")
    amazon.no_grant(b, "No proof of delivery")
    seller.close()
    users = """
[notifications.roles]
amazon = ["all"]

[notifications.users.maria]
email = "maria@example.com"

[notifications.users.ivan]
email = "ivan@example.com"
role = "amazon"
"""
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port, users=users)
        assert notify(demo_db, cfg, "--no-reminders") == 0
        to = sorted(rcpt[0] for _, rcpt in server.recorder.envelopes)
        assert to == ["maria@example.com", "maria@example.com"]
        subjects = sorted(m["Subject"] for m in server.messages)
        assert subjects == sorted([f"[safet] Claim {a}: Resolved (Partial grant) · amazon.com",
                                   f"[safet] Claim {b}: Resolved (No-Grant) · amazon.com"])


def test_a_refusing_server_leaves_the_outbox_intact_in_one_line(demo_db, clock, tmp_path, frozen, capsys):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    no = investigating(seller, 1)[0]
    seller.as_role("amazon", "ivan").no_grant(no, "No proof")
    seller.close()
    from tests.notify_support import free_port

    cfg = write_config(tmp_path / "c.toml", free_port())  # nobody listens there
    capsys.readouterr()
    assert notify(demo_db, cfg, "--no-reminders") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "hunter2" not in err
    first = err.splitlines()[0]
    assert first.startswith("safet notify: mail server 127.0.0.1:") and "nothing was lost" in first
    con = sqlite3.connect(demo_db)
    assert con.execute("SELECT COUNT(*) FROM delivery").fetchone()[0] == 0
    pending = con.execute("SELECT attempts, next_try_at, last_error FROM outbox WHERE done_at IS NULL").fetchall()
    assert len(pending) == 1 and pending[0][0] == 1 and pending[0][1] > int(NOW.timestamp())
    con.close()


def test_dry_run_prints_cleaned_and_changes_nothing(demo_db, clock, tmp_path, frozen, monkeypatch, capsys):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    no, asked = investigating(seller, 2)
    seller.as_role("amazon", "ivan").no_grant(no, "Bad \x1b]0;owned\x07 proof")
    seller.as_role("amazon", "ivan").request_info(asked, "Invoice please")
    seller.close()
    monkeypatch.setattr(Clock, "now", lambda self: NOW + timedelta(days=8))  # asked's reply-by passed
    con = sqlite3.connect(demo_db)
    before = con.execute("SELECT COUNT(*), SUM(done_at IS NULL) FROM outbox").fetchone()
    claims = con.execute("SELECT * FROM claim ORDER BY id").fetchall()
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port)
        capsys.readouterr()
        assert notify(demo_db, cfg, "--dry-run") == 0
        assert server.messages == []
    out = capsys.readouterr().out
    assert f"Subject: [safet] Claim {no}: Resolved (No-Grant) · amazon.com" in out
    assert "To: maria@example.com" in out
    assert "\x1b" not in out and "\x07" not in out and "␛]0;owned␇" in out
    assert "reminder" in out  # reminders due now are shown too, then not queued
    assert f"Subject: [safet] Claim {asked}: Resolved (No-Grant)" in out  # time passing shown, not applied
    assert con.execute("SELECT * FROM claim ORDER BY id").fetchall() == claims
    assert con.execute("SELECT COUNT(*), SUM(done_at IS NULL) FROM outbox").fetchone() == before
    assert con.execute("SELECT COUNT(*) FROM delivery").fetchone()[0] == 0
    con.close()


def test_reminders_and_digest_one_mail_per_recipient(demo_db, clock, tmp_path, frozen):
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port, "digest_minutes = 30")
        assert notify(demo_db, cfg) == 0
        assert len(server.messages) == 1  # maria's digest; ivan (an investigator) wants nothing by default
        msg = server.messages[0]
        assert msg["Subject"].startswith("[safet] ") and "reminders" in msg["Subject"]
        plain, html = parts(msg)
        assert "Reply by within 24 h" in plain or "reply by within 24 h" in plain
        assert "file by within 3 days" in plain and "Refunded: " in plain
        assert "<table>" in html
        # within the digest period: nothing more, even with news
        seller = Desk(str(demo_db), clock=clock, user="maria")
        seller.as_role("amazon", "ivan").no_grant(investigating(seller, 1)[0], "No proof")
        seller.close()
        assert notify(demo_db, cfg) == 0
        assert len(server.messages) == 1
        con = sqlite3.connect(demo_db)
        assert con.execute("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL").fetchone()[0] == 1
        con.close()
