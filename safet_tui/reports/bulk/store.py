"""The data layer of imports: one account's rows loaded once, changed in memory,
written back in batches.

Everything here runs inside the caller's transaction (one per file). Bulk
writes go through the DB-API cursor's ``executemany`` (peewee's insert_many is
several times slower: bench/ has the figures); the few single-row writes
(accounts, products) use the peewee models or one plain statement. Instants are epoch seconds, money minor units,
exactly as ``safet_tui.db`` stores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter

import peewee as pw

from safet_tui import tallies
from safet_tui.db import Product, sql_for
from safet_tui.outbox import last_event_id, queue_status_changes

CHUNK = 500

@dataclass(slots=True, eq=False, kw_only=True)
class ClaimRec:
    """A claim row in memory; ``id`` is None until inserted. The fields set at construction are the
    claim table's columns (:data:`CLAIM_COLUMNS`), in the order every import writes them."""

    id: int | None = None
    claim_no: str
    account_id: int
    product_id: int | None
    order_id: str
    order_item_id: str
    reason: str
    description: str
    status: str
    outcome: str | None
    denial_reason: str | None
    currency: str
    claimed_minor: int
    reimbursed_minor: int | None
    filed_at: int
    updated_at: int
    changed_at: int
    reply_by: int | None
    appeal_by: int | None
    appeal_used: bool
    appeal_decided: bool
    due_at: int | None
    paid_minor: int
    deadline_estimated: bool = False
    decided_at: int | None = None
    # -- not columns --
    dirty: bool = field(default=False, init=False)
    line: int = field(default=0, init=False)
    #: epoch of the claim's last status event (what the desk knows up to)
    known_at: int | None = field(default=None, init=False)

    def values(self, columns: Sequence[str] | None = None) -> tuple:
        values = _claim_values(self) if columns is None else [getattr(self, c) for c in columns]
        return tuple(values)


