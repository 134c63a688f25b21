"""Analytics periods: which claims a figure counts (filed in ``[start, end)``), and how a
period is bucketed for the series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from safet_tui.domain.clock import to_epoch

DAY = 86400
WEEK = 7 * DAY
#: 1970-01-05 00:00 UTC, the first Monday after the epoch: weeks are counted from it
MONDAY0 = 4 * DAY
PERIODS = ("30d", "90d", "12m", "all")
PERIOD_LABELS = {"30d": "last 30 days", "90d": "last 90 days", "12m": "last 12 months", "all": "all time"}
EXPIRING_DAYS = 3
TOP_PRODUCTS = 10
TOP_FLAGGED = 3


class AnalyticsError(ValueError):
    """A period or filter that cannot be read; the message says why."""


@dataclass(frozen=True)
class Period:
    key: str  # 30d | 90d | 12m | all | custom
    start: datetime | None  # inclusive; None = since the first claim
    end: datetime  # exclusive
    label: str

    @property
    def start_ts(self) -> int | None:
        return to_epoch(self.start)

    @property
    def end_ts(self) -> int:
        return int(to_epoch(self.end))

    @property
    def spec(self) -> str:
        """The text that gives this period back to ``parse_period``."""
        if self.key != "custom":
            return self.key
        assert self.start is not None  # a custom period has both ends
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start.date().isoformat()}:{last.isoformat()}"


def _months_back(now: datetime, months: int) -> datetime:
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                        31, 31, 30, 31, 30, 31][month])
    return now.replace(year=year, month=month + 1, day=day)


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise AnalyticsError(f"{what} date {text.strip()!r} is not YYYY-MM-DD") from None


def parse_period(spec: str | Period | None, now: datetime) -> Period:
    """``30d``, ``90d``, ``12m``, ``all`` (ending now) or ``FROM:TO`` (whole UTC days, TO included)."""
    if isinstance(spec, Period):
        return spec
    text = (spec or "90d").strip().lower()
    end = now.astimezone(UTC) + timedelta(seconds=1)  # a claim filed this very second is in
    if text == "30d":
        return Period(text, now - timedelta(days=30), end, PERIOD_LABELS[text])
    if text == "90d":
        return Period(text, now - timedelta(days=90), end, PERIOD_LABELS[text])
    if text == "12m":
        return Period(text, _months_back(now.astimezone(UTC), 12), end, PERIOD_LABELS[text])
    if text == "all":
        return Period(text, None, end, PERIOD_LABELS[text])
    if ":" in text:
        first, _, last = text.partition(":")
        start_day, end_day = _parse_day(first, "from"), _parse_day(last, "to")
        if end_day < start_day:
            raise AnalyticsError(f"the period ends ({end_day}) before it starts ({start_day})")
        start = datetime.combine(start_day, datetime.min.time(), tzinfo=UTC)
        stop = datetime.combine(end_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return Period("custom", start, stop, f"{start_day.isoformat()} to {end_day.isoformat()}")
    raise AnalyticsError(f"unknown period {spec!r}: use 30d, 90d, 12m, all or FROM:TO (YYYY-MM-DD:YYYY-MM-DD)")


def default_bucket(period: Period) -> str:
    if period.start is None:
        return "month"
    return "week" if (period.end - period.start) <= timedelta(days=120) else "month"
