"""What every screen that shows claims shares: writes in workers, and the claim actions.

``WritingScreen`` runs a :class:`~safet_tui.messages.Write` in a thread worker with a visible
"sending…" line and shows the service's refusal in a toast; ``ClaimScreen`` adds the claim
actions the list and the thread both offer (reply, appeal, attach, copy the claim or order id),
each declared once with one binding id, and listens to the App's data-changed signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from safet_tui.domain.lifecycle import STEPS_BY_ACTOR, Actor
from safet_tui.messages import (
    REFUSALS,
    Change,
    Changed,
    DeskContext,
    ExportScope,
    Refused,
    Waiting,
    Write,
    Written,
)
from safet_tui.screens.drafting import DraftKeeper
from safet_tui.service.desk import Desk, reporting_waits
from safet_tui.widgets.text import clean
from safet_tui.widgets.working import Working

#: actions only a seller takes; an investigator (--as amazon) records Amazon's side
SELLER_ACTIONS = frozenset({*STEPS_BY_ACTOR[Actor.SELLER], "new_claim"})
AMAZON_ACTIONS = frozenset(STEPS_BY_ACTOR[Actor.AMAZON])
VERBS = {"request_info": "request information", "no_grant": "record a no-grant"}


def cannot(action: str, why: str, claim_no: str = "") -> str:
    """The one line a refused key shows: what, on which claim, and the rule that refuses it."""
    on_claim = f" on {claim_no}" if claim_no else ""
    return f"Cannot {VERBS.get(action, action)}{on_claim}: {why}"


def say(screen: Screen[Any], message: str, severity: SeverityLevel = "information", timeout: float = 4) -> None:
    """A toast with the text shown literally (no markup from claim data)."""
    screen.notify(clean(message, newlines=True), severity=severity, timeout=timeout, markup=False)


def read_only_refusal(why: str) -> str:
    """What a write on a database this desk cannot change says (``why`` from the desk)."""
    return f"read-only database ({why}): nothing can be changed here"


def investigator_refusal(what: str) -> str:
    return f"You are the investigator (--as amazon): sellers {what}, not Amazon"


class WritingScreen(Screen[None]):
    """A screen that changes the database, one write at a time, off the event loop."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        #: the write running now (keys that would start another, or leave, wait for it)
        self.writing: Write[Any] | None = None

    @property
    def investigator(self) -> bool:
        return self.desk.role is Actor.AMAZON

    def say(self, message: str, severity: SeverityLevel = "information", timeout: float = 4) -> None:
        say(self, message, severity, timeout)

    def seller_only(self, what: str) -> bool:
        if self.investigator:
            self.say(investigator_refusal(what), severity="warning")
            return False
        return True

    def write(self, job: Write[Any]) -> None:
        if self.desk.read_only:  # refused before anything waits or is stored
            self.say(f"{job.refused}: {read_only_refusal(self.desk.read_only)}", severity="warning", timeout=8)
            if job.after_refusal is not None:
                job.after_refusal()
            return
        self.writing = job
        self.query_one(Working).start(job.doing)
        self.refresh_bindings()
        self._run_write(job)

    @work(thread=True, group="write")
    def _run_write(self, job: Write[Any]) -> None:
        """In a thread: a database another program holds waits here, never on the screen; while
        it waits the working line says "database busy, retrying…"."""
        try:
            with reporting_waits(lambda waiting: self.post_message(Waiting(job, waiting))):
                result = job.run()
        except REFUSALS as exc:
            self.post_message(Refused(job, str(exc)))
        else:
            self.post_message(Written(job, result))

    @on(Waiting)
    def _waiting(self, message: Waiting) -> None:
        if message.write is self.writing:
            self.query_one(Working).waiting(message.waiting)

    def _finished(self) -> None:
        self.writing = None
        self.query_one(Working).stop()
        self.refresh_bindings()

    @on(Written)
    def _written(self, message: Written) -> None:
        self._finished()
        message.write.then(message.result)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._finished()
        self.say(f"{message.write.refused}: {message.reason}", severity="error", timeout=8)
        if message.write.after_refusal is not None:
            message.write.after_refusal()
        # A refusal often means someone else changed the claim first: show what stands now.
        self.changed()

    def changed(self, claim_no: str | None = None, *, done: bool = False, origin: object | None = None) -> None:
        """Tell the App what our write changed; it tells every screen (``origin``: one that
        shows the change already)."""
        self.app.post_message(Changed(Change(claim_no, done, origin)))


