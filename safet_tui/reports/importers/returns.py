"""The merchant-fulfilled returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

Rows with a refunded amount and no SAFE-T claim id become claimable refunds
with a file-by date from the marketplace policy (the summary says which date
the window counts from when the refund date is unknown). Rows with a claim id
create the claim or bring it to the reported state, recording a status event
for any change.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from safet_tui.domain.eligibility import is_automated_text
from safet_tui.domain.lifecycle import Status
from safet_tui.domain.money import Money, MoneyError
from safet_tui.domain.reconcile import BACKWARDS, STALE, Reported, reconcile_new
from safet_tui.domain.records import (
    RecordError,
    check_claim_no,
    check_instant,
    check_minor,
    check_reimbursed,
)
from safet_tui.reports.bulk.accounts import policy_for, resolve_account
from safet_tui.reports.bulk.claim_state import (
    INVESTIGATING,
    apply_report,
    reason_of,
    state_of,
    write_back,
)
from safet_tui.reports.bulk.refunds import (
    Verdicts,
    claim_for_item,
    file_by,
    find_refund,
    refresh_file_by,
    set_field,
)
from safet_tui.reports.bulk.store import ClaimRec, Store, new_refund
from safet_tui.reports.context import ImportContext
from safet_tui.reports.reading.cells import _instant_of, _minor_of, amount, currency, instant
from safet_tui.reports.reading.dates import DateError
from safet_tui.reports.reading.tsv import Row, Table, decode

REQUIRED = {"order id": "Order ID", "refunded amount": "Refunded Amount", "safet claim id": "SafeT claim id"}


class ReturnRow(NamedTuple):
    line: int
    order_id: str
    item: str
    sku: str
    asin: str
    title: str
    return_reason: str
    refunded: int | None
    delivered: datetime | None
    requested: datetime | None
    claim_id: str
    state: str
    action_reason: str
    created: datetime | None
    reimbursed: int | None
    order_amount: int | None
    #: the return type or resolution names Amazon's automated refund (not claimable)
    automated: bool = False


class Parsed:
    """``rows``: a :class:`ReturnRow` for a row with a claim id, a plain tuple of the same fields
    (cheaper to build) for the others."""

    def __init__(self, policy, rows: list[tuple], undated: bool = False) -> None:
        self.policy = policy
        self.rows = rows
        #: some refund without a claim has no return-delivery date (the summary says so)
        self.undated = undated


_TEXT_KEYS = ("order id", "order item id", "merchant sku", "asin", "item name", "return reason",
              "safet claim id", "currency code", "refunded amount", "return delivery date", "return request date")
_CLAIM_KEYS = ("safet claim state", "safet action reason", "safet claim creation time",
               "safet claim reimbursement amount", "order amount")
#: what decides whether a refund can be claimed at all (a partial or an automated refund cannot)
_REFUND_KEYS = ("order amount", "return type", "resolution")


def read(data: bytes, ctx: ImportContext) -> Parsed:
    """Parse and check every row (nothing is written); stops at the first bad cell.

    Typed cells are memoised per file by their text (a report's dates, amounts and currency
    repeat); a text seen for the first time goes through :mod:`.cells`, which raises the error
    naming the line, column and value. The checks run in the same order as cell by cell.
    """
    table = Table(decode(data, ctx.file), ctx.file)
    table.require(REQUIRED)
    ctx.total = table.total * 2
    first_currency, first_row = "", None
    for row in table.rows():
        first_currency = currency(table, row, "currency code")
        if first_currency:
            first_row = row
            break
    policy = policy_for(ctx.policies, file=ctx.file, currency=first_currency, account=ctx.account,
                        line=first_row.line if first_row else None,
                        column=table.name("currency code") if first_row else None)
    tz, locale = policy.tz, policy.locale
    rows: list[tuple] = []
    pick = table.cells_picker(_TEXT_KEYS)
    pick_claim = table.cells_picker(_CLAIM_KEYS)
    pick_refund = table.cells_picker(_REFUND_KEYS)
    ok_currency = {"": True, policy.currency: True}
    amounts: dict[str, int | None] = {"": None}
    instants: dict[str, datetime | None] = {"": None}
    undated = False
    tick = ctx.tick if ctx.progress is not None else None

    # A text seen for the first time is read by the memoised parsers of .cells; one that does not
    # parse goes through cells.amount/instant, which raise the error naming line, column and value.
    # Values outside what the desk can store (2^63 cents, year 9999) are refused here, once per text.
    def amount_at(text: str, line: int, cells: list[str], key: str) -> int | None:
        try:
            value = _minor_of(text, locale)
            check_minor(value, key)
        except MoneyError:
            amount(table, Row(line, cells), key, locale)
            raise
        except RecordError as exc:
            raise table.error(Row(line, cells), key, exc.problem) from None
        amounts[text] = value
        return value

    def instant_at(text: str, line: int, cells: list[str], key: str) -> datetime | None:
        try:
            value = _instant_of(text, tz)
            check_instant(value, key)
        except (DateError, ValueError) as exc:
            if isinstance(exc, RecordError):
                raise table.error(Row(line, cells), key, exc.problem) from None
            instant(table, Row(line, cells), key, tz)
            raise
        except OverflowError:
            raise table.error(Row(line, cells), key, "out of range (dates from 2000-01-01 up to 2100-01-01)") from None
        instants[text] = value
        return value

    start, lines = table.data_lines()
    for line, text in enumerate(lines, start=start):
        if not text or text.isspace():
            continue
        cells = text.split("\t")
        (order_id, item, sku, asin, title, return_reason, claim_id, cur, refunded_text, delivered_text,
         requested_text) = pick(cells)
        if cur not in ok_currency:
            cur = currency(table, Row(line, cells), "currency code")
            if cur and cur != policy.currency:
                raise table.error(Row(line, cells), "currency code",
                                  f"the report is in {policy.currency} ({policy.marketplace}); "
                                  "one report holds one marketplace")
        refunded = amounts[refunded_text] if refunded_text in amounts else amount_at(
            refunded_text, line, cells, "refunded amount")
        delivered = instants[delivered_text] if delivered_text in instants else instant_at(
            delivered_text, line, cells, "return delivery date")
        requested = instants[requested_text] if requested_text in instants else instant_at(
            requested_text, line, cells, "return request date")
        if claim_id:
            state, action_reason, created_text, reimbursed_text, order_amount_text = pick_claim(cells)
            created = instants[created_text] if created_text in instants else instant_at(
                created_text, line, cells, "safet claim creation time")
            reimbursed = amounts[reimbursed_text] if reimbursed_text in amounts else amount_at(
                reimbursed_text, line, cells, "safet claim reimbursement amount")
            order_amount = amounts[order_amount_text] if order_amount_text in amounts else amount_at(
                order_amount_text, line, cells, "order amount")
            try:
                check_claim_no(claim_id)
                # what the claim is for: the refund, else the order amount (as _claim files it)
                check_reimbursed(abs(refunded or 0) or abs(order_amount or 0) or None, reimbursed)
            except RecordError as exc:
                key = "safet claim id" if exc.field == "claim_id" else "safet claim reimbursement amount"
                raise table.error(Row(line, cells), key, exc.problem) from None
            _, return_type, resolution = pick_refund(cells)
            rows.append(ReturnRow(line, order_id, item, sku, asin, title, return_reason, refunded, delivered,
                                  requested, claim_id, state, action_reason, created, reimbursed, order_amount,
                                  is_automated_text(return_type, resolution)))
        else:
            order_amount, automated = None, False
            if refunded:
                if delivered is None:
                    undated = True
                order_amount_text, return_type, resolution = pick_refund(cells)
                order_amount = amounts[order_amount_text] if order_amount_text in amounts else amount_at(
                    order_amount_text, line, cells, "order amount")
                automated = is_automated_text(return_type, resolution)
            rows.append((line, order_id, item, sku, asin, title, return_reason, refunded, delivered,
                         requested, claim_id, "", "", None, None, order_amount, automated))
        if tick is not None:
            tick(len(rows))
    return Parsed(policy, rows, undated)


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    """Write the parsed rows (inside the caller's transaction).

    The loop is written for 100k-row files: the common cases (a known product, an order the
    desk has no refund or claim for, a file-by date already computed for the same pair of
    dates) are dictionary look-ups; everything else goes through the same helpers as before.
    """
    summary, policy = ctx.summary, parsed.policy
    account = resolve_account(policy, ctx.account, summary)
    store = Store(ctx.database, account.id, ctx.user).load()
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
    account_id, currency = account.id, policy.currency
    #: (return delivery, return request) -> (file-by, basis): a report's dates repeat
    deadlines: dict[tuple, tuple[int | None, str]] = {}
    epochs: dict[datetime | None, int | None] = {None: None}
    claimable = expired = unchanged = never = 0
    as_of = report_date(rows, ctx.now)
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
            pid = known[0]
        else:
            pid = store.product_id(sku, asin, title)
        claim = None
        if claim_id:
            if claim_id in foreign:
                summary.skip(f"claim id already belongs to account {foreign[claim_id]!r}", line)
                continue
            claim = _claim(store, r, pid, policy, ctx, claims_new, claims_changed, as_of)
            if claim is None:
                continue
        if not refunded:
            if claim is None:
                summary.skip("no refund yet (Refunded Amount empty or 0)", line)
            continue
        rec = find_refund(store, order_id, item, sku) if order_id in refunds_by_order else None
        if claim is not None:
            link = claim
        elif order_id in claims_by_order:
            link = claim_for_item(store, order_id, item, sku)
        else:
            link = None
        if rec is None:
            dates = (delivered, requested)
            deadline = deadlines.get(dates)
            if deadline is None:
                deadline = deadlines[dates] = file_by(policy, None, delivered, requested)
            fb, basis = deadline
            if delivered in epochs:
                delivered_at = epochs[delivered]
            else:
                delivered_at = epochs[delivered] = _epoch(delivered)
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
            set_field(rec, "delivered_at", _epoch(delivered))
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
    verdicts.write()
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


def _epoch(value):
    return None if value is None else int(value.timestamp())


def report_date(rows: list[tuple], now: datetime) -> datetime:
    """When the report's facts held, at the earliest: its newest date (return delivery, request,
    claim creation), never later than now. A report carries no date of its own."""
    newest = max((d for r in rows for d in (r[8], r[9], r[13]) if d is not None), default=None)
    return now if newest is None or newest > now else newest


def _claim(store: Store, r: ReturnRow, pid, policy, ctx: ImportContext, created: set[str],
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
            claimed_minor=claimed, reimbursed_minor=None, filed_at=_epoch(filed), updated_at=ctx.now_epoch,
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
