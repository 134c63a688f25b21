"""The preview of the selected claim: summary and latest message."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.money import format_money
from safet_tui.domain.reasons import REASONS_BY_CODE
from safet_tui.service.views import ClaimView, RefundView
from safet_tui.widgets.text import OneLine, Part, deadline_text, literal
from safet_tui.widgets.thread_items import side_label


def claim_summary(view: ClaimView, now, compact: bool = False) -> Group:
    """The claim in a few lines; those holding fields from data are labels, cut with an ellipsis."""
    head: list[Part] = [(f"Claim {view.claim_no}", "bold"), f" · {view.status.label}"]
    if view.outcome:
        head.append((f" · {view.outcome.label}", "bold"))
    lines: list[OneLine | Text] = [OneLine(*head)]
    lines.append(_product(view.sku, view.title))
    lines.append(OneLine(f"Order {view.order_id} · ", view.account, f" ({view.marketplace})", flex=1, wrap=1))
    r = REASONS_BY_CODE.get(view.reason)
    money = f"Claimed {format_money(view.claimed)}"
    if view.reimbursed is not None:
        money += f" · reimbursed {format_money(view.reimbursed)}"
    if compact:
        lines.append(OneLine(r.short if r else view.reason, f" · {money}", flex=0))
    else:
        lines += [OneLine(f"Reason: {r.label if r else view.reason}"), Text(money)]
    if view.denial_reason:
        lines.append(OneLine("Denied: ", view.denial_reason))
    line = deadline_line(view, now)
    if line is not None:
        lines.append(line)
    if view.appeal_used:
        lines.append(Text("Appeal: used" + (" (decided)" if view.appeal_decided else " (pending)")))
    if view.payout_mismatch and view.paid is not None and view.reimbursed is not None:
        lines.append(Text(f"Paid {format_money(view.paid)} in settlements: not the {format_money(view.reimbursed)} "
                          "granted", "bold"))
    return Group(*lines)


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


def _product(sku: str, title: str) -> OneLine:
    """``SKU · title`` on one line, the title giving way first."""
    if sku and title:
        return OneLine(sku, " · ", title, flex=2)
    return OneLine(sku or title or "(no product recorded)")


class Preview(Static):
    """Shows a claim, a claimable refund, or a hint."""

    def show_claim(self, view: ClaimView, now) -> None:
        parts: list[RenderableType] = [claim_summary(view, now, compact=True)]
        last = next((m for m in reversed(view.thread) if m.kind != "status"), None)
        if last is not None:
            latest = Text(f"{side_label(last.side)} · {local_time(last.at, view.timezone)}: ", "italic")
            latest.append_text(literal(last.body, newlines=True))
            parts.append(latest)
        self.update(Group(*parts))

    def show_refund(self, view: RefundView, now) -> None:
        lines: list[OneLine | Text] = [OneLine(("Claimable refund", "bold"), f"  order {view.order_id}"),
                                       _product(view.sku, view.title),
                                       OneLine(view.account, f" ({view.marketplace})", flex=0)]
        refunded = f"Refunded {format_money(view.amount)}"
        if view.refund_at:
            refunded += f" on {view.refund_at:%Y-%m-%d}"
        lines += [Text(refunded), OneLine("Return reason: ", view.return_reason)]
        if view.file_by:
            left, _ = deadline_text(view.file_by, now)
            lines += [Text(f"File by {local_time(view.file_by, view.timezone)} ({left})", "bold"),
                      OneLine(f"Window counted from the {view.basis}")]
        lines.append(Text("\nPress n to file a claim for it.", "italic"))
        self.update(Group(*lines))

    def show_nothing(self, text: str = "") -> None:
        self.update(Text(text, "italic"))
