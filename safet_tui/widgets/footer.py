"""The footer: only the keys that apply here and now, the most important first to stay.

Textual's footer shows every binding, dims the ones a screen disables and lets the rest run off
the right edge at 80 columns (Analytics and Quit were the first to go). This one leaves out what
does not apply (a screen's ``check_action`` returned False or None: the key itself says why), and
when the keys do not fit it drops the least important ones (``?`` lists them all).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget (not re-exported)

#: rank by binding id: 0 stays longest; unlisted keys rank 5, the command palette 6
PRIORITY: dict[str, int] = {
    "desk.help": 0, "desk.quit": 0, "thread.back": 0, "thread.send": 0,
    "desk.analytics": 1, "desk.open": 1, "claim.reply": 1, "claim.appeal": 1,
    "thread.request_info": 1, "thread.grant": 1, "thread.no_grant": 1,
    "desk.filter": 2, "desk.new_claim": 2, "thread.editor": 2, "thread.attach_reply": 2,
    "desk.toggle_read": 3, "desk.sort": 4,
}
PALETTE_RANK = 6


def fit_keys(keys: list[tuple[int, int]], width: int) -> set[int]:
    """Which of ``keys`` (rank, cells) to show in ``width`` cells: drop the highest rank first,
    the later of equal ranks first. Returns the indexes kept."""
    kept = set(range(len(keys)))
    order = sorted(kept, key=lambda i: (keys[i][0], i), reverse=True)
    for i in order:
        if sum(keys[j][1] for j in kept) <= width:
            break
        if keys[i][0] == 0:
            continue  # help and quit always stay
        kept.discard(i)
    return kept


class DeskFooter(Footer):
    """A compact footer that shows what applies and fits the width by priority."""

    def __init__(self, priority: Mapping[str, int] | None = None, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self.priority = PRIORITY if priority is None else priority

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        app = self.app
        shown: list[tuple[Binding, str, int]] = []
        actions: set[str] = set()
        active = self.screen.active_bindings
        pal = active.get(app.COMMAND_PALETTE_BINDING)
        palette = pal.binding if pal is not None and pal.enabled else None
        for _, binding, enabled, _tooltip in active.values():
            if not binding.show or not enabled or binding.action in actions:
                continue
            actions.add(binding.action)
            rank = self.priority.get(binding.id or "", 5)
            shown.append((binding, app.get_key_display(binding), rank))
        cells = [(rank, cell_len(key) + 1 + cell_len(b.description) + 1) for b, key, rank in shown]
        if palette is not None and self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            cells.append((PALETTE_RANK, cell_len(app.get_key_display(palette)) + cell_len(palette.description) + 3))
        width = self.size.width or app.size.width
        kept = fit_keys(cells, width)
        for i, (binding, key, _) in enumerate(shown):
            if i in kept:
                yield FooterKey(binding.key, key, binding.description, binding.action,
                                tooltip=binding.tooltip).data_bind(compact=Footer.compact)
        if palette is not None and len(shown) in kept:
            yield FooterKey(palette.key, app.get_key_display(palette), palette.description, palette.action,
                            classes="-command-palette", tooltip=palette.description)

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
