"""The demo generator: deterministic for a seed, every state present, a healthy file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from safet_tui.demo.generate import generate

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
    # a claim Amazon still works on has an outcome only while an appeal of that outcome is pending
    assert one(demo_template, "SELECT COUNT(*) FROM claim WHERE status != 'resolved' AND outcome IS NOT NULL "
                              "AND NOT (appeal_used = 1 AND appeal_decided = 0)") == 0
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


# -- every claim's history goes through the domain's lifecycle -----------------------------------

HISTORY_CLAIMS = 2000


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    """A 2,000-claim demo: each claim's stored row and its status events in order."""
    path = tmp_path_factory.mktemp("demo-histories") / "demo.db"
    generate(str(path), claims=HISTORY_CLAIMS, seed=5, now=NOW)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        claims = conn.execute("SELECT c.*, a.marketplace FROM claim c JOIN account a ON a.id = c.account_id "
                              "ORDER BY c.id").fetchall()
        events: dict[int, list] = {}
        for e in conn.execute("SELECT * FROM status_event ORDER BY claim_id, id"):
            events.setdefault(e["claim_id"], []).append(e)
        first_message = dict(conn.execute("SELECT claim_id, MIN(created_at) FROM message GROUP BY claim_id"))
        columns = {r[1] for r in conn.execute("PRAGMA table_info(claim)")}
    finally:
        conn.close()
    return path, claims, events, first_message, columns


def test_every_history_is_a_lifecycle_path_ending_in_the_stored_status(histories):
    from safet_tui.domain import lifecycle as lc

    _, claims, events, first_message, _ = histories
    assert len(claims) == HISTORY_CLAIMS
    for c in claims:
        evs = events[c["id"]]
        end = lc.check_history([(e["action"], e["from_status"], e["to_status"]) for e in evs])
        assert end == c["status"], c["claim_no"]
        times = [e["at"] for e in evs]
        assert times == sorted(times), c["claim_no"]
        assert evs[0]["action"] == "file" and times[0] == c["filed_at"] == first_message[c["id"]]
        assert times[-1] <= NOW_TS and c["changed_at"] == times[-1]
        assert {e["user"] for e in evs} == {"demo"}


