"""The changes a seller and an investigator make, each through the lifecycle in one write
transaction (see ``Session._tx``), checked for the session's role."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import datetime

from safet_tui.db import (
    Account,
    Claim,
    Product,
    Refund,
)
from safet_tui.domain import lifecycle as lc
from safet_tui.domain.clock import to_epoch
from safet_tui.domain.lifecycle import Actor
from safet_tui.domain.money import Money
from safet_tui.service.drafts import NEW_CLAIM, end_draft
from safet_tui.service.errors import ServiceError
from safet_tui.service.list_sql import CLAIM_TABS, unread_ids
from safet_tui.service.queries import Filter, execute
from safet_tui.service.reads import Reads
from safet_tui.service.session import Evidenced
from safet_tui.service.views import (
    AttachmentView,
    ClaimView,
)


class SellerActions(Reads):
    def _new_claim_no(self) -> str:
        rng = random.SystemRandom()
        while True:
            candidate = str(rng.randrange(3_400_000_000, 3_499_999_999))
            if not Claim.select().where(Claim.claim_no == candidate).exists():
                return candidate

    def file_claim(self, *, account_id: int, order_id: str, order_item_id: str, reason_code: str,
                   amount: Money, description: str, refund_at: datetime | None,
                   delivered_at: datetime | None = None, files: Sequence[Evidenced] = (),
                   sku: str = "", title: str = "", claim_no: str | None = None,
                   draft: str | None = None) -> ClaimView:
        """File a claim; ``draft``: the new-claim draft (its key) this filing ends."""
        self._may(Actor.SELLER, "file a claim")
        evidence = {f.evidence for f in files if f.evidence}
        with self._staging([f.path for f in files]) as stored, self._tx():
            # The rules are checked inside the transaction that writes: a claim filed on the same
            # order item by another terminal a moment ago is seen here.
            verdict = self.check_filing(account_id, order_id, order_item_id, refund_at, delivered_at,
                                        reason_code=reason_code, amount=amount, description=description,
                                        evidence=evidence)
            if not verdict.ok:
                raise ServiceError("cannot file: " + verdict.summary)
            taken = Claim.get_or_none(Claim.claim_no == claim_no.strip()) if claim_no else None
            if taken is not None:  # ids are unique across accounts; one this person may not see is not named
                raise ServiceError(f"claim {claim_no} already exists" if self._sees(taken)
                                   else f"claim id {claim_no} cannot be used: choose another")
            now = self.now()
            state, event = lc.file_claim(amount, now, self.role)
            account = Account.get_by_id(account_id)
            order_item_id = verdict.order_item_id  # a blank item is the order's only refunded one
            refund = Refund.get_or_none((Refund.account == account.id) & (Refund.order_id == order_id.strip())
                                        & (Refund.order_item_id == order_item_id))
            product_id = refund.product_id if refund else None
            if product_id is None and sku.strip():
                product, _ = Product.get_or_create(account=account, sku=sku.strip(), defaults={"title": title})
                product_id = product.id
            claim = Claim.create(
                claim_no=claim_no or self._new_claim_no(), account=account, product=product_id,
                order_id=order_id.strip(), order_item_id=order_item_id, reason=reason_code,
                description=description.strip(), status=state.status.value, currency=amount.currency,
                claimed_minor=amount.minor, filed_at=now, updated_at=now, changed_at=now,
            )
            msg = self._add_message(claim, "seller", "message", description.strip(), now)
            for sf in stored:
                self._add_attachment(claim, msg, sf, now)
            self._event(claim, event)
            if refund is not None:
                refund.claim = claim
                refund.save()
            self._mark(claim.id, now)
            if draft is not None:
                end_draft(self.user, NEW_CLAIM, draft)
        return self.claim(claim.claim_no)

    def reply(self, claim_no: str, body: str, files: Sequence[str] = ()) -> ClaimView:
        if not body.strip() and not files:
            raise ServiceError("the reply is empty")
        return self._seller_step(claim_no, lc.reply, "reply", "message", body, files)

    def _seller_step(self, claim_no: str, step, what: str, kind: str, body: str, files: Sequence[str]) -> ClaimView:
        """A reply or an appeal: refused before any file is stored when the lifecycle refuses it,
        then checked again on the claim as it is inside the write transaction."""
        self._may(Actor.SELLER, what)
        step(self._held_to(self._claim(claim_no)), self.role, self.now())
        with self._staging(files) as stored, self._tx():
            claim = self._locked(claim_no)
            new, event = step(self._held_to(claim), self.role, self.now())
            self._apply(claim, new, event, ("seller", kind, body.strip()), stored)
            end_draft(self.user, what, claim.claim_no)  # the draft became this message
        return self.claim(claim_no)

    def _may_attach(self, claim: Claim) -> None:
        why = lc.refusal("attach", self._held_to(claim), self.role, self.now())
        if why:
            raise ServiceError(why)

    def attach(self, claim_no: str, path: str) -> AttachmentView:
        self._may(Actor.SELLER, "attach evidence")
        self._may_attach(self._claim(claim_no))
        with self._staging([path]) as (sf,), self._tx():
            claim = self._locked(claim_no)
            self._may_attach(claim)
            now = self.now()
            att = self._add_attachment(claim, None, sf, now)
            Claim.update(updated_at=now).where(Claim.id == claim.id).execute()
        return AttachmentView(att.id, att.name, att.size, att.sha256, att.media_type, now, None)

    def appeal(self, claim_no: str, body: str, files: Sequence[str] = ()) -> ClaimView:
        if not body.strip():
            raise ServiceError("an appeal needs a text saying why the decision is wrong")
        return self._seller_step(claim_no, lc.appeal, "appeal", "appeal", body, files)

    def why_not_appeal(self, claim_no: str) -> str | None:
        """None if the claim can be appealed now, else the reason in words."""
        return lc.refusal("appeal", self._held_to(self._claim(claim_no)), Actor.SELLER, self.now())

    def refusal(self, claim_no: str, action: str) -> str | None:
        """Why this desk cannot take ``action`` on the claim now (the lifecycle's reason), or None:
        what the desk asks before it opens an editor or a dialog for it."""
        return lc.refusal(action, self._held_to(self._claim(claim_no)), self.role, self.now())

    def mark_read(self, claim_nos: Iterable[str], read: bool = True, wait: float | None = None) -> int:
        ids = [c.id for c in Claim.select(Claim.id).where(Claim.claim_no.in_([str(n) for n in claim_nos]))]
        return self.mark_read_ids(ids, read, wait)

    def mark_read_ids(self, claim_ids: Iterable[int], read: bool = True, wait: float | None = None) -> int:
        """Read marks (``wait``: seconds to wait for another writer, default the session's), on
        the claims among these that this person may see."""
        now = self.now()
        ids = list(claim_ids)
        if self.visible.limited and ids:
            mine, params = self.visible.clause("account_id")
            marks = ", ".join("?" for _ in ids)
            ids = [row[0] for row in execute(f"SELECT id FROM claim WHERE id IN ({marks}){mine}", [*ids, *params])]
        with self._tx(wait):
            for cid in ids:
                self._mark(cid, now if read else None)
        return len(ids)


    def mark_all_read(self, tab: str | None = None, text: str = "") -> int:
        """Mark read every unread claim of a tab (every tab: None) that the filter text matches, as
        one INSERT … SELECT in one transaction, however many claims; returns how many."""
        statuses = CLAIM_TABS if tab is None else (tab,)
        if not set(statuses) <= set(CLAIM_TABS):
            return 0  # claimable refunds have no read marks
        lists = self.lists()
        unread, params = unread_ids(self.user, lists.horizon, statuses)
        where, where_params = lists.claim_where(Filter(text))
        sql = (
            f'INSERT INTO read_mark ("user", claim_id, seen_at) SELECT ?, c.id, ? FROM claim c '
            f"WHERE c.id IN ({unread}){where} "
            'ON CONFLICT ("user", claim_id) DO UPDATE SET seen_at = excluded.seen_at'
        )
        with self._tx():
            cursor = execute(sql, [self.user, to_epoch(self.now()), *params, *where_params])
        return max(0, cursor.rowcount)


class AmazonActions(Reads):
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
