"""The service API: the only way screens and commands read or change claims.

Every write is one transaction; a refused action raises ServiceError (or the
domain's TransitionError) with a message fit for a person, and changes nothing.
"""

from __future__ import annotations

import functools
import getpass
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from safet_tui.db import (
    DB,
    Account,
    Attachment,
    Claim,
    DatabaseBusy,
    DatabaseReadOnly,
    DbTarget,
    Message,
    Product,
    ReadMark,
    Refund,
    StatusEvent,
    bound,
    is_sqlite,
    meta_get,
    meta_set,
    open_database,
    parse_db_url,
    write_transaction,
)
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import Clock, from_epoch, to_epoch
from safet_tui.domain.eligibility import Eligibility, check_filing
from safet_tui.domain.lifecycle import Actor, ClaimState, Outcome, Status, TransitionError
from safet_tui.domain.marketplaces import Policies
from safet_tui.domain.money import Money
from safet_tui.domain.reasons import Evidence, reason
from safet_tui.service import attachments as store
from safet_tui.service.queries import Filter, ListQueries, execute
from safet_tui.service.views import (
    AccountView,
    AttachmentView,
    ClaimView,
    ListRow,
    RefundView,
    TabCount,
    ThreadItem,
)


class ServiceError(ValueError):
    """An action that cannot be done; the message says why."""


class NotFound(ServiceError):
    pass


class Busy(ServiceError):
    """Another writer held the database longer than this desk waits; nothing was changed."""


class ReadOnly(ServiceError):
    """The database cannot be written (file mode, read-only mount, full disk)."""


def _binds_database(cls):
    """Every public method of the Desk runs with the models bound to this desk's own database,
    so two desks on two files in one process stay independent (see ``db.bound``)."""
    for name, fn in list(vars(cls).items()):
        if name.startswith("_") or not callable(fn):
            continue

        def wrap(fn):
            @functools.wraps(fn)
            def inner(self, *args, **kwargs):
                with bound(self.database):
                    return fn(self, *args, **kwargs)
            return inner

        setattr(cls, name, wrap(fn))
    return cls


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


