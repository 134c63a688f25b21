"""The text filter: what it matches, and its newest matches first without collecting them all.

What matches (the same everywhere: the list, its counts, export, mark-all-read): a claim whose
claim number or order id starts with the text (a range of their indexes, not a scan of a
million ids), whose product's SKU, ASIN or title or whose account's name contains it, or one
of whose messages holds every word of it (a word of four letters or more as a prefix: the
last one may be half typed). Text made of digits and dashes only is an id or its start and is
not looked for in message text.

The list shows the newest matches first, at most ``FILTER_CAP`` of them, and counts no
further than that: claims matched by their own fields, most recently updated first (a walk
down the tab's ``(status, updated_at)`` index, or a sort of the few an index finds), then
claims matched by message text, the one with the newest matching message first (a walk down
the full-text index by rowid, stopped as soon as enough claims are found).
"""

from __future__ import annotations

import re

from safet_tui.db import is_sqlite, sql_for
from safet_tui.postgres import FTS_MATCH, FTS_TEST, ts_query
from safet_tui.service.views import FILTER_CAP
from safet_tui.transactions import DB


def execute(sql: str, params: tuple | list = ()):
    database = DB.obj
    return database.execute_sql(sql_for(database, sql), tuple(params))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: SQLite refuses a LIKE pattern longer than this many bytes ("LIKE or GLOB pattern too complex",
#: SQLITE_MAX_LIKE_PATTERN_LENGTH); no name, SKU or title is that long, so such text matches none
_LIKE_MAX = 50_000


def _likeable(text: str) -> bool:
    return len(_like(text).encode("utf-8", "surrogatepass")) <= _LIKE_MAX


#: a word shorter than this matches whole, not as a prefix: "w"* or "the"* reads the postings of
#: every word so starting (0.3-0.9 s over ten million messages), "the" only as many as it needs
PREFIX_MIN = 4


def fts_words(text: str) -> list[str]:
    """The words of user text for a full-text search: letters and digits only (no operator leaks)."""
    return [w for w in "".join(ch if ch.isalnum() else " " for ch in text).split() if w]


def fts_query(text: str) -> str:
    """User text to an FTS5 query: every word must match (as a prefix from ``PREFIX_MIN`` letters);
    no operators leak through."""
    return " ".join(f'"{w}"*' if len(w) >= PREFIX_MIN else f'"{w}"' for w in fts_words(text))


def _like_op() -> str:
    """LIKE is case-blind for ASCII on SQLite; ILIKE is PostgreSQL's same test."""
    return "LIKE" if is_sqlite() else "ILIKE"


#: ``account:Saffron`` or ``account:"Saffron Home"`` in the filter text: only that seller's claims
_ACCOUNT_TOKEN = re.compile(r'(?<!\S)account:(?:"([^"]*)"?|(\S*))', re.IGNORECASE)

#: the claims (and refunds) of the accounts whose name contains a text: accounts are few, so the
#: names are matched first and the claims are then read by the account index
_ACCOUNT_IDS = "SELECT id FROM account WHERE name {op} ? ESCAPE '\\'"

#: text that is an order id or a claim number, or the start of one: digits and dashes
_ID_SHAPED = re.compile(r"[0-9][0-9-]*")

#: a field branch matching more claims than this is walked in the tab's update order instead of
#: collected and sorted
_FEW = 50_000


def split_account(text: str) -> tuple[str, str]:
    """``'account:"Saffron Home" mixer'`` → ``('mixer', 'Saffron Home')``: the free text and the
    account asked for ('' when none; the last one counts)."""
    account = ""
    for match in _ACCOUNT_TOKEN.finditer(text or ""):
        account = (match.group(1) if match.group(1) is not None else match.group(2) or "").strip()
    return " ".join(_ACCOUNT_TOKEN.sub(" ", text or "").split()), account


def _starts_with(column: str, text: str) -> tuple[str, list]:
    """``column`` starts with ``text`` (as typed, or in capitals as ids are written): on SQLite a
    range of the column's index; on PostgreSQL a LIKE (its collation does not order by bytes)."""
    variants = list(dict.fromkeys([text, text.upper()]))
    if is_sqlite():
        sql = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in variants)
        return f"({sql})", [p for v in variants for p in (v, v + "\U0010ffff")]
    escaped = [v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for v in variants]
    return "(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for _ in variants) + ")", escaped


