"""What the passing of time decides, applied for every reader with no cron job."""

from __future__ import annotations

from collections.abc import Sequence

from safet_tui.db import (
    Claim,
)
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import Status
from safet_tui.service.errors import Busy, ReadOnly
from safet_tui.service.queries import execute
from safet_tui.service.session import Session, latest_reply_by


class TimePassing(Session):
    def catch_up_due(self) -> bool:
        """Whether :meth:`catch_up` has anything to look at now (no database work)."""
        if getattr(self, "_deferred", False):
            return False
        now = to_epoch(self.now())
        return self._quiet_until is None or now >= self._quiet_until

    def defer_catch_up(self) -> None:
        """Reads stop catching up until :meth:`catch_up_deferred` has run (the desk runs it in a
        worker as it starts): the first frame shows the database as it stands, and what time
        decided since it was last opened is written beside it, then shown. A catch-up writes a
        message per claim it ends; at a million claims one such insert can take seconds (the
        full-text index merges its segments), and at start-up it froze the first frame."""
        self._deferred = True

    def catch_up_deferred(self) -> int:
        """The catch-up :meth:`defer_catch_up` put off; afterwards reads catch up again."""
        try:
            return self._catch_up()
        finally:
            self._deferred = False

    def catch_up(self) -> int:
        """What time decided, written before a read (see :meth:`_catch_up`); nothing while deferred."""
        if getattr(self, "_deferred", False):
            return 0
        return self._catch_up()

    def _catch_up(self) -> int:
        """Apply what the passing of time decides, as every reader must see it, with no cron job:
        a claim whose reply-by passed unanswered ends in No-Grant at its reply-by (Amazon's
        rule) and its appeal window opens from there; a resolved claim whose appeal-by passed is
        closed (no deadline left to sort by). An estimated reply-by (the earliest the real one
        can be) ends a claim only once the latest it can be has passed too. Cheap when nothing
        is due: it remembers when the next deadline falls (looking again at least every minute,
        for deadlines other terminals set). Returns the number of claims that ended; a read-only
        database is left as it is."""
        now = to_epoch(self.now())
        assert now is not None
        if self._quiet_until is not None and now < self._quiet_until:
            return 0
        due, wake = self._due(now)
        closing = execute("SELECT 1 FROM claim WHERE status = ? AND due_at < ? LIMIT 1",
                          [Status.RESOLVED.value, now]).fetchone() is not None
        ended = 0
        if due or closing:
            try:
                with self._tx(wait=min(self.lock_wait, 1.0)):  # a reader does not wait long
                    due, wake = self._due(now)  # again, under the lock
                    ended = self._expire(due)
                    # A passed appeal-by leaves nothing to do: no deadline to sort by.
                    execute("UPDATE claim SET due_at = NULL WHERE status = ? AND due_at < ?",
                            [Status.RESOLVED.value, now])
            except (ReadOnly, Busy):
                # Read-only: the readers see the claim as it is. Busy: another terminal is writing
                # (it catches up itself); look again shortly instead of making a reader wait.
                self._quiet_until = now + 5
                return 0
        row = execute("SELECT MIN(due_at) FROM claim WHERE status IN (?, ?) AND due_at >= ?",
                      [Status.AWAITING.value, Status.RESOLVED.value, now]).fetchone()
        for t in (row[0] if row else None, wake):
            if t is not None:
                wake = t if wake is None else min(wake, t)
        self._quiet_until = min(wake if wake is not None else now + 60, now + 60)
        return ended

    def _due(self, now: int) -> tuple[list[int], int | None]:
        """Awaiting claims whose reply-by has surely passed, and the next time an estimated one will
        (an estimate ends its claim only once the latest the real reply-by can be has passed)."""
        due: list[int] = []
        wake: int | None = None
        for claim_id, estimated, reply_by, learned, market in execute(
                "SELECT c.id, c.deadline_estimated, c.reply_by, c.changed_at, a.marketplace FROM claim c "
                "JOIN account a ON a.id = c.account_id WHERE c.status = ? AND c.due_at < ?",
                [Status.AWAITING.value, now]).fetchall():
            if estimated:
                latest = to_epoch(latest_reply_by(self.policies[market], from_epoch(reply_by), from_epoch(learned)))
                if latest >= now:
                    wake = latest if wake is None else min(wake, latest)
                    continue
            due.append(claim_id)
        return due, wake

    def _expire(self, claim_ids: Sequence[int]) -> int:
        for claim_id in claim_ids:
            claim = Claim.get_by_id(claim_id)
            state = self._held_to(claim)  # an estimate: the latest the reply-by can have been
            assert state.reply_by is not None
            new, event = lc.expire_reply(state, self.clock.now(),
                                         self._policy_for(claim).appeal_by(state.reply_by))
            text = f"No reply by the reply-by ({state.reply_by:%Y-%m-%d %H:%M %Z}"
            text += ", estimated)" if claim.deadline_estimated else ")"
            self._apply(claim, new, event, ("system", "decision", text + ": the claim is closed as No-Grant."),
                        user="safet", at=event.at, estimated=bool(claim.deadline_estimated))
        return len(claim_ids)
