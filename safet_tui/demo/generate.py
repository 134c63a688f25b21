"""A realistic demo database, deterministic for a seed, fast at 100k claims.

Every claim's history is made by the domain's lifecycle functions (file_claim, request_info,
reply, grant, no_grant, appeal, expire_reply): the demo picks the story (when Amazon asks, what it
decides, whether the seller answers or appeals), the lifecycle says what that means, and the
states and events it returns are what is stored. Deadlines are the marketplace policy's.

Rows are generated in Python and written with the sqlite3 cursor's
``executemany`` inside one transaction (peewee's insert_many is 4-14x slower
here), then the message full-text index is rebuilt once.
"""

from __future__ import annotations

import gc
import hashlib
import random
import string
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import peewee as pw

from safet_tui.db import (
    SQLITE_PRAGMAS,
    DbTarget,
    is_sqlite,
    meta_set,
    open_database,
    parse_db_url,
    write_transaction,
)
from safet_tui.demo import catalog as cat
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.lifecycle import Actor, ClaimState, Status
from safet_tui.domain.marketplaces import Policies
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import DENIAL_REASONS, NO_REPLY_DENIAL, REASONS
from safet_tui.domain.reasons import Reason as ReasonT

DAY = 86400
HOUR = 3600


@dataclass
class DemoResult:
    claims: int
    messages: int
    refunds: int
    seconds: float
    path: str


@dataclass
class _Rows:
    claims: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    events: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    marks: list = field(default_factory=list)


class _Random(random.Random):
    """``random.Random`` whose ``randrange`` and ``choice`` scale one ``random()`` draw (a single C
    call) instead of the library's rejection sampling over ``getrandbits`` (several Python calls):
    ~2.5M draws at 100k claims. Still deterministic for a seed. ``int(random() * n)`` is below
    ``n`` for every ``n`` up to 2**53 (``random() <= 1 - 2**-53``, and the product rounds down),
    its bias (n / 2**53) is nil at the demo's ranges; larger ranges go to the library."""

    _EXACT = 2**53

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        n = start if stop is None else stop - start
        if not 0 < n <= self._EXACT:
            return super().randrange(start, stop)
        return (0 if stop is None else start) + int(self.random() * n)

    def choice(self, seq):
        n = len(seq)
        if not 0 < n <= self._EXACT:
            return super().choice(seq)
        return seq[int(self.random() * n)]


def _order_id(rng: random.Random, prefix: tuple[str, ...]) -> str:
    return f"{rng.choice(prefix)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"


def _asin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "B0" + "".join(rng.choice(alphabet) for _ in range(8))


#: the blanks each message template has
_BLANKS = {text: tuple(name for _, name, _, _ in string.Formatter().parse(text) if name)
           for text in cat.SELLER_OPENERS + cat.SELLER_REPLIES}


class _Gen:
    def __init__(self, rng: random.Random, now: int, policies: Policies, sample_files: list[tuple]) -> None:
        self.rng = rng
        self.now = now
        self.policies = policies
        self.files = sample_files
        self.rows = _Rows()
        self.msg_id = 0
        #: the claim table has the decided_at column (time of the first decision)
        self.decided_at = False
        self.deadlines = {market: _Deadlines(policies[market]) for _, market, _ in cat.ACCOUNTS}

    def say(self, templates: tuple[str, ...]) -> str:
        """One of ``templates`` with its blanks filled."""
        return self.fill_in(self.rng.choice(templates))

    def fill_in(self, text: str, **kw) -> str:
        """``text`` with its blanks filled: from ``kw``, else drawn (only the blanks it has)."""
        rng = self.rng
        for name in _BLANKS[text]:
            if name in kw:
                continue
            if name == "what":
                kw[name] = rng.choice(cat.WHATS)
            elif name == "damage":
                kw[name] = rng.choice(cat.DAMAGES)
            elif name == "why":
                kw[name] = rng.choice(cat.WHYS)
            elif name == "tracking":
                kw[name] = f"1Z{rng.randrange(10**9, 10**10)}{rng.randrange(10**5, 10**6)}"
            elif name == "rma":
                kw[name] = f"D{rng.randrange(10**5, 10**6)}RMA"
            elif name == "days":
                kw[name] = rng.randrange(31, 60)
        return text.format(**kw) if kw else text

    def msg(self, cid: int, side: str, kind: str, body: str, at: int, attach: bool = False) -> None:
        """A message; its author is its side (the demo's users are "seller" and "amazon")."""
        self.msg_id += 1
        self.rows.messages.append((self.msg_id, cid, side, kind, body, at))
        if attach:
            # one or two different files
            rng, files = self.rng, self.files
            i = rng.randrange(len(files))
            picked = (files[i],)
            if rng.getrandbits(1):
                j = rng.randrange(len(files) - 1)
                picked += (files[j + (j >= i)],)
            for name, size, sha, media in picked:
                self.rows.attachments.append((cid, self.msg_id, name, size, sha, media, at))


