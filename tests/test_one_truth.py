"""One truth for a claim: reports reconcile through the domain; time passing ends claims for every
reader; estimates are marked; decisions are dated by evidence (issue 9, points 2-6 and 8)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from test_reports_support import US_RETURNS, US_SETTLEMENT, rows_of, set_cell, utc, write_rows

from safet_tui.db import Claim, StatusEvent
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import NO_REPLY_DENIAL
from safet_tui.export.claims import export_claims
from safet_tui.reports import run_import

pytestmark = pytest.mark.backends("sqlite", "postgresql")

DAY = timedelta(days=1)
REPORT_DAY = utc(2026, 10, 24, 7, 0, 0)  # the newest date in the US returns sample, in Los Angeles


def history(claim_no: str) -> list[tuple]:
    c = Claim.get(Claim.claim_no == claim_no)
    return [(e.action, e.actor, e.from_status, e.to_status, e.at) for e in
            StatusEvent.select().where(StatusEvent.claim == c.id).order_by(StatusEvent.at, StatusEvent.id)]


def assert_valid(claim_no: str) -> None:
    c = Claim.get(Claim.claim_no == claim_no)
    steps = [(a, f, t) for a, _, f, t, _ in history(claim_no)]
    assert lc.check_history(steps).value == c.status


def export_json(desk) -> dict:
    out = io.StringIO()
    export_claims(desk, out, fmt="json")
    return {c["claim_id"]: c for c in json.loads(out.getvalue())["claims"]}


# -- 2. deadlines: known or estimated, never from the import time -------------------------------

def test_imported_deadlines_are_estimated_from_evidence_and_marked(empty_desk, clock, tmp_path):
    clock.advance(days=20)  # imported long after the report's facts
    run_import(empty_desk, "returns", US_RETURNS)
    c = Claim.get(Claim.claim_no == "3417650022")  # a No-Grant in the report, no appeal-by given
    assert c.appeal_by == REPORT_DAY + 7 * DAY != clock.now() + 7 * DAY
    assert c.deadline_estimated
    row = export_json(empty_desk)["3417650022"]
    assert row["deadline_estimated"] is True and row["appeal_state"] == "closed"


def test_estimated_deadline_reads_with_a_tilde_in_the_list(empty_desk, clock, tmp_path):
    rows = set_cell(rows_of(US_RETURNS), 3, "SafeT claim state", "Awaiting Seller Response")
    rows = set_cell(rows, 3, "Return delivery date", "2026-11-23")
    run_import(empty_desk, "returns", write_rows(tmp_path / "r.tsv", rows))
    (row,) = empty_desk.window("awaiting", 0, 10)
    assert row.claim_no == "3417789012" and row.estimated
    from safet_tui.widgets.text import deadline_text

    text, _ = deadline_text(row.deadline, clock.now(), row.estimated)
    assert text.startswith("~")


# -- 3. decision time by evidence; an unknown denial reason is not a reason ------------------------

def test_imported_decisions_are_dated_by_evidence_and_unknown_reasons_not_ranked(empty_desk, clock):
    clock.advance(days=30)
    run_import(empty_desk, "returns", US_RETURNS)
    run_import(empty_desk, "settlement", US_SETTLEMENT)
    figures = empty_desk.analytics("all")
    assert all(d.reason.lower() not in ("not stated in the report", "reason not given") for d in figures.denials)
    assert figures.denials_unstated == 1
    # every decision happened by the report's date: none is dated at the import, 30+ days later
    assert figures.headline.median_days is not None and figures.headline.median_days < 30


# -- 4. a reply-by that passes ends the claim, for every reader ----------------------------------

def _awaiting_claim(desk, clock):
    run_import(desk, "returns", US_RETURNS)
    amazon = desk.as_role("amazon")
    amazon.request_info("3417789012", "Please send the carrier's scan.", reply_by=clock.now() + DAY)
    return amazon


def test_no_reply_by_reply_by_ends_in_no_grant_and_opens_the_appeal(empty_desk, clock):
    _awaiting_claim(empty_desk, clock)
    reply_by = clock.now() + DAY
    clock.advance(days=3)
    counts = empty_desk.counts()  # the first reader after the reply-by
    assert counts["awaiting"].total == 0
    view = empty_desk.claim("3417789012")
    assert (view.status, view.outcome, view.denial_reason) == (lc.Status.RESOLVED, lc.Outcome.NO_GRANT,
                                                               NO_REPLY_DENIAL)
    policy = empty_desk.policies["amazon.com"]
    assert view.appeal_by == policy.appeal_by(reply_by) and not view.deadline_estimated
    assert history("3417789012")[-1][:4] == ("no_grant", "amazon", "awaiting", "resolved")
    assert history("3417789012")[-1][4] == reply_by  # decided at the reply-by, not when noticed
    assert empty_desk.why_not_appeal("3417789012") is None  # the appeal window is open
    assert_valid("3417789012")


def test_passing_reply_by_is_seen_by_export_and_analytics_too(empty_desk, clock):
    _awaiting_claim(empty_desk, clock)
    clock.advance(days=3)
    assert export_json(empty_desk)["3417789012"]["status"] == "resolved"
    clock.advance(days=1)  # a second claim would be the analytics' to notice; none is at stake now
    figures = empty_desk.analytics("all")
    assert sum(m.open_claims for m in figures.money) == 0


# -- 5. a payout resolves an open claim; a mismatch is named ---------------------------------------

def test_a_payout_resolves_a_claim_under_investigation(empty_desk, clock, tmp_path):
    run_import(empty_desk, "returns", US_RETURNS)
    rows = set_cell(rows_of(US_SETTLEMENT), 6, "adjustment-id", "3417789012")
    rows = set_cell(rows, 6, "amount", "30.00")  # of 34.50 claimed: a partial grant
    s = run_import(empty_desk, "settlement", write_rows(tmp_path / "s.tsv", rows))
    c = Claim.get(Claim.claim_no == "3417789012")
    assert (c.status, c.outcome, c.reimbursed_minor, c.paid_minor) == ("resolved", "grant_partial", 3000, 3000)
    assert c.decided_at == utc(2026, 10, 9, 8, 12, 55)  # the payout's posting time
    assert "3417789012" in s.claims_updated and not s.payout_mismatches
    assert_valid("3417789012")


def test_a_payout_that_differs_from_the_grant_is_flagged(empty_desk, clock, tmp_path):
    run_import(empty_desk, "returns", US_RETURNS)
    rows = set_cell(rows_of(US_SETTLEMENT), 6, "amount", "20.00")  # 3417701188 was granted 27.99
    s = run_import(empty_desk, "settlement", write_rows(tmp_path / "s.tsv", rows))
    assert s.payout_mismatches == ["3417701188: granted $27.99, paid $20.00"]
    assert "payout mismatch" in str(s)
    assert empty_desk.claim("3417701188").payout_mismatch


# -- 6. an older report never moves a claim back, and never invents a seller action -----------------

def test_an_older_report_is_skipped_and_invents_no_appeal(empty_desk, clock, tmp_path):
    week1 = set_cell(rows_of(US_RETURNS), 5, "SafeT claim state", "Under Investigation")
    week1 = set_cell(week1, 5, "SafeT claim reimbursement amount", "")
    run_import(empty_desk, "returns", US_RETURNS)  # the newer report: 3417650022 is resolved
    before = history("3417650022")
    s = run_import(empty_desk, "returns", write_rows(tmp_path / "week1.tsv", week1))
    c = Claim.get(Claim.claim_no == "3417650022")
    assert (c.status, c.appeal_used) == ("resolved", False)
    assert history("3417650022") == before
    assert any("3417650022" in reason for reason in s.skipped)


# -- 8. a closed appeal window is closed, and sorts last ---------------------------------------

def test_a_closed_appeal_window_sorts_last_and_is_not_overdue(empty_desk, clock):
    run_import(empty_desk, "returns", US_RETURNS)
    amazon = empty_desk.as_role("amazon")
    claim_no = "3417789012"
    amazon.no_grant(claim_no, "Insufficient evidence provided", appeal_by=clock.now() + DAY)
    clock.advance(days=2)
    rows = empty_desk.window("resolved", 0, 10)
    assert rows[-1].claim_no == claim_no or all(r.deadline is None for r in rows)
    assert next(r for r in rows if r.claim_no == claim_no).deadline is None  # nothing left to do
    row = export_json(empty_desk)[claim_no]
    assert row["appeal_state"] == "closed" and row["deadline"] is None


def test_reconcile_in_the_domain_never_moves_back():
    from safet_tui.domain.marketplaces import Policies
    from safet_tui.domain.reconcile import BACKWARDS, STALE, Reported, reconcile

    policy = Policies()["amazon.com"]
    t0 = utc(2026, 10, 1)
    state, _ = lc.file_claim(Money.of("10", "USD"), t0)
    state, _ = lc.no_grant(state, lc.Actor.AMAZON, t0 + DAY, "Insufficient evidence provided", t0 + 8 * DAY)
    assert reconcile(state, t0 + DAY, Reported(lc.Status.INVESTIGATING, t0 + 2 * DAY), policy).skipped == BACKWARDS
    assert reconcile(state, t0 + DAY, Reported(lc.Status.AWAITING, t0), policy).skipped == STALE
    appealed = reconcile(state, t0 + DAY, Reported(lc.Status.INVESTIGATING, t0 + 2 * DAY, appeal=True), policy)
    assert appealed.state.appeal_used and [e.action for e in appealed.events] == ["appeal"]


# -- a claims file is a report too: a claim the database holds goes through reconcile() ----------

def test_a_claims_file_brings_a_known_claim_forward_and_an_older_one_changes_nothing(empty_desk, clock, tmp_path):
    run_import(empty_desk, "returns", US_RETURNS)
    older = tmp_path / "older.json"
    with older.open("w") as out:
        export_claims(empty_desk, out, fmt="json", with_messages=True)
    clock.advance(hours=1)
    empty_desk.as_role("amazon").grant("3417789012", Money.of("34.50", "USD"))  # decided in the desk
    newer = tmp_path / "newer.json"
    with newer.open("w") as out:
        export_claims(empty_desk, out, fmt="json", with_messages=True)

    # the older file on the newer database: the grant stays, nothing is invented
    before = history("3417789012")
    s = run_import(empty_desk, "claims", older)
    assert history("3417789012") == before and "3417789012" not in s.claims_updated
    assert any("3417789012" in note and "not changed" in note for note in s.notes)

    # the newer file on a database that only saw the returns report: the claim moves forward
    other = empty_desk.__class__(str(tmp_path / "other.db"), clock=clock, user="tester")
    try:
        run_import(other, "returns", US_RETURNS)
        s = run_import(other, "claims", newer)
        assert s.claims_updated == ["3417789012"]
        view = other.claim("3417789012")
        assert (view.status, view.outcome) == (lc.Status.RESOLVED, lc.Outcome.GRANT_FULL)
    finally:
        other.close()
