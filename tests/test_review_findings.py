"""Found by a review of the write path (each failed before its fix): an estimate never holds a
seller to less than Amazon would, a payout does not decide an appeal it does not prove, a report
is not old news merely for being dated by its rows, a reader never fails because someone writes,
and an import writes where its desk points."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from test_reports_support import US_RETURNS, US_SETTLEMENT, rows_of, set_cell, utc, write_rows

from safet_tui.db import Claim, StatusEvent
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import FixedClock
from safet_tui.domain.money import Money
from safet_tui.reports import run_import
from safet_tui.service.desk import Desk, NotFound


@pytest.fixture
def day25(tmp_path):
    clock = FixedClock(utc(2026, 10, 25, 12))
    desk = Desk(str(tmp_path / "x.db"), clock=clock, user="t")
    yield desk, clock
    desk.close()


def test_an_estimated_reply_by_takes_a_reply_until_the_latest_it_can_be(day25, tmp_path):
    desk, clock = day25
    rows = set_cell(rows_of(US_RETURNS), 3, "SafeT claim state", "Awaiting Seller Response")
    run_import(desk, "returns", write_rows(tmp_path / "r.tsv", rows))
    shown = desk.claim("3417789012").reply_by
    assert shown is not None and shown < clock.now()  # the estimate: the earliest it can be
    desk.reply("3417789012", "Here is the carrier's scan.")  # refused "reply-by passed" before
    assert desk.claim("3417789012").status is lc.Status.INVESTIGATING


def test_an_estimated_reply_by_ends_the_claim_with_an_appeal_window_still_open(day25, tmp_path):
    desk, clock = day25
    rows = set_cell(rows_of(US_RETURNS), 3, "SafeT claim state", "Awaiting Seller Response")
    run_import(desk, "returns", write_rows(tmp_path / "r.tsv", rows))
    clock.advance(days=8)  # past the latest the reply-by can be (7 days from the import)
    view = desk.claim("3417789012")
    assert (view.status, view.outcome) == (lc.Status.RESOLVED, lc.Outcome.NO_GRANT)
    assert desk.why_not_appeal("3417789012") is None  # the appeal window counts from that latest reply-by


def test_the_first_grants_payout_does_not_decide_a_pending_appeal(day25, tmp_path):
    desk, clock = day25
    run_import(desk, "returns", US_RETURNS)
    desk.as_role("amazon").grant("3417789012", Money.of("10.00", "USD"))
    clock.advance(hours=1)
    desk.appeal("3417789012", "The lamp came back broken: photos attached.")
    clock.advance(days=3)
    rows = rows_of(US_SETTLEMENT)
    for column, value in (("adjustment-id", "3417789012"), ("order-id", "113-0048213-9920134"),
                          ("sku", "LED-DESK-LAMP-BLK"), ("amount", "10.00"), ("posted-date", "2026-10-27"),
                          ("posted-date-time", "2026-10-27 09:00:00 UTC")):
        rows = set_cell(rows, 6, column, value)
    run_import(desk, "settlement", write_rows(tmp_path / "s.tsv", rows))
    c = Claim.get(Claim.claim_no == "3417789012")
    assert (c.status, c.appeal_used, c.appeal_decided) == ("investigating", True, False)


def test_a_reports_decision_is_not_dropped_for_a_desk_step_after_its_newest_row(day25, tmp_path):
    desk, clock = day25
    run_import(desk, "returns", US_RETURNS)
    desk.as_role("amazon").request_info("3417789012", "The scan?", reply_by=clock.now() + timedelta(days=7))
    clock.advance(hours=2)
    desk.reply("3417789012", "Here is the scan.")
    clock.advance(days=3)
    rows = set_cell(rows_of(US_RETURNS), 3, "SafeT claim state", "Resolved")
    rows = set_cell(rows, 3, "SafeT claim reimbursement amount", "34.50")
    rows = set_cell(rows, 2, "Return delivery date", "2026-10-25")  # the report's newest row: that day
    run_import(desk, "returns", write_rows(tmp_path / "r2.tsv", rows))
    c = Claim.get(Claim.claim_no == "3417789012")
    assert (c.status, c.outcome, c.reimbursed_minor) == ("resolved", "grant_full", 3450)
    steps = [(e.action, e.from_status, e.to_status) for e in
             StatusEvent.select().where(StatusEvent.claim == c.id).order_by(StatusEvent.at, StatusEvent.id)]
    assert lc.check_history(steps) is lc.Status.RESOLVED


def test_a_reader_is_never_refused_because_another_terminal_writes(tmp_path):
    clock = FixedClock(utc(2026, 11, 23, 12))
    desk = Desk(str(tmp_path / "x.db"), clock=clock, user="t", lock_wait=0.3)
    try:
        run_import(desk, "returns", US_RETURNS)
        desk.as_role("amazon").request_info("3417789012", "The scan?", reply_by=clock.now() + timedelta(days=1))
        clock.advance(days=2)  # a reply-by to apply, while another terminal holds the write lock
        other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            assert desk.counts()["awaiting"].total == 1  # still as it was: time catches up later
            assert desk.claim("3417789012").status is lc.Status.AWAITING
        finally:
            other.execute("ROLLBACK")
            other.close()
        clock.advance(minutes=1)
        assert desk.claim("3417789012").status is lc.Status.RESOLVED
    finally:
        desk.close()


def test_an_import_writes_into_its_own_desks_database_with_another_open(tmp_path, clock):
    a = Desk(str(tmp_path / "a.db"), clock=clock, user="t")
    b = Desk(str(tmp_path / "b.db"), clock=clock, user="t")  # opened last: the process default
    try:
        run_import(a, "returns", US_RETURNS)
        assert a.accounts() and not b.accounts()
        assert b.counts()["investigating"].total == 0
        with pytest.raises(NotFound):
            b.claim("3417789012")
    finally:
        a.close()
        b.close()


def test_a_history_with_an_appeal_decided_but_never_filed_is_not_a_lifecycle_path():
    with pytest.raises(lc.TransitionError):
        lc.check_history([("file", None, "investigating"), ("decide_appeal", "investigating", "resolved")])
    with pytest.raises(lc.TransitionError):
        lc.check_history([("file", None, "investigating"), ("no_grant", "investigating", "resolved"),
                          ("appeal", "resolved", "investigating"), ("grant", "investigating", "resolved")])
