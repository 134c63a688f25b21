"""Delivery details: a login from the environment never shown, retries that wait longer each
time, a refused recipient that does not hold back the others, `--watch` sending as changes happen."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from safet_tui.cli.main import main
from safet_tui.demo.generate import generate
from safet_tui.domain.clock import Clock
from safet_tui.service.desk import Desk
from tests.conftest import NOW
from tests.notify_support import MailServer, decide, free_port, investigating, write_config

SMTP_USER = 'username = "robot"\n'


@pytest.fixture
def clock_at(monkeypatch):
    """The command's clock, movable by the test."""
    at = {"now": NOW}
    monkeypatch.setattr(Clock, "now", lambda self: at["now"])
    monkeypatch.delenv("SAFET_CONFIG", raising=False)
    return at


def write_login_config(path, port):
    cfg = write_config(path, port)
    text = cfg.read_text().replace('timeout = 5\n', 'timeout = 5\n' + SMTP_USER)
    cfg.write_text(text)
    return cfg


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_comes_from_the_environment_and_is_never_shown(demo_db, clock, tmp_path, clock_at,
                                                                   monkeypatch, capsys):
    decide(demo_db, clock)
    monkeypatch.setenv("SAFET_SMTP_PASSWORD", "s3cret-pw")
    with MailServer(login=("robot", "s3cret-pw")) as server:
        cfg = write_login_config(tmp_path / "c.toml", server.port)
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
        assert server.logins == [("robot", "s3cret-pw")] and len(server.messages) == 1
    decide(demo_db, clock)
    monkeypatch.setenv("SAFET_SMTP_PASSWORD", "wrong-pw")
    with MailServer(login=("robot", "s3cret-pw")) as server:
        cfg = write_login_config(tmp_path / "c.toml", server.port)
        capsys.readouterr()
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 1
        out = capsys.readouterr()
        assert "535" in out.err and "wrong-pw" not in out.err + out.out and "Traceback" not in out.err
        assert server.messages == []


def test_retries_wait_longer_each_time_then_send(demo_db, clock, tmp_path, clock_at):
    decide(demo_db, clock)
    down = write_config(tmp_path / "down.toml", free_port())
    args = ["notify", "--no-reminders", "--db", str(demo_db), "--config"]
    assert main([*args, str(down)]) == 1
    con = sqlite3.connect(demo_db)
    row = lambda: con.execute("SELECT attempts, next_try_at FROM outbox WHERE done_at IS NULL").fetchone()  # noqa: E731
    assert row() == (1, int((NOW + timedelta(minutes=1)).timestamp()))
    clock_at["now"] = NOW + timedelta(minutes=1)
    assert main([*args, str(down)]) == 1
    assert row() == (2, int((NOW + timedelta(minutes=3)).timestamp()))
    with MailServer() as server:
        up = write_config(tmp_path / "up.toml", server.port)
        assert main([*args, str(up)]) == 0  # not yet due: waits its turn
        assert server.messages == []
        clock_at["now"] = NOW + timedelta(minutes=3)
        assert main([*args, str(up)]) == 0
        assert len(server.messages) == 1
    assert con.execute("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL").fetchone()[0] == 0
    con.close()


def test_a_refused_recipient_does_not_hold_back_the_others(demo_db, clock, tmp_path, clock_at, capsys):
    decide(demo_db, clock, 2)
    users = """
[notifications.users.maria]
email = "maria@example.com"

[notifications.users.bob]
email = "bob@example.com"
"""
    with MailServer() as server:
        server.recorder.refuse_rcpt = "bob@example.com"
        cfg = write_config(tmp_path / "c.toml", server.port, users=users)
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
        assert sorted(r[0] for _, r in server.recorder.envelopes) == ["maria@example.com"] * 2
        assert "refused: bob@example.com" in capsys.readouterr().err
        server.recorder.refuse_rcpt = ""
        clock_at["now"] = NOW + timedelta(minutes=5)
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
        got = sorted(r[0] for _, r in server.recorder.envelopes)
        assert got == ["bob@example.com"] * 2 + ["maria@example.com"] * 2


