"""Refunds from reports: matching them to what the desk holds, and their file-by dates.

A refund is one order item (account, order id, order-item id). Reports do not
always carry the order-item id (older returns reports lack the column), so a
row without one matches the order's refund for the same SKU, or the order's
only refund; a row with one fills it in on a refund that had none.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.eligibility import why_not_claimable
from safet_tui.domain.marketplaces import Policy, PolicyError
from safet_tui.reports.bulk.store import ClaimRec, RefundRec, Store


@lru_cache(maxsize=65536)
def file_by(policy: Policy, refund_at: datetime | None, delivered_at: datetime | None,
            requested_at: datetime | None = None, reported_at: datetime | None = None) -> tuple[int | None, str]:
    """The last instant to file (epoch) and which date the window was counted from, by the policy's
    best-evidence rule (memoised: a report's dates repeat)."""
    try:
        at, basis = policy.filing_basis_at(refund_at, delivered_at, requested_at, reported_at)
    except PolicyError:
        return None, "unknown (no refund, return-delivery or return-request date)"
    return to_epoch(policy.window_end(at)), basis


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


def item_taken(store: Store, order_id: str, item: str) -> bool:
    """The desk holds a refund of this order with this order-item id (blank included) that
    :func:`find_refund` did not pick: a new refund cannot take its key. It happens to a row without
    an order-item id on an order with several refunds, none of them for the row's SKU."""
    return any(r.order_item_id == item for r in store.refunds_by_order.get(order_id, ()))


UNTOLD_ITEM = ("the order has refunds for several items and this row names none of them (no order-item id, "
               "another SKU): it cannot tell which item was refunded; use a report with the order-item id")


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
        on_order = [c for c in on_order if store.sku_of(c.product_id) == sku]
    return on_order[0] if len(on_order) == 1 else None


def refresh_file_by(rec: RefundRec, policy: Policy, requested_at: datetime | None = None,
                    reported_at: datetime | None = None) -> None:
    fb, basis = file_by(policy, from_epoch(rec.refund_at), from_epoch(rec.delivered_at), requested_at, reported_at)
    if requested_at is None and fb is None and rec.file_by is not None:
        return  # keep a window counted from a date this report does not carry
    if (fb, basis) != (rec.file_by, rec.basis):
        rec.file_by, rec.basis = fb, basis
        rec.dirty = True


def set_field(rec, name: str, value) -> None:
    if getattr(rec, name) != value:
        setattr(rec, name, value)
        rec.dirty = True


class Verdicts:
    """Each refund's order amount and why it can never be claimed (``Refund.order_minor`` and
    ``Refund.not_claimable``), as :func:`..domain.eligibility.why_not_claimable` decides, kept on
    the refund's record so the store writes them with the rest of the row. A refund whose verdict
    changes is marked dirty, so the summary counts it as updated and a second import of the same
    file changes nothing."""

    def __init__(self, store: Store) -> None:
        self.store = store
        #: verdicts without a refund date or an earlier verdict, by (policy, refunded, order amount,
        #: automated): all they depend on, and a report's amounts repeat
        self._undated: dict[tuple, str] = {}

    def known(self, rec: RefundRec) -> tuple[int | None, str]:
        """What the desk holds for this refund: (order amount, reason); (None, '') when new."""
        return rec.order_minor, rec.not_claimable

    def decide(self, rec: RefundRec, policy: Policy, order_minor: int | None, *, automated: bool = False,
               known: str = "") -> str:
        """Record the verdict for ``rec`` from what is known now; returns the reason ('' if claimable)."""
        refund_at = rec.refund_at  # without it only the amounts and the report's words count
        key = (policy, rec.amount_minor, order_minor, automated) if refund_at is None and not known else None
        memo = self._undated.get(key) if key is not None else None
        if memo is not None:
            reason = memo
        else:
            reason = why_not_claimable(
                policy, rec.amount_minor, order_minor, automated=automated, known=known,
                refund_at=None if refund_at is None else from_epoch(refund_at),
                delivered_at=None if refund_at is None or rec.delivered_at is None else from_epoch(rec.delivered_at))
            if key is not None:
                self._undated[key] = reason
        if (order_minor, reason) != (rec.order_minor, rec.not_claimable):
            rec.order_minor, rec.not_claimable = order_minor, reason
            if rec.id is not None:
                rec.dirty = True
        return reason
