"""Review of `safet notify`: a password smtplib cannot send, a watcher outliving a busy database,
a claim number that would read as an option in the e-mail's command."""

from __future__ import annotations

import pytest

from safet_tui.cli.main import main
from safet_tui.domain.clock import Clock
from safet_tui.service.desk import Desk
from tests.conftest import NOW
from tests.notify_support import MailServer, decide, write_config


@pytest.fixture
def fixed(monkeypatch):
    monkeypatch.setattr(Clock, "now", lambda self: NOW)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_password_smtplib_cannot_encode_is_one_line_not_a_traceback(demo_db, clock, tmp_path, fixed,
                                                                        monkeypatch, capsys):
    decide(demo_db, clock)
    monkeypatch.setenv("SAFET_SMTP_PASSWORD", "pässwörd-geheim")
    with MailServer(login=("robot", "x")) as server:
        cfg = write_config(tmp_path / "c.toml", server.port)
        cfg.write_text(cfg.read_text().replace("timeout = 5\n", 'timeout = 5\nusername = "robot"\n'))
        capsys.readouterr()
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 1
        out = capsys.readouterr()
        assert "not usable" in out.err and "geheim" not in out.err + out.out
        assert server.messages == []


def test_watch_outlives_a_writer_holding_the_database_and_sends_after(demo_db, clock, tmp_path, fixed):
    import sqlite3

    from safet_tui.config import load_config
    from safet_tui.notify.compose import Links
    from safet_tui.notify.runner import Notifier

    decide(demo_db, clock)
    with MailServer() as server:
        settings = load_config(write_config(tmp_path / "c.toml", server.port, "watch_interval = 0.05")).notifications
        importer = sqlite3.connect(demo_db, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")  # an import holding the write lock
        reports = []

        def report(result) -> None:
            reports.append(result)
            if importer.in_transaction:
                importer.execute("COMMIT")

        from safet_tui.notify.smtp import SmtpTransport

        desk = Desk(str(demo_db), clock=clock, user="notify")
        notifier = Notifier(desk, settings, Links(), reminders=False, lock_wait=0.1,
                            stop=lambda: any(r.sent for r in reports))
        notifier.watch(lambda: SmtpTransport(settings.smtp, settings.from_address), report, rescan=0.05)
        desk.close()
        importer.close()
        assert "busy" in reports[0].error and reports[-1].sent == 1 and len(server.messages) == 1


@pytest.mark.parametrize("claim_no", ["x;touch /tmp/pwned", "--config=/tmp/evil.toml", "$(id)", "3417650022"])
def test_the_emailed_command_opens_exactly_that_claim_locally_and_over_ssh(claim_no):
    import shlex

    from safet_tui.cli.main import build_parser
    from safet_tui.notify.compose import Links

    command = ("safet", "--db", "/srv/my desk.db")
    local = shlex.split(Links(command).open_command(claim_no))
    args = build_parser().parse_args(local[1:])
    assert (args.db, args.claim_id) == ("/srv/my desk.db", claim_no)
    over_ssh = shlex.split(Links(command, ssh_host="desk.example.com").open_command(claim_no))
    assert over_ssh[:3] == ["ssh", "desk.example.com", "-t"]
    remote = shlex.split(" ".join(over_ssh[3:]))  # ssh hands the remote shell its words joined by spaces
    args = build_parser().parse_args(remote[1:])
    assert remote[0] == "safet" and (args.db, args.claim_id) == ("/srv/my desk.db", claim_no)


class _Collect:
    def __init__(self, during_first=None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.during_first = during_first

    def send(self, msg, recipient: str) -> None:
        self.sent.append((str(msg["Message-ID"]), recipient))
        if self.during_first is not None:
            hook, self.during_first = self.during_first, None
            hook()

    def close(self) -> None:
        pass


@pytest.mark.backends("sqlite", "postgresql")
def test_a_second_run_started_while_one_is_sending_sends_nothing_twice(demo_db, clock, tmp_path, fixed):
    from safet_tui.config import load_config
    from safet_tui.notify.compose import Links
    from safet_tui.notify.runner import Notifier

    for _ in range(3):
        decide(demo_db, clock)
    settings = load_config(write_config(tmp_path / "c.toml", 25, users="""
[notifications.users.maria]
email = "maria@example.com"
""")).notifications
    desks = [Desk(str(demo_db), clock=clock, user="notify") for _ in range(2)]
    second = _Collect()
    results = []
    # cron starts the next run while the last one is still sending (a big import takes minutes)
    first = _Collect(lambda: results.append(Notifier(desks[1], settings, Links(), reminders=False).run(second)))
    results.insert(0, Notifier(desks[0], settings, Links(), reminders=False).run(first))
    for d in desks:
        d.close()
    everything = first.sent + second.sent
    assert len(everything) == len(set(everything)) == 3
    assert results[1].skipped and "another safet notify" in results[1].line() and not results[1].error


def test_dry_run_prints_after_letting_go_of_the_write_lock(demo_db, clock, tmp_path, fixed, monkeypatch):
    """``safet notify --dry-run | less``: a reader taking its time must not hold every desk's writes."""
    import sqlite3
    import sys

    decide(demo_db, clock)
    cfg = write_config(tmp_path / "c.toml", 25)
    other = sqlite3.connect(demo_db, isolation_level=None, timeout=0)
    free_while_printing: list[bool] = []

    class Reader:
        def write(self, text: str) -> int:
            if text.strip():
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("ROLLBACK")
                    free_while_printing.append(True)
                except sqlite3.OperationalError:
                    free_while_printing.append(False)
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Reader())
    assert main(["notify", "--dry-run", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
    other.close()
    assert free_while_printing and all(free_while_printing)


def test_e_mails_share_the_parsed_sender_and_recipient_headers():
    """Parsing an address header is a good part of building an e-mail: done once per run, not per
    e-mail (the bytes on the wire are the same)."""
    from datetime import UTC, datetime

    from safet_tui.notify.compose import Links, build
    from safet_tui.notify.gather import Notice

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    first, second = (build([Notice(i, f"status:{i}", "status", claim_no=str(i), title="Mixer\r\nBcc: x@y")],
                           "maria@example.com", "safet <safet@example.com>", Links(), now) for i in (1, 2))
    assert first["From"] is second["From"] and first["To"] is second["To"]
    head = first.as_bytes().split(b"\r\n\r\n")[0]
    assert b"From: safet <safet@example.com>\r\n" in head and b"To: maria@example.com\r\n" in head
    assert b"Bcc" not in head


def test_filing_a_claim_does_not_hide_a_change_from_the_count(demo_db, clock, fixed):
    from datetime import timedelta

    from safet_tui.domain.money import Money

    desk = Desk(str(demo_db), clock=clock, user="maria")
    after = desk.status_changes_after(None)[0]
    account = desk.accounts()[0]
    desk.file_claim(account_id=account.id, order_id="111-0000001-0000001", order_item_id="1", reason_code="abuse",
                    amount=Money.of("12", account.currency), description="x",
                    refund_at=clock.now() - timedelta(days=1), sku="MUG-1", title="Mug")
    decide(demo_db, clock, 4)  # another terminal
    _, shown, total = desk.status_changes_after(after, 3)
    desk.close()
    assert len(shown) == 3 and total == 4


def test_an_address_the_server_cannot_take_does_not_hold_back_the_others(demo_db, clock, tmp_path, fixed, capsys):
    from aiosmtpd.controller import Controller

    decide(demo_db, clock)
    mail = MailServer()
    mail.controller = Controller(mail.recorder, hostname="127.0.0.1", port=mail.port, enable_SMTPUTF8=False)
    with mail as server:  # no SMTPUTF8: a non-ASCII mailbox cannot be sent to
        cfg = write_config(tmp_path / "c.toml", server.port, users="""
[notifications.users.maria]
email = "maría@example.com"

[notifications.users.bob]
email = "bob@example.com"
""")
        capsys.readouterr()
        main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)])
        out = capsys.readouterr()
        assert [to for _, to in server.recorder.envelopes] == [["bob@example.com"]]
        assert "refused: maría@example.com" in out.err and "Traceback" not in out.err


