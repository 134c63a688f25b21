"""The preview of the selected claim: summary and latest message."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.money import format_money
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.views import ClaimView, RefundView
from safet_tui.widgets.text import clean, deadline_text, literal


def claim_summary(view: ClaimView, now, compact: bool = False) -> Text:
    t = Text()
    t.append(f"Claim {view.claim_no}", "bold")
    t.append(f" · {view.status.label}")
    if view.outcome:
        t.append(f" · {view.outcome.label}", "bold")
    t.append("\n")
    product = " · ".join(p for p in (view.sku, view.title) if p)
    t.append_text(literal(product or "(no product recorded)"))
    t.append(f"\nOrder {clean(view.order_id)} · {clean(view.account)} ({view.marketplace})\n")
    r = REASONS_BY_CODE.get(view.reason)
    if compact:
        t.append(f"{r.short if r else clean(view.reason)} · ")
    else:
        t.append(f"Reason: {r.label if r else clean(view.reason)}\n")
    t.append(f"Claimed {format_money(view.claimed)}")
    if view.reimbursed is not None:
        t.append(f" · reimbursed {format_money(view.reimbursed)}")
    if view.denial_reason:
        t.append("\nDenied: ")
        t.append_text(literal(view.denial_reason))
    line = deadline_line(view, now)
    if line is not None:
        t.append("\n")
        t.append_text(line)
    if view.appeal_used:
        t.append("\nAppeal: used" + (" (decided)" if view.appeal_decided else " (pending)"))
    if view.payout_mismatch and view.paid is not None and view.reimbursed is not None:
        t.append(f"\nPaid {format_money(view.paid)} in settlements: not the {format_money(view.reimbursed)} granted",
                 "bold")
    return t


def deadline_line(view: ClaimView, now) -> Text | None:
    """``Reply by 2026-11-30 23:59 IST (3h left)``: the deadline that matters now, in the
    marketplace's time zone; None when nothing is due."""
    deadline = view.deadline
    if deadline is None:
        return None
    reply = view.reply_by is not None and deadline == view.reply_by
    label = "Reply by" if reply else "Appeal by"
    about = "~" if view.deadline_estimated else ""
    guess = ", estimated" if view.deadline_estimated else ""
    when = local_time(deadline, view.timezone)
    if deadline < now:
        gone = "reply window closed: Amazon decides without a reply" if reply else "appeal window closed"
        return Text(f"{label} {about}{when} ({gone}{guess})", "dim")
    left, _ = deadline_text(deadline, now, view.deadline_estimated)
    return Text(f"{label} {about}{when} ({left}{guess})", "bold")


def reply_hint(view: ClaimView, now) -> Text:
    """The line over the reply editor: the deadline it answers (the header makes room at 24 lines)."""
    hint = deadline_line(view, now) or Text("Reply")
    hint.append(" · ctrl+s sends · esc closes", "dim")
    return hint


class Preview(Static):
    """Shows a claim, a claimable refund, or a hint."""

    def show_claim(self, view: ClaimView, now) -> None:
        parts = [claim_summary(view, now, compact=True)]
        last = next((m for m in reversed(view.thread) if m.kind != "status"), None)
        if last is not None:
            latest = Text(f"{last.side.title()} · {local_time(last.at, view.timezone)}: ", "italic")
            latest.append_text(literal(last.body, newlines=True))
            parts.append(latest)
        self.update(Group(*parts))

    def show_refund(self, view: RefundView, now) -> None:
        t = Text()
        t.append("Claimable refund", "bold")
        t.append(f"  order {clean(view.order_id)}\n")
        t.append_text(literal(f"{view.sku} · {view.title}"))
        t.append(f"\n{clean(view.account)} ({view.marketplace})\nRefunded {format_money(view.amount)}")
        if view.refund_at:
            t.append(f" on {view.refund_at:%Y-%m-%d}")
        t.append("\nReturn reason: ")
        t.append_text(literal(view.return_reason))
        if view.file_by:
            left, _ = deadline_text(view.file_by, now)
            t.append(f"\nFile by {local_time(view.file_by, view.timezone)} ({left})", "bold")
            t.append(f"\nWindow counted from the {clean(view.basis)}")
        t.append("\n\nPress n to file a claim for it.", "italic")
        self.update(t)

    def show_nothing(self, text: str = "") -> None:
        self.update(Text(text, "italic"))
