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
from textual.css.query import NoMatches
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
                # text for an editor goes on at once: an editor takes every printable key and
                # moves no focus (and the screen is not redrawn for each letter)
                while key.is_printable and self._typeahead and self._typeahead[0].is_printable \
                        and editable(self.focused):
                    key = self._typeahead.popleft()
                    await super().on_event(key)
                await self._drain()
        finally:
            self._pumping = False

    def holding_keys(self) -> bool:
        """The App itself asks keys to wait (it is about to show something)."""
        return False

    def _ready_for(self, key: events.Key) -> bool:
        screen = self.screen
        if not screen.is_mounted or self.holding_keys():
            return False
        if key.is_printable and editable(self.focused):
            return True  # text for an editor: never held for data
        ready = getattr(screen, "keys_ready", None)
        try:
            return bool(ready()) if callable(ready) else True
        except NoMatches:  # a screen being closed: nothing to wait for
            return True

    async def _until_ready(self, key: events.Key) -> None:
        give_up = time.monotonic() + HOLD_LIMIT
        while True:
            await self._drain()
            if self._ready_for(key) or time.monotonic() > give_up:
                return
            await asyncio.sleep(LOOK_EVERY)

    def _chain(self) -> list[MessagePump]:
        """Where a key goes: the focused widget (else the screen), up to the App."""
        return list((self.focused or self.screen).ancestors_with_self)

    async def _drain(self) -> None:
        """Return once the focused widget, the widgets above it, the screen and the App have
        handled what was queued for them, including what that handling posted in turn (a key
        going up the tree, a screen being pushed)."""
        for _ in range(50):  # a bound, never reached: one pass per message a key starts
            for pump in self._chain():  # upwards: a key handled below is queued above before the turn comes
                done = asyncio.Event()
                if pump.call_later(done.set):
                    try:
                        await asyncio.wait_for(done.wait(), 1.0)
                    except TimeoutError:  # removed meanwhile: it dropped its queue
                        pass
            if all(pump.message_queue_size == 0 for pump in self._chain()):
                return
