"""`safet notify` killed in the middle of a batch: the next run loses nothing and repeats nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

from safet_tui.demo.generate import generate
from safet_tui.service.desk import Desk
from tests.notify_support import MailServer, investigating, write_config


def test_killed_mid_batch_the_next_run_sends_the_rest_once(tmp_path):
    db = tmp_path / "live.db"
    now = datetime.now(UTC)  # the command runs on the real clock, so the data is made around it
    generate(str(db), claims=120, seed=3, now=now)
    desk = Desk(str(db), user="ivan", role="amazon")
    claims = investigating(desk, 8)
    for no in claims:
        desk.no_grant(no, "No proof of delivery")
    desk.close()
    owed = sqlite3.connect(db).execute("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL").fetchone()[0]
    assert owed >= 8
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "PYTHONPATH": os.getcwd()}
    env.pop("SAFET_CONFIG", None)
    with MailServer() as server:
        cfg = write_config(tmp_path / "c.toml", server.port)
        server.recorder.gate_after = 3  # the fourth message waits, unanswered, until the kill
        proc = subprocess.Popen([sys.executable, "-m", "safet_tui", "notify", "--no-reminders", "--db", str(db),
                                 "--config", str(cfg)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert server.recorder.waiting.wait(60), proc.communicate(timeout=5)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        server.recorder.release.set()
        first = list(server.messages)
        assert len(first) == 3
        con = sqlite3.connect(db)
        assert con.execute("SELECT COUNT(*) FROM delivery").fetchone()[0] == 3
        con.close()
    with MailServer() as again:
        cfg = write_config(tmp_path / "c.toml", again.port)
        done = subprocess.run([sys.executable, "-m", "safet_tui", "notify", "--no-reminders", "--db", str(db),
                               "--config", str(cfg)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        ids = [m["Message-ID"] for m in first + again.messages]
        assert len(ids) == len(set(ids)) == owed  # every notice once, none twice
        con = sqlite3.connect(db)
        assert con.execute("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL").fetchone()[0] == 0
        con.close()
