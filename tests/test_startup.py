"""Start-up loads only what the first screen needs: a desk on a SQLite file never imports the
PostgreSQL driver (about 12 MB of resident memory and 50 ms of every start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPEN_THE_DESK = """
import sys
from safet_tui.app import SafetApp
from safet_tui.service.desk import Desk
desk = Desk(sys.argv[1], user="tester")
desk.counts(); desk.window("awaiting", 0, 10)
SafetApp(desk)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("psycopg", "psycopg2", "psycopg_binary")
             and sys.modules[name] is not None))
"""


def test_a_desk_on_sqlite_never_imports_the_postgresql_driver(demo_db):
    out = subprocess.run([sys.executable, "-c", OPEN_THE_DESK, str(demo_db)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

