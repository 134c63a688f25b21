"""Claims in from a JSON export (``safet export --format json``): restore or move a desk.

Claims whose id is already in the database are left alone (so a second import
changes nothing). Accounts are matched by name and marketplace and created if
missing; ``--account NAME`` puts every claim under that name instead. Messages,
status events, attachment records, payouts and refunds (claimable or linked to
a claim, version 2 files) come along when the export has them; attachment files
themselves live in the attachment store beside the database, not in the JSON
(the import says how many are missing there and what to copy).

Every value is checked before anything is written, and the first bad one stops
the whole file with one line naming the JSON path, the value and the rule
(:mod:`safet_tui.domain.records` holds the rules of a claim record). A claim id
that appears twice is read once when both copies are the same and refused when
they differ.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from safet_tui.db import Account
from safet_tui.domain.marketplaces import Policy
from safet_tui.domain.money import MoneyError, parse_amount
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.domain.records import (
    EVENT_ACTORS,
    MESSAGE_KINDS,
    MESSAGE_SIDES,
    STATUSES,
    RecordError,
    check_claim_no,
    check_instant,
    check_minor,
    check_record,
)
from safet_tui.export.claims import FORMAT, VERSION
from safet_tui.reports.bulk.claim_state import due_at
from safet_tui.reports.bulk.refunds import find_refund
from safet_tui.reports.bulk.store import ClaimRec, PayoutRec, Store, chunks
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.reading.cells import minor
from safet_tui.reports.reading.tsv import decode

#: versions this safet reads: 1 (claims only), 2 (adds refunds and payouts without a claim)
READS = (1, 2)
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: an attachment record's size (the files themselves are capped far lower by the desk)
MAX_ATTACHMENT_BYTES = 1 << 40


@dataclass
class Parsed:
    accounts: dict[tuple[str, str], str]  # (name, marketplace) -> currency
    claims: list[dict]
    refunds: list[dict] = field(default_factory=list)
    payouts: list[dict] = field(default_factory=list)  # payouts without a claim


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, value: object, problem: str) -> ReportError:
        return ReportError(problem, file=self.file, path=path, value=None if value is None else str(value))

    def record(self, path: str, exc: RecordError) -> ReportError:
        return self.fail(f"{path}.{exc.field}", exc.value, exc.problem)

    def text(self, obj: dict, key: str, path: str, *, required: bool = False) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
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

    def when(self, obj: dict, key: str, path: str, *, required: bool = False) -> int | None:
        value = obj.get(key)
        if value in (None, ""):
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
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
            check_instant(at, key)
            return int(at.timestamp())
        except RecordError as exc:
            raise self.fail(f"{path}.{key}", value, exc.problem) from None
        except (OverflowError, ValueError):
            raise self.fail(f"{path}.{key}", value, "out of range (dates from 2000-01-01 up to 2100-01-01)") from None

    def money(self, obj: dict, key: str, path: str, *, required: bool = False) -> int | None:
        value = obj.get(key)
        if value in (None, ""):
            if required:
                raise self.fail(f"{path}.{key}", value, "missing")
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


def _load(text: str, file: str) -> object:
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON ({exc.msg})", file=file, line=exc.lineno,
                          column=f"character {exc.colno}") from None
    except RecursionError:
        raise ReportError("not a safet claims export: its JSON is nested too deeply to read", file=file) from None
    except ValueError as exc:  # a number of thousands of digits, NaN, Infinity
        raise ReportError(f"not valid JSON ({exc})", file=file) from None


def read(data: bytes, ctx: ImportContext) -> Parsed:
    text = decode(data, ctx.file)
    doc = _load(text, ctx.file)
    check = _Checker(ctx.file)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReportError(f"not a safet claims export (expected \"format\": \"{FORMAT}\"; "
                          "make one with safet export --format json)", file=ctx.file)
    version = doc.get("version")
    if isinstance(version, bool) or version not in READS:
        raise check.fail("version", version, f"unsupported version (this safet reads {', '.join(map(str, READS))}; "
                                             f"it writes {VERSION})")
    accounts: dict[tuple[str, str], str] = {}
    for i, a in enumerate(check.items(doc, "accounts", "")):
        path = f"accounts[{i}]"
        policy = check.market(a, path, ctx)
        accounts[(check.text(a, "name", path, required=True), policy.marketplace)] = policy.currency
    claims = []
    raw = check.items(doc, "claims", "")
    refunds_raw = check.items(doc, "refunds", "") if version >= 2 else []
    payouts_raw = check.items(doc, "payouts", "") if version >= 2 else []
    ctx.total = (len(raw) + len(refunds_raw)) * 2
    first: dict[str, tuple[int, dict]] = {}
    for i, c in enumerate(raw):
        path = f"claims[{i}]"
        claim = _claim(check, c, path, ctx)
        no = claim["claim_no"]
        if no in first:
            j, earlier = first[no]
            if earlier != claim:
                raise check.fail(f"{path}.claim_id", no, f"the same claim id as claims[{j}], with different data "
                                                         "(a claim id names one claim)")
            ctx.summary.note(f"claim {no} is in the file more than once (claims[{j}] and {path}, the same): "
                             "read once")
            continue
        first[no] = (i, claim)
        claims.append(claim)
        ctx.tick(i + 1)
    refunds = []
    keys: dict[tuple, int] = {}
    for i, r in enumerate(refunds_raw):
        path = f"refunds[{i}]"
        refund = _refund(check, r, path, ctx)
        if refund["claim_no"] and refund["claim_no"] not in first:
            raise check.fail(f"{path}.claim_id", refund["claim_no"], "not a claim of this file")
        key = (refund["account"], refund["marketplace"], refund["order_id"], refund["order_item_id"])
        if key in keys:
            raise check.fail(f"{path}.order_item_id", refund["order_item_id"],
                             f"refunds[{keys[key]}] is the refund of the same order item ({refund['order_id']})")
        keys[key] = i
        refunds.append(refund)
        ctx.tick(len(raw) + i + 1)
    payouts = []
    for i, p in enumerate(payouts_raw):
        path = f"payouts[{i}]"
        policy = check.market(p, path, ctx)
        payouts.append({**_payout(check, p, path), "account": check.text(p, "account", path, required=True),
                        "marketplace": policy.marketplace, "currency": policy.currency})
    return Parsed(accounts, claims, refunds, payouts)


def _claim(check: _Checker, c: dict, path: str, ctx: ImportContext) -> dict:
    claim_no = check.text(c, "claim_id", path, required=True).strip()
    try:
        check_claim_no(claim_no)
    except RecordError as exc:
        raise check.record(path, exc) from None
    policy = check.market(c, path, ctx)
    claim = {
        "claim_no": claim_no,
        "account": check.text(c, "account", path, required=True),
        "marketplace": policy.marketplace,
        "order_id": check.text(c, "order_id", path, required=True),
        "order_item_id": check.text(c, "order_item_id", path),
        "sku": check.text(c, "sku", path), "asin": check.text(c, "asin", path),
        "title": check.text(c, "title", path), "description": check.text(c, "description", path),
        "reason": check.text(c, "reason", path, required=True),
        "status": check.choice(c, "status", path, STATUSES, "status"),
        "outcome": check.text(c, "outcome", path) or None,
        "denial_reason": c.get("denial_reason"),
        "currency": policy.currency,
        "claimed": check.money(c, "claimed", path, required=True),
        "reimbursed": check.money(c, "reimbursed", path),
        "paid": check.money(c, "paid", path),
        "filed_at": check.when(c, "filed_at", path, required=True),
        "updated_at": check.when(c, "updated_at", path, required=True),
        "reply_by": check.when(c, "reply_by", path), "appeal_by": check.when(c, "appeal_by", path),
        "appeal_used": check.flag(c, "appeal_used", path),
        "appeal_decided": check.flag(c, "appeal_decided", path),
        "deadline_estimated": check.flag(c, "deadline_estimated", path),
        "decided_at": check.when(c, "decided_at", path),
    }
    if claim["reason"] not in REASONS_BY_CODE:
        raise check.fail(f"{path}.reason", claim["reason"], "unknown claim reason")
    if claim["denial_reason"] is not None and not isinstance(claim["denial_reason"], str):
        raise check.fail(f"{path}.denial_reason", claim["denial_reason"], "must be text")
    try:
        check_record(claim_no=claim_no, status=claim["status"], outcome=claim["outcome"],
                     claimed=claim["claimed"], reimbursed=claim["reimbursed"], appeal_used=claim["appeal_used"],
                     appeal_decided=claim["appeal_decided"], paid=claim["paid"] or 0)
    except RecordError as exc:
        raise check.record(path, exc) from None
    claim["payouts"] = [_payout(check, p, f"{path}.payouts[{j}]") for j, p in enumerate(check.items(c, "payouts", path))]
    claim["messages"] = []
    for j, m in enumerate(check.items(c, "messages", path)):
        mp = f"{path}.messages[{j}]"
        claim["messages"].append({
            "at": check.when(m, "at", mp, required=True),
            "side": check.choice(m, "side", mp, MESSAGE_SIDES, "message side"),
            "kind": check.choice(m, "kind", mp, MESSAGE_KINDS, "message kind"),
            "author": check.text(m, "author", mp),
            "body": check.text(m, "body", mp),
            "attachments": [_attachment(check, a, f"{mp}.attachments[{k}]")
                            for k, a in enumerate(check.items(m, "attachments", mp))],
        })
    claim["attachments"] = [_attachment(check, a, f"{path}.attachments[{k}]")
                            for k, a in enumerate(check.items(c, "attachments", path))]
    claim["events"] = []
    for j, e in enumerate(check.items(c, "events", path)):
        ep = f"{path}.events[{j}]"
        claim["events"].append({
            "at": check.when(e, "at", ep, required=True),
            "actor": check.choice(e, "actor", ep, EVENT_ACTORS, "actor"),
            "user": check.text(e, "user", ep), "action": check.text(e, "action", ep, required=True),
            "from_status": check.choice(e, "from_status", ep, STATUSES, "status", required=False) or None,
            "to_status": check.choice(e, "to_status", ep, STATUSES, "status"),
            "note": check.text(e, "note", ep),
        })
    return claim


def _payout(check: _Checker, p: dict, path: str) -> dict:
    return {"adjustment_id": check.text(p, "adjustment_id", path), "order_id": check.text(p, "order_id", path),
            "amount": check.money(p, "amount", path, required=True), "posted_at": check.when(p, "posted_at", path),
            "source": check.text(p, "source", path)}


def _refund(check: _Checker, r: dict, path: str, ctx: ImportContext) -> dict:
    policy = check.market(r, path, ctx)
    claim_no = check.text(r, "claim_id", path).strip()
    if claim_no:
        try:
            check_claim_no(claim_no)
        except RecordError as exc:
            raise check.record(path, exc) from None
    refund = {
        "account": check.text(r, "account", path, required=True), "marketplace": policy.marketplace,
        "currency": policy.currency, "order_id": check.text(r, "order_id", path, required=True),
        "order_item_id": check.text(r, "order_item_id", path), "sku": check.text(r, "sku", path),
        "asin": check.text(r, "asin", path), "title": check.text(r, "title", path),
        "return_reason": check.text(r, "return_reason", path),
        "amount": check.money(r, "amount", path, required=True),
        "order_amount": check.money(r, "order_amount", path),
        "refund_at": check.when(r, "refund_at", path), "delivered_at": check.when(r, "delivered_at", path),
        "file_by": check.when(r, "file_by", path), "basis": check.text(r, "basis", path),
        "claim_no": claim_no or None, "created_at": check.when(r, "created_at", path, required=True),
        "not_claimable": check.text(r, "not_claimable", path),
    }
    if refund["amount"] <= 0:
        raise check.fail(f"{path}.amount", r.get("amount"), "a refund is more than zero")
    if refund["order_amount"] is not None and refund["order_amount"] < 0:
        raise check.fail(f"{path}.order_amount", r.get("order_amount"), "an order amount cannot be negative")
    return refund


def _attachment(check: _Checker, a: dict, path: str) -> dict:
    size = a.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < MAX_ATTACHMENT_BYTES:
        raise check.fail(f"{path}.size", size, "must be a whole number of bytes (under 1 TiB)")
    sha = check.text(a, "sha256", path, required=True)
    if not _SHA256.fullmatch(sha):
        raise check.fail(f"{path}.sha256", sha, "not a sha256 (64 lower-case hex digits)")
    return {"name": check.text(a, "name", path, required=True), "size": size, "sha256": sha,
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


def _store(stores: dict, c: dict, parsed: Parsed, ctx: ImportContext) -> Store:
    """The store of a record's account (``account``, ``marketplace``, ``currency`` keys), created if new."""
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