def _sample_files(store, rng: random.Random) -> list[tuple]:
    """A handful of small files in the attachment store for demo threads to point at."""
    names = [("label-photo.jpg", "image/jpeg"), ("package-front.jpg", "image/jpeg"),
             ("proof-of-delivery.pdf", "application/pdf"), ("invoice.pdf", "application/pdf"),
             ("unboxing.mp4", "video/mp4"), ("carrier-scan.png", "image/png")]
    out = []
    for name, media in names:
        data = (f"safet demo file {name}\n".encode()) + bytes(rng.randrange(256) for _ in range(rng.randrange(2000, 60000)))
        sha = hashlib.sha256(data).hexdigest()
        dest = store / sha[:2] / sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            dest.write_bytes(data)
        out.append((name, len(data), sha, media))
    return out


def generate(target: DbTarget | str | None, claims: int = 2000, seed: int = 7, now: datetime | None = None,
             policies: Policies | None = None, progress=None, lock_wait: float = 30.0) -> DemoResult:
    """Fill an empty database with ``claims`` claims (~10 messages each) and claimable refunds.

    Waits up to ``lock_wait`` seconds for another writer (then :class:`~safet_tui.db.DatabaseBusy`)."""
    started = time.perf_counter()
    target = target if isinstance(target, DbTarget) else parse_db_url(target)
    database = open_database(target)
    if not is_sqlite(database):
        raise ValueError("the demo generator writes SQLite databases; use a file path")
    if database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]:
        raise ValueError(f"{target} already holds claims; choose another --db or use --replace")
    policies = policies or Policies()
    now_dt = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    now_ts = int(now_dt.timestamp())
    rng = _Random(seed)
    files = _sample_files(target.attachments_dir, rng)
    gen = _Gen(rng, now_ts, policies, files)
    gen.decided_at = "decided_at" in {row[1] for row in database.execute_sql("PRAGMA table_info(claim)")}

    accounts, products = [], []
    conn = database.connection()
    # Bulk load: a rollback journal (a new file has nothing to roll back to, so it stays tiny)
    # instead of WAL, which would write every page twice; secondary indexes are dropped and
    # built once at the end (sorting is far cheaper than 1M random b-tree inserts); rows are
    # written in chunks so memory stays flat. The data is identical to a row-by-row load.
    # SQLite refuses to leave WAL, at once, while another connection has the file open (a desk):
    # then the load stays in WAL, slower, and waits for the write lock like any other writer.
    left_wal = _leave_wal(database)
    database.execute_sql("PRAGMA synchronous = OFF")
    database.execute_sql("PRAGMA cache_size = -262144")
    counted = {"messages": 0, "refunds": 0}
    try:
        with write_transaction(database, lock_wait):
            if database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]:  # filled meanwhile
                raise ValueError(f"{target} already holds claims; choose another --db or use --replace")
            indexes = _drop_indexes(database)
            cur = conn.cursor()
            for i, (name, market, currency) in enumerate(cat.ACCOUNTS, start=1):
                cur.execute("INSERT INTO account (id, name, marketplace, currency) VALUES (?, ?, ?, ?)",
                            (i, name, market, currency))
                accounts.append((i, market, currency))
            pid = 0
            for acc_id, market, _ in accounts:
                catalog = cat.US_PRODUCTS if market == "amazon.com" else cat.IN_PRODUCTS
                plist = []
                for sku, title, price in catalog:
                    pid += 1
                    cur.execute("INSERT INTO product (id, account_id, sku, asin, title) VALUES (?, ?, ?, ?, ?)",
                                (pid, acc_id, sku, _asin(rng), title))
                    plist.append((pid, sku, title, price))
                products.append(plist)

            claim_nos = rng.sample(range(3_400_000_000, 3_500_000_000), claims)
            # millions of short-lived objects and no cycles among them: the cyclic collector would
            # only walk the growing row lists over and over
            collecting = gc.isenabled()
            gc.disable()
            try:
                for i in range(claims):
                    acc = 0 if rng.random() < 0.7 else 1
                    _claim(gen, i + 1, str(claim_nos[i]), accounts[acc], products[acc])
                    if progress and i % 10000 == 0:
                        progress(i, claims)
                    if len(gen.rows.messages) >= _CHUNK_MESSAGES:
                        _write(cur, _take(gen, counted), gen.decided_at)
            finally:
                if collecting:
                    gc.enable()
            _claimable(gen, claims, accounts, products)
            _write(cur, _take(gen, counted), gen.decided_at)
            for sql in indexes:
                cur.execute(sql)
            # a 16 MB term buffer for the one rebuild (the default 1 MB flushes ~100x more segments
            # that FTS5 then merges: 30% slower), then back to the default for the desk's writes
            cur.execute("INSERT INTO message_fts(message_fts, rank) VALUES ('hashsize', ?)", (16 * 2**20,))
            cur.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
            cur.execute("INSERT INTO message_fts(message_fts, rank) VALUES ('hashsize', ?)", (2**20,))
            # Changes of the last day and a half show as unread for everyone who has not opened them
            # (a seller back after a day off: the fresh information requests stand out).
            meta_set("unread_horizon", str(now_ts - 36 * HOUR))
            meta_set("demo_seed", str(seed))
            database.execute_sql("ANALYZE")
    finally:
        database.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        if left_wal:
            _set_journal_mode(database, SQLITE_PRAGMAS["journal_mode"])
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return DemoResult(claims, counted["messages"], counted["refunds"], time.perf_counter() - started, str(target))


