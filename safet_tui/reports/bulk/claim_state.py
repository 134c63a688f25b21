"""Claim states and reasons as reports write them, and applying a reported state to a claim
row through the domain's :func:`~safet_tui.domain.reconcile.reconcile` (which decides; this
module only reads and writes the rows)."""

from __future__ import annotations

from functools import lru_cache

from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import ClaimState, Status, deadline_of, stored_state
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.reasons import Reason, ReasonError, reason_from_report
from safet_tui.domain.reconcile import Reconciled, Reported, reconcile
from safet_tui.reports.bulk.store import ClaimRec, Store

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
    from safet_tui.domain.reasons import REASONS_BY_CODE

    low = text.lower()
    for word, code in _KEYWORDS:
        if word in low:
            return REASONS_BY_CODE[code]
    return None


def due_at(rec: ClaimRec, now: int | None = None) -> int | None:
    return deadline_of(rec.status, rec.outcome, rec.reply_by, rec.appeal_by, rec.appeal_used, now)


def state_of_rec(rec: ClaimRec) -> ClaimState:
    return stored_state(rec.status, rec.currency, rec.claimed_minor, rec.reimbursed_minor, rec.outcome,
                        rec.denial_reason, rec.reply_by, rec.appeal_by, rec.appeal_used, rec.appeal_decided)


def write_back(store: Store, rec: ClaimRec, result: Reconciled, now_epoch: int) -> None:
    """Copy what the domain decided onto the row and queue its events (the desk learns of the
    change now, so the claim is unread from now; the events keep the times the evidence gives)."""
    st = result.state
    rec.status, rec.outcome, rec.denial_reason = st.status.value, st.outcome.value if st.outcome else None, \
        st.denial_reason
    rec.reimbursed_minor = None if st.reimbursed is None else st.reimbursed.minor
    rec.reply_by, rec.appeal_by = to_epoch(st.reply_by), to_epoch(st.appeal_by)
    rec.appeal_used, rec.appeal_decided = st.appeal_used, st.appeal_decided
    rec.deadline_estimated = result.estimated
    if result.decided_at is not None and rec.decided_at is None:
        rec.decided_at = to_epoch(result.decided_at)
    rec.due_at = due_at(rec, now_epoch)
    rec.updated_at = rec.changed_at = now_epoch
    rec.dirty = True
    for e in result.events:
        at = to_epoch(e.at)
        store.event(rec, at, e.action, e.from_status.value if e.from_status else None, e.to_status.value,
                    e.note, actor=e.actor.value)
        rec.known_at = max(rec.known_at or 0, at)


def apply_report(store: Store, rec: ClaimRec, reported: Reported, policy: Policy, now_epoch: int) -> str | None:
    """Reconcile a known claim with a report through the domain; returns why it was skipped
    (None when it was applied or agreed)."""
    known_at = from_epoch(rec.known_at if rec.known_at is not None else rec.filed_at)
    result = reconcile(state_of_rec(rec), known_at, reported, policy, bool(rec.deadline_estimated))
    if result.changed:
        write_back(store, rec, result, now_epoch)
    return result.skipped or None
