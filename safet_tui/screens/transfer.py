"""Import a Seller Central report and export claims, from inside the desk.

Both run in thread workers (a 100k-row report takes seconds) through the Desk; progress and
the outcome come back as messages posted by the worker; the summary is shown as plain text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select, Static

from safet_tui.messages import REFUSALS, Change, Changed, ExportScope
from safet_tui.screens.claim_actions import say
from safet_tui.screens.dialogs import PathInput, _Dialog, start_path
from safet_tui.service.desk import Desk, ServiceError, reporting_waits
from safet_tui.widgets.text import literal


def export_folder(files_in: Path | None = None) -> Path:
    """Where exports go unless another path is typed: your Downloads folder when there is one,
    else ``exports/`` in safet's data folder (made when the first export is written). Never the
    current directory, which is wherever the desk happened to be started (a checkout, /). A desk
    kept to one folder (``files_in``, a browser visitor's) exports there."""
    if files_in is not None:
        return files_in
    from platformdirs import user_data_dir, user_downloads_dir

    downloads = Path(user_downloads_dir())
    return downloads if downloads.is_dir() else Path(user_data_dir("safet")) / "exports"


def ready_folder(folder: Path, default: Path | None = None) -> str | None:
    """Make the default export folder (``default``, else :func:`export_folder`) when it is
    missing; any other folder must exist. Returns why the folder cannot take an export, or None."""
    if folder.is_dir():
        return None
    if folder.exists():
        return f"{folder} is not a folder"
    if folder != (default or export_folder()):
        return f"there is no folder {folder}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot make {folder}: {exc.strerror or exc}"
    return None


KINDS = [("Detect from the file", "auto"), ("Returns report", "returns"),
         ("Settlement report V2", "settlement"), ("Claims JSON (safet export)", "claims")]


class ImportDialog(_Dialog):
    @dataclass
    class Progressed(Message):
        bubble: ClassVar[bool] = False
        done: int
        total: int

    @dataclass
    class Finished(Message):
        """The import's summary lines, or why nothing was imported."""

        bubble: ClassVar[bool] = False
        lines: list[str] | None
        error: str | None = None

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Import a Seller Central report", classes="dialog-title")
            yield Select(KINDS, value="auto", allow_blank=False, id="kind")
            yield PathInput(start_path(self.desk.files_in), self.desk.files_in, id="path")
            yield Input(placeholder="account name (blank: the one account of the report's marketplace)",
                        id="account")
            yield Checkbox("Dry run: report what would change, write nothing", id="dry")
            yield ProgressBar(id="progress", show_eta=False)
            with VerticalScroll(id="import-summary-box"):
                yield Static(id="summary")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (esc)", id="close")
                yield Button("Import", variant="primary", id="go")

    DEFAULT_CSS = """
    ImportDialog { align: center middle; }
    #import-summary-box { height: auto; max-height: 14; }
    #progress { padding: 1 0 0 0; }
    """

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#go")
    def _go(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        try:  # a desk kept to one folder refuses any other before looking at it
            path = self.desk.local_path(path) if path else path
        except ServiceError as exc:
            self.query_one("#summary", Static).update(Text(str(exc), "bold red"))
            return
        if not path or not Path(path).expanduser().is_file():
            self.query_one("#summary", Static).update(literal(f"Not a file: {path}", "bold red"))
            return
        self.query_one("#go", Button).disabled = True
        self.query_one("#summary", Static).update(Text("Importing…", "italic"))
        kind = self.query_one("#kind", Select).value
        self._run(kind if isinstance(kind, str) else "auto", str(Path(path).expanduser()),
                  self.query_one("#account", Input).value.strip() or None, self.query_one("#dry", Checkbox).value)

    @work(thread=True, exclusive=True, group="import")
    def _run(self, kind: str, path: str, account: str | None, dry_run: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        def waiting(busy: bool) -> None:  # another program holds the write lock
            line = "database busy, retrying… (importing; another program is writing)" if busy else "Importing…"
            self.app.call_from_thread(self.query_one("#summary", Static).update, Text(line, "italic"))

        try:
            with reporting_waits(waiting):
                lines = self.desk.import_report(kind, path, account=account, dry_run=dry_run, progress=progress)
        except REFUSALS as exc:  # the file, line, column and value that stopped it
            self.post_message(self.Finished(None, str(exc)))
            return
        self.post_message(self.Finished(lines))

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)

    @on(Finished)
    def _done(self, message: Finished) -> None:
        self.query_one("#go", Button).disabled = False
        box = self.query_one("#summary", Static)
        if message.lines is None:
            text = Text("Nothing was imported:\n", "bold red")
            text.append_text(literal(message.error or "", newlines=True))
            box.update(text)
            return
        box.update(literal("\n".join(message.lines), newlines=True))
        self.app.post_message(Changed(Change()))

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


class ExportDialog(_Dialog):
    """Export the selected claims, or the current tab, or everything."""

    @dataclass
    class Finished(Message):
        bubble: ClassVar[bool] = False
        path: str
        claims: int | None
        error: str | None = None

    def __init__(self, desk: Desk, scope: ExportScope | None = None) -> None:
        super().__init__()
        self.desk = desk
        scope = scope or ExportScope()
        self.claim_ids = list(scope.claim_ids)
        self.status = scope.status
        self.text = scope.text
        self._confirm_overwrite: str | None = None

    def compose(self) -> ComposeResult:
        if self.claim_ids:
            scope = f"the {len(self.claim_ids)} selected claims"
        elif self.text:
            scope = f"the {self.status or ''} claims matching the filter".replace("  ", " ")
        else:
            scope = f"every {self.status} claim" if self.status else "every claim"
        folder = export_folder(self.desk.files_in)
        with Vertical(classes="dialog"):
            yield Label(f"Export {scope}", classes="dialog-title")
            yield Select([("CSV (opens in a spreadsheet)", "csv"), ("JSON", "json")], value="csv",
                         allow_blank=False, id="fmt")
            yield Checkbox("With threads (JSON only)", id="threads")
            yield Label(literal(f"Saved in {folder} (type another path to change it; an existing file is "
                                "replaced only when you confirm)"), classes="dialog-hint", id="folder")
            name = f"safet-claims-{self.status or 'all'}.csv"
            yield PathInput(str(folder / name), self.desk.files_in, id="path")
            yield Label("", classes="dialog-error", id="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="close")
                yield Button("Export", variant="primary", id="go")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#fmt")
    def _fmt(self, event: Select.Changed) -> None:
        self.query_one("#threads", Checkbox).disabled = event.value != "json"
        box = self.query_one("#path", Input)
        stem, _ = os.path.splitext(box.value)
        box.value = f"{stem}.{event.value}"

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#go")
    def _go(self) -> None:
        try:
            path = Path(self.desk.local_path(self.query_one("#path", Input).value.strip()))
        except ServiceError as exc:
            self.query_one("#error", Label).update(literal(str(exc)))
            return
        why = ("it is a folder: add a file name" if path.is_dir()
               else ready_folder(path.parent, self.desk.files_in))
        if why:
            self.query_one("#error", Label).update(literal(f"Cannot write {path}: {why}"))
            return
        if path.exists() and self._confirm_overwrite != str(path):
            self._confirm_overwrite = str(path)
            self.query_one("#error", Label).update(literal(f"{path} exists: press Export again to replace it"))
            return
        fmt = self.query_one("#fmt", Select).value
        self._run(str(path), fmt if isinstance(fmt, str) else "csv", self.query_one("#threads", Checkbox).value)

    @work(thread=True, exclusive=True, group="export")
    def _run(self, path: str, fmt: str, threads: bool) -> None:
        desk = self.desk
        ids = self.claim_ids
        if not ids and self.text:
            # what the filter shows on this tab, no more
            total = desk.count(self.status or "", self.text)
            ids = [row.key for row in desk.window(self.status or "", 0, total, "claim", self.text)] or [-1]
        try:
            claims = desk.export_claims(path, fmt=fmt, with_messages=threads and fmt == "json",
                                        statuses=[self.status] if self.status and not ids else [], claim_ids=ids)
        except REFUSALS as exc:
            self.post_message(self.Finished(path, None, str(exc)))
            return
        self.post_message(self.Finished(path, claims))

    @on(Finished)
    def _done(self, message: Finished) -> None:
        if message.claims is None:
            self.query_one("#error", Label).update(literal(f"Export failed: {message.error}"))
            return
        n = message.claims
        say(self, f"Exported {n:,} claim{'s' if n != 1 else ''} to {message.path}")
        self.dismiss(message.path)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