@_binds_database
class Desk:
    """One person's session on one database: who they are (user and role) and the connection.

    Every change reads the claim it changes and writes it in one transaction that holds the
    write lock from its first statement (``BEGIN IMMEDIATE`` on SQLite, a row lock on
    PostgreSQL), and checks the lifecycle's rules there, for this session's role."""

    def __init__(self, target: DbTarget | str | None = None, *, clock: Clock | None = None,
                 policies: Policies | None = None, user: str | None = None, role: Actor | str = Actor.SELLER,
                 attachment_limit: int = store.DEFAULT_LIMIT, lock_wait: float = 30.0) -> None:
        self.target = target if isinstance(target, DbTarget) else parse_db_url(target)
        self.database = open_database(self.target)
        self.clock = clock or Clock()
        self.policies = policies or Policies()
        self.user = user or default_user()
        self.role = Actor(role)
        self.attachment_limit = attachment_limit
        self.attachments_dir = self.target.attachments_dir
        #: seconds a write waits for another writer before it is refused
        self.lock_wait = lock_wait
        #: epoch before which no reply-by or appeal-by can pass (see catch_up)
        self._quiet_until: int | None = None

    def as_role(self, role: Actor | str, user: str | None = None) -> Desk:
        """Another session on the same database (its own connection), as ``role``: a second
        terminal, for an investigator beside a seller."""
        role = Actor(role)
        if role is self.role and user in (None, self.user):
            return self
        key = (role, user or self.user)
        sessions = self.__dict__.setdefault("_sessions", {})
        if key not in sessions:
            sessions[key] = Desk(self.target, clock=self.clock, policies=self.policies, user=key[1], role=role,
                                 attachment_limit=self.attachment_limit, lock_wait=self.lock_wait)
        return sessions[key]

    def close(self) -> None:
        for other in self.__dict__.get("_sessions", {}).values():
            other.close()
        if not self.database.is_closed():
            self.database.close()

    def now(self) -> datetime:
        return self.clock.now()

    # -- reads ----------------------------------------------------------------
    def _horizon(self) -> int:
        return int(meta_get("unread_horizon", "0") or 0)

    def lists(self) -> ListQueries:
        return ListQueries(self.user, self.now(), self._horizon())

    def counts(self, text: str = "") -> dict[str, TabCount]:
        self.catch_up()
        return self.lists().counts(Filter(text))

    def count(self, tab: str, text: str = "") -> int:
        return self.lists().count(tab, Filter(text))

    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline", text: str = "") -> list[ListRow]:
        self.catch_up()
        return self.lists().window(tab, offset, limit, sort, Filter(text))

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap to poll)."""
        if is_sqlite(self.database):
            return execute("PRAGMA data_version").fetchone()[0]
        row = execute("SELECT COALESCE(MAX(id), 0) + (SELECT COUNT(*) FROM status_event) FROM message").fetchone()
        return int(row[0])

    def accounts(self) -> list[AccountView]:
        return [AccountView(a.id, a.name, a.marketplace, a.currency) for a in Account.select().order_by(Account.id)]

    def analytics(self, period: str = "90d", account: int | str | None = None, marketplace: str | None = None,
                  bucket: str | None = None):
        """Dashboard figures (see safet_tui.service.analytics) for a period and an account (id or name) / marketplace."""
        from safet_tui.service import analytics

        self.catch_up()
        scope = analytics.resolve_scope(account, marketplace)
        return analytics.compute(self.now(), period, scope, bucket)

    def export_analytics(self, figures, csv_path: Path, json_path: Path) -> None:
        """Write the dashboard's figures as CSV (formula-safe) and JSON, readable by you only."""
        from safet_tui.export.analytics import to_csv, to_json

        for path, text in ((csv_path, to_csv(figures)), (json_path, to_json(figures))):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)

    def _claim(self, claim_no: str) -> Claim:
        claim = Claim.get_or_none(Claim.claim_no == str(claim_no).strip())
        if claim is None:
            raise NotFound(f"no claim {claim_no!r}")
        return claim

    def exists(self, claim_no: str) -> bool:
        return Claim.select().where(Claim.claim_no == str(claim_no).strip()).exists()

    def claim(self, claim_no: str, with_thread: bool = True) -> ClaimView:
        self.catch_up()
        c = self._claim(claim_no)
        return self._claim_view(c, with_thread)

    def _claim_view(self, c: Claim, with_thread: bool) -> ClaimView:
        account = Account.get_by_id(c.account_id)
        product = Product.get_or_none(Product.id == c.product_id) if c.product_id else None
        atts = tuple(
            AttachmentView(a.id, a.name, a.size, a.sha256, a.media_type, a.created_at, a.message_id)
            for a in Attachment.select().where(Attachment.claim == c.id).order_by(Attachment.id)
        )
        thread: tuple[ThreadItem, ...] = ()
        if with_thread:
            thread = self._thread(c, atts)
        mark = ReadMark.get_or_none((ReadMark.user == self.user) & (ReadMark.claim == c.id))
        seen = to_epoch(mark.seen_at) if mark else self._horizon()
        return ClaimView(
            id=c.id, claim_no=c.claim_no, account=account.name, marketplace=account.marketplace,
            order_id=c.order_id, order_item_id=c.order_item_id,
            sku=product.sku if product else "", asin=product.asin if product else "",
            title=product.title if product else "", reason=c.reason, description=c.description,
            status=Status(c.status), outcome=Outcome(c.outcome) if c.outcome else None,
            denial_reason=c.denial_reason, claimed=Money.from_minor(c.claimed_minor, c.currency),
            reimbursed=None if c.reimbursed_minor is None else Money.from_minor(c.reimbursed_minor, c.currency),
            paid=Money.from_minor(c.paid_minor or 0, c.currency),
            filed_at=c.filed_at, updated_at=c.updated_at, reply_by=c.reply_by, appeal_by=c.appeal_by,
            appeal_used=c.appeal_used, appeal_decided=c.appeal_decided,
            unread=to_epoch(c.changed_at) > seen, thread=thread, attachments=atts,
            deadline_estimated=bool(c.deadline_estimated), decided_at=c.decided_at,
        )

    def _thread(self, c: Claim, atts: Sequence[AttachmentView]) -> tuple[ThreadItem, ...]:
        by_message: dict[int | None, list[AttachmentView]] = {}
        for a in atts:
            by_message.setdefault(a.message_id, []).append(a)
        items: list[tuple[int, int, ThreadItem]] = []
        for mid, side, kind, author, body, at in execute(
            "SELECT id, side, kind, author, body, created_at FROM message WHERE claim_id = ? ORDER BY created_at, id",
            [c.id],
        ):
            items.append((at, 1, ThreadItem(from_epoch(at), kind, side, author, body,
                                             tuple(by_message.get(mid, ())))))
        for at, actor, action, frm, to, note in execute(
            "SELECT at, actor, action, from_status, to_status, note FROM status_event WHERE claim_id = ? "
            "ORDER BY at, id", [c.id],
        ):
            frm_label = Status(frm).label if frm else "new"
            text = f"{frm_label} → {Status(to).label}" + (f" ({note})" if note else "")
            items.append((at, 2, ThreadItem(from_epoch(at), "status", actor, action, text)))
        for a in by_message.get(None, ()):
            items.append((to_epoch(a.created_at), 3, ThreadItem(a.created_at, "attachment", "seller", "", a.name, (a,))))
        items.sort(key=lambda t: (t[0], t[1]))
        return tuple(item for _, _, item in items)

    def refund(self, refund_id: int) -> RefundView:
        f = Refund.get_or_none(Refund.id == refund_id)
        if f is None:
            raise NotFound(f"no claimable refund #{refund_id}")
        account = Account.get_by_id(f.account_id)
        product = Product.get_or_none(Product.id == f.product_id) if f.product_id else None
        claim_no = Claim.get_by_id(f.claim_id).claim_no if f.claim_id else None
        return RefundView(
            f.id, account.id, account.name, account.marketplace, f.order_id, f.order_item_id,
            product.sku if product else "", product.title if product else "", f.return_reason,
            Money.from_minor(f.amount_minor, f.currency), f.refund_at, f.delivered_at, f.file_by, f.basis, claim_no,
        )

    # -- eligibility ------------------------------------------------------------
    def check_filing(self, account_id: int, order_id: str, order_item_id: str, refund_at: datetime | None,
                     delivered_at: datetime | None, *, reason_code: str | None = None,
                     amount: Money | None = None, description: str | None = None,
                     evidence: Iterable[Evidence] = ()) -> Eligibility:
        account = Account.get_or_none(Account.id == account_id)
        if account is None:
            raise NotFound(f"no account #{account_id}")
        policy = self.policies[account.marketplace]
        already = Claim.select().where(
            (Claim.account == account.id) & (Claim.order_id == order_id.strip())
            & (Claim.order_item_id == order_item_id.strip())
        ).exists()
        refund = Refund.get_or_none((Refund.account == account.id) & (Refund.order_id == order_id.strip())
                                    & (Refund.order_item_id == order_item_id.strip()))
        known: dict = {}
        if refund is not None:  # a report showed this refund: it has posted, dated or not
            known = dict(
                posted=True, refunded=Money.from_minor(refund.amount_minor, refund.currency),
                order_amount=None if refund.order_minor is None else Money.from_minor(refund.order_minor,
                                                                                       refund.currency),
                window=(refund.file_by, refund.basis) if refund.file_by else None,
                not_claimable=refund.not_claimable or "")
            refund_at = refund_at or refund.refund_at
            delivered_at = delivered_at or refund.delivered_at
        return check_filing(
            policy, self.now(), refund_at, delivered_at, already_claimed=already, amount=amount,
            reason=reason(reason_code) if reason_code else None,
            description=description, evidence=set(evidence), order_id=order_id, **known,
        )

    # -- seller actions -----------------------------------------------------------
    def _new_claim_no(self) -> str:
        rng = random.SystemRandom()
        while True:
            candidate = str(rng.randrange(3_400_000_000, 3_499_999_999))
            if not Claim.select().where(Claim.claim_no == candidate).exists():
                return candidate

    def file_claim(self, *, account_id: int, order_id: str, order_item_id: str, reason_code: str,
                   amount: Money, description: str, refund_at: datetime | None,
                   delivered_at: datetime | None = None, files: Sequence[Evidenced] = (),
                   sku: str = "", title: str = "", claim_no: str | None = None) -> ClaimView:
        self._may(Actor.SELLER, "file a claim")
        evidence = {f.evidence for f in files if f.evidence}
        stored = [(store.store_file(self.attachments_dir, f.path, self.attachment_limit), f) for f in files]
        with self._tx():
            # The rules are checked inside the transaction that writes: a claim filed on the same
            # order item by another terminal a moment ago is seen here.
            verdict = self.check_filing(account_id, order_id, order_item_id, refund_at, delivered_at,
                                        reason_code=reason_code, amount=amount, description=description,
                                        evidence=evidence)
            if not verdict.ok:
                raise ServiceError("cannot file: " + verdict.summary)
            if claim_no and self.exists(claim_no):
                raise ServiceError(f"claim {claim_no} already exists")
            now = self.now()
            state, event = lc.file_claim(amount, now, self.role)
            account = Account.get_by_id(account_id)
            refund = Refund.get_or_none((Refund.account == account.id) & (Refund.order_id == order_id.strip())
                                        & (Refund.order_item_id == order_item_id.strip()))
            product_id = refund.product_id if refund else None
            if product_id is None and sku.strip():
                product, _ = Product.get_or_create(account=account, sku=sku.strip(), defaults={"title": title})
                product_id = product.id
            claim = Claim.create(
                claim_no=claim_no or self._new_claim_no(), account=account, product=product_id,
                order_id=order_id.strip(), order_item_id=order_item_id.strip(), reason=reason_code,
                description=description.strip(), status=state.status.value, currency=amount.currency,
                claimed_minor=amount.minor, filed_at=now, updated_at=now, changed_at=now,
            )
            msg = self._add_message(claim, "seller", "message", description.strip(), now)
            for sf, _ in stored:
                self._add_attachment(claim, msg, sf, now)
            self._event(claim, event)
            if refund is not None:
                refund.claim = claim
                refund.save()
            self._mark(claim.id, now)
        return self.claim(claim.claim_no)

    def reply(self, claim_no: str, body: str, files: Sequence[str] = ()) -> ClaimView:
        if not body.strip() and not files:
            raise ServiceError("the reply is empty")
        self._may(Actor.SELLER, "reply")
        lc.reply(self._state(self._claim(claim_no)), self.role, self.now())  # refuse before storing files
        stored = [store.store_file(self.attachments_dir, p, self.attachment_limit) for p in files]
        with self._tx():
            claim = self._locked(claim_no)
            new, event = lc.reply(self._state(claim), self.role, self.now())
            self._apply(claim, new, event, ("seller", "message", body.strip()), stored)
        return self.claim(claim_no)

    def _closed(self, claim: Claim) -> str | None:
        if claim.status != Status.RESOLVED:
            return None
        try:
            lc.appeal(self._state(claim), Actor.SELLER, self.now())
        except TransitionError:
            return "the claim is closed (resolved, no appeal possible): no more attachments"
        return None

    def attach(self, claim_no: str, path: str) -> AttachmentView:
        self._may(Actor.SELLER, "attach evidence")
        why = self._closed(self._claim(claim_no))
        if why:
            raise ServiceError(why)
        sf = store.store_file(self.attachments_dir, path, self.attachment_limit)
        with self._tx():
            claim = self._locked(claim_no)
            why = self._closed(claim)
            if why:
                raise ServiceError(why)
            now = self.now()
            att = self._add_attachment(claim, None, sf, now)
            Claim.update(updated_at=now).where(Claim.id == claim.id).execute()
        return AttachmentView(att.id, att.name, att.size, att.sha256, att.media_type, now, None)

    def appeal(self, claim_no: str, body: str, files: Sequence[str] = ()) -> ClaimView:
        if not body.strip():
            raise ServiceError("an appeal needs a text saying why the decision is wrong")
        self._may(Actor.SELLER, "appeal")
        lc.appeal(self._state(self._claim(claim_no)), self.role, self.now())
        stored = [store.store_file(self.attachments_dir, p, self.attachment_limit) for p in files]
        with self._tx():
            claim = self._locked(claim_no)
            new, event = lc.appeal(self._state(claim), self.role, self.now())
            self._apply(claim, new, event, ("seller", "appeal", body.strip()), stored)
        return self.claim(claim_no)

    def why_not_appeal(self, claim_no: str) -> str | None:
        """None if the claim can be appealed now, else the reason in words."""
        claim = self._claim(claim_no)
        try:
            lc.appeal(self._state(claim), Actor.SELLER, self.now())
        except TransitionError as exc:
            return str(exc)
        return None

    def mark_read(self, claim_nos: Iterable[str], read: bool = True) -> int:
        ids = [c.id for c in Claim.select(Claim.id).where(Claim.claim_no.in_([str(n) for n in claim_nos]))]
        return self.mark_read_ids(ids, read)

    def mark_read_ids(self, claim_ids: Iterable[int], read: bool = True) -> int:
        now = self.now()
        ids = list(claim_ids)
        with self._tx():
            for cid in ids:
                self._mark(cid, now if read else None)
        return len(ids)

    # -- amazon actions ---------------------------------------------------------------
    def _policy_for(self, claim: Claim):
        return self.policies[Account.get_by_id(claim.account_id).marketplace]

    def request_info(self, claim_no: str, body: str, reply_by: datetime | None = None) -> ClaimView:
        self._may(Actor.AMAZON, "request information")
        with self._tx():
            claim = self._locked(claim_no)
            now = self.now()
            reply_by = reply_by or self._policy_for(claim).reply_by(now)
            new, event = lc.request_info(self._state(claim), self.role, now, reply_by)
            self._apply(claim, new, event,
                        ("amazon", "info_request", body.strip() or "Please provide more information."))
        return self.claim(claim_no)

    def grant(self, claim_no: str, amount: Money, body: str = "", appeal_by: datetime | None = None) -> ClaimView:
        self._may(Actor.AMAZON, "grant a claim")
        with self._tx():
            claim = self._locked(claim_no)
            now = self.now()
            appeal_by = appeal_by or self._policy_for(claim).appeal_by(now)
            new, event = lc.grant(self._state(claim), self.role, now, amount, appeal_by)
            assert new.outcome is not None
            text = body.strip() or f"{new.outcome.label}: {amount} reimbursed."
            self._apply(claim, new, event, ("amazon", "decision", text))
        return self.claim(claim_no)

    def no_grant(self, claim_no: str, denial_reason: str, body: str = "",
                 appeal_by: datetime | None = None) -> ClaimView:
        self._may(Actor.AMAZON, "deny a claim")
        with self._tx():
            claim = self._locked(claim_no)
            now = self.now()
            appeal_by = appeal_by or self._policy_for(claim).appeal_by(now)
            new, event = lc.no_grant(self._state(claim), self.role, now, denial_reason, appeal_by)
            text = body.strip() or f"No-Grant: {denial_reason.strip()}"
            self._apply(claim, new, event, ("amazon", "decision", text))
        return self.claim(claim_no)

    # -- time passing -------------------------------------------------------------------
    def catch_up(self) -> int:
        """Apply what the passing of time decides, as every reader must see it, with no cron job:
        a claim whose reply-by passed unanswered ends in No-Grant at its reply-by (Amazon's
        rule) and its appeal window opens from there; a resolved claim whose appeal-by passed is
        closed (no deadline left to sort by). An estimated reply-by (the earliest the real one
        can be) ends a claim only once the latest it can be has passed too. Cheap when nothing
        is due: it remembers when the next deadline falls (looking again at least every minute,
        for deadlines other terminals set). Returns the number of claims that ended; a read-only
        database is left as it is."""
        now = to_epoch(self.now())
        assert now is not None
        if self._quiet_until is not None and now < self._quiet_until:
            return 0
        due, wake = self._due(now)
        closing = execute("SELECT 1 FROM claim WHERE status = ? AND due_at < ? LIMIT 1",
                          [Status.RESOLVED.value, now]).fetchone() is not None
        ended = 0
        if due or closing:
            try:
                with self._tx():
                    due, wake = self._due(now)  # again, under the lock
                    ended = self._expire(due)
                    # A passed appeal-by leaves nothing to do: no deadline to sort by.
                    execute("UPDATE claim SET due_at = NULL WHERE status = ? AND due_at < ?",
                            [Status.RESOLVED.value, now])
            except ReadOnly:
                pass
        row = execute("SELECT MIN(due_at) FROM claim WHERE status IN (?, ?) AND due_at >= ?",
                      [Status.AWAITING.value, Status.RESOLVED.value, now]).fetchone()
        for t in (row[0] if row else None, wake):
            if t is not None:
                wake = t if wake is None else min(wake, t)
        self._quiet_until = min(wake if wake is not None else now + 60, now + 60)
        return ended

    def _due(self, now: int) -> tuple[list[int], int | None]:
        """Awaiting claims whose reply-by has surely passed, and the next time an estimated one will."""
        due: list[int] = []
        wake: int | None = None
        for claim_id, reply_by, estimated, market in execute(
                "SELECT c.id, c.reply_by, c.deadline_estimated, a.marketplace FROM claim c JOIN account a "
                "ON a.id = c.account_id WHERE c.status = ? AND c.due_at < ?", [Status.AWAITING.value, now]):
            if estimated:
                latest = to_epoch(self.policies[market].reply_by(from_epoch(reply_by)))
                assert latest is not None
                if latest >= now:
                    wake = latest if wake is None else min(wake, latest)
                    continue
            due.append(claim_id)
        return due, wake

    def _expire(self, claim_ids: Sequence[int]) -> int:
        for claim_id in claim_ids:
            claim = Claim.get_by_id(claim_id)
            state = self._state(claim)
            assert state.reply_by is not None
            new, event = lc.expire_reply(state, self.clock.now(),
                                         self._policy_for(claim).appeal_by(state.reply_by))
            text = f"No reply by the reply-by ({state.reply_by:%Y-%m-%d %H:%M %Z}"
            text += ", estimated)" if claim.deadline_estimated else ")"
            self._apply(claim, new, event, ("system", "decision", text + ": the claim is closed as No-Grant."),
                        user="safet", at=event.at, estimated=bool(claim.deadline_estimated))
        return len(claim_ids)

    # -- internals ----------------------------------------------------------------------
    def _state(self, c: Claim) -> ClaimState:
        return ClaimState(
            status=Status(c.status), claimed=Money.from_minor(c.claimed_minor, c.currency),
            reimbursed=None if c.reimbursed_minor is None else Money.from_minor(c.reimbursed_minor, c.currency),
            outcome=Outcome(c.outcome) if c.outcome else None, denial_reason=c.denial_reason,
            reply_by=c.reply_by, appeal_by=c.appeal_by, appeal_used=c.appeal_used,
            appeal_decided=c.appeal_decided,
        )

    def _may(self, actor: Actor, what: str) -> None:
        """Refuse an action this session's role may not take (the lifecycle checks it again)."""
        if self.role is not actor:
            who = "a seller" if actor is Actor.SELLER else "Amazon"
            raise ServiceError(f"only {who} can {what}; this desk runs as {self.role.value}")

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction holding the write lock from its first statement, so what it reads
        is what it changes (:func:`db.write_transaction`). Waits up to ``lock_wait`` seconds for
        another writer, then refuses with :class:`Busy`; a database that cannot be written refuses
        with :class:`ReadOnly`."""
        try:
            with write_transaction(self.database, self.lock_wait):
                yield
        except DatabaseBusy:
            raise Busy("the database is busy: another terminal has been writing for "
                       f"{self.lock_wait:g} s; nothing was changed, try again") from None
        except DatabaseReadOnly as exc:
            raise ReadOnly(str(exc)) from None

    def _locked(self, claim_no: str) -> Claim:
        """The claim as it is now, inside the write transaction (row-locked on PostgreSQL)."""
        query = Claim.select().where(Claim.claim_no == str(claim_no).strip())
        if not is_sqlite(self.database):
            query = query.for_update()
        claim = query.first()
        if claim is None:
            raise NotFound(f"no claim {claim_no!r}")
        return claim

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
        if is_sqlite(self.database):
            execute("INSERT INTO message_fts(rowid, body) VALUES (?, ?)", [msg.id, body])
        return msg

    def _add_attachment(self, claim: Claim, msg: Message | None, sf: store.StoredFile, at: datetime) -> Attachment:
        return Attachment.create(claim=claim, message=msg, name=sf.name, size=sf.size, sha256=sf.sha256,
                                 media_type=sf.media_type, created_at=at)

    def _event(self, claim: Claim, event: lc.Event, user: str | None = None) -> None:
        StatusEvent.create(
            claim=claim, at=event.at, actor=event.actor.value, user=user or self.user, action=event.action,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value, note=event.note,
        )

    def _mark(self, claim_id: int, at: datetime | None) -> None:
        seen = to_epoch(at) if at is not None else 0
        (ReadMark.insert(user=self.user, claim=claim_id, seen_at=seen)
         .on_conflict(conflict_target=[ReadMark.user, ReadMark.claim], update={ReadMark.seen_at: seen})
         .execute())

    def attachment_path(self, sha256: str) -> Path:
        return store.stored_path(self.attachments_dir, sha256)


def set_unread_horizon(at: datetime) -> None:
    meta_set("unread_horizon", str(to_epoch(at)))


__all__ = ["Desk", "ServiceError", "NotFound", "Busy", "ReadOnly", "Evidenced", "TransitionError", "DB"]
