"""Clocks: the only place the domain learns what time it is.

Everything that depends on "now" takes a clock so that tests can freeze it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload


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


# Instants are stored as integer UTC epoch seconds (exact, sortable, indexable): the one pair of
# helpers every layer uses to go there and back.
@overload
def to_epoch(value: datetime | int) -> int: ...
@overload
def to_epoch(value: None) -> None: ...
@overload
def to_epoch(value: datetime | int | None) -> int | None: ...
def to_epoch(value: datetime | int | None) -> int | None:
    """An aware datetime (or epoch seconds) as epoch seconds; a naive datetime is refused."""
    if value is None or not isinstance(value, datetime):
        return None if value is None else int(value)
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}; timestamps must be timezone-aware")
    return int(value.timestamp())


@overload
def from_epoch(value: int) -> datetime: ...
@overload
def from_epoch(value: None) -> None: ...
@overload
def from_epoch(value: int | None) -> datetime | None: ...
def from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value), UTC)