def _set_journal_mode(database, mode: str) -> bool:
    """Switch the journal mode; False when SQLite refuses because another connection has the file
    open ("database is locked", at once: the busy timeout does not apply)."""
    try:
        database.execute_sql(f"PRAGMA journal_mode = {mode}")
    except pw.OperationalError as exc:
        if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
            raise
        return False
    return True


def _leave_wal(database) -> bool:
    """A rollback journal for the bulk load, when the file is ours alone; True if switched."""
    current = database.execute_sql("PRAGMA journal_mode").fetchone()[0]
    return current.lower() == "wal" and _set_journal_mode(database, "DELETE")


#: rows are written every ~100k messages (~10k claims): flat memory, few executemany calls
_CHUNK_MESSAGES = 100_000
_BULK_TABLES = ("claim", "refund", "message", "attachment", "status_event")


def _drop_indexes(database) -> list[str]:
    """Drop the bulk tables' indexes; return the statements that recreate them exactly."""
    marks = ",".join("?" * len(_BULK_TABLES))
    rows = database.execute_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
        " ORDER BY rowid", _BULK_TABLES).fetchall()
    for name, _ in rows:
        database.execute_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _take(gen: _Gen, counted: dict) -> _Rows:
    rows, gen.rows = gen.rows, _Rows()
    counted["messages"] += len(rows.messages)
    counted["refunds"] += len(rows.refunds)
    return rows


