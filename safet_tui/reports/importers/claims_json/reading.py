"""Reading a claims export: every record checked before anything is written (the first bad value
stops the whole file with one line naming its JSON path, the value and the rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.domain.records import (
    EVENT_ACTORS,
    MESSAGE_KINDS,
    MESSAGE_SIDES,
    STATUSES,
    RecordError,
    check_claim_no,
    check_record,
)
from safet_tui.export.claims_format import FORMAT, VERSION
from safet_tui.reports.context import ImportContext
from safet_tui.reports.errors import ReportError
from safet_tui.reports.reading.json_fields import FieldChecker, load_json
from safet_tui.reports.reading.tsv import decode

#: versions this safet reads: 1 (claims only), 2 (adds refunds and payouts without a claim)
READS = (1, 2)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}/[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}")
#: an attachment record's size (the files themselves are capped far lower by the desk)
MAX_ATTACHMENT_BYTES = 1 << 40


@dataclass
class Parsed:
    accounts: dict[tuple[str, str], str]  # (name, marketplace) -> currency
    claims: list[dict[str, Any]]
    refunds: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)  # payouts without a claim


def read(data: bytes, ctx: ImportContext) -> Parsed:
    text = decode(data, ctx.file)
    doc = load_json(text, ctx.file)
    check = FieldChecker(ctx.file)
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


def _claim(check: FieldChecker, c: dict, path: str, ctx: ImportContext) -> dict:
    claim_no = check.text(c, "claim_id", path, required=True).strip()
    try:
        check_claim_no(claim_no)
    except RecordError as exc:
        raise check.record(path, exc) from None
    policy = check.market(c, path, ctx)
    claim: dict[str, Any] = {
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
        "reply_by": check.when(c, "reply_by", path, deadline=True),
        "appeal_by": check.when(c, "appeal_by", path, deadline=True),
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


def _payout(check: FieldChecker, p: dict, path: str) -> dict:
    return {"adjustment_id": check.text(p, "adjustment_id", path), "order_id": check.text(p, "order_id", path),
            "amount": check.money(p, "amount", path, required=True), "posted_at": check.when(p, "posted_at", path),
            "source": check.text(p, "source", path)}


def _refund(check: FieldChecker, r: dict, path: str, ctx: ImportContext) -> dict:
    policy = check.market(r, path, ctx)
    claim_no = check.text(r, "claim_id", path).strip()
    if claim_no:
        try:
            check_claim_no(claim_no)
        except RecordError as exc:
            raise check.record(path, exc) from None
    refund: dict[str, Any] = {
        "account": check.text(r, "account", path, required=True), "marketplace": policy.marketplace,
        "currency": policy.currency, "order_id": check.text(r, "order_id", path, required=True),
        "order_item_id": check.text(r, "order_item_id", path), "sku": check.text(r, "sku", path),
        "asin": check.text(r, "asin", path), "title": check.text(r, "title", path),
        "return_reason": check.text(r, "return_reason", path),
        "amount": check.money(r, "amount", path, required=True),
        "order_amount": check.money(r, "order_amount", path),
        "refund_at": check.when(r, "refund_at", path), "delivered_at": check.when(r, "delivered_at", path),
        "file_by": check.when(r, "file_by", path, deadline=True), "basis": check.text(r, "basis", path),
        "claim_no": claim_no or None, "created_at": check.when(r, "created_at", path, required=True),
        "not_claimable": check.text(r, "not_claimable", path),
    }
    if refund["amount"] <= 0:
        raise check.fail(f"{path}.amount", r.get("amount"), "a refund is more than zero")
    if refund["order_amount"] is not None and refund["order_amount"] < 0:
        raise check.fail(f"{path}.order_amount", r.get("order_amount"), "an order amount cannot be negative")
    return refund


def _attachment(check: FieldChecker, a: dict, path: str) -> dict:
    size = a.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < MAX_ATTACHMENT_BYTES:
        raise check.fail(f"{path}.size", size, "must be a whole number of bytes (under 1 TiB)")
    sha = check.text(a, "sha256", path, required=True)
    if not _SHA256.fullmatch(sha):
        raise check.fail(f"{path}.sha256", sha, "not a sha256 (64 lower-case hex digits)")
    from safet_tui.attachments import safe_name

    media = check.text(a, "media_type", path) or "application/octet-stream"
    if not _MEDIA_TYPE.fullmatch(media):
        raise check.fail(f"{path}.media_type", media, "not a media type (e.g. application/pdf)")
    # stored as the desk stores an attached file's name: printable, no path separators, capped
    return {"name": safe_name(check.text(a, "name", path, required=True)), "size": size, "sha256": sha,
            "media_type": media, "at": check.when(a, "at", path, required=True)}


def missing_files(parsed: Parsed, store_dir: Path) -> tuple[int, int]:
    """How many attachment files the file's records name that are not in ``store_dir``, and their bytes."""
    from safet_tui.attachments import stored_path

    missing: dict[str, int] = {}
    for c in parsed.claims:
        for a in [*c["attachments"], *(a for m in c["messages"] for a in m["attachments"])]:
            if a["sha256"] not in missing and not stored_path(store_dir, a["sha256"]).is_file():
                missing[a["sha256"]] = a["size"]
    return len(missing), sum(missing.values())
