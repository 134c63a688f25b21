"""What a reported status means for a claim, given what the desk already knows.

Reports (returns, settlement, claims files) say where a claim stands at some
moment, not the steps that led there. :func:`reconcile` turns a report's
statement into lifecycle steps (the same functions the desk's own actions use),
or into a reason to skip it:

- A report never moves a claim backwards: facts older than the claim's last
  known step are skipped (and counted by the importer), and a resolved claim is
  not reopened by a report that merely shows it under investigation.
- A report never invents a seller action: a resolved claim is appealed only
  when the report says "under appeal"; a reply is recorded only when a newer
  report shows the claim back under investigation after an information
  request (Amazon moves it there on the seller's reply, wherever it was sent).
- Times are the best evidence, never the import time: a decision is dated by
  the payout that proves it, else by the report's own date; a deadline the
  report does not state is estimated from that time by the marketplace policy,
  and marked as an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.lifecycle import Actor, ClaimState, Event, Outcome, Status, TransitionError
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import Money

#: the denial reason of a No-Grant whose reason no report or message gave
REASON_NOT_GIVEN = "reason not given"


@dataclass(frozen=True)
class Reported:
    """A report's statement about one claim."""

    status: Status
    #: when the report's facts held: its own date, or the newest date in it (never the import time)
    as_of: datetime
    #: the report says the claim is under appeal
    appeal: bool = False
    #: the amount the report says was reimbursed (None: not stated)
    reimbursed: Money | None = None
    #: when Amazon decided, when the report proves it (a payout's posting date)
    decided_at: datetime | None = None
    reply_by: datetime | None = None
    appeal_by: datetime | None = None
    denial_reason: str | None = None
    #: the file, for the events' notes
    source: str = ""


@dataclass(frozen=True)
class Reconciled:
    state: ClaimState
    events: tuple[Event, ...] = ()
    #: the deadline that now matters was estimated (not stated by the report)
    estimated: bool = False
    #: why the report was not applied ('' when it was, or when it agreed with the desk)
    skipped: str = ""
    #: the first decision's time, when this reconciliation made it
    decided_at: datetime | None = None

    @property
    def changed(self) -> bool:
        return bool(self.events)


STALE = "older than what the desk knows"
BACKWARDS = "would move the claim backwards"


def _note(event: Event, text: str) -> Event:
    note = f"{event.note}; {text}" if event.note and text else (event.note or text)
    return Event(event.action, event.actor, event.at, event.from_status, event.to_status, note)


def reconcile(known: ClaimState, known_at: datetime, reported: Reported, policy: Policy,
              estimated: bool = False) -> Reconciled:
    """Bring ``known`` (whose last step happened at ``known_at``) to what ``reported`` says.

    ``estimated`` says whether the known state's deadline is already an estimate."""
    same = Reconciled(known, estimated=estimated)
    k, r = known.status, reported.status
    src = f"from {reported.source}" if reported.source else "from a report"
    if k == r:
        if k is Status.RESOLVED and reported.reimbursed is not None and known.reimbursed is not None \
                and reported.reimbursed != known.reimbursed:
            return replace(same, skipped=f"reports {reported.reimbursed} reimbursed, the desk recorded "
                                         f"{known.reimbursed}")
        if k is Status.INVESTIGATING and reported.appeal and not known.appeal_used:
            return replace(same, skipped="reports an appeal, but the desk has no decision to appeal")
        return same
    # A report's date is only the earliest it can have been made: a desk step after it does not
    # make its decision old news when the desk has no decision at all (nothing to move back from).
    decides_first = r is Status.RESOLVED and known.outcome is None and not known.appeal_used
    if reported.as_of < known_at and not decides_first:
        return replace(same, skipped=STALE)
    try:
        if r is Status.AWAITING:
            if k is not Status.INVESTIGATING:
                return replace(same, skipped=BACKWARDS)
            # The request came after the last known step and before the report: dated at the
            # earliest it can have been. Its reply-by, when the report does not state it, is
            # Amazon's window from then, but never before the report's date (the claim was still
            # awaiting then).
            reply_by = reported.reply_by
            guess = reply_by is None
            if reply_by is None:
                reply_by = max(policy.reply_by(known_at), reported.as_of)
            new, event = lc.request_info(known, Actor.AMAZON, known_at, reply_by)
            note = f"reply-by estimated from the {policy.marketplace} policy" if guess else ""
            return Reconciled(new, (_note(event, "; ".join(p for p in (note, src) if p)),), guess)
        if r is Status.INVESTIGATING:
            if k is Status.AWAITING:
                at = reported.as_of if known.reply_by is None else min(reported.as_of, known.reply_by)
                new, replied = lc.reply(known, Actor.SELLER, at)
                assert replied is not None
                return Reconciled(new, (_note(replied, f"the seller's reply, seen {src}"),))
            if k is Status.RESOLVED and reported.appeal:
                at = reported.as_of if known.appeal_by is None else min(reported.as_of, known.appeal_by)
                new, event = lc.appeal(known, Actor.SELLER, at)
                return Reconciled(new, (_note(event, f"the seller's appeal, seen {src}"),))
            return replace(same, skipped=BACKWARDS)
        # resolved
        return _decide(known, known_at, reported, policy, src)
    except TransitionError as exc:
        return replace(same, skipped=str(exc))


