"""Reading claims, refunds, accounts and figures (each read first catches up with time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from safet_tui.db import (
    Account,
    Attachment,
    Claim,
    Product,
    ReadMark,
    Refund,
    is_sqlite,
)
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import from_epoch, to_epoch
from safet_tui.domain.lifecycle import Outcome, Status
from safet_tui.domain.money import Money
from safet_tui.domain.notices import change_words
from safet_tui.domain.reasons import Evidence, reason
from safet_tui.service.errors import NotFound
from safet_tui.service.queries import Filter, ListQueries, execute
from safet_tui.service.time_passing import TimePassing
from safet_tui.service.views import (
    AccountView,
    AttachmentView,
    ClaimView,
    ListRow,
    RefundView,
    StatusChange,
    TabCount,
    ThreadItem,
)
from safet_tui.transactions import read_snapshot

if TYPE_CHECKING:
    from safet_tui.domain.eligibility import Eligibility


class Reads(TimePassing):
    def lists(self) -> ListQueries:
        return ListQueries(self.user, self.now(), self._horizon(), self.visible)

    def counts(self, text: str = "") -> dict[str, TabCount]:
        self.catch_up()
        return self.lists().counts(Filter(text))

    def filter_counts(self, text: str, tabs: tuple[str, ...]) -> dict[str, TabCount]:
        """:meth:`counts` of some tabs only: under a filter the list's own tab first, the others
        once its rows are shown (a text filter counts no further than FILTER_CAP)."""
        self.catch_up()
        return self.lists().filter_counts(Filter(text), tabs)

    def filter_matches(self, tab: str, text: str) -> tuple[TabCount, list[int]] | None:
        """A claim tab's count under a text filter and its newest matches (ids, newest first, as
        the list shows them: see :meth:`rows_of`), or None: no text to match, or not a claim tab."""
        flt = Filter(text)
        if not flt.text or tab == "claimable":
            return None
        self.catch_up()
        return self.lists().newest_of_tab(tab, flt)

    def rows_of(self, ids: list[int], sort: str, offset: int, limit: int) -> list[ListRow]:
        """List rows ``offset .. offset+limit`` of the claims ``ids`` (from :meth:`filter_matches`) in ``sort``."""
        return self.lists().rows_of(ids, sort, offset, limit)

    def count(self, tab: str, text: str = "", only: tuple[str, ...] = ()) -> int:
        """Rows of a tab under the filter text and the views in ``only`` ("unread", "appealable")."""
        return self.lists().count(tab, Filter(text, only))

    def window(self, tab: str, offset: int, limit: int, sort: str = "deadline", text: str = "",
               only: tuple[str, ...] = (), total: int | None = None) -> list[ListRow]:
        """Rows of a tab as the list shows them; ``total``: its length if known (a window near the
        end is then read from there)."""
        self.catch_up()
        return self.lists().window(tab, offset, limit, sort, Filter(text, only), total)

    def next_unread(self, tab: str, after: int, sort: str = "deadline", text: str = "",
                    only: tuple[str, ...] = ()) -> int | None:
        """Where the next unread claim after row ``after`` is in the list as shown, or None."""
        return self.lists().next_unread(tab, after, sort, Filter(text, only))

    def due_soon(self, hours: int = 24) -> dict[str, int]:
        """Reply-by, appeal-by and file-by counts in the next ``hours`` (see ListQueries.due_within)."""
        self.catch_up()
        return self.lists().due_within(hours * 3600)

    def data_version(self) -> int:
        """Changes whenever another connection commits a change (cheap to poll)."""
        if is_sqlite(self.database):
            return execute("PRAGMA data_version").fetchone()[0]
        return self.change_listener().version()  # other desks' NOTIFYs (LISTEN, see postgres.py)

    def status_changes_after(self, event_id: int | None, limit: int = 20) -> tuple[int, list[StatusChange], int]:
        """Status changes recorded after ``event_id`` that this session did not make itself (a
        deadline passing counts, whoever noticed it): the id to ask from next, the latest
        ``limit`` of them (newest last), and how many there are in all. ``event_id`` None: just
        the id, from now on."""
        last = execute("SELECT COALESCE(MAX(id), 0) FROM status_event").fetchone()[0]
        if event_id is None or last <= event_id:
            return last, [], 0
        own = sum(1 for i in self._own_events if i > event_id)
        mine, mine_params = self.visible.clause("c.account_id")  # only the accounts this person sees
        total = execute("SELECT COUNT(*) FROM status_event e JOIN claim c ON c.id = e.claim_id "
                        f"WHERE e.id > ? AND e.from_status IS NOT NULL{mine}",
                        [event_id, *mine_params]).fetchone()[0] - own
        rows = execute(
            'SELECT e.id, c.claim_no, e.from_status, e.to_status, c.outcome, e.actor, e."user", e.action FROM status_event e '
            f"JOIN claim c ON c.id = e.claim_id WHERE e.id > ? AND e.from_status IS NOT NULL{mine} ORDER BY e.id DESC "
            "LIMIT ?", [event_id, *mine_params, limit + own]).fetchall()
        out = [StatusChange(i, no, Status(a).label, Status(b).label, Outcome(o).label if o else "", actor, user,
                            change_words(action, actor, user))
               for i, no, a, b, o, actor, user, action in reversed(rows) if i not in self._own_events]
        return last, out[-limit:], total

    def accounts(self) -> list[AccountView]:
        return [AccountView(a.id, a.name, a.marketplace, a.currency) for a in Account.select().order_by(Account.id)
                if self.visible.allows(a.name)]

    def analytics(self, period: str = "90d", account: int | str | None = None, marketplace: str | None = None,
                  bucket: str | None = None):
        """Dashboard figures (see safet_tui.service.analytics) for a period and an account (id or name) / marketplace."""
        from safet_tui.service import analytics

        self.catch_up()
        scope = analytics.resolve_scope(account, marketplace, self.visible)
        return analytics.compute(self.now(), period, scope, bucket)


    def _claim(self, claim_no: str) -> Claim:
        claim = Claim.get_or_none(Claim.claim_no == str(claim_no).strip())
        if claim is None or not self._sees(claim):
            raise NotFound(f"no claim {claim_no!r}")
        return claim

    def exists(self, claim_no: str) -> bool:
        """Whether there is a claim of that id that this person may see."""
        claim = Claim.get_or_none(Claim.claim_no == str(claim_no).strip())
        return claim is not None and self._sees(claim)

    def claim(self, claim_no: str, with_thread: bool = True) -> ClaimView:
        self.catch_up()
        with read_snapshot(self.database):
            return self._claim_view(self._claim(claim_no), with_thread)

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
            refusals=lc.refusals(self._held_to(c), self.role, self.now()),
            timezone=self.policies[account.marketplace].timezone,
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
        account = Account.get_by_id(f.account_id) if f is not None else None
        if f is None or account is None or not self.visible.allows(account.name):
            raise NotFound(f"no claimable refund #{refund_id}")
        product = Product.get_or_none(Product.id == f.product_id) if f.product_id else None
        claim_no = Claim.get_by_id(f.claim_id).claim_no if f.claim_id else None
        return RefundView(
            f.id, account.id, account.name, account.marketplace, f.order_id, f.order_item_id,
            product.sku if product else "", product.title if product else "", f.return_reason,
            Money.from_minor(f.amount_minor, f.currency), f.refund_at, f.delivered_at, f.file_by, f.basis, claim_no,
            timezone=self.policies[account.marketplace].timezone,
        )

    def refunds_of_order(self, order_id: str) -> list[RefundView]:
        """The refunds the desk knows for an order (any account), for the new-claim form to fill in."""
        query = Refund.select(Refund.id).where(Refund.order_id == order_id.strip())
        if self.visible.accounts is not None:  # only this person's accounts' refunds
            query = query.where(Refund.account.in_(Account.select(Account.id).where(
                Account.name.in_(self.visible.accounts))))
        ids = [r.id for r in query.order_by(Refund.order_item_id).limit(50)]
        return [self.refund(i) for i in ids]

    def check_filing(self, account_id: int, order_id: str, order_item_id: str, refund_at: datetime | None,
                     delivered_at: datetime | None, *, reason_code: str | None = None,
                     amount: Money | None = None, description: str | None = None,
                     evidence: Iterable[Evidence] = ()) -> Eligibility:
        account = Account.get_or_none(Account.id == account_id)
        if account is None or not self.visible.allows(account.name):  # filing only for their accounts
            raise NotFound(f"no account #{account_id}")
        policy = self.policies[account.marketplace]
        from safet_tui.domain.eligibility import (  # the new-claim form's, not start-up's
            check_filing,
            order_item_for,
        )

        order_id = order_id.strip()
        refunds = list(Refund.select().where((Refund.account == account.id) & (Refund.order_id == order_id)))
        items = [r.order_item_id for r in refunds]
        item, unknown = order_item_for(order_item_id, items)  # check_filing says what is wrong with it
        refund = None if unknown else next((r for r in refunds if r.order_item_id == item), None)
        # one claim per order item (a claim that names no item may be on any of the order's)
        already = not unknown and (
            (refund is not None and refund.claim_id is not None)
            or Claim.select().where((Claim.account == account.id) & (Claim.order_id == order_id)
                                    & (Claim.order_item_id.in_({item, ""}))).exists())
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
            description=description, evidence=set(evidence), order_id=order_id, order_item_id=order_item_id,
            refunded_items=items, **known,
        )
