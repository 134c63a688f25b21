"""Knowing when a frame was painted, without touching the app's code.

Textual renders a screen update (every widget's ``render_line``) in the
compositor and hands it to ``App._display``. Headless, ``_display`` returns
before turning the update into terminal bytes; the probe does that conversion
too (so a headless paint costs what a real one does, minus the write), then
stamps the time and resolves whoever waits for "the first paint where X holds".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual._compositor import CompositorUpdate


class Waiter:
    def __init__(self, condition: Callable[[], bool]) -> None:
        self.condition = condition
        self.time: float | None = None

    async def wait(self, timeout: float = 120.0) -> float:
        """Until the paint happened; returns its ``perf_counter()`` (polling does not move it)."""
        deadline = time.perf_counter() + timeout
        while self.time is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("no paint with the expected state")
            await asyncio.sleep(0.002)
        return self.time


class PaintProbe:
    def __init__(self) -> None:
        self.paints = 0
        self._waiters: list[Waiter] = []

    def expect(self, condition: Callable[[], bool]) -> Waiter:
        """The first paint at which ``condition()`` holds, stamped with ``perf_counter()``.

        Register it *before* the action, so a paint that happens during the action counts."""
        waiter = Waiter(condition)
        self._waiters.append(waiter)
        return waiter

    def painted(self, app, renderable) -> None:
        if renderable is None:
            return
        if app.is_headless and isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)
        now = time.perf_counter()
        self.paints += 1
        for waiter in list(self._waiters):
            try:
                ok = waiter.condition()
            except Exception:  # the screen is mid-change; not painted yet
                ok = False
            if ok:
                waiter.time = now
                self._waiters.remove(waiter)


def probed(app_class):
    """A subclass of ``app_class`` whose paints are reported to ``self.probe``."""

    class Probed(app_class):
        CSS_PATH = css_paths(app_class)

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.probe = PaintProbe()

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            self.probe.painted(self, renderable)

    Probed.__name__ = app_class.__name__
    return Probed


def css_paths(app_class) -> list[str]:
    """The base class's CSS files as absolute paths (Textual resolves relative ones against
    the file that defines the class, which for a subclass is this one)."""
    import inspect
    from pathlib import Path

    paths = app_class.CSS_PATH or []
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    here = Path(inspect.getfile(app_class)).parent
    return [str(p if Path(p).is_absolute() else here / p) for p in paths]


def home_ready(app) -> bool:
    """The home screen shows the tab counts and every visible row of the list."""
    from safet_tui.screens.home import HomeScreen

    screen = app.screen
    if not isinstance(screen, HomeScreen):
        return False
    if not getattr(screen, "_counts", None):
        return False
    return list_ready(screen.claim_list)


def list_ready(cl) -> bool:
    """The claim list is loaded and every row in view is fetched (no "…" placeholders)."""
    if not cl.is_loaded:
        return False
    top = int(cl.scroll_y)
    visible = max(1, cl.size.height - 1)
    return all(cl.row_at(i) is not None for i in range(top, min(cl.total, top + visible)))
