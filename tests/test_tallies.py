"""The analytics tallies (schema 8, issue 15): kept by triggers in the transaction of every change,
whoever writes it, they always equal a full recount of the claims; the dashboard read from them
equals the one computed from every claim."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import analytics_oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reports_support import (
    IN_RETURNS,
    US_RETURNS,
    US_SETTLEMENT,
    rows_of,
    set_cell,
    write_rows,
)

from safet_tui import tallies
from safet_tui.db import Claim, Refund
from safet_tui.db_open import open_database
from safet_tui.domain.figures import Scope
from safet_tui.domain.lifecycle import TransitionError
from safet_tui.domain.money import Money
from safet_tui.reports import run_import
from safet_tui.reports.bulk.claim_state import STATES
from safet_tui.service import analytics
from safet_tui.service.errors import ServiceError
from safet_tui.transactions import DB, bound, close_database

pytestmark = pytest.mark.backends("sqlite", "postgresql")

ACTIONS = ("file", "reply", "info", "grant", "partial", "no_grant", "appeal", "expire", "import", "generated")
_COPIES = itertools.count(1)
DENIALS = ("Insufficient evidence provided", "Photos do not show the return label", "", "Not stated in the report")


def assert_tallies_right(database=None) -> None:
    assert tallies.differences(database or DB.obj) == {}


def _claims(status: str | None = None, **where) -> list[str]:
    q = Claim.select(Claim.claim_no).order_by(Claim.claim_no)
    if status:
        q = q.where(Claim.status == status)
    for field, value in where.items():
        q = q.where(getattr(Claim, field) == value)
    return [c.claim_no for c in q]


def _generated_report(tmp_path, rng: random.Random):
    """A returns report from a sample, its claim states and decisions shuffled."""
    sample = rng.choice((US_RETURNS, IN_RETURNS))
    rows = rows_of(sample)
    states = sorted(STATES)
    for line in range(2, len(rows) + 1):  # file lines after the header
        if rng.random() < 0.5:
            rows = set_cell(rows, line, "SafeT claim state", rng.choice(states))
    return write_rows(tmp_path / f"gen-{rng.randrange(10**9)}.tsv", rows)


def _step(desk, clock, tmp_path, action: str, pick: int) -> None:
    amazon = desk.as_role("amazon")
    rng = random.Random(pick)

    def one(nos: list[str]) -> str | None:
        return nos[pick % len(nos)] if nos else None

    try:
        if action == "file":
            refunds = list(Refund.select().where(Refund.claim.is_null(True) & (Refund.not_claimable == ""))
                           .order_by(Refund.id).limit(50))
            if refunds:
                r = refunds[pick % len(refunds)]
                desk.file_claim(account_id=r.account_id, order_id=r.order_id, order_item_id=r.order_item_id,
                                reason_code="not_returned", amount=Money.from_minor(r.amount_minor, r.currency),
                                description="The buyer kept the item.", refund_at=r.refund_at,
                                delivered_at=r.delivered_at)
        elif action == "reply" and (no := one(_claims("awaiting"))):
            desk.reply(no, "Tracking attached.")
        elif action == "info" and (no := one(_claims("investigating"))):
            amazon.request_info(no, "Please send the invoice.")
        elif action in ("grant", "partial") and (no := one(_claims("investigating") + _claims("awaiting"))):
            c = Claim.get(Claim.claim_no == no)
            minor = c.claimed_minor if action == "grant" else max(1, c.claimed_minor // 2)
            amazon.grant(no, Money.from_minor(minor, c.currency))
        elif action == "no_grant" and (no := one(_claims("investigating") + _claims("awaiting"))):
            amazon.no_grant(no, DENIALS[pick % len(DENIALS)] or "Insufficient evidence provided")
        elif action == "appeal" and (no := one(_claims("resolved", appeal_used=False))):
            desk.appeal(no, "The decision is wrong: photos attached.")
        elif action == "expire":
            clock.advance(days=1 + pick % 9)
            desk.catch_up()
        elif action == "import":
            run_import(desk, "auto", (US_RETURNS, IN_RETURNS, US_SETTLEMENT)[pick % 3])
        elif action == "generated":
            run_import(desk, "returns", _generated_report(tmp_path, rng))
    except (ServiceError, TransitionError):
        pass  # a step the rules refuse changes nothing


@given(st.lists(st.tuples(st.sampled_from((*ACTIONS, "copy")), st.integers(0, 10**6)), min_size=1, max_size=12))
@settings(max_examples=12)
def test_tallies_equal_a_full_recount_after_any_changes(demo_db, clock, tmp_path, steps):
    """The demo (its tallies counted in bulk; on PostgreSQL copied there by ``db copy``), then
    desk actions, imports and copies (``db copy`` to a SQLite file, the steps going on there)."""
    from safet_tui.db_copy import copy_database
    from safet_tui.service.desk import Desk

    desk = Desk(str(demo_db), clock=clock, user="tester")
    try:
        with bound(desk.database):
            assert_tallies_right()
        for action, pick in steps:
            if action == "copy":
                dest = tmp_path / f"copy-{next(_COPIES)}.db"  # a new file for each copy of every example
                copy_database(str(desk.target), str(dest))
                desk.close()
                desk = Desk(str(dest), clock=clock, user="tester")
            else:
                with bound(desk.database):
                    _step(desk, clock, tmp_path, action, pick)
            with bound(desk.database):
                assert_tallies_right()
    finally:
        desk.close()


def test_upgrade_from_schema_7_counts_the_tallies(demo_db, backend):
    """A schema-7 database (tallies and triggers gone) upgrades to 8 with its tallies counted, and
    the triggers keep them from then on."""
    from safet_tui.migrations import tallies_v8

    database = open_database(str(demo_db))
    with bound(database), database.atomic():
        tallies_v8.drop_triggers(database)
        for t in tallies.TABLES:
            database.execute_sql(f"DROP TABLE {t}")
        database.execute_sql("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    close_database(database)
    database = open_database(str(demo_db))
    try:
        with bound(database):
            assert database.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "8"
            assert database.execute_sql("SELECT SUM(n) FROM claim_tally").fetchone()[0] == Claim.select().count()
            assert_tallies_right(database)
            Claim.update(status="resolved", outcome="no_grant").where(Claim.status == "awaiting").execute()
            assert_tallies_right(database)
    finally:
        close_database(database)


def test_a_copied_database_has_its_tallies(demo_db, tmp_path):
    from safet_tui.db_copy import copy_database

    dest = tmp_path / "copy.db"
    copy_database(str(demo_db), str(dest))
    database = open_database(str(dest))
    try:
        with bound(database):
            assert database.execute_sql("SELECT SUM(n) FROM claim_tally").fetchone()[0] == Claim.select().count()
            assert_tallies_right(database)
    finally:
        close_database(database)


def test_deleting_claims_and_their_events_keeps_the_tallies(desk):
    with bound(desk.database):
        appealed = Claim.select(Claim.id).where(Claim.appeal_decided == True)  # noqa: E712
        Claim.delete().where(Claim.id.in_([c.id for c in appealed][:5])).execute()
        assert_tallies_right()


PERIODS = ("30d", "90d", "12m", "all", "2026-09-01:2026-10-15", "2026-11-23:2026-11-23")


def test_the_dashboard_from_the_tallies_equals_the_full_computation(desk, clock):
    with bound(desk.database):
        accounts = [r[0] for r in desk.database.execute_sql("SELECT id FROM account ORDER BY id")]
        names = [r[0] for r in desk.database.execute_sql("SELECT name FROM account ORDER BY id")]
        scopes = [Scope(), Scope(None, "amazon.in", "amazon.in"), *(Scope(a, None, str(a)) for a in accounts),
                  Scope(accounts=(names[0],))]  # a seller who may see one account
        for now in (clock.now(), clock.now() - timedelta(days=40, hours=7, minutes=13)):
            for period in PERIODS:
                for scope in scopes:
                    want = analytics_oracle.compute(now, period, scope)
                    assert analytics.compute(now, period, scope) == want, (period, scope)


def test_tab_totals_come_from_the_tallies(desk):
    counts = desk.lists().counts()
    with bound(desk.database):
        for tab in ("awaiting", "investigating", "resolved"):
            assert counts[tab].total == Claim.select().where(Claim.status == tab).count()