#: views of the list that narrow a tab: claims changed since you last opened them; resolved claims
#: that can still be appealed
VIEWS = ("unread", "appealable")


class Filter:
    """The text filter, as SQL over claims (ids, order, product fields, account name, message
    text), an ``account:NAME`` part that keeps only the claims of the accounts so named, and the
    views that narrow a tab (``only``: see VIEWS; ListQueries adds their SQL)."""

    def __init__(self, text: str, only: tuple[str, ...] | frozenset[str] = ()) -> None:
        self.text, self.account = split_account((text or "").strip())
        unknown = set(only) - set(VIEWS)
        if unknown:
            raise ValueError(f"unknown view {sorted(unknown)[0]!r}")
        self.only = frozenset(only)
        #: an id (or its start) is one word; digits and dashes only are not looked for in messages
        self.id_prefix = self.text if self.text and " " not in self.text else ""
        self.words = [] if _ID_SHAPED.fullmatch(self.text) else fts_words(self.text)

    def without_text(self) -> Filter:
        """The same filter without its text: its account and views."""
        other = Filter("", self.only)
        other.account = self.account
        return other

    def __bool__(self) -> bool:
        return bool(self.text or self.account or self.only)

    def _account_clause(self, column: str) -> tuple[str, list]:
        if not self.account:
            return "", []
        if not _likeable(self.account):  # no account has so long a name
            return " AND 1 = 0", []
        return f" AND {column} IN ({_ACCOUNT_IDS.format(op=_like_op())})", [_like(self.account)]

    def claim_clause(self) -> tuple[str, list]:
        """Every matching claim, as `` AND …`` over ``claim c``."""
        where, params = self._account_clause("c.account_id")
        if not self.text:
            return where, params
        # One set of matching claim ids, each branch on its own index, probed by primary key. An
        # OR of the same tests row by row walked the claim table in index order: 3-5x slower.
        parts = [f"SELECT c.id FROM claim c WHERE {cond}" for cond, _ in self.field_branches()]
        more = [p for _, branch in self.field_branches() for p in branch]
        message = self.message_branch()
        if message is not None:
            parts.append(message[0])
            more.append(message[1])
        if not parts:  # text too long for any field and no word to look for in messages
            return where + " AND 1 = 0", params
        return where + " AND c.id IN (" + " UNION ALL ".join(parts) + ")", params + more

    def field_branches(self) -> list[tuple[str, list]]:
        """The tests of a claim's own fields (over ``claim c``), each on an index of its own."""
        if not self.text:
            return []
        op, like = _like_op(), _like(self.text)
        branches = []
        if self.id_prefix:
            branches += [_starts_with("c.claim_no", self.id_prefix), _starts_with("c.order_id", self.id_prefix)]
        if not _likeable(self.text):  # longer than any SKU, ASIN, title or account name
            return branches
        branches += [
            (f"c.product_id IN (SELECT id FROM product WHERE sku {op} ? ESCAPE '\\' OR asin {op} ? ESCAPE '\\' "
             f"OR title {op} ? ESCAPE '\\')", [like] * 3),
            (f"c.account_id IN ({_ACCOUNT_IDS.format(op=op)})", [like]),
        ]
        return branches

    def message_branch(self) -> tuple[str, str] | None:
        """The ids of claims with a message holding every word (SQL, its one parameter), or None."""
        if not self.words:
            return None
        if is_sqlite():  # FTS5 (external content ``message_fts``)
            return ("SELECT m.claim_id FROM message m WHERE m.id IN "
                    "(SELECT rowid FROM message_fts WHERE message_fts MATCH ?)", fts_query(" ".join(self.words)))
        return FTS_MATCH, ts_query(self.words, PREFIX_MIN)  # the GIN index over each message's words

    def refund_clause(self) -> tuple[str, list]:
        """The matching refunds, as `` AND …`` over ``refund f``: each test on an index of its own
        (the order id's starts with the account), one that finds nothing left out."""
        where, params = self._account_clause("f.account_id")
        if not self.text:
            return where, params
        op, like = _like_op(), _like(self.text)
        branches = []
        if self.id_prefix:
            ids, id_params = _starts_with("f.order_id", self.id_prefix)
            branches.append((f"f.account_id IN (SELECT id FROM account) AND {ids}", id_params))
        if _likeable(self.text):  # text longer than that matches no SKU, ASIN, title or account name
            branches += [
                (f"f.product_id IN (SELECT id FROM product WHERE sku {op} ? ESCAPE '\\' OR asin {op} ? ESCAPE '\\' "
                 f"OR title {op} ? ESCAPE '\\')", [like] * 3),
                (f"f.account_id IN ({_ACCOUNT_IDS.format(op=op)})", [like]),
            ]
        found = [(cond, branch, execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM refund f WHERE {cond} LIMIT {_FEW}) n",
                                        branch).fetchone()[0]) for cond, branch in branches]
        live = [(cond, branch) for cond, branch, n in found if n]
        if not live:
            return where + " AND 1 = 0", params
        args = params + [p for _, branch in live for p in branch]
        if any(n >= _FEW for _, _, n in found):  # many: tested on each claimable refund
            return where + " AND (" + " OR ".join(f"({cond})" for cond, _ in live) + ")", args
        union = " UNION ALL ".join(f"SELECT f.id FROM refund f WHERE {cond}" for cond, _ in live)
        return where + f" AND f.id IN ({union})", args


