"""Keeping a draft as it is typed: debounced, saved from a thread worker through the Desk.

A screen with something to send (the reply editor, the appeal dialog, the new-claim form) makes
one :class:`DraftKeeper`, tells it what the draft holds whenever it changes, and runs the write
that sends it through :meth:`DraftKeeper.ending`, which saves any change still pending and then
writes, one after the other: a late save can never bring back the draft the send just ended.

Two locks: ``_writing`` orders the database writes (held only in workers, for as long as a busy
database makes them wait); ``_state`` guards what is pending (held for a moment, also on the
event loop, never around a database call or a call to the event loop).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.timer import Timer

from safet_tui.messages import REFUSALS
from safet_tui.service.desk import Busy, Desk
from safet_tui.widgets.text import clean

T = TypeVar("T")
Fields = dict[str, Any]

#: seconds after the last change before a draft is saved, unless the config says otherwise
DEFAULT_DELAY = 0.4
#: seconds a draft's save waits for another program's write lock (then it stays pending: the
#: next change, leaving or quitting saves it; a send never waits long behind it)
DRAFT_WAIT = 1.0


class DraftKeeper:
    """One draft (``kind`` on ``claim_key``) of this desk's user."""

    _live: weakref.WeakSet[DraftKeeper] = weakref.WeakSet()

    def __init__(self, node: DOMNode, desk: Desk, kind: str, claim_key: str, label: str) -> None:
        self.node, self.desk, self.kind, self.claim_key = node, desk, kind, str(claim_key)
        #: for a person: "the reply on claim 3412…"
        self.label = label
        self.app = node.app
        self.delay = float(getattr(getattr(self.app, "config", None), "draft_delay", DEFAULT_DELAY))
        self._writing = threading.Lock()
        self._state = threading.Lock()
        #: what the database holds (None: no draft), and the change not saved yet
        self._saved: Fields | None = None
        self._pending: Fields | None = None
        self._dirty = False
        #: changes made so far (a save clears ``_dirty`` only if none came while it wrote)
        self._version = 0
        self._timer: Timer | None = None
        self._warned = False
        DraftKeeper._live.add(self)

    @classmethod
    def unsaved(cls, app: object) -> Iterator[DraftKeeper]:
        """The keepers of ``app`` with a change not saved yet (the App saves them before quitting)."""
        yield from [k for k in list(cls._live) if k.app is app and k._dirty]

    # -- on the event loop ---------------------------------------------------------------------
    def restore(self) -> Fields | None:
        """The saved draft, if any (one read by a unique index: quick, so on the event loop,
        before the first key reaches the editor)."""
        try:
            self._saved = self.desk.draft(self.kind, self.claim_key)
        except REFUSALS:
            self._saved = None
        return self._saved

    def changed(self, fields: Fields | None) -> None:
        """The draft now holds ``fields`` (None or nothing typed: no draft); saved after a pause."""
        if fields is not None and not any(v.strip() if isinstance(v, str) else v for v in fields.values()):
            fields = None
        with self._state:
            if fields == (self._pending if self._dirty else self._saved):
                return
            self._pending, self._dirty = fields, True
            self._version += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.delay > 0:
            self._timer = self.node.set_timer(self.delay, self.flush)
        else:
            self.flush()

    def flush(self) -> None:
        """Save a pending change now (in a worker)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._dirty:
            self.node.run_worker(self.save_now, thread=True, group="draft-save", description="saving a draft")

    def ending(self, write: Callable[[], T]) -> Callable[[], T]:
        """``write`` (it ends this draft in its transaction), run after any pending save."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

        def run() -> T:
            with self._writing:  # after any save in flight, and no save after it
                try:
                    result = write()
                except BaseException:
                    self._save()  # refused: the latest text is kept (if the database lets it)
                    raise
            with self._state:
                self._saved, self._pending, self._dirty = None, None, False
            return result

        return run

    # -- in a worker --------------------------------------------------------------------------
    def save_now(self, wait_turn: bool = False) -> str | None:
        """Save the pending change (call it off the event loop); the refusal, if it was refused.
        A save already running takes what was typed after it once it is done, so another one
        does not queue up behind it (``wait_turn``: do, as quitting does)."""
        if not self._writing.acquire(blocking=wait_turn):
            return None
        try:
            while True:
                refusal = self._save()
                if refusal is not None or not self._dirty:
                    break
        finally:
            self._writing.release()
        if refusal is not None and not isinstance(refusal, Busy):  # busy: saved at the next chance
            self._tell(f"Draft not saved: {refusal}")
        return None if refusal is None else str(refusal)

    def _save(self) -> Exception | None:
        with self._state:
            if not self._dirty:
                return None
            fields, version = self._pending, self._version
        try:
            if fields is None:
                self.desk.discard_draft(self.kind, self.claim_key, DRAFT_WAIT)
            else:
                self.desk.save_draft(self.kind, self.claim_key, fields, DRAFT_WAIT)
        except REFUSALS as exc:
            return exc
        finally:
            self.desk.close_thread_connection()
        with self._state:
            self._saved = fields
            if self._version == version:
                self._dirty = False
        return None

    def _tell(self, message: str) -> None:
        if self._warned:
            return
        self._warned = True
        try:
            self.app.call_from_thread(self.app.notify, clean(message), severity="warning", markup=False)
        except RuntimeError:  # on the event loop already (a quit that saves in place)
            self.app.notify(clean(message), severity="warning", markup=False)