def test_an_e_mail_shows_hidden_characters_as_the_desk_does():
    """One cleaning for every place text is shown (domain.printable): a bidi override in a product
    title is named, not turned into a bare replacement character, and a line break is no header."""
    from datetime import UTC, datetime

    from safet_tui.domain.printable import clean
    from safet_tui.notify.compose import Links, build
    from safet_tui.notify.gather import Notice

    title = "Mixer \u202egpj.exe\x9b31m\r\nBcc: x@y"
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    msg = build([Notice(1, "status:1", "status", claim_no="1", title=title)], "maria@example.com",
                "safet <safet@example.com>", Links(), now)
    plain = msg.get_body(preferencelist=("plain",)).get_content()
    assert f"Product: {clean(title)}" in plain and "⟨RLO⟩" in plain and "⟨U+009B⟩" in plain
    assert "\u202e" not in plain and "\ufffd" not in plain


def test_the_notify_command_writes_through_the_clis_one_output_path(demo_db, clock, tmp_path, fixed, monkeypatch,
                                                                    capsys):
    from safet_tui.cli import output

    written: list[str] = []
    monkeypatch.setattr(output, "out", lambda text="": written.append(f"out {text}"))
    monkeypatch.setattr(output, "err", lambda text: written.append(f"err {text}"))
    decide(demo_db, clock)
    cfg = write_config(tmp_path / "c.toml", 25)
    assert main(["notify", "--dry-run", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
    assert any(w.startswith("out --- e-mail 1 ---") for w in written)
    assert written[-1].startswith("out ") and "would be sent" in written[-1]
    assert capsys.readouterr().out == ""
