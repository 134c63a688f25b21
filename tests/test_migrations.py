"""Schema versions: a first-schema database opens, upgrades in place and keeps its data."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from safet_tui import db as m
from safet_tui import db_open, migrations, transactions
from safet_tui.domain.money import Money
from safet_tui.migrations import steps

T = 1_795_000_000  # 2026-11-18T09:06:40Z


def make_v1(path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(migrations.SCHEMA_V1)
    conn.executescript(f"""
        INSERT INTO account VALUES (1, 'Acme Home', 'amazon.com', 'USD'), (2, 'Acme India', 'amazon.in', 'INR');
        INSERT INTO product VALUES (1, 1, 'KB-01', 'B0ABCDEFGH', 'Walnut keyboard tray');
        INSERT INTO claim VALUES (1, '3400000001', 1, 1, '111-1234567-1234567', '12345678901234', 'abuse',
            'Buyer sent back a brick', 'investigating', NULL, NULL, 'USD', 124950, NULL, {T}, {T}, {T},
            NULL, NULL, 0, 0, NULL);
        INSERT INTO claim VALUES (2, '3400000002', 2, NULL, '402-7654321-7654321', '', 'unsellable',
            'Damaged', 'resolved', 'grant_partial', NULL, 'INR', 12345600, 5000000, {T}, {T + 60}, {T + 60},
            NULL, {T + 7 * 86400}, 0, 0, {T + 7 * 86400});
        INSERT INTO refund VALUES (1, 1, 1, '111-1234567-1234567', '12345678901234', 'DEFECTIVE', 'USD', 124950,
            {T - 86400}, {T - 3600}, NULL, 'return delivery', 1, {T - 86400});
        INSERT INTO message VALUES (1, 1, 'seller', 'message', 'ana', 'The parcel held a brick, not a tray', {T});
        INSERT INTO message VALUES (2, 2, 'amazon', 'decision', 'amazon', 'Partial grant', {T + 60});
        INSERT INTO attachment VALUES (1, 1, 1, 'label.jpg', 2048, '{"a" * 64}', 'image/jpeg', {T});
        INSERT INTO status_event VALUES (1, 1, {T}, 'seller', 'ana', 'file', NULL, 'investigating', '');
        INSERT INTO read_mark VALUES ('ana', 1, {T});
    """)
    conn.commit()
    conn.close()


def snapshot(path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        tables = ["account", "product", "claim", "refund", "message", "attachment", "status_event", "read_mark"]
        out = {}
        for t in tables:
            added = ("paid_minor", "deadline_estimated", "decided_at", "order_minor", "not_claimable")
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({t})") if r[1] not in added]
            out[t] = conn.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY 1, 2").fetchall()
        return out
    finally:
        conn.close()


@pytest.fixture
def v1_path(tmp_path):
    path = tmp_path / "v1.db"
    make_v1(path)
    return path


def indexes(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def test_first_schema_opens_upgrades_in_place_and_keeps_data(v1_path):
    before = snapshot(v1_path)
    assert [len(before[t]) for t in ("claim", "message", "attachment", "status_event", "read_mark")] == [2, 2, 1, 1, 1]
    v1_indexes = indexes(v1_path)
    database = db_open.open_database(str(v1_path))
    try:
        assert database.execute_sql("PRAGMA foreign_keys").fetchone() == (1,)
        assert database.execute_sql("SELECT claim_id FROM refund").fetchall() == [(1,)]
        assert migrations.current_version(database) == m.SCHEMA_VERSION == 8
        assert database.table_exists("payout") and database.table_exists("import_log")
        assert database.table_exists("desk_user")  # schema 7
        # schema 8: the analytics tallies, counted from the claims already there
        assert database.execute_sql("SELECT SUM(n) FROM claim_tally").fetchone() == (2,)
        claim = m.Claim.get(m.Claim.claim_no == "3400000002")
        assert claim.paid_minor == 0
        assert Money.from_minor(claim.claimed_minor, claim.currency) == Money.of("123456", "INR")
        assert claim.filed_at == datetime.fromtimestamp(T, UTC)
        assert database.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        database.close()
    assert snapshot(v1_path) == before  # nothing cascaded away when the claim table was rebuilt
    after = set(indexes(v1_path))
    replaced = {"refund_claim_id_file_by"}  # by refund (claim_id, not_claimable, file_by) in schema 5
    assert set(v1_indexes) - set(steps.V3_DROPPED_INDEXES) - replaced <= after
    assert {"claim_status_currency_amount", "claim_filed_at"} <= after  # schema 3
    assert "refund_claim_id_not_claimable_file_by" in after and not after & replaced  # schema 5
    assert not after & set(steps.V3_DROPPED_INDEXES)


def test_messages_written_before_the_upgrade_are_searchable(v1_path, clock):
    from safet_tui.service.desk import Desk

    desk = Desk(str(v1_path), clock=clock, user="ana")
    try:
        hits = desk.window("investigating", 0, 10, text="brick")
        assert [r.claim_no for r in hits] == ["3400000001"]
        view = desk.claim("3400000001")
        assert view.claimed == Money.of("1249.50", "USD")
        assert [item.body for item in view.thread if item.kind == "message"] == [
            "The parcel held a brick, not a tray"
        ]
        assert not view.unread  # ana's read mark survived
        assert desk.counts()["resolved"].total == 1
    finally:
        desk.close()


def test_opening_twice_is_idempotent(v1_path):
    db_open.open_database(str(v1_path)).close()
    after_first = snapshot(v1_path)
    database = db_open.open_database(str(v1_path))
    try:
        assert migrations.current_version(database) == m.SCHEMA_VERSION
        assert database.execute_sql("SELECT COUNT(*) FROM message_fts").fetchone()[0] == 2
    finally:
        database.close()
    assert snapshot(v1_path) == after_first


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "future.db"
    db_open.open_database(str(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(transactions.DatabaseError) as info:
        db_open.open_database(str(path))
    assert str(info.value) == f"the database is at schema 99, newer than this safet (schema {m.SCHEMA_VERSION}): upgrade safet"
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("99",)
    conn.close()


def test_a_failing_migration_changes_nothing(v1_path, monkeypatch):
    def broken(database):
        database.execute_sql("ALTER TABLE claim ADD COLUMN half_done INTEGER")
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(migrations.MIGRATIONS, 1, broken)
    before = snapshot(v1_path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        db_open.open_database(str(v1_path))
    transactions.DB.obj.close()
    conn = sqlite3.connect(v1_path)
    try:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
        assert "half_done" not in [r[1] for r in conn.execute("PRAGMA table_info(claim)")]
    finally:
        conn.close()
    assert snapshot(v1_path) == before


def test_new_database_starts_at_the_current_version(tmp_path):
    database = db_open.open_database(str(tmp_path / "new.db"))
    try:
        assert migrations.current_version(database) == m.SCHEMA_VERSION
        for model in m.MODELS:
            assert database.table_exists(model._meta.table_name)
        assert database.table_exists("message_fts")
    finally:
        database.close()


def test_a_new_database_has_the_schema_3_indexes(tmp_path):
    path = tmp_path / "new.db"
    db_open.open_database(str(path)).close()
    assert {"claim_status_currency_amount", "claim_filed_at"} <= set(indexes(path))
    assert not set(indexes(path)) & set(steps.V3_DROPPED_INDEXES)


def test_amount_sort_uses_the_index_and_groups_by_currency(desk):
    plan = " ".join(str(r) for r in desk.database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT c.id FROM claim c WHERE c.status = 'resolved' "
        "ORDER BY c.currency ASC, c.claimed_minor DESC, c.id DESC LIMIT 100").fetchall())
    assert "claim_status_currency_amount" in plan and "TEMP B-TREE" not in plan
    rows = desk.window("resolved", 0, 500, sort="amount")
    keys = [(r.claimed.currency, -r.claimed.minor) for r in rows]
    assert keys == sorted(keys)


def _open_and_report(path: str, start, out) -> None:
    from safet_tui import db as mm

    start.wait()
    try:
        database = db_open.open_database(path)
        out.put(("ok", mm.SCHEMA_VERSION))
        database.close()
    except Exception as exc:  # reported to the test, which fails on it
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def test_two_terminals_upgrading_at_once_both_open(v1_path):
    """The first upgrades under the write lock; the others wait and find it done (one crashed
    with "duplicate column name" before)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_open_and_report, args=(str(v1_path), start, out)) for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [("ok", m.SCHEMA_VERSION)] * 3
    assert snapshot(v1_path)["claim"]  # the data is still there


def test_an_old_database_that_cannot_be_written_says_it_needs_one_upgrade(v1_path):
    """As a user without root's override of file modes: an old file, read-only, cannot be upgraded
    and so not read; the one line says why and what to do, and the file is untouched."""
    import shutil
    import subprocess
    import sys

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's override of file modes")
    drop = "-dac_override,-dac_read_search,-fowner"
    with sqlite3.connect(v1_path) as con:  # as every safet database is kept (make_v1 writes a plain file)
        con.execute("PRAGMA journal_mode = WAL")
    before = snapshot(v1_path)
    v1_path.chmod(0o444)
    try:
        cli = subprocess.run([setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", sys.executable, "-m",
                              "safet_tui.cli.main", "--db", str(v1_path), "report", "--period", "all"],
                             capture_output=True, text=True, timeout=60)
    finally:
        v1_path.chmod(0o644)
    assert cli.returncode == 1
    assert cli.stderr.strip().splitlines() == [
        f"safet: error: the database is read-only: nothing can be changed here; it is at schema 1 and this safet "
        f"reads schema {m.SCHEMA_VERSION}: open it once where it can be written (it upgrades in place), then read "
        "it anywhere"]
    assert snapshot(v1_path) == before
