"""The new-claim form's draft: its fields saved as they are typed, back when the form opens
again on the same refund (or blank), the cursor after the description."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual.widgets import Input, Select, TextArea
from textual.widgets.select import InvalidSelectValueError

from safet_tui.domain.reasons import Evidence
from safet_tui.screens.claim_actions import WritingScreen
from safet_tui.screens.drafting import DraftKeeper
from safet_tui.service.desk import Evidenced
from safet_tui.widgets.text import clean

#: the form's one-line fields, by widget id
INPUTS = ("order", "item", "refund_at", "delivered_at", "amount")


class NewClaimDraft(WritingScreen):
    """What the form keeps of itself in the database while it is being filled in."""

    refund_id: int | None
    files: list[Evidenced]
    _ready: bool = False
    draft: DraftKeeper | None = None
    _pristine: dict[str, Any]  # the fields as the form opened (set with the draft)

    def _draft_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {name: self.query_one(f"#{name}", Input).value for name in INPUTS}
        for name in ("account", "reason"):
            value = self.query_one(f"#{name}", Select).value
            fields[name] = value if isinstance(value, int | str) else None
        fields["description"] = self.query_one("#description", TextArea).text
        fields["files"] = [[f.path, f.evidence.value if f.evidence else ""] for f in self.files]
        return fields

    def _restore_draft(self) -> None:
        key = str(self.refund_id or "")
        self.draft = DraftKeeper(self, self.desk, "new_claim", key,
                                 "a new claim" + (" for a claimable refund" if key else ""))
        self._pristine = self._draft_fields()
        saved = self.draft.restore()
        if not saved:
            return
        for name in INPUTS:
            if isinstance(saved.get(name), str):
                self.query_one(f"#{name}", Input).value = clean(saved[name])
        for name in ("account", "reason"):
            if saved.get(name) is not None:
                with suppress(InvalidSelectValueError):  # an account or reason gone since
                    self.query_one(f"#{name}", Select).value = saved[name]
        description = self.query_one("#description", TextArea)
        if isinstance(saved.get("description"), str):
            description.load_text(clean(saved["description"], newlines=True))
            description.move_cursor(description.document.end)
        files = saved.get("files")
        for path, kind in files if isinstance(files, list) else []:
            self.files.append(Evidenced(str(path), Evidence(kind) if kind in set(Evidence) else None))
        self.say("Your unsent claim is back as you left it")

    def _draft_changed(self) -> None:
        if self.draft is not None and self._ready:
            fields = self._draft_fields()
            self.draft.changed(None if fields == self._pristine else fields)