def _write(cur, r: _Rows, decided_at: bool) -> None:
    cur.executemany(
        "INSERT INTO claim (id, claim_no, account_id, product_id, order_id, order_item_id, reason, description,"
        " status, outcome, denial_reason, currency, claimed_minor, reimbursed_minor, filed_at, updated_at,"
        " changed_at, reply_by, appeal_by, appeal_used, appeal_decided, due_at, paid_minor, "
        + ("decided_at, deadline_estimated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)"
           if decided_at else "deadline_estimated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)"),
        r.claims)
    cur.executemany(
        "INSERT INTO refund (account_id, product_id, order_id, order_item_id, return_reason, currency,"
        " amount_minor, refund_at, delivered_at, file_by, basis, claim_id, created_at, order_minor, not_claimable)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?7,'')", r.refunds)  # full refunds: order = refund
    cur.executemany(
        "INSERT INTO message (id, claim_id, side, kind, author, body, created_at) VALUES (?1,?2,?3,?4,?3,?5,?6)",
        r.messages)
    cur.executemany(
        'INSERT INTO status_event (claim_id, at, actor, "user", action, from_status, to_status, note)'
        " VALUES (?,?,?,'demo',?,?,?,?)", r.events)
    cur.executemany(
        "INSERT INTO attachment (claim_id, message_id, name, size, sha256, media_type, created_at)"
        " VALUES (?,?,?,?,?,?,?)", r.attachments)


#: which of the catalog's openers tells each reason's story
_OPENER = {"different": 0, "unsellable": 1, "not_returned": 2, "never_arrived": 3, "replacement_refunded": 4,
           "label_refunded": 5, "outside_window": 6, "abuse": 7}

#: reasons Amazon gives when it denies a claim it decided on (a missed reply-by is not one of them:
#: that denial comes from the lifecycle's expire_reply, on claims whose last request went unanswered)
_DENIALS = tuple(r for r in DENIAL_REASONS if r != NO_REPLY_DENIAL)
_DENIAL_WEIGHTS = tuple(w for r, w in zip(DENIAL_REASONS, (30, 8, 14, 10, 6, 4, 18, 10), strict=True)
                        if r != NO_REPLY_DENIAL)
#: the reason an appeal of a partial grant is turned down with (the partial grant stands)
_UPHELD = "Original decision upheld"
#: share of resolved claims whose last information request went unanswered (Amazon's rule closed them)
_NO_REPLY_SHARE = 0.05


def _reason_opener(reason: ReasonT) -> str:
    return cat.SELLER_OPENERS[_OPENER[reason.code]]


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


_fromts = datetime.fromtimestamp


@cache
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%b %d, %Y")


@cache
def _money(minor: int, currency: str) -> Money:
    """Amounts repeat across claims (a catalog of prices); Money is immutable."""
    return Money.from_minor(minor, currency)


