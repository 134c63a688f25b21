"""PostgreSQL for teams (issue 13): ``safet db copy`` both ways with nothing lost, the demo and
migrations on a server, live refresh across machines (LISTEN/NOTIFY), and a write that waits for
another writer saying so. Each test runs on a throwaway cluster (tests/pg_support.py) and skips
where PostgreSQL cannot run here."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time

import pytest
from conftest import NOW

from safet_tui import db as m
from safet_tui import db_open, transactions
from safet_tui.db_copy import copy_database
from safet_tui.export.claims import export_claims
from safet_tui.service.desk import Desk, reporting_waits
from safet_tui.transactions import WRITE_LOCK_KEY, close_database

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TABLES = [model._meta.table_name for model in m.MODELS]


def export_json(target, clock) -> str:
    desk = Desk(str(target), clock=clock, user="tester")
    try:
        out = io.StringIO()
        export_claims(desk, out, fmt="json", with_messages=True)
        return out.getvalue()
    finally:
        desk.close()


def every_row(target) -> dict[str, list[tuple]]:
    """Every row of every table, booleans as 0/1 (SQLite has no boolean type)."""
    database = db_open.open_database(str(target), create=False)
    try:
        out = {}
        for table in TABLES:
            rows = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1, 2').fetchall()
            out[table] = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows]
        return out
    finally:
        close_database(database)


def with_everything(target, clock, tmp_path) -> None:
    """Rows in the tables the demo leaves empty: read marks, drafts, outbox, deliveries, import log."""
    desk = Desk(str(target), clock=clock, user="ana")
    try:
        with transactions.bound(desk.database), desk.database.atomic():
            claim = m.Claim.select().order_by(m.Claim.id).first()
            m.ReadMark.create(user="ana", claim=claim, seen_at=NOW)
            m.Draft.create(user="ana", kind="reply", claim_key=claim.claim_no, body="half a reply…", updated_at=NOW)
            box = m.Outbox.create(key=f"status:{claim.id}", kind="status", claim=claim, detail='{"to": "resolved"}',
                                  created_at=NOW, attempts=1)
            m.Delivery.create(outbox=box, recipient="ana@example.com", sent_at=NOW)
            m.ImportLog.create(kind="returns", file_name="r.tsv", sha256="0" * 64, at=NOW, summary="1 created")
    finally:
        desk.close()


@pytest.mark.backends("sqlite")  # the team's SQLite file, copied to the server
def test_a_team_moves_to_postgresql_and_back_with_nothing_lost(demo_db, pg, tmp_path, clock, monkeypatch):
    monkeypatch.setenv("SAFET_ATTACHMENTS", str(tmp_path / "server-files"))
    with_everything(demo_db, clock, tmp_path)
    server = pg.create(pg.fresh_name("copy"))
    result = copy_database(str(demo_db), server)
    assert result.rows["claim"] == 300 and result.rows["read_mark"] >= 1 and result.rows["delivery"] == 1
    assert result.files > 0  # the attachment files followed their rows
    back = tmp_path / "back.db"
    copy_database(server, str(back))

    original = export_json(demo_db, clock)
    assert export_json(server, clock) == original
    assert export_json(back, clock) == original
    assert every_row(server) == every_row(demo_db) == every_row(back)
    assert sorted(p.name for p in (tmp_path / "server-files").rglob("*") if p.is_file()) == sorted(
        p.name for p in back.with_name("back.db.attachments").rglob("*") if p.is_file())

    # the server's id sequences go on after the ids copied: new rows do not collide
    desk = Desk(server, clock=clock, user="ana")
    try:
        claim_no = desk.window("investigating", 0, 1)[0].claim_no
        top = max(r[0] for r in every_row(server)["message"])
        desk.reply(claim_no, "Tracking attached.")
        assert max(r[0] for r in every_row(server)["message"]) == top + 1
        assert [c.claim_no for c in desk.window("investigating", 0, 50, text="tracking attached")].count(claim_no) == 1
    finally:
        desk.close()


@pytest.mark.backends("sqlite")  # the team's SQLite file, copied to the server
def test_a_destination_that_holds_data_is_refused_unless_replace(demo_db, tmp_path, pg, clock):
    server = pg.create(pg.fresh_name("full"))
    copy_database(str(demo_db), server)
    before = every_row(server)
    other = tmp_path / "other.db"
    desk = Desk(str(other), clock=clock, user="x")
    desk.close()
    with pytest.raises(transactions.DatabaseError, match=r"already holds data \(.*300 claim.*\): nothing was copied; add --replace"):
        copy_database(str(other), server)
    assert every_row(server) == before
    copy_database(str(other), server, replace=True)
    assert every_row(server)["claim"] == []


def test_db_copy_and_demo_from_the_command_line(pg, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFET_ATTACHMENTS", str(tmp_path / "files"))
    server = pg.create(pg.fresh_name("cli"))

    def safet(*args):
        return subprocess.run([sys.executable, "-m", "safet_tui", *args], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    made = safet("demo", "--db", server, "--claims", "40")
    assert made.returncode == 0, made.stderr
    assert "40 claims" in made.stderr
    again = safet("demo", "--db", server, "--claims", "40")
    assert again.returncode == 1 and "already holds data" in again.stderr
    replaced = safet("demo", "--db", server, "--claims", "40", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    copied = safet("db", "copy", server, str(tmp_path / "local.db"))
    assert copied.returncode == 0, copied.stderr
    assert "40 claim" in copied.stderr
    report = safet("--db", server, "report", "--period", "all", "--format", "json")
    local = safet("--db", str(tmp_path / "local.db"), "report", "--period", "all", "--format", "json")
    assert report.returncode == 0 and local.returncode == 0

    def figures(out: str) -> dict:  # what does not depend on the moment it ran
        return {k: v for k, v in json.loads(out).items() if k not in ("generated_at", "period")}

    assert figures(report.stdout) == figures(local.stdout)
    refused = safet("db", "copy", str(tmp_path / "local.db"), server)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 2 and "add --replace" in refused.stderr


def test_a_new_server_database_is_created_at_the_current_schema(pg):
    url = pg.create(pg.fresh_name("fresh"))
    database = db_open.open_database(url)
    try:
        assert m.meta_get("schema_version") == str(m.SCHEMA_VERSION)
        assert set(TABLES) <= set(database.get_tables())
        indexes = {r[0] for r in database.execute_sql("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        assert {m.PG_FTS_INDEX[0], "claim_status_currency_amount", "claim_filed_at"} <= indexes
    finally:
        close_database(database)
    close_database(db_open.open_database(url))  # opening again changes nothing


@pytest.mark.backends("postgresql")
def test_a_write_on_one_machine_refreshes_the_desks_on_others(empty_desk, backend, clock):
    """LISTEN/NOTIFY: another desk's write moves this desk's data version; its own writes, and a
    write transaction that changed nothing, do not (as SQLite's data_version)."""
    here, there = empty_desk, Desk(str(empty_desk.target), clock=clock, user="bo")

    def changed_from(version: int) -> int:
        """The version once it moved (a notification arrives a moment after the commit)."""
        deadline = time.monotonic() + 20
        while (now := here.data_version()) == version and time.monotonic() < deadline:
            time.sleep(0.01)
        return now

    try:
        start = here.data_version()
        with transactions.bound(there.database), there._tx():
            m.Account.create(name="Acme", marketplace="amazon.com", currency="USD")
        seen = changed_from(start)
        assert seen == start + 1
        with transactions.bound(here.database), here._tx():
            m.Account.create(name="Acme IN", marketplace="amazon.in", currency="INR")
        with transactions.bound(there.database), there._tx():
            m.Account.select().count()  # a write transaction that wrote nothing
        with transactions.bound(there.database), there._tx():  # then one more real change, to wait for
            m.Account.create(name="Acme UK", marketplace="amazon.co.uk", currency="GBP")
        assert changed_from(seen) == seen + 1  # only that one counted
    finally:
        there.close()


@pytest.mark.backends("postgresql")
def test_a_write_waiting_for_another_writer_says_so_and_then_completes(empty_desk, backend, pg):
    import psycopg

    told: list[bool] = []
    holder = psycopg.connect(str(empty_desk.target), autocommit=True)
    holder.execute("BEGIN")
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
    done = threading.Event()

    def write():
        with reporting_waits(told.append), transactions.bound(empty_desk.database), empty_desk._tx():
            m.Account.create(name="Acme", marketplace="amazon.com", currency="USD")
        done.set()

    worker = threading.Thread(target=write, daemon=True)
    worker.start()
    try:
        for _ in range(600):  # the worker reports the wait before it starts waiting
            if told:
                break
            worker.join(0.05)
        assert told == [True] and not done.is_set()
    finally:
        holder.execute("COMMIT")
        holder.close()
    worker.join(30)
    assert done.is_set() and told == [True, False]


def test_the_text_filter_finds_words_in_messages_through_the_index(demo_db, backend, clock):
    """The same claims on both engines: ids and products by substring (any case), message text
    by word prefix."""
    desk = Desk(str(demo_db), clock=clock, user="tester")
    try:
        found = {text: sorted(r.claim_no for tab in ("investigating", "resolved", "awaiting")
                              for r in desk.window(tab, 0, 500, text=text))
                 for text in ("photo", "PHOTO", "trac", "kb-", "empty box")}
    finally:
        desk.close()
    assert found["photo"] == found["PHOTO"] and found["photo"]
    assert all(found.values())
    if backend == "postgresql":
        sqlite = Desk(str(_sqlite_copy(demo_db, clock)), clock=clock, user="tester")
        try:
            for text, claims in found.items():
                assert claims == sorted(r.claim_no for tab in ("investigating", "resolved", "awaiting")
                                        for r in sqlite.window(tab, 0, 500, text=text)), text
        finally:
            sqlite.close()


def _sqlite_copy(url, clock):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix="safet-copy-")) / "copy.db"
    copy_database(url, str(path))
    return path



