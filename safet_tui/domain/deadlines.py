"""Deadlines people act on: time left, and how urgent it is."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from enum import IntEnum
from zoneinfo import ZoneInfo

from safet_tui.domain.clock import ensure_aware


class Urgency(IntEnum):
    NONE = 0
    OK = 1
    SOON = 2  # under 3 days
    CRITICAL = 3  # under 24 hours
    OVERDUE = 4


def time_left(deadline: datetime, now: datetime) -> timedelta:
    return deadline - now


def urgency(deadline: datetime | None, now: datetime) -> Urgency:
    if deadline is None:
        return Urgency.NONE
    left = deadline - now
    if left < timedelta(0):
        return Urgency.OVERDUE
    if left < timedelta(hours=24):
        return Urgency.CRITICAL
    if left < timedelta(days=3):
        return Urgency.SOON
    return Urgency.OK


def humanize_left(deadline: datetime | None, now: datetime) -> str:
    """``3d 4h left``, ``5h 12m left``, ``overdue 2d``; '' for no deadline."""
    if deadline is None:
        return ""
    left = deadline - now
    overdue = left < timedelta(0)
    span = -left if overdue else left
    days, rem = divmod(int(span.total_seconds()), 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes}m"
    else:
        text = f"{minutes}m"
    return f"overdue {text}" if overdue else f"{text} left"


def local_time(at: datetime, zone: str | tzinfo | None = None) -> str:
    """How the desk writes a deadline or a claim's time: ``2026-11-30 23:59 IST``, in the
    marketplace's time zone (``zone``: its IANA name, the policy's ``timezone``; None keeps the
    instant's own zone) and naming the zone, so one deadline reads the same in the preview, the
    thread and the new-claim form."""
    ensure_aware(at, "time")
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = at.astimezone(tz) if tz is not None else at
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
