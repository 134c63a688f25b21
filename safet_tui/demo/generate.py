"""A realistic demo database, deterministic for a seed, fast at a million claims.

Every claim's history is made by the domain's lifecycle functions (file_claim, request_info,
reply, grant, no_grant, appeal, expire_reply): the demo picks the story (when Amazon asks, what it
decides, whether the seller answers or appeals), the lifecycle says what that means, and the
states and events it returns are what is stored. Deadlines are the marketplace policy's.

Rows are generated in Python, in blocks of claims (demo/blocks.py: other processes tell them
while this one writes, when cores are idle), and written with the sqlite3 cursor's
``executemany`` inside one transaction (peewee's insert_many is several times
slower: bench/ has the figures), then the indexes are built and the message full-text index is
rebuilt once. ``python -m bench.demo_build`` times each phase.
"""

from __future__ import annotations

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from safet_tui import tallies
from safet_tui.attachments import put_bytes
from safet_tui.db import meta_set
from safet_tui.db_open import SQLITE_PRAGMAS, DbTarget, open_database, parse_db_url
from safet_tui.demo import catalog as cat
from safet_tui.demo.blocks import BLOCK, DemoRandom, Job, World, block_seed, spare_cores, told
from safet_tui.demo.bulk import drop_indexes, leave_wal, set_journal_mode, write_rows
from safet_tui.demo.stories import HOUR, random_asin
from safet_tui.domain.marketplaces import Policies
from safet_tui.transactions import close_database, write_transaction


@dataclass
class DemoResult:
    claims: int
    messages: int
    refunds: int
    seconds: float
    path: str
    #: seconds per phase of the load (stories, writes, indexes, fts, analyze), for bench/
    phases: dict = field(default_factory=dict)
    #: how many other processes told the stories
    workers: int = 0


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
             policies: Policies | None = None, progress=None, lock_wait: float = 30.0,
             workers: int | None = None) -> DemoResult:
    """Fill an empty database with ``claims`` claims (~10 messages each) and claimable refunds.

    ``workers``: how many other processes tell the claims' stories while this one writes them
    (default: as many as there are idle cores, at most two, when there is more than one block); the
    data is the same whatever their number.

    Waits up to ``lock_wait`` seconds for another writer (then :class:`~safet_tui.db.DatabaseBusy`)."""
    started = time.perf_counter()
    target = target if isinstance(target, DbTarget) else parse_db_url(target)
    if target.kind != "sqlite":
        return _generate_on_server(target, claims, seed, now, policies, progress, lock_wait, workers)
    database = open_database(target)
    if database.execute_sql("SELECT COUNT(*) FROM claim").fetchone()[0]:
        raise ValueError(f"{target} already holds claims; choose another --db or use --replace")
    policies = policies or Policies()
    now_dt = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    now_ts = int(now_dt.timestamp())
    rng = DemoRandom(seed)
    files = _sample_files(target.attachments_dir, rng)
    decided_at = "decided_at" in {row[1] for row in database.execute_sql("PRAGMA table_info(claim)")}

    accounts, products = [], []
    conn = database.connection()
    # Bulk load: a rollback journal (a new file has nothing to roll back to, so it stays tiny)
    # instead of WAL, which would write every page twice; secondary indexes are dropped and
    # built once at the end (sorting is far cheaper than 1M random b-tree inserts); rows are
    # written a block at a time so memory stays flat. The data is identical to a row-by-row load.
    # SQLite refuses to leave WAL, at once, while another connection has the file open (a desk):
    # then the load stays in WAL, slower, and waits for the write lock like any other writer.
    # Foreign keys are not checked row by row (a third of the writing time): every row points at
    # an account, product, claim or message this load wrote before it (tests/test_demo.py runs
    # SQLite's foreign_key_check on demos of one block and of several).
    left_wal = leave_wal(database)
    database.execute_sql("PRAGMA foreign_keys = OFF")
    database.execute_sql("PRAGMA synchronous = OFF")
    database.execute_sql("PRAGMA cache_size = -262144")
    counted = {"messages": 0, "refunds": 0}
    phases: dict[str, float] = {}
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

            claim_nos = [str(n) for n in rng.sample(range(3_400_000_000, 3_500_000_000), claims)]
            world = World(now_ts, policies, files, accounts, products, decided_at)
            jobs = [Job(k, first + 1, claim_nos[first:first + BLOCK],
                        rng_state=rng.getstate() if k == 0 else None, seed_text=block_seed(seed, k))
                    for k, first in enumerate(range(0, claims, BLOCK))]
            if workers is None:
                workers = spare_cores() if len(jobs) > 1 else 0
            phases["setup"] = time.perf_counter() - started
            blocks = told(world, jobs, claims, rng.getstate(), workers)
            done = 0
            try:
                while True:
                    with _phase(phases, "stories"):  # (waiting for them, when other processes tell them)
                        rows = next(blocks, None)
                    if rows is None:
                        break
                    with _phase(phases, "writes"):
                        write_rows(cur, rows, decided_at, counted["messages"])
                    counted["messages"] += len(rows.messages)
                    counted["refunds"] += len(rows.refunds)
                    done += len(rows.claims)
                    if progress:
                        progress(done, claims)
            finally:
                blocks.close()  # (on a failed write: the other processes stop, unfinished blocks dropped)
            with _phase(phases, "indexes"):
                for sql in indexes:
                    cur.execute(sql)
            if tallied:
                with _phase(phases, "tallies"):
                    tallies.resume(database)
            with _phase(phases, "fts"):
                # a 16 MB term buffer for the one rebuild (the default 1 MB flushes many more segments
                # that FTS5 then merges), then back to the default for the desk's writes
                cur.execute("INSERT INTO message_fts(message_fts, rank) VALUES ('hashsize', ?)", (16 * 2**20,))
                cur.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
                cur.execute("INSERT INTO message_fts(message_fts, rank) VALUES ('hashsize', ?)", (2**20,))
            # Changes of the last day and a half show as unread for everyone who has not opened them
            # (a seller back after a day off: the fresh information requests stand out).
            meta_set("unread_horizon", str(now_ts - 36 * HOUR))
            meta_set("demo_seed", str(seed))
            with _phase(phases, "analyze"):
                database.execute_sql("ANALYZE")
        phases["commit"] = time.perf_counter() - started - sum(phases.values())
    finally:
        database.execute_sql(f"PRAGMA foreign_keys = {SQLITE_PRAGMAS['foreign_keys']}")
        database.execute_sql(f"PRAGMA cache_size = {SQLITE_PRAGMAS['cache_size']}")
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        if left_wal:
            set_journal_mode(database, str(SQLITE_PRAGMAS["journal_mode"]))
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return DemoResult(claims, counted["messages"], counted["refunds"], time.perf_counter() - started, str(target),
                      phases, workers)


@contextmanager
def _phase(phases: dict[str, float], name: str):
    """Add the block's wall time to ``phases[name]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - start


def _generate_on_server(target: DbTarget, claims: int, seed: int, now: datetime | None, policies: Policies | None,
                        progress, lock_wait: float, workers: int | None) -> DemoResult:
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
                        progress=progress, lock_wait=lock_wait, workers=workers)
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
