"""Writing a claims export's records: claims new to this database with their messages, events,
attachment records, payouts and refunds, in the caller's transaction; a claim the database
already holds is brought forward through the domain's reconcile(), like a report."""

from __future__ import annotations

from safet_tui.db import Account, index_messages, sql_for
from safet_tui.domain.clock import from_epoch
from safet_tui.domain.lifecycle import Status
from safet_tui.domain.money import Money
from safet_tui.domain.reconcile import BACKWARDS, STALE, Reported
from safet_tui.reports.bulk.claim_state import apply_report, due_at
from safet_tui.reports.bulk.refunds import find_refund
from safet_tui.reports.bulk.store import (
    ATTACHMENT_COLUMNS,
    EVENT_COLUMNS,
    PAYOUT_COLUMNS,
    REFUND_COLUMNS,
    REFUND_VERDICT_COLUMNS,
    ClaimRec,
    PayoutRec,
    Store,
    chunks,
    insert_sql,
)
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.importers.claims_json.reading import Parsed


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    summary = ctx.summary
    summary.rows_read = len(parsed.claims)
    stores: dict[tuple[str, str], Store] = {}
    existing: set[str] = set()
    numbers = [c["claim_no"] for c in parsed.claims]
    for part in chunks(numbers):
        marks = ", ".join("?" * len(part))
        sql = sql_for(ctx.database, f"SELECT claim_no FROM claim WHERE claim_no IN ({marks})")
        existing.update(no for (no,) in ctx.database.execute_sql(sql, tuple(part)))
    fresh: list[tuple[dict, ClaimRec, Store]] = []
    seen: set[str] = set()
    for i, c in enumerate(parsed.claims):
        ctx.tick(len(parsed.claims) + i + 1)
        if c["claim_no"] in seen:
            summary.claims_unchanged += 1
            continue
        if c["claim_no"] in existing:
            _reconcile(c, i, _store(stores, c, parsed, ctx, f"claims[{i}]"), ctx)
            seen.add(c["claim_no"])
            continue
        seen.add(c["claim_no"])
        store = _store(stores, c, parsed, ctx, f"claims[{i}]")
        events = c["events"]
        changed = max([e["at"] for e in events] or [c["filed_at"]])
        rec = ClaimRec(
            claim_no=c["claim_no"], account_id=store.account_id,
            product_id=store.product_id(c["sku"], c["asin"], c["title"]), order_id=c["order_id"],
            order_item_id=c["order_item_id"], reason=c["reason"], description=c["description"],
            status=c["status"], outcome=c["outcome"], denial_reason=c["denial_reason"], currency=c["currency"],
            claimed_minor=c["claimed"], reimbursed_minor=c["reimbursed"], filed_at=c["filed_at"],
            updated_at=c["updated_at"], changed_at=changed, reply_by=c["reply_by"], appeal_by=c["appeal_by"],
            appeal_used=c["appeal_used"], appeal_decided=c["appeal_decided"], due_at=None,
            paid_minor=c["paid"] or 0, deadline_estimated=c["deadline_estimated"], decided_at=c["decided_at"],
        )
        rec.due_at = due_at(rec, ctx.now_epoch)
        store.add_claim(rec)
        fresh.append((c, rec, store))
        summary.claims_created.append(rec.claim_no)
    for store in stores.values():
        store.flush()
    _details(fresh, ctx)
    for store in stores.values():
        store.flush()
    _refunds(parsed, stores, ctx)
    _loose_payouts(parsed, stores, ctx)
    for store in stores.values():
        store.flush()
        summary.payouts_matched += [no for no, _ in store.rematch_payouts()]
    if len(stores) > 0:
        summary.account = ", ".join(sorted({name for name, _ in stores}))
        summary.marketplace = ", ".join(sorted({m for _, m in stores}))