def newest_matches(flt: Filter, tab: str, where: str, params: list, limit: int = FILTER_CAP) -> list[int]:
    """The ids of up to ``limit`` claims of ``tab`` the filter's text matches, newest first: those
    matched by their own fields (latest update first), then those matched by message text only
    (newest matching message first). ``where``/``params``: the filter's other clauses (account,
    views) over ``claim c``. Reads about as many rows as it returns, however many match."""
    fields = _field_branches(flt)
    sql, args = _field_sql(fields, tab, where, params)
    ids = _ids(sql, [*args, limit]) if sql else []
    message = _message_sql(flt, tab, where, params)
    if message is None or len(ids) >= limit:
        return ids[:limit]
    seen = set(ids)
    sql, args = message
    ids += [cid for cid in _ids(sql, [*args, limit + len(ids)]) if cid not in seen]
    return ids[:limit]


def _ids(sql: str, args: list) -> list[int]:
    """The ids a query ending in ``LIMIT`` finds, in its order. On SQLite as one row (a list of
    ids as text): every row handed back to Python takes the interpreter lock, and the UI thread
    holds it while it paints; a walk of a thousand rows waited for it a thousand times. (SQLite
    3.40 joins a subquery's rows in the subquery's order; DISTINCT keeps the walk's order and
    stops at the limit.)"""
    if is_sqlite():
        row = execute(f"SELECT group_concat(id) FROM ({sql} ?) w", args).fetchone()
        return [int(i) for i in row[0].split(",")] if row and row[0] else []
    return [cid for (cid,) in execute(f"{sql} ?", args)]


