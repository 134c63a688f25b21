"""The reply editor's canned reply: one key puts the text for the claim's reason at the cursor,
its placeholders filled from the claim (see ``widgets/canned.py`` and ``[canned_replies]``)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import TextArea

from safet_tui.messages import REFUSALS
from safet_tui.screens.claim_actions import ClaimScreen
from safet_tui.service.views import ClaimView
from safet_tui.widgets.canned import fill, template_for


class CannedReplies(ClaimScreen):
    """The thread's base: ``ctrl+r`` while replying inserts the canned reply."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "canned_reply", "Canned reply", id="thread.canned_reply"),
    ]

    claim_no: str
    view: ClaimView | None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "canned_reply" and not self.has_class("-replying"):
            return False
        return super().check_action(action, parameters)

    def action_canned_reply(self) -> None:
        if self.view is None:
            return
        template = template_for(self.view.reason, self.ctx.config.canned_replies)
        claim_no = self.claim_no

        def run() -> None:
            try:
                fields = self.desk.reply_fields(claim_no)
            except REFUSALS as exc:
                self.app.call_from_thread(self.say, f"No canned reply: {exc}", "error")
                return
            self.app.call_from_thread(self._insert, fill(template, fields))

        self.run_worker(run, thread=True, group="canned-reply")

    def _insert(self, text: str) -> None:
        area = self.query_one("#reply-text", TextArea)
        if area.read_only:  # being sent
            return
        area.insert(text)
        area.focus()
