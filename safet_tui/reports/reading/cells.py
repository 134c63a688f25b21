"""Reading typed cells (amounts, instants) with errors that name file, line, column and value."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from safet_tui.domain.money import CENT, MoneyError, dot_decimal, parse_amount, plain_minor
from safet_tui.domain.records import MAX_MINOR, RecordError, check_instant, check_minor
from safet_tui.reports.reading.dates import DateError, parse_instant
from safet_tui.reports.reading.tsv import Row, Table


def minor(value: Decimal) -> int:
    """Decimal amount to integer minor units (cents, paise), half-up. An amount of 10^20 or more is
    refused as out of range before it is rounded (rounding 40 digits overflows the decimal context)."""
    if not value.is_finite():
        raise MoneyError(f"{value!s} is not an amount")
    if value.adjusted() >= 20:
        raise RecordError("amount", str(value), f"out of range (amounts stay under {plain_minor(MAX_MINOR)})")
    return int(value.quantize(CENT, rounding=ROUND_HALF_UP).scaleb(2))


#: amounts as the reports mostly write them (``1,249.00``, ``-49.99``, ``12.50``): their minor units
#: are their digits; anything else goes through :func:`parse_amount`
_PLAIN_AMOUNT = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\.[0-9]{2}")


@lru_cache(maxsize=65536)
def _minor_of(text: str, locale: str | None = None) -> int:
    """Minor units of a report's amount, read as the marketplace's ``locale`` writes numbers (the fast
    path is for locales that write 1,234.56; ``-49,99`` in ``de_DE`` goes through babel)."""
    if (locale is None or dot_decimal(locale)) and _PLAIN_AMOUNT.fullmatch(text):
        return int(text.replace(",", "").replace(".", ""))
    return minor(parse_amount(text, locale))


@lru_cache(maxsize=65536)
def _instant_of(text: str, tz: tzinfo) -> datetime:
    return parse_instant(text, tz)


def amount(table: Table, row: Row, key: str, locale: str | None = None) -> int | None:
    """The cell as minor units; None when empty. An amount the marketplace's ``locale`` does not
    write, or one that could be read two ways, stops the import naming file, line, column and value."""
    text = table.cell(row, key)
    if not text:
        return None
    try:
        value = _minor_of(text, locale)
        check_minor(value, key)
    except MoneyError as exc:
        problem = _problem(exc, text)
        if problem == "not an amount":
            problem = "not an amount (expected e.g. 1,249.00 or -49.99)"
        raise table.error(row, key, problem) from None
    except RecordError as exc:  # more than the desk can store
        raise table.error(row, key, exc.problem) from None
    return value


def _problem(exc: MoneyError, text: str) -> str:
    """The parser's words without the value (the error names it already)."""
    message, quoted = str(exc), repr(text)
    if message.startswith(quoted):
        message = message[len(quoted):].lstrip()
        message = message[3:] if message.startswith("is ") else message
    return message


def instant(table: Table, row: Row, key: str, tz: tzinfo) -> datetime | None:
    """The cell as an aware datetime (a date alone is the start of that day in ``tz``); None when empty."""
    text = table.cell(row, key)
    if not text:
        return None
    try:
        value = _instant_of(text, tz)
        check_instant(value, key)
    except RecordError as exc:  # a real date, outside the years the desk keeps
        raise table.error(row, key, exc.problem) from None
    except (DateError, ValueError, OverflowError):
        raise table.error(row, key, "not a date (expected e.g. 2026-10-02, 02-Oct-2026, Oct 2, 2026 "
                                    "or 2026-10-02T14:22:05+00:00)") from None
    return value


def currency(table: Table, row: Row, key: str) -> str:
    text = table.cell(row, key).upper()
    if text and not (len(text) == 3 and text.isalpha() and text.isascii()):
        raise table.error(row, key, "not a currency code (expected e.g. USD or INR)")
    return text


def first_currency(table: Table, key: str) -> tuple[str, Row | None]:
    """The first currency code in column ``key`` and its row ("" and None when there is none)."""
    for row in table.rows():
        code = currency(table, row, key)
        if code:
            return code, row
    return "", None
