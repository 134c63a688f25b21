"""The thread's reply editor: its draft (kept in the database as it is typed, back when the
thread opens again), the files picked for it, and $EDITOR."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from textual import on
from textual.widgets import Label, TextArea

from safet_tui.messages import DeskContext
from safet_tui.screens.canned_reply import CannedReplies
from safet_tui.screens.drafting import DraftKeeper
from safet_tui.widgets.text import clean, literal


class ReplyEditing(CannedReplies):
    """What the thread screen does with its reply editor (``#reply-text``, ``#reply-files``)."""

    def __init__(self, ctx: DeskContext, claim_no: str, then: str | None = None) -> None:
        super().__init__(ctx)
        self.claim_no = claim_no
        #: "reply": opened to reply (the editor has the focus)
        self.then = then
        #: files picked for the reply
        self.pending_files: list[str] = []
        self.draft: DraftKeeper | None = None

    def _restore_draft(self) -> None:
        """An unsent reply from before (saved as it was typed, whatever ended the desk), with the
        cursor after its last character."""
        self.draft = DraftKeeper(self, self.desk, "reply", self.claim_no, f"a reply on claim {self.claim_no}")
        saved = self.draft.restore() or {}
        text = saved.get("text")
        files = saved.get("files")
        self.pending_files = [str(f) for f in files] if isinstance(files, list) else []
        if isinstance(text, str) and text:
            area = self.query_one("#reply-text", TextArea)
            area.load_text(clean(text, newlines=True))
            area.move_cursor(area.document.end)
        self._show_pending()
        if (text or self.pending_files) and self.then != "reply":
            self.say("Your unsent reply is kept: r goes on with it")

    def _draft_changed(self) -> None:
        if self.draft is not None:
            self.draft.changed({"text": self.query_one("#reply-text", TextArea).text, "files": list(self.pending_files)})

    @on(TextArea.Changed, "#reply-text")
    def _reply_typed(self) -> None:
        self._draft_changed()

    def action_editor(self) -> None:
        if self.app.is_web:  # a browser's desk has no terminal to hand to an editor
            return self.say("$EDITOR is not available in the browser: write the reply here", "warning")
        area = self.query_one("#reply-text", TextArea)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
            fh.write(area.text)
            path = fh.name
        try:
            with self.app.suspend():
                subprocess.call([*shlex.split(editor), path])
            with open(path, encoding="utf-8") as fh:
                area.load_text(fh.read())
            area.move_cursor(area.document.end)
        except (OSError, UnicodeDecodeError) as exc:
            self.say(f"Editor failed: {exc}", severity="error")
        finally:
            os.unlink(path)

    def _show_pending(self) -> None:
        names = ", ".join(os.path.basename(p) for p in self.pending_files)
        label = f"↳ {names}   (ctrl+x removes the last)" if names else ""
        self.query_one("#reply-files", Label).update(literal(label))

    def action_drop_file(self) -> None:
        if self.pending_files:
            gone = self.pending_files.pop()
            self._show_pending()
            self._draft_changed()
            self.say(f"Removed {os.path.basename(gone)} from the reply")
