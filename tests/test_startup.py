"""Start-up loads only what the first screen needs: a desk on a SQLite file never imports the
PostgreSQL driver (about 12 MB of resident memory and 50 ms of every start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPEN_THE_DESK = """
import sys
from safet_tui.app import SafetApp
from safet_tui.service.desk import Desk
desk = Desk(sys.argv[1], user="tester")
desk.counts(); desk.window("awaiting", 0, 10)
SafetApp(desk)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("psycopg", "psycopg2", "psycopg_binary")
             and sys.modules[name] is not None))
"""


def test_a_desk_on_sqlite_never_imports_the_postgresql_driver(demo_db):
    out = subprocess.run([sys.executable, "-c", OPEN_THE_DESK, str(demo_db)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"



async def test_the_first_frame_does_not_wait_for_what_time_decided(demo_db, clock, monkeypatch):
    """A reply-by passed while the desk was closed: the claim is ended in a worker while the first
    frame already shows the list (at a million claims ending one took seconds on the UI thread)."""
    import sqlite3
    import threading

    from desk_support import make_app, settle, wait_for

    from safet_tui.domain.clock import to_epoch
    from safet_tui.service.time_passing import TimePassing

    conn = sqlite3.connect(demo_db)
    claim_id, claim_no = conn.execute("SELECT id, claim_no FROM claim WHERE status = 'awaiting' "
                                      "AND deadline_estimated = 0 ORDER BY id LIMIT 1").fetchone()
    passed = to_epoch(clock.now()) - 3600
    conn.execute("UPDATE claim SET reply_by = ?, due_at = ? WHERE id = ?", [passed, passed, claim_id])
    conn.commit()
    conn.close()
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    expire = TimePassing._expire

    def slow_expire(self, claim_ids):
        started.set()
        release.wait(15)
        try:
            return expire(self, claim_ids)
        finally:
            ended.set()

    monkeypatch.setattr(TimePassing, "_expire", slow_expire)
    app = make_app(demo_db, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: started.is_set() and not ended.is_set() and app.home_screen.claim_list
                       .rows_ready() and app.home_screen._counts, "the list shown while the claim is being ended")
        release.set()
        await wait_for(pilot, lambda: ended.is_set())
        await settle(pilot)
        cl = app.home_screen.claim_list
        assert claim_no not in {r.claim_no for r in cl.loaded_rows()}  # gone from Awaiting
        assert app.desk.claim(claim_no, with_thread=False).status.value == "resolved"


def test_each_connection_keeps_a_small_page_cache(demo_db):
    """The OS caches the file once for every connection; each worker thread's own SQLite cache
    stays at SQLite's default 2 MB instead of holding 32 MB of pages from one-off scans."""
    from safet_tui.service.desk import Desk

    desk = Desk(str(demo_db), user="tester")
    try:
        assert desk.database.execute_sql("PRAGMA cache_size").fetchone()[0] == -2000
    finally:
        desk.close()
