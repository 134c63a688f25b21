"""A marketplace policy's reply-by and appeal-by for the demo, memoised per quarter hour."""

from __future__ import annotations

from safet_tui.domain.clock import from_epoch
from safet_tui.domain.marketplaces import Policy


class Deadlines:
    """A marketplace policy's reply-by and appeal-by, in epoch seconds, exactly as the policy
    computes them, memoized per 15-minute slot: within a slot aligned to UTC quarter hours the
    policy adds the same number of seconds (time zones change offset and start their days on
    quarter hours, so the local weekday, the offset before and the offset after are the same for
    every instant of the slot). ~400k deadlines at 100k claims, ~10x fewer policy calls."""

    __slots__ = ("policy", "_reply", "_appeal")

    SLOT = 900

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._reply: dict[int, int] = {}
        self._appeal: dict[int, int] = {}

    def reply_by(self, ts: int) -> int:
        slot = ts // self.SLOT
        delta = self._reply.get(slot)
        if delta is None:
            start = slot * self.SLOT
            delta = self._reply[slot] = int(self.policy.reply_by(from_epoch(start)).timestamp()) - start
        return ts + delta

    def appeal_by(self, ts: int) -> int:
        slot = ts // self.SLOT
        delta = self._appeal.get(slot)
        if delta is None:
            start = slot * self.SLOT
            delta = self._appeal[slot] = int(self.policy.appeal_by(from_epoch(start)).timestamp()) - start
        return ts + delta
