"""Benchmark: ``safet notify`` sending 10,000 pending status changes to an SMTP server on
loopback, vs building the same e-mails in a bare loop (no database, no server).

    python -m bench.notify [N]

``measure(n) -> dict`` makes a small demo database, records ``n`` status changes (each queued
in the outbox as the desk queues them), starts an SMTP sink (aiosmtpd, its own process), and
times ``safet notify`` as a process (wall time and peak memory), then the baseline process:
the same number of e-mails built with ``notify.compose`` from notices held in memory and
serialised, in one loop.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = (proc.stdout.read() if proc.stdout else b"").decode()
    err = (proc.stderr.read() if proc.stderr else b"").decode()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{cmd[3:5]} failed: {err.strip()[-600:]}")
    return seconds, usage.ru_maxrss * 1024, out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(db: Path, n: int) -> None:
    from safet_tui.db_open import open_database
    from safet_tui.demo.generate import generate
    from safet_tui.outbox import last_event_id, queue_status_changes
    from safet_tui.transactions import write_transaction

    # around the real clock (the command runs on it): no deadline passes between here and the run
    generate(str(db), claims=300 if n > 1000 else 60, seed=5, now=datetime.now(UTC))
    database = open_database(str(db))
    with write_transaction(database, 30):
        floor = last_event_id(database)
        claims = [r[0] for r in database.execute_sql("SELECT id FROM claim WHERE status = 'resolved' ORDER BY id")]
        at = int(datetime.now(UTC).timestamp())
        database.cursor().executemany(
            'INSERT INTO status_event (claim_id, at, actor, "user", action, from_status, to_status, note) '
            "VALUES (?, ?, 'amazon', 'ivan', 'no_grant', 'investigating', 'resolved', 'bench')",
            [(claims[i % len(claims)], at) for i in range(n)])
        queue_status_changes(database, floor)
    database.close()


def baseline(n: int) -> None:
    """The floor: ``n`` e-mails built and serialised in one loop from notices held in memory."""
    from safet_tui.domain.money import Money
    from safet_tui.domain.notices import About, Deadline
    from safet_tui.notify.compose import Links, build
    from safet_tui.notify.gather import Notice

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    links = Links(("safet", "--db", "/srv/safet.db"))
    total = 0
    for i in range(n):
        notice = Notice(
            i, f"status:{i}", "status", account="Northwind Goods", marketplace="amazon.com",
            timezone="America/Los_Angeles", claim_no=str(3_400_000_000 + i), order_id="112-1234567-1234567",
            sku="STAND-MIXER-5QT", title="Stand Mixer 5 qt", status="Resolved", outcome="No-Grant",
            denial_reason="No proof of delivery", claimed=Money.from_minor(49998, "USD"),
            deadline=(Deadline.APPEAL_BY, now, False),
            change=("Under Investigation", "Resolved", "no_grant", "amazon", "ivan", now, "bench"),
            latest=(now, "We could not verify the delivery."), about=About("Northwind Goods"))
        total += len(build([notice], "maria@example.com", "safet <safet@example.com>", links, now).as_bytes())
    print(json.dumps({"bytes": total}))


def measure(n: int | str = 10_000) -> dict:
    n = int(n)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SAFET_CONFIG", None)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        _prepare(db, n)
        port = _port()
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(f"""
[notifications]
from = "safet <safet@example.com>"
[notifications.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
[notifications.users.maria]
email = "maria@example.com"
""")
        sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                                 "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            seconds, rss, _ = _timed([sys.executable, "-m", "safet_tui", "notify", "--no-reminders", "--quiet",
                                      "--db", str(db), "--config", str(cfg)], env)
        finally:
            sink.terminate()
            sink.wait(10)
        import sqlite3

        con = sqlite3.connect(db)
        sent = con.execute("SELECT COUNT(*) FROM delivery").fetchone()[0]
        con.close()
        base_s, base_rss, _ = _timed([sys.executable, "-m", "bench.notify", "--baseline", str(n)], env)
    return {"changes": n, "sent": sent, "notify_seconds": seconds, "notify_rss": rss,
            "baseline_seconds": base_s, "baseline_rss": base_rss,
            "ratio": seconds / base_s, "rss_ratio": rss / base_rss}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--baseline":
        baseline(int(sys.argv[2]))
    else:
        print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)))
