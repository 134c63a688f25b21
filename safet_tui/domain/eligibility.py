"""May this refund be claimed now? Exactly why not, or how long is left."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .clock import ensure_aware
from .deadlines import humanize_left
from .marketplaces import Policy
from .money import Money
from .reasons import Evidence, Reason, missing_evidence

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

    @property
    def summary(self) -> str:
        if self.ok:
            return f"Eligible: {self.left} (file by {self.file_by:%Y-%m-%d %H:%M %Z}, from {self.basis})"
        return "; ".join(self.problems)


def check_filing(
    policy: Policy,
    now: datetime,
    refund_at: datetime | None,
    delivered_at: datetime | None = None,
    *,
    already_claimed: bool = False,
    amount: Money | None = None,
    refunded: Money | None = None,
    reason: Reason | None = None,
    description: str | None = None,
    evidence: set[Evidence] | None = None,
    auto_refund: bool = False,
    fully_refunded: bool = True,
    order_id: str | None = None,
) -> Eligibility:
    """Check every filing rule; the result lists each problem, in words."""
    ensure_aware(now, "now")
    problems: list[str] = []
    if order_id is not None and not ORDER_ID.fullmatch(order_id.strip()):
        problems.append(f"{order_id.strip()!r} is not an Amazon order id (3-7-7 digits, like 112-4829301-5518223)")
    file_by = None
    basis = ""
    if refund_at is None:
        problems.append("the refund has not posted yet: a claim can only be filed after the refund")
    elif now < refund_at:
        problems.append(f"the refund posts on {refund_at:%Y-%m-%d %H:%M %Z}: file after that")
    if refund_at is not None or delivered_at is not None:
        file_by = policy.file_by(refund_at, delivered_at)
        _, basis = policy.filing_basis_at(refund_at, delivered_at)
        if now > file_by:
            problems.append(f"the filing window closed on {file_by:%Y-%m-%d %H:%M %Z} ({basis})")
    if already_claimed:
        problems.append("this order item already has a claim (one claim per order item)")
    if not fully_refunded:
        problems.append("the order must be fully refunded")
    if auto_refund:
        problems.append(
            f"automated refunds for returns not processed within {policy.auto_refund_days} days are not eligible"
        )
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
    return Eligibility(not problems, tuple(problems), file_by, basis, left, tuple(missing))
