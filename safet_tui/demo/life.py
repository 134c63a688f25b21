"""One demo claim's history, every step taken by the domain's lifecycle functions."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import from_epoch
from safet_tui.domain.lifecycle import Actor, ClaimState
from safet_tui.domain.money import Money

#: the stdlib constructor itself, bound once: the hot path makes a few of these per claim
_fromts = datetime.fromtimestamp


@cache
def money_of(minor: int, currency: str) -> Money:
    """Amounts repeat across claims (a catalog of prices); Money is immutable."""
    return Money.from_minor(minor, currency)


_AMAZON, _SELLER = Actor.AMAZON, Actor.SELLER
_FIRST_DECISIONS = frozenset({"grant", "no_grant"})


class Life:
    """One claim's history. Every step is taken by the domain's lifecycle functions; the events
    they return become the claim's status_event rows and the last state its stored columns, so the
    demo never states a status, outcome, deadline or appeal flag by itself."""

    __slots__ = ("events", "cid", "state", "changed", "decided")
    events: list[tuple]
    cid: int
    state: ClaimState
    #: epoch of the last event; of the first decision (None before one)
    changed: int
    decided: int | None

    def __init__(self, events: list, cid: int, claimed: Money, at: int) -> None:
        self.events, self.cid, self.decided = events, cid, None
        when = _fromts(at, UTC)
        self._take(lc.file_claim(claimed, when), when, at)

    def _take(self, step: tuple[ClaimState, lc.Event | None], when: datetime, at: int) -> None:
        """Take the step: its state is the claim's now, its event (if any) a status_event row.
        ``when``/``at``: the time the step was asked for, as a datetime and in epoch seconds."""
        self.state, ev = step
        if ev is None:
            return
        if ev.at is not when:  # an event at another time than asked (expire_reply's reply-by)
            at = int(ev.at.timestamp())
        # the enums' values as plain strings (sqlite3 binds a str subclass more slowly)
        frm = ev.from_status
        self.events.append((self.cid, at, ev.actor._value_, ev.action, frm and frm._value_,
                            ev.to_status._value_, ev.note))
        self.changed = at
        if self.decided is None and ev.action in _FIRST_DECISIONS:
            self.decided = at

    def request_info(self, at: int, reply_by: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.request_info(self.state, _AMAZON, when, _fromts(reply_by, UTC)), when, at)

    def reply(self, at: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.reply(self.state, _SELLER, when), when, at)

    def grant(self, at: int, minor: int, appeal_by: int | None) -> None:
        when = _fromts(at, UTC)
        self._take(lc.grant(self.state, _AMAZON, when, money_of(minor, self.state.claimed.currency),
                            None if appeal_by is None else from_epoch(appeal_by)), when, at)

    def no_grant(self, at: int, reason: str, appeal_by: int | None) -> None:
        when = _fromts(at, UTC)
        self._take(lc.no_grant(self.state, _AMAZON, when, reason, None if appeal_by is None else from_epoch(appeal_by)),
                   when, at)

    def appeal(self, at: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.appeal(self.state, _SELLER, when), when, at)

    def expire_reply(self, now: int, appeal_by: int) -> None:
        when = _fromts(now, UTC)
        self._take(lc.expire_reply(self.state, when, from_epoch(appeal_by)), when, now)
