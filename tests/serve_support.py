"""Running ``safet serve`` for a test: a real server on a free loopback port, in its own process
group (textual-serve's desk processes are its children; ending the group ends them all)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 60.0


def needs_serve() -> None:
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (the 'serve' extra)")


def needs_browser() -> None:
    """Skip, with one line saying why, where Chromium or Playwright is not there."""
    needs_serve()
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it as root)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def serving(db: Path, folders: Path, log: Path) -> Iterator[str]:
    """``safet serve`` on ``db``; yields its URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "safet_tui", "--db", str(db), "serve", "--port", str(port),
             "--folders", str(folders)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            start_new_session=True)

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"safet serve stopped: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(up, "safet serve to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        _end_group(proc)


def _end_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            os.killpg(proc.pid, 0)  # a desk process of the group may outlive the server
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