@pytest.mark.backends("postgresql")
def test_a_login_that_may_only_read_browses_and_each_write_is_refused_in_one_line(demo_db, pg, clock):
    """On a server, who may write is the server's to say: a read-only login reads the desk, and a
    reply is refused in one line with nothing changed."""
    import psycopg

    from safet_tui.service.desk import ReadOnly

    name = str(demo_db).rsplit("/", 1)[1]
    with psycopg.connect(str(demo_db), autocommit=True) as admin:
        admin.execute("DO $$ BEGIN CREATE ROLE reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    desk = Desk(pg.url(name).replace("postgres@", "reader@"), clock=clock, user="ana")
    try:
        claim_no = desk.window("awaiting", 0, 1)[0].claim_no
        before = len(desk.claim(claim_no).thread)
        with pytest.raises(ReadOnly, match="read-only for your login: nothing can be changed") as refused:
            desk.reply(claim_no, "Tracking attached.")
        assert "\n" not in str(refused.value)
        assert len(desk.claim(claim_no).thread) == before
    finally:
        desk.close()


@pytest.mark.backends("postgresql")
def test_a_claim_another_program_keeps_locked_is_refused_as_busy_in_one_line(demo_db, clock):
    """Row locks: the desk locks the claim it changes (FOR UPDATE) and waits no longer than its
    lock wait (lock_timeout) for a program that is not safet and holds that row."""
    import psycopg

    from safet_tui.service.desk import Busy

    desk = Desk(str(demo_db), clock=clock, user="ana", lock_wait=0.5)
    claim_no = desk.window("awaiting", 0, 1)[0].claim_no
    before = len(desk.claim(claim_no).thread)
    other = psycopg.connect(str(demo_db), autocommit=True)
    try:
        other.execute("BEGIN")
        other.execute("SELECT id FROM claim WHERE claim_no = %s FOR UPDATE", (claim_no,))
        with pytest.raises(Busy, match="busy") as refused:
            desk.reply(claim_no, "Tracking attached.")
        assert "\n" not in str(refused.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(desk.claim(claim_no).thread) == before
    desk.reply(claim_no, "Tracking attached.")  # once it is free, the same write goes through
    assert len(desk.claim(claim_no).thread) > before
    desk.close()
