"""Dates and times as Amazon's reports write them.

Takes ``2026-10-02``, ``2026-10-02T14:22:05+00:00``, ``2026-10-13 18:02:11 UTC``,
``02-Oct-2026``, ``10-Jul-2025``, ``Oct 2, 2026`` (and a few close relatives).
A value without a time or zone is read in the marketplace's timezone (a date
means the start of that local day); everything comes back timezone-aware.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

_ZONES = {
    "UTC": UTC, "GMT": UTC, "Z": UTC,
    "PST": timezone(timedelta(hours=-8)), "PDT": timezone(timedelta(hours=-7)),
    "EST": timezone(timedelta(hours=-5)), "EDT": timezone(timedelta(hours=-4)),
    "IST": timezone(timedelta(hours=5, minutes=30)),
    "CET": timezone(timedelta(hours=1)), "CEST": timezone(timedelta(hours=2)),
    "BST": timezone(timedelta(hours=1)), "JST": timezone(timedelta(hours=9)),
}
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DMY_NAME = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ,]+(\d{4})$")  # 02-Oct-2026, 2 Oct 2026
_MDY_NAME = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")  # Oct 2, 2026
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 02.10.2026 (European settlement files)
_TIME_TAIL = re.compile(
    r"^(?P<date>.+?)[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>Z|[A-Z]{2,4}|[+-]\d{2}:?\d{2})?$"
)


class DateError(ValueError):
    pass


def _month(name: str) -> int:
    m = _MONTHS.get(name[:3].lower())
    if m is None or (len(name) > 3 and not _full_month(name)):
        raise DateError(name)
    return m


def _full_month(name: str) -> bool:
    full = ("january february march april may june july august september october november december").split()
    return name.lower().rstrip(".") in full or name.lower() == "sept"


def parse_day(text: str) -> date:
    s = " ".join(text.strip().split())
    try:
        if m := _ISO_DATE.match(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY_NAME.match(s):
            return date(int(m[3]), _month(m[2]), int(m[1]))
        if m := _MDY_NAME.match(s):
            return date(int(m[3]), _month(m[1]), int(m[2]))
        if m := _DOTTED.match(s):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError as exc:
        raise DateError(f"{text!r} is not a date") from exc
    raise DateError(f"{text!r} is not a date")


def _zone(text: str | None, default: tzinfo) -> tzinfo:
    if not text:
        return default
    if text in _ZONES:
        return _ZONES[text]
    if text[0] in "+-":
        digits = text[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return timezone(delta if text[0] == "+" else -delta)
    raise DateError(f"unknown time zone {text!r}")


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """A report's date or date-time as an aware datetime; ``tz`` applies when the value has no zone."""
    s = " ".join((text or "").strip().split())
    if not s:
        raise DateError("empty date")
    try:
        value = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
        if "T" in s or ":" in s:
            return value if value.tzinfo else value.replace(tzinfo=tz)
    except ValueError:
        pass
    if m := _TIME_TAIL.match(s):
        day = parse_day(m["date"])
        try:
            clock = time.fromisoformat(m["time"].zfill(5) if len(m["time"]) == 4 else m["time"])
        except ValueError as exc:
            raise DateError(f"{text!r} is not a time") from exc
        return datetime.combine(day, clock, tzinfo=_zone(m["zone"], tz))
    return datetime.combine(parse_day(s), time(0, 0), tzinfo=tz)
