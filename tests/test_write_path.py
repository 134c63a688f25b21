"""The write path (issue 9, points 13-16): every change reads and writes its claim in one
transaction that waits for other writers, a change that lost a race is checked again and refused,
two desks on two files never mix, a session's role is checked on every write, and a database that
cannot be written says so in one line.

Races are made deterministic where the test needs one particular interleaving (one session is held
right after it has looked at the claim, while the other acts), and run for real between processes
where any interleaving must keep the invariants. Nothing waits a fixed time to decide an assertion:
threads wait on events, processes on barriers."""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil
import sqlite3
import subprocess
import sys
import threading
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safet_tui import db as m
from safet_tui import transactions
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import Clock, FixedClock
from safet_tui.domain.lifecycle import Status, TransitionError
from safet_tui.domain.money import Money
from safet_tui.reports.runner import run_import
from safet_tui.service.desk import Busy, Desk, ServiceError

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)  # the frozen clock of conftest
DAY = timedelta(days=1)
CLAIMED = Money.of("49.99", "USD")
#: a generous bound for waits on events and processes; a passing test never gets near it
TIMEOUT = 60.0
SAMPLES = Path(__file__).resolve().parent / "samples"
#: each test that takes ``db_path`` runs on a SQLite file and on a PostgreSQL database (conftest)
pytestmark = pytest.mark.backends("sqlite", "postgresql")
TABLES = ("account", "product", "claim", "refund", "message", "attachment", "status_event", "read_mark",
          "import_log", "payout")


# -- helpers (test_concurrency uses them too) --------------------------------------------------

def claim_no(i: int) -> str:
    return f"34{i:08d}"


def order_of(i: int) -> tuple[str, str]:
    return f"111-0000000-{i:07d}", f"9{i:013d}"


def seed(path: Path | str, n: int, filed_at: datetime = NOW - 2 * DAY, label: str = "") -> list[str]:
    """A database with one amazon.com account and ``n`` claims under investigation, each filed at
    ``filed_at`` with its 'file' event and first message, as the desk writes them."""
    desk = Desk(str(path), clock=FixedClock(filed_at), user="seed")
    try:
        database = desk.database
        with database.atomic():  # the models are on the database opened last: this one
            account = m.Account.create(name="Acme Home", marketplace="amazon.com", currency="USD")
            product = m.Product.create(account=account, sku="KB-01", asin="B0ABCDEFGH", title="Keyboard tray")
            nos = []
            for i in range(n):
                order_id, item = order_of(i)
                c = m.Claim.create(
                    claim_no=claim_no(i), account=account, product=product, order_id=order_id,
                    order_item_id=item, reason="abuse", description=f"{label}claim {i}",
                    status=Status.INVESTIGATING.value, currency="USD", claimed_minor=CLAIMED.minor,
                    filed_at=filed_at, updated_at=filed_at, changed_at=filed_at,
                )
                m.Message.create(claim=c, side="seller", kind="message", author="seed",
                                 body=f"{label}claim {i}", created_at=filed_at)
                m.StatusEvent.create(claim=c, at=filed_at, actor="seller", user="seed", action="file",
                                     from_status=None, to_status=Status.INVESTIGATING.value)
                nos.append(c.claim_no)
        return nos
    finally:
        desk.close()


def session(path, clock: Clock, role: str, user: str, **kwargs) -> Desk:
    """A terminal: its own Desk (and connection) on ``path`` as ``role``."""
    return Desk(str(path), clock=clock, user=user, role=role, **kwargs)


def is_server(path) -> bool:
    return str(path).startswith("postgresql://")