def test_stored_columns_are_the_replayed_history(histories):
    """Replaying each claim's events through the lifecycle functions (deadlines from the
    marketplace's policy, as the demo says it uses them) gives back every stored state column."""
    from safet_tui.domain import lifecycle as lc
    from safet_tui.domain.lifecycle import Actor, Status
    from safet_tui.domain.marketplaces import DEFAULT_POLICIES
    from safet_tui.domain.money import Money
    from safet_tui.domain.reasons import NO_REPLY_DENIAL
    from safet_tui.domain.records import check_record

    _, claims, events, _, columns = histories
    has_decided_at = "decided_at" in columns
    seen = set()

    def ts(d):
        return None if d is None else int(d.timestamp())

    for c in claims:
        policy = DEFAULT_POLICIES[c["marketplace"]]
        claimed = Money.from_minor(c["claimed_minor"], c["currency"])
        stored = c["reimbursed_minor"]
        partial = Money.from_minor(stored if stored and 0 < stored < c["claimed_minor"]
                                   else c["claimed_minor"] * 45 // 100, c["currency"])
        state = None
        decided_at = None
        for e in events[c["id"]]:
            at = datetime.fromtimestamp(e["at"], UTC)
            action, note = e["action"], e["note"]
            if action == "file":
                state, ev = lc.file_claim(claimed, at)
            elif action == "request_info":
                state, ev = lc.request_info(state, Actor.AMAZON, at, policy.reply_by(at))
            elif action == "reply":
                state, ev = lc.reply(state, Actor.SELLER, at)
            elif action == "appeal":
                state, ev = lc.appeal(state, Actor.SELLER, at)
            elif note in ("Grant", "Partial grant"):  # grant, or an appeal decided with a grant
                state, ev = lc.grant(state, Actor.AMAZON, at, claimed if note == "Grant" else partial,
                                     None if action == "decide_appeal" else policy.appeal_by(at))
            elif note == NO_REPLY_DENIAL and state.reply_by == at:
                seen.add("expired")
                state, ev = lc.expire_reply(state, NOW, policy.appeal_by(at))
            else:
                state, ev = lc.no_grant(state, Actor.AMAZON, at, note,
                                        None if action == "decide_appeal" else policy.appeal_by(at))
            assert ev is not None, (c["claim_no"], action)
            assert (ev.action, ev.actor, ev.from_status, ev.to_status, ev.note, ts(ev.at)) == (
                action, e["actor"], e["from_status"], e["to_status"], note, e["at"]), c["claim_no"]
            if decided_at is None and ev.to_status is Status.RESOLVED:
                decided_at = e["at"]
        reply_by, appeal_by = ts(state.reply_by), ts(state.appeal_by)
        assert (c["status"], c["outcome"], c["denial_reason"], bool(c["appeal_used"]), bool(c["appeal_decided"]),
                c["reply_by"], c["appeal_by"]) == (
            state.status, state.outcome, state.denial_reason, state.appeal_used, state.appeal_decided,
            reply_by, appeal_by), c["claim_no"]
        assert c["reimbursed_minor"] == (None if state.reimbursed is None else state.reimbursed.minor)
        assert c["due_at"] == lc.deadline_of(state.status, state.outcome, reply_by, appeal_by, state.appeal_used,
                                             now=NOW_TS), c["claim_no"]
        if has_decided_at:
            assert c["decided_at"] == decided_at, c["claim_no"]
        check_record(claim_no=c["claim_no"], status=c["status"], outcome=c["outcome"], claimed=c["claimed_minor"],
                     reimbursed=c["reimbursed_minor"], appeal_used=bool(c["appeal_used"]),
                     appeal_decided=bool(c["appeal_decided"]), paid=c["paid_minor"])
        seen.add((c["status"], c["outcome"], bool(c["appeal_used"]), bool(c["appeal_decided"])))
    # the demo tells every kind of story
    assert "expired" in seen
    assert ("investigating", "no_grant", True, False) in seen  # an appeal pending
    assert ("resolved", "grant_full", True, True) in seen  # an appeal granted
    assert ("resolved", "no_grant", True, True) in seen  # an appeal turned down


def test_no_claim_awaits_past_its_reply_by_and_missed_replies_end_in_no_grant(histories):
    """Amazon's rule: no reply by the reply-by is a No-Grant at that time, the appeal window
    counted from it. The demo has such claims, and no Awaiting claim whose reply-by has passed."""
    from safet_tui.domain.marketplaces import DEFAULT_POLICIES
    from safet_tui.domain.reasons import NO_REPLY_DENIAL

    path, claims, events, _, _ = histories
    assert all(c["reply_by"] > NOW_TS for c in claims if c["status"] == "awaiting")
    expired = 0
    for c in claims:
        evs = events[c["id"]]
        for i, e in enumerate(evs):
            if e["action"] != "no_grant" or e["note"] != NO_REPLY_DENIAL:
                continue
            expired += 1
            policy = DEFAULT_POLICIES[c["marketplace"]]
            asked = evs[i - 1]
            assert asked["action"] == "request_info"  # the request nobody answered
            reply_by = policy.reply_by(datetime.fromtimestamp(asked["at"], UTC))
            assert e["at"] == int(reply_by.timestamp()) < NOW_TS
            if not c["appeal_used"]:
                assert c["appeal_by"] == int(policy.appeal_by(reply_by).timestamp())
            assert one(path, f"SELECT COUNT(*) FROM message WHERE claim_id = {c['id']} AND kind = 'decision' "
                             f"AND created_at = {e['at']}") == 1
    assert expired > 20


def test_a_passed_appeal_by_is_closed_not_due(histories):
    _, claims, _, _, _ = histories
    resolved = [c for c in claims if c["status"] == "resolved" and c["outcome"] != "grant_full"
                and not c["appeal_used"]]
    assert any(c["appeal_by"] < NOW_TS for c in resolved) and any(c["appeal_by"] >= NOW_TS for c in resolved)
    for c in resolved:
        assert c["due_at"] == (c["appeal_by"] if c["appeal_by"] >= NOW_TS else None)


def test_messages_and_events_are_never_in_the_future_nor_before_their_claim(histories):
    path, _, _, _, _ = histories
    assert one(path, "SELECT MAX(created_at) FROM message") <= NOW_TS
    assert one(path, "SELECT MAX(at) FROM status_event") <= NOW_TS
    assert one(path, "SELECT COUNT(*) FROM message m JOIN claim c ON c.id = m.claim_id "
                     "WHERE m.created_at < c.filed_at") == 0
    assert one(path, "SELECT COUNT(*) FROM status_event e JOIN claim c ON c.id = e.claim_id "
                     "WHERE e.at < c.filed_at") == 0


def test_memoized_deadlines_equal_the_policy():
    """The demo memoizes the policy's reply-by/appeal-by per quarter hour: exact, DST included."""
    import random

    from safet_tui.demo.deadlines import Deadlines
    from safet_tui.domain.marketplaces import DEFAULT_POLICIES

    rng = random.Random(1)
    for policy in DEFAULT_POLICIES.values():
        memo = Deadlines(policy)
        instants = [NOW_TS - rng.randrange(0, 800 * DAY) for _ in range(3000)]
        # around the US DST changes of 2026 (Mar 8, Nov 1, 10:00 and 09:00 UTC) and a week before them
        for edge in (1772964000, 1793527200):
            instants += [edge + d for d in range(-8 * DAY - 3600, -8 * DAY + 3600, 450)]
            instants += [edge + d for d in range(-7 * DAY - 7200, -7 * DAY + 7200, 61)]
            instants += [edge + d for d in range(-3600, 3600, 59)]
        for ts in instants:
            at = datetime.fromtimestamp(ts, UTC)
            assert memo.reply_by(ts) == int(policy.reply_by(at).timestamp()), (policy.marketplace, ts)
            assert memo.appeal_by(ts) == int(policy.appeal_by(at).timestamp()), (policy.marketplace, ts)


def test_other_policies_give_valid_histories_too(tmp_path):
    """Short or long reply and appeal windows: still no claim awaiting past its reply-by, every
    history a lifecycle path, every deadline the policy's."""
    from dataclasses import replace

    from safet_tui.domain import lifecycle as lc
    from safet_tui.domain.marketplaces import DEFAULT_POLICIES, Policies

    us, india = DEFAULT_POLICIES["amazon.com"], DEFAULT_POLICIES["amazon.in"]
    policies = Policies(by_market={"amazon.com": replace(us, reply_days=1, appeal_days=2),
                                   "amazon.in": replace(india, reply_days=12, appeal_days=30)})
    path = tmp_path / "p.db"
    generate(str(path), claims=400, seed=9, now=NOW, policies=policies)
    conn = sqlite3.connect(path)
    try:
        claims = conn.execute("SELECT c.id, c.status, c.reply_by, a.marketplace FROM claim c "
                              "JOIN account a ON a.id = c.account_id").fetchall()
        for cid, status, reply_by, market in claims:
            evs = conn.execute("SELECT action, from_status, to_status, at FROM status_event WHERE claim_id = ? "
                               "ORDER BY id", (cid,)).fetchall()
            assert lc.check_history([e[:3] for e in evs]) == status
            asks = [e[3] for e in evs if e[0] == "request_info"]
            if status == "awaiting":
                expected = policies[market].reply_by(datetime.fromtimestamp(asks[-1], UTC))
                assert reply_by == int(expected.timestamp()) > NOW_TS
    finally:
        conn.close()
    assert {c[1] for c in claims} == {"awaiting", "investigating", "resolved"}


def test_demo_waits_for_a_writer_and_loads_beside_an_open_desk(tmp_path, clock):
    """With a desk holding the file open SQLite will not leave WAL: the load stays in WAL; with
    another program holding the write lock it waits for it instead of failing at once."""
    import threading

    from safet_tui.service.desk import Desk

    path = tmp_path / "busy.db"
    desk = Desk(str(path), clock=clock, user="tester")
    locked, done = threading.Event(), threading.Event()

    def hold():
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('other_writer', 'was here')")
            locked.set()
            done.wait(0.5)
            con.execute("COMMIT")
        finally:
            con.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        assert locked.wait(10)
        result = generate(str(path), claims=30, seed=2, now=NOW)
    finally:
        done.set()
        holder.join(10)
        desk.close()
    assert result.claims == 30 == one(path, "SELECT COUNT(*) FROM claim")
    assert one(path, "SELECT value FROM meta WHERE key = 'other_writer'") == "was here"
    assert one(path, "PRAGMA journal_mode") == "wal"


# -- told in blocks, by other processes ---------------------------------------------------------

def _table_rows(path) -> dict:
    return {t: rows(path, f"SELECT * FROM {t} ORDER BY id")
            for t in ("claim", "refund", "message", "status_event", "attachment", "product")}


def test_blocks_told_by_other_processes_give_the_same_demo(tmp_path, monkeypatch):
    """Blocks of claims told here or by two other processes: the same rows, foreign keys whole,
    every attachment on a message of its own claim at that message's time."""
    import safet_tui.demo.generate as demo

    monkeypatch.setattr(demo, "BLOCK", 40)  # 130 claims: four blocks
    here, there = tmp_path / "here.db", tmp_path / "there.db"
    made = generate(str(here), claims=130, seed=4, now=NOW, workers=0)
    generate(str(there), claims=130, seed=4, now=NOW, workers=2)
    assert _table_rows(here) == _table_rows(there)
    assert made.claims == 130 and made.messages == one(here, "SELECT COUNT(*) FROM message")
    assert one(here, "SELECT MAX(id) FROM message") == made.messages  # numbered in order, no gaps
    for path in (here, there):
        assert rows(path, "PRAGMA foreign_key_check") == []
    assert one(here, "SELECT COUNT(*) FROM attachment") > 0
    assert one(here, "SELECT COUNT(*) FROM attachment a JOIN message m ON m.id = a.message_id "
                     "WHERE m.claim_id != a.claim_id OR m.created_at != a.created_at") == 0
    # the later blocks tell other stories than the first (their own streams)
    bodies = [r[0] for r in rows(here, "SELECT description FROM claim ORDER BY id")]
    assert bodies[:40] != bodies[40:80]
    assert one(here, "SELECT COUNT(DISTINCT claim_no) FROM claim") == 130


def test_the_demo_keeps_its_foreign_keys(demo_template):
    assert rows(demo_template, "PRAGMA foreign_key_check") == []
