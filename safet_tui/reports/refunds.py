"""Refunds from reports: matching them to what the desk holds, and their file-by dates.

A refund is one order item (account, order id, order-item id). Reports do not
always carry the order-item id (older returns reports lack the column), so a
row without one matches the order's refund for the same SKU, or the order's
only refund; a row with one fills it in on a refund that had none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from ..db import from_epoch
from ..domain.marketplaces import Policy, PolicyError
from .store import ClaimRec, RefundRec, Store


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


@lru_cache(maxsize=65536)
def file_by(policy: Policy, refund_at: datetime | None, delivered_at: datetime | None,
            requested_at: datetime | None = None) -> tuple[int | None, str]:
    """The last instant to file (epoch) and which date the window was counted from (memoised:
    a report's dates repeat)."""
    try:
        _, basis = policy.filing_basis_at(refund_at, delivered_at)
        return _epoch(policy.file_by(refund_at, delivered_at)), basis
    except PolicyError:
        if requested_at is None:
            return None, "unknown (no refund, return-delivery or return-request date)"
        local = requested_at.astimezone(policy.tz).date()
        day = local + timedelta(days=policy.filing_window_days(requested_at))
        return _epoch(policy.end_of_day(day)), "return request date (refund and return-delivery dates unknown)"


def find_refund(store: Store, order_id: str, item: str, sku: str) -> RefundRec | None:
    candidates = store.refunds_by_order.get(order_id)
    if not candidates:
        return None
    if item:
        for r in candidates:
            if r.order_item_id == item:
                return r
        blank = [r for r in candidates if not r.order_item_id and (not sku or not r.sku or r.sku == sku)]
        return blank[0] if len(blank) == 1 else None
    if sku:
        same = [r for r in candidates if r.sku == sku]
        if len(same) == 1:
            return same[0]
        if same:
            return None
    return candidates[0] if len(candidates) == 1 else None


def claim_for_item(store: Store, order_id: str, item: str, sku: str) -> ClaimRec | None:
    """The desk's claim on this order item, if any (so its refund is not shown as claimable)."""
    on_order = store.claims_by_order.get(order_id)
    if not on_order:
        return None
    if item:
        exact = [c for c in on_order if c.order_item_id == item]
        if exact:
            return exact[0]
        on_order = [c for c in on_order if not c.order_item_id]
    if sku and len(on_order) > 1:
        on_order = [c for c in on_order if store.product_sku.get(c.product_id) == sku]
    return on_order[0] if len(on_order) == 1 else None


def refresh_file_by(rec: RefundRec, policy: Policy, requested_at: datetime | None = None) -> None:
    fb, basis = file_by(policy, from_epoch(rec.refund_at), from_epoch(rec.delivered_at), requested_at)
    if requested_at is None and fb is None and rec.file_by is not None:
        return  # keep a window counted from a date this report does not carry
    if (fb, basis) != (rec.file_by, rec.basis):
        rec.file_by, rec.basis = fb, basis
        rec.dirty = True


def set_field(rec, name: str, value) -> None:
    if getattr(rec, name) != value:
        setattr(rec, name, value)
        rec.dirty = True
