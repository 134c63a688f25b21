"""Importing twice changes nothing; overlapping reports merge; a dry run writes nothing."""

from __future__ import annotations

import pytest
from test_reports_support import (
    IN_RETURNS,
    US_RETURNS,
    US_SETTLEMENT,
    rows_of,
    set_cell,
    snapshot,
    table_counts,
    utc,
    write_rows,
)

from safet_tui.db import Claim, ImportLog, Refund, StatusEvent
from safet_tui.reports import run_import

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def test_same_files_twice_change_nothing(desk, clock):
    for path, kind in ((US_RETURNS, "returns"), (US_SETTLEMENT, "settlement"), (IN_RETURNS, "returns")):
        run_import(desk, kind, path)
    clock.advance(days=1)
    desk.catch_up()  # what a day's passing decides is not the import's doing
    before = snapshot(desk.database)
    for path, kind in ((US_RETURNS, "returns"), (US_SETTLEMENT, "settlement"), (IN_RETURNS, "returns")):
        s = run_import(desk, kind, path)
        assert not s.changed and s.imported_before == [utc(2026, 11, 23, 12, 0, 0)]
        assert "Nothing changed (this file was imported before, on 2026-11-23 12:00 UTC)." in str(s)
    assert snapshot(desk.database) == before
    assert ImportLog.select().count() == 3


def test_overlapping_reports_merge(empty_desk, clock, tmp_path):
    rows = rows_of(US_RETURNS)
    last30 = write_rows(tmp_path / "last-30-days.tsv", [rows[0], rows[1], rows[2]])
    s = run_import(empty_desk, "returns", last30)
    assert s.claims_created == ["3417789012"] and s.refunds_added == 2
    clock.advance(days=2)
    later = utc(2026, 11, 25, 12, 0, 0)
    # The 60-day report repeats both rows (one claim now decided: a partial grant) and adds older ones.
    rows = set_cell(rows, 3, "SafeT claim state", "Resolved")
    rows = set_cell(rows, 3, "SafeT claim reimbursement amount", "15.00")
    s = run_import(empty_desk, "returns", write_rows(tmp_path / "last-60-days.tsv", rows))
    assert s.claims_updated == ["3417789012"] and sorted(s.claims_created) == ["3417650022", "3417701188"]
    assert s.refunds_added == 2 and s.refunds_unchanged == 2 and s.refunds_updated == 0
    assert Refund.select().count() == 4 and Claim.select().count() == 3
    c = Claim.get(Claim.claim_no == "3417789012")
    assert (c.status, c.outcome, c.reimbursed_minor) == ("resolved", "grant_partial", 1500)
    assert c.changed_at == later and c.updated_at == later  # unread again in the desk
    # decided by the report's date (its newest, 2026-10-24 in Los Angeles), not the import
    report_day = utc(2026, 10, 24, 7, 0, 0)
    assert (c.decided_at, c.appeal_by, c.deadline_estimated) == (report_day, utc(2026, 10, 31, 7, 0, 0), True)
    e = StatusEvent.select().where(StatusEvent.claim == c.id).order_by(StatusEvent.id.desc()).get()
    assert (e.action, e.from_status, e.to_status, e.at, e.actor) == ("grant", "investigating", "resolved",
                                                                    report_day, "amazon")
    assert "Partial grant" in e.note and "last-60-days.tsv" in e.note and "estimated" in e.note
    assert [log.file_name for log in ImportLog.select().order_by(ImportLog.id)] == [
        "last-30-days.tsv", "last-60-days.tsv"]


def test_import_shows_a_claim_as_unread(desk, clock, tmp_path):
    run_import(desk, "returns", US_RETURNS)
    desk.mark_read(["3417789012"])
    assert not desk.claim("3417789012").unread
    clock.advance(hours=3)
    rows = set_cell(rows_of(US_RETURNS), 3, "SafeT claim state", "Awaiting Seller Response")
    rows = set_cell(rows, 3, "Return delivery date", "2026-11-23")  # a report from today
    s = run_import(desk, "returns", write_rows(tmp_path / "r.tsv", rows))
    assert s.claims_updated == ["3417789012"]
    view = desk.claim("3417789012")
    assert view.unread and view.status.value == "awaiting"
    # estimated: the report's date (2026-11-23 in Los Angeles) is the earliest the reply-by can be
    assert view.reply_by == utc(2026, 11, 23, 8, 0, 0) and view.deadline_estimated
    assert view.thread[-1].kind == "status" and "Awaiting Seller Response" in view.thread[-1].body


def test_an_appeal_seen_in_a_report(empty_desk, clock, tmp_path):
    run_import(empty_desk, "returns", US_RETURNS)
    clock.advance(days=1)
    rows = set_cell(rows_of(US_RETURNS), 5, "SafeT claim state", "Under appeal")
    rows = set_cell(rows, 5, "Return delivery date", "2026-10-26")  # inside the estimated appeal window
    run_import(empty_desk, "returns", write_rows(tmp_path / "appealed.tsv", rows))
    c = Claim.get(Claim.claim_no == "3417650022")
    assert (c.status, c.appeal_used, c.appeal_by, c.due_at) == ("investigating", True, None, None)
    clock.advance(days=1)
    rows = set_cell(rows, 5, "SafeT claim state", "Resolved")
    rows = set_cell(rows, 5, "SafeT claim reimbursement amount", "49.99")
    run_import(empty_desk, "returns", write_rows(tmp_path / "decided.tsv", rows))
    c = Claim.get(Claim.claim_no == "3417650022")
    assert (c.status, c.outcome, c.appeal_decided, c.appeal_by) == ("resolved", "grant_full", True, None)
    actions = [e.action for e in StatusEvent.select().where(StatusEvent.claim == c.id).order_by(StatusEvent.id)]
    assert actions == ["file", "no_grant", "appeal", "decide_appeal"]


def test_dry_run_writes_nothing_and_says_what_would_change(desk):
    before_counts, before_rows = table_counts(desk.database), snapshot(desk.database)
    dry = run_import(desk, "returns", US_RETURNS, dry_run=True)
    assert table_counts(desk.database) == before_counts and snapshot(desk.database) == before_rows
    assert dry.dry_run and dry.import_id is None
    assert "Dry run: nothing was written." in str(dry)
    real = run_import(desk, "returns", US_RETURNS)
    assert (sorted(dry.claims_created), dry.refunds_added, dry.skipped) == (
        sorted(real.claims_created), real.refunds_added, real.skipped)
    dry = run_import(desk, "settlement", US_SETTLEMENT, dry_run=True)
    assert dry.payouts_matched == ["3417701188"]
    assert table_counts(desk.database)["payout"] == 0


def test_claim_id_of_another_account_is_skipped(desk, tmp_path):
    run_import(desk, "returns", US_RETURNS)
    rows = rows_of(IN_RETURNS)
    rows = set_cell(rows, 3, "SafeT claim id", "3417789012")  # already a Northwind Goods claim
    s = run_import(desk, "returns", write_rows(tmp_path / "in.tsv", rows))
    assert s.skipped == {"claim id already belongs to account 'Northwind Goods'": [3]}
    assert Claim.get(Claim.claim_no == "3417789012").order_id == "113-0048213-9920134"
