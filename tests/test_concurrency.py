"""Issue 9's concurrency test: a seller process and an investigator process, 1,000 operations each
on the same 50 claims, with imports of returns reports running alongside in a third process.

Nothing may fail with "database is locked" (nor be refused as Busy); afterwards every claim's
status events, in order, are a path through the lifecycle (``lifecycle.check_history``) that ends
in the claim's stored status, the stored outcome and appeal flags are what replaying the events
gives, and every operation a process was told succeeded is in the record (no silent overwrite).

The three processes share one clock: a FixedClock whose time sits in shared memory and moves one
step per operation, so every process reads the same 'now' (as terminals on one machine do) and
the time a change records never runs behind a change committed before it."""

from __future__ import annotations

import multiprocessing as mp
import random
import time
import traceback
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from test_write_path import CLAIMED, NOW, TIMEOUT, claim_no, returns_report, rows, seed

from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import Clock
from safet_tui.domain.lifecycle import Outcome, Status, TransitionError
from safet_tui.domain.money import Money
from safet_tui.service.desk import Busy, Desk, ServiceError

CLAIMS = 50
OPS = 1000
STEP = timedelta(minutes=5)  # 2,000 steps: about a week, so reply-bys and appeal-bys pass on the way
IMPORTS = (200, 450, 700, 950)  # the seller's progress at which each import starts
#: the whole test (three processes on two cores) must stay well under this
BUDGET = 30.0


class SharedClock(Clock):
    """A FixedClock shared by processes: ``ticks`` (a multiprocessing Value) steps of ``step``
    after ``start``; it moves only when a worker calls :meth:`advance`."""

    def __init__(self, start: datetime, ticks, step: timedelta) -> None:
        self.start, self.ticks, self.step = start, ticks, step

    def now(self) -> datetime:
        return self.start + self.ticks.value * self.step

    def advance(self) -> None:
        with self.ticks.get_lock():
            self.ticks.value += 1


def _attempt(counts: Counter, errors: list, op: str, fn, *args) -> None:
    try:
        fn(*args)
        counts[op, "ok"] += 1
    except Busy as exc:
        errors.append(f"{op}: Busy: {exc}")
    except (ServiceError, TransitionError) as exc:
        counts[op, "refused"] += 1
        if "locked" in str(exc) or "\n" in str(exc):
            errors.append(f"{op}: refused unclearly: {exc!r}")
    except Exception as exc:  # noqa: BLE001 - every other failure is reported to the test
        errors.append(f"{op}: {''.join(traceback.format_exception(exc))}")


def _seller(path: str, ticks, barrier, progress, evidence: str, results) -> None:
    counts: Counter = Counter()
    errors: list[str] = []
    try:
        clock = SharedClock(NOW, ticks, STEP)
        desk = Desk(path, clock=clock, user="sam", role="seller")
        rng = random.Random(1)
        barrier.wait(TIMEOUT)
        for i in range(OPS):
            clock.advance()
            no = claim_no(rng.randrange(CLAIMS))
            op = rng.choices(("reply", "appeal", "attach", "mark read"), weights=(40, 25, 15, 20))[0]
            if op == "reply":
                _attempt(counts, errors, op, desk.reply, no, f"Seller reply {i}: tracking attached.")
            elif op == "appeal":
                _attempt(counts, errors, op, desk.appeal, no, f"Seller appeal {i}: the buyer kept the item.")
            elif op == "attach":
                _attempt(counts, errors, op, desk.attach, no, evidence)
            else:
                _attempt(counts, errors, op, desk.mark_read, [no])
            progress.value = i + 1
        desk.close()
    except Exception as exc:  # noqa: BLE001
        errors.append("seller: " + "".join(traceback.format_exception(exc)))
    finally:
        progress.value = OPS
        results.put(("seller", dict(counts), errors))


