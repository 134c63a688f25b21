"""The claim lifecycle as an explicit state machine.

Every transition names its actor and returns the new state with the event to
record; a transition that is not allowed raises TransitionError with the reason
a person would need to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from safet_tui.domain.clock import ensure_aware, from_epoch
from safet_tui.domain.money import Money


class Status(StrEnum):
    AWAITING = "awaiting"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.AWAITING: "Awaiting Seller Response",
    Status.INVESTIGATING: "Under Investigation",
    Status.RESOLVED: "Resolved",
}


class Outcome(StrEnum):
    GRANT_FULL = "grant_full"
    GRANT_PARTIAL = "grant_partial"
    NO_GRANT = "no_grant"

    @property
    def label(self) -> str:
        return {"grant_full": "Grant", "grant_partial": "Partial grant", "no_grant": "No-Grant"}[self.value]


class Actor(StrEnum):
    SELLER = "seller"
    AMAZON = "amazon"


class TransitionError(ValueError):
    """A lifecycle step that is not allowed; the message says why."""


def deadline_of(status, outcome, reply_by, appeal_by, appeal_used, now=None):
    """The deadline that matters for a claim: reply-by while Amazon awaits the seller, appeal-by
    on a resolved claim that can still be appealed, else none. Takes the stored values as they
    are (datetimes or epoch seconds, enums or their strings), so every layer asks the same rule.

    Given ``now`` (of the same kind as the deadlines), an appeal-by that has passed is no deadline
    at all: nothing is left to do, so the claim is closed, not overdue. (A passed reply-by stays:
    it ends the claim in No-Grant, see :func:`expire_reply`.)"""
    if status == Status.AWAITING:
        return reply_by
    if status == Status.RESOLVED and not appeal_used and outcome != Outcome.GRANT_FULL:
        if now is not None and appeal_by is not None and appeal_by < now:
            return None
        return appeal_by
    return None


def appeal_state(status, outcome, appeal_by, appeal_used, appeal_decided, now) -> str:
    """Where a claim stands with its one appeal, in one word: ``pending``, ``decided``,
    ``not needed`` (granted in full), ``unavailable`` (no appeal-by known), ``available`` or
    ``closed`` (appeal-by passed); '' while the claim is not resolved. Values as stored, like
    :func:`deadline_of`."""
    if appeal_used:
        return "decided" if appeal_decided else "pending"
    if status != Status.RESOLVED:
        return ""
    if outcome == Outcome.GRANT_FULL:
        return "not needed"
    if appeal_by is None:
        return "unavailable"
    return "available" if appeal_by >= now else "closed"


@dataclass(frozen=True)
class ClaimState:
    status: Status
    claimed: Money
    reimbursed: Money | None = None
    outcome: Outcome | None = None
    denial_reason: str | None = None
    reply_by: datetime | None = None
    appeal_by: datetime | None = None
    appeal_used: bool = False
    appeal_decided: bool = False

    @property
    def appeal_pending(self) -> bool:
        return self.appeal_used and not self.appeal_decided

    @property
    def deadline(self) -> datetime | None:
        """The deadline that matters in this state (reply-by or appeal-by)."""
        return deadline_of(self.status, self.outcome, self.reply_by, self.appeal_by, self.appeal_used)

    @property
    def can_still_appeal_in_principle(self) -> bool:
        return (
            self.status is Status.RESOLVED
            and not self.appeal_used
            and self.outcome is not Outcome.GRANT_FULL
            and self.appeal_by is not None
        )


def stored_state(status: str, currency: str, claimed_minor: int, reimbursed_minor: int | None,
                 outcome: str | None, denial_reason: str | None, reply_by, appeal_by, appeal_used,
                 appeal_decided) -> ClaimState:
    """A claim's state from its stored columns (instants as datetimes or epoch seconds): the one
    way the service and the importers read a claim back into the lifecycle."""
    return ClaimState(
        status=Status(status), claimed=Money.from_minor(claimed_minor, currency),
        reimbursed=None if reimbursed_minor is None else Money.from_minor(reimbursed_minor, currency),
        outcome=Outcome(outcome) if outcome else None, denial_reason=denial_reason,
        reply_by=_instant(reply_by), appeal_by=_instant(appeal_by),
        appeal_used=bool(appeal_used), appeal_decided=bool(appeal_decided),
    )


def _instant(value) -> datetime | None:
    return value if value is None or isinstance(value, datetime) else from_epoch(value)


def replace(state: ClaimState, **changes) -> ClaimState:
    """``dataclasses.replace`` for the frozen ClaimState, without re-running ``__init__``: imports
    and the demo take every claim through several transitions."""
    new = object.__new__(ClaimState)
    fields = new.__dict__
    fields.update(state.__dict__)
    for name, value in changes.items():
        if name not in fields:
            raise TypeError(f"ClaimState has no field {name!r}")
        fields[name] = value
    return new


@dataclass(frozen=True)
class Event:
    """What a transition records in the status-event log."""

    action: str
    actor: Actor
    at: datetime
    from_status: Status | None
    to_status: Status
    note: str = ""


def _need(actor: Actor, expected: Actor, what: str) -> None:
    if actor is not expected:
        who = "the seller" if expected is Actor.SELLER else "Amazon"
        raise TransitionError(f"only {who} can {what}")


def file_claim(claimed: Money, at: datetime, actor: Actor = Actor.SELLER) -> tuple[ClaimState, Event]:
    """A new claim starts Under Investigation. Eligibility is checked separately."""
    _need(actor, Actor.SELLER, "file a claim")
    ensure_aware(at, "filing time")
    if not claimed.is_positive():
        raise TransitionError("the claimed amount must be more than zero")
    state = ClaimState(status=Status.INVESTIGATING, claimed=claimed)
    return state, Event("file", actor, at, None, Status.INVESTIGATING)


def _may_request_info(state: ClaimState, actor: Actor) -> None:
    _need(actor, Actor.AMAZON, "request information")
    if state.status is not Status.INVESTIGATING:
        raise TransitionError(f"cannot request information on a claim that is {state.status.label}")


def request_info(state: ClaimState, actor: Actor, at: datetime, reply_by: datetime) -> tuple[ClaimState, Event]:
    _may_request_info(state, actor)
    ensure_aware(reply_by, "reply-by")
    if reply_by <= at:
        raise TransitionError("reply-by must be in the future")
    new = replace(state, status=Status.AWAITING, reply_by=reply_by)
    return new, Event("request_info", actor, at, state.status, Status.AWAITING)


def reply(state: ClaimState, actor: Actor, at: datetime) -> tuple[ClaimState, Event | None]:
    """A seller reply. On Awaiting Seller Response it moves the claim back to investigation."""
    _need(actor, Actor.SELLER, "reply")
    if state.status is Status.RESOLVED:
        raise TransitionError("the claim is resolved: replies are closed (appeal instead, if allowed)")
    if state.status is Status.AWAITING:
        if state.reply_by is not None and at > state.reply_by:
            raise TransitionError("the reply-by time has passed")
        new = replace(state, status=Status.INVESTIGATING)
        return new, Event("reply", actor, at, state.status, Status.INVESTIGATING)
    return state, None


def _may_decide(state: ClaimState, actor: Actor, what: str) -> None:
    _need(actor, Actor.AMAZON, what)
    if state.status is Status.RESOLVED:
        raise TransitionError("the claim is already resolved")


def _resolve(state: ClaimState, actor: Actor, at: datetime, appeal_by: datetime | None, what: str) -> None:
    _may_decide(state, actor, what)
    if appeal_by is not None:
        ensure_aware(appeal_by, "appeal-by")
        if appeal_by <= at:
            raise TransitionError("appeal-by must be after the decision")
    elif not state.appeal_pending:
        raise TransitionError("a decision needs an appeal-by time")


def grant(state: ClaimState, actor: Actor, at: datetime, amount: Money,
          appeal_by: datetime | None) -> tuple[ClaimState, Event]:
    """Grant in full or in part. Deciding a pending appeal is final (no appeal-by)."""
    final = state.appeal_pending
    _resolve(state, actor, at, None if final else appeal_by, "grant a claim")
    if amount.currency != state.claimed.currency:
        raise TransitionError(f"grant is in {amount.currency}, the claim is in {state.claimed.currency}")
    if not amount.is_positive():
        raise TransitionError("a grant must be more than zero (use no-grant instead)")
    if amount > state.claimed:
        raise TransitionError(f"cannot grant {amount} — more than the {state.claimed} claimed")
    outcome = Outcome.GRANT_FULL if amount == state.claimed else Outcome.GRANT_PARTIAL
    new = replace(
        state, status=Status.RESOLVED, reimbursed=amount, outcome=outcome, denial_reason=None,
        reply_by=None, appeal_by=None if final or outcome is Outcome.GRANT_FULL else appeal_by,
        appeal_decided=final or state.appeal_decided,
    )
    action = "decide_appeal" if final else "grant"
    return new, Event(action, actor, at, state.status, Status.RESOLVED, outcome.label)


def no_grant(state: ClaimState, actor: Actor, at: datetime, denial_reason: str,
             appeal_by: datetime | None) -> tuple[ClaimState, Event]:
    final = state.appeal_pending
    _resolve(state, actor, at, None if final else appeal_by, "deny a claim")
    if not denial_reason or not denial_reason.strip():
        raise TransitionError("a no-grant needs a denial reason")
    new = replace(
        state, status=Status.RESOLVED, outcome=Outcome.NO_GRANT, denial_reason=denial_reason.strip(),
        reimbursed=state.reimbursed if final else Money.zero(state.claimed.currency),
        reply_by=None, appeal_by=None if final else appeal_by, appeal_decided=final or state.appeal_decided,
    )
    if final and state.reimbursed is not None and state.reimbursed.is_positive():
        # An appeal of a partial grant that is denied keeps the partial grant.
        new = replace(new, outcome=Outcome.GRANT_PARTIAL, denial_reason=denial_reason.strip())
    action = "decide_appeal" if final else "no_grant"
    return new, Event(action, actor, at, state.status, Status.RESOLVED, denial_reason.strip())


def appeal(state: ClaimState, actor: Actor, at: datetime) -> tuple[ClaimState, Event]:
    _need(actor, Actor.SELLER, "appeal")
    if state.status is not Status.RESOLVED:
        raise TransitionError(f"only a resolved claim can be appealed; this one is {state.status.label}")
    if state.appeal_used:
        raise TransitionError("this claim has already been appealed once; a claim gets one appeal")
    if state.outcome is Outcome.GRANT_FULL:
        raise TransitionError("the claim was granted in full: there is nothing to appeal")
    if state.appeal_by is None or at > state.appeal_by:
        raise TransitionError("the appeal-by time has passed")
    new = replace(state, status=Status.INVESTIGATING, appeal_used=True, appeal_by=None)
    return new, Event("appeal", actor, at, state.status, Status.INVESTIGATING)


def attach(state: ClaimState, actor: Actor, at: datetime) -> None:
    """Evidence may be added while the claim is open, and to a resolved claim only while it can
    still be appealed (the appeal is what the evidence is for)."""
    _need(actor, Actor.SELLER, "attach evidence")
    if state.status is Status.RESOLVED:
        try:
            appeal(state, actor, at)
        except TransitionError as exc:
            raise TransitionError(f"the claim is closed ({exc}): no more attachments") from None


#: the steps a person takes on one claim, by who takes them: the keys a desk offers on a claim
STEPS_BY_ACTOR = {
    Actor.SELLER: ("reply", "appeal", "attach"),
    Actor.AMAZON: ("request_info", "grant", "no_grant"),
}

_CHECKS = {
    "reply": lambda state, actor, at: reply(state, actor, at),
    "appeal": lambda state, actor, at: appeal(state, actor, at),
    "attach": attach,
    "request_info": lambda state, actor, at: _may_request_info(state, actor),
    "grant": lambda state, actor, at: _may_decide(state, actor, "grant a claim"),
    "no_grant": lambda state, actor, at: _may_decide(state, actor, "deny a claim"),
}


def refusal(action: str, state: ClaimState, actor: Actor, at: datetime) -> str | None:
    """Why ``actor`` cannot take ``action`` (one of :data:`STEPS_BY_ACTOR`) on a claim in
    ``state`` at ``at``, in words; None when the lifecycle allows it. It asks the transitions
    themselves, so the service's writes and the desk's keys follow one rule."""
    try:
        _CHECKS[action](state, actor, at)
    except TransitionError as exc:
        return str(exc)
    return None


def refusals(state: ClaimState, actor: Actor, at: datetime) -> dict[str, str]:
    """Every step of every actor that is refused now, with the reason (see :func:`refusal`)."""
    out = {}
    for steps in STEPS_BY_ACTOR.values():
        for action in steps:
            why = refusal(action, state, actor, at)
            if why is not None:
                out[action] = why
    return out


def expire_reply(state: ClaimState, now: datetime, appeal_by: datetime) -> tuple[ClaimState, Event]:
    """No reply by reply-by: Amazon's rule closes the claim as No-Grant at the reply-by time, and
    the appeal window (``appeal_by``, counted from the reply-by) opens. During an appeal the
    No-Grant is the appeal's final decision."""
    from safet_tui.domain.reasons import NO_REPLY_DENIAL

    if state.status is not Status.AWAITING or state.reply_by is None or now <= state.reply_by:
        raise TransitionError("the claim is not past its reply-by time")
    return no_grant(state, Actor.AMAZON, state.reply_by, NO_REPLY_DENIAL, appeal_by)


