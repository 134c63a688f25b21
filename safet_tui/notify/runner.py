"""Sending what the outbox holds: each notice to the people who want it, one e-mail each (or one
digest per person per N minutes), a Delivery row committed right after the server accepted each
e-mail, so a run killed between two e-mails never sends one twice.

A server that cannot be reached leaves the outbox as it was (nothing is marked sent) and the run
ends with one line; the notices it could not send are tried again later, waiting longer each
time (``domain.notices.retry_delay``). A notice whose deadline was met meanwhile is done unsent.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

import peewee as pw

from safet_tui.db import sql_for
from safet_tui.domain.clock import to_epoch
from safet_tui.domain.notices import (
    GIVE_UP_AFTER,
    KEEP_SENT,
    digest_due,
    gives_up,
    retry_delay,
    wants,
)
from safet_tui.notify.compose import Links, build
from safet_tui.notify.gather import PAGE, Notice, pending_ids, read
from safet_tui.notify.reminders import queue_reminders
from safet_tui.notify.settings import NotifySettings, Person
from safet_tui.notify.smtp import MailError, NotConfigured, Refused
from safet_tui.service.desk import Desk
from safet_tui.service.visibility import Visibility, visibility_of
from safet_tui.transactions import DatabaseBusy, bound, write_transaction

#: seconds the record of an e-mail the server accepted waits for another writer (an import holds
#: the lock for seconds): given up, the e-mail would be sent again by the next run
RECORD_WAIT = 600.0


class Transport(Protocol):
    def send(self, msg: EmailMessage, recipient: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class RunResult:
    reminders: int = 0
    sent: int = 0
    notices_done: int = 0
    held: int = 0
    refused: list[str] = field(default_factory=list)
    #: notices given up on: refused too many times (their recipient, the server's last answer)
    given_up: list[str] = field(default_factory=list)
    error: str = ""
    #: asked to stop before every notice was sent (the rest wait for the next run)
    stopped: bool = False
    #: another run was sending: this one left everything to it
    skipped: bool = False

    def line(self) -> str:
        if self.skipped:
            return "another safet notify is sending: it sends these too; nothing done here"
        parts = [f"{self.sent} e-mail{'s' * (self.sent != 1)} sent", f"{self.notices_done} notice(s) done"]
        if self.reminders:
            parts.append(f"{self.reminders} reminder(s) queued")
        if self.held:
            parts.append(f"{self.held} held for the next digest or retry")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        if self.given_up:
            parts.append(f"{len(self.given_up)} given up after {GIVE_UP_AFTER} failed tries")
        if self.stopped:
            parts.append("stopped: the rest is sent next time")
        return "; ".join(parts)


class _Rollback(Exception):
    pass


class _Stopped(Exception):
    pass


class Notifier:
    def __init__(self, desk: Desk, settings: NotifySettings, links: Links, *, reminders: bool = True,
                 lock_wait: float = 30.0, stop: Callable[[], bool] = lambda: False) -> None:
        self.desk = desk
        #: asked between two e-mails: True ends the run there (ctrl+c, SIGTERM), nothing half done
        self.stop = stop
        self.settings = settings
        self.links = links
        self.reminders = reminders
        self.lock_wait = lock_wait

    @property
    def database(self) -> pw.Database:
        return self.desk.database

    def _sql(self, text: str, params: tuple = ()) -> list[tuple]:
        return list(self.database.execute_sql(sql_for(self.database, text), params))

    def recipients(self, n: Notice) -> list[Person]:
        """Who is told: by subscription, and only of the accounts each may see (a seller user added
        with --account hears of those accounts' claims and refunds, whatever they subscribed to)."""
        return [p for p in self.settings.people
                if (p.reminders or n.reminder is None) and wants(p.user, self.settings.subscriptions(p), n.about)
                and self._visible(p.user).allows(n.about.account)]

    def _visible(self, user: str) -> Visibility:
        known = self.__dict__.setdefault("_visibility", {})  # per run (see _run): users change
        if user not in known:
            known[user] = visibility_of(user)
        return known[user]

    # -- a run ----------------------------------------------------------------------------------
    def run(self, transport: Transport, *, dry_run: bool = False) -> RunResult:
        """Queue the reminders due now, then send every notice due (``dry_run``: hand the e-mails to
        the transport and then undo every write, so nothing is queued or marked)."""
        with bound(self.database):
            if not dry_run:
                with sending_alone(self.database) as alone:
                    if not alone:
                        transport.close()
                        return RunResult(skipped=True)
                    return self._run(transport)
            result = RunResult()
            try:
                with write_transaction(self.database, self.lock_wait):
                    result = self._run(transport)
                    raise _Rollback
            except _Rollback:
                pass
            return result

    def _run(self, transport: Transport) -> RunResult:
        result = RunResult()
        self.__dict__.pop("_visibility", None)
        self.desk.catch_up()  # a reply-by passed unanswered is a status change like any other
        now = self.desk.now()
        with write_transaction(self.database, self.lock_wait):
            if self.reminders:
                result.reminders = queue_reminders(self.database, now)
            # sent long ago: forgotten (with their deliveries)
            self.database.execute_sql(sql_for(self.database, "DELETE FROM outbox WHERE done_at < ?"),
                                      (to_epoch(now - KEEP_SENT),))
        if not self.settings.people:
            result.error = "nobody to tell: add [notifications.users.NAME] with an email to the config"
            return result
        ids = pending_ids(self.database, to_epoch(now))
        try:
            if self.settings.digest_minutes > 0:
                self._digests(ids, transport, now, result)
            else:
                for start in range(0, len(ids), PAGE):
                    self._page(ids[start:start + PAGE], transport, now, result)
        except MailError as exc:
            result.error = str(exc)
            if not isinstance(exc, NotConfigured):
                self._retry_later(ids, now, result.error, result)
        except _Stopped:
            result.stopped = True
        finally:
            transport.close()
        return result

    def _delivered(self, ids: list[int]) -> dict[int, set[str]]:
        done: dict[int, set[str]] = {}
        for start in range(0, len(ids), PAGE):
            part = ids[start:start + PAGE]
            for oid, who in self._sql(f"SELECT outbox_id, recipient FROM delivery WHERE outbox_id IN "
                                      f"({', '.join('?' * len(part))})", tuple(part)):
                done.setdefault(oid, set()).add(who)
        return done

    def _page(self, ids: list[int], transport: Transport, now: datetime, result: RunResult) -> None:
        notices = read(self.database, ids, self.desk.policies, now)
        delivered = self._delivered(ids)
        for n in notices:
            if self.stop():
                raise _Stopped
            people = [] if n.stale else self.recipients(n)
            owed = [p for p in people if p.email not in delivered.get(n.outbox_id, set())]
            if not owed:
                self._record(n.outbox_id, None, now, done=True)
                result.notices_done += 1
                continue
            refused = False
            for i, person in enumerate(owed):
                msg = build([n], person.email, self.settings.from_address, self.links, now)
                if not self._send(transport, msg, person.email, [n.outbox_id], now, result):
                    refused = True  # tried again later; the others are not held back by it
                    continue
                last = i == len(owed) - 1 and not refused
                self._record(n.outbox_id, person.email, now, done=last)
                result.notices_done += last

    def _digests(self, ids: list[int], transport: Transport, now: datetime, result: RunResult) -> None:
        """One e-mail per person holding everything owed to them, at most once per N minutes."""
        owed: dict[str, list[Notice]] = {}
        need: dict[int, set[str]] = {}
        delivered = self._delivered(ids)
        for start in range(0, len(ids), PAGE):
            for n in read(self.database, ids[start:start + PAGE], self.desk.policies, now):
                people = [] if n.stale else self.recipients(n)
                need[n.outbox_id] = {p.email for p in people}
                for p in people:
                    if p.email not in delivered.get(n.outbox_id, set()):
                        owed.setdefault(p.email, []).append(n)
        for email, notices in owed.items():
            if self.stop():
                raise _Stopped
            row = self._sql("SELECT MAX(sent_at) FROM delivery WHERE recipient = ?", (email,))
            last = row[0][0] if row else None
            if not digest_due(None if last is None else _dt(last), now, self.settings.digest_minutes):
                result.held += len(notices)
                continue
            msg = build(notices, email, self.settings.from_address, self.links, now)
            oids = [n.outbox_id for n in notices]
            if self._send(transport, msg, email, oids, now, result):
                with write_transaction(self.database, RECORD_WAIT):
                    for oid in oids:
                        self._deliver(oid, email, now)
                    delivered = {**delivered, **{oid: delivered.get(oid, set()) | {email} for oid in oids}}
        done = [oid for oid, who in need.items() if who <= delivered.get(oid, set())]
        with write_transaction(self.database, self.lock_wait):
            self.database.cursor().executemany(
                sql_for(self.database, "UPDATE outbox SET done_at = ? WHERE id = ?"), [(to_epoch(now), oid) for oid in done])
        result.notices_done += len(done)

    def _send(self, transport: Transport, msg: EmailMessage, email: str, oids: list[int], now: datetime,
              result: RunResult) -> bool:
        try:
            transport.send(msg, email)
        except Refused as exc:
            result.refused.append(f"{email}: {exc}")
            # given up on only when each notice goes to one person at a time: a digest's notices
            # may still be owed to others whose digest is not due yet
            self._retry_later(oids, now, f"{email}: {exc}", result,
                              refused=self.settings.digest_minutes <= 0)
            return False
        result.sent += 1
        return True

    # -- writes (each its own short transaction: a kill loses nothing and repeats nothing) --------
    def _deliver(self, oid: int, email: str, now: datetime) -> None:
        self.database.execute_sql(sql_for(self.database,
            "INSERT INTO delivery (outbox_id, recipient, sent_at) VALUES (?, ?, ?) "
            "ON CONFLICT (outbox_id, recipient) DO NOTHING"), (oid, email, to_epoch(now)))

    def _record(self, oid: int, email: str | None, now: datetime, *, done: bool) -> None:
        with write_transaction(self.database, RECORD_WAIT if email is not None else self.lock_wait):
            if email is not None:
                self._deliver(oid, email, now)
            if done:
                self.database.execute_sql(sql_for(self.database, "UPDATE outbox SET done_at = ? WHERE id = ?"),
                                          (to_epoch(now), oid))

    def _retry_later(self, ids: list[int], now: datetime, error: str, result: RunResult, *,
                     refused: bool = False) -> None:
        """Not sent this time: try again after a pause that grows with each failure; a notice the
        server refused once too often (``refused``) is done, unsent, its last answer kept."""
        if not ids:
            return
        with write_transaction(self.database, self.lock_wait):
            rows = []
            for start in range(0, len(ids), PAGE):
                part = ids[start:start + PAGE]
                rows += self._sql(f"SELECT id, attempts FROM outbox WHERE done_at IS NULL AND id IN "
                                  f"({', '.join('?' * len(part))})", tuple(part))
            done = [(oid, a) for oid, a in rows if refused and gives_up(a + 1)]
            self.database.cursor().executemany(
                sql_for(self.database, "UPDATE outbox SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?"),
                [(a + 1, to_epoch(now + retry_delay(a + 1)), error[:500], oid) for oid, a in rows])
            self.database.cursor().executemany(
                sql_for(self.database, "UPDATE outbox SET done_at = ?, last_error = ? WHERE id = ?"),
                [(to_epoch(now), f"given up after {a + 1} failed tries: {error}"[:500], oid) for oid, a in done])
        result.given_up += [error] * len(done)

    # -- watching -------------------------------------------------------------------------------
    def watch(self, make_transport: Callable[[], Transport], report: Callable[[RunResult], None],
              *, rescan: float = 60.0) -> None:
        """Send as changes happen: a run whenever another connection commits (SQLite's data
        version, checked every ``watch_interval`` seconds), and at least every ``rescan`` seconds
        for deadlines, digests and retries that time alone makes due."""
        seen: int | None = None
        last_run = float("-inf")
        stop = self.stop
        while not stop():
            version = self.desk.data_version()
            if version != seen or time.monotonic() - last_run >= rescan:
                try:
                    report(self.run(make_transport()))
                    seen, last_run = self.desk.data_version(), time.monotonic()
                except DatabaseBusy as exc:  # an import holds the lock: say so once, try again soon
                    report(RunResult(error=str(exc)))
                    seen = None
            for _ in _ticks(self.settings.watch_interval):
                if stop():
                    return


#: the PostgreSQL session lock one ``safet notify`` run holds while it sends (the ASCII of "NOTIFY")
NOTIFY_LOCK_KEY = 0x4E4F54494659


@contextmanager
def sending_alone(database: pw.Database) -> Iterator[bool]:
    """Whether this is the only run sending: two runs at once (cron starting the next while a big
    batch is still going, or beside ``--watch``, or on another machine) would read the same
    pending notices and both send them. On SQLite a lock on a file beside the database; on
    PostgreSQL a session advisory lock on the run's connection. Either is let go by the system if
    the process dies."""
    if not isinstance(database, pw.SqliteDatabase):
        if not database.execute_sql("SELECT pg_try_advisory_lock(%s)", (NOTIFY_LOCK_KEY,)).fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (NOTIFY_LOCK_KEY,))
        return
    path = database.database
    if not path or path == ":memory:" or str(path).startswith("file:"):
        yield True
        return
    fd = os.open(f"{path}.notify-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # lets go of the lock


def _ticks(seconds: float) -> Iterator[None]:
    """Sleep ``seconds`` in short steps, asking to stop between them."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))
        yield


def _dt(epoch: int) -> datetime:
    from safet_tui.domain.clock import from_epoch

    return from_epoch(epoch)
