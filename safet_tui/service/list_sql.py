"""The claim list's SQL, shared by its unfiltered reads (queries.py) and its reads under a text
filter (filtered_list.py): the columns of a row and where they come from, the sort orders, what
makes a refund claimable, the unread claims; and a row of it as a ListRow."""

from __future__ import annotations

from safet_tui.domain.clock import from_epoch
from safet_tui.domain.money import Money
from safet_tui.service.views import TABS, ListRow

CLAIM_COLUMNS = (
    "c.id, c.claim_no, c.order_id, COALESCE(p.sku, ''), COALESCE(p.title, ''), c.reason, c.claimed_minor, "
    "c.reimbursed_minor, c.currency, c.due_at, c.updated_at, c.status, c.outcome, "
    "CASE WHEN c.changed_at > COALESCE(r.seen_at, ?) THEN 1 ELSE 0 END, a.marketplace, c.deadline_estimated, "
    "a.name, c.appeal_used, c.appeal_decided"
)
CLAIM_FROM = (
    " FROM claim c JOIN account a ON a.id = c.account_id LEFT JOIN product p ON p.id = c.product_id"
    ' LEFT JOIN read_mark r ON r.claim_id = c.id AND r."user" = ?'
)

#: a refund that may still be claimed: no claim yet, and nothing rules it out (``Refund.not_claimable``
#: holds the domain's verdict: a partial or an automated refund); its window is checked by the caller
CLAIMABLE = "f.claim_id IS NULL AND f.not_claimable = ''"

REFUND_COLUMNS = (
    "f.id, '', f.order_id, COALESCE(p.sku, ''), COALESCE(p.title, ''), f.return_reason, f.amount_minor, "
    "NULL, f.currency, f.file_by, f.created_at, 'claimable', NULL, 0, a.marketplace, 0, a.name, 0, 0"
)
REFUND_FROM = (
    " FROM refund f JOIN account a ON a.id = f.account_id LEFT JOIN product p ON p.id = f.product_id"
)

ORDER = {
    "updated": "c.updated_at DESC, c.id DESC",
    "amount": "c.currency ASC, c.claimed_minor DESC, c.id DESC",
    "claim": "c.claim_no ASC",
}
REFUND_ORDER = {
    "deadline": "f.file_by ASC, f.id ASC",
    "updated": "f.created_at DESC, f.id DESC",
    "amount": "f.currency ASC, f.amount_minor DESC, f.id DESC",
    "claim": "f.order_id ASC, f.id ASC",
}


#: the deadline sort in one ORDER BY (4 ``now`` parameters): upcoming deadlines soonest first, then
#: passed ones latest first, then claims without one newest first; ``_deadline_window`` walks the
#: same three segments one index range at a time
DEADLINE_ORDER = (
    "CASE WHEN c.due_at IS NULL THEN 2 WHEN c.due_at >= ? THEN 0 ELSE 1 END, "
    "CASE WHEN c.due_at >= ? THEN c.due_at END ASC, CASE WHEN c.due_at < ? THEN c.due_at END DESC, "
    "CASE WHEN c.due_at >= ? THEN c.id END ASC, c.id DESC"
)

CLAIM_TABS = tuple(t for t in TABS if t != "claimable")

def unread_ids(user: str, horizon: int, statuses: tuple[str, ...] = CLAIM_TABS) -> tuple[str, list]:
    """SQL for the ids of the claims ``user`` has not seen since they last changed, in ``statuses``.

    Unread means ``changed_at > COALESCE(seen_at, horizon)``, read as two index ranges: the claims
    changed since the horizon with no newer read mark (claim (status, changed_at)), and this user's
    read marks older than their claim's change (read_mark's key starts with the user)."""
    marks = ", ".join("?" for _ in statuses)
    sql = (
        f"SELECT c.id FROM claim c WHERE c.status IN ({marks}) AND c.changed_at > ? AND NOT EXISTS "
        '(SELECT 1 FROM read_mark r WHERE r."user" = ? AND r.claim_id = c.id AND r.seen_at >= c.changed_at) '
        "UNION ALL "
        'SELECT c.id FROM read_mark r JOIN claim c ON c.id = r.claim_id WHERE r."user" = ? '
        f"AND c.status IN ({marks}) AND c.changed_at <= ? AND c.changed_at > r.seen_at"
    )
    return sql, [*statuses, horizon, user, user, *statuses, horizon]


def list_row(t: tuple, kind: str) -> ListRow:
    currency = t[8]
    return ListRow(
        key=t[0], kind=kind, claim_no=t[1], order_id=t[2], sku=t[3], title=t[4], reason=t[5],
        claimed=Money.from_minor(t[6], currency),
        reimbursed=None if t[7] is None else Money.from_minor(t[7], currency),
        deadline=from_epoch(t[9]), updated_at=from_epoch(t[10]), status=t[11], outcome=t[12],
        unread=bool(t[13]), marketplace=t[14], estimated=bool(t[15]), account=t[16],
        appeal_used=bool(t[17]), appeal_decided=bool(t[18]),
    )


#: a seller's per-status totals over their accounts (the account index first: CROSS JOIN keeps SQLite
#: from walking every claim by status and looking up each one's account; 6-10x faster at 100k)
