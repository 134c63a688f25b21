"""Plain data the service layer hands to screens and the CLI (no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from safet_tui.domain.lifecycle import Outcome, Status, deadline_of
from safet_tui.domain.money import Money

TABS = ("awaiting", "investigating", "resolved", "claimable")
TAB_LABELS = {
    "awaiting": "Awaiting Seller Response",
    "investigating": "Under Investigation",
    "resolved": "Resolved",
    "claimable": "Claimable",
}
SORTS = ("deadline", "updated", "amount", "claim")
#: a text filter lists its newest matches first (``"newest"``), or those matches in one of SORTS
FILTER_SORTS = ("newest", *SORTS)
#: a text filter lists and counts at most this many matches per tab (its newest); a count of
#: FILTER_CAP + 1 means "more than FILTER_CAP"
FILTER_CAP = 1000


@dataclass(frozen=True)
class TabCount:
    total: int
    unread: int
    #: a filter's count that stopped at FILTER_CAP: there are more (``unread`` counts only those seen)
    more: bool = False


@dataclass(frozen=True)
class ListRow:
    """One line of the claim list (a claim, or a claimable refund on the Claimable tab)."""

    key: int  # claim id, or refund id on the Claimable tab
    kind: str  # "claim" | "refund"
    claim_no: str
    order_id: str
    sku: str
    title: str
    reason: str
    claimed: Money
    reimbursed: Money | None
    deadline: datetime | None
    updated_at: datetime | None
    status: str
    outcome: str | None
    unread: bool
    marketplace: str = ""
    #: the deadline is an estimate (no report or message stated it)
    estimated: bool = False
    #: the seller account (an agency runs many)
    account: str = ""
    #: the one appeal was filed / decided (the outcome is then the appeal's)
    appeal_used: bool = False
    appeal_decided: bool = False


@dataclass(frozen=True)
class AttachmentView:
    id: int
    name: str
    size: int
    sha256: str
    media_type: str
    created_at: datetime
    message_id: int | None


@dataclass(frozen=True)
class ThreadItem:
    """A message, or a status change shown inline."""

    at: datetime
    kind: str  # message | info_request | decision | appeal | note | status
    side: str  # seller | amazon | system
    author: str
    body: str
    attachments: tuple[AttachmentView, ...] = ()


@dataclass(frozen=True)
class ClaimView:
    id: int
    claim_no: str
    account: str
    marketplace: str
    order_id: str
    order_item_id: str
    sku: str
    asin: str
    title: str
    reason: str
    description: str
    status: Status
    outcome: Outcome | None
    denial_reason: str | None
    claimed: Money
    reimbursed: Money | None
    paid: Money
    filed_at: datetime
    updated_at: datetime
    reply_by: datetime | None
    appeal_by: datetime | None
    appeal_used: bool
    appeal_decided: bool
    unread: bool = False
    thread: tuple[ThreadItem, ...] = field(default=())
    attachments: tuple[AttachmentView, ...] = field(default=())
    #: reply-by / appeal-by is an estimate (see README, "Deadlines that can be estimates")
    deadline_estimated: bool = False
    #: when Amazon first decided (best evidence for imported decisions)
    decided_at: datetime | None = None
    #: the steps the lifecycle refuses this desk now, with the reason (``lifecycle.refusals``)
    refusals: dict[str, str] = field(default_factory=dict)
    #: the marketplace's time zone: its deadlines are shown in it
    timezone: str = "UTC"

    @property
    def payout_mismatch(self) -> bool:
        """Settlement payouts were seen and differ from the recorded grant."""
        return (self.status is Status.RESOLVED and self.paid.is_positive() and self.reimbursed is not None
                and self.paid != self.reimbursed)

    @property
    def deadline(self) -> datetime | None:
        return deadline_of(self.status, self.outcome, self.reply_by, self.appeal_by, self.appeal_used)


@dataclass(frozen=True)
class RefundView:
    id: int
    account_id: int
    account: str
    marketplace: str
    order_id: str
    order_item_id: str
    sku: str
    title: str
    return_reason: str
    amount: Money
    refund_at: datetime | None
    delivered_at: datetime | None
    file_by: datetime | None
    basis: str
    claim_no: str | None
    #: the marketplace's time zone: the file-by is shown in it
    timezone: str = "UTC"


@dataclass(frozen=True)
class AccountView:
    id: int
    name: str
    marketplace: str
    currency: str


@dataclass(frozen=True)
class StatusChange:
    """A claim's status change that another terminal, an import or a passing deadline made."""
    event_id: int
    claim_no: str
    from_status: str  # label
    to_status: str  # label
    outcome: str  # label of the claim's outcome now ('' when none)
    actor: str  # seller | amazon
    user: str
    #: what happened, in words (``denied by Amazon``)
    words: str = ""
