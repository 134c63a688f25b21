"""Writing a returns report's rows (inside the caller's transaction): claimable refunds with
their file-by dates, and claims created or brought to the reported state."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from safet_tui.domain.clock import to_epoch
from safet_tui.domain.lifecycle import Status
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import Money
from safet_tui.domain.reconcile import BACKWARDS, STALE, Reported, reconcile_new
from safet_tui.reports.bulk.accounts import resolve_account
from safet_tui.reports.bulk.claim_state import (
    INVESTIGATING,
    apply_report,
    reason_of,
    state_of,
    write_back,
)
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
from safet_tui.reports.bulk.store import ClaimRec, Store, new_refund
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.importers.returns.reading import Parsed, ReturnRow


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    """Write the parsed rows (inside the caller's transaction).

    The loop is written for 100k-row files: the common cases (a known product, an order the
    desk has no refund or claim for, a file-by date already computed for the same pair of
    dates) are dictionary look-ups; everything else goes through the same helpers as before.
    """
    summary, policy = ctx.summary, parsed.policy
    account = resolve_account(policy, ctx.account, summary, ctx.accounts)
    store = Store(ctx.database, account.get_id(), ctx.user).load()
    verdicts = Verdicts(store)
    foreign = store.foreign_claims(r[10] for r in parsed.rows if r[10])
    now_epoch = ctx.now_epoch
    added = 0  # refunds new in this import are the ones without an id until the flush
    updated: set[int] = set()
    claims_new: set[str] = set()
    claims_changed: set[str] = set()
    rows = parsed.rows
    offset = len(rows)
    tick = ctx.tick if ctx.progress is not None else None
    products = store.products
    refunds_by_order = store.refunds_by_order
    claims_by_order = store.claims_by_order
    new_refunds = store.new_refunds
    account_id, currency = account.get_id(), policy.currency
    #: (return delivery, return request) -> (file-by, basis): a report's dates repeat
    deadlines: dict[tuple, tuple[int | None, str]] = {}
    epochs: dict[datetime | None, int | None] = {None: None}
    claimable = expired = unchanged = never = 0
    as_of = report_date(parsed.newest, ctx.now)
    for done, r in enumerate(rows, start=1):
        if tick is not None:
            tick(offset + done)
        (line, order_id, item, sku, asin, title, return_reason, refunded, delivered, requested,
         claim_id, _, _, _, _, order_amount, automated) = r
        if not order_id:
            summary.skip("no order id", line)
            continue
        known = products.get(sku) if sku else None
        if known is not None and (not asin or known[1]) and (not title or known[2]):
            pid: int | None = known[0]
        else:
            pid = store.product_id(sku, asin, title)
        claim = None
        if claim_id:
            if claim_id in foreign:
                owner = "another account" if ctx.accounts is not None else f"account {foreign[claim_id]!r}"
                summary.skip(f"claim id already belongs to {owner}", line)  # a limited seller is not told whose
                continue
            # a row with a claim id is a ReturnRow (Parsed.rows)
            claim = _claim(store, cast(ReturnRow, r), pid, policy, ctx, claims_new, claims_changed, as_of)
            if claim is None:
                continue
        if not refunded:
            if claim is None:
                summary.skip("no refund yet (Refunded Amount empty or 0)", line)
            continue
        on_file = order_id in refunds_by_order  # (no refund on the order: none to find, no item taken)
        rec = find_refund(store, order_id, item, sku) if on_file else None
        link: ClaimRec | None
        if claim is not None:
            link = claim
        elif order_id in claims_by_order:
            link = claim_for_item(store, order_id, item, sku)
        else:
            link = None
        if rec is None:
            if on_file and item_taken(store, order_id, item):
                raise ReportError(UNTOLD_ITEM, file=ctx.file, line=line, column="Order Item ID", value=item)
            dates = (delivered, requested)
            deadline = deadlines.get(dates)
            if deadline is None:
                deadline = deadlines[dates] = file_by(policy, None, delivered, requested)
            fb, basis = deadline
            if delivered in epochs:
                delivered_at = epochs[delivered]
            else:
                delivered_at = epochs[delivered] = to_epoch(delivered)
            rec = new_refund(sku, link, account_id, pid, order_id, item, return_reason, currency, abs(refunded),
                             None, delivered_at, fb, basis, link.id if link else None, now_epoch)
            new_refunds.append(rec)
            on_order = refunds_by_order.get(order_id)
            if on_order is None:
                refunds_by_order[order_id] = [rec]
            else:
                on_order.append(rec)
            added += 1
            if (order_amount or automated) and verdicts.decide(
                    rec, policy, abs(order_amount) if order_amount else None, automated=automated):
                never += link is None
                continue  # never claimable: neither counted nor reported as claimable
            if link is None:
                claimable += 1
                if fb is not None and fb < now_epoch:
                    expired += 1
                if fb is None:
                    summary.note(f"no file-by date for order {order_id} (line {line}): no refund, "
                                 "return-delivery or return-request date")
            continue
        set_field(rec, "amount_minor", abs(refunded))
        if delivered is not None:
            set_field(rec, "delivered_at", to_epoch(delivered))
        if return_reason:
            set_field(rec, "return_reason", return_reason)
        if rec.product_id is None and pid is not None:
            set_field(rec, "product_id", pid)
            rec.sku = sku
        if not rec.order_item_id and item:
            set_field(rec, "order_item_id", item)
        if rec.claim is None and rec.claim_id is None and link is not None:
            rec.claim = link
            rec.dirty = True
        refresh_file_by(rec, policy, requested)
        verdicts.decide(rec, policy, abs(order_amount) if order_amount else verdicts.known(rec)[0],
                        automated=automated)
        if rec.dirty and rec.id is not None:
            updated.add(id(rec))
        elif rec.id is not None and id(rec) not in updated:
            unchanged += 1
    summary.rows_read += len(rows)
    summary.claimable_added += claimable
    summary.claimable_expired += expired
    summary.refunds_unchanged += unchanged
    store.flush()
    if never:
        summary.note(f"{never} refund(s) can never be claimed (partial or automated refunds): not listed as "
                     "claimable")
    summary.payouts_matched += [no for no, _ in store.rematch_payouts()]
    summary.refunds_added += added
    summary.refunds_updated += len(updated)
    summary.claims_created += sorted(claims_new)
    summary.claims_updated += sorted(claims_changed - claims_new)
    if parsed.undated:
        summary.note("the returns report has no refund date: file-by windows count from the return "
                     "delivery (or request) date until a settlement report supplies the refund date")


def report_date(newest: datetime | None, now: datetime) -> datetime:
    """When the report's facts held, at the earliest: its newest date (return delivery, request,
    claim creation), never later than now. A report carries no date of its own."""
    return now if newest is None or newest > now else newest


def _claim(store: Store, r: ReturnRow, pid: int | None, policy: Policy, ctx: ImportContext, created: set[str],
           changed: set[str], as_of: datetime) -> ClaimRec | None:
    summary = ctx.summary
    state = state_of(r.state)
    if state is None:
        summary.skip(f"unknown SafeT claim state {r.state!r}" if r.state else "no SafeT claim state", r.line)
        return None
    status, appeal = state
    reimbursed = None if r.reimbursed is None else Money.from_minor(abs(r.reimbursed), policy.currency)
    reported = Reported(Status(status), as_of, appeal=appeal, reimbursed=reimbursed, source=ctx.file)
    rec = store.claims.get(r.claim_id)
    if rec is None:
        if r.item:
            other = [c for c in store.claims_by_order.get(r.order_id, []) if c.order_item_id == r.item]
            if other:
                summary.skip(f"order item already has claim {other[0].claim_no} (one claim per order item)",
                             r.line)
                return None
        reason = reason_of(r.action_reason)
        if reason is None:
            summary.skip(f"unknown SafeT Action reason {r.action_reason!r}" if r.action_reason
                         else "no SafeT Action reason", r.line)
            return None
        claimed = abs(r.refunded or 0) or abs(r.order_amount or 0)
        if not claimed:
            summary.skip("no claimed amount (Refunded Amount and Order Amount are empty)", r.line)
            return None
        filed = r.created or min(as_of, ctx.now)
        if r.created is None:
            summary.note("claims without a creation time are dated at the report's date")
        result = reconcile_new(Money.from_minor(claimed, policy.currency), filed, reported, policy,
                               filed_known=r.created is not None)
        if result.skipped:
            summary.skip(f"cannot record the reported state: {result.skipped}", r.line)
            return None
        rec = store.add_claim(ClaimRec(
            claim_no=r.claim_id, account_id=store.account_id, product_id=pid, order_id=r.order_id,
            order_item_id=r.item, reason=reason.code,
            description=f"Filed in Seller Central ({r.action_reason or reason.label}); imported from "
                        f"{ctx.file}, line {r.line}.",
            status=INVESTIGATING, outcome=None, denial_reason=None, currency=policy.currency,
            claimed_minor=claimed, reimbursed_minor=None, filed_at=to_epoch(filed), updated_at=ctx.now_epoch,
            changed_at=ctx.now_epoch, reply_by=None, appeal_by=None, appeal_used=False, appeal_decided=False,
            due_at=None, paid_minor=0,
        ))
        rec.line = r.line
        write_back(store, rec, result, ctx.now_epoch)
        created.add(rec.claim_no)
        return rec
    if rec.product_id is None and pid is not None:
        rec.product_id = pid
        rec.dirty = True
    events_before = len(store.events)
    skipped = apply_report(store, rec, reported, policy, ctx.now_epoch)
    if skipped:
        summary.skip(f"claim {rec.claim_no} not changed: the report {skipped}" if skipped in (STALE, BACKWARDS)
                     else f"claim {rec.claim_no} not changed: {skipped}", r.line)
    elif len(store.events) > events_before:
        changed.add(rec.claim_no)
    elif rec.claim_no not in created and rec.claim_no not in changed:
        summary.claims_unchanged += 1
    return rec
