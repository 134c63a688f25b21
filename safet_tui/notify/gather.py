"""Reading what is owed: pending outbox rows with everything their e-mails tell (the claim, its
product and amounts, the change, Amazon's latest message), a page at a time in a few queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import peewee as pw

from safet_tui.db import sql_for
from safet_tui.domain.clock import from_epoch
from safet_tui.domain.lifecycle import Outcome, Status, deadline_of
from safet_tui.domain.marketplaces import Policies
from safet_tui.domain.money import Money
from safet_tui.domain.notices import About, Deadline, Level

PAGE = 500


@dataclass
class Notice:
    """One outbox row, ready to be written as an e-mail."""

    outbox_id: int
    key: str
    kind: str  # status | reminder
    account: str = ""
    marketplace: str = ""
    timezone: str = "UTC"
    claim_no: str = ""
    order_id: str = ""
    sku: str = ""
    title: str = ""
    status: str = ""
    outcome: str = ""
    denial_reason: str = ""
    claimed: Money | None = None
    reimbursed: Money | None = None
    paid: Money | None = None
    #: (which deadline, when, estimated) that now matters
    deadline: tuple[Deadline, datetime, bool] | None = None
    #: a status change: (from label, to label, action, actor, user, at, note)
    change: tuple[str, str, str, str, str, datetime, str] | None = None
    #: a reminder: (which deadline, level, when)
    reminder: tuple[Deadline, Level, datetime] | None = None
    #: Amazon's latest message: (when, text)
    latest: tuple[datetime, str] | None = None
    about: About = field(default_factory=lambda: About(""))
    #: no longer worth sending (the deadline was met, the refund claimed): done without a message
    stale: bool = False

    @property
    def subject_id(self) -> str:
        return f"Claim {self.claim_no}" if self.claim_no else f"Refund on order {self.order_id}"


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def pending_ids(database: pw.Database, now: int) -> list[int]:
    """Outbox rows not done and due for a try, oldest first (ids only: a page is read at a time)."""
    return [r[0] for r in database.execute_sql(sql_for(database,
        "SELECT id FROM outbox WHERE done_at IS NULL AND (next_try_at IS NULL OR next_try_at <= ?) ORDER BY id"),
        (now,))]


def read(database: pw.Database, ids: Sequence[int], policies: Policies, now: datetime) -> list[Notice]:
    """The notices of these outbox rows (a page: every query below is one ``IN`` list)."""
    def q(text: str, params: Sequence) -> list[tuple]:
        return list(database.execute_sql(sql_for(database, text), tuple(params)))

    rows = q(f"SELECT id, key, kind, claim_id, detail FROM outbox WHERE id IN ({_marks(len(ids))}) ORDER BY id", ids)
    details = {r[0]: json.loads(r[4] or "{}") for r in rows}
    claim_ids = sorted({r[3] for r in rows if r[3] is not None})
    event_ids = sorted({d["event"] for d in details.values() if "event" in d})
    refund_ids = sorted({d["refund"] for d in details.values() if "refund" in d})
    claims = {r[0]: r for r in q(
        "SELECT c.id, c.claim_no, a.name, a.marketplace, c.currency, p.sku, p.title, c.order_id, c.status, "
        "c.outcome, c.denial_reason, c.claimed_minor, c.reimbursed_minor, c.paid_minor, c.reply_by, c.appeal_by, "
        "c.appeal_used, c.deadline_estimated FROM claim c JOIN account a ON a.id = c.account_id "
        f"LEFT JOIN product p ON p.id = c.product_id WHERE c.id IN ({_marks(len(claim_ids))})", claim_ids)} \
        if claim_ids else {}
    events = {r[0]: r for r in q(
        'SELECT id, at, actor, "user", action, from_status, to_status, note FROM status_event '
        f"WHERE id IN ({_marks(len(event_ids))})", event_ids)} if event_ids else {}
    refunds = {r[0]: r for r in q(
        "SELECT r.id, a.name, a.marketplace, r.currency, p.sku, p.title, r.order_id, r.amount_minor, r.file_by, "
        "r.claim_id, r.not_claimable FROM refund r JOIN account a ON a.id = r.account_id "
        f"LEFT JOIN product p ON p.id = r.product_id WHERE r.id IN ({_marks(len(refund_ids))})", refund_ids)} \
        if refund_ids else {}
    latest: dict[int, tuple[datetime, str]] = {}
    touched: dict[int, set[str]] = {}
    if claim_ids:
        marks = _marks(len(claim_ids))
        for cid, at, body in q(
                "SELECT claim_id, created_at, body FROM (SELECT claim_id, created_at, body, ROW_NUMBER() OVER "
                "(PARTITION BY claim_id ORDER BY created_at DESC, id DESC) AS n FROM message "
                f"WHERE claim_id IN ({marks}) AND side = 'amazon') AS m WHERE n = 1", claim_ids):
            latest[cid] = (from_epoch(at), body)
        # the claims a person touched: those they wrote on (every action in the desk writes a message)
        for cid, author in q(f"SELECT DISTINCT claim_id, author FROM message WHERE claim_id IN ({marks}) "
                             "AND side <> 'system'", claim_ids):
            touched.setdefault(cid, set()).add(author)
    out = []
    for oid, key, kind, claim_id, _detail in rows:
        d = details[oid]
        n = Notice(oid, key, kind)
        if claim_id is not None and claim_id in claims:
            _claim(n, claims[claim_id], policies, now)
            n.latest = latest.get(claim_id)
            by = ""
            if "event" in d and d["event"] in events:
                e = events[d["event"]]
                n.change = (_label(e[5]), _label(e[6]), e[4], e[2], e[3], from_epoch(e[1]), e[7] or "")
                by = e[3] if d.get("via", "desk") == "desk" else ""
            n.about = About(n.account, frozenset(touched.get(claim_id, ())), by)
        elif "refund" in d and d["refund"] in refunds:
            _refund(n, refunds[d["refund"]], policies)
        else:
            n.stale = True  # its claim or refund is gone
        if "deadline" in d:
            n.reminder = (Deadline(d["deadline"]), Level(d["level"]), from_epoch(d["at"]))
            n.stale = n.stale or not _still_open(n, claims.get(claim_id) if claim_id else None,
                                                 refunds.get(d.get("refund")))
        if kind == "status" and n.change is None:
            n.stale = True
        out.append(n)
    return out


def _label(status: str | None) -> str:
    return Status(status).label if status else "filed"


def _claim(n: Notice, c: tuple, policies: Policies, now: datetime) -> None:
    (_id, n.claim_no, n.account, n.marketplace, currency, sku, title, n.order_id, status, outcome, denial,
     claimed, reimbursed, paid, reply_by, appeal_by, appeal_used, estimated) = c
    n.timezone = policies[n.marketplace].timezone
    n.sku, n.title = sku or "", title or ""
    n.status = Status(status).label
    n.outcome = Outcome(outcome).label if outcome else ""
    n.denial_reason = denial or ""
    n.claimed = Money.from_minor(claimed, currency)
    n.reimbursed = None if reimbursed is None else Money.from_minor(reimbursed, currency)
    n.paid = Money.from_minor(paid, currency) if paid else None
    due = deadline_of(status, outcome, reply_by, appeal_by, appeal_used)
    if due is not None:
        kind = Deadline.REPLY_BY if status == Status.AWAITING else Deadline.APPEAL_BY
        n.deadline = (kind, from_epoch(due), bool(estimated))


def _refund(n: Notice, r: tuple, policies: Policies) -> None:
    _id, n.account, n.marketplace, currency, sku, title, n.order_id, amount, file_by, _claim_id, _nc = r
    n.timezone = policies[n.marketplace].timezone
    n.sku, n.title = sku or "", title or ""
    n.claimed = Money.from_minor(amount, currency)
    if file_by is not None:
        n.deadline = (Deadline.FILE_BY, from_epoch(file_by), False)
    n.about = About(n.account)


def _still_open(n: Notice, claim: tuple | None, refund: tuple | None) -> bool:
    """A reminder is sent only while its deadline is still the one that matters: a reply sent,
    an appeal made or a claim filed since it was queued answers it."""
    assert n.reminder is not None
    kind, _level, at = n.reminder
    if kind is Deadline.FILE_BY:
        return refund is not None and refund[9] is None and not refund[10]
    return n.deadline is not None and n.deadline[0] is kind and n.deadline[1] == at