def rows(path, sql: str, args=()) -> list[tuple]:
    """Read with a plain connection of the engine's own driver (sqlite3, psycopg): what is really
    in the database, whatever a Desk is bound to."""
    if is_server(path):
        import psycopg

        with psycopg.connect(str(path)) as con:
            return [tuple(int(v) if isinstance(v, bool) else v for v in row)
                    for row in con.execute(sql.replace("?", "%s"), args).fetchall()]
    con = sqlite3.connect(str(path))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def snapshot(path) -> dict[str, list[tuple]]:
    return {t: rows(path, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}


def history(path, claim: str, order: str = "e.id") -> list[tuple[str, str | None, str]]:
    return rows(path, "SELECT e.action, e.from_status, e.to_status FROM status_event e JOIN claim c "
                      f"ON c.id = e.claim_id WHERE c.claim_no = ? ORDER BY {order}", (claim,))


def stored(path, claim: str) -> dict:
    names = ("status", "outcome", "appeal_used", "appeal_decided", "reimbursed_minor")
    (row,) = rows(path, f"SELECT {', '.join(names)} FROM claim WHERE claim_no = ?", (claim,))
    return dict(zip(names, row, strict=True))


class HoldAfterFirstLook:
    """Wraps a lifecycle step so the first call in the thread named ``who`` stops there (the
    session has looked at the claim) until ``go`` is set: the other session acts in between."""

    def __init__(self, monkeypatch, step: str, who: str) -> None:
        self.looked, self.go = threading.Event(), threading.Event()
        self.who, self.held = who, False
        real = getattr(lc, step)

        def wrapper(*args, **kwargs):
            if threading.current_thread().name == self.who and not self.held:
                self.held = True
                self.looked.set()
                self.go.wait(TIMEOUT)
            return real(*args, **kwargs)

        monkeypatch.setattr(lc, step, wrapper)


def in_thread(name: str, fn, *args, **kwargs) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, name=name, daemon=True)
    t.start()
    return t, out


@pytest.fixture
def db_path(fresh_db) -> Path | str:
    """A new database: a SQLite file, or a PostgreSQL URL (the tests say ``str(db_path)``)."""
    return fresh_db if is_server(fresh_db) else Path(fresh_db)


@pytest.fixture
def one(db_path) -> str:
    return seed(db_path, 1)[0]


# -- 13. lost updates --------------------------------------------------------------------------

def race(monkeypatch, step: str, first: tuple, second: tuple) -> tuple[dict, dict]:
    """Run ``first`` (name, fn, *args) in a thread held right after its first look at the claim
    (its first call of the lifecycle ``step``), run ``second`` meanwhile, then let the first go on.

    The desk looks before its transaction to refuse early and again inside it, under the lock, so
    the second normally acts in between. Were a look made only under the lock, the second would
    wait for the lock instead: it gets a moment, then the first is let go (no deadlock)."""
    hold = HoldAfterFirstLook(monkeypatch, step, who=first[0])
    t1, out1 = in_thread(*first)
    assert hold.looked.wait(TIMEOUT)
    t2, out2 = in_thread(*second)
    t2.join(1.0)
    hold.go.set()
    t1.join(TIMEOUT)
    t2.join(TIMEOUT)
    assert not t1.is_alive() and not t2.is_alive()
    return out1, out2


def refused(out: dict) -> str:
    """The message of a refusal: a ServiceError or TransitionError in one line."""
    assert isinstance(out.get("error"), TransitionError | ServiceError), out
    text = str(out["error"])
    assert text and "\n" not in text and "locked" not in text
    return text


def test_a_reply_that_lost_the_race_to_a_grant_is_refused_and_the_grant_stays(db_path, one, monkeypatch):
    clock = FixedClock(NOW)
    seller = session(db_path, clock, "seller", "sam")
    amazon = session(db_path, clock, "amazon", "ivy")
    amazon.request_info(one, "Send the carrier's label, please.")
    clock.advance(minutes=5)
    # the seller sees an awaiting claim it may answer, and Amazon decides meanwhile
    said, granted = race(monkeypatch, "reply", ("seller", seller.reply, one, "Here is the label."),
                         ("amazon", amazon.grant, one, CLAIMED))

    assert granted["value"].status is Status.RESOLVED
    assert "resolved" in refused(said)
    # the grant stands: no silent overwrite back to investigating, no reply recorded after it
    assert stored(db_path, one) == dict(status="resolved", outcome="grant_full", appeal_used=0,
                                        appeal_decided=0, reimbursed_minor=CLAIMED.minor)
    assert history(db_path, one) == [("file", None, "investigating"), ("request_info", "investigating", "awaiting"),
                                     ("grant", "awaiting", "resolved")]
    assert rows(db_path, "SELECT COUNT(*) FROM message WHERE body = 'Here is the label.'") == [(0,)]
    assert lc.check_history(history(db_path, one)) is Status.RESOLVED


