"""Deadlines: time left in words, and urgency at each threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safet_tui.domain.clock import Clock, FixedClock, ensure_aware
from safet_tui.domain.deadlines import Urgency, humanize_left, time_left, urgency

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("left", "level"),
    [
        (timedelta(days=30), Urgency.OK),
        (timedelta(days=3), Urgency.OK),
        (timedelta(days=3) - S, Urgency.SOON),
        (timedelta(hours=24), Urgency.SOON),
        (timedelta(hours=24) - S, Urgency.CRITICAL),
        (timedelta(0), Urgency.CRITICAL),  # the last second is still inside
        (-S, Urgency.OVERDUE),
        (-timedelta(days=40), Urgency.OVERDUE),
    ],
)
def test_urgency_thresholds(left, level):
    assert urgency(NOW + left, NOW) is level


def test_no_deadline():
    assert urgency(None, NOW) is Urgency.NONE
    assert humanize_left(None, NOW) == ""


def test_urgency_orders_by_severity():
    assert Urgency.NONE < Urgency.OK < Urgency.SOON < Urgency.CRITICAL < Urgency.OVERDUE


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=3, hours=4, minutes=59), "3d 4h left"),
        (timedelta(days=1), "1d 0h left"),
        (timedelta(hours=23, minutes=59, seconds=59), "23h 59m left"),
        (timedelta(hours=5, minutes=12), "5h 12m left"),
        (timedelta(minutes=59, seconds=59), "59m left"),
        (timedelta(seconds=59), "0m left"),
        (timedelta(0), "0m left"),
        (-timedelta(seconds=1), "overdue 0m"),
        (-timedelta(hours=2, minutes=30), "overdue 2h 30m"),
        (-timedelta(days=2, hours=1), "overdue 2d 1h"),
    ],
)
def test_humanize_left(left, text):
    assert humanize_left(NOW + left, NOW) == text


def test_time_left():
    assert time_left(NOW + timedelta(hours=5), NOW) == timedelta(hours=5)
    assert time_left(NOW - timedelta(hours=5), NOW) == -timedelta(hours=5)


def test_fixed_clock_stands_still_until_moved():
    clock = FixedClock(NOW)
    assert clock.now() == NOW and clock.now() == NOW
    clock.advance(hours=2, seconds=5)
    assert clock.now() == NOW + timedelta(hours=2, seconds=5)
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 11, 23, 12, 0))


def test_system_clock_is_aware():
    assert Clock().now().tzinfo is not None


def test_ensure_aware():
    assert ensure_aware(NOW) is NOW
    with pytest.raises(ValueError, match="reply-by must be timezone-aware, got 2026-11-23T12:00:00"):
        ensure_aware(datetime(2026, 11, 23, 12, 0), "reply-by")
