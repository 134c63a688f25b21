"""File a claim: a form that checks eligibility as you type."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, time, tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from safet_tui.domain.deadlines import local_time
from safet_tui.domain.eligibility import ORDER_ID, Eligibility
from safet_tui.domain.money import Money, MoneyError, dot_decimal, format_money, parse_amount
from safet_tui.domain.reasons import REASONS, REASONS_BY_CODE, Evidence, reason_for_return
from safet_tui.messages import REFUSALS, Write
from safet_tui.screens.new_claim_draft import NewClaimDraft
from safet_tui.service.desk import Desk, Evidenced
from safet_tui.service.views import ClaimView, RefundView
from safet_tui.widgets.evidence_files import EvidenceFiles
from safet_tui.widgets.text import clean, literal
from safet_tui.widgets.working import Working


#: the form's text boxes (their ids), kept in its draft
def parse_when(text: str, tz: tzinfo) -> datetime | None:
    """``2026-10-02`` (start of that day, marketplace time) or an ISO date-time; '' is None."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(0, 0), tzinfo=tz)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


class NewClaimScreen(NewClaimDraft):
    CSS_PATH = "new_claim.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back", id="new.back"),
        Binding("ctrl+s", "file", "File claim", id="new.file"),
        Binding("ctrl+t", "attach", "Attach evidence", id="new.attach"),
    ]

    def __init__(self, desk: Desk, refund_id: int | None = None) -> None:
        super().__init__(desk)
        self.refund_id = refund_id
        self.files: list[Evidenced] = []
        #: the refunds of the order typed, as the desk knows them (filled in from, see _found)
        self.order_refunds: list[RefundView] = []
        self._ready = False
        #: eligibility checks asked for so far (only the newest one's answer is shown)
        self._checks = 0

    def compose(self) -> ComposeResult:
        desk = self.desk
        accounts = self._accounts = desk.accounts()
        refund = desk.refund(self.refund_id) if self.refund_id else None
        self.refund = refund
        #: the claim reason the refund's return reason points to (domain.reasons.RETURN_REASON_CLAIMS)
        self.preselected = reason_for_return(refund.return_reason) if refund else None
        account_id = refund.account_id if refund else (accounts[0].id if accounts else None)
        with VerticalScroll(id="form"):
            yield Label("File a SAFE-T claim" + (" for a claimable refund" if refund else ""), id="form-title")
            with Horizontal(classes="row"):
                yield Label("Account", classes="field")
                yield Select([(literal(f"{a.name} ({a.marketplace})"), a.id) for a in accounts], value=account_id,
                             allow_blank=False, id="account")
            yield from self._field("Order id", "order", refund.order_id if refund else "", "e.g. 112-4829301-5518223")
            yield from self._field("Order item", "item", refund.order_item_id if refund else "", "order item id")
            yield from self._field("Refund date", "refund_at",
                                   refund.refund_at.isoformat(timespec="minutes") if refund and refund.refund_at else "",
                                   "YYYY-MM-DD or YYYY-MM-DDTHH:MM")
            yield from self._field("Return delivered", "delivered_at",
                                   refund.delivered_at.isoformat(timespec="minutes") if refund and refund.delivered_at else "",
                                   "YYYY-MM-DD (blank if not returned)")
            with Horizontal(classes="row"):
                yield Label("Reason", classes="field")
                yield Select([(r.label, r.code) for r in REASONS], prompt="Choose the claim reason", id="reason",
                             value=self.preselected.code if self.preselected else Select.NULL)
            if refund is not None and self.preselected:
                yield Label(literal(f"Reason from the return reason “{refund.return_reason}” (change it above)"),
                            classes="field-note")
            yield from self._field("Amount", "amount", self._amount_text(refund) if refund else "", "claimed amount")
            yield Label("Description (every claim needs one)", classes="field-wide")
            yield TextArea(id="description", soft_wrap=True)
            yield Label("Evidence", classes="field-wide")
            yield Static(id="checklist")
            yield EvidenceFiles(id="evidence-files", classes="-empty")
            with Horizontal(classes="buttons"):
                yield Button("Attach evidence (ctrl+t)", id="attach")
                yield Button("File claim (ctrl+s)", variant="primary", id="file")
        # Always in view, whatever the terminal height: the verdict is the point of the form.
        yield Static(id="eligibility")
        yield Working()
        yield Footer(compact=True)

    def _amount_text(self, refund: RefundView) -> str:
        """The refunded amount as the marketplace writes numbers (49,99 in de_DE), so it reads back."""
        locale = self.desk.policies[refund.marketplace].locale
        if dot_decimal(locale):
            return str(refund.amount.amount)
        return format_money(refund.amount, symbol=False, locale=locale)

    def _field(self, label: str, name: str, value: str, placeholder: str) -> Iterator[Widget]:
        with Horizontal(classes="row"):
            yield Label(label, classes="field")
            yield Input(value, placeholder=placeholder, id=name, select_on_focus=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # keys queued before the form was built, or for a form just closed, do nothing; while the
        # claim is being filed, the form stays as it is
        return self._ready and self.is_current and self.writing is None

    def on_mount(self) -> None:
        self._ready = True
        self._restore_draft()
        # now, not a tick later: the keys typed right behind "n" belong to the first field left to fill
        # (from a refund, the description once the reason is known; else the order id)
        first = "#description" if self.preselected else "#reason" if self.refund else "#order"
        self.set_focus(self.query_one(first))
        self.recheck()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self.recheck()
        self._draft_changed()

    # -- a known order fills its refund in ---------------------------------------------------
    @on(Input.Changed, "#order")
    def _order_typed(self, event: Input.Changed) -> None:
        order_id = event.value.strip()
        if ORDER_ID.fullmatch(order_id):
            self._look_up_order(order_id)

    @on(Input.Changed, "#item")
    def _item_typed(self) -> None:
        self._fill_in()

    @work(thread=True, exclusive=True, group="order-lookup")
    def _look_up_order(self, order_id: str) -> None:
        refunds = self.desk.refunds_of_order(order_id)
        self.app.call_from_thread(self._found, order_id, refunds)

    def _found(self, order_id: str, refunds: list[RefundView]) -> None:
        if self.query_one("#order", Input).value.strip() != order_id:  # typed on since
            return
        self.order_refunds = refunds
        if not refunds:
            return
        accounts = {f.account_id for f in refunds}
        if len(accounts) == 1:
            self.query_one("#account", Select).value = refunds[0].account_id
        item = self.query_one("#item", Input)
        if len(refunds) == 1 and not item.value.strip():
            item.value = refunds[0].order_item_id  # several: the verdict names them to choose from
        self._fill_in()

    def _fill_in(self) -> None:
        """The refund of the order item typed fills in what is still blank: amount and dates."""
        item = self.query_one("#item", Input).value.strip()
        refund = next((f for f in self.order_refunds if f.order_item_id == item), None)
        if refund is None:
            return
        blanks = {
            "amount": self._amount_text(refund),
            "refund_at": refund.refund_at.isoformat(timespec="minutes") if refund.refund_at else "",
            "delivered_at": refund.delivered_at.isoformat(timespec="minutes") if refund.delivered_at else "",
        }
        for name, value in blanks.items():
            box = self.query_one(f"#{name}", Input)
            if value and not box.value.strip():
                box.value = value

    def _values(self) -> dict[str, Any]:
        desk = self.desk
        account_id = self.query_one("#account", Select).value
        account = next((a for a in self._accounts if a.id == account_id), None)
        if account is None:
            raise ValueError("choose an account")
        policy = desk.policies[account.marketplace]
        tz = policy.tz
        amount_text = self.query_one("#amount", Input).value
        try:  # as the marketplace writes numbers: 49,99 in a de_DE marketplace, never 4,999
            value = parse_amount(amount_text, policy.locale) if amount_text.strip() else None
        except MoneyError as exc:
            if "more decimals" in str(exc):
                raise ValueError(f"amount {amount_text.strip()} has more than two decimals") from None
            raise ValueError(f"amount {amount_text!r} is not a number") from None
        exponent = value.as_tuple().exponent if value is not None else 0
        if isinstance(exponent, int) and exponent < -2:
            raise ValueError(f"amount {amount_text.strip()} has more than two decimals")
        amount = Money(value, account.currency) if value is not None else None
        reason = self.query_one("#reason", Select).value
        return dict(
            account_id=account.id,
            order_id=self.query_one("#order", Input).value,
            order_item_id=self.query_one("#item", Input).value,
            refund_at=parse_when(self.query_one("#refund_at", Input).value, tz),
            delivered_at=parse_when(self.query_one("#delivered_at", Input).value, tz),
            reason_code=reason if isinstance(reason, str) else None,
            amount=amount,
            description=self.query_one("#description", TextArea).text,
        )

    def recheck(self) -> None:
        verdict_box = self.query_one("#eligibility", Static)
        self._checks += 1  # an answer for older values is dropped (see _show_verdict)
        try:
            values = self._values()
        except ValueError as exc:
            verdict_box.update(literal(f"✗ {exc}", "bold red"))
            self._checklist(None)
            return
        if not values["order_id"].strip():
            verdict_box.update(Text("Enter the order id to check eligibility.", "italic"))
            self._checklist(values["reason_code"])
            return
        self._checklist(values["reason_code"])
        self._check(self._checks, values, {f.evidence for f in self.files if f.evidence})

    @work(thread=True, group="eligibility")
    def _check(self, check: int, values: dict[str, Any], evidence: set[Evidence]) -> None:
        """The filing rules, read from the database in a thread (never on the screen's loop)."""
        try:
            verdict: Eligibility | str = self.desk.check_filing(
                values["account_id"], values["order_id"], values["order_item_id"], values["refund_at"],
                values["delivered_at"], reason_code=values["reason_code"], amount=values["amount"],
                description=values["description"], evidence=evidence,
            )
        except REFUSALS as exc:
            verdict = f"cannot check eligibility now: {exc}"
        self.app.call_from_thread(self._show_verdict, check, values, verdict)

    def _show_verdict(self, check: int, values: dict[str, Any], verdict: Eligibility | str) -> None:
        if check != self._checks or not self.is_attached:
            return
        verdict_box = self.query_one("#eligibility", Static)
        if isinstance(verdict, str):
            verdict_box.update(literal(f"✗ {verdict}", "bold red"))
            return
        problems = list(verdict.problems)
        if values["reason_code"] is None:
            problems.append("choose the claim reason")
        if values["amount"] is None:
            problems.append("enter the amount to claim")
        if not problems:
            verdict_box.update(literal(f"✓ {verdict.summary}", "bold green"))
        else:
            text = Text("✗ Cannot be filed:\n", "bold red")
            for problem in problems:
                text.append(f"  • {clean(problem)}\n", "red")
            if verdict.file_by:
                text.append(f"  Window: file by {local_time(verdict.file_by)} ({verdict.left})", "dim")
            verdict_box.update(text)

    def _checklist(self, reason_code: str | None) -> None:
        box = self.query_one("#checklist", Static)
        text = Text()
        have = {f.evidence for f in self.files if f.evidence}
        reason = REASONS_BY_CODE.get(reason_code or "")
        if reason is None:
            text.append("Choose a reason to see the evidence it needs.\n", "italic")
        elif not reason.evidence:
            text.append("No specific evidence required for this reason (a description is).\n", "italic")
        else:
            for ev in reason.evidence:
                mark = "☑" if ev in have else "☐"
                text.append(f"{mark} {ev.label}\n", "green" if ev in have else "")
        if self.files:
            text.append("Files (select one, delete removes it):", "dim")
        box.update(text)
        self.query_one(EvidenceFiles).show_files([(f.path, f.evidence.label if f.evidence else "other")
                                                  for f in self.files])

    @on(EvidenceFiles.Removed)
    def _remove_file(self, event: EvidenceFiles.Removed) -> None:
        if 0 <= event.index < len(self.files):
            gone = self.files.pop(event.index)
            self.say(f"Removed {os.path.basename(gone.path)} from the evidence")
            self.recheck()

    def action_attach(self) -> None:
        from safet_tui.screens.dialogs import AttachDialog, ChoiceDialog

        code = self.query_one("#reason", Select).value
        reason = REASONS_BY_CODE.get(code) if isinstance(code, str) else None
        kinds = list(reason.evidence) if reason and reason.evidence else list(Evidence)
        have = {f.evidence for f in self.files}
        missing = [k for k in (reason.evidence if reason else ()) if k not in have]
        if missing:  # straight to the files the reason still needs, all in one go
            self._attach_missing(missing)
            return

        def got_path(path: str | None, kind: Evidence | None) -> None:
            if path:
                self.files.append(Evidenced(path, kind))
                self.recheck()
                self._draft_changed()

        def got_kind(label: str | None) -> None:
            if label is None:
                return
            kind = next((k for k in Evidence if k.label == label), None)
            self.app.push_screen(AttachDialog(f"Evidence: {label}", self.desk.check_attachment),
                                 lambda p: got_path(p, kind))

        self.app.push_screen(ChoiceDialog("What does the file show?", [k.label for k in kinds] + ["Other"]), got_kind)

    def _attach_missing(self, missing: list[Evidence]) -> None:
        from safet_tui.screens.evidence import EvidenceDialog

        def got(paths: list[str] | None) -> None:
            for n, path in enumerate(paths or ()):
                self.files.append(Evidenced(path, missing[n] if n < len(missing) else None))
            if paths:
                self.recheck()

        self.app.push_screen(EvidenceDialog(missing, self.desk.check_attachment, self.desk.files_in), got)

    @on(Button.Pressed, "#attach")
    def _attach_pressed(self) -> None:
        self.action_attach()

    @on(Button.Pressed, "#file")
    def _file_pressed(self) -> None:
        self.action_file()

    def action_file(self) -> None:
        try:
            values = self._values()
        except ValueError as exc:
            self.say(str(exc), severity="error")
            return
        if values["reason_code"] is None:
            self.say("Choose a claim reason", severity="error")
            return
        if values["amount"] is None:
            self.say("Enter the amount to claim", severity="error")
            return
        files = list(self.files)

        def filed(view: ClaimView) -> None:
            self.say(f"Filed claim {view.claim_no}: Under Investigation")
            self.app.pop_screen()
            self.changed(view.claim_no)

        key = str(self.refund_id or "")
        file = lambda: self.desk.file_claim(files=files, draft=key, **values)  # noqa: E731
        self.write(Write("filing the claim", self.draft.ending(file) if self.draft else file, filed,
                         refused="Not filed", after_refusal=self.recheck))

    def action_back(self) -> None:
        """Leave; what was typed is kept as a draft (saved already, or now) and comes back."""
        if self.draft is not None:
            self.draft.flush()
            if self._draft_fields() != self._pristine:
                self.say("The claim is kept as a draft: it comes back when you open this form again")
        self.app.pop_screen()