def count_matches(flt: Filter, tab: str, where: str, params: list, user: str, horizon: int,
                  cap: int = FILTER_CAP) -> tuple[int, int]:
    """How many claims of ``tab`` the filter's text matches, counting no further than ``cap`` + 1,
    and how many of those ``user`` has not seen since they last changed: one row back."""
    parts, args = [], []
    sql, more = _field_sql(_field_branches(flt), tab, where, params)
    if sql:
        parts.append(f"SELECT id FROM ({sql} ?) t1")
        args += [*more, cap + 1]
    message = _message_sql(flt, tab, where, params)
    if message is not None:
        parts.append(f"SELECT id FROM ({message[0]} ?) t2")
        args += [*message[1], cap + 1]
    if not parts:
        return 0, 0
    n, unread = execute(
        "SELECT COUNT(*), SUM(CASE WHEN c.changed_at > COALESCE(r.seen_at, ?) THEN 1 ELSE 0 END) "
        f"FROM ({' UNION '.join(parts)}) u JOIN claim c ON c.id = u.id "
        'LEFT JOIN read_mark r ON r.claim_id = c.id AND r."user" = ?',
        [horizon, *args, user]).fetchone()
    return n, unread or 0


def _message_sql(flt: Filter, tab: str, where: str, params: list) -> tuple[str, list] | None:
    """The claims of ``tab`` with a message matching the words, newest matching message first
    (SQL ending in ``LIMIT``: its last parameter is the limit), or None: no words to look for."""
    message = flt.message_branch()
    if message is None:
        return None
    if is_sqlite():  # the full-text index walked by rowid, newest first; DISTINCT as it goes
        return ("SELECT DISTINCT m.claim_id AS id FROM message_fts f JOIN message m ON m.id = f.rowid "
                f"JOIN claim c ON c.id = m.claim_id WHERE message_fts MATCH ? AND c.status = ?{where} "
                "ORDER BY f.rowid DESC LIMIT", [message[1], tab, *params])
    # the GIN index gives every match at once; the server groups them and keeps the newest
    return (f"SELECT m.claim_id AS id FROM message m JOIN claim c ON c.id = m.claim_id WHERE {FTS_TEST} "
            f"AND c.status = ?{where} GROUP BY m.claim_id ORDER BY MAX(m.id) DESC LIMIT", [message[1], tab, *params])


def _field_branches(flt: Filter) -> list[tuple[str, list, int]]:
    """The filter's tests of a claim's own fields, each with how many claims it finds (counting no
    further than _FEW, on its index alone); those that find none are left out (a message word
    matches no id, product or account)."""
    found = [(cond, branch, execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM claim c WHERE {cond} LIMIT {_FEW}) n",
                                    branch).fetchone()[0]) for cond, branch in flt.field_branches()]
    return [(cond, branch, n) for cond, branch, n in found if n]


def _field_sql(fields: list[tuple[str, list, int]], tab: str, where: str, params: list) -> tuple[str, list]:
    """Claims of ``tab`` matched by their own fields, latest update first (SQL ending in ``LIMIT``,
    or '' when no field matches): a few found by their indexes are collected and sorted; many are
    walked in the tab's update order until enough are found."""
    if not fields:
        return "", []
    sqlite = is_sqlite()
    order = "ORDER BY c.updated_at DESC, c.id DESC LIMIT"
    if all(n < _FEW for _, _, n in fields):
        union = " UNION ALL ".join(f"SELECT c.id FROM claim c WHERE {cond}" for cond, _, _ in fields)
        status = "+c.status" if sqlite else "c.status"  # SQLite: not the status index, the ids found
        return (f"SELECT c.id AS id FROM claim c WHERE c.id IN ({union}) AND {status} = ?{where} {order}",
                [*(p for _, branch, _ in fields for p in branch), tab, *params])
    hint = " INDEXED BY claim_status_updated_at" if sqlite else ""
    cond = " OR ".join(cond for cond, _, _ in fields)
    return (f"SELECT c.id AS id FROM claim c{hint} WHERE c.status = ? AND ({cond}){where} {order}",
            [tab, *(p for _, branch, _ in fields for p in branch), *params])
