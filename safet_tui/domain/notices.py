"""What a seller is told, and when: the rules of notifications (no storage, no sending).

- Every status change is news (an event that moves a claim from one status to another; the
  filing that creates a claim is not a change of status). Its outbox key is ``status:<event id>``,
  so it is written and sent once.
- Deadline reminders, once per level per deadline: reply-by and appeal-by within 48 h and within
  24 h, a claimable refund's file-by within 3 days, and each one that passed unanswered (looked
  for up to :data:`PASSED_LOOKBACK` back, so a first run on an old database does not tell of
  history). Only the most urgent level reached is sent: a reminder first seen at 10 h left is the
  24 h one, never the 48 h one after it.
- Who is told: each person's subscriptions (``all``, ``touched``: claims they acted on,
  ``account:NAME``); nobody is told of their own change, so an investigator's decision goes to
  the seller, not to the investigator.
- A failed delivery is tried again later, waiting longer each time (:func:`retry_delay`). A
  recipient the mail server refuses (a 5xx answer: no such mailbox, policy) is given up on once
  the notice has failed :data:`GIVE_UP_AFTER` times, so a dead address does not cost a try an hour
  for ever; a server that cannot be reached is tried again without end (nothing was refused).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: how far back a passed deadline is still worth a "passed" notice
PASSED_LOOKBACK = timedelta(days=7)
#: how long a sent notice is kept (its key keeps it from being queued again: longer than any
#: reminder can be queued after its deadline, and a status event is only ever queued once)
KEEP_SENT = timedelta(days=30)
assert KEEP_SENT > PASSED_LOOKBACK


class Deadline(StrEnum):
    REPLY_BY = "reply_by"
    APPEAL_BY = "appeal_by"
    FILE_BY = "file_by"

    @property
    def label(self) -> str:
        return {"reply_by": "Reply by", "appeal_by": "Appeal by", "file_by": "File by"}[self.value]


class Level(StrEnum):
    H48 = "48h"
    H24 = "24h"
    D3 = "3d"
    PASSED = "passed"

    @property
    def label(self) -> str:
        return {"48h": "within 48 h", "24h": "within 24 h", "3d": "within 3 days", "passed": "passed"}[self.value]


#: the windows of each deadline, widest first (a reminder level is the narrowest window reached)
WINDOWS: dict[Deadline, tuple[tuple[Level, timedelta], ...]] = {
    Deadline.REPLY_BY: ((Level.H48, timedelta(hours=48)), (Level.H24, timedelta(hours=24))),
    Deadline.APPEAL_BY: ((Level.H48, timedelta(hours=48)), (Level.H24, timedelta(hours=24))),
    Deadline.FILE_BY: ((Level.D3, timedelta(days=3)),),
}


def horizon(kind: Deadline) -> timedelta:
    """How far ahead a deadline of this kind can be worth a reminder."""
    return WINDOWS[kind][0][1]


def reminder_level(kind: Deadline, deadline: datetime, now: datetime) -> Level | None:
    """The most urgent reminder level a deadline has reached at ``now`` (None: none yet, or it
    passed too long ago to be news)."""
    left = deadline - now
    if left <= timedelta(0):
        return Level.PASSED if -left <= PASSED_LOOKBACK else None
    level = None
    for lvl, window in WINDOWS[kind]:
        if left <= window:
            level = lvl
    return level


#: the outbox key of a status change is this and the status event's id
STATUS_KEY = "status:"


def status_key(event_id: int) -> str:
    return f"{STATUS_KEY}{event_id}"


def reminder_key(kind: Deadline, subject: str, deadline: datetime, level: Level) -> str:
    """Once per level per deadline: a new deadline (a second information request) is new news."""
    return f"reminder:{kind.value}:{subject}:{int(deadline.timestamp())}:{level.value}"


# -- who is told ----------------------------------------------------------------------------------

ALL = "all"
TOUCHED = "touched"
ACCOUNT = "account:"


class SubscriptionError(ValueError):
    pass


def check_subscription(item: str) -> str:
    item = item.strip()
    if item in (ALL, TOUCHED) or (item.startswith(ACCOUNT) and item[len(ACCOUNT):].strip()):
        return item
    raise SubscriptionError(f"unknown subscription {item!r}: use \"all\", \"touched\" or \"account:NAME\"")


@dataclass(frozen=True)
class About:
    """What a notice is about, as far as subscriptions care."""

    account: str
    #: users who acted on the claim (for ``touched``)
    touched_by: frozenset[str] = frozenset()
    #: the user whose change this is ('' for a report, time, or a reminder)
    by: str = ""


def wants(user: str, subscriptions: Iterable[str], about: About) -> bool:
    """Whether ``user`` is told of a notice: never of their own change, else by subscription."""
    if about.by and about.by == user:
        return False
    for item in subscriptions:
        if item == ALL:
            return True
        if item == TOUCHED and user in about.touched_by:
            return True
        if item.startswith(ACCOUNT) and item[len(ACCOUNT):].strip().casefold() == about.account.casefold():
            return True
    return False


#: what a lifecycle step did, in words for a person
ACTION_WORDS = {
    "file": "filed", "request_info": "information requested", "reply": "replied", "grant": "granted",
    "no_grant": "denied", "appeal": "appealed", "decide_appeal": "appeal decided",
}


def change_words(action: str, actor: str, user: str) -> str:
    """``denied by Amazon``; a reply-by that passed unanswered (the step time took) says so."""
    if user == "safet" and action in ("no_grant", "decide_appeal"):
        return "denied: no reply by the reply-by"
    who = "Amazon" if actor == "amazon" else "the seller"
    return f"{ACTION_WORDS.get(action, action.replace('_', ' '))} by {who}"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


#: failed tries of a notice after which a recipient the server refuses is given up on
GIVE_UP_AFTER = 6


def gives_up(attempts: int) -> bool:
    """Whether a notice refused on its ``attempts``-th failed try is given up (done, unsent)."""
    return attempts >= GIVE_UP_AFTER


def digest_due(last_sent: datetime | None, now: datetime, minutes: int) -> bool:
    """In digest mode a recipient gets at most one e-mail per ``minutes``."""
    return minutes <= 0 or last_sent is None or now - last_sent >= timedelta(minutes=minutes)
