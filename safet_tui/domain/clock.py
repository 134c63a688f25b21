"""Clocks: the only place the domain learns what time it is.

Everything that depends on "now" takes a clock so that tests can freeze it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


class Clock:
    """The system clock, always timezone-aware (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock(Clock):
    """A clock that stands still until moved; for tests and reproducible demos."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


def ensure_aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value
