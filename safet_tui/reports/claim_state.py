"""Claim states and reasons as reports write them, and applying a reported state to a claim.

A report says where a claim stands now, not when Amazon decided. When it does
not state a reply-by or appeal-by, the marketplace policy gives one counted
from the moment the desk learns of the change (the import), as the product
rules say; the status event says the date was estimated.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from ..db import to_epoch
from ..domain.lifecycle import Outcome, Status, deadline_of
from ..domain.marketplaces import Policy
from ..domain.reasons import Reason, ReasonError, reason_from_report
from .store import ClaimRec, Store

AWAITING, INVESTIGATING, RESOLVED = Status.AWAITING.value, Status.INVESTIGATING.value, Status.RESOLVED.value

#: report text (lower case) -> (status, appeal pending)
STATES: dict[str, tuple[str, bool]] = {
    "awaiting seller response": (AWAITING, False),
    "awaiting response": (AWAITING, False),
    "pending seller response": (AWAITING, False),
    "action required": (AWAITING, False),
    "needs more information": (AWAITING, False),
    "under investigation": (INVESTIGATING, False),
    "investigating": (INVESTIGATING, False),
    "in progress": (INVESTIGATING, False),
    "pending": (INVESTIGATING, False),
    "submitted": (INVESTIGATING, False),
    "open": (INVESTIGATING, False),
    "under appeal": (INVESTIGATING, True),
    "appeal pending": (INVESTIGATING, True),
    "appealed": (INVESTIGATING, True),
    "resolved": (RESOLVED, False),
    "closed": (RESOLVED, False),
    "granted": (RESOLVED, False),
    "denied": (RESOLVED, False),
    "rejected": (RESOLVED, False),
    "no grant": (RESOLVED, False),
    "reimbursed": (RESOLVED, False),
    "completed": (RESOLVED, False),
}
for _status in Status:
    STATES.setdefault(_status.label.lower(), (_status.value, False))
    STATES.setdefault(_status.value, (_status.value, False))

_KEYWORDS = (
    ("not returned", "not_returned"), ("no rma", "not_returned"), ("different", "different"),
    ("empty box", "different"), ("damaged", "unsellable"), ("unsellable", "unsellable"),
    ("replacement", "replacement_refunded"), ("label", "label_refunded"), ("never arrived", "never_arrived"),
    ("not received", "never_arrived"), ("not arrived", "never_arrived"), ("outside", "outside_window"),
    ("window", "outside_window"), ("abuse", "abuse"),
)

NO_DENIAL_GIVEN = "Not stated in the report"


@lru_cache(maxsize=1024)
def state_of(text: str) -> tuple[str, bool] | None:
    key = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    return STATES.get(key)


@lru_cache(maxsize=1024)
def reason_of(text: str) -> Reason | None:
    """The claim reason for a report's ``SafeT Action reason``: exact names first, then key words."""
    if not text.strip():
        return None
    try:
        return reason_from_report(text)
    except ReasonError:
        pass
    from ..domain.reasons import REASONS_BY_CODE

    low = text.lower()
    for word, code in _KEYWORDS:
        if word in low:
            return REASONS_BY_CODE[code]
    return None


def money_text(minor: int, currency: str) -> str:
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{currency} {whole:,}.{cents:02d}"


def due_at(rec: ClaimRec) -> int | None:
    return deadline_of(rec.status, rec.outcome, rec.reply_by, rec.appeal_by, rec.appeal_used)


# An import applies every reported state at the same ``now``: its epoch and the policy's
# estimated deadlines are the same for each claim (memoised, not recomputed 10k times).
@lru_cache(maxsize=64)
def _epoch_of(now: datetime) -> int | None:
    return to_epoch(now)


@lru_cache(maxsize=64)
def _reply_by(policy: Policy, now: datetime) -> int | None:
    return to_epoch(policy.reply_by(now))


@lru_cache(maxsize=64)
def _appeal_by(policy: Policy, now: datetime) -> int | None:
    return to_epoch(policy.appeal_by(now))


def apply_state(store: Store, rec: ClaimRec, status: str, appeal: bool, reimbursed: int | None,
                policy: Policy, now: datetime, source: str) -> bool:
    """Bring ``rec`` to the reported state; records a status event and returns True if anything changed."""
    now_epoch = _epoch_of(now)
    before = (rec.status, rec.outcome, rec.reimbursed_minor, rec.denial_reason, rec.appeal_used,
              rec.appeal_decided)
    old_status = rec.status
    notes: list[str] = []
    action = "import"
    actor = "amazon"
    if status == RESOLVED:
        if reimbursed is None:
            reimbursed = rec.reimbursed_minor if old_status == RESOLVED and rec.reimbursed_minor is not None else 0
        outcome = (Outcome.GRANT_FULL if reimbursed >= rec.claimed_minor else
                   Outcome.GRANT_PARTIAL if reimbursed > 0 else Outcome.NO_GRANT).value
        rec.outcome, rec.reimbursed_minor = outcome, reimbursed
        rec.denial_reason = (rec.denial_reason or NO_DENIAL_GIVEN) if outcome == Outcome.NO_GRANT.value else None
        label = Outcome(outcome).label
        notes.append(label if outcome == Outcome.NO_GRANT.value else f"{label}: {money_text(reimbursed, rec.currency)}")
        if old_status != RESOLVED:
            rec.reply_by = None
            if rec.appeal_used and not rec.appeal_decided:
                rec.appeal_decided, rec.appeal_by, action = True, None, "decide_appeal"
            else:
                action = "grant" if outcome != Outcome.NO_GRANT.value else "no_grant"
                if outcome == Outcome.GRANT_FULL.value or rec.appeal_decided:
                    rec.appeal_by = None
                else:
                    rec.appeal_by = _appeal_by(policy, now)
                    notes.append(f"appeal-by not in the report, estimated from the {policy.marketplace} policy")
    elif status == AWAITING:
        if old_status != AWAITING:
            if old_status == RESOLVED:
                rec.appeal_used = True
            rec.reply_by = _reply_by(policy, now)
            action = "request_info"
            notes.append(f"reply-by not in the report, estimated from the {policy.marketplace} policy")
    else:  # investigating
        if old_status == RESOLVED or (appeal and not rec.appeal_used):
            rec.appeal_used, rec.appeal_by = True, None
            if old_status == RESOLVED:
                action, actor = "appeal", "seller"
        elif old_status == AWAITING:
            action, actor = "reply", "seller"
    rec.status = status
    after = (rec.status, rec.outcome, rec.reimbursed_minor, rec.denial_reason, rec.appeal_used,
             rec.appeal_decided)
    if after == before:
        return False
    rec.due_at = due_at(rec)
    rec.updated_at = rec.changed_at = now_epoch
    rec.dirty = True
    notes.append(f"imported from {source}")
    store.event(rec, now_epoch, action, old_status, status, "; ".join(notes), actor=actor)
    return True
