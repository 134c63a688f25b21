"""Driving the desk in tests: build the app on a seeded database, wait until it settles."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from safet_tui.app import SafetApp
from safet_tui.config import Config
from safet_tui.service import Desk


def make_app(db_path, clock, role: str = "seller", open_claim: str | None = None, user: str = "tester",
             config: Config | None = None) -> SafetApp:
    desk = Desk(str(db_path), clock=clock, user=user)
    cfg = config or Config(refresh_interval=3600)
    return SafetApp(desk, cfg, role=role, open_claim=open_claim)


async def settle(pilot, rounds: int = 3) -> None:
    """Let timers fire and workers finish, a few times over (preview waits 80 ms, the filter 120 ms)."""
    for _ in range(rounds):
        await pilot.pause(0.15)
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            pass
    await pilot.pause()


def home(app):
    return app.home()


def rows(app, n: int | None = None):
    cl = app.home().claim_list
    count = cl.total if n is None else min(n, cl.total)
    return [cl.row_at(i) for i in range(count)]