def test_a_recipient_refused_again_and_again_is_given_up_on_not_tried_for_ever(demo_db, clock, tmp_path,
                                                                               clock_at, capsys):
    from safet_tui.domain.notices import GIVE_UP_AFTER, retry_delay

    decide(demo_db, clock)
    users = """
[notifications.users.maria]
email = "maria@example.com"

[notifications.users.bob]
email = "bob@example.com"
"""
    args = ["notify", "--no-reminders", "--db", str(demo_db), "--config"]
    con = sqlite3.connect(demo_db)
    with MailServer() as server:
        server.recorder.refuse_rcpt = "bob@example.com"
        cfg = str(write_config(tmp_path / "c.toml", server.port, users=users))
        (first,) = con.execute("SELECT id FROM outbox WHERE kind = 'status'").fetchone()
        row = lambda: con.execute("SELECT done_at, attempts, last_error FROM outbox WHERE id = ?",  # noqa: E731
                                  (first,)).fetchone()
        for attempt in range(1, GIVE_UP_AFTER + 1):
            capsys.readouterr()
            assert main([*args, cfg]) == 0
            err = capsys.readouterr().err
            assert "refused: bob@example.com" in err
            assert ("given up" in err) == (attempt == GIVE_UP_AFTER)
            clock_at["now"] += retry_delay(attempt)
        done, attempts, error = row()
        assert done is not None and attempts == GIVE_UP_AFTER
        assert error.startswith(f"given up after {GIVE_UP_AFTER} failed tries: bob@example.com")
        clock_at["now"] += timedelta(hours=2)
        assert main([*args, cfg]) == 0  # the notice is not tried again
        assert row()[1] == GIVE_UP_AFTER
        maria = [r for _, r in server.recorder.envelopes if r == ["maria@example.com"]]
        assert len(maria) == len(server.recorder.envelopes)
    con.close()


def test_watch_sends_as_changes_happen_and_stops_cleanly(tmp_path):
    db = tmp_path / "live.db"
    generate(str(db), claims=60, seed=3, now=datetime.now(UTC))
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env.pop("SAFET_CONFIG", None)
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port, "watch_interval = 0.1")
        proc = subprocess.Popen([sys.executable, "-m", "safet_tui", "notify", "--watch", "--no-reminders",
                                 "--db", str(db), "--config", str(cfg)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            assert "watching" in proc.stderr.readline()
            desk = Desk(str(db), user="ivan", role="amazon")
            no = investigating(desk, 1)[0]
            desk.no_grant(no, "No proof")
            desk.close()
            with server.recorder.changed:
                assert server.recorder.changed.wait_for(lambda: server.messages, timeout=60)
            assert no in server.messages[0]["Subject"]
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert "stopped" in err and "Traceback" not in err


def test_each_changes_subject_names_the_status_it_led_to_not_where_the_claim_is_now(demo_db, clock, tmp_path,
                                                                                    clock_at):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    no = investigating(seller, 1)[0]
    seller.as_role("amazon", "ivan").request_info(no, "Invoice please")
    seller.close()
    clock_at["now"] = NOW + timedelta(days=8)  # no reply: the run's catch-up ends the claim first
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port)
        assert main(["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]) == 0
        assert sorted(m["Subject"] for m in server.messages if no in m["Subject"]) == [
            f"[safet] Claim {no}: Awaiting Seller Response · amazon.com",
            f"[safet] Claim {no}: Resolved (No-Grant) · amazon.com"]


def test_a_reply_by_passing_is_mailed_as_the_claims_end(demo_db, clock, tmp_path, clock_at):
    seller = Desk(str(demo_db), clock=clock, user="maria")
    no = investigating(seller, 1)[0]
    seller.as_role("amazon", "ivan").request_info(no, "Invoice please")
    seller.close()
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port)
        args = ["notify", "--no-reminders", "--db", str(demo_db), "--config", str(cfg)]
        assert main(args) == 0
        assert [m["Subject"] for m in server.messages] == [f"[safet] Claim {no}: Awaiting Seller Response · amazon.com"]
        clock_at["now"] = NOW + timedelta(days=8)  # nobody replied: the next run's catch-up ends the claim
        assert main(args) == 0
        last = server.messages[-1]
        assert last["Subject"] == f"[safet] Claim {no}: Resolved (No-Grant) · amazon.com"
        plain = last.get_body(("plain",)).get_content()
        assert "Awaiting Seller Response → Resolved: denied: no reply by the reply-by, 2026-11-30 04:00 PST" in plain
        assert "Appeal by: 2026-12-07 04:00 PST (America/Los_Angeles)" in plain