def _reconcile(c: dict, i: int, store: Store, ctx: ImportContext) -> None:
    """A claim the database holds already: the file's state is a report like any other, applied
    through the domain's reconcile() (never backwards, never older than what the desk knows)."""
    summary = ctx.summary
    rec = store.claims.get(c["claim_no"])
    if rec is None:  # held by another account: not this file's to change
        summary.note(f"claim {c['claim_no']} (claims[{i}]) belongs to another account: not changed")
        summary.claims_unchanged += 1
        return
    currency = rec.currency
    reported = Reported(
        Status(c["status"]), from_epoch(max([e["at"] for e in c["events"]] or [c["updated_at"]])),
        appeal=c["appeal_used"] and not c["appeal_decided"],
        reimbursed=None if c["reimbursed"] is None else Money.from_minor(c["reimbursed"], currency),
        decided_at=from_epoch(c["decided_at"]), reply_by=from_epoch(c["reply_by"]),
        appeal_by=from_epoch(c["appeal_by"]), denial_reason=c["denial_reason"], source=ctx.file)
    before = len(store.events)
    skipped = apply_report(store, rec, reported, ctx.policies[c["marketplace"]], ctx.now_epoch)
    if skipped:
        summary.note(f"claim {c['claim_no']} (claims[{i}]) not changed: the file {skipped}"
                     if skipped in (STALE, BACKWARDS) else f"claim {c['claim_no']} (claims[{i}]) not changed: {skipped}")
        summary.claims_unchanged += 1
    elif len(store.events) > before:
        summary.claims_updated.append(rec.claim_no)
    else:
        summary.claims_unchanged += 1


def _store(stores: dict, c: dict, parsed: Parsed, ctx: ImportContext, path: str) -> Store:
    """The store of a record's account (``account``, ``marketplace``, ``currency`` keys), created if new.
    A person limited to some accounts (``ctx.accounts``) imports rows of only those: any other
    refuses the file in one line naming the record."""
    name = (ctx.account or c["account"]).strip()
    if ctx.accounts is not None and name not in ctx.accounts:
        raise ReportError(f"account {name!r} is not one of yours ({', '.join(ctx.accounts)}): nothing was imported",
                          file=ctx.file, path=f"{path}.account", value=name)
    key = (name, c["marketplace"])
    store = stores.get(key)
    if store is None:
        account = Account.get_or_none((Account.name == name) & (Account.marketplace == c["marketplace"]))
        if account is None:
            currency = parsed.accounts.get((c["account"], c["marketplace"]), c["currency"])
            account = Account.create(name=name, marketplace=c["marketplace"], currency=currency)
            ctx.summary.account_created = True
            ctx.summary.note(f"account {name!r} ({c['marketplace']}) created")
        store = stores[key] = Store(ctx.database, account.get_id(), ctx.user).load(payouts=True)
    return store


#: what a refund of the export brings: the columns of the import's refunds, and its verdict's
_REFUND_COLUMNS = (*REFUND_COLUMNS, *REFUND_VERDICT_COLUMNS)


def _refunds(parsed: Parsed, stores: dict, ctx: ImportContext) -> None:
    """Refunds the file carries (claimable ones and those of its claims) that the desk does not hold yet.

    A refund the desk already has (same account, order and order item) is left as it is."""
    summary = ctx.summary
    rows = []
    added: set[tuple] = set()  # (account, order, item) written here (--account can merge two accounts)
    for i, r in enumerate(parsed.refunds):
        ctx.tick(len(parsed.claims) * 2 + len(parsed.refunds) + i + 1)
        store = _store(stores, r, parsed, ctx, f"refunds[{i}]")
        known = store.refunds_by_order.get(r["order_id"], [])
        key = (store.account_id, r["order_id"], r["order_item_id"])
        if key in added or any(k.order_item_id == r["order_item_id"] for k in known):
            summary.refunds_unchanged += 1
            continue
        added.add(key)
        claim_id = None
        if r["claim_no"]:
            claim = store.claims.get(r["claim_no"])
            if claim is None:
                summary.note(f"refund of order {r['order_id']} (refunds[{i}]) not restored: its claim "
                             f"{r['claim_no']} belongs to another account in this database")
                continue
            claim_id = claim.id
        pid = store.product_id(r["sku"], r["asin"], r["title"])
        rows.append((store.account_id, pid, r["order_id"], r["order_item_id"], r["return_reason"], r["currency"],
                     r["amount"], r["refund_at"], r["delivered_at"], r["file_by"], r["basis"], claim_id,
                     r["created_at"], r["order_amount"], r["not_claimable"]))
        summary.refunds_added += 1
        if claim_id is None and not r["not_claimable"]:
            summary.claimable_added += 1
            if r["file_by"] is not None and r["file_by"] < ctx.now_epoch:
                summary.claimable_expired += 1
    if rows:
        ctx.database.cursor().executemany(sql_for(ctx.database, insert_sql("refund", _REFUND_COLUMNS)), rows)


