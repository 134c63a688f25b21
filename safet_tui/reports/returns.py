"""The merchant-fulfilled returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

Rows with a refunded amount and no SAFE-T claim id become claimable refunds
with a file-by date from the marketplace policy (the summary says which date
the window counts from when the refund date is unknown). Rows with a claim id
create the claim or bring it to the reported state, recording a status event
for any change.
"""

from __future__ import annotations

from .accounts import policy_for, resolve_account
from .cells import amount, currency, instant
from .claim_state import INVESTIGATING, apply_state, reason_of, state_of
from .context import ImportContext
from .refunds import claim_for_item, file_by, find_refund, refresh_file_by, set_field
from .store import ClaimRec, RefundRec, Store
from .tsv import Table, decode

REQUIRED = {"order id": "Order ID", "refunded amount": "Refunded Amount", "safet claim id": "SafeT claim id"}


class ReturnRow:
    __slots__ = ("line", "order_id", "item", "sku", "asin", "title", "return_reason", "refunded", "delivered",
                 "requested", "claim_id", "state", "action_reason", "created", "reimbursed", "order_amount")


class Parsed:
    def __init__(self, policy, rows: list[ReturnRow]) -> None:
        self.policy = policy
        self.rows = rows


def read(data: bytes, ctx: ImportContext) -> Parsed:
    """Parse and check every row (nothing is written); stops at the first bad cell."""
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
    tz = policy.tz
    rows: list[ReturnRow] = []
    cell = table.cell
    pick = table.picker(("order id", "order item id", "merchant sku", "asin", "item name", "return reason",
                         "safet claim id"))
    for done, row in enumerate(table.rows(), start=1):
        cur = currency(table, row, "currency code")
        if cur and cur != policy.currency:
            raise table.error(row, "currency code", f"the report is in {policy.currency} ({policy.marketplace}); "
                                                    "one report holds one marketplace")
        r = ReturnRow()
        r.line = row.line
        r.order_id, r.item, r.sku, r.asin, r.title, r.return_reason, r.claim_id = pick(row)
        r.refunded = amount(table, row, "refunded amount")
        r.delivered = instant(table, row, "return delivery date", tz)
        r.requested = instant(table, row, "return request date", tz)
        r.state = r.action_reason = ""
        r.created = r.reimbursed = r.order_amount = None
        if r.claim_id:
            r.state = cell(row, "safet claim state")
            r.action_reason = cell(row, "safet action reason")
            r.created = instant(table, row, "safet claim creation time", tz)
            r.reimbursed = amount(table, row, "safet claim reimbursement amount")
            r.order_amount = amount(table, row, "order amount")
        rows.append(r)
        ctx.tick(done)
    return Parsed(policy, rows)


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    """Write the parsed rows (inside the caller's transaction)."""
    summary, policy = ctx.summary, parsed.policy
    account = resolve_account(policy, ctx.account, summary)
    store = Store(ctx.database, account.id, ctx.user).load()
    foreign = store.foreign_claims(r.claim_id for r in parsed.rows if r.claim_id)
    now_epoch = ctx.now_epoch
    added: set[int] = set()
    updated: set[int] = set()
    claims_new: set[str] = set()
    claims_changed: set[str] = set()
    offset = len(parsed.rows)
    for done, r in enumerate(parsed.rows, start=1):
        ctx.tick(offset + done)
        summary.rows_read += 1
        if not r.order_id:
            summary.skip("no order id", r.line)
            continue
        pid = store.product_id(r.sku, r.asin, r.title)
        claim = None
        if r.claim_id:
            if r.claim_id in foreign:
                summary.skip(f"claim id already belongs to account {foreign[r.claim_id]!r}", r.line)
                continue
            claim = _claim(store, r, pid, policy, ctx, claims_new, claims_changed)
            if claim is None:
                continue
        if r.refunded is None or r.refunded == 0:
            if claim is None:
                summary.skip("no refund yet (Refunded Amount empty or 0)", r.line)
            continue
        rec = find_refund(store, r.order_id, r.item, r.sku)
        link = claim or claim_for_item(store, r.order_id, r.item, r.sku)
        if rec is None:
            fb, basis = file_by(policy, None, r.delivered, r.requested)
            rec = store.add_refund(RefundRec(
                sku=r.sku, claim=link, account_id=account.id, product_id=pid, order_id=r.order_id,
                order_item_id=r.item, return_reason=r.return_reason, currency=policy.currency,
                amount_minor=abs(r.refunded), refund_at=None, delivered_at=_epoch(r.delivered), file_by=fb,
                basis=basis, claim_id=link.id if link else None, created_at=now_epoch,
            ))
            added.add(id(rec))
            if link is None:
                summary.claimable_added += 1
                if fb is not None and fb < now_epoch:
                    summary.claimable_expired += 1
                if fb is None:
                    summary.note(f"no file-by date for order {r.order_id} (line {r.line}): no refund, "
                                 "return-delivery or return-request date")
            continue
        set_field(rec, "amount_minor", abs(r.refunded))
        if r.delivered is not None:
            set_field(rec, "delivered_at", _epoch(r.delivered))
        if r.return_reason:
            set_field(rec, "return_reason", r.return_reason)
        if rec.product_id is None and pid is not None:
            set_field(rec, "product_id", pid)
            rec.sku = r.sku
        if not rec.order_item_id and r.item:
            set_field(rec, "order_item_id", r.item)
        if rec.claim is None and rec.claim_id is None and link is not None:
            rec.claim = link
            rec.dirty = True
        refresh_file_by(rec, policy, r.requested)
        if rec.dirty and id(rec) not in added:
            updated.add(id(rec))
        elif id(rec) not in added and id(rec) not in updated:
            summary.refunds_unchanged += 1
    store.flush()
    summary.payouts_matched += [no for no, _ in store.rematch_payouts()]
    summary.refunds_added += len(added)
    summary.refunds_updated += len(updated)
    summary.claims_created += sorted(claims_new)
    summary.claims_updated += sorted(claims_changed - claims_new)
    if any(r.refunded and not r.claim_id and r.delivered is None for r in parsed.rows):
        summary.note("the returns report has no refund date: file-by windows count from the return "
                     "delivery (or request) date until a settlement report supplies the refund date")


def _epoch(value):
    return None if value is None else int(value.timestamp())


def _claim(store: Store, r: ReturnRow, pid, policy, ctx: ImportContext, created: set[str],
           changed: set[str]) -> ClaimRec | None:
    summary = ctx.summary
    state = state_of(r.state)
    if state is None:
        summary.skip(f"unknown SafeT claim state {r.state!r}" if r.state else "no SafeT claim state", r.line)
        return None
    status, appeal = state
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
        filed = r.created or ctx.now
        if r.created is None:
            summary.note("claims without a creation time are dated at the import")
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
        store.event(rec, _epoch(filed), "file", None, INVESTIGATING, f"imported from {ctx.file}", actor="seller")
        created.add(rec.claim_no)
        apply_state(store, rec, status, appeal, r.reimbursed, policy, ctx.now, ctx.file)
        return rec
    if rec.product_id is None and pid is not None:
        rec.product_id = pid
        rec.dirty = True
    if apply_state(store, rec, status, appeal, r.reimbursed, policy, ctx.now, ctx.file):
        changed.add(rec.claim_no)
    elif rec.claim_no not in created and rec.claim_no not in changed:
        summary.claims_unchanged += 1
    return rec