def _q(ctx: ImportContext, text: str) -> str:
    param = getattr(ctx.database, "param", "?")
    return text if param == "?" else text.replace("?", param)


_REFUND_COLUMNS = ("account_id", "product_id", "order_id", "order_item_id", "return_reason", "currency",
                   "amount_minor", "order_minor", "refund_at", "delivered_at", "file_by", "basis", "claim_id",
                   "created_at", "not_claimable")


def _refunds(parsed: Parsed, stores: dict, ctx: ImportContext) -> None:
    """Refunds the file carries (claimable ones and those of its claims) that the desk does not hold yet.

    A refund the desk already has (same account, order and order item) is left as it is."""
    summary = ctx.summary
    rows = []
    added: set[tuple] = set()  # (account, order, item) written here (--account can merge two accounts)
    for i, r in enumerate(parsed.refunds):
        ctx.tick(len(parsed.claims) * 2 + len(parsed.refunds) + i + 1)
        store = _store(stores, r, parsed, ctx)
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
                     r["amount"], r["order_amount"], r["refund_at"], r["delivered_at"], r["file_by"], r["basis"],
                     claim_id, r["created_at"], r["not_claimable"]))
        summary.refunds_added += 1
        if claim_id is None and not r["not_claimable"]:
            summary.claimable_added += 1
            if r["file_by"] is not None and r["file_by"] < ctx.now_epoch:
                summary.claimable_expired += 1
    if rows:
        marks = ", ".join("?" * len(_REFUND_COLUMNS))
        ctx.database.cursor().executemany(
            _q(ctx, f"INSERT INTO refund ({', '.join(_REFUND_COLUMNS)}) VALUES ({marks})"), rows)


