"""Command palette commands that fit where you are ("Appeal claim 3417650022", "Go to claim …").

Navigation goes up to the App as messages; a claim's own actions are those of the claim screen
the palette was opened on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from safet_tui.messages import (
    DeskContext,
    ExportClaims,
    ExportScope,
    ImportReport,
    NewClaim,
    OpenAnalytics,
    OpenThread,
    ShowTab,
)
from safet_tui.screens.claim_actions import ClaimScreen
from safet_tui.service.desk import ServiceError
from safet_tui.service.views import TAB_LABELS, TABS
from safet_tui.widgets.text import clean

Command = tuple[str, Callable[[], object], str]


@runtime_checkable
class DeskHost(Protocol):
    """The app the palette runs in: it holds the desk's context."""

    ctx: DeskContext


class DeskCommands(Provider):
    def _commands(self) -> list[Command]:
        post = self.app.post_message
        screen = self.screen
        app = self.app
        assert isinstance(app, DeskHost), "DeskCommands runs in the SAFE-T desk"
        desk = app.ctx.desk
        seller = desk.role.value != "amazon"
        commands: list[Command] = []
        for i, tab in enumerate(TABS, start=1):
            commands.append((f"Show {TAB_LABELS[tab]}", partial(post, ShowTab(tab)), f"Key {i}"))
        commands.append(("Analytics", partial(post, OpenAnalytics()), "The SAFE-T dashboard (key a)"))
        if seller:
            commands.append(("New claim", partial(post, NewClaim()), "File a claim (key n)"))
        commands.append(("Go to claim…", self._ask_claim, "Type a claim id (or just type the digits here)"))
        commands.append(("Import report…", partial(post, ImportReport()),
                         "Seller Central returns or settlement report"))
        scope = screen.export_scope() if isinstance(screen, ClaimScreen) else ExportScope()
        commands.append(("Export claims…", partial(post, ExportClaims(scope)),
                         "The selection, the tab, as CSV or JSON (key e)"))
        if not isinstance(screen, ClaimScreen):
            return commands
        ids = screen.claim_ids()
        claim_no = ids[0] if ids else ""
        if claim_no:
            shown = escape(clean(claim_no))  # command titles are markup: the id from data is shown as written
            if seller and self._appealable(claim_no):
                commands.append((f"Appeal claim {shown}", partial(screen.start_appeal, claim_no),
                                 "One appeal per claim"))
            commands.append((f"Open claim {shown}", partial(post, OpenThread(claim_no)), "The thread"))
            if seller:
                commands.append((f"Attach a file to claim {shown}", partial(screen.start_attach, claim_no),
                                 "Key t"))
            commands.append((f"Copy claim id {shown}", screen.action_copy_claim, "Key y"))
        return commands

    def _appealable(self, claim_no: str) -> bool:
        app = self.app
        assert isinstance(app, DeskHost)
        try:
            return app.ctx.desk.why_not_appeal(claim_no) is None
        except ServiceError:  # gone since it was listed, or the database cannot be read: nothing to offer
            return False

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        digits = query.strip()
        if digits.isdigit() and len(digits) >= 4:
            yield Hit(100, f"Go to claim {digits}", partial(self.app.post_message, OpenThread(digits)),
                      help="Open its thread")
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

    def _ask_claim(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        def done(text: str | None) -> None:
            if text:
                self.app.post_message(OpenThread(text.strip()))

        self.app.push_screen(TextDialog("Go to claim", "The SAFE-T claim id, e.g. 3417650022", confirm="Open",
                                        single_line=True), done)