#: (action, from, to) steps a claim's history may take; a history is valid when each recorded
#: event is one of these and starts where the previous one ended.
STEPS = frozenset({
    ("file", None, Status.INVESTIGATING),
    ("request_info", Status.INVESTIGATING, Status.AWAITING),
    ("reply", Status.AWAITING, Status.INVESTIGATING),
    ("grant", Status.INVESTIGATING, Status.RESOLVED),
    ("grant", Status.AWAITING, Status.RESOLVED),
    ("no_grant", Status.INVESTIGATING, Status.RESOLVED),
    ("no_grant", Status.AWAITING, Status.RESOLVED),
    ("appeal", Status.RESOLVED, Status.INVESTIGATING),
    ("decide_appeal", Status.INVESTIGATING, Status.RESOLVED),
    ("decide_appeal", Status.AWAITING, Status.RESOLVED),
})


def check_history(events) -> Status | None:
    """The status a sequence of (action, from_status, to_status) ends in; raises TransitionError
    at the first step that is not a step of the lifecycle or does not start where the last ended.
    A claim may be appealed once."""
    at: Status | None = None
    appeals = 0
    pending = False  # an appeal waits for its decision
    for i, (action, frm, to) in enumerate(events):
        frm = Status(frm) if frm else None
        to = Status(to)
        if (action, frm, to) not in STEPS:
            raise TransitionError(f"step {i + 1}: {action} from {frm} to {to} is not a lifecycle step")
        if frm != at:
            raise TransitionError(f"step {i + 1}: {action} starts at {frm}, the claim was {at}")
        if action == "decide_appeal" and not pending:
            raise TransitionError(f"step {i + 1}: an appeal decided with no appeal pending")
        if action in ("grant", "no_grant") and pending:
            raise TransitionError(f"step {i + 1}: a first decision while an appeal is pending")
        appeals += action == "appeal"
        if appeals > 1:
            raise TransitionError(f"step {i + 1}: a second appeal")
        pending = (pending or action == "appeal") and action != "decide_appeal"
        at = to
    return at
