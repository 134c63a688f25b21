"""Money as Decimal with a currency, never float.

Amounts are stored by the data layer as integer minor units (cents, paise), so
sums in SQL are exact; this module converts both ways and formats per locale
through babel (INR uses lakh grouping: 1,23,456.00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

CENT = Decimal("0.01")
_SYMBOLS = "$₹€£¥"
#: western (1,234,567) or Indian (12,34,567) grouping: the last group has three digits, so "49,99" is
#: not read as 4,999
_AMOUNT_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})*|\d{1,2}(,\d{2})*,\d{3}|\d+)(\.\d+)?$")


class MoneyError(ValueError):
    """An amount that cannot be read or combined."""


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise MoneyError("money must not be a float; pass a Decimal or a string")
        try:
            amount = Decimal(self.amount) if not isinstance(self.amount, Decimal) else self.amount
        except (InvalidOperation, TypeError, ValueError):
            raise MoneyError(f"{self.amount!r} is not an amount") from None
        if not amount.is_finite():
            raise MoneyError(f"amount {self.amount!r} is not a finite number")
        object.__setattr__(self, "amount", amount.quantize(CENT, rounding=ROUND_HALF_UP))
        if not re.fullmatch(r"[A-Z]{3}", self.currency or ""):
            raise MoneyError(f"currency {self.currency!r} is not an ISO 4217 code")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(amount if isinstance(amount, Decimal) else str(amount), currency)  # type: ignore[arg-type]

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(int(minor)).scaleb(-2), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @property
    def minor(self) -> int:
        return int(self.amount.scaleb(2))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    # Ordering only makes sense within one currency: $5 is not "more" than ₹3.
    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return format_money(self)

    def plain(self) -> str:
        """The plain decimal files carry (``-49.99``): no symbol, no grouping."""
        return f"{self.amount:.2f}"

    def is_positive(self) -> bool:
        return self.amount > 0


def parse_amount(text: str, locale: str | None = None) -> Decimal:
    """Read an amount as Amazon's reports write it.

    Takes ``1,249.00``, ``₹1,23,456.00``, ``-49.99``, ``$ 12``, ``(12.00)``
    (accounting negative) and ``INR 1,249``; raises MoneyError otherwise.

    With a ``locale`` (a marketplace's, e.g. ``de_DE``) the digits are read as that locale writes
    them, strictly (babel): ``-49,99`` and ``1.234,56`` in ``de_DE``. Text the locale does not write
    that way (``-49.99`` in ``de_DE``) and text that would need more than two decimals (``1,234``
    reads 1.234 in ``de_DE``, and is 1,234 elsewhere) are refused, never guessed.
    """
    raw = text
    s = (text or "").strip()
    if not s:
        raise MoneyError("empty amount")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = re.sub(r"^[A-Z]{3}\s*", "", s)
    s = re.sub(r"\s*[A-Z]{3}$", "", s)
    if s[:1] in "+-" and s[1:2] and s[1] in _SYMBOLS:
        s = s[0] + s[2:]
    s = s.lstrip(_SYMBOLS).strip()
    if s and s[0] in "+-":
        sign, rest = s[0], s[1:].lstrip(_SYMBOLS).strip()
        s = sign + rest
    if locale is not None and not dot_decimal(locale):
        value = _parse_localized(raw, s, locale)
    else:
        if not _AMOUNT_RE.match(s):
            raise MoneyError(f"{raw!r} is not an amount")
        try:
            value = Decimal(s.replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the regex guards this
            raise MoneyError(f"{raw!r} is not an amount") from exc
    exponent = value.as_tuple().exponent  # an int: the text was digits (no NaN or Infinity)
    if locale is not None and isinstance(exponent, int) and exponent < -2:
        raise MoneyError(f"{raw!r} is ambiguous: as {locale} writes numbers it is {value}, "
                         "more decimals than an amount has")
    return -value if negative else value


@lru_cache(maxsize=64)
def dot_decimal(locale: str) -> bool:
    """Does ``locale`` write 1,234.56 (the way the reports' fast paths read)?"""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_decimal_symbol(locale) == "." and get_group_symbol(locale) == ","


def _parse_localized(raw: str, s: str, locale: str) -> Decimal:
    from babel.core import UnknownLocaleError
    from babel.numbers import NumberFormatError, format_decimal, parse_decimal

    if not re.fullmatch(r"[+-]?[0-9][0-9.,'\s\u00a0\u202f\u2019]*", s):
        raise MoneyError(f"{raw!r} is not an amount")
    try:
        return parse_decimal(s, locale, strict=True)
    except NumberFormatError:
        example = format_decimal(Decimal("-1234.56"), format="#,##0.00", locale=locale)
        raise MoneyError(f"{raw!r} is not an amount as {locale} writes numbers (e.g. {example})") from None
    except (UnknownLocaleError, ValueError) as exc:
        raise MoneyError(f"cannot read amounts in locale {locale!r}: {exc}") from None


def plain_minor(minor: int) -> str:
    """Minor units as the plain decimal files carry (``-49.99``, ``1249.00``), without making a Money
    (an export writes hundreds of thousands of them); the same text as ``Money.plain``."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(int(minor)), 100)
    return f"{sign}{whole}.{cents:02d}"


_LOCALES = {"USD": "en_US", "INR": "en_IN", "EUR": "de_DE", "GBP": "en_GB", "JPY": "ja_JP"}


#: the desk's own marketplaces' currencies, written without loading babel's locale data (it is
#: the largest part of drawing the first screen): symbol, and the size of the groups after the
#: first three digits (2: the Indian lakh grouping). Checked against babel in the tests.
_PLAIN = {("USD", "en_US"): ("$", 3), ("INR", "en_IN"): ("₹", 2)}


def _grouped(digits: str, rest: int) -> str:
    head, tail = digits[:-3], digits[-3:]
    groups = [tail]
    while head:
        groups.append(head[-rest:])
        head = head[:-rest]
    return ",".join(reversed(groups))


def format_money(money: Money, *, symbol: bool = True, locale: str | None = None) -> str:
    """Format for people: ``$1,249.00``, ``₹1,23,456.00``."""
    loc = locale or _LOCALES.get(money.currency, "en_US")
    plain = _PLAIN.get((money.currency, loc))
    if plain is not None and money.amount.as_tuple().exponent == -2:
        sign = "-" if money.amount < 0 else ""
        whole, cents = divmod(abs(money.minor), 100)
        return f"{sign}{plain[0] if symbol else ''}{_grouped(str(whole), plain[1])}.{cents:02d}"
    from babel import Locale
    from babel.numbers import format_currency

    loc = locale or _LOCALES.get(money.currency, "en_US")
    if symbol:
        return format_currency(money.amount, money.currency, locale=loc)
    pattern = Locale.parse(loc).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace("\xa4", "").replace("\xa0", "").strip()
    return format_currency(money.amount, money.currency, format=pattern, locale=loc)