def _decide(known: ClaimState, known_at: datetime, reported: Reported, policy: Policy, src: str) -> Reconciled:
    at = reported.decided_at or reported.as_of
    at = max(at, known_at)
    final = known.appeal_pending
    appeal_by = reported.appeal_by
    guess = appeal_by is None and not final
    if guess:
        appeal_by = policy.appeal_by(at)
    paid = reported.reimbursed
    notes = []
    if reported.decided_at is None:
        notes.append("decision time is the report's date")
    if paid is not None and paid.is_positive():
        amount = min(paid, known.claimed)
        new, event = lc.grant(known, Actor.AMAZON, at, amount, appeal_by)
    else:
        reason = (reported.denial_reason or "").strip()
        new, event = lc.no_grant(known, Actor.AMAZON, at, reason or REASON_NOT_GIVEN, appeal_by)
        if not reason:
            new = replace(new, denial_reason=None if new.outcome is Outcome.NO_GRANT else new.denial_reason)
    if guess and new.deadline is not None:
        notes.append(f"appeal-by estimated from the {policy.marketplace} policy")
    notes.append(src)
    return Reconciled(new, (_note(event, "; ".join(notes)),), guess and new.deadline is not None,
                      decided_at=at)


def reconcile_new(claimed: Money, filed_at: datetime, reported: Reported, policy: Policy,
                  filed_known: bool = True) -> Reconciled:
    """A claim the desk has not seen: filed at ``filed_at`` (the report's creation time), then
    brought to the reported state. A new claim under appeal had a first decision the report does
    not give: it is recorded as a No-Grant whose reason was not given."""
    state, filed = lc.file_claim(claimed, filed_at, Actor.SELLER)
    note = f"filed in Seller Central, seen from {reported.source}" if reported.source else ""
    if not filed_known:
        note = "; ".join(p for p in (note, "filing time is the report's date") if p)
    filed = _note(filed, note)
    events = [filed]
    if reported.appeal and reported.status is Status.INVESTIGATING:
        first = reconcile(state, filed_at, replace(reported, status=Status.RESOLVED, reimbursed=None,
                                                   decided_at=None, appeal_by=None), policy)
        events += first.events
        then = reconcile(first.state, filed_at, reported, policy)
        if first.skipped or then.skipped:
            return Reconciled(state, tuple(events[:1]), skipped=first.skipped or then.skipped)
        return Reconciled(then.state, (*events, *then.events), then.estimated, decided_at=first.decided_at)
    if reported.status is Status.INVESTIGATING:
        return Reconciled(state, (filed,))
    then = reconcile(state, filed_at, reported, policy)
    return Reconciled(then.state, (filed, *then.events), then.estimated, then.skipped, then.decided_at)