class _Life:
    """One claim's history. Every step is taken by the domain's lifecycle functions; the events
    they return become the claim's status_event rows and the last state its stored columns, so the
    demo never states a status, outcome, deadline or appeal flag by itself."""

    __slots__ = ("events", "cid", "state", "changed", "decided")

    def __init__(self, events: list, cid: int, claimed: Money, at: int) -> None:
        self.events, self.cid, self.decided = events, cid, None
        when = _fromts(at, UTC)
        self._take(lc.file_claim(claimed, when), when, at)

    def _take(self, step: tuple[ClaimState, lc.Event | None], when: datetime, at: int) -> None:
        """Take the step: its state is the claim's now, its event (if any) a status_event row.
        ``when``/``at``: the time the step was asked for, as a datetime and in epoch seconds."""
        self.state, ev = step
        if ev is None:
            return
        if ev.at is not when:  # an event at another time than asked (expire_reply's reply-by)
            at = int(ev.at.timestamp())
        # the enums' values as plain strings (sqlite3 binds a str subclass 2x slower)
        frm = ev.from_status
        self.events.append((self.cid, at, ev.actor._value_, ev.action, frm and frm._value_,
                            ev.to_status._value_, ev.note))
        self.changed = at
        if self.decided is None and ev.action in _FIRST_DECISIONS:
            self.decided = at

    def request_info(self, at: int, reply_by: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.request_info(self.state, _AMAZON, when, _fromts(reply_by, UTC)), when, at)

    def reply(self, at: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.reply(self.state, _SELLER, when), when, at)

    def grant(self, at: int, minor: int, appeal_by: int | None) -> None:
        when = _fromts(at, UTC)
        self._take(lc.grant(self.state, _AMAZON, when, _money(minor, self.state.claimed.currency),
                            None if appeal_by is None else _dt(appeal_by)), when, at)

    def no_grant(self, at: int, reason: str, appeal_by: int | None) -> None:
        when = _fromts(at, UTC)
        self._take(lc.no_grant(self.state, _AMAZON, when, reason, None if appeal_by is None else _dt(appeal_by)),
                   when, at)

    def appeal(self, at: int) -> None:
        when = _fromts(at, UTC)
        self._take(lc.appeal(self.state, _SELLER, when), when, at)

    def expire_reply(self, now: int, appeal_by: int) -> None:
        when = _fromts(now, UTC)
        self._take(lc.expire_reply(self.state, when, _dt(appeal_by)), when, now)


class _Deadlines:
    """A marketplace policy's reply-by and appeal-by, in epoch seconds, exactly as the policy
    computes them, memoized per 15-minute slot: within a slot aligned to UTC quarter hours the
    policy adds the same number of seconds (time zones change offset and start their days on
    quarter hours, so the local weekday, the offset before and the offset after are the same for
    every instant of the slot). ~400k deadlines at 100k claims, ~10x fewer policy calls."""

    __slots__ = ("policy", "_reply", "_appeal")

    SLOT = 900

    def __init__(self, policy) -> None:
        self.policy = policy
        self._reply: dict[int, int] = {}
        self._appeal: dict[int, int] = {}

    def reply_by(self, ts: int) -> int:
        slot = ts // self.SLOT
        delta = self._reply.get(slot)
        if delta is None:
            start = slot * self.SLOT
            delta = self._reply[slot] = int(self.policy.reply_by(_dt(start)).timestamp()) - start
        return ts + delta

    def appeal_by(self, ts: int) -> int:
        slot = ts // self.SLOT
        delta = self._appeal.get(slot)
        if delta is None:
            start = slot * self.SLOT
            delta = self._appeal[slot] = int(self.policy.appeal_by(_dt(start)).timestamp()) - start
        return ts + delta


_AMAZON, _SELLER = Actor.AMAZON, Actor.SELLER
_FIRST_DECISIONS = frozenset({"grant", "no_grant"})


