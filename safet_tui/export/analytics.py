"""The dashboard's figures as files and text: JSON, tidy CSV (formula-safe) and the plain-text
report of ``safet report`` — one shape for the screen's export and the command."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC
from decimal import Decimal

from safet_tui.domain.figures import Analytics, days, pct
from safet_tui.domain.money import Money, format_money
from safet_tui.domain.periods import EXPIRING_DAYS
from safet_tui.domain.printable import clean, shorten, width
from safet_tui.export.csv_cells import csv_text


def amount(m: Money) -> str:
    """Plain decimal for files (no symbol, no grouping)."""
    return m.plain()


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def to_dict(a: Analytics) -> dict:
    """Plain JSON-ready figures: amounts as decimal strings with their currency."""
    h = a.headline

    def money(m: Money) -> dict:
        return {"amount": amount(m), "currency": m.currency}

    return {
        "generated_at": a.generated_at.astimezone(UTC).isoformat(),
        "period": {"key": a.period.key, "label": a.period.label, "spec": a.period.spec,
                   "from": a.period.start.isoformat() if a.period.start else None,
                   "to": a.period.end.isoformat()},
        "scope": {"account_id": a.scope.account_id, "marketplace": a.scope.marketplace, "label": a.scope.label},
        "bucket": a.bucket,
        "currencies": list(a.currencies),
        "headline": {
            "claims_filed": h.claims, "open": h.open, "decided": h.decided,
            "granted_full": h.granted_full, "granted_partial": h.granted_partial, "no_grant": h.no_grant,
            "share_granted_full": _ratio(h.share_full), "share_granted_partial": _ratio(h.share_partial),
            "share_no_grant": _ratio(h.share_no_grant),
            "median_days_to_decision": None if h.median_days is None else round(h.median_days, 3),
            "decisions_timed": h.timed,
            "appeals_filed": h.appeals_filed, "appeals_decided": h.appeals_decided,
            "appeals_won": h.appeals_won, "appeal_success_rate": _ratio(h.appeal_success),
        },
        "money": {
            m.currency: {
                "claims_filed": m.claims, "claimed": money(m.claimed), "decided": m.decided,
                "decided_claimed": money(m.decided_claimed), "reimbursed": money(m.reimbursed),
                "recovery_rate": _ratio(m.recovery_rate),
                "open_claims_now": m.open_claims, "at_stake_now": money(m.at_stake),
                "expired_unclaimed_refunds": m.expired_refunds, "expired_unclaimed": money(m.expired),
                "expiring_refunds_3d": m.expiring_refunds, "expiring_3d": money(m.expiring),
            } for m in a.money
        },
        "series": [
            {"bucket": p.label, "start": p.start.isoformat(), "claims_filed": p.claims,
             "reimbursed_claims": p.reimbursed_claims,
             "reimbursed": {cur: amount(m) for cur, m in p.reimbursed.items()}}
            for p in a.series
        ],
        "outcome_mix": [
            {"reason": r.reason, "label": r.label, "open": r.open, "granted_full": r.full,
             "granted_partial": r.partial, "no_grant": r.no_grant} for r in a.outcome_mix
        ],
        "recovery_by_reason": [
            {"reason": r.reason, "label": r.label, "currency": r.currency, "decided": r.decided,
             "claimed": amount(r.claimed), "reimbursed": amount(r.reimbursed), "recovery_rate": _ratio(r.rate)}
            for r in a.recovery
        ],
        "denial_reasons": [
            {"rank": d.rank, "reason": d.reason, "count": d.count, "share": _ratio(d.share), "top": d.top}
            for d in a.denials
        ],
        "denials_reason_not_given": a.denials_unstated,
        "top_products": [
            {"rank": p.rank, "sku": p.sku, "title": p.title, "account": p.account, "currency": p.currency,
             "claims": p.claims, "claimed": amount(p.claimed), "reimbursed": amount(p.reimbursed), "top": p.top}
            for p in a.products
        ],
    }


def to_json(a: Analytics) -> str:
    return json.dumps(to_dict(a), indent=2, ensure_ascii=False) + "\n"


CSV_HEADER = ("section", "key", "label", "currency", "metric", "value")


def _number(key: str, value: object) -> object:
    """An amount (decimal text in the JSON) as the number it is, for the CSV writer."""
    return Decimal(value) if key in ("claimed", "reimbursed") and isinstance(value, str) else value


def to_rows(a: Analytics) -> list[tuple]:
    """Long ("tidy") rows: one figure per line, easy to filter in a spreadsheet. Amounts are
    Decimals, counts ints and shares floats, so the CSV writer keeps them numbers; every text
    (labels, reasons, product names) is neutralised."""
    d = to_dict(a)
    rows: list[tuple] = [("filter", "period", a.period.label, "", "spec", a.period.spec),
                         ("filter", "scope", a.scope.label, "", "account_id", a.scope.account_id or ""),
                         ("filter", "bucket", "", "", "bucket", a.bucket)]
    for k, v in d["headline"].items():
        rows.append(("headline", "", "", "", k, "" if v is None else v))
    for cur, figures in d["money"].items():
        for k, v in figures.items():
            rows.append(("money", "", "", cur, k, Decimal(v["amount"]) if isinstance(v, dict) else ("" if v is None else v)))
    for p in d["series"]:
        rows.append(("series", p["bucket"], p["start"], "", "claims_filed", p["claims_filed"]))
        rows.append(("series", p["bucket"], p["start"], "", "reimbursed_claims", p["reimbursed_claims"]))
        for cur, v in p["reimbursed"].items():
            rows.append(("series", p["bucket"], p["start"], cur, "reimbursed", Decimal(v)))
    for r in d["outcome_mix"]:
        for k in ("open", "granted_full", "granted_partial", "no_grant"):
            rows.append(("outcome_mix", r["reason"], r["label"], "", k, r[k]))
    for r in d["recovery_by_reason"]:
        for k in ("decided", "claimed", "reimbursed", "recovery_rate"):
            rows.append(("recovery_by_reason", r["reason"], r["label"], r["currency"], k,
                         "" if r[k] is None else _number(k, r[k])))
    for r in d["denial_reasons"]:
        for k in ("count", "share", "top"):
            rows.append(("denial_reasons", r["rank"], r["reason"], "", k, r[k]))
    for r in d["top_products"]:
        for k in ("claims", "claimed", "reimbursed", "top"):
            rows.append(("top_products", r["rank"], f"{r['sku']} {r['title']}".strip(), r["currency"], k,
                         _number(k, r[k])))
    return rows


def to_csv(a: Analytics) -> str:
    return csv_text(CSV_HEADER, to_rows(a))


#: the most characters a cell of the text report shows (a 5,000-character title is cut, not printed)
CELL_LIMIT = 80


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Collection[int] = frozenset()) -> list[str]:
    """Aligned columns; a cell from data is one line, cleaned for a terminal and cut at CELL_LIMIT."""
    table = [[shorten(clean(c), CELL_LIMIT) for c in row] for row in (header, *rows)]
    widths = [max(width(x) for x in col) for col in zip(*table, strict=False)]
    lines = []
    for row in table:
        cells = [_pad(c, w, i in right) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join(cells).rstrip())
    return lines


def _pad(cell: str, cells: int, right: bool) -> str:
    fill = " " * (cells - width(cell))
    return fill + cell if right else cell + fill


def to_text(a: Analytics) -> str:
    """The report for a terminal or an e-mail: the same figures as the screen."""
    h = a.headline
    fm = format_money
    scope = shorten(clean(a.scope.label), CELL_LIMIT)
    out = [f"SAFE-T analytics — {scope}, {a.period.label} (as of {a.generated_at:%Y-%m-%d %H:%M} UTC)", ""]
    out += [
        f"Claims filed       {h.claims}   (decided {h.decided}, open {h.open})",
        f"Granted in full    {h.granted_full}  {pct(h.share_full)} of decided",
        f"Granted in part    {h.granted_partial}  {pct(h.share_partial)} of decided",
        f"No-Grant           {h.no_grant}  {pct(h.share_no_grant)} of decided",
        f"Median to decision {days(h.median_days)}  (over {h.timed} decisions)",
        f"Appeals            {h.appeals_filed} filed, {h.appeals_decided} decided, {h.appeals_won} won"
        f"  {pct(h.appeal_success)} success",
        "",
    ]
    header = ("Currency", "Claimed", "Decided claimed", "Reimbursed", "Recovery", "At stake now",
              "Expired unclaimed", f"Expiring {EXPIRING_DAYS}d")
    out += _table(header, [
        (m.currency, fm(m.claimed), fm(m.decided_claimed), fm(m.reimbursed), pct(m.recovery_rate),
         f"{fm(m.at_stake)} ({m.open_claims})", f"{fm(m.expired)} ({m.expired_refunds})",
         f"{fm(m.expiring)} ({m.expiring_refunds})") for m in a.money
    ], right=set(range(1, 8)))
    out += ["", f"Per {a.bucket}: claims filed, amount reimbursed (by decision date)"]
    out += _table(("From", "Filed", "Reimbursed"), [
        (p.label, p.claims, ", ".join(fm(m) for m in p.reimbursed.values()) or "—") for p in a.series
    ], right={1})
    out += ["", "Outcome by reason (claims)"]
    out += _table(("Reason", "Grant", "Partial", "No-Grant", "Open"), [
        (r.label, r.full, r.partial, r.no_grant, r.open) for r in a.outcome_mix
    ], right={1, 2, 3, 4})
    out += ["", "Recovery rate by reason (decided claims)"]
    out += _table(("Reason", "Cur", "Decided", "Claimed", "Reimbursed", "Rate"), [
        (r.label, r.currency, r.decided, fm(r.claimed), fm(r.reimbursed), pct(r.rate)) for r in a.recovery
    ], right={2, 3, 4, 5})
    out += ["", "Denial reasons (* = top three)"]
    out += _table(("#", "Reason", "Count", "Share"), [
        (f"{d.rank}{'*' if d.top else ''}", d.reason, d.count, pct(d.share)) for d in a.denials
    ], right={2, 3})
    if a.denials_unstated:
        out.append(f"Reason not given: {a.denials_unstated:,} No-Grant(s), not ranked")
    out += ["", "Products with the most claims (* = top three)"]
    out += _table(("#", "SKU", "Product", "Claims", "Claimed", "Reimbursed"), [
        (f"{p.rank}{'*' if p.top else ''}", p.sku, p.title, p.claims, fm(p.claimed), fm(p.reimbursed))
        for p in a.products
    ], right={3, 4, 5})
    return "\n".join(out) + "\n"
