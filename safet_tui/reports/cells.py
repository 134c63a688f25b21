"""Reading typed cells (amounts, instants) with errors that name file, line, column and value."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..domain.money import CENT, MoneyError, parse_amount
from .dates import DateError, parse_instant
from .tsv import Row, Table


def minor(value: Decimal) -> int:
    """Decimal amount to integer minor units (cents, paise), half-up."""
    return int(value.quantize(CENT, rounding=ROUND_HALF_UP).scaleb(2))


#: amounts as the reports mostly write them (``1,249.00``, ``-49.99``, ``12.50``): their minor units
#: are their digits; anything else goes through :func:`parse_amount`
_PLAIN_AMOUNT = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\.[0-9]{2}")


@lru_cache(maxsize=65536)
def _minor_of(text: str) -> int:
    if _PLAIN_AMOUNT.fullmatch(text):
        return int(text.replace(",", "").replace(".", ""))
    return minor(parse_amount(text))


@lru_cache(maxsize=65536)
def _instant_of(text: str, tz: tzinfo) -> datetime:
    return parse_instant(text, tz)


def amount(table: Table, row: Row, key: str) -> int | None:
    """The cell as minor units; None when empty."""
    text = table.cell(row, key)
    if not text:
        return None
    try:
        return _minor_of(text)
    except MoneyError:
        raise table.error(row, key, "not an amount (expected e.g. 1,249.00 or -49.99)") from None


def instant(table: Table, row: Row, key: str, tz: tzinfo) -> datetime | None:
    """The cell as an aware datetime (a date alone is the start of that day in ``tz``); None when empty."""
    text = table.cell(row, key)
    if not text:
        return None
    try:
        return _instant_of(text, tz)
    except (DateError, ValueError):
        raise table.error(row, key, "not a date (expected e.g. 2026-10-02, 02-Oct-2026, Oct 2, 2026 "
                                    "or 2026-10-02T14:22:05+00:00)") from None


def currency(table: Table, row: Row, key: str) -> str:
    text = table.cell(row, key).upper()
    if text and not (len(text) == 3 and text.isalpha() and text.isascii()):
        raise table.error(row, key, "not a currency code (expected e.g. USD or INR)")
    return text