def _investigator(path: str, ticks, barrier, results) -> None:
    counts: Counter = Counter()
    errors: list[str] = []
    try:
        clock = SharedClock(NOW, ticks, STEP)
        desk = Desk(path, clock=clock, user="ivy", role="amazon")
        rng = random.Random(2)
        barrier.wait(TIMEOUT)
        for i in range(OPS):
            clock.advance()
            no = claim_no(rng.randrange(CLAIMS))
            op = rng.choices(("request info", "grant", "no grant"), weights=(70, 15, 15))[0]
            if op == "request info":
                # now and then a short reply-by, so some pass unanswered and time ends the claim
                reply_by = clock.now() + timedelta(hours=rng.choice((6, 24))) if rng.random() < 0.3 else None
                _attempt(counts, errors, op, desk.request_info, no, f"Request {i}: photos, please.", reply_by)
            elif op == "grant":
                amount = CLAIMED if rng.random() < 0.5 else Money.of("20.00", "USD")
                _attempt(counts, errors, op, desk.grant, no, amount)
            else:
                _attempt(counts, errors, op, desk.no_grant, no, rng.choice(("Item not returned",
                                                                           "Insufficient evidence provided")))
        desk.close()
    except Exception as exc:  # noqa: BLE001
        errors.append("investigator: " + "".join(traceback.format_exception(exc)))
    finally:
        results.put(("investigator", dict(counts), errors))


def _importer(path: str, ticks, barrier, progress, folder: str, results) -> None:
    """Imports a fresh returns report (dated now) each time the seller reaches a mark: it touches
    eight of the desk's claims with a reported state and adds three new claims."""
    from safet_tui.reports.runner import run_import

    counts: Counter = Counter()
    errors: list[str] = []
    try:
        clock = SharedClock(NOW, ticks, STEP)
        desk = Desk(path, clock=clock, user="importer")
        rng = random.Random(3)
        barrier.wait(TIMEOUT)
        for run, mark in enumerate(IMPORTS):
            while progress.value < mark:  # waiting on a condition, not for a time
                time.sleep(0.002)
            states = ("Resolved", "Under Investigation", "Awaiting Seller Response", "Under appeal")
            touched = {claim_no(i): rng.choice(states) for i in rng.sample(range(CLAIMS), 8)}
            report = returns_report(Path(folder), touched, new=3, first=3 * run, created=clock.now() - STEP)
            try:
                summary = run_import(desk, "returns", report)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"import {run}: " + "".join(traceback.format_exception(exc)))
                continue
            counts["imports"] += 1
            counts["claims created"] += len(summary.claims_created)
            counts["claims updated"] += len(summary.claims_updated)
        desk.close()
    except Exception as exc:  # noqa: BLE001
        errors.append("importer: " + "".join(traceback.format_exception(exc)))
    finally:
        results.put(("importer", dict(counts), errors))


def replay(events: list[tuple]) -> dict:
    """What a claim's events say it is now: status, outcome and appeal flags."""
    status = outcome = None
    used = decided = False
    for action, _, to, note in events:
        status = Status(to)
        first = (note or "").split(";")[0].strip()
        if action in ("grant", "no_grant", "decide_appeal"):
            if first in (Outcome.GRANT_FULL.label, Outcome.GRANT_PARTIAL.label):
                outcome = Outcome.GRANT_FULL if first == Outcome.GRANT_FULL.label else Outcome.GRANT_PARTIAL
            elif action == "decide_appeal" and outcome is Outcome.GRANT_PARTIAL:
                outcome = Outcome.GRANT_PARTIAL  # a denied appeal keeps the partial grant
            else:
                outcome = Outcome.NO_GRANT
        if action == "appeal":
            used = True
        if action == "decide_appeal":
            decided = True
    return dict(status=status.value if status else None, outcome=outcome.value if outcome else None,
                appeal_used=int(used), appeal_decided=int(decided))