class ClaimScreen(WritingScreen):
    """The claim list and the thread: the shared claim actions, and reloads on change."""

    CLAIM_BINDINGS: list[BindingType] = [
        Binding("r", "reply", "Reply", id="claim.reply"),
        Binding("A", "appeal", "Appeal", id="claim.appeal"),
        Binding("t", "attach", "Attach", show=False, id="claim.attach"),
        Binding("v", "attachments", "Files", show=False, id="claim.attachments"),
        Binding("y", "copy_claim", "Copy id", show=False, id="claim.copy_claim"),
        Binding("Y", "copy_order", "Copy order", show=False, id="claim.copy_order"),
    ]

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx.desk)
        self.ctx = ctx

    def on_mount(self) -> None:
        self.ctx.changes.subscribe(self, self.data_changed)

    def data_changed(self, change: Change) -> None:
        """The database changed (another terminal, an import, or a write of ours)."""

    # -- which claim -----------------------------------------------------------------------
    def claim_ids(self) -> tuple[str, str] | None:
        """(claim id, order id) of the claim in view; a claimable refund has no claim id ("")."""
        raise NotImplementedError

    def export_scope(self) -> ExportScope:
        """The claims an export from here takes (here: every claim)."""
        return ExportScope()

    def claim_for(self, what: str) -> str | None:
        """The claim an action applies to, or None after saying why there is none."""
        ids = self.claim_ids()
        if ids is None:
            self.say("No claim under the cursor")
            return None
        if not ids[0]:
            self.say(f"This is a claimable refund, not a claim: press n to file it first ({what})")
            return None
        return ids[0]

    def refusal(self, action: str) -> str | None:
        """Why ``action`` does not apply to the claim in view, as far as this screen knows
        (the lifecycle's verdict, ``ClaimView.refusals``); None when it applies or is not known yet
        (the action then asks the service before it opens anything)."""
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False: the key is not this desk's (the other role's; hidden, and does nothing).
        None: it does not apply to this claim now (hidden from the footer; the key says why)."""
        if not self.is_current:  # keys still queued while another screen is on top
            return False
        if action in SELLER_ACTIONS and self.investigator:
            return False
        if action in AMAZON_ACTIONS and not self.investigator:
            return False
        if self.refusal(action) is not None:
            return None
        return True

    def on_key(self, event: events.Key) -> None:
        """A key whose action does not apply here says why in one line, before anything opens."""
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.node is not self:
            return
        action = active.binding.action
        why = self.refusal(action)
        if why:
            event.stop()
            event.prevent_default()
            ids = self.claim_ids()
            self.say(cannot(action, why, ids[0] if ids else ""), severity="warning")

    def refused(self, claim_no: str, action: str) -> bool:
        """Ask the service (the claim as it is now) whether ``action`` is refused; if so, say why."""
        try:  # one claim by index, here so that what is typed next goes to the dialog
            why = self.desk.refusal(claim_no, action)
        except REFUSALS as exc:  # gone, or the database cannot be read now: say so, open nothing
            why = str(exc)
        if why:
            self.say(cannot(action, why, claim_no), severity="warning")
        return why is not None

    # -- the shared actions ------------------------------------------------------------------
    def action_appeal(self) -> None:
        claim_no = self.claim_for("appeal")
        if claim_no:
            self.start_appeal(claim_no)

    def start_appeal(self, claim_no: str, text: str = "", files: Sequence[str] = ()) -> None:
        """The appeal dialog (with ``text`` and ``files``: an appeal refused a moment ago, to send
        again; else the draft typed before, if any)."""
        from safet_tui.screens.appeal import AppealDialog

        if not self.seller_only("appeal") or self.refused(claim_no, "appeal"):
            return

        # the appeal's text is kept as it is typed, and comes back when the dialog opens again
        draft = DraftKeeper(self, self.desk, "appeal", claim_no, f"an appeal on claim {claim_no}")
        saved = (draft.restore() or {}).get("text")
        if not text and isinstance(saved, str):
            text = clean(saved, newlines=True)

        def filed(_: object) -> None:
            self.say(f"Appeal filed for {claim_no}: now Under Investigation")
            self.changed(claim_no, done=True)

        dialog = AppealDialog(
            f"Appeal claim {claim_no}",
            "One appeal per claim, and it is final. Say why the decision is wrong. Esc keeps the text for later.",
            initial=text, confirm="File the appeal (final)", check=self.desk.check_attachment,
            on_change=lambda text: draft.changed({"text": text}),
        )
        dialog.files = list(files)

        def confirmed(text: str | None) -> None:
            if text is None:
                draft.flush()
                return
            files = list(dialog.files)

            def again() -> None:
                """Refused while the claim can still be appealed (another program held the database):
                the dialog comes back with the text and the files. Refused for good: the toast said why."""
                try:
                    open_still = not self.desk.read_only and self.desk.why_not_appeal(claim_no) is None
                except REFUSALS:
                    open_still = False
                if open_still:
                    self.start_appeal(claim_no, text, files)

            self.write(Write("filing the appeal", draft.ending(lambda: self.desk.appeal(claim_no, text, files)), filed,
                             refused="Appeal not sent", after_refusal=again))

        self.app.push_screen(dialog, confirmed)

    def action_attach(self) -> None:
        claim_no = self.claim_for("attach")
        if claim_no:
            self.start_attach(claim_no)

    def start_attach(self, claim_no: str) -> None:
        from safet_tui.screens.dialogs import AttachDialog

        if not self.seller_only("attach evidence") or self.refused(claim_no, "attach"):
            return

        def attached(att: Any) -> None:
            self.say(f"Attached {att.name} to {claim_no}")
            self.changed(claim_no)

        def picked(path: str | None) -> None:
            if path:
                # hashing and copying up to the attachment limit: in the worker
                self.write(Write("attaching the file", lambda: self.desk.attach(claim_no, path), attached,
                                 refused="Not attached"))

        self.app.push_screen(AttachDialog(f"Attach a file to claim {claim_no}", self.desk.check_attachment),
                             picked)

    def action_attachments(self) -> None:
        from safet_tui.screens.attachments import AttachmentsScreen

        claim_no = self.claim_for("see its files")
        if claim_no:
            self.app.push_screen(AttachmentsScreen(self.desk, claim_no))

    def action_copy_claim(self) -> None:
        ids = self.claim_ids()
        if ids is None:
            return
        if not ids[0]:
            self.say("A claimable refund has no claim id yet (Y copies its order id)")
            return
        self.app.copy_to_clipboard(ids[0])
        self.say(f"Copied claim id {ids[0]}")

    def action_copy_order(self) -> None:
        ids = self.claim_ids()
        if ids is not None and ids[1]:
            self.app.copy_to_clipboard(ids[1])
            self.say(f"Copied order id {ids[1]}")
