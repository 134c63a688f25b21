"""Command palette commands that fit where you are ("Appeal claim 3417650022", "Go to claim …")."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from safet_tui.service.views import TAB_LABELS, TABS


class DeskCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        screen = self.screen
        commands: list[tuple[str, object, str]] = []
        for i, tab in enumerate(TABS, start=1):
            commands.append((f"Show {TAB_LABELS[tab]}", partial(self._tab, tab), f"Key {i}"))
        commands.append(("Analytics", app.open_analytics, "The SAFE-T dashboard (key a)"))
        if app.role != "amazon":
            commands.append(("New claim", partial(app.start_new_claim, None), "File a claim (key n)"))
        commands.append(("Go to claim…", self._ask_claim, "Type a claim id (or just type the digits here)"))
        commands.append(("Import report…", self._import, "Seller Central returns or settlement report"))
        commands.append(("Export claims…", self._export, "The selection, the tab, as CSV or JSON (key e)"))
        claim_no = _claim_in_view(screen)
        if claim_no:
            desk = app.desk
            try:
                if app.role != "amazon" and desk.why_not_appeal(claim_no) is None:
                    commands.append((f"Appeal claim {claim_no}", partial(app.start_appeal, claim_no),
                                     "One appeal per claim"))
            except Exception:
                pass
            commands.append((f"Open claim {claim_no}", partial(app.open_thread, claim_no), "The thread"))
            if app.role != "amazon":
                commands.append((f"Attach a file to claim {claim_no}", partial(app.start_attach, claim_no), "Key t"))
            commands.append((f"Copy claim id {claim_no}", partial(self._copy, claim_no), "Key y"))
        return commands

    def _tab(self, tab: str) -> None:
        home = self.app.home()
        if home is not None:
            while self.app.screen is not home:
                self.app.pop_screen()
            home.action_tab(tab)

    def _copy(self, text: str) -> None:
        self.app.copy_to_clipboard(text)
        self.app.say(f"Copied {text}")

    def _import(self) -> None:
        self.app.start_import()

    def _export(self) -> None:
        self.app.start_export()

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        digits = query.strip()
        if digits.isdigit() and len(digits) >= 4:
            yield Hit(100, f"Go to claim {digits}", partial(self._goto, digits), help="Open its thread")
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

    def _ask_claim(self) -> None:
        from safet_tui.screens.dialogs import TextDialog

        def done(text: str | None) -> None:
            if text:
                self._goto(text.strip())

        self.app.push_screen(TextDialog("Go to claim", "The SAFE-T claim id, e.g. 3417650022", confirm="Open",
                                        single_line=True), done)

    def _goto(self, claim_no: str) -> None:
        if self.app.desk.exists(claim_no):
            self.app.open_thread(claim_no)
        else:
            self.app.say(f"No claim {claim_no}", severity="warning")


def _claim_in_view(screen) -> str | None:
    claim_no = getattr(screen, "claim_no", None)
    if claim_no:
        return claim_no
    cl = getattr(screen, "claim_list", None)
    row = cl.current_row if cl is not None else None
    return row.claim_no if row is not None and row.kind == "claim" else None