def _loose_payouts(parsed: Parsed, stores: dict, ctx: ImportContext) -> None:
    """Payouts the export had matched to no claim; rematching afterwards links any that now match."""
    added = 0
    for i, p in enumerate(parsed.payouts):
        store = _store(stores, p, parsed, ctx, f"payouts[{i}]")
        key = (p["adjustment_id"], p["order_id"], p["amount"], p["posted_at"])
        if key in store.payout_keys:
            continue
        store.payout_keys.add(key)
        store.new_payouts.append(PayoutRec(store.account_id, None, p["order_id"], p["adjustment_id"], p["currency"],
                                           p["amount"], p["posted_at"], p["source"]))
        added += 1
    if added:
        ctx.summary.note(f"{added:,} payout{'s' if added != 1 else ''} that match no claim restored")


def _details(fresh: list[tuple[dict, ClaimRec, Store]], ctx: ImportContext) -> None:
    """Messages (with their full-text entries), attachment records, events, payouts, refund links."""
    db = ctx.database

    def q(text: str) -> str:
        return sql_for(db, text)

    last = db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM message").fetchone()[0]
    messages, owners = [], []
    for c, rec, _ in fresh:
        for m in c["messages"]:
            messages.append((rec.id, m["side"], m["kind"], m["author"], m["body"], m["at"]))
            owners.append((rec.id, m["attachments"]))
    cursor = db.cursor()
    if messages:
        cursor.executemany(q("INSERT INTO message (claim_id, side, kind, author, body, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)"), messages)
        ids = [i for (i,) in db.execute_sql(q("SELECT id FROM message WHERE id > ? ORDER BY id"), (last,))]
        if len(ids) != len(messages):  # pragma: no cover - another writer inside our transaction
            raise ReportError("messages could not be matched to their ids; nothing was written", file=ctx.file)
        index_messages(db, after_id=last)
        ctx.summary.messages_added += len(messages)
    else:
        ids = []
    attachments = []
    for mid, (cid, files) in zip(ids, owners, strict=True):
        attachments += [(cid, mid, a["name"], a["size"], a["sha256"], a["media_type"], a["at"]) for a in files]
    events, payouts = [], []
    for c, rec, store in fresh:
        attachments += [(rec.id, None, a["name"], a["size"], a["sha256"], a["media_type"], a["at"])
                        for a in c["attachments"]]
        events += [(rec.id, e["at"], e["actor"], e["user"], e["action"], e["from_status"], e["to_status"], e["note"])
                   for e in c["events"]]
        for p in c["payouts"]:
            key = (p["adjustment_id"], p["order_id"], p["amount"], p["posted_at"])
            if key in store.payout_keys:
                continue  # already recorded unmatched; rematching links it
            store.payout_keys.add(key)
            payouts.append((store.account_id, rec.id, p["order_id"], p["adjustment_id"], rec.currency,
                            p["amount"], p["posted_at"], p["source"]))
        refund = find_refund(store, rec.order_id, rec.order_item_id, store.sku_of(rec.product_id))
        if refund is not None and refund.claim is None and refund.claim_id is None:
            refund.claim, refund.dirty = rec, True
    if attachments:
        cursor.executemany(q(insert_sql("attachment", ATTACHMENT_COLUMNS)), attachments)
    if events:
        cursor.executemany(q(insert_sql("status_event", EVENT_COLUMNS)), events)
    if payouts:
        # The export's "paid" already counts these; the claim keeps it as given.
        cursor.executemany(q(insert_sql("payout", PAYOUT_COLUMNS)), payouts)
