"""Claims out: CSV for spreadsheets, JSON for people and programs (and ``import claims``).

``export_claims(desk, out, fmt="csv"|"json", statuses=..., accounts=..., with_messages=...)``
writes the claims with their deadlines, amounts, outcome and appeal state,
ordered by claim id. JSON (version 2) also carries each claim's payouts, the
refunds of the exported claims and, unless the export is narrowed to some
statuses or claims, the accounts' refunds without a claim (the Claimable tab)
and payouts that match no claim. ``with_messages`` adds each claim's messages,
status events and attachment records. It can be imported again (``safet import
claims FILE``): importing an export into an empty database and exporting again
gives the same file. Attachment *files* are not in the JSON, only their records
(name, size, sha256): :attr:`ExportResult.attachments` counts them so the caller
can say to copy the ``<db>.attachments`` folder along.

CSV cells that begin with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) are prefixed with ``'`` so that a spreadsheet shows them as text
instead of running them as formulas; the amounts, which the export computes, are
numbers and stay as they are (``-49.99``), see ``csv_cells``. Amounts are plain
decimals in the claim's currency, instants are ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO

from safet_tui.db import sql_for
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import Outcome, Status, appeal_state, deadline_of
from safet_tui.domain.money import plain_minor
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.export.claims_format import FORMAT, VERSION
from safet_tui.export.csv_cells import neutralise, write_csv  # noqa: F401 (neutralise: the API)
from safet_tui.reports.bulk.store import CLAIM_COLUMNS
from safet_tui.reports.errors import ReportError
from safet_tui.transactions import bound

CSV_COLUMNS = (
    "claim_id", "account", "marketplace", "order_id", "order_item_id", "sku", "asin", "title", "reason",
    "reason_label", "status", "status_label", "outcome", "outcome_label", "denial_reason", "currency",
    "claimed", "reimbursed", "paid", "filed_at", "updated_at", "reply_by", "appeal_by", "deadline", "deadline_estimated",
    "appeal_state", "description",
)

def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else from_epoch(epoch).isoformat().replace("+00:00", "Z")


def _amount(minor: int | None) -> str | None:
    return None if minor is None else plain_minor(minor)


#: the CSV columns that are amounts: written as numbers (a negative one stays a number); every
#: other column is text and neutralised as text (csv_cells)
_AMOUNT_COLUMNS = frozenset({"claimed", "reimbursed", "paid"})


def _csv_value(column: str, value: object) -> object:
    return Decimal(value) if column in _AMOUNT_COLUMNS and isinstance(value, str) else value


@dataclass(frozen=True)
class ExportResult:
    claims: int
    format: str
    refunds: int = 0
    #: attachment records in the export (their files are not in it) and the files' total size
    attachments: int = 0
    attachment_bytes: int = 0


#: the claim's own columns (the import's list), after its account's and product's
_CLAIM_SQL = (
    "SELECT c.id, a.name, a.marketplace, COALESCE(p.sku, ''), COALESCE(p.asin, ''), COALESCE(p.title, ''), "
    + ", ".join(f"c.{column}" for column in CLAIM_COLUMNS)
    + " FROM claim c JOIN account a ON a.id = c.account_id LEFT JOIN product p ON p.id = c.product_id"
)
_CLAIM_AT = 6  # where the claim's own columns start in a row


def claim_rows(database, *, statuses: Sequence[str] = (), accounts: Sequence[str] = (),
               now: datetime, claim_ids: Sequence[int] = ()) -> list[dict]:
    """The selected claims as plain dicts (JSON field names), ordered by claim id."""
    where: list[str] = []
    params: list[object] = []
    wanted = {int(i) for i in claim_ids}
    if wanted and len(wanted) <= 900:  # larger selections are filtered below (SQL variable limits)
        where.append(f"c.id IN ({', '.join('?' * len(wanted))})")
        params += sorted(wanted)
    if statuses:
        where.append(f"c.status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    if accounts:
        where.append(f"a.name IN ({', '.join('?' * len(accounts))})")
        params += list(accounts)
    sql = sql_for(database, _CLAIM_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.claim_no")
    now_epoch = to_epoch(now)
    out = []
    for row in database.execute_sql(sql, tuple(params)):
        cid, account, market, sku, asin, title = row[:_CLAIM_AT]
        if wanted and cid not in wanted:
            continue
        c = dict(zip(CLAIM_COLUMNS, row[_CLAIM_AT:], strict=True))
        status, outcome, reason = c["status"], c["outcome"], c["reason"]
        reply_by, appeal_by = c["reply_by"], c["appeal_by"]
        used, decided = bool(c["appeal_used"]), bool(c["appeal_decided"])
        deadline = deadline_of(status, outcome, reply_by, appeal_by, used, now_epoch)
        known_reason = REASONS_BY_CODE.get(reason)
        out.append({
            "_id": cid,
            "claim_id": c["claim_no"], "account": account, "marketplace": market, "order_id": c["order_id"],
            "order_item_id": c["order_item_id"], "sku": sku, "asin": asin, "title": title, "reason": reason,
            "reason_label": known_reason.label if known_reason else reason,
            "status": status, "status_label": Status(status).label,
            "outcome": outcome, "outcome_label": Outcome(outcome).label if outcome else None,
            "denial_reason": c["denial_reason"], "currency": c["currency"], "claimed": _amount(c["claimed_minor"]),
            "reimbursed": _amount(c["reimbursed_minor"]), "paid": _amount(c["paid_minor"] or 0),
            "filed_at": _iso(c["filed_at"]), "updated_at": _iso(c["updated_at"]), "reply_by": _iso(reply_by),
            "appeal_by": _iso(appeal_by), "deadline": _iso(deadline),
            "deadline_estimated": bool(c["deadline_estimated"]), "decided_at": _iso(c["decided_at"]),
            "appeal_used": used,
            "appeal_decided": decided,
            "appeal_state": appeal_state(status, outcome, appeal_by, used, decided, now_epoch),
            "description": c["description"],
        })
    return out


def _grouped(database, sql: str, ids: set[int]) -> dict[int, list[tuple]]:
    groups: dict[int, list[tuple]] = {}
    for row in database.execute_sql(sql):
        if row[0] in ids:
            groups.setdefault(row[0], []).append(row[1:])
    return groups


def _add_details(database, claims: list[dict], with_messages: bool) -> None:
    ids = {c["_id"] for c in claims}
    payouts = _grouped(database, "SELECT claim_id, adjustment_id, order_id, amount_minor, posted_at, source "
                                 "FROM payout WHERE claim_id IS NOT NULL ORDER BY claim_id, posted_at, id", ids)
    if with_messages:
        messages = _grouped(database, "SELECT claim_id, id, side, kind, author, body, created_at FROM message "
                                      "ORDER BY claim_id, created_at, id", ids)
        events = _grouped(database, 'SELECT claim_id, at, actor, "user", action, from_status, to_status, note '
                                    "FROM status_event ORDER BY claim_id, at, id", ids)
        attachments = _grouped(database, "SELECT claim_id, message_id, name, size, sha256, media_type, created_at "
                                         "FROM attachment ORDER BY claim_id, created_at, id", ids)
    for c in claims:
        cid = c["_id"]
        c["payouts"] = [
            {"adjustment_id": adj, "order_id": order, "amount": _amount(amount), "posted_at": _iso(posted),
             "source": source}
            for adj, order, amount, posted, source in payouts.get(cid, ())
        ]
        if not with_messages:
            continue
        files: dict[int | None, list[dict]] = {}
        for mid, name, size, sha, media, created in attachments.get(cid, ()):
            files.setdefault(mid, []).append({"name": name, "size": size, "sha256": sha, "media_type": media,
                                              "at": _iso(created)})
        c["messages"] = [
            {"at": _iso(at), "side": side, "kind": kind, "author": author, "body": body,
             "attachments": files.get(mid, [])}
            for mid, side, kind, author, body, at in messages.get(cid, ())
        ]
        c["attachments"] = files.get(None, [])
        c["events"] = [
            {"at": _iso(at), "actor": actor, "user": user, "action": action, "from_status": frm,
             "to_status": to, "note": note}
            for at, actor, user, action, frm, to, note in events.get(cid, ())
        ]


_REFUND_SQL = (
    "SELECT a.name, a.marketplace, r.order_id, r.order_item_id, COALESCE(p.sku, ''), COALESCE(p.asin, ''),"
    " COALESCE(p.title, ''), r.return_reason, r.currency, r.amount_minor, r.order_minor, r.refund_at,"
    " r.delivered_at, r.file_by, r.basis, c.claim_no, r.created_at, r.not_claimable"
    " FROM refund r JOIN account a ON a.id = r.account_id LEFT JOIN product p ON p.id = r.product_id"
    " LEFT JOIN claim c ON c.id = r.claim_id"
    " ORDER BY a.name, a.marketplace, r.order_id, r.order_item_id, r.id"
)
_LOOSE_PAYOUT_SQL = (
    "SELECT a.name, a.marketplace, p.adjustment_id, p.order_id, p.currency, p.amount_minor, p.posted_at, p.source"
    " FROM payout p JOIN account a ON a.id = p.account_id WHERE p.claim_id IS NULL"
    " ORDER BY a.name, a.marketplace, p.posted_at, p.adjustment_id, p.order_id, p.amount_minor, p.id"
)


def _refunds_and_payouts(database, claims: list[dict], accounts: Sequence[str],
                         whole: bool) -> tuple[list[dict], list[dict]]:
    """The refunds of the exported claims, and, for a ``whole`` export (every status, every claim of
    the chosen accounts), the refunds without a claim and the payouts that match no claim."""
    numbers = {c["claim_id"] for c in claims}
    wanted = set(accounts)
    refunds = []
    for (account, market, order_id, item, sku, asin, title, return_reason, currency, amount, order_amount,
         refund_at, delivered_at, file_by, basis, claim_no, created, not_claimable) in database.execute_sql(_REFUND_SQL):
        if claim_no is not None and claim_no not in numbers:
            continue
        if claim_no is None and (not whole or (wanted and account not in wanted)):
            continue
        refunds.append({
            "account": account, "marketplace": market, "order_id": order_id, "order_item_id": item, "sku": sku,
            "asin": asin, "title": title, "return_reason": return_reason, "currency": currency,
            "amount": _amount(amount), "order_amount": _amount(order_amount), "refund_at": _iso(refund_at),
            "delivered_at": _iso(delivered_at), "file_by": _iso(file_by), "basis": basis, "claim_id": claim_no,
            "created_at": _iso(created), "not_claimable": not_claimable,
        })
    payouts = []
    if whole:
        for account, market, adjustment, order_id, currency, amount, posted, source in database.execute_sql(
                _LOOSE_PAYOUT_SQL):
            if wanted and account not in wanted:
                continue
            payouts.append({"account": account, "marketplace": market, "adjustment_id": adjustment,
                            "order_id": order_id, "currency": currency, "amount": _amount(amount),
                            "posted_at": _iso(posted), "source": source})
    return refunds, payouts


def _account_currencies(database) -> dict[tuple[str, str], str]:
    return {(n, m): cur for n, m, cur in database.execute_sql("SELECT name, marketplace, currency FROM account")}


def export_claims(desk, out: IO[str], *, fmt: str = "csv", statuses: Iterable[str] = (),
                  accounts: Iterable[str] = (), with_messages: bool = False,
                  claim_ids: Sequence[int] = ()) -> ExportResult:
    """Write the selected claims to ``out`` (a text stream) as CSV or JSON.

    ``claim_ids`` (database ids, as the desk's selection holds them) narrows it to those claims.
    Safe to call from a thread worker: it closes the connection it opened for that thread."""
    with bound(desk.database):  # this desk's database, whatever else is open in the process
        return _export_claims(desk, out, fmt=fmt, statuses=statuses, accounts=accounts, with_messages=with_messages, claim_ids=claim_ids)


def _export_claims(desk, out: IO[str], *, fmt: str = "csv", statuses: Iterable[str] = (),
                  accounts: Iterable[str] = (), with_messages: bool = False,
                  claim_ids: Sequence[int] = ()) -> ExportResult:
    statuses = _check_statuses(statuses)
    accounts = [a.strip() for a in accounts if a.strip()]
    visible = getattr(desk, "visible", None)  # a seller limited to some accounts exports only theirs
    if visible is not None and visible.limited:
        mine: list[str] = visible.narrow(accounts) or []
        if not mine:
            raise ReportError(f"no account {accounts[0]!r}")
        accounts = mine
    if fmt not in ("csv", "json"):
        raise ReportError(f"unknown export format {fmt!r} (use csv or json)")
    if with_messages and fmt != "json":
        raise ReportError("--with-messages needs --format json (threads do not fit in a CSV row)")
    database = desk.database
    opened_here = database.is_closed()
    desk.catch_up()  # every reader sees what the passing of time decided
    refunds: list[dict] = []
    payouts: list[dict] = []
    currencies: dict[tuple[str, str], str] = {}
    try:
        with database.atomic():  # one consistent snapshot
            claims = claim_rows(database, statuses=statuses, accounts=accounts, now=desk.now(),
                                claim_ids=list(claim_ids))
            if fmt == "json":
                _add_details(database, claims, with_messages)
                refunds, payouts = _refunds_and_payouts(database, claims, accounts,
                                                        whole=not statuses and not claim_ids)
                currencies = _account_currencies(database)
    finally:
        if opened_here and not database.is_closed():
            database.close()
    if fmt == "csv":
        write_csv(out, CSV_COLUMNS, ([_csv_value(k, c[k]) for k in CSV_COLUMNS] for c in claims))
    else:
        account_list = sorted({(r["account"], r["marketplace"]) for r in [*claims, *refunds, *payouts]})
        doc = {
            "format": FORMAT, "version": VERSION, "with_messages": with_messages,
            "accounts": [{"name": n, "marketplace": m, "currency": currencies[(n, m)]} for n, m in account_list],
            "claims": [{k: v for k, v in c.items() if k != "_id"} for c in claims],
            "refunds": refunds,
            "payouts": payouts,
        }
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
    files = {a["sha256"]: a["size"] for c in claims
             for a in [*c.get("attachments", ()), *(a for m in c.get("messages", ()) for a in m["attachments"])]}
    return ExportResult(len(claims), fmt, refunds=len(refunds), attachments=len(files),
                        attachment_bytes=sum(files.values()))


def _check_statuses(statuses: Iterable[str]) -> list[str]:
    known = {s.value: s.value for s in Status}
    known.update({s.label.lower(): s.value for s in Status})
    known.update({"awaiting seller response": "awaiting", "under investigation": "investigating"})
    out = []
    for s in statuses:
        for part in str(s).split(","):
            key = part.strip().lower()
            if not key:
                continue
            if key not in known:
                raise ReportError(f"unknown status {part.strip()!r} (use awaiting, investigating or resolved)")
            if known[key] not in out:
                out.append(known[key])
    return out
