"""What a canned reply's placeholders stand for on one claim: ids, product, amounts as money in
the marketplace's way, dates in the marketplace's time zone. Values are the data as stored: the
screen cleans them before they reach the editor."""

from __future__ import annotations

from datetime import datetime

from safet_tui.db import Claim, Refund
from safet_tui.domain.money import Money, format_money
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.reads import Reads


class ReplyFields(Reads):
    def reply_fields(self, claim_no: str) -> dict[str, str]:
        """``{order_id}``, ``{claimed}``, ``{refunded}``, ``{reply_by}``, ``{sku}``, ``{title}`` …
        for a claim (a value not known is '', so the text reads on without it)."""
        view = self.claim(claim_no, with_thread=False)
        policy = self.policies[view.marketplace]
        tz = policy.tz

        def money(m: Money | None) -> str:
            return "" if m is None else format_money(m, locale=policy.locale)

        def when(at: datetime | None) -> str:
            return "" if at is None else f"{at.astimezone(tz):%Y-%m-%d %H:%M %Z}"

        refund = Refund.get_or_none(Refund.claim == view.id)
        if refund is None:  # filed by hand: the refund of the same order item, if a report showed it
            row = Claim.get_by_id(view.id)
            refund = Refund.get_or_none((Refund.account == row.account_id) & (Refund.order_id == view.order_id)
                                        & (Refund.order_item_id == view.order_item_id))
        refunded = Money.from_minor(refund.amount_minor, refund.currency) if refund is not None else None
        reason = REASONS_BY_CODE.get(view.reason)
        return {
            "claim_id": view.claim_no,
            "order_id": view.order_id,
            "order_item_id": view.order_item_id,
            "sku": view.sku,
            "asin": view.asin,
            "title": view.title,
            "account": view.account,
            "marketplace": view.marketplace,
            "reason": reason.label if reason else view.reason,
            "claimed": money(view.claimed),
            "refunded": money(refunded),
            "reimbursed": money(view.reimbursed),
            "refund_date": "" if refund is None or refund.refund_at is None
            else f"{refund.refund_at.astimezone(tz):%Y-%m-%d}",
            "delivered": "" if refund is None or refund.delivered_at is None
            else f"{refund.delivered_at.astimezone(tz):%Y-%m-%d}",
            "filed": when(view.filed_at),
            "reply_by": when(view.reply_by),
            "appeal_by": when(view.appeal_by),
            "today": f"{self.now().astimezone(tz):%Y-%m-%d}",
        }
