"""The demo generator: deterministic for a seed, every state present, a healthy file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from safet_tui.demo import generate

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)  # the frozen clock of conftest
NOW_TS = int(NOW.timestamp())
DAY = 86400


def rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def one(path, sql):
    return rows(path, sql)[0][0]


def test_same_seed_and_now_give_identical_data(tmp_path):
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    generate(str(a), claims=120, seed=11, now=NOW)
    generate(str(b), claims=120, seed=11, now=NOW)
    generate(str(c), claims=120, seed=12, now=NOW)
    for table in ("claim", "refund", "message", "status_event", "attachment", "product"):
        sql = f"SELECT * FROM {table} ORDER BY id"
        assert rows(a, sql) == rows(b, sql), table
    assert rows(a, "SELECT * FROM claim ORDER BY id") != rows(c, "SELECT * FROM claim ORDER BY id")
    assert sorted(p.name for p in (tmp_path / "a.db.attachments").rglob("*") if p.is_file()) == sorted(
        p.name for p in (tmp_path / "b.db.attachments").rglob("*") if p.is_file())


def test_generate_reports_what_it_wrote(tmp_path):
    path = tmp_path / "d.db"
    result = generate(str(path), claims=40, seed=3, now=NOW)
    assert result.claims == 40 == one(path, "SELECT COUNT(*) FROM claim")
    assert result.messages == one(path, "SELECT COUNT(*) FROM message")
    assert result.refunds == one(path, "SELECT COUNT(*) FROM refund")
    with pytest.raises(ValueError, match="already holds claims"):
        generate(str(path), claims=5, seed=3, now=NOW)
    assert one(path, "SELECT COUNT(*) FROM claim") == 40


def test_every_status_and_outcome_appears(demo_template):
    assert {r[0] for r in rows(demo_template, "SELECT DISTINCT status FROM claim")} == {
        "awaiting", "investigating", "resolved"}
    assert {r[0] for r in rows(demo_template, "SELECT DISTINCT outcome FROM claim WHERE status = 'resolved'")} == {
        "grant_full", "grant_partial", "no_grant"}
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE status != 'resolved' AND outcome IS NOT NULL") == 0
    assert one(demo_template, "SELECT COUNT(DISTINCT reason) FROM claim") == 8
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE outcome = 'no_grant' AND denial_reason IS NULL") == 0
    assert {r[0] for r in rows(demo_template, "SELECT marketplace FROM account")} == {"amazon.com", "amazon.in"}


def test_partial_grants_appeals_and_attachments_exist(demo_template):
    assert one(demo_template,
               "SELECT COUNT(*) FROM claim WHERE outcome = 'grant_partial' AND reimbursed_minor < claimed_minor "
               "AND reimbursed_minor > 0") > 0
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE reimbursed_minor > claimed_minor") == 0
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE appeal_used = 1 AND appeal_decided = 1") > 0
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE appeal_used = 1 AND appeal_decided = 0 "
                              "AND status = 'investigating'") > 0
    assert one(demo_template, "SELECT COUNT(*) FROM message WHERE kind = 'appeal'") > 0
    assert one(demo_template, "SELECT COUNT(*) FROM message WHERE kind = 'info_request'") > 0
    assert one(demo_template, "SELECT COUNT(*) FROM attachment") > 0
    store = demo_template.with_name(demo_template.name + ".attachments")
    for (sha,) in rows(demo_template, "SELECT DISTINCT sha256 FROM attachment"):
        assert (store / sha[:2] / sha).is_file()


def test_deadlines_are_consistent_with_the_tabs(demo_template):
    # Awaiting claims have a reply-by ahead of now; it is what they sort by.
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE status = 'awaiting' "
                              "AND (reply_by IS NULL OR reply_by < ? OR due_at != reply_by)".replace("?", str(NOW_TS))) == 0
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE status = 'resolved' AND outcome = 'grant_full' "
                              "AND due_at IS NOT NULL") == 0
    assert one(demo_template, "SELECT MAX(updated_at) FROM claim") <= NOW_TS
    assert one(demo_template, "SELECT MAX(at) FROM status_event") <= NOW_TS
    assert one(demo_template, "SELECT MIN(filed_at) FROM claim") >= NOW_TS - 366 * DAY


def test_no_message_is_dated_after_now(demo_template):
    assert one(demo_template, "SELECT MAX(created_at) FROM message") <= NOW_TS


def test_claimable_refunds_close_to_their_deadline(demo_template):
    near = one(demo_template, "SELECT COUNT(*) FROM refund WHERE claim_id IS NULL "
                              f"AND file_by >= {NOW_TS} AND file_by < {NOW_TS + 3 * DAY}")
    assert near > 0
    lost = one(demo_template, f"SELECT COUNT(*) FROM refund WHERE claim_id IS NULL AND file_by < {NOW_TS}")
    assert lost > 0
    assert one(demo_template, "SELECT COUNT(*) FROM refund WHERE claim_id IS NULL AND file_by IS NULL") == 0


def test_integrity_check_is_ok(demo_template):
    assert rows(demo_template, "PRAGMA integrity_check") == [("ok",)]
    assert rows(demo_template, "PRAGMA foreign_key_check") == []
    assert one(demo_template, "SELECT COUNT(*) FROM message_fts") == one(demo_template, "SELECT COUNT(*) FROM message")


def test_demo_opens_on_the_desk(desk):
    counts = desk.counts()
    assert all(counts[t].total > 0 for t in ("awaiting", "investigating", "resolved", "claimable"))
    assert sum(counts[t].total for t in ("awaiting", "investigating", "resolved")) == 300
    first = desk.window("awaiting", 0, 1)[0]
    view = desk.claim(first.claim_no)
    assert view.thread and view.reply_by == first.deadline


def test_threads_are_in_order_and_tell_the_reason(demo_template):
    import sqlite3

    conn = sqlite3.connect(demo_template)
    try:
        early = conn.execute("SELECT COUNT(*) FROM message m JOIN claim c ON c.id = m.claim_id "
                             "WHERE m.created_at < c.filed_at").fetchone()[0]
        assert early == 0
        stories = dict(conn.execute("SELECT reason, description FROM claim GROUP BY reason").fetchall())
    finally:
        conn.close()
    assert "carrier" in stories["never_arrived"] or "delivery" in stories["never_arrived"]
    assert "outside the return window" in stories["outside_window"]
    assert "replacement" in stories["replacement_refunded"]


def test_reply_by_follows_the_policy_from_the_last_information_request(demo_template):
    import sqlite3
    from datetime import UTC, datetime

    from safet_tui.domain.marketplaces import DEFAULT_POLICIES

    conn = sqlite3.connect(demo_template)
    try:
        rows = conn.execute(
            "SELECT a.marketplace, c.reply_by, (SELECT MAX(e.at) FROM status_event e WHERE e.claim_id = c.id "
            "AND e.action = 'request_info') FROM claim c JOIN account a ON a.id = c.account_id "
            "WHERE c.status = 'awaiting'").fetchall()
    finally:
        conn.close()
    assert rows
    for market, reply_by, asked in rows:
        expected = DEFAULT_POLICIES[market].reply_by(datetime.fromtimestamp(asked, UTC))
        assert reply_by == int(expected.timestamp()) > NOW_TS
