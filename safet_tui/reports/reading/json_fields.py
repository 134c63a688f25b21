"""Reading a JSON document field by field: each value checked, and the first bad one named by
its JSON path, the value and the rule (one :class:`~safet_tui.reports.errors.ReportError`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import MoneyError, parse_amount
from safet_tui.domain.records import LATEST, RecordError, check_instant, check_minor
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.reading.cells import minor

#: how far past the last instant the desk keeps a deadline counted from one may lie (the longest
#: window a marketplace gives is well under a year)
DEADLINE_SLACK = timedelta(days=366)


class FieldChecker:
    """Reads one JSON object's fields, each checked; a bad value raises the ReportError naming its
    JSON path, the value and the rule."""
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, value: object, problem: str) -> ReportError:
        return ReportError(problem, file=self.file, path=path, value=None if value is None else str(value))

    def record(self, path: str, exc: RecordError) -> ReportError:
        return self.fail(f"{path}.{exc.field}", exc.value, exc.problem)

    def text(self, obj: dict, key: str, path: str, *, required: bool = False) -> str:
        value = self.given(obj, key, path, required=required)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", value, "must be text")
        return value

    def choice(self, obj: dict, key: str, path: str, allowed: tuple[str, ...], what: str, *,
               required: bool = True) -> str:
        value = self.text(obj, key, path, required=required)
        if value and value not in allowed:
            raise self.fail(f"{path}.{key}", value, f"unknown {what} (use {', '.join(allowed)})")
        return value

    def given(self, obj: dict, key: str, path: str, *, required: bool = False) -> object | None:
        """The value at ``key``, None when it is missing, empty or only blanks (refused when ``required``:
        an account named ``"\\r"`` is an account without a name)."""
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
            return None
        return value

    def when(self, obj: dict, key: str, path: str, *, required: bool = False, deadline: bool = False) -> int | None:
        """An instant in range (:func:`check_instant`). A ``deadline`` (reply-by, appeal-by,
        file-by) is counted by the desk from an instant in range, so it may lie up to
        :data:`DEADLINE_SLACK` past the last one: a refund delivered on 2099-12-31 can be filed
        until 2100-01-07, and the desk's own export of it must import back."""
        value = self.given(obj, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", value, "must be an ISO 8601 date-time in quotes")
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{path}.{key}", value, "not an ISO 8601 date-time") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        try:
            check_instant(at - DEADLINE_SLACK if deadline and at >= LATEST else at, key)
            return int(at.timestamp())
        except RecordError as exc:
            raise self.fail(f"{path}.{key}", value, exc.problem) from None
        except (OverflowError, ValueError):
            raise self.fail(f"{path}.{key}", value, "out of range (dates from 2000-01-01 up to 2100-01-01)") from None

    def money(self, obj: dict, key: str, path: str, *, required: bool = False) -> int | None:
        value = self.given(obj, key, path, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise self.fail(f"{path}.{key}", value, "not an amount")
        try:
            amount = minor(parse_amount(str(value)))
            check_minor(amount, key)
        except MoneyError:
            raise self.fail(f"{path}.{key}", value, "not an amount") from None
        except RecordError as exc:
            raise self.fail(f"{path}.{key}", value, exc.problem) from None
        return amount

    def flag(self, obj: dict, key: str, path: str) -> bool:
        value = obj.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", value, "must be true or false")
        return value

    def items(self, obj: dict, key: str, path: str) -> list[dict]:
        value = obj.get(key) or []
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}" if path else key, None, "must be a list of objects")
        for i, v in enumerate(value):
            if not isinstance(v, dict):
                raise self.fail(f"{path}.{key}[{i}]" if path else f"{key}[{i}]", None, "must be an object")
        return value

    def market(self, obj: dict, path: str, ctx: ImportContext) -> Policy:
        """The record's marketplace (one safet knows) and its currency (that marketplace's)."""
        market = self.text(obj, "marketplace", path, required=True)
        policy = ctx.policies.by_market.get(market)
        if policy is None:
            known = ", ".join(sorted(ctx.policies.by_market))
            raise self.fail(f"{path}.marketplace", market, f"unknown marketplace (this desk knows {known})")
        cur = self.text(obj, "currency", path, required=True)
        if cur != policy.currency:
            raise self.fail(f"{path}.currency", cur, f"not the currency of {market} ({policy.currency})")
        return policy


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number this file may hold")


def load_json(text: str, file: str) -> object:
    """The JSON document (numbers as Decimal; NaN and Infinity refused; a string holding half a
    UTF-16 pair, which JSON can spell as ``\\ud800``, refused: it is not text and cannot be stored)."""
    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON ({exc.msg})", file=file, line=exc.lineno,
                          column=f"character {exc.colno}") from None
    except RecursionError:
        raise ReportError("not a safet claims export: its JSON is nested too deeply to read", file=file) from None
    except ValueError as exc:  # a number of thousands of digits, NaN, Infinity
        raise ReportError(f"not valid JSON ({exc})", file=file) from None
    _refuse_surrogates(doc, file)
    return doc


def _refuse_surrogates(doc: object, file: str) -> None:
    stack: list[tuple[str, object]] = [("", doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                _text(key, where, file)
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, str):
            _text(value, path, file)


def _text(value: str, path: str, file: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ReportError("holds half a UTF-16 surrogate pair (a \\ud800-\\udfff escape alone): not text",
                          file=file, path=path, value=value) from None
