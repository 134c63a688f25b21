"""A write that conflicts with another program's transaction on PostgreSQL (serialization failure,
deadlock: SQLSTATE 40001 / 40P01) is run again whole, reading the claim afresh and checking the
rules again, and only after a few tries refused as busy in one line. The conflicts are real: a
second connection makes them on a throwaway cluster (tests/pg_support.py)."""

from __future__ import annotations

import threading

import psycopg
import pytest

from safet_tui.service.desk import Busy, Desk, ServiceError, TransitionError
from safet_tui.transactions import WRITE_LOCK_KEY, DatabaseBusy, DatabaseConflict, retrying
from tests.serve_support import wait_until

pytestmark = pytest.mark.backends("postgresql")


def _database(url) -> str:
    return str(url).rsplit("/", 1)[1]


def _waiting_on_a_lock(url, watcher: psycopg.Connection | None = None) -> bool:
    """Whether a backend on this database (the desk's) is waiting for a lock someone else holds
    (asked outside any transaction: inside one the activity view stays as first read)."""
    if watcher is None:
        with psycopg.connect(str(url), autocommit=True) as own:
            return _waiting_on_a_lock(url, own)
    return bool(watcher.execute("SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                                (_database(url),)).fetchone())


def _in_thread(call):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _serializable(url) -> None:
    """The database as an agency may run it: every transaction SERIALIZABLE (new connections)."""
    with psycopg.connect(str(url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{_database(url)}" SET default_transaction_isolation = \'serializable\'')


def _open_claim(url, clock) -> tuple[Desk, str]:
    desk = Desk(str(url), clock=clock, user="ana")
    return desk, desk.window("awaiting", 0, 1)[0].claim_no


def test_a_reply_that_hit_a_serialization_failure_is_run_again_and_lands(demo_db, backend, clock):
    _serializable(demo_db)
    desk, claim_no = _open_claim(demo_db, clock)
    before = len(desk.claim(claim_no).thread)
    other = psycopg.connect(str(demo_db), autocommit=True)
    try:
        other.execute("BEGIN")  # another program changes the claim, not yet committed
        other.execute("UPDATE claim SET description = 'edited elsewhere' WHERE claim_no = %s", (claim_no,))
        thread, outcome = _in_thread(lambda: desk.reply(claim_no, "Tracking attached."))
        wait_until(lambda: _waiting_on_a_lock(demo_db), "the desk's write to wait for the row")
        other.execute("COMMIT")  # the desk's snapshot is older than this: 40001 for it
        thread.join(30)
    finally:
        other.close()
    assert "error" not in outcome, outcome.get("error")
    view = outcome["value"]
    assert view.description == "edited elsewhere"  # read again: the other program's change is kept
    assert [i.body for i in view.thread].count("Tracking attached.") == 1 and len(view.thread) > before
    desk.close()


def test_the_run_again_checks_the_rules_on_the_claim_as_the_other_program_left_it(demo_db, backend, clock):
    _serializable(demo_db)
    desk, claim_no = _open_claim(demo_db, clock)
    before = len(desk.claim(claim_no).thread)
    other = psycopg.connect(str(demo_db), autocommit=True)
    try:
        other.execute("BEGIN")  # another program decides the claim meanwhile
        other.execute("UPDATE claim SET status = 'resolved', outcome = 'grant_full', reimbursed_minor = claimed_minor "
                      "WHERE claim_no = %s", (claim_no,))
        thread, outcome = _in_thread(lambda: desk.reply(claim_no, "Tracking attached."))
        wait_until(lambda: _waiting_on_a_lock(demo_db), "the desk's write to wait for the row")
        other.execute("COMMIT")
        thread.join(30)
    finally:
        other.close()
    refused = outcome.get("error")
    assert isinstance(refused, ServiceError | TransitionError) and not isinstance(refused, Busy), refused
    assert "resolved: replies are closed" in str(refused)  # the lifecycle's reason, not "busy"
    assert len(desk.claim(claim_no).thread) == before
    desk.close()


def test_a_reply_chosen_as_a_deadlock_victim_is_run_again_and_lands(demo_db, backend, clock):
    # PostgreSQL looks for a deadlock once, deadlock_timeout after a wait begins: the desk waits
    # first, so its look must come after the other program closes the circle (3 s is ample), and
    # the other program's long after the desk's (so the desk is the one rolled back)
    with psycopg.connect(str(demo_db), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{_database(demo_db)}" SET deadlock_timeout = \'3s\'')
    desk, claim_no = _open_claim(demo_db, clock)
    other = psycopg.connect(str(demo_db), autocommit=True)
    watcher = psycopg.connect(str(demo_db), autocommit=True)
    try:
        other.execute("SET deadlock_timeout = '60s'")
        other.execute("BEGIN")  # another program holds the claim's row…
        other.execute("SELECT id FROM claim WHERE claim_no = %s FOR UPDATE", (claim_no,))
        thread, outcome = _in_thread(lambda: desk.reply(claim_no, "Tracking attached."))
        wait_until(lambda: _waiting_on_a_lock(demo_db, watcher), "the desk's write to wait for the row")
        # …and then wants what the desk holds (safet's write lock): 40P01 for the desk
        other.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        other.execute("COMMIT")
        thread.join(30)
    finally:
        other.close()
        watcher.close()
    assert "error" not in outcome, outcome.get("error")
    assert [i.body for i in outcome["value"].thread].count("Tracking attached.") == 1
    desk.close()


@pytest.mark.backends("sqlite")
def test_a_transaction_that_keeps_conflicting_is_refused_as_busy_in_one_line_after_a_few_tries(backend):
    tries, pauses = [], []

    def conflicting():
        tries.append(1)
        raise DatabaseConflict("conflict")

    with pytest.raises(DatabaseBusy, match="busy: the change conflicted with other writes 5 times") as refused:
        retrying(conflicting, sleep=pauses.append)
    assert not isinstance(refused.value, DatabaseConflict) and "\n" not in str(refused.value)
    assert len(tries) == 5 and len(pauses) == 4
    assert all(0 <= p <= min(1.0, 0.05 * 2 ** n) for n, p in enumerate(pauses, 1))  # jittered, growing bound
    assert retrying(lambda: "done") == "done"
    # inside an outer call the conflict goes to the outer one, which runs everything again
    calls = []

    def outer():
        calls.append(1)
        return retrying(lambda: (_ for _ in ()).throw(DatabaseConflict("x")) if len(calls) < 3 else "ok")

    assert retrying(outer, sleep=lambda s: None) == "ok" and len(calls) == 3
