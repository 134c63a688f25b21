"""Reading the merchant-fulfilled returns report: every row parsed and checked, nothing written.
Typed cells are memoised per file by their text (a report's dates, amounts and currency repeat)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from safet_tui.domain.eligibility import is_automated_text
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import MoneyError
from safet_tui.domain.records import (
    RecordError,
    check_claim_no,
    check_instant,
    check_minor,
    check_reimbursed,
)
from safet_tui.reports.bulk.accounts import policy_for
from safet_tui.reports.context import ImportContext
from safet_tui.reports.reading.cells import (
    _instant_of,
    _minor_of,
    amount,
    currency,
    first_currency,
    instant,
)
from safet_tui.reports.reading.dates import DateError
from safet_tui.reports.reading.tsv import Row, Table, decode

REQUIRED = {"order id": "Order ID", "refunded amount": "Refunded Amount", "safet claim id": "SafeT claim id"}


class ReturnRow(NamedTuple):
    line: int
    order_id: str
    item: str
    sku: str
    asin: str
    title: str
    return_reason: str
    refunded: int | None
    delivered: datetime | None
    requested: datetime | None
    claim_id: str
    state: str
    action_reason: str
    created: datetime | None
    reimbursed: int | None
    order_amount: int | None
    #: the return type or resolution names Amazon's automated refund (not claimable)
    automated: bool = False


class Parsed:
    """``rows``: a :class:`ReturnRow` for a row with a claim id, a plain tuple of the same fields
    (cheaper to build) for the others."""

    def __init__(self, policy: Policy, rows: list[tuple], undated: bool = False,
                 newest: datetime | None = None) -> None:
        self.policy = policy
        self.rows = rows
        #: some refund without a claim has no return-delivery date (the summary says so)
        self.undated = undated
        #: the newest date in the report (return delivery, request, claim creation): the report was
        #: made on it or later
        self.newest = newest


_TEXT_KEYS = ("order id", "order item id", "merchant sku", "asin", "item name", "return reason",
              "safet claim id", "currency code", "refunded amount", "return delivery date", "return request date",
              # what decides whether a refund can be claimed at all (a partial or an automated refund cannot)
              "order amount", "return type", "resolution")
_CLAIM_KEYS = ("safet claim state", "safet action reason", "safet claim creation time",
               "safet claim reimbursement amount")


def read(data: bytes, ctx: ImportContext) -> Parsed:
    """Parse and check every row (nothing is written); stops at the first bad cell.

    Typed cells are memoised per file by their text (a report's dates, amounts and currency
    repeat); a text seen for the first time goes through :mod:`.cells`, which raises the error
    naming the line, column and value. The checks run in the same order as cell by cell.
    """
    table = Table(decode(data, ctx.file), ctx.file)
    table.require(REQUIRED)
    ctx.total = table.total * 2
    first_code, first_row = first_currency(table, "currency code")
    policy = policy_for(ctx.policies, file=ctx.file, currency=first_code, account=ctx.account,
                        line=first_row.line if first_row else None,
                        column=table.name("currency code") if first_row else None)
    tz, locale = policy.tz, policy.locale
    rows: list[tuple] = []
    pick = table.cells_picker(_TEXT_KEYS)
    pick_claim = table.cells_picker(_CLAIM_KEYS)
    ok_currency = {"": True, policy.currency: True}
    amounts: dict[str, int | None] = {"": None}
    instants: dict[str, datetime | None] = {"": None}
    undated = False
    tick = ctx.tick if ctx.progress is not None else None

    # A text seen for the first time is read by the memoised parsers of .cells; one that does not
    # parse goes through cells.amount/instant, which raise the error naming line, column and value.
    # Values outside what the desk can store (2^63 cents, year 9999) are refused here, once per text.
    def amount_at(text: str, line: int, cells: list[str], key: str) -> int | None:
        try:
            value = _minor_of(text, locale)
            check_minor(value, key)
        except MoneyError:
            amount(table, Row(line, cells), key, locale)
            raise
        except RecordError as exc:
            raise table.error(Row(line, cells), key, exc.problem) from None
        amounts[text] = value
        return value

    def instant_at(text: str, line: int, cells: list[str], key: str) -> datetime | None:
        try:
            value = _instant_of(text, tz)
            check_instant(value, key)
        except (DateError, ValueError) as exc:
            if isinstance(exc, RecordError):
                raise table.error(Row(line, cells), key, exc.problem) from None
            instant(table, Row(line, cells), key, tz)
            raise
        except OverflowError:
            raise table.error(Row(line, cells), key, "out of range (dates from 2000-01-01 up to 2100-01-01)") from None
        instants[text] = value
        return value

    start, lines = table.data_lines()
    for line, text in enumerate(lines, start=start):
        if not text or text.isspace():
            continue
        cells = text.split("\t")
        (order_id, item, sku, asin, title, return_reason, claim_id, cur, refunded_text, delivered_text,
         requested_text, order_amount_text, return_type, resolution) = pick(cells)
        if cur not in ok_currency:
            cur = currency(table, Row(line, cells), "currency code")
            if cur and cur != policy.currency:
                raise table.error(Row(line, cells), "currency code",
                                  f"the report is in {policy.currency} ({policy.marketplace}); "
                                  "one report holds one marketplace")
        refunded = amounts[refunded_text] if refunded_text in amounts else amount_at(
            refunded_text, line, cells, "refunded amount")
        delivered = instants[delivered_text] if delivered_text in instants else instant_at(
            delivered_text, line, cells, "return delivery date")
        requested = instants[requested_text] if requested_text in instants else instant_at(
            requested_text, line, cells, "return request date")
        if claim_id:
            state, action_reason, created_text, reimbursed_text = pick_claim(cells)
            created = instants[created_text] if created_text in instants else instant_at(
                created_text, line, cells, "safet claim creation time")
            reimbursed = amounts[reimbursed_text] if reimbursed_text in amounts else amount_at(
                reimbursed_text, line, cells, "safet claim reimbursement amount")
            order_amount = amounts[order_amount_text] if order_amount_text in amounts else amount_at(
                order_amount_text, line, cells, "order amount")
            try:
                check_claim_no(claim_id)
                # what the claim is for: the refund, else the order amount (as _claim files it)
                check_reimbursed(abs(refunded or 0) or abs(order_amount or 0) or None, reimbursed)
            except RecordError as exc:
                key = "safet claim id" if exc.field == "claim_id" else "safet claim reimbursement amount"
                raise table.error(Row(line, cells), key, exc.problem) from None
            rows.append(ReturnRow(line, order_id, item, sku, asin, title, return_reason, refunded, delivered,
                                  requested, claim_id, state, action_reason, created, reimbursed, order_amount,
                                  is_automated_text(return_type, resolution)))
        else:
            order_amount, automated = None, False
            if refunded:
                if delivered is None:
                    undated = True
                order_amount = amounts[order_amount_text] if order_amount_text in amounts else amount_at(
                    order_amount_text, line, cells, "order amount")
                automated = is_automated_text(return_type, resolution)
            rows.append((line, order_id, item, sku, asin, title, return_reason, refunded, delivered,
                         requested, claim_id, "", "", None, None, order_amount, automated))
        if tick is not None:
            tick(len(rows))
    newest = max((v for v in instants.values() if v is not None), default=None)
    return Parsed(policy, rows, undated, newest)
