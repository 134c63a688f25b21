"""Claims in from a JSON export (``safet export --format json``): restore or move a desk.

Claims whose id is already in the database are left alone (so a second import
changes nothing). Accounts are matched by name and marketplace and created if
missing; ``--account NAME`` puts every claim under that name instead. Messages,
status events, attachment records and payouts come along when the export has
them; attachment files themselves live in the attachment store, not in the
JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from ..db import Account
from ..domain.lifecycle import Outcome, Status
from ..domain.money import MoneyError, parse_amount
from ..domain.reasons import REASONS_BY_CODE
from .cells import minor
from .claim_state import due_at
from .context import ImportContext
from .errors import ReportError
from .export import FORMAT, VERSION
from .refunds import find_refund
from .store import ClaimRec, Store, chunks
from .tsv import decode

STATUSES = {s.value for s in Status}
OUTCOMES = {o.value for o in Outcome}


@dataclass
class Parsed:
    accounts: dict[tuple[str, str], str]  # (name, marketplace) -> currency
    claims: list[dict]


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, value: object, problem: str) -> ReportError:
        return ReportError(problem, file=self.file, column=path, value=None if value is None else str(value))

    def text(self, obj: dict, key: str, path: str, *, required: bool = False) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", value, "must be text")
        return value

    def when(self, obj: dict, key: str, path: str, *, required: bool = False) -> int | None:
        value = obj.get(key)
        if value in (None, ""):
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
            return None
        try:
            at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"{path}.{key}", value, "not an ISO 8601 date-time") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return int(at.timestamp())

    def money(self, obj: dict, key: str, path: str, *, required: bool = False) -> int | None:
        value = obj.get(key)
        if value in (None, ""):
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
            return None
        try:
            return minor(parse_amount(str(value)))
        except MoneyError:
            raise self.fail(f"{path}.{key}", value, "not an amount") from None

    def flag(self, obj: dict, key: str, path: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", value, "must be true or false")
        return value

    def items(self, obj: dict, key: str, path: str) -> list[dict]:
        value = obj.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{path}.{key}", None, "must be a list of objects")
        return value


def read(data: bytes, ctx: ImportContext) -> Parsed:
    text = decode(data, ctx.file)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON ({exc.msg})", file=ctx.file, line=exc.lineno,
                          column=f"character {exc.colno}") from None
    check = _Checker(ctx.file)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReportError(f"not a safet claims export (expected \"format\": \"{FORMAT}\"; "
                          "make one with safet export --format json)", file=ctx.file)
    if doc.get("version") != VERSION:
        raise check.fail("version", doc.get("version"), f"unsupported version (this safet reads {VERSION})")
    accounts: dict[tuple[str, str], str] = {}
    for i, a in enumerate(check.items(doc, "accounts", "accounts")):
        path = f"accounts[{i}]"
        accounts[(check.text(a, "name", path, required=True), check.text(a, "marketplace", path, required=True))] = (
            check.text(a, "currency", path, required=True).upper())
    claims = []
    raw = check.items(doc, "claims", "claims")
    ctx.total = len(raw) * 2
    for i, c in enumerate(raw):
        path = f"claims[{i}]"
        claim = {
            "claim_no": check.text(c, "claim_id", path, required=True).strip(),
            "account": check.text(c, "account", path, required=True),
            "marketplace": check.text(c, "marketplace", path, required=True),
            "order_id": check.text(c, "order_id", path, required=True),
            "order_item_id": check.text(c, "order_item_id", path),
            "sku": check.text(c, "sku", path), "asin": check.text(c, "asin", path),
            "title": check.text(c, "title", path), "description": check.text(c, "description", path),
            "reason": check.text(c, "reason", path, required=True),
            "status": check.text(c, "status", path, required=True),
            "outcome": check.text(c, "outcome", path) or None,
            "denial_reason": c.get("denial_reason"),
            "currency": check.text(c, "currency", path, required=True).upper(),
            "claimed": check.money(c, "claimed", path, required=True),
            "reimbursed": check.money(c, "reimbursed", path),
            "paid": check.money(c, "paid", path),
            "filed_at": check.when(c, "filed_at", path, required=True),
            "updated_at": check.when(c, "updated_at", path, required=True),
            "reply_by": check.when(c, "reply_by", path), "appeal_by": check.when(c, "appeal_by", path),
            "appeal_used": check.flag(c, "appeal_used", path),
            "appeal_decided": check.flag(c, "appeal_decided", path),
        }
        if claim["reason"] not in REASONS_BY_CODE:
            raise check.fail(f"{path}.reason", claim["reason"], "unknown claim reason")
        if claim["status"] not in STATUSES:
            raise check.fail(f"{path}.status", claim["status"], "unknown status (awaiting, investigating, resolved)")
        if claim["outcome"] is not None and claim["outcome"] not in OUTCOMES:
            raise check.fail(f"{path}.outcome", claim["outcome"], "unknown outcome")
        if claim["denial_reason"] is not None and not isinstance(claim["denial_reason"], str):
            raise check.fail(f"{path}.denial_reason", claim["denial_reason"], "must be text")
        claim["payouts"] = [
            {"adjustment_id": check.text(p, "adjustment_id", f"{path}.payouts[{j}]"),
             "order_id": check.text(p, "order_id", f"{path}.payouts[{j}]"),
             "amount": check.money(p, "amount", f"{path}.payouts[{j}]", required=True),
             "posted_at": check.when(p, "posted_at", f"{path}.payouts[{j}]"),
             "source": check.text(p, "source", f"{path}.payouts[{j}]")}
            for j, p in enumerate(check.items(c, "payouts", path))
        ]
        claim["messages"] = []
        for j, m in enumerate(check.items(c, "messages", path)):
            mp = f"{path}.messages[{j}]"
            claim["messages"].append({
                "at": check.when(m, "at", mp, required=True), "side": check.text(m, "side", mp, required=True),
                "kind": check.text(m, "kind", mp, required=True), "author": check.text(m, "author", mp),
                "body": check.text(m, "body", mp),
                "attachments": [_attachment(check, a, f"{mp}.attachments[{k}]")
                                for k, a in enumerate(check.items(m, "attachments", mp))],
            })
        claim["attachments"] = [_attachment(check, a, f"{path}.attachments[{k}]")
                                for k, a in enumerate(check.items(c, "attachments", path))]
        claim["events"] = []
        for j, e in enumerate(check.items(c, "events", path)):
            ep = f"{path}.events[{j}]"
            to = check.text(e, "to_status", ep, required=True)
            frm = check.text(e, "from_status", ep) or None
            for key, value in (("to_status", to), ("from_status", frm)):
                if value is not None and value not in STATUSES:
                    raise check.fail(f"{ep}.{key}", value, "unknown status")
            claim["events"].append({
                "at": check.when(e, "at", ep, required=True), "actor": check.text(e, "actor", ep, required=True),
                "user": check.text(e, "user", ep), "action": check.text(e, "action", ep, required=True),
                "from_status": frm, "to_status": to, "note": check.text(e, "note", ep),
            })
        claims.append(claim)
        ctx.tick(i + 1)
    return Parsed(accounts, claims)


def _attachment(check: _Checker, a: dict, path: str) -> dict:
    size = a.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise check.fail(f"{path}.size", size, "must be a whole number of bytes")
    return {"name": check.text(a, "name", path, required=True), "size": size,
            "sha256": check.text(a, "sha256", path, required=True),
            "media_type": check.text(a, "media_type", path) or "application/octet-stream",
            "at": check.when(a, "at", path, required=True)}


def apply(parsed: Parsed, ctx: ImportContext) -> None:
    summary = ctx.summary
    summary.rows_read = len(parsed.claims)
    stores: dict[tuple[str, str], Store] = {}
    existing: set[str] = set()
    numbers = [c["claim_no"] for c in parsed.claims]
    for part in chunks(numbers):
        marks = ", ".join("?" * len(part))
        sql = f"SELECT claim_no FROM claim WHERE claim_no IN ({marks})"
        if getattr(ctx.database, "param", "?") != "?":
            sql = sql.replace("?", ctx.database.param)
        existing.update(no for (no,) in ctx.database.execute_sql(sql, tuple(part)))
    fresh: list[tuple[dict, ClaimRec, Store]] = []
    seen: set[str] = set()
    for i, c in enumerate(parsed.claims):
        ctx.tick(len(parsed.claims) + i + 1)
        if c["claim_no"] in existing or c["claim_no"] in seen:
            summary.claims_unchanged += 1
            continue
        seen.add(c["claim_no"])
        store = _store(stores, c, parsed, ctx)
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
            paid_minor=c["paid"] or 0,
        )
        rec.due_at = due_at(rec)
        store.add_claim(rec)
        fresh.append((c, rec, store))
        summary.claims_created.append(rec.claim_no)
    for store in stores.values():
        store.flush()
    _details(fresh, ctx)
    for store in stores.values():
        store.flush()
        summary.payouts_matched += [no for no, _ in store.rematch_payouts()]
    if len(stores) > 0:
        summary.account = ", ".join(sorted({name for name, _ in stores}))
        summary.marketplace = ", ".join(sorted({m for _, m in stores}))


def _store(stores: dict, c: dict, parsed: Parsed, ctx: ImportContext) -> Store:
    name = (ctx.account or c["account"]).strip()
    key = (name, c["marketplace"])
    store = stores.get(key)
    if store is None:
        account = Account.get_or_none((Account.name == name) & (Account.marketplace == c["marketplace"]))
        if account is None:
            currency = parsed.accounts.get((c["account"], c["marketplace"]), c["currency"])
            account = Account.create(name=name, marketplace=c["marketplace"], currency=currency)
            ctx.summary.account_created = True
            ctx.summary.note(f"account {name!r} ({c['marketplace']}) created")
        store = stores[key] = Store(ctx.database, account.id, ctx.user).load(payouts=True)
    return store


def _details(fresh: list[tuple[dict, ClaimRec, Store]], ctx: ImportContext) -> None:
    """Messages (with their full-text entries), attachment records, events, payouts, refund links."""
    db = ctx.database
    param = getattr(db, "param", "?")

    def q(text: str) -> str:
        return text if param == "?" else text.replace("?", param)

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
        from ..db import is_sqlite

        if is_sqlite(db):
            db.execute_sql("INSERT INTO message_fts(rowid, body) SELECT id, body FROM message WHERE id > ?",
                           (last,))
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
        refund = find_refund(store, rec.order_id, rec.order_item_id, store.product_sku.get(rec.product_id, ""))
        if refund is not None and refund.claim is None and refund.claim_id is None:
            refund.claim, refund.dirty = rec, True
    if attachments:
        cursor.executemany(q("INSERT INTO attachment (claim_id, message_id, name, size, sha256, media_type, "
                             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"), attachments)
    if events:
        cursor.executemany(q('INSERT INTO status_event (claim_id, at, actor, "user", action, from_status, '
                             "to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), events)
    if payouts:
        # The export's "paid" already counts these; the claim keeps it as given.
        cursor.executemany(q("INSERT INTO payout (account_id, claim_id, order_id, adjustment_id, currency, "
                             "amount_minor, posted_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), payouts)
