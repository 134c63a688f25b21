"""Money: Decimal with a currency, exact minor units, per-marketplace formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from safet_tui.domain.money import Money, MoneyError, format_money, parse_amount


def usd(text: str) -> Money:
    return Money.of(text, "USD")


def inr(text: str) -> Money:
    return Money.of(text, "INR")


# -- formatting ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("money", "text"),
    [
        (usd("1249.5"), "$1,249.50"),
        (usd("0"), "$0.00"),
        (usd("0.05"), "$0.05"),
        (usd("999.99"), "$999.99"),
        (usd("1234567.89"), "$1,234,567.89"),
        (usd("-49.99"), "-$49.99"),
        (inr("123456"), "₹1,23,456.00"),
        (inr("12345678.9"), "₹1,23,45,678.90"),
        (inr("999"), "₹999.00"),
        (inr("1000"), "₹1,000.00"),
        (inr("100000"), "₹1,00,000.00"),
        (inr("-1249"), "-₹1,249.00"),
    ],
)
def test_format_with_symbol(money, text):
    assert format_money(money) == text
    assert str(money) == text


def test_format_without_symbol_keeps_grouping():
    assert format_money(inr("123456"), symbol=False) == "1,23,456.00"
    assert format_money(usd("1249.5"), symbol=False) == "1,249.50"


def test_format_in_another_locale():
    assert format_money(usd("1249.5"), locale="en_IN") == "$1,249.50"
    assert format_money(inr("123456"), locale="en_US") == "₹123,456.00"


# -- construction ----------------------------------------------------------------

def test_amounts_are_quantized_half_up_to_cents():
    assert usd("1.005").amount == Decimal("1.01")
    assert usd("2.675").amount == Decimal("2.68")
    assert usd("2.674").amount == Decimal("2.67")
    assert usd("-1.005").amount == Decimal("-1.01")
    assert Money.of(7, "USD").amount == Decimal("7.00")


def test_float_is_refused():
    with pytest.raises(MoneyError, match="float"):
        Money(1.5, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", "", "1,2", "NaN", "Infinity"])
def test_unreadable_or_infinite_amount_is_a_money_error(bad):
    with pytest.raises(MoneyError):
        Money.of(bad, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "", "U$D"])
def test_currency_must_be_iso_code(currency):
    with pytest.raises(MoneyError, match="ISO 4217"):
        Money.of("1", currency)


def test_minor_units_round_trip():
    assert usd("1249.50").minor == 124950
    assert Money.from_minor(124950, "USD") == usd("1249.5")
    assert Money.from_minor(-5, "INR").amount == Decimal("-0.05")
    assert inr("12345678.90").minor == 1234567890
    assert Money.zero("INR") == inr("0")
    for minor in (0, 1, 99, 100, 101, 123456789, -1):
        assert Money.from_minor(minor, "USD").minor == minor


# -- arithmetic and comparison --------------------------------------------------------

def test_add_and_subtract_in_one_currency():
    assert usd("0.10") + usd("0.20") == usd("0.30")
    assert usd("5") - usd("7.25") == usd("-2.25")
    assert -usd("3") == usd("-3")


def test_mixing_currencies_is_refused():
    with pytest.raises(MoneyError, match="USD with INR"):
        usd("1") + inr("1")
    with pytest.raises(MoneyError):
        usd("1") - inr("1")
    with pytest.raises(TypeError):
        usd("1") + Decimal("1")  # type: ignore[operator]


def test_equal_amounts_in_different_currencies_differ():
    assert usd("5") != inr("5")


def test_comparison_within_one_currency():
    assert usd("5") > usd("4.99")
    assert usd("5") >= usd("5.00")
    assert usd("4.99") < usd("5")
    assert usd("5") <= usd("5")
    assert sorted([usd("3"), usd("1"), usd("2")]) == [usd("1"), usd("2"), usd("3")]


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_comparison_across_currencies_is_refused(op):
    with pytest.raises(MoneyError):
        eval(f"a {op} b", {"a": usd("5"), "b": inr("3")})


def test_is_positive():
    assert usd("0.01").is_positive()
    assert not usd("0").is_positive()
    assert not usd("-1").is_positive()


# -- parsing report amounts ----------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,249.00", "1249.00"),
        ("₹1,23,456.00", "123456.00"),
        ("-49.99", "-49.99"),
        ("-$49.99", "-49.99"),
        ("$-49.99", "-49.99"),
        ("$ 12", "12"),
        ("(12.00)", "-12.00"),
        ("INR 1,249", "1249"),
        ("1249 INR", "1249"),
        ("  7.5 ", "7.5"),
        ("+3", "3"),
        ("1234567.891", "1234567.891"),
    ],
)
def test_parse_amount(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "   ", "abc", "1.2.3", "1,2", "12a", "$", "--5", "1e5", ".5"])
def test_parse_amount_refuses_garbage(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("-49,99", "de_DE", "-49.99"),
        ("1.234,56", "de_DE", "1234.56"),
        ("EUR -3,10", "de_DE", "-3.10"),
        ("(12,00)", "de_DE", "-12.00"),
        ("1.234", "de_DE", "1234"),
        ("-49.99", "en_US", "-49.99"),
        ("1,23,456.00", "en_IN", "123456.00"),
        ("123,456.00", "en_IN", "123456.00"),
    ],
)
def test_parse_amount_in_a_locale(text, locale, value):
    assert parse_amount(text, locale) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "locale", "says"),
    [
        ("-49.99", "de_DE", "not an amount as de_DE writes numbers"),
        ("1,234", "de_DE", "ambiguous"),  # 1.234 in de_DE, 1,234 elsewhere
        ("1.234", "en_US", "ambiguous"),
        ("-49,99", "en_US", "not an amount"),
        ("abc", "de_DE", "not an amount"),
    ],
)
def test_parse_amount_in_a_locale_refuses_what_it_would_have_to_guess(text, locale, says):
    with pytest.raises(MoneyError, match=says):
        parse_amount(text, locale)


def test_decimal_comma_is_never_read_as_a_thousands_separator():
    # Issue 9.10: "-49,99" was read as -4,999.00.
    with pytest.raises(MoneyError):
        parse_amount("-49,99")


@pytest.mark.parametrize(("currency", "locale"), [("USD", "en_US"), ("INR", "en_IN")])
def test_the_plain_formatter_writes_what_babel_writes(currency, locale):
    """USD and INR are formatted without loading babel (the first screen's largest cost): the
    text must be babel's, with and without the symbol, for any amount the desk can hold."""
    import random

    from babel import Locale
    from babel.numbers import format_currency

    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace("\xa4", "").replace("\xa0", "").strip()
    rng = random.Random(7)
    amounts = [0, 1, -1, 99, 100, -100, 99999, 100000, 12345678, -9_999_999_999]
    amounts += [rng.randrange(-10**12, 10**12) for _ in range(2000)]
    for minor in amounts:
        m = Money.from_minor(minor, currency)
        assert format_money(m) == format_currency(m.amount, currency, locale=locale)
        assert format_money(m, symbol=False) == format_currency(m.amount, currency, format=pattern, locale=locale)
