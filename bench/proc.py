"""Running a figure as a real process: start time, paint time, memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; psutil elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        import psutil

        return psutil.Process().memory_info().rss


def run_process(module: str, *args: str, timeout: float = 120.0, cwd: str | None = None) -> dict:
    """Start ``python -m module args``; return its JSON line plus start-to-paint and start-to-exit
    seconds and its peak resident memory (like /usr/bin/time -v, from wait4)."""
    start = time.time()
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            proc.kill()
            raise TimeoutError(f"{module} took more than {timeout} s")
        time.sleep(0.001)
    ended = time.time()
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{module} failed ({proc.returncode}): {err.strip()[-800:] or out.strip()[-800:]}")
    result = json.loads(lines[-1])
    result["start_to_paint"] = result["paint_wall"] - start
    result["start_to_exit"] = ended - start
    result["peak_rss"] = usage.ru_maxrss * 1024
    return result