def _claim(g: _Gen, cid: int, claim_no: str, account: tuple, plist: list) -> None:
    rng, now = g.rng, g.now
    acc_id, market, currency = account
    policy = g.policies[market]
    deadlines = g.deadlines[market]
    pid, sku, title, price = rng.choice(plist)
    qty_price = price * rng.choice((1, 1, 1, 1, 2))
    reason = rng.choice(REASONS)
    order_prefix = ("111", "112", "113", "114") if market == "amazon.com" else ("402", "403", "404", "171")
    order_id = _order_id(rng, order_prefix)
    item_id = str(rng.randrange(10**13, 10**14))
    roll = rng.random()
    # the story to tell: where the claim should stand at "now" (the lifecycle decides where it does)
    story = Status.AWAITING if roll < 0.12 else Status.INVESTIGATING if roll < 0.30 else Status.RESOLVED

    # When was it filed? Open claims are recent; resolved ones spread over the year.
    if story is Status.RESOLVED:
        filed = now - rng.randrange(6 * DAY, 360 * DAY)
    else:
        filed = now - rng.randrange(1 * HOUR, 40 * DAY)
    delivered = filed - rng.randrange(1 * DAY, 6 * DAY)
    refund_at = delivered - rng.randrange(0, 3 * DAY)
    g.rows.refunds.append((acc_id, pid, order_id, item_id, rng.choice(cat.RETURN_REASONS), currency, qty_price,
                           refund_at, delivered, None, "", cid, refund_at))

    description = g.fill_in(_reason_opener(reason), title=title.lower(), date=_day(delivered // DAY))
    g.msg(cid, "seller", "message", description, filed, attach=bool(reason.evidence))
    life = _Life(g.rows.events, cid, _money(qty_price, currency), filed)
    # Amazon acknowledges within hours, but never after "now" for a claim filed minutes ago.
    t = min(filed + rng.randrange(HOUR, 12 * HOUR), filed + max(60, (now - filed) // 2))
    g.msg(cid, "amazon", "message", rng.choice(cat.AMAZON_ACKS), t)

    def ask(at: int) -> int:
        """An information request at ``at``; its reply-by is the policy's. Returns the reply-by."""
        g.msg(cid, "amazon", "info_request", rng.choice(cat.AMAZON_INFO_REQUESTS), at)
        reply_by = deadlines.reply_by(at)
        life.request_info(at, reply_by)
        return reply_by

    def answer(at: int, attach: bool = False) -> None:
        g.msg(cid, "seller", "message", g.say(cat.SELLER_REPLIES), at, attach=attach)
        life.reply(at)

    # A long tail of long threads; about ten messages per claim on average.
    rounds = rng.choice((1, 1, 2, 2, 3, 3, 4, 5)) if rng.random() > 0.002 else 95
    # some claims under investigation are appeals of a recent decision, waiting for Amazon's answer
    appealing = story is Status.INVESTIGATING and now - filed > 6 * DAY and rng.random() < 0.15
    if story is Status.RESOLVED:
        end = min(now - DAY, filed + rng.randrange(5 * DAY, 40 * DAY))
    elif appealing:
        end = now - rng.randrange(2 * DAY, 5 * DAY)
    else:
        end = now
    step = max(HOUR, (end - t) // (rounds * 2 + 3))
    reply_by = 0
    for r in range(rounds):
        t += rng.randrange(step // 2 + 1, step + 1)
        if t >= end - 2 * HOUR:
            break
        reply_by = ask(t)
        if story is Status.AWAITING and r == rounds - 1:
            break
        # sellers answer in time (an unanswered request is its own story, below)
        t = min(t + rng.randrange(step // 4 + 1, step // 2 + 2), reply_by - rng.randrange(HOUR, 6 * HOUR))
        answer(t, attach=rng.random() < 0.5)
        if rng.random() < 0.3:
            g.msg(cid, "seller", "note", rng.choice(cat.SELLER_NOTES), t + 600)
    if story is Status.AWAITING:
        if life.state.status is Status.AWAITING and reply_by < now:
            # That request was answered long ago; Amazon asked again recently.
            t = min(t + rng.randrange(HOUR, DAY), now - 3 * HOUR)
            answer(t)
        if life.state.status is not Status.AWAITING:
            # A recent information request: its reply-by is still ahead, some of them very close.
            asked = now - rng.randrange(HOUR, max(2 * HOUR, policy.reply_days * DAY - 2 * HOUR))
            # never before the thread's last message (a claim filed an hour ago has a short thread)
            ask(min(max(asked, t + 60), now - 30))
    elif appealing:
        decided = max(t + HOUR, end)
        _decide(g, life, decided, qty_price, currency, reason, deadlines.appeal_by(decided), appealable=True)
        _maybe_appeal(g, life, decided, qty_price, currency, 0, share=1.0, pending=True)
    elif story is Status.INVESTIGATING:
        if life.state.status is Status.AWAITING:
            answer(t + HOUR)
    else:
        decided = max(t + HOUR, end)
        missed = 0
        if life.state.status is Status.INVESTIGATING and rng.random() < _NO_REPLY_SHARE:
            # Amazon asked once more and the seller never answered: no reply by the reply-by is a
            # No-Grant at that time (Amazon's rule), with the appeal window counted from it.
            asked = min(t + rng.randrange(HOUR, max(2 * HOUR, end - t)), decided)
            if deadlines.reply_by(asked) < now - HOUR:
                missed = ask(asked)
        if missed:
            life.expire_reply(now, deadlines.appeal_by(missed))
            g.msg(cid, "amazon", "decision", rng.choice(cat.NO_REPLY_TEXTS), missed)
            decided = missed
        else:
            if life.state.status is Status.AWAITING:
                answer(decided - HOUR)
            _decide(g, life, decided, qty_price, currency, reason, deadlines.appeal_by(decided))
        _maybe_appeal(g, life, decided, qty_price, currency, missed)
    if life.state.status is Status.AWAITING and life.state.reply_by.timestamp() <= now:
        # (not a story the demo tells, but whatever a policy's reply window: no claim awaits a
        # reply past its reply-by at "now", Amazon's rule has closed it)
        missed = int(life.state.reply_by.timestamp())
        life.expire_reply(now, deadlines.appeal_by(missed))
        g.msg(cid, "amazon", "decision", rng.choice(cat.NO_REPLY_TEXTS), missed)
    s = life.state
    reply_by = None if s.reply_by is None else int(s.reply_by.timestamp())
    appeal_by = None if s.appeal_by is None else int(s.appeal_by.timestamp())
    reimbursed = None if s.reimbursed is None else s.reimbursed.minor
    changed = life.changed
    row = (
        cid, claim_no, acc_id, pid, order_id, item_id, reason.code, description, s.status._value_,
        s.outcome and s.outcome._value_,
        s.denial_reason, currency, qty_price, reimbursed, filed, changed, changed, reply_by, appeal_by,
        int(s.appeal_used), int(s.appeal_decided),
        lc.deadline_of(s.status, s.outcome, reply_by, appeal_by, s.appeal_used, now=now),
        reimbursed if (s.status is Status.RESOLVED and reimbursed and now - changed > 5 * DAY) else 0,
    )
    g.rows.claims.append(row + (life.decided,) if g.decided_at else row)


def _maybe_appeal(g: _Gen, life: _Life, decided: int, price: int, currency: str, missed: int,
                  share: float = 0.25, pending: bool = False) -> None:
    """A quarter of the decisions that can be appealed were appealed in time (before now); most
    appeals are decided, the recent ones still pending."""
    rng, now = g.rng, g.now
    s = life.state
    if not s.can_still_appeal_in_principle or rng.random() >= share:
        return
    last = min(int(s.appeal_by.timestamp()), now - HOUR)
    if last <= decided + 2 * HOUR:
        return
    ta = decided + rng.randrange(HOUR, last - decided)
    texts = cat.LATE_REPLY_APPEAL_TEXTS if missed else cat.APPEAL_TEXTS
    g.msg(life.cid, "seller", "appeal", rng.choice(texts), ta, attach=True)
    life.appeal(ta)
    td = ta + rng.randrange(2 * DAY, 12 * DAY)
    if td >= now or pending:
        return  # pending: Amazon is looking at it again
    reimbursed = life.state.reimbursed.minor if life.state.reimbursed is not None else 0
    if rng.random() < 0.4:
        amount = price if rng.random() < 0.7 else price * rng.choice((60, 70, 75)) // 100
        amount = price if amount <= reimbursed else amount  # an appeal granted pays more, never less
        life.grant(td, amount, None)
        body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(amount, currency))
    else:
        life.no_grant(td, life.state.denial_reason or _UPHELD, None)
        body = rng.choice(cat.DENIAL_TEXTS).format(reason=life.state.denial_reason.lower())
    g.msg(life.cid, "amazon", "decision", "Appeal decided. " + body, td)


@cache
def _fmt(minor: int, currency: str) -> str:
    """Money as text for message bodies (babel is slow; amounts repeat across claims)."""
    from safet_tui.domain.money import format_money

    return format_money(_money(minor, currency))


def _decide(g: _Gen, life: _Life, t: int, price: int, currency: str, reason: ReasonT, appeal_by: int,
            appealable: bool = False) -> None:
    """Amazon's first decision: which one is the demo's choice, what it means is the lifecycle's.
    ``appealable``: not a full grant (a decision the seller goes on to appeal)."""
    rng = g.rng
    roll = rng.random()
    if appealable:
        roll = 0.5 + roll / 2
    damaged = reason.code in ("unsellable", "abuse")
    if roll < (0.35 if damaged else 0.5):
        life.grant(t, price, appeal_by)
        body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(price, currency))
    elif roll < (0.65 if damaged else 0.6):
        amount = price * rng.choice((40, 42, 45, 50, 60)) // 100
        life.grant(t, amount, appeal_by)
        body = rng.choice(cat.PARTIAL_TEXTS).format(amount=_fmt(amount, currency))
    else:
        denial = rng.choices(_DENIALS, weights=_DENIAL_WEIGHTS)[0]
        life.no_grant(t, denial, appeal_by)
        body = rng.choice(cat.DENIAL_TEXTS).format(reason=denial.lower())
    g.msg(life.cid, "amazon", "decision", body, t)


def _claimable(g: _Gen, claims: int, accounts: list, products: list) -> None:
    """Refunds not yet claimed: some about to expire, some already lost."""
    rng, now = g.rng, g.now
    n = max(12, claims // 8)
    for _ in range(n):
        acc = 0 if rng.random() < 0.7 else 1
        acc_id, market, currency = accounts[acc]
        policy = g.policies[market]
        pid, sku, title, price = rng.choice(products[acc])
        window = policy.filing_days * DAY
        # a third already expired, the rest spread across the window, many near its end
        if rng.random() < 0.33:
            basis = now - window - rng.randrange(DAY, 90 * DAY)
        elif rng.random() < 0.4:
            basis = now - window + rng.randrange(HOUR, 3 * DAY)
        else:
            basis = now - rng.randrange(HOUR, window)
        delivered = basis
        refund_at = basis - rng.randrange(0, 2 * DAY)
        file_by = policy.file_by(datetime.fromtimestamp(refund_at, UTC), datetime.fromtimestamp(delivered, UTC))
        prefix = ("111", "112", "113", "114") if market == "amazon.com" else ("402", "403", "404", "171")
        _, why = policy.filing_basis_at(datetime.fromtimestamp(refund_at, UTC), datetime.fromtimestamp(delivered, UTC))
        g.rows.refunds.append((acc_id, pid, _order_id(rng, prefix), str(rng.randrange(10**13, 10**14)),
                               rng.choice(cat.RETURN_REASONS), currency, price, refund_at, delivered,
                               int(file_by.timestamp()), why, None, refund_at))


def default_demo_path():
    from pathlib import Path

    from platformdirs import user_data_dir

    return Path(user_data_dir("safet")) / "demo.db"


def replace_database(target: DbTarget) -> None:
    """Remove a demo database file (and its WAL, SHM and attachment store)."""
    import shutil

    if target.path is None:
        raise ValueError("only a database file can be replaced")
    for suffix in ("", "-wal", "-shm"):
        p = target.path.with_name(target.path.name + suffix)
        if p.exists():
            p.unlink()
    shutil.rmtree(target.attachments_dir, ignore_errors=True)