def _loose_payouts(parsed: Parsed, stores: dict, ctx: ImportContext) -> None:
    """Payouts the export had matched to no claim; rematching afterwards links any that now match."""
    added = 0
    for p in parsed.payouts:
        store = _store(stores, p, parsed, ctx)
        key = (p["adjustment_id"], p["order_id"], p["amount"], p["posted_at"])
        if key in store.payout_keys:
            continue
        store.payout_keys.add(key)
        store.new_payouts.append(PayoutRec(store.account_id, None, p["order_id"], p["adjustment_id"], p["currency"],
                                           p["amount"], p["posted_at"], p["source"]))
        added += 1
    if added:
        ctx.summary.note(f"{added:,} payout{'s' if added != 1 else ''} that match no claim restored")


def missing_files(parsed: Parsed, store_dir) -> tuple[int, int]:
    """How many attachment files the file's records name that are not in ``store_dir``, and their bytes."""
    from safet_tui.service.attachments import stored_path

    missing: dict[str, int] = {}
    for c in parsed.claims:
        for a in [*c["attachments"], *(a for m in c["messages"] for a in m["attachments"])]:
            if a["sha256"] not in missing and not stored_path(store_dir, a["sha256"]).is_file():
                missing[a["sha256"]] = a["size"]
    return len(missing), sum(missing.values())


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
        from safet_tui.db import is_sqlite

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
