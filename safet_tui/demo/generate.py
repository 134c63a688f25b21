"""A realistic demo database, deterministic for a seed, fast at 100k claims.

Every claim's history is made by the domain's lifecycle functions (file_claim, request_info,
reply, grant, no_grant, appeal, expire_reply): the demo picks the story (when Amazon asks, what it
decides, whether the seller answers or appeals), the lifecycle says what that means, and the
states and events it returns are what is stored. Deadlines are the marketplace policy's.

Rows are generated in Python and written with the sqlite3 cursor's
``executemany`` inside one transaction (peewee's insert_many is several times
slower: bench/ has the figures), then the message full-text index is rebuilt once.
"""

from __future__ import annotations

import gc
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from safet_tui import tallies
from safet_tui.attachments import put_bytes
from safet_tui.db import SQLITE_PRAGMAS, DbTarget, meta_set, open_database, parse_db_url
from safet_tui.demo import catalog as cat
from safet_tui.demo.bulk import (
    CHUNK_MESSAGES,
    drop_indexes,
    leave_wal,
    set_journal_mode,
    take_rows,
    write_rows,
)
from safet_tui.demo.stories import HOUR, Gen, claimable_refunds, random_asin, tell_claim
from safet_tui.domain.marketplaces import Policies
from safet_tui.transactions import close_database, write_transaction


@dataclass
class DemoResult:
    claims: int
    messages: int
    refunds: int
    seconds: float
    path: str


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


def _sample_files(store, rng: random.Random) -> list[tuple]:
    """A handful of small files in the attachment store for demo threads to point at."""
    names = [("label-photo.jpg", "image/jpeg"), ("package-front.jpg", "image/jpeg"),
             ("proof-of-delivery.pdf", "application/pdf"), ("invoice.pdf", "application/pdf"),
             ("unboxing.mp4", "video/mp4"), ("carrier-scan.png", "image/png")]
    out = []
    for name, media in names:
        data = (f"safet demo file {name}\n".encode()) + bytes(rng.randrange(256) for _ in range(rng.randrange(2000, 60000)))
        sha = put_bytes(store, data)  # for the user only, like every attachment
        out.append((name, len(data), sha, media))
    return out


def generate(target: DbTarget | str | None, claims: int = 2000, seed: int = 7, now: datetime | None = None,
             policies: Policies | None = None, progress=None, lock_wait: float = 30.0) -> DemoResult:
    """Fill an empty database with ``claims`` claims (~10 messages each) and claimable refunds.

    Waits up to ``lock_wait`` seconds for another writer (then :class:`~safet_tui.db.DatabaseBusy`)."""
    started = time.perf_counter()
    target = target if isinstance(target, DbTarget) else parse_db_url(target)
    if target.kind != "sqlite":
        return _generate_on_server(target, claims, seed, now, policies, progress, lock_wait)
    database = open_database(target)
    if database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]:
        raise ValueError(f"{target} already holds claims; choose another --db or use --replace")
    policies = policies or Policies()
    now_dt = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    now_ts = int(now_dt.timestamp())
    rng = _Random(seed)
    files = _sample_files(target.attachments_dir, rng)
    gen = Gen(rng, now_ts, policies, files)
    gen.decided_at = "decided_at" in {row[1] for row in database.execute_sql("PRAGMA table_info(claim)")}

    accounts, products = [], []
    conn = database.connection()
    # Bulk load: a rollback journal (a new file has nothing to roll back to, so it stays tiny)
    # instead of WAL, which would write every page twice; secondary indexes are dropped and
    # built once at the end (sorting is far cheaper than 1M random b-tree inserts); rows are
    # written in chunks so memory stays flat. The data is identical to a row-by-row load.
    # SQLite refuses to leave WAL, at once, while another connection has the file open (a desk):
    # then the load stays in WAL, slower, and waits for the write lock like any other writer.
    left_wal = leave_wal(database)
    database.execute_sql("PRAGMA synchronous = OFF")
    database.execute_sql("PRAGMA cache_size = -262144")
    counted = {"messages": 0, "refunds": 0}
    try:
        with write_transaction(database, lock_wait):
            if database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]:  # filled meanwhile
                raise ValueError(f"{target} already holds claims; choose another --db or use --replace")
            indexes = drop_indexes(database)
            tallied = tallies.suspend(database)  # counted once at the end, not claim by claim
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
                                (pid, acc_id, sku, random_asin(rng), title))
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
                    tell_claim(gen, i + 1, str(claim_nos[i]), accounts[acc], products[acc])
                    if progress and i % 10000 == 0:
                        progress(i, claims)
                    if len(gen.rows.messages) >= CHUNK_MESSAGES:
                        write_rows(cur, take_rows(gen, counted), gen.decided_at)
            finally:
                if collecting:
                    gc.enable()
            claimable_refunds(gen, claims, accounts, products)
            write_rows(cur, take_rows(gen, counted), gen.decided_at)
            for sql in indexes:
                cur.execute(sql)
            if tallied:
                tallies.resume(database)
            # a 16 MB term buffer for the one rebuild (the default 1 MB flushes many more segments
            # that FTS5 then merges), then back to the default for the desk's writes
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
            set_journal_mode(database, str(SQLITE_PRAGMAS["journal_mode"]))
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return DemoResult(claims, counted["messages"], counted["refunds"], time.perf_counter() - started, str(target))


def _generate_on_server(target: DbTarget, claims: int, seed: int, now: datetime | None, policies: Policies | None,
                        progress, lock_wait: float) -> DemoResult:
    """On PostgreSQL: the same rows, generated into a SQLite file and copied over (db_copy)."""
    import tempfile

    from safet_tui.db_copy import copy_database, holds_data

    started = time.perf_counter()
    database = open_database(target)
    try:
        if holds_data(database):
            raise ValueError(f"{target.name} already holds data; choose another --db or use --replace")
    finally:
        close_database(database)
    with tempfile.TemporaryDirectory(prefix="safet-demo-") as tmp:
        made = generate(str(Path(tmp) / "demo.db"), claims=claims, seed=seed, now=now, policies=policies,
                        progress=progress, lock_wait=lock_wait)
        copy_database(str(Path(tmp) / "demo.db"), target, wait=lock_wait)
    return DemoResult(made.claims, made.messages, made.refunds, time.perf_counter() - started, str(target))


def default_demo_path() -> Path:
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