def test_a_seller_an_investigator_and_imports_at_once(tmp_path):
    started = time.monotonic()
    path = tmp_path / "desk.db"
    seed(path, CLAIMS, filed_at=NOW - timedelta(days=2))
    evidence = tmp_path / "tracking.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% tracking proof\n")
    folder = tmp_path / "reports"
    folder.mkdir()

    ctx = mp.get_context("spawn")
    ticks, progress = ctx.Value("q", 0), ctx.Value("q", 0)
    barrier, results = ctx.Barrier(3), ctx.Queue()
    procs = [
        ctx.Process(target=_seller, args=(str(path), ticks, barrier, progress, str(evidence), results)),
        ctx.Process(target=_investigator, args=(str(path), ticks, barrier, results)),
        ctx.Process(target=_importer, args=(str(path), ticks, barrier, progress, str(folder), results)),
    ]
    for p in procs:
        p.start()
    try:
        out = {who: (counts, errors) for who, counts, errors in (results.get(timeout=BUDGET * 2) for _ in procs)}
    finally:
        for p in procs:
            p.join(TIMEOUT)
            if p.is_alive():
                p.kill()
    ran = time.monotonic() - started

    errors = [e for _, errs in out.values() for e in errs]
    assert not errors, "\n".join(errors[:5])
    seller, investigator, importer = out["seller"][0], out["investigator"][0], out["importer"][0]
    report = {who: counts for who, (counts, _) in out.items()}
    by_user = dict(rows(path, "SELECT user, COUNT(*) FROM status_event GROUP BY user"))
    print(f"\nconcurrency: {ran:.1f} s; {report}; status events by user {by_user}")
    assert sum(seller.values()) == OPS and sum(investigator.values()) == OPS
    assert importer["imports"] == len(IMPORTS) and importer["claims created"] == 3 * len(IMPORTS)

    # every claim's history is a lifecycle path ending where the claim is, and its flags agree
    claims = rows(path, "SELECT id, claim_no, status, outcome, appeal_used, appeal_decided FROM claim ORDER BY id")
    assert len(claims) == CLAIMS + 3 * len(IMPORTS)
    for cid, no, status, outcome, used, decided in claims:
        events = rows(path, "SELECT action, from_status, to_status, note FROM status_event WHERE claim_id = ? "
                            "ORDER BY id", (cid,))
        try:
            end = lc.check_history([e[:3] for e in events])
        except TransitionError as exc:
            raise AssertionError(f"claim {no}: {exc}: {[e[:3] for e in events]}") from None
        assert end is Status(status), (no, events)
        assert replay(events) == dict(status=status, outcome=outcome, appeal_used=used, appeal_decided=decided), \
            (no, events)
        by_time = rows(path, "SELECT action, from_status, to_status, note FROM status_event WHERE claim_id = ? "
                             "ORDER BY at, id", (cid,))
        assert by_time == events, f"claim {no}: its events in time order are not the order they were written"

    # nothing a process was told it did is missing (no silent overwrite)
    def n(sql: str, *args) -> int:
        return rows(path, sql, args)[0][0]

    decided_by_ivy = n("SELECT COUNT(*) FROM status_event WHERE user = 'ivy' AND action IN "
                       "('grant', 'no_grant', 'decide_appeal')")
    assert decided_by_ivy == investigator.get(("grant", "ok"), 0) + investigator.get(("no grant", "ok"), 0)
    assert n("SELECT COUNT(*) FROM status_event WHERE user = 'ivy' AND action = 'request_info'") == \
        investigator.get(("request info", "ok"), 0)
    assert n("SELECT COUNT(*) FROM status_event WHERE user = 'sam' AND action = 'appeal'") == \
        seller.get(("appeal", "ok"), 0)
    assert n("SELECT COUNT(*) FROM message WHERE author = 'sam' AND kind = 'message'") == seller.get(("reply", "ok"), 0)
    assert n("SELECT COUNT(*) FROM message WHERE author = 'sam' AND kind = 'appeal'") == seller.get(("appeal", "ok"), 0)
    assert n("SELECT COUNT(*) FROM attachment WHERE message_id IS NULL") == seller.get(("attach", "ok"), 0)
    assert ran < BUDGET, f"the concurrency test took {ran:.1f} s"
