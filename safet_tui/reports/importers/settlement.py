"""The settlement report V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2).

``Refund`` rows give refund dates and amounts (an order item's ``ItemPrice``
and ``Promotion`` lines, negated, are what the buyer got back): the refund
date replaces the estimate a returns report left (its file-by is counted
again) and can show an automated refund; ``SAFE-T
Reimbursement`` rows, in any case, become payouts matched to a claim by claim
id (the adjustment-id column) or by order. Unmatched payouts are kept and
listed; a later import that brings their claim matches them. Amounts are
read as the marketplace's locale writes numbers (``-49,99`` in ``de_DE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from safet_tui.domain.clock import from_epoch
from safet_tui.domain.lifecycle import Status
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import Money
from safet_tui.domain.reconcile import Reported
from safet_tui.reports.bulk.accounts import policy_for, resolve_account
from safet_tui.reports.bulk.claim_state import RESOLVED, apply_report
from safet_tui.reports.bulk.refunds import (
    UNTOLD_ITEM,
    Verdicts,
    claim_for_item,
    file_by,
    find_refund,
    item_taken,
    refresh_file_by,
    set_field,
)
from safet_tui.reports.bulk.store import ClaimRec, PayoutRec, RefundRec, Store
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.reading.cells import amount, currency, first_currency, instant
from safet_tui.reports.reading.tsv import Table, decode
from safet_tui.reports.summary import UnmatchedPayout

REQUIRED = {"transaction type": "transaction-type", "order id": "order-id", "amount": "amount"}
SAFET = re.compile(r"^safe[\s-]?t\s+reimbursement$", re.IGNORECASE)
REFUND_AMOUNT_TYPES = {"itemprice", "promotion"}


@dataclass
class RefundGroup:
    line: int
    order_id: str
    item: str
    sku: str
    posted: datetime | None
    amount_minor: int = 0
    lines: list[int] = field(default_factory=list)


@dataclass
class Payout:
    line: int
    order_id: str
    adjustment_id: str
    sku: str
    amount_minor: int
    posted: datetime | None


@dataclass
class Parsed:
    policy: Policy
    refunds: list[RefundGroup]
    payouts: list[Payout]
    skipped: list[tuple[str, int]]
    rows: int


def _marketplace(table: Table, ctx: ImportContext) -> str:
    known = {m.lower(): m for m in ctx.policies.by_market}
    for row in table.rows():
        name = table.cell(row, "marketplace name").lower()
        if name in known:
            return known[name]
    return ""


def read(data: bytes, ctx: ImportContext) -> Parsed:
    table = Table(decode(data, ctx.file), ctx.file)
    table.require(REQUIRED)
    if not (table.has("posted date time") or table.has("posted date")):
        table.require({"posted date": "posted-date"})
    ctx.total = table.total * 2
    market = _marketplace(table, ctx)
    cur, cur_row = first_currency(table, "currency")
    policy = policy_for(ctx.policies, file=ctx.file, marketplace=market, currency=cur, account=ctx.account,
                        line=cur_row.line if cur_row else None,
                        column=table.name("currency") if cur_row else None)
    if cur_row is not None and cur != policy.currency:  # (cur_row: the row of the first currency)
        raise table.error(cur_row, "currency", f"the report is for {policy.marketplace} ({policy.currency})")
    tz = policy.tz
    groups: dict[tuple[str, str], RefundGroup] = {}
    payouts: list[Payout] = []
    skipped: list[tuple[str, int]] = []
    cell = table.cell
    for done, row in enumerate(table.rows(), start=1):
        ctx.tick(done)
        kind = cell(row, "transaction type")
        value = amount(table, row, "amount", policy.locale)
        posted = instant(table, row, "posted date time", tz) or instant(table, row, "posted date", tz)
        row_currency = currency(table, row, "currency")
        if row_currency and row_currency != policy.currency:
            raise table.error(row, "currency", f"the report is in {policy.currency}; one report holds one currency")
        if not kind:
            if cell(row, "settlement id") and (cell(row, "total amount") or cell(row, "deposit date")):
                skipped.append(("settlement summary row", row.line))
            else:
                skipped.append(("no transaction type", row.line))
            continue
        order_id = cell(row, "order id")
        if SAFET.match(kind) or SAFET.match(cell(row, "amount description")):
            if value is None:
                raise table.error(row, "amount", "a SAFE-T reimbursement needs an amount")
            payouts.append(Payout(row.line, order_id, cell(row, "adjustment id"), cell(row, "sku"), value, posted))
            continue
        if kind.lower() != "refund":
            skipped.append((f"transaction type {kind!r} (not a refund or SAFE-T reimbursement)", row.line))
            continue
        if not order_id:
            skipped.append(("refund without an order id", row.line))
            continue
        item = cell(row, "order item code") or cell(row, "merchant order item id")
        key = (order_id, item)
        group = groups.get(key)
        if group is None:
            group = groups[key] = RefundGroup(row.line, order_id, item, cell(row, "sku"), posted)
        group.lines.append(row.line)
        if posted is not None and (group.posted is None or posted < group.posted):
            group.posted = posted
        if value is not None and cell(row, "amount type").replace(" ", "").lower() in REFUND_AMOUNT_TYPES:
            group.amount_minor -= value
    return Parsed(policy, list(groups.values()), payouts, skipped, table.total)


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    summary, policy = ctx.summary, parsed.policy
    account = resolve_account(policy, ctx.account, summary, ctx.accounts)
    store = Store(ctx.database, account.id, ctx.user).load(payouts=True)
    verdicts = Verdicts(store)
    summary.rows_read = parsed.rows
    for reason, line in parsed.skipped:
        summary.skip(reason, line)
    now_epoch = ctx.now_epoch
    done = parsed.rows
    added = updated = 0
    for g in parsed.refunds:
        done += len(g.lines)
        ctx.tick(done)
        posted = None if g.posted is None else int(g.posted.timestamp())
        rec = find_refund(store, g.order_id, g.item, g.sku)
        if rec is None:
            if g.amount_minor <= 0:
                for line in g.lines:
                    summary.skip("refund rows without a refunded item price", line)
                continue
            if item_taken(store, g.order_id, g.item):
                raise ReportError(UNTOLD_ITEM, file=ctx.file, line=g.lines[0], column="order-item-code",
                                  value=g.item)
            link = claim_for_item(store, g.order_id, g.item, g.sku)
            fb, basis = file_by(policy, g.posted, None)
            store.add_refund(RefundRec(
                sku=g.sku, claim=link, account_id=account.id, product_id=store.product_id(g.sku),
                order_id=g.order_id, order_item_id=g.item, return_reason="", currency=policy.currency,
                amount_minor=g.amount_minor, refund_at=posted, delivered_at=None, file_by=fb, basis=basis,
                claim_id=link.id if link else None, created_at=now_epoch,
            ))
            added += 1
            if link is None:
                summary.claimable_added += 1
                if fb is not None and fb < now_epoch:
                    summary.claimable_expired += 1
            continue
        if posted is not None:
            set_field(rec, "refund_at", posted)
        if not rec.order_item_id and g.item:
            set_field(rec, "order_item_id", g.item)
        refresh_file_by(rec, policy)
        # The real refund date can show an automated refund (posted days after the return arrived); what
        # an earlier report said (a partial refund, a resolution naming an automated one) stays.
        order_minor, known = verdicts.known(rec)
        verdicts.decide(rec, policy, order_minor, known=known)
        if rec.dirty:
            updated += 1
        else:
            summary.refunds_unchanged += 1
    summary.refunds_added += added
    summary.refunds_updated += updated
    for p in parsed.payouts:
        done += 1
        ctx.tick(done)
        posted = None if p.posted is None else int(p.posted.timestamp())
        key = (p.adjustment_id, p.order_id, p.amount_minor, posted)
        if key in store.payout_keys:
            summary.payouts_known += 1
            continue
        store.payout_keys.add(key)
        claim = store.match_claim(p.adjustment_id, p.order_id, p.sku)
        store.new_payouts.append(PayoutRec(account.id, claim, p.order_id, p.adjustment_id, policy.currency,
                                           p.amount_minor, posted, f"{ctx.file} (sha256 {ctx.summary.sha256[:12]})"))
        if claim is not None:
            summary.payouts_matched.append(claim.claim_no)
        else:
            summary.payouts_unmatched.append(UnmatchedPayout(
                p.line, p.order_id, p.adjustment_id, Money.from_minor(p.amount_minor, policy.currency), p.posted))
    _decide_paid(store, policy, ctx)
    store.flush()
    summary.payouts_matched += [no for no, _ in store.rematch_payouts()]


def _decide_paid(store: Store, policy, ctx: ImportContext) -> None:
    """A payout proves a decision: a claim still open (or under appeal) that Amazon paid is
    resolved through the domain (full or partial grant by the total paid, dated by the payout);
    a resolved claim whose payouts differ from its grant is named in the summary."""
    summary = ctx.summary
    paid: dict[int, tuple[ClaimRec, int, datetime | None]] = {}
    for p in store.new_payouts:
        if p.claim is None:
            continue
        claim, minor, posted = paid.get(id(p.claim), (p.claim, p.claim.paid_minor or 0, None))
        at = from_epoch(p.posted_at)
        paid[id(p.claim)] = (claim, minor + p.amount_minor, at if posted is None or (at and at > posted) else posted)
    for claim, total, posted in paid.values():
        pending_appeal = claim.appeal_used and not claim.appeal_decided
        if claim.status != RESOLVED or pending_appeal:
            # Under appeal, only a payout beyond the first grant proves the appeal's decision (the
            # first grant's own payout often posts after the appeal was filed).
            if total > 0 and not (pending_appeal and total <= (claim.reimbursed_minor or 0)):
                reported = Reported(Status.RESOLVED, posted or ctx.now, reimbursed=Money.from_minor(
                    total, claim.currency), decided_at=posted, source=ctx.file)
                before = len(store.events)
                skipped = apply_report(store, claim, reported, policy, ctx.now_epoch)
                if skipped:
                    summary.note(f"claim {claim.claim_no}: payout not applied ({skipped})")
                elif len(store.events) > before and claim.claim_no not in summary.claims_updated:
                    summary.claims_updated.append(claim.claim_no)
        granted = claim.reimbursed_minor
        if claim.status == RESOLVED and granted is not None and granted != total:
            summary.payout_mismatches.append(
                f"{claim.claim_no}: granted {Money.from_minor(granted, claim.currency)}, "
                f"paid {Money.from_minor(total, claim.currency)}")
