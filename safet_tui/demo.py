"""A realistic demo database, deterministic for a seed, fast at 100k claims.

Rows are generated in Python and written with the sqlite3 cursor's
``executemany`` inside one transaction (peewee's insert_many is 4-14x slower
here), then the message full-text index is rebuilt once.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from . import demo_catalog as cat
from .db import SQLITE_PRAGMAS, DbTarget, is_sqlite, meta_set, open_database, parse_db_url
from .domain.lifecycle import Outcome, Status
from .domain.marketplaces import Policies
from .domain.reasons import DENIAL_REASONS, REASONS
from .domain.reasons import Reason as ReasonT

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
    """``random.Random`` with ``randrange`` and ``choice`` written out for integer ranges: the
    same numbers for the same seed (the same ``getrandbits`` draws as the library's), without
    its argument checks and two extra Python calls per draw (~1.5M draws at 100k claims)."""

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            start, n = 0, start
        else:
            n = stop - start
        if n <= 0:
            raise ValueError(f"empty range for randrange({start}, {stop})")
        getrandbits = self.getrandbits
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return start + r

    def choice(self, seq):
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        getrandbits = self.getrandbits
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]


def _order_id(rng: random.Random, prefix: tuple[str, ...]) -> str:
    return f"{rng.choice(prefix)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"


def _asin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return "B0" + "".join(rng.choice(alphabet) for _ in range(8))


class _Gen:
    def __init__(self, rng: random.Random, now: int, policies: Policies, sample_files: list[tuple]) -> None:
        self.rng = rng
        self.now = now
        self.policies = policies
        self.files = sample_files
        self.rows = _Rows()
        self.msg_id = 0

    def fill(self, **kw) -> dict:
        rng = self.rng
        return dict(
            what=rng.choice(cat.WHATS), damage=rng.choice(cat.DAMAGES), why=rng.choice(cat.WHYS),
            tracking=f"1Z{rng.randrange(10**9, 10**10)}{rng.randrange(10**5, 10**6)}",
            rma=f"D{rng.randrange(10**5, 10**6)}RMA", days=rng.randrange(31, 60), **kw,
        )

    def msg(self, cid: int, side: str, kind: str, author: str, body: str, at: int, attach: bool = False) -> None:
        self.msg_id += 1
        self.rows.messages.append((self.msg_id, cid, side, kind, author, body, at))
        if attach:
            for name, size, sha, media in self.rng.sample(self.files, self.rng.randint(1, 2)):
                self.rows.attachments.append((cid, self.msg_id, name, size, sha, media, at))

    def event(self, cid: int, at: int, actor: str, action: str, frm: str | None, to: str, note: str = "") -> None:
        self.rows.events.append((cid, at, actor, "demo", action, frm, to, note))


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
             policies: Policies | None = None, progress=None) -> DemoResult:
    """Fill an empty database with ``claims`` claims (~10 messages each) and claimable refunds."""
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

    accounts, products = [], []
    conn = database.connection()
    # Bulk load: a rollback journal (a new file has nothing to roll back to, so it stays tiny)
    # instead of WAL, which would write every page twice; secondary indexes are dropped and
    # built once at the end (sorting is far cheaper than 1M random b-tree inserts); rows are
    # written in chunks so memory stays flat. The data is identical to a row-by-row load.
    database.execute_sql("PRAGMA journal_mode = DELETE")
    database.execute_sql("PRAGMA synchronous = OFF")
    database.execute_sql("PRAGMA cache_size = -262144")
    counted = {"messages": 0, "refunds": 0}
    try:
        with database.atomic():
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
            for i in range(claims):
                acc = 0 if rng.random() < 0.7 else 1
                _claim(gen, i + 1, str(claim_nos[i]), accounts[acc], products[acc])
                if progress and i % 10000 == 0:
                    progress(i, claims)
                if len(gen.rows.messages) >= _CHUNK_MESSAGES:
                    _write(cur, _take(gen, counted))
            _claimable(gen, claims, accounts, products)
            _write(cur, _take(gen, counted))
            for sql in indexes:
                cur.execute(sql)
            cur.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
            # Changes of the last day and a half show as unread for everyone who has not opened them
            # (a seller back after a day off: the fresh information requests stand out).
            meta_set("unread_horizon", str(now_ts - 36 * HOUR))
            meta_set("demo_seed", str(seed))
        database.execute_sql("ANALYZE")
    finally:
        database.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        database.execute_sql(f"PRAGMA journal_mode = {SQLITE_PRAGMAS['journal_mode']}")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return DemoResult(claims, counted["messages"], counted["refunds"], time.perf_counter() - started, str(target))


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


def _write(cur, r: _Rows) -> None:
    cur.executemany(
        "INSERT INTO claim (id, claim_no, account_id, product_id, order_id, order_item_id, reason, description,"
        " status, outcome, denial_reason, currency, claimed_minor, reimbursed_minor, filed_at, updated_at,"
        " changed_at, reply_by, appeal_by, appeal_used, appeal_decided, due_at, paid_minor, deadline_estimated)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)", r.claims)
    cur.executemany(
        "INSERT INTO refund (account_id, product_id, order_id, order_item_id, return_reason, currency,"
        " amount_minor, refund_at, delivered_at, file_by, basis, claim_id, created_at, order_minor, not_claimable)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?7,'')", r.refunds)  # full refunds: order = refund
    cur.executemany(
        "INSERT INTO message (id, claim_id, side, kind, author, body, created_at) VALUES (?,?,?,?,?,?,?)",
        r.messages)
    cur.executemany(
        'INSERT INTO status_event (claim_id, at, actor, "user", action, from_status, to_status, note)'
        " VALUES (?,?,?,?,?,?,?,?)", r.events)
    cur.executemany(
        "INSERT INTO attachment (claim_id, message_id, name, size, sha256, media_type, created_at)"
        " VALUES (?,?,?,?,?,?,?)", r.attachments)


#: which of the catalog's openers tells each reason's story
_OPENER = {"different": 0, "unsellable": 1, "not_returned": 2, "never_arrived": 3, "replacement_refunded": 4,
           "label_refunded": 5, "outside_window": 6, "abuse": 7}


def _reason_opener(reason: ReasonT) -> str:
    return cat.SELLER_OPENERS[_OPENER[reason.code]]


def _claim(g: _Gen, cid: int, claim_no: str, account: tuple, plist: list) -> None:
    rng, now = g.rng, g.now
    acc_id, market, currency = account
    policy = g.policies[market]
    pid, sku, title, price = rng.choice(plist)
    qty_price = price * rng.choice((1, 1, 1, 1, 2))
    reason = rng.choice(REASONS)
    order_prefix = ("111", "112", "113", "114") if market == "amazon.com" else ("402", "403", "404", "171")
    order_id = _order_id(rng, order_prefix)
    item_id = str(rng.randrange(10**13, 10**14))
    roll = rng.random()
    status = Status.AWAITING if roll < 0.12 else Status.INVESTIGATING if roll < 0.30 else Status.RESOLVED

    # When was it filed? Open claims are recent; resolved ones spread over the year.
    if status is Status.RESOLVED:
        filed = now - rng.randrange(6 * DAY, 360 * DAY)
    else:
        filed = now - rng.randrange(1 * HOUR, 40 * DAY)
    delivered = filed - rng.randrange(1 * DAY, 6 * DAY)
    refund_at = delivered - rng.randrange(0, 3 * DAY)
    g.rows.refunds.append((acc_id, pid, order_id, item_id, rng.choice(cat.RETURN_REASONS), currency, qty_price,
                           refund_at, delivered, None, "", cid, refund_at))

    words = g.fill(title=title.lower(), date=datetime.fromtimestamp(delivered, UTC).strftime("%b %d, %Y"))
    description = _reason_opener(reason).format(**words)
    g.msg(cid, "seller", "message", "seller", description, filed, attach=bool(reason.evidence))
    g.event(cid, filed, "seller", "file", None, Status.INVESTIGATING.value)
    # Amazon acknowledges within hours, but never after "now" for a claim filed minutes ago.
    t = min(filed + rng.randrange(HOUR, 12 * HOUR), filed + max(60, (now - filed) // 2))
    g.msg(cid, "amazon", "message", "amazon", rng.choice(cat.AMAZON_ACKS), t)

    # A long tail of long threads; about ten messages per claim on average.
    rounds = rng.choice((1, 1, 2, 2, 3, 3, 4, 5)) if rng.random() > 0.002 else 95
    end = now if status is not Status.RESOLVED else min(now - DAY, filed + rng.randrange(5 * DAY, 40 * DAY))
    state = Status.INVESTIGATING.value
    reply_by = appeal_by = due = None
    outcome = denial = None
    reimbursed = None
    appeal_used = appeal_decided = False
    step = max(HOUR, (end - t) // (rounds * 2 + 3))
    for r in range(rounds):
        t += rng.randrange(step // 2 + 1, step + 1)
        if t >= end - 2 * HOUR:
            break
        g.msg(cid, "amazon", "info_request", "amazon", rng.choice(cat.AMAZON_INFO_REQUESTS), t)
        g.event(cid, t, "amazon", "request_info", state, Status.AWAITING.value)
        last_request = t
        state = Status.AWAITING.value
        if status is Status.AWAITING and r == rounds - 1:
            break
        t += rng.randrange(step // 4 + 1, step // 2 + 2)
        g.msg(cid, "seller", "message", "seller", rng.choice(cat.SELLER_REPLIES).format(**g.fill()), t,
              attach=rng.random() < 0.5)
        g.event(cid, t, "seller", "reply", state, Status.INVESTIGATING.value)
        state = Status.INVESTIGATING.value
        if rng.random() < 0.3:
            g.msg(cid, "seller", "note", "seller", rng.choice(cat.SELLER_NOTES), t + 600)
    if status is Status.AWAITING:
        if state != Status.AWAITING.value:
            # Recent information request: its reply-by is still ahead, some of them very close.
            policy_days = policy.reply_days
            last_request = now - rng.randrange(HOUR, max(2 * HOUR, policy_days * DAY - 2 * HOUR))
            # never before the thread's last message (a claim filed an hour ago has a short thread)
            last_request = min(max(last_request, t + 60), now - 30)
            g.msg(cid, "amazon", "info_request", "amazon", rng.choice(cat.AMAZON_INFO_REQUESTS), last_request)
            g.event(cid, last_request, "amazon", "request_info", state, Status.AWAITING.value)
        reply_by = int(policy.reply_by(datetime.fromtimestamp(last_request, UTC)).timestamp())
        if reply_by < now:
            # That request was answered long ago; Amazon asked again recently, and the reply-by
            # is the policy's from that new request (deadlines are never made up).
            answered = min(last_request + rng.randrange(HOUR, DAY), now - 3 * HOUR)
            g.msg(cid, "seller", "message", "seller", rng.choice(cat.SELLER_REPLIES).format(**g.fill()), answered)
            g.event(cid, answered, "seller", "reply", Status.AWAITING.value, Status.INVESTIGATING.value)
            last_request = now - rng.randrange(HOUR, max(2 * HOUR, policy.reply_days * DAY - 2 * HOUR))
            last_request = min(max(last_request, answered + 60), now - 30)
            g.msg(cid, "amazon", "info_request", "amazon", rng.choice(cat.AMAZON_INFO_REQUESTS), last_request)
            g.event(cid, last_request, "amazon", "request_info", Status.INVESTIGATING.value, Status.AWAITING.value)
            reply_by = int(policy.reply_by(datetime.fromtimestamp(last_request, UTC)).timestamp())
        due = reply_by
        changed = last_request
        state = Status.AWAITING.value
    elif status is Status.INVESTIGATING:
        changed = t
        if state == Status.AWAITING.value:
            t += HOUR
            g.msg(cid, "seller", "message", "seller", rng.choice(cat.SELLER_REPLIES).format(**g.fill()), t)
            g.event(cid, t, "seller", "reply", state, Status.INVESTIGATING.value)
            changed = t
        state = Status.INVESTIGATING.value
    else:
        t = max(t + HOUR, end)
        if state == Status.AWAITING.value:
            g.msg(cid, "seller", "message", "seller", rng.choice(cat.SELLER_REPLIES).format(**g.fill()), t - HOUR)
            g.event(cid, t - HOUR, "seller", "reply", state, Status.INVESTIGATING.value)
        state, outcome, denial, reimbursed = _decide(g, cid, t, qty_price, currency, reason)
        appeal_by = int(policy.appeal_by(datetime.fromtimestamp(t, UTC)).timestamp())
        changed = t
        if outcome != Outcome.GRANT_FULL.value and appeal_by < now and rng.random() < 0.25:
            # Appealed in time; most appeals are decided, a few are pending.
            ta = t + rng.randrange(HOUR, max(2 * HOUR, appeal_by - t))
            g.msg(cid, "seller", "appeal", "seller", rng.choice(cat.APPEAL_TEXTS), ta, attach=True)
            g.event(cid, ta, "seller", "appeal", Status.RESOLVED.value, Status.INVESTIGATING.value)
            appeal_used, appeal_by, changed = True, None, ta
            td = ta + rng.randrange(2 * DAY, 12 * DAY)
            if td < now:
                appeal_decided = True
                if rng.random() < 0.4:
                    reimbursed = qty_price if rng.random() < 0.7 else qty_price * 45 // 100
                    outcome = Outcome.GRANT_FULL.value if reimbursed == qty_price else Outcome.GRANT_PARTIAL.value
                    denial = None
                    body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(reimbursed, currency))
                    note = "Grant" if reimbursed == qty_price else "Partial grant"
                else:
                    body = rng.choice(cat.DENIAL_TEXTS).format(reason=denial or "original decision upheld")
                    note = denial or "upheld"
                g.msg(cid, "amazon", "decision", "amazon", "Appeal decided. " + body, td)
                g.event(cid, td, "amazon", "decide_appeal", Status.INVESTIGATING.value, Status.RESOLVED.value, note)
                changed = td
            else:
                state, outcome, denial, reimbursed = Status.INVESTIGATING.value, None, None, None
        elif outcome != Outcome.GRANT_FULL.value and appeal_by >= now:
            due = appeal_by
    g.rows.claims.append((
        cid, claim_no, acc_id, pid, order_id, item_id, reason.code, description, state, outcome, denial,
        currency, qty_price, reimbursed, filed, max(changed, t if state == Status.RESOLVED.value else changed),
        changed, reply_by, appeal_by, int(appeal_used), int(appeal_decided), due,
        reimbursed if (state == Status.RESOLVED.value and reimbursed and now - changed > 5 * DAY) else 0,
    ))


@cache
def _fmt(minor: int, currency: str) -> str:
    """Money as text for message bodies (babel is slow; amounts repeat across claims)."""
    from .domain.money import Money, format_money

    return format_money(Money.from_minor(minor, currency))


def _decide(g: _Gen, cid: int, t: int, price: int, currency: str, reason: ReasonT):
    rng = g.rng
    roll = rng.random()
    damaged = reason.code in ("unsellable", "abuse")
    if roll < (0.35 if damaged else 0.5):
        reimbursed, outcome, denial = price, Outcome.GRANT_FULL.value, None
        body = rng.choice(cat.GRANT_TEXTS).format(amount=_fmt(price, currency))
        note = "Grant"
    elif roll < (0.65 if damaged else 0.6):
        reimbursed = price * rng.choice((40, 42, 45, 50, 60)) // 100
        outcome, denial = Outcome.GRANT_PARTIAL.value, None
        body = rng.choice(cat.PARTIAL_TEXTS).format(amount=_fmt(reimbursed, currency))
        note = "Partial grant"
    else:
        reimbursed, outcome = 0, Outcome.NO_GRANT.value
        denial = rng.choices(DENIAL_REASONS, weights=(30, 8, 14, 10, 6, 4, 18, 10))[0]
        body = rng.choice(cat.DENIAL_TEXTS).format(reason=denial.lower())
        note = denial
    g.msg(cid, "amazon", "decision", "amazon", body, t)
    g.event(cid, t, "amazon", outcome.startswith("grant") and "grant" or "no_grant",
            Status.INVESTIGATING.value, Status.RESOLVED.value, note)
    return Status.RESOLVED.value, outcome, denial, reimbursed


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

