"""Driving the desk in tests: build the app on a seeded database, wait for what a person would see.

No fixed pauses: ``settle`` waits until the desk is quiet (every queued message handled, no worker
running) and ``wait_for`` until a condition holds, both in small steps with a generous timeout.
Debounces are zero in tests (``desk_config``), so nothing waits on a timer.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import re
import time
import unicodedata
from collections.abc import Callable

from rich.cells import cell_len
from textual import events
from textual.keys import KEY_NAME_REPLACEMENTS
from textual.worker import WorkerCancelled, WorkerState

from safet_tui.app import SafetApp
from safet_tui.config import Config
from safet_tui.service.desk import Desk

#: long enough for a slow, loaded CI machine; a passing test never waits this long
TIMEOUT = 20.0


def desk_config(**settings) -> Config:
    """The desk's settings in tests: no debounces, no change poll unless a test asks for one."""
    settings = {"refresh_interval": 3600, "preview_delay": 0, "filter_delay": 0, "draft_delay": 0,
                "cursor_blink": False, **settings}  # a snapshot never catches the cursor mid-blink
    return Config(**settings)


def make_app(db_path, clock, role: str = "seller", open_claim: str | None = None, user: str = "tester",
             config: Config | None = None) -> SafetApp:
    desk = Desk(str(db_path), clock=clock, user=user)
    return SafetApp(desk, config or desk_config(), role=role, open_claim=open_claim)


def _busy(app) -> list:
    return [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def settle(pilot, timeout: float = TIMEOUT) -> None:
    """Wait until the desk is quiet: every queued message handled and no worker left running.

    A worker's answer can start another worker (a list load moves the cursor, which loads the
    preview), so this repeats until a round finds nothing running.
    """
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()  # no delay: returns once queued messages are handled and the CPU idles
        busy = _busy(app)
        if not busy:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"workers still running after {timeout:.0f} s: {busy}")
        try:
            await asyncio.wait_for(app.workers.wait_for_complete(busy), left)
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            pass
        except TimeoutError:
            raise AssertionError(f"workers still running after {timeout:.0f} s: {_busy(app)}") from None


async def wait_for(pilot, condition: Callable[[], object], what: str | None = None,
                   timeout: float = TIMEOUT) -> None:
    """Wait until ``condition()`` is true, looking again after each round of messages.

    Fails with what was awaited and what the screen showed then. An exception inside the
    condition (a widget not mounted yet) counts as not yet.
    """
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while True:
        try:
            if condition():
                return
            error = None
        except Exception as exc:  # noqa: BLE001 - reported if it never comes true
            error = exc
        if time.monotonic() > deadline:
            break
        await pilot.pause()
    label = what or _source(condition)
    because = f"\nlast error: {error!r}" if error else ""
    try:
        shown = f"screen {type(pilot.app.screen).__name__}:\n{screen_text(pilot.app)}"
        shown += "\ntoasts: " + (" | ".join(toasts(pilot.app)) or "-")
    except Exception as exc:  # noqa: BLE001 - the app is gone; say so rather than hide the failure
        shown = f"(no screen to show: {exc!r})"
    raise AssertionError(f"not seen within {timeout:.0f} s: {label}{because}\n{shown}")


async def wait_for_screen(pilot, kind: type, timeout: float = TIMEOUT):
    """Wait until the screen on top is a ``kind``, mounted and quiet; return it."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted,
                   f"a {kind.__name__} on top", timeout)
    await settle(pilot, timeout)
    assert isinstance(app.screen, kind), f"{kind.__name__} left again: {type(app.screen).__name__} is on top"
    return app.screen


async def type_text(pilot, words: str) -> None:
    """Type into the focused field at a quick typist's pace.

    Each key is handled before the next is sent (as at a keyboard), but nothing waits for the
    workers a key starts, such as the filter's search: ``pilot.press`` waits for the whole process
    to go idle after every key, which is most of a Pilot test's time. Wait for the outcome after.
    """
    app = pilot.app
    for ch in words:
        app.post_message(events.Key(_key_name(ch), ch))
        await _handled(app)


def _key_name(ch: str) -> str:
    if ch.isalnum():
        return ch
    name = unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


async def _handled(app) -> None:
    """Return once the app and every widget of the screen on top handled what was queued for them
    (keys typed ahead are handed on one at a time by the App: wait for those first)."""
    received = asyncio.Event()
    if app.call_later(received.set):  # the App has taken the key in
        await asyncio.wait_for(received.wait(), TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while getattr(app, "typing_ahead", False):
        if time.monotonic() > deadline:
            raise AssertionError("keys typed ahead still waiting")
        await asyncio.sleep(0.001)
    done = []
    for node in (app, *app.screen.walk_children(with_self=True)):
        event = asyncio.Event()
        if node.call_later(event.set):
            done.append(event.wait())
    await asyncio.wait_for(asyncio.gather(*done), TIMEOUT)


def _source(fn) -> str:
    try:
        return inspect.getsource(fn).strip()
    except (OSError, TypeError):
        return repr(fn)


def text(widget) -> str:
    """The plain text a widget renders (a label, a static, an error line)."""
    rendered = widget.render()
    plain = getattr(rendered, "plain", None)
    return plain if isinstance(plain, str) else str(rendered)


def toasts(app) -> list[str]:
    """The notifications on screen now, as the person reads them (needs ``run_test(notifications=True)``)."""
    return [text(t) for t in app.screen.query("Toast")]


def toast_says(app, words: str) -> bool:
    return any(words in t for t in toasts(app))


_SVG_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)"[^>]*?textLength="([\d.]+)"'
                       r'[^>]*?clip-path="url\(#[\w-]+-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)


def screen_text(app) -> str:
    """What a person would read: every line of the screen as plain text.

    Taken from the app's own screenshot (``export_screenshot``), the public view of what is drawn.
    The SVG places each run of text at its column and leaves blank runs out, so the gaps are put
    back from the columns.
    """
    lines: dict[int, list[tuple[int, str]]] = {}
    for x, length, line, chunk in _SVG_TEXT.findall(app.export_screenshot()):
        chunk = html.unescape(chunk).replace("\xa0", " ")
        cell = float(length) / len(chunk)  # the width of one character cell
        lines.setdefault(int(line), []).append((round(float(x) / cell), chunk))
    out = []
    for n in sorted(lines):
        row, at = "", 0
        for column, chunk in sorted(lines[n]):
            row += " " * max(0, column - at) + chunk
            at = max(at, column) + cell_len(chunk)
        out.append(row.rstrip())
    return "\n".join(out)


def home(app):
    return app.home_screen


def rows(app, n: int | None = None):
    cl = app.home_screen.claim_list
    count = cl.total if n is None else min(n, cl.total)
    return [cl.row_at(i) for i in range(count)]