def test_two_decisions_racing_on_one_claim_record_one(db_path, one, monkeypatch):
    """Two investigators deciding one claim at once: one decision is recorded, the other is
    refused ('already resolved'); the stored outcome is the recorded one."""
    clock = FixedClock(NOW)
    ivy = session(db_path, clock, "amazon", "ivy")
    joe = session(db_path, clock, "amazon", "joe")
    a, b = race(monkeypatch, "grant", ("ivy", ivy.grant, one, Money.of("10", "USD")),
                ("joe", joe.no_grant, one, "Item not returned"))
    assert ("error" in a) != ("error" in b), (a, b)
    assert "already resolved" in refused(a if "error" in a else b)
    actions = [x for x, _, _ in history(db_path, one)]
    if "error" in a:
        assert actions == ["file", "no_grant"] and stored(db_path, one)["outcome"] == "no_grant"
    else:
        assert actions == ["file", "grant"] and stored(db_path, one)["outcome"] == "grant_partial"
        assert stored(db_path, one)["reimbursed_minor"] == 1000


def test_two_terminals_appealing_at_once_record_one_appeal(db_path, one, monkeypatch):
    clock = FixedClock(NOW)
    session(db_path, clock, "amazon", "ivy").no_grant(one, "Insufficient evidence provided")
    clock.advance(hours=1)
    first = session(db_path, clock, "seller", "sam")
    second = session(db_path, clock, "seller", "sam")  # the same seller in a second terminal
    a, b = race(monkeypatch, "appeal", ("first", first.appeal, one, "The buyer kept the item: tracking attached."),
                ("second", second.appeal, one, "Appeal from the second terminal."))
    assert ("error" in a) != ("error" in b), (a, b)
    refused(a if "error" in a else b)
    assert [x for x, _, _ in history(db_path, one)] == ["file", "no_grant", "appeal"]
    assert rows(db_path, "SELECT COUNT(*) FROM message WHERE kind = 'appeal'") == [(1,)]
    assert stored(db_path, one)["appeal_used"] == 1


