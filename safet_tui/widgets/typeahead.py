"""Keys typed ahead reach what they were meant for, in order.

A terminal delivers a burst (a macro, pasted keys, a fast typist) faster than the desk handles
it. Textual hands each key to the widget focused *when the key arrives*, and runs its binding
only after the key has gone up the widget tree; a screen being pushed or rows still loading
are not waited for. So in ``r`` + "the text", the letters behind ``r`` went to the claim list
(``t`` attached, ``m`` marked unread) or to a thread not built yet (lost), and ``space`` on a
row whose page was still loading selected nothing.

:class:`TypeAheadApp` queues every key from the terminal and hands them on one at a time: the
next key goes only once the previous one has been handled through the whole tree (and what it
posted — a screen pushed, a filter applied), and once the screen on top is mounted and says it
is ready for keys (``keys_ready()``: its rows loaded, its claim read). Text typed into a focused
editor never waits for data, only for the key before it. A key held longer than
:data:`HOLD_LIMIT` (a database held by another program) is handed on anyway.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Input, TextArea

#: seconds a key waits for a screen or its data before it is handed on anyway
HOLD_LIMIT = 5.0
#: seconds between looks at a screen that is not ready for keys yet
LOOK_EVERY = 0.005


def editable(widget: Widget | None) -> bool:
    """A text box that takes printable keys as text."""
    return isinstance(widget, Input) or (isinstance(widget, TextArea) and not widget.read_only)


class TypeAheadApp(App[Any]):
    """An App that applies keys typed ahead in order, each to the target it finds when its turn
    comes (see the module's doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typeahead: deque[events.Key] = deque()
        self._pumping = False

    @property
    def typing_ahead(self) -> bool:
        """Keys typed are still being handed on (tests wait for this to end)."""
        return self._pumping

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typeahead.append(event)
            if not self._pumping:
                self._pumping = True
                self.run_worker(self._hand_on(), group="typeahead", description="keys typed ahead")
            return
        await super().on_event(event)

    async def _hand_on(self) -> None:
        try:
            while self._typeahead:
                await self._until_ready(self._typeahead[0])
                key = self._typeahead.popleft()
                await super().on_event(key)  # as Textual does: priority bindings, then the focused widget
                await self._drain()
        finally:
            self._pumping = False

    def _ready_for(self, key: events.Key) -> bool:
        screen = self.screen
        if not screen.is_mounted:
            return False
        if key.is_printable and editable(self.focused):
            return True  # text for an editor: never held for data
        ready = getattr(screen, "keys_ready", None)
        return bool(ready()) if callable(ready) else True

    async def _until_ready(self, key: events.Key) -> None:
        give_up = time.monotonic() + HOLD_LIMIT
        while True:
            await self._drain()
            if self._ready_for(key) or time.monotonic() > give_up:
                return
            await asyncio.sleep(LOOK_EVERY)

    def _pumps(self) -> list[MessagePump]:
        return [self, *self.screen.walk_children(with_self=True)]

    async def _drain(self) -> None:
        """Return once the App and the screen on top (every widget of it) have handled what was
        queued for them, including what that handling posted in turn (a key going up the tree,
        a screen being pushed)."""
        for _ in range(200):  # a bound, never reached: a key goes up a few levels
            waits = []
            for pump in self._pumps():
                done = asyncio.Event()
                if pump.call_later(done.set):
                    waits.append(asyncio.ensure_future(done.wait()))
            if waits:
                # a widget removed meanwhile drops its queue: do not wait on it for ever
                _, pending = await asyncio.wait(waits, timeout=1.0)
                for task in pending:
                    task.cancel()
            if all(pump.message_queue_size == 0 for pump in self._pumps()):
                return