#: the claim table's columns, as imports write them (the one list: ClaimRec's fields)
CLAIM_COLUMNS = tuple(f.name for f in fields(ClaimRec) if f.init and f.name != "id")
#: what an import may change on an existing claim
CLAIM_STATE_COLUMNS = (
    "product_id", "status", "outcome", "denial_reason", "reimbursed_minor", "updated_at", "changed_at",
    "reply_by", "appeal_by", "appeal_used", "appeal_decided", "due_at", "deadline_estimated", "decided_at",
)
REFUND_COLUMNS = (
    "account_id", "product_id", "order_id", "order_item_id", "return_reason", "currency", "amount_minor",
    "refund_at", "delivered_at", "file_by", "basis", "claim_id", "created_at",
)
#: what a refund's verdict adds (schema 4): its order amount and why it cannot be claimed
REFUND_VERDICT_COLUMNS = ("order_minor", "not_claimable")
#: every refund column an import reads and writes
REFUND_ALL_COLUMNS = (*REFUND_COLUMNS, *REFUND_VERDICT_COLUMNS)
ATTACHMENT_COLUMNS = ("claim_id", "message_id", "name", "size", "sha256", "media_type", "created_at")
EVENT_COLUMNS = ("claim_id", "at", "actor", '"user"', "action", "from_status", "to_status", "note")
PAYOUT_COLUMNS = ("account_id", "claim_id", "order_id", "adjustment_id", "currency", "amount_minor", "posted_at",
                  "source")


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table (columns) VALUES (?, …)``, one ``?`` a column (``Store.sql``/``sql_for``
    turn them into the database's own placeholders)."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_claim_values = attrgetter(*CLAIM_COLUMNS)


class RefundRec:
    __slots__ = ("id", *REFUND_ALL_COLUMNS, "sku", "claim", "dirty")

    def __init__(self, id: int | None = None, sku: str = "", claim: ClaimRec | None = None, *,
                 account_id: int, product_id: int | None, order_id: str, order_item_id: str,
                 return_reason: str, currency: str, amount_minor: int, refund_at: int | None,
                 delivered_at: int | None, file_by: int | None, basis: str, claim_id: int | None,
                 created_at: int, order_minor: int | None = None, not_claimable: str = "") -> None:
        self.id, self.sku, self.claim, self.dirty = id, sku, claim, False
        self.order_minor, self.not_claimable = order_minor, not_claimable or ""
        self.account_id, self.product_id, self.order_id = account_id, product_id, order_id
        self.order_item_id, self.return_reason, self.currency = order_item_id, return_reason, currency
        self.amount_minor, self.refund_at, self.delivered_at = amount_minor, refund_at, delivered_at
        self.file_by, self.basis, self.claim_id, self.created_at = file_by, basis, claim_id, created_at

    def values(self) -> tuple:
        if self.claim is not None:
            self.claim_id = self.claim.id
        return _refund_values(self)


_refund_values = attrgetter(*REFUND_ALL_COLUMNS)


def new_refund(sku: str, claim: ClaimRec | None, account_id: int, product_id: int | None, order_id: str,
               order_item_id: str, return_reason: str, currency: str, amount_minor: int, refund_at: int | None,
               delivered_at: int | None, file_by: int | None, basis: str, claim_id: int | None,
               created_at: int) -> RefundRec:
    """``RefundRec(None, sku, claim, account_id=…, …)`` with positional arguments: a 100k-row report
    makes 100k of them, and binding fifteen keywords costs more than building the record."""
    rec = _new_object(RefundRec)
    rec.id, rec.sku, rec.claim, rec.dirty = None, sku, claim, False
    rec.account_id, rec.product_id, rec.order_id = account_id, product_id, order_id
    rec.order_item_id, rec.return_reason, rec.currency = order_item_id, return_reason, currency
    rec.amount_minor, rec.refund_at, rec.delivered_at = amount_minor, refund_at, delivered_at
    rec.file_by, rec.basis, rec.claim_id, rec.created_at = file_by, basis, claim_id, created_at
    rec.order_minor, rec.not_claimable = None, ""
    return rec


_new_object = object.__new__


@dataclass
class PayoutRec:
    account_id: int
    claim: ClaimRec | None
    order_id: str
    adjustment_id: str
    currency: str
    amount_minor: int
    posted_at: int | None
    source: str

    def key(self) -> tuple:
        return (self.adjustment_id, self.order_id, self.amount_minor, self.posted_at)


@dataclass
class Event:
    claim: ClaimRec
    at: int
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str = ""


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class Store:
    """One account's products, refunds, claims and payouts, as an import sees them."""

    database: pw.Database
    account_id: int
    user: str
    products: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # sku -> (id, asin, title)
    product_sku: dict[int, str] = field(default_factory=dict)
    claims: dict[str, ClaimRec] = field(default_factory=dict)  # claim_no -> claim (this account)
    claims_by_order: dict[str, list[ClaimRec]] = field(default_factory=dict)
    refunds_by_order: dict[str, list[RefundRec]] = field(default_factory=dict)
    payout_keys: set[tuple] = field(default_factory=set)
    new_claims: list[ClaimRec] = field(default_factory=list)
    new_refunds: list[RefundRec] = field(default_factory=list)
    new_payouts: list[PayoutRec] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    paid_touched: set[int] = field(default_factory=set)

    # -- SQL ------------------------------------------------------------------------
    def sql(self, text: str) -> str:
        return sql_for(self.database, text)

    def query(self, text: str, params: Sequence = ()) -> list[tuple]:
        return list(self.database.execute_sql(self.sql(text), tuple(params)))

    def executemany(self, text: str, rows: Sequence[Sequence]) -> None:
        if rows:
            cursor = self.database.cursor()
            cursor.executemany(self.sql(text), rows)

    # -- loading --------------------------------------------------------------------
    def load(self, *, refunds: bool = True, claims: bool = True, payouts: bool = False) -> Store:
        for pid, sku, asin, title in self.query(
                "SELECT id, sku, asin, title FROM product WHERE account_id = ?", [self.account_id]):
            self.products[sku] = (pid, asin, title)
            self.product_sku[pid] = sku
        if claims:
            cols = ", ".join(("id", *CLAIM_COLUMNS))
            for row in self.query(f"SELECT {cols} FROM claim WHERE account_id = ?", [self.account_id]):
                rec = ClaimRec(id=row[0], **dict(zip(CLAIM_COLUMNS, row[1:], strict=True)))
                rec.appeal_used, rec.appeal_decided = bool(rec.appeal_used), bool(rec.appeal_decided)
                rec.deadline_estimated = bool(rec.deadline_estimated)
                self._index_claim(rec)
            by_id = {c.id: c for c in self.claims.values()}
            for cid, at in self.query("SELECT e.claim_id, MAX(e.at) FROM status_event e JOIN claim c "
                                      "ON c.id = e.claim_id WHERE c.account_id = ? GROUP BY e.claim_id",
                                      [self.account_id]):
                if cid in by_id:
                    by_id[cid].known_at = at
        if refunds:
            cols = ", ".join(("id", *REFUND_ALL_COLUMNS))
            by_id = {c.id: c for c in self.claims.values()}
            for row in self.query(f"SELECT {cols} FROM refund WHERE account_id = ?", [self.account_id]):
                refund = RefundRec(row[0], **dict(zip(REFUND_ALL_COLUMNS, row[1:], strict=True)))
                refund.sku = self.sku_of(refund.product_id)
                refund.claim = by_id.get(refund.claim_id)
                self.refunds_by_order.setdefault(refund.order_id, []).append(refund)
        if payouts:
            for row in self.query("SELECT adjustment_id, order_id, amount_minor, posted_at FROM payout "
                                  "WHERE account_id = ?", [self.account_id]):
                self.payout_keys.add(tuple(row))
        return self

    def _index_claim(self, rec: ClaimRec) -> None:
        self.claims[rec.claim_no] = rec
        self.claims_by_order.setdefault(rec.order_id, []).append(rec)

    def foreign_claims(self, claim_nos: Iterable[str]) -> dict[str, str]:
        """Claim numbers held by another account: claim_no -> that account's name."""
        wanted = sorted({n for n in claim_nos if n not in self.claims})
        found: dict[str, str] = {}
        for part in chunks(wanted):
            marks = ", ".join("?" * len(part))
            for no, name in self.query(
                    f"SELECT c.claim_no, a.name FROM claim c JOIN account a ON a.id = c.account_id "
                    f"WHERE c.claim_no IN ({marks})", part):
                found[no] = name
        return found

    # -- products -------------------------------------------------------------------
    def product_id(self, sku: str, asin: str = "", title: str = "") -> int | None:
        """The product for a SKU, created if new; an empty ASIN or title is filled in later."""
        if not sku:
            return None
        known = self.products.get(sku)
        if known is None:
            if isinstance(self.database, pw.SqliteDatabase):
                # building a peewee insert costs more than running it; a report brings hundreds of new SKUs
                pid = self.database.execute_sql(
                    "INSERT INTO product (account_id, sku, asin, title) VALUES (?, ?, ?, ?)",
                    (self.account_id, sku, asin, title)).lastrowid
            else:
                pid = Product.insert(account=self.account_id, sku=sku, asin=asin, title=title).execute()
            self.products[sku] = (pid, asin, title)
            self.product_sku[pid] = sku
            return pid
        pid, old_asin, old_title = known
        if (asin and not old_asin) or (title and not old_title):
            asin, title = old_asin or asin, old_title or title
            self.database.execute_sql(self.sql("UPDATE product SET asin = ?, title = ? WHERE id = ?"),
                                      (asin, title, pid))
            self.products[sku] = (pid, asin, title)
        return pid

    def sku_of(self, product_id: int | None) -> str:
        """The SKU of a product of this account ("" for none)."""
        return "" if product_id is None else self.product_sku.get(product_id, "")

    # -- claims ---------------------------------------------------------------------
    def add_claim(self, rec: ClaimRec) -> ClaimRec:
        self.new_claims.append(rec)
        self._index_claim(rec)
        return rec

    def event(self, claim: ClaimRec, at: int, action: str, from_status: str | None, to_status: str,
              note: str = "", actor: str = "amazon") -> None:
        self.events.append(Event(claim, at, actor, action, from_status, to_status, note))

    # -- refunds --------------------------------------------------------------------
    def add_refund(self, rec: RefundRec) -> RefundRec:
        self.new_refunds.append(rec)
        self.refunds_by_order.setdefault(rec.order_id, []).append(rec)
        return rec

    # -- writing --------------------------------------------------------------------
    def flush(self) -> None:
        """Write every new and changed row (claims first: refunds, events and payouts point at them)."""
        fresh = {id(c) for c in self.new_claims}
        if self.new_claims:
            # the analytics tallies: one GROUP BY for the new claims, not a trigger per claim
            with tallies.paused(self.database) as tallied:
                self.executemany(insert_sql("claim", CLAIM_COLUMNS), [c.values() for c in self.new_claims])
                by_no = {c.claim_no: c for c in self.new_claims}
                for part in chunks(list(by_no)):
                    marks = ", ".join("?" * len(part))
                    for cid, no in self.query(f"SELECT id, claim_no FROM claim WHERE claim_no IN ({marks})", part):
                        by_no[no].id = cid
                if tallied:
                    tallies.add_claims(self.database, [c.id for c in self.new_claims if c.id is not None])
        dirty = [c for c in self.claims.values() if c.dirty and id(c) not in fresh]
        if dirty:
            sets = ", ".join(f"{c} = ?" for c in CLAIM_STATE_COLUMNS)
            self.executemany(f"UPDATE claim SET {sets} WHERE id = ?",
                             [(*c.values(CLAIM_STATE_COLUMNS), c.id) for c in dirty])
        if self.events:
            floor = last_event_id(self.database)
            self.executemany(
                insert_sql("status_event", EVENT_COLUMNS),
                [(e.claim.id, e.at, e.actor, self.user, e.action, e.from_status, e.to_status, e.note)
                 for e in self.events])
            queue_status_changes(self.database, floor, via="import")  # their notifications, in this transaction
        if self.new_refunds:
            for r in self.new_refunds:
                if r.claim is not None:
                    r.claim_id = r.claim.id
            self.executemany(insert_sql("refund", REFUND_ALL_COLUMNS), list(map(_refund_values, self.new_refunds)))
        changed = [r for rs in self.refunds_by_order.values() for r in rs if r.dirty and r.id is not None]
        if changed:
            keep = [i for i, c in enumerate(REFUND_ALL_COLUMNS)
                    if c not in ("account_id", "order_id", "currency", "created_at")]
            sets = ", ".join(f"{REFUND_ALL_COLUMNS[i]} = ?" for i in keep)
            rows = []
            for r in changed:
                values = r.values()
                rows.append((*(values[i] for i in keep), r.id))
            self.executemany(f"UPDATE refund SET {sets} WHERE id = ?", rows)
        if self.new_payouts:
            self.executemany(
                insert_sql("payout", PAYOUT_COLUMNS),
                [(p.account_id, p.claim.id if p.claim else None, p.order_id, p.adjustment_id, p.currency,
                  p.amount_minor, p.posted_at, p.source) for p in self.new_payouts])
            self.paid_touched.update(p.claim.id for p in self.new_payouts if p.claim is not None and p.claim.id)
        self.new_claims, self.new_refunds, self.new_payouts, self.events = [], [], [], []
        for c in self.claims.values():
            c.dirty = False
        for rs in self.refunds_by_order.values():
            for r in rs:
                r.dirty = False

    def rematch_payouts(self) -> list[tuple[str, int]]:
        """Give payouts that matched no claim their claim, now that it may exist.

        Returns (claim_no, amount_minor) for each payout newly matched.
        """
        matched: list[tuple[str, int]] = []
        updates = []
        for pid, order_id, adjustment_id, amount in self.query(
                "SELECT id, order_id, adjustment_id, amount_minor FROM payout "
                "WHERE account_id = ? AND claim_id IS NULL", [self.account_id]):
            claim = self.match_claim(adjustment_id, order_id)
            if claim is not None and claim.id is not None:
                updates.append((claim.id, pid))
                matched.append((claim.claim_no, amount))
                self.paid_touched.add(claim.id)
        self.executemany("UPDATE payout SET claim_id = ? WHERE id = ?", updates)
        self.update_paid()
        return matched

    def match_claim(self, adjustment_id: str, order_id: str, sku: str = "") -> ClaimRec | None:
        """A payout's claim: by claim id (the adjustment id), else the one claim on that order."""
        if adjustment_id and adjustment_id in self.claims:
            return self.claims[adjustment_id]
        on_order = self.claims_by_order.get(order_id, []) if order_id else []
        if sku and len(on_order) > 1:
            on_order = [c for c in on_order if self.sku_of(c.product_id) == sku]
        return on_order[0] if len(on_order) == 1 else None

    def update_paid(self) -> None:
        ids = sorted(self.paid_touched)
        self.executemany(
            "UPDATE claim SET paid_minor = (SELECT COALESCE(SUM(amount_minor), 0) FROM payout "
            "WHERE payout.claim_id = claim.id) WHERE id = ?", [(i,) for i in ids])
        self.paid_touched.clear()
