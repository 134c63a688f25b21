"""A desk session: one person (user and role) on one database, with its own connection, and the
write path every change takes (one transaction that holds the write lock from its first statement
and re-reads the claim it changes)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Self

from safet_tui import attachments as store
from safet_tui.attachments import AttachmentError
from safet_tui.db import (
    Account,
    Attachment,
    Claim,
    Message,
    ReadMark,
    StatusEvent,
    index_messages,
    is_sqlite,
    meta_get,
    meta_set,
)
from safet_tui.db_open import DbTarget, open_database, parse_db_url, read_only_reason
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import Clock, to_epoch
from safet_tui.domain.lifecycle import Actor, ClaimState, Status
from safet_tui.domain.marketplaces import Policies, Policy
from safet_tui.domain.reasons import Evidence
from safet_tui.outbox import queue_status_changes
from safet_tui.service.errors import AttachmentRefused, Busy, NotFound, ReadOnly, ServiceError
from safet_tui.service.visibility import Visibility, visibility_of
from safet_tui.transactions import (
    DatabaseBusy,
    DatabaseConflict,
    DatabaseReadOnly,
    bound,
    close_database,
    write_transaction,
)

#: what a refused write says on a database this desk cannot change (as the transaction layer does)
READ_ONLY = "the database is read-only: nothing can be changed here"


def latest_reply_by(policy: Policy, reply_by: datetime, learned: datetime) -> datetime:
    """The latest an estimated reply-by can be: the marketplace's window counted from when the
    desk learned of the request (the request came then at the latest)."""
    return policy.reply_by(max(reply_by, learned))


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return os.environ.get("USER", "seller")


@dataclass
class Evidenced:
    """A file to attach, with the evidence it stands for (if any)."""

    path: str
    evidence: Evidence | None = None


class Session:
    """What every part of the Desk stands on: the connection, the clock, who is acting."""

    def __init__(self, target: DbTarget | str | None = None, *, clock: Clock | None = None,
                 policies: Policies | None = None, user: str | None = None, role: Actor | str = Actor.SELLER,
                 attachment_limit: int = store.DEFAULT_LIMIT, lock_wait: float = 30.0,
                 files_in: Path | str | None = None) -> None:
        self.target = target if isinstance(target, DbTarget) else parse_db_url(target)
        self.database = open_database(self.target)
        #: why this desk cannot change the database ('' when it can): shown in the status line,
        #: and every write is refused up front (file mode, read-only folder or mount)
        self.read_only = read_only_reason(self.target.path) if self.target.kind == "sqlite" else ""
        self.clock = clock or Clock()
        self.policies = policies or Policies()
        self.user = user or default_user()
        self.role = Actor(role)
        self.attachment_limit = attachment_limit
        self.attachments_dir = self.target.attachments_dir
        #: seconds a write waits for another writer before it is refused
        self.lock_wait = lock_wait
        #: the one folder this desk reads and writes files in (a browser visitor's), else None: anywhere
        self.files_in = Path(files_in).resolve() if files_in else None
        #: epoch before which no reply-by or appeal-by can pass (see catch_up)
        self._quiet_until: int | None = None
        #: status events this session's person made (their desk does not alert them of those)
        self._own_events: set[int] = set()
        #: the accounts this person may see and act on (a seller user added with --account: only
        #: theirs); every read and write of the desk takes its clause from here
        with bound(self.database):
            self.visible: Visibility = visibility_of(self.user)

    def as_role(self, role: Actor | str, user: str | None = None) -> Self:
        """Another session on the same database (its own connection), as ``role``: a second
        terminal, for an investigator beside a seller."""
        role = Actor(role)
        if role is self.role and user in (None, self.user):
            return self
        key = (role, user or self.user)
        sessions = self.__dict__.setdefault("_sessions", {})
        if key not in sessions:
            sessions[key] = type(self)(self.target, clock=self.clock, policies=self.policies, user=key[1], role=role,
                                 attachment_limit=self.attachment_limit, lock_wait=self.lock_wait,
                                 files_in=self.files_in)
        return sessions[key]

    def change_listener(self):
        """PostgreSQL: this desk's LISTEN connection, counting other desks' writes (opened on first use)."""
        listener = self.__dict__.get("_listener")
        if listener is None:
            from safet_tui.postgres import ChangeListener

            listener = self.__dict__["_listener"] = ChangeListener(self.database)
        return listener

    def close(self) -> None:
        for other in self.__dict__.get("_sessions", {}).values():
            other.close()
        if (listener := self.__dict__.pop("_listener", None)) is not None:
            listener.close()
        close_database(self.database)  # on PostgreSQL every pooled connection of this desk

    def now(self) -> datetime:
        return self.clock.now()

    def _horizon(self) -> int:
        return int(meta_get("unread_horizon", "0") or 0)

    def _policy_for(self, claim: Claim):
        return self.policies[Account.get_by_id(claim.account_id).marketplace]

    def _state(self, c: Claim) -> ClaimState:
        return lc.stored_state(c.status, c.currency, c.claimed_minor, c.reimbursed_minor, c.outcome, c.denial_reason,
                               c.reply_by, c.appeal_by, c.appeal_used, c.appeal_decided)

    def _held_to(self, c: Claim) -> ClaimState:
        """The state a seller's action is checked against. An estimated deadline is shown as the
        earliest the real one can be, but the seller is held only to the latest it can be: the
        window counted from when the desk learned of the request or decision (``changed_at``),
        so an estimate never refuses a reply or an appeal Amazon would still take."""
        state = self._state(c)
        if not c.deadline_estimated:
            return state
        policy, learned = self._policy_for(c), c.changed_at
        if state.reply_by is not None:
            state = lc.replace(state, reply_by=latest_reply_by(policy, state.reply_by, learned))
        if state.appeal_by is not None:
            state = lc.replace(state, appeal_by=max(state.appeal_by, policy.appeal_by(learned)))
        return state

    def _may(self, actor: Actor, what: str) -> None:
        """Refuse an action this session's role may not take (the lifecycle checks it again)."""
        if self.role is not actor:
            who = "a seller" if actor is Actor.SELLER else "Amazon"
            raise ServiceError(f"only {who} can {what}; this desk runs as {self.role.value}")

    @contextmanager
    def _tx(self, wait: float | None = None) -> Iterator[None]:
        """One write transaction holding the write lock from its first statement, so what it reads
        is what it changes (:func:`transactions.write_transaction`). Waits up to ``lock_wait`` seconds for
        another writer, then refuses with :class:`Busy`; a database that cannot be written refuses
        with :class:`ReadOnly`. A conflict with another program's transaction (PostgreSQL:
        serialization failure, deadlock) is let through as ``DatabaseConflict``: the Desk runs the
        whole call again (``transactions.retrying``, in ``desk._binds_database``)."""
        if self.read_only:
            raise ReadOnly(READ_ONLY)
        try:
            with write_transaction(self.database, self.lock_wait if wait is None else wait):
                yield
        except DatabaseConflict:
            raise
        except DatabaseBusy as exc:
            raise Busy(str(exc)) from None
        except DatabaseReadOnly as exc:
            raise ReadOnly(str(exc)) from None

    def _locked(self, claim_no: str) -> Claim:
        """The claim as it is now, inside the write transaction (row-locked on PostgreSQL)."""
        query = Claim.select().where(Claim.claim_no == str(claim_no).strip())
        if not is_sqlite(self.database):
            query = query.for_update()
        claim = query.first()
        if claim is None or not self._sees(claim):
            raise NotFound(f"no claim {claim_no!r}")
        return claim

    def _sees(self, claim: Claim) -> bool:
        """Whether this person may see the claim (a claim of another seller's account is, for
        them, no claim at all: refused as not found, with the same words)."""
        return not self.visible.limited or self.visible.allows(Account.get_by_id(claim.account_id).name)

    def _apply(self, claim: Claim, new: ClaimState, event: lc.Event | None, message: tuple[str, str, str],
               stored: Sequence[store.StoredFile] = (), *, user: str | None = None, at: datetime | None = None,
               estimated: bool = False) -> None:
        """Write what the lifecycle decided (inside the caller's transaction)."""
        now = self.now()
        fields = dict(
            status=new.status.value, outcome=new.outcome.value if new.outcome else None,
            denial_reason=new.denial_reason,
            reimbursed_minor=None if new.reimbursed is None else new.reimbursed.minor,
            reply_by=new.reply_by, appeal_by=new.appeal_by, appeal_used=new.appeal_used,
            appeal_decided=new.appeal_decided, updated_at=now,
            due_at=lc.deadline_of(new.status, new.outcome, new.reply_by, new.appeal_by, new.appeal_used, now),
        )
        if event is not None:
            fields["changed_at"] = now
            # a deadline set by this step is known (stated, or the policy's from a recorded time);
            # one carried over keeps its kind
            if new.deadline != self._state(claim).deadline or new.deadline is None:
                fields["deadline_estimated"] = estimated
            if event.to_status is Status.RESOLVED and claim.decided_at is None:
                fields["decided_at"] = event.at
        Claim.update(**fields).where(Claim.id == claim.id).execute()
        side, kind, body = message
        msg = self._add_message(claim, side, kind, body, at or now, user=user)
        for sf in stored:
            self._add_attachment(claim, msg, sf, now)
        if event is not None:
            self._event(claim, event, user=user)
        if side == "seller":
            # What you did yourself is not news to you.
            self._mark(claim.id, now)

    def _add_message(self, claim: Claim, side: str, kind: str, body: str, at: datetime,
                     user: str | None = None) -> Message:
        msg = Message.create(claim=claim, side=side, kind=kind, author=user or self.user, body=body,
                             created_at=at)
        index_messages(self.database, rows=[(msg.id, body)])
        return msg

    def _add_attachment(self, claim: Claim, msg: Message | None, sf: store.StoredFile, at: datetime) -> Attachment:
        return Attachment.create(claim=claim, message=msg, name=sf.name, size=sf.size, sha256=sf.sha256,
                                 media_type=sf.media_type, created_at=at)

    def _event(self, claim: Claim, event: lc.Event, user: str | None = None) -> None:
        row = StatusEvent.create(
            claim=claim, at=event.at, actor=event.actor.value, user=user or self.user, action=event.action,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value, note=event.note,
        )
        queue_status_changes(self.database, row.id - 1)  # its notification, in this transaction
        if user is None and event.from_status is not None:  # their own change: no news to their desk
            self._own_events.add(row.id)  # (a filing is no change: status_changes_after never counts it)

    def _mark(self, claim_id: int, at: datetime | None) -> None:
        seen = to_epoch(at) if at is not None else 0
        (ReadMark.insert(user=self.user, claim=claim_id, seen_at=seen)
         .on_conflict(conflict_target=[ReadMark.user, ReadMark.claim], update={ReadMark.seen_at: seen})
         .execute())

    def local_path(self, path: str | Path) -> str:
        """``path`` as this desk may use it: anywhere, or for a desk kept to one folder (``files_in``)
        only inside it (a relative path is taken from there; links are followed first, so none
        leads out). Refused in one line that quotes nothing but the folder's name."""
        if self.files_in is None:
            return str(Path(path).expanduser())
        full = (self.files_in / Path(path)).resolve()  # an absolute path replaces the folder
        if full != self.files_in and not full.is_relative_to(self.files_in):
            raise ServiceError(f"only files in your folder {self.files_in.name}/ can be used here")
        return str(full)

    def _store(self, path: str) -> store.Staged:
        """Copy a file into the attachment store under a temporary name (before the write
        transaction: hashing up to the limit must not hold the lock); a file that cannot be
        attached is refused in one line."""
        path = self.local_path(path)
        try:
            return store.stage_file(self.attachments_dir, path, self.attachment_limit)
        except AttachmentError as exc:
            raise AttachmentRefused(str(exc)) from exc

    @contextmanager
    def _staging(self, paths: Sequence[str]) -> Iterator[list[store.StoredFile]]:
        """The files copied in for a write (``with self._staging(paths) as files, self._tx(): …``).

        Each is copied under a temporary name first and put in place only after the body, that is
        after the transaction that records it has committed (an instant later, by a rename in the
        same folder). A refusal anywhere before that (a file, the rules, a busy database) removes
        them all, so the store never keeps a file the database did not take. Should the rename
        fail after the commit, the copy is kept (not removed) and the error says so."""
        staged: list[store.Staged] = []
        committed = False
        try:
            for path in paths:
                staged.append(self._store(path))
            yield [s.file for s in staged]
            committed = True
            for s in staged:
                try:
                    store.publish(s)
                except OSError as exc:
                    raise ServiceError(f"recorded, but {s.file.name} could not be put in the attachment store "
                                       f"({exc.strerror or exc}); its copy is {s.temp}") from exc
        finally:
            if not committed:
                for s in staged:
                    store.discard(s)

    def attachment_path(self, sha256: str) -> Path:
        return store.stored_path(self.attachments_dir, sha256)


def set_unread_horizon(at: datetime) -> None:
    meta_set("unread_horizon", str(to_epoch(at)))
