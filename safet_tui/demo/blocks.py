"""The demo's claims told in blocks, each block from its own random stream, so that blocks can be
told by other processes while this one writes: the data depends on the seed and the number of
claims, never on how many processes told it.

Block 0 continues the generator's own stream (after the accounts, products and claim numbers), and
the claimable refunds continue block 0's: a demo of one block (every test's) is exactly the
single-stream demo. Every later block draws from a stream seeded by the seed and the block's number.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from safet_tui.demo.deadlines import Deadlines
from safet_tui.demo.stories import Gen, Rows, claimable_refunds, tell_claim
from safet_tui.domain.marketplaces import Policies

#: claims per block: ~190k messages (~20 MB of rows to hand over), 50 blocks at a million claims
BLOCK = 20_000


class DemoRandom(random.Random):
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


@dataclass(frozen=True)
class World:
    """What every block is told in: the clock, the policies, the accounts and products, the
    attachment files, and whether the claim table has ``decided_at``."""

    now: int
    policies: Policies
    files: list
    accounts: list
    products: list
    decided_at: bool


@dataclass(frozen=True)
class Job:
    """One block: claims ``first``.. (ids, 1-based) numbered ``claim_nos``; its stream is the
    state ``rng_state`` (block 0) or seeded by ``seed_text``. ``refunds``: the claimable refunds'
    job instead, for a demo of that many claims."""

    index: int
    first: int
    claim_nos: list[str]
    rng_state: tuple | None = None
    seed_text: str = ""
    refunds: int | None = None


def spare_cores(most: int = 2) -> int:
    """Cores left idle by the machine's load (the last minute's average), at most ``most``. Telling
    stories in other processes pays on idle cores only: handing the rows over costs a fifth more
    work, and on a busy machine the processes would only take turns."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # (not every system has it)
        load = 0.0
    return max(0, min(most, int((os.cpu_count() or 1) - load)))


def block_seed(seed: int, index: int) -> str:
    return f"safet demo {seed} block {index}"


_MEMO: list = []


def _deadlines(world: World) -> dict:
    """The memoised deadlines (demo/deadlines.py) of the world's markets, shared by every block
    this process tells: memos warm over the whole demo, not a block at a time."""
    if not _MEMO or _MEMO[0] is not world:
        _MEMO[:] = [world, {market: Deadlines(world.policies[market]) for _, market, _ in world.accounts}]
    return _MEMO[1]


def tell(world: World, job: Job) -> tuple[Rows, tuple | None]:
    """The rows of one job; and the stream's state at its end (block 0's, which the claimable
    refunds continue), else None. Runs in this process or another (the arguments are picklable)."""
    rng = DemoRandom()
    if job.rng_state is not None:
        rng.setstate(job.rng_state)
    else:
        rng.seed(job.seed_text)
    gen = Gen(rng, world.now, world.policies, world.files)
    gen.decided_at = world.decided_at
    gen.deadlines = _deadlines(world)
    if job.refunds is not None:
        claimable_refunds(gen, job.refunds, world.accounts, world.products)
        return gen.rows, None
    accounts, products = world.accounts, world.products
    # millions of short-lived objects and no cycles among them: the cyclic collector would only
    # walk the growing row lists over and over
    collecting = gc.isenabled()
    gc.disable()
    try:
        cid = job.first
        for claim_no in job.claim_nos:
            acc = 0 if rng.random() < 0.7 else 1
            tell_claim(gen, cid, claim_no, accounts[acc], products[acc])
            cid += 1
    finally:
        if collecting:
            gc.enable()
    return gen.rows, (rng.getstate() if job.index == 0 else None)


def _init_worker(world: World) -> None:
    global _WORLD
    _WORLD = world


_WORLD: World | None = None


def _tell_in_worker(job: Job) -> tuple[Rows, tuple | None]:
    assert _WORLD is not None
    return tell(_WORLD, job)


def told(world: World, jobs: list[Job], refunds: int, rng_state: tuple, workers: int) -> Generator[Rows, None, None]:
    """Each job's rows in order, then the claimable refunds' (``refunds``: the demo's size; they
    continue block 0's stream, or ``rng_state`` without blocks). Told here (``workers`` 0) or by
    ``workers`` other processes, a few blocks ahead of the caller, who writes while they tell."""
    if workers <= 0 or len(jobs) <= 1:
        for job in jobs:
            rows, end = tell(world, job)
            rng_state = end or rng_state
            yield rows
        yield tell(world, Job(-1, 0, [], rng_state=rng_state, refunds=refunds))[0]
        return
    # spawned, not forked: the caller may hold threads and an open database
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(world,))
    try:
        waiting = iter(jobs)
        pending: deque[Future] = deque()

        def submit() -> None:
            job = next(waiting, None)
            if job is not None:
                pending.append(pool.submit(_tell_in_worker, job))

        for _ in range(workers + 2):  # enough to keep every worker busy, few rows held in memory
            submit()
        last: Future | None = None
        while pending:
            rows, end = pending.popleft().result()
            if end is not None:
                last = pool.submit(_tell_in_worker, Job(-1, 0, [], rng_state=end, refunds=refunds))
            submit()
            yield rows
        assert last is not None
        yield last.result()[0]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