def _appeal_worker(path: str, start: str, claims: list[str], barrier, results) -> None:
    """One terminal (process): appeal each claim right when the other terminal does."""
    desk = session(path, FixedClock(datetime.fromisoformat(start)), "seller", "sam")
    out = []
    for no in claims:
        barrier.wait(TIMEOUT)
        try:
            desk.appeal(no, "Appeal: the tracking shows the item was never returned.")
            out.append((no, "ok"))
        except (ServiceError, TransitionError) as exc:
            out.append((no, "refused: " + str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            out.append((no, "error: " + "".join(traceback.format_exception_only(exc)).strip()))
    desk.close()
    results.put(out)


def test_two_processes_appealing_the_same_claims_record_one_appeal_each(db_path):
    """For real: two processes appeal the same 20 claims at the same moment (a barrier per claim).
    Each claim gets exactly one appeal; the other process is refused in words, never 'locked'."""
    n = 20
    nos = seed(db_path, n)
    clock = FixedClock(NOW)
    amazon = session(db_path, clock, "amazon", "ivy")
    for no in nos:
        amazon.no_grant(no, "Insufficient evidence provided")
    amazon.close()
    clock.advance(hours=1)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_appeal_worker, args=(str(db_path), clock.now().isoformat(), nos, barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    outs = [results.get(timeout=TIMEOUT) for _ in procs]
    for p in procs:
        p.join(TIMEOUT)
    for no in nos:
        said = sorted(dict(o)[no] for o in outs)
        assert said[0] == "ok" and said[1].startswith("refused: "), (no, said)
        assert [a for a, _, _ in history(db_path, no)] == ["file", "no_grant", "appeal"]
    assert rows(db_path, "SELECT COUNT(*) FROM message WHERE kind = 'appeal'") == [(n,)]


# -- 14. waiting for another writer ---------------------------------------------------------

class WriteLockHolder:
    """Another program writing: a plain sqlite3 connection that takes the write lock (BEGIN
    IMMEDIATE), changes a row and holds the lock until ``release`` is set or ``hold`` seconds
    pass, then commits. On PostgreSQL, another safet writer: a psycopg connection holding the
    advisory lock every safet writer takes."""

    def __init__(self, path, hold: float = 1.0) -> None:
        self.locked, self.release, self.released = threading.Event(), threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(str(path), hold), daemon=True)
        self.thread.start()
        assert self.locked.wait(TIMEOUT)
        if self.error:
            raise self.error

    def _run(self, path: str, hold: float) -> None:
        if is_server(path):
            import psycopg

            from safet_tui.transactions import WRITE_LOCK_KEY

            con = psycopg.connect(path, autocommit=True)
            begin = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
        else:
            con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            begin = "BEGIN IMMEDIATE"
        try:
            for statement in begin.split("; "):
                con.execute(statement)
            con.execute("INSERT INTO meta (key, value) VALUES ('other_writer', 'was here') "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            self.locked.set()
            self.release.wait(hold)
            con.execute("COMMIT")
            self.released.set()
        except BaseException as exc:  # noqa: BLE001
            self.error = exc
            self.locked.set()
        finally:
            con.close()

    def stop(self) -> None:
        self.release.set()
        self.thread.join(TIMEOUT)


def returns_report(tmp_path: Path, touched: dict[str, str], new: int = 2, created: datetime = NOW,
                   first: int = 0) -> Path:
    """A returns report built from the US sample: one row per claim in ``touched`` (claim no ->
    reported state, 'Resolved' reimbursed in full) plus ``new`` claims the desk does not know
    (numbered from ``first``), all created at ``created`` (the report's date)."""
    text = (SAMPLES / "returns-report-us.tsv").read_bytes().decode("utf-8-sig")
    lines = [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line]
    header, template = lines[0], lines[1]
    col = {name: i for i, name in enumerate(header)}

    def row(order_id, item, no, state, reimbursed=""):
        r = list(template)
        r[col["Order ID"]], r[col["Order Item ID"]], r[col["SafeT claim id"]] = order_id, item, no
        r[col["SafeT claim state"]], r[col["SafeT claim reimbursement amount"]] = state, reimbursed
        r[col["SafeT Action reason"]] = "Item not returned"
        r[col["SafeT claim creation time"]] = created.isoformat()
        r[col["Refunded Amount"]] = r[col["Order Amount"]] = str(CLAIMED.amount)
        r[col["Return delivery date"]] = ""
        return r

    out = [header]
    for no, state in touched.items():
        i = int(no) - int(claim_no(0))
        out.append(row(*order_of(i), no, state, str(CLAIMED.amount) if state == "Resolved" else ""))
    for k in range(first, first + new):
        out.append(row(f"112-9999999-{k:07d}", f"8{k:013d}", f"35{k:08d}", "Under Investigation"))
    path = tmp_path / f"returns-{created:%Y%m%d%H%M%S}-{len(touched)}-{first}-{new}.tsv"
    path.write_text("\r\n".join("\t".join(r) for r in out) + "\r\n", encoding="utf-8")
    return path


def test_an_import_waits_for_another_writer_instead_of_failing(db_path, tmp_path):
    nos = seed(db_path, 3)
    clock = FixedClock(NOW)
    desk = session(db_path, clock, "seller", "sam")
    report = returns_report(tmp_path, {nos[0]: "Resolved"}, new=2, created=NOW - DAY)
    desk.claim(nos[1])  # the desk has read before: its connection is open and warm
    holder = WriteLockHolder(db_path, hold=1.0)
    try:
        summary = run_import(desk, "returns", report)
    finally:
        holder.stop()
    assert holder.error is None
    assert holder.released.is_set()  # it could only write once the other writer let go
    assert summary.claims_created == ["3500000000", "3500000001"]
    assert summary.claims_updated == [nos[0]]
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'other_writer'") == [("was here",)]
    assert stored(db_path, nos[0])["status"] == "resolved"
    assert rows(db_path, "SELECT COUNT(*) FROM import_log") == [(1,)]


def test_desk_writes_wait_for_another_writer(db_path):
    nos = seed(db_path, 2)
    clock = FixedClock(NOW)
    seller = session(db_path, clock, "seller", "sam")
    amazon = session(db_path, clock, "amazon", "ivy")
    seller.claim(nos[0])
    for act in (lambda: amazon.request_info(nos[0], "Photos, please."),
                lambda: seller.reply(nos[0], "Photos attached."),
                lambda: amazon.grant(nos[1], CLAIMED)):
        holder = WriteLockHolder(db_path, hold=0.3)
        try:
            act()
        finally:
            holder.stop()
        assert holder.error is None and holder.released.is_set()
    assert [a for a, _, _ in history(db_path, nos[0])] == ["file", "request_info", "reply"]
    assert stored(db_path, nos[1])["status"] == "resolved"


def test_a_write_waiting_longer_than_lock_wait_is_refused_in_one_line_and_changes_nothing(db_path, tmp_path):
    nos = seed(db_path, 1)
    clock = FixedClock(NOW)
    seller = session(db_path, clock, "seller", "sam", lock_wait=0.3)
    report = returns_report(tmp_path, {nos[0]: "Resolved"}, new=1, created=NOW - DAY)
    holder = WriteLockHolder(db_path, hold=TIMEOUT)
    try:
        before = rows(db_path, "SELECT * FROM claim")  # readers are never blocked in WAL mode
        with pytest.raises(Busy) as refused:
            seller.reply(nos[0], "More detail.")
        assert "busy" in str(refused.value) and "\n" not in str(refused.value)
        with pytest.raises(transactions.DatabaseError) as import_refused:  # the CLI prints a DatabaseError in one line
            run_import(seller, "returns", report)
        assert "busy" in str(import_refused.value)
        assert rows(db_path, "SELECT * FROM claim") == before
    finally:
        holder.stop()
    assert rows(db_path, "SELECT COUNT(*) FROM message") == [(1,)]
    assert rows(db_path, "SELECT COUNT(*) FROM import_log") == [(0,)]



def test_safet_demo_waits_for_another_writer(tmp_path):
    from safet_tui.demo.generate import generate

    path = tmp_path / "demo.db"
    session(path, FixedClock(NOW), "seller", "sam").close()  # an empty database, as a desk leaves it
    holder = WriteLockHolder(path, hold=1.0)
    try:
        result = generate(str(path), claims=20, seed=1, now=NOW)
    finally:
        holder.stop()
    assert holder.released.is_set() and result.claims == 20
    assert rows(path, "SELECT COUNT(*) FROM claim") == [(20,)]

# -- 15. two desks, two files ---------------------------------------------------------------

def test_two_desks_on_two_files_stay_independent(tmp_path):
    a_path, b_path = tmp_path / "a.db", tmp_path / "b.db"
    (no,) = seed(a_path, 1, label="A ")
    seed(b_path, 1, label="B ")  # the same claim number in another file
    clock = FixedClock(NOW)
    a = session(a_path, clock, "amazon", "ivy")
    b = session(b_path, clock, "amazon", "ivy")  # opened last
    assert a.claim(no).description == "A claim 0"
    assert b.claim(no).description == "B claim 0"
    a.request_info(no, "Asked in file A.")
    assert a.claim(no).status is Status.AWAITING
    assert b.claim(no).status is Status.INVESTIGATING
    assert history(a_path, no) == [("file", None, "investigating"), ("request_info", "investigating", "awaiting")]
    assert history(b_path, no) == [("file", None, "investigating")]
    b.no_grant(no, "Decided in file B.")
    assert stored(a_path, no)["status"] == "awaiting"
    assert stored(b_path, no)["status"] == "resolved"
    assert rows(a_path, "SELECT COUNT(*) FROM message WHERE body LIKE '%file B%'") == [(0,)]
    assert rows(b_path, "SELECT COUNT(*) FROM message WHERE body LIKE '%file A%'") == [(0,)]
    assert a.counts()["awaiting"].total == 1 and b.counts()["awaiting"].total == 0


def test_two_desks_on_two_files_in_two_threads_at_once(tmp_path):
    n, rounds = 5, 40
    paths = {"A": tmp_path / "a.db", "B": tmp_path / "b.db"}
    for label, path in paths.items():
        seed(path, n, label=f"{label} ")
    clock = FixedClock(NOW)
    desks = {label: session(path, clock, "seller", "sam") for label, path in paths.items()}
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {"A": [], "B": []}

    def work(label: str) -> None:
        desk = desks[label]
        barrier.wait(TIMEOUT)
        for r in range(rounds):
            no = claim_no(r % n)
            desk.reply(no, f"{label} reply {r}")
            view = desk.claim(no)
            seen[label].append(view.description)
            seen[label].append(view.thread[-1].body)

    threads = [in_thread(label, work, label) for label in paths]
    for t, _ in threads:
        t.join(TIMEOUT)
    for _, out in threads:
        assert "error" not in out, out["error"]
    for label, path in paths.items():
        other = "B" if label == "A" else "A"
        assert all(text.startswith(f"{label} ") for text in seen[label]), seen[label][:6]
        assert rows(path, "SELECT COUNT(*) FROM message WHERE body LIKE ?", (f"{label} reply %",)) == [(rounds,)]
        assert rows(path, "SELECT COUNT(*) FROM message WHERE body LIKE ?", (f"{other} %",)) == [(0,)]


# -- 16. roles ------------------------------------------------------------------------------

def test_a_sellers_desk_cannot_decide(db_path, one):
    clock = FixedClock(NOW)
    seller = session(db_path, clock, "seller", "sam")
    before = snapshot(db_path)
    for act, what in ((lambda: seller.grant(one, CLAIMED), "grant"),
                      (lambda: seller.no_grant(one, "Item not returned"), "deny"),
                      (lambda: seller.request_info(one, "Photos?"), "request information")):
        with pytest.raises(ServiceError) as refused:
            act()
        text = str(refused.value)
        assert "only Amazon can" in text and what in text and "seller" in text and "\n" not in text
    assert snapshot(db_path) == before


def test_an_investigators_desk_cannot_act_for_the_seller(db_path, one, tmp_path):
    clock = FixedClock(NOW)
    amazon = session(db_path, clock, "amazon", "ivy")
    photo = tmp_path / "label.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    amazon.no_grant(one, "Insufficient evidence provided")
    clock.advance(hours=1)
    before = snapshot(db_path)
    files_before = sorted(p.name for p in amazon.attachments_dir.rglob("*")) if amazon.attachments_dir.exists() else []
    order_id, item = order_of(7)
    for act, what in ((lambda: amazon.reply(one, "A reply"), "reply"),
                      (lambda: amazon.appeal(one, "An appeal"), "appeal"),
                      (lambda: amazon.attach(one, str(photo)), "attach"),
                      (lambda: amazon.file_claim(account_id=1, order_id=order_id, order_item_id=item,
                                                 reason_code="abuse", amount=CLAIMED, description="Empty box.",
                                                 refund_at=NOW - DAY), "file a claim")):
        with pytest.raises(ServiceError) as refused:
            act()
        text = str(refused.value)
        assert "only a seller can" in text and what in text and "amazon" in text and "\n" not in text
    assert snapshot(db_path) == before
    files_after = sorted(p.name for p in amazon.attachments_dir.rglob("*")) if amazon.attachments_dir.exists() else []
    assert files_after == files_before


# -- a database that cannot be written ------------------------------------------------------------

DROP = "-dac_override,-dac_read_search,-fowner"
_READ_ONLY_CHILD = """
import sys
from datetime import datetime
from safet_tui.domain.clock import FixedClock
from safet_tui.service.desk import Desk, ReadOnly
desk = Desk(sys.argv[1], clock=FixedClock(datetime.fromisoformat(sys.argv[3])), user="sam")
print(desk.claim(sys.argv[2]).description)
try:
    desk.reply(sys.argv[2], "A reply nobody can store.")
except ReadOnly as exc:
    print("ReadOnly:", exc)
"""


@pytest.mark.backends("sqlite")
def test_a_read_only_database_refuses_writes_in_one_line_and_changes_nothing(db_path, one, tmp_path):
    """As a user without root's override of file modes (setpriv drops it): the desk still reads,
    a write raises ReadOnly, ``safet import`` prints one line, and nothing changes."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's override of file modes")
    report = returns_report(tmp_path, {one: "Resolved"}, new=1, created=NOW - DAY)
    before = snapshot(db_path)
    db_path.chmod(0o444)
    as_user = [setpriv, f"--inh-caps={DROP}", f"--bounding-set={DROP}"]
    try:
        child = subprocess.run([*as_user, sys.executable, "-c", _READ_ONLY_CHILD, str(db_path), one, NOW.isoformat()],
                               capture_output=True, text=True, timeout=TIMEOUT)
        assert child.returncode == 0, child.stderr
        assert child.stdout.splitlines() == ["claim 0", "ReadOnly: the database is read-only: nothing can be changed here"]
        cli = subprocess.run([*as_user, sys.executable, "-m", "safet_tui.cli.main", "--db", str(db_path), "import",
                              "returns", str(report)], capture_output=True, text=True, timeout=TIMEOUT)
        assert cli.returncode == 1
        assert cli.stderr.strip().splitlines() == ["safet: error: the database is read-only: nothing can be changed here"]
    finally:
        db_path.chmod(0o644)
    assert snapshot(db_path) == before


def test_a_database_in_a_read_only_folder_is_read_as_it_stands_and_refuses_writes_in_one_line(tmp_path):
    """SQLite keeps its journal beside the database: with neither writable it is read as it stands
    (it said "not a safet database", then refused at start): ``safet report`` prints its figures and
    a write refuses in one line, changing nothing."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's override of file modes")
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "x.db"
    seed(db, 2)
    report = returns_report(tmp_path, {}, new=1, created=NOW - DAY)
    before = snapshot(db)
    for p in folder.iterdir():
        p.chmod(0o444)
    folder.chmod(0o555)
    as_user = [setpriv, f"--inh-caps={DROP}", f"--bounding-set={DROP}", sys.executable, "-m", "safet_tui.cli.main",
               "--db", str(db)]
    try:
        figures = subprocess.run([*as_user, "report", "--period", "all", "--format", "json"], capture_output=True,
                                 text=True, timeout=TIMEOUT)
        write = subprocess.run([*as_user, "import", "returns", str(report)], capture_output=True, text=True,
                               timeout=TIMEOUT)
    finally:
        folder.chmod(0o755)
    assert figures.returncode == 0, figures.stderr
    assert json.loads(figures.stdout)["headline"]["claims_filed"] == 2
    assert write.returncode == 1
    assert write.stderr.strip().splitlines() == ["safet: error: the database is read-only: nothing can be changed here"]
    assert snapshot(db) == before


@pytest.mark.backends("sqlite")  # two desks on one server URL in one thread share a pooled connection
def test_a_claim_is_read_in_one_snapshot_while_another_terminal_replies(demo_db, clock):
    """The claim's row and its thread come from one state of the database: a reply committed by
    another terminal between the two reads is either wholly in the view or wholly not (it was
    seen as the reply on the thread with the claim still awaiting it)."""
    from safet_tui.service.desk import Desk

    reader, other = Desk(str(demo_db), clock=clock, user="a"), Desk(str(demo_db), clock=clock, user="b")
    try:
        claim_no = reader.window("awaiting", 0, 1)[0].claim_no
        real_thread = type(reader)._thread
        replied = []

        def thread_after_a_reply(self, c, atts):
            if self is reader and not replied:
                replied.append(True)
                other.reply(claim_no, "sent from the other terminal")
            return real_thread(self, c, atts)

        type(reader)._thread = thread_after_a_reply
        try:
            view = reader.claim(claim_no)
        finally:
            type(reader)._thread = real_thread
        assert replied
        bodies = [m.body for m in view.thread]
        assert view.status.value == "awaiting" and "sent from the other terminal" not in bodies
        after = reader.claim(claim_no)
        assert after.status.value == "investigating"
        assert "sent from the other terminal" in [m.body for m in after.thread]
    finally:
        reader.close()
        other.close()
