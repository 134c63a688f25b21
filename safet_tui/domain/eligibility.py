"""May this refund be claimed now? Exactly why not, or how long is left."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from safet_tui.domain.clock import ensure_aware
from safet_tui.domain.deadlines import humanize_left, local_time
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import Evidence, Reason, missing_evidence

#: Amazon order ids: 3-7-7 digits (112-4829301-5518223); digital orders start with a letter (D01-…)
ORDER_ID = re.compile(r"[0-9A-Z]{3}-\d{7}-\d{7}")


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    problems: tuple[str, ...] = ()
    file_by: datetime | None = None
    basis: str = ""
    left: str = ""
    missing: tuple[Evidence, ...] = field(default=())
    #: the order item the claim is for: the one typed, else the order's only refunded item
    order_item_id: str = ""

    @property
    def summary(self) -> str:
        if self.ok:
            assert self.file_by is not None
            return f"Eligible: {self.left} (file by {local_time(self.file_by)}, from {self.basis})"
        return "; ".join(self.problems)


#: how a returns report names Amazon's automated refund (Resolution / Return type): "AutoRefund",
#: "Auto-Refund", "Automated refund", "automatic_refund"; "Refund at First Scan" is not one of them
AUTOMATED_TEXT = re.compile(r"\bauto(?:mated|matic)?[\s_-]*refund", re.IGNORECASE)


@lru_cache(maxsize=4096)  # a report repeats a handful of return types and resolutions
def is_automated_text(*texts: str) -> bool:
    """Does a report's return type or resolution say the refund was Amazon's automated one?"""
    return any(t and AUTOMATED_TEXT.search(t) for t in texts)


def why_not_claimable(policy: Policy, refunded: int | None = None, order: int | None = None, *,
                      refund_at: datetime | None = None, delivered_at: datetime | None = None,
                      automated: bool = False, known: str = "") -> str:
    """Why this refund can never be claimed, in words ('' when nothing rules it out).

    ``refunded`` and ``order`` (the order item's amount) are minor units of ``policy.currency``, as
    refunds are stored (an import decides this for every row, so it stays cheap). The two rules of
    Amazon's SAFE-T policy that a report can show:

    - "An order must have already been fully refunded (return shipping cost or restocking fee may be
      deducted from the refund in accordance with the refund policy)": a refund more than
      ``policy.refund_deduction_percent`` below the order item's amount is partial.
    - "Automated Refunds issued when you don't process refunds within four calendar days of receiving a
      returned item are not eligible": the report says so (``automated``: its return type or resolution
      names an automated refund, see :func:`is_automated_text`), or the refund posted more than
      ``policy.auto_refund_days`` calendar days (marketplace-local) after the return was delivered, which
      is when Amazon refunds a return the seller did not process (a refund the seller issued is not
      Amazon's and not claimable either).

    ``known`` is a verdict stored earlier from facts the caller no longer has (a report's resolution
    text): reasons only accumulate, each said once.
    """
    dated = refund_at is not None and delivered_at is not None
    short: tuple[int, int] | None = None  # (refunded, order) of a partial refund
    if refunded is not None and order is not None and order > 0:
        floor = (order * (100 - policy.refund_deduction_percent) * 2 + 100) // 200  # half-up, in minor units
        if refunded < floor:
            short = (refunded, order)
    if not known and not automated and not dated and short is None:
        return ""
    reasons = [r for r in known.split("; ") if r] if known else []
    if short is not None:
        partial = (f"partial refund: {Money.from_minor(short[0], policy.currency)} of the "
                   f"{Money.from_minor(short[1], policy.currency)} order item was refunded "
                   "(only a fully refunded order can be claimed)")
        if partial not in reasons:
            reasons.append(partial)
    if not any(r.startswith(_AUTOMATED) for r in reasons):
        if automated:
            reasons.append(f"{_AUTOMATED} (the report says so): Amazon refunded a return that was not "
                           f"processed within {policy.auto_refund_days} days, which cannot be claimed")
        elif refund_at is not None and delivered_at is not None:  # dated
            late = (ensure_aware(refund_at, "refund date").astimezone(policy.tz).date()
                    - ensure_aware(delivered_at, "return delivery").astimezone(policy.tz).date()).days
            if late > policy.auto_refund_days:
                reasons.append(f"{_AUTOMATED}: refunded {late} days after the return was delivered; refunds "
                               f"of returns not processed within {policy.auto_refund_days} days cannot be "
                               "claimed")
    return "; ".join(reasons)


_AUTOMATED = "automated refund"


def order_item_for(typed: str, refunded_items: Sequence[str]) -> tuple[str, str]:
    """The order item a claim is for, and what is wrong ('' when nothing): the item typed; left
    blank, the item of the order's only refund (a report may name none: ''). A blank item with
    several refunds, or none the desk knows of, cannot be held to one claim per order item and
    the refunded amount."""
    if typed.strip():
        return typed.strip(), ""
    if len(refunded_items) == 1:
        return refunded_items[0], ""
    if refunded_items:
        named = sorted(i for i in refunded_items if i)
        shown = ", ".join(named[:5]) + (", …" if len(named) > 5 else "")
        return "", (f"the order has {len(refunded_items)} refunded items ({shown}): enter the order item "
                    "the claim is for")
    return "", "enter the order item id (one claim per order item)"


def check_filing(
    policy: Policy,
    now: datetime,
    refund_at: datetime | None,
    delivered_at: datetime | None = None,
    *,
    posted: bool | None = None,
    requested_at: datetime | None = None,
    window: tuple[datetime, str] | None = None,
    already_claimed: bool = False,
    amount: Money | None = None,
    refunded: Money | None = None,
    order_amount: Money | None = None,
    automated: bool = False,
    not_claimable: str = "",
    reason: Reason | None = None,
    description: str | None = None,
    evidence: set[Evidence] | None = None,
    order_id: str | None = None,
    order_item_id: str | None = None,
    refunded_items: Sequence[str] = (),
) -> Eligibility:
    """Check every filing rule; the result lists each problem, in words.

    ``posted``: the refund is known to have posted (a report showed its refunded amount) even when its
    date is not known; by default a refund has posted when it has a date. A posted refund without a
    date is fileable: its window counts from the best evidence (:meth:`Policy.filing_basis_at`), and
    ``basis`` says which. ``window`` is a file-by already worked out from evidence the caller no longer
    holds (a stored refund's), used when no date here gives one. ``not_claimable`` is a stored verdict
    of :func:`why_not_claimable`. ``order_item_id`` (when given) is the item typed, resolved with
    :func:`order_item_for` against ``refunded_items``, the order's refunded items; the facts
    (``already_claimed``, ``refunded``, ...) are those of the item it resolves to.
    """
    ensure_aware(now, "now")
    problems: list[str] = []
    if order_id is not None and not ORDER_ID.fullmatch(order_id.strip()):
        problems.append(f"{order_id.strip()!r} is not an Amazon order id (3-7-7 digits, like 112-4829301-5518223)")
    item = ""
    if order_item_id is not None:
        item, why_item = order_item_for(order_item_id, refunded_items)
        if why_item:
            problems.append(why_item)
    if posted is None:
        posted = refund_at is not None
    file_by = None
    basis = ""
    if refund_at is None and not posted:
        problems.append("the refund has not posted yet: a claim can only be filed after the refund")
    elif refund_at is not None and now < refund_at:
        problems.append(f"the refund posts on {local_time(refund_at, policy.tz)}: file after that")
    if refund_at is not None or delivered_at is not None or (posted and requested_at is not None):
        at, basis = policy.filing_basis_at(refund_at, delivered_at, requested_at if posted else None)
        file_by = policy.window_end(at)
    elif window is not None and posted:
        file_by, basis = window
    if file_by is not None:
        file_by = file_by.astimezone(policy.tz)  # shown in the marketplace's zone, as everywhere
    if file_by is not None and now > file_by:
        problems.append(f"the filing window closed on {local_time(file_by)} ({basis})")
    if already_claimed:
        problems.append("this order item already has a claim (one claim per order item)")
    same = [m.minor if m is not None and m.currency == policy.currency else None for m in (refunded, order_amount)]
    why = why_not_claimable(policy, *same, refund_at=refund_at, delivered_at=delivered_at, automated=automated,
                            known=not_claimable)
    if why:
        problems.append(why)
    if amount is not None:
        if amount.currency != policy.currency:
            problems.append(f"amount is in {amount.currency}; {policy.marketplace} claims are in {policy.currency}")
        elif not amount.is_positive():
            problems.append("the claimed amount must be more than zero")
        elif refunded is not None and amount > refunded:
            problems.append(f"the claimed amount {amount} is more than the {refunded} refunded")
    if description is not None and not description.strip():
        problems.append("every claim needs a description")
    missing: list[Evidence] = []
    if reason is not None:
        missing = missing_evidence(reason, evidence or set())
        if missing:
            problems.append("missing evidence: " + ", ".join(e.label for e in missing))
    left = humanize_left(file_by, now) if file_by else ""
    return Eligibility(not problems, tuple(problems), file_by, basis, left, tuple(missing), item)
