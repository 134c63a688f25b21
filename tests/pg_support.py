"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl from Debian's packages, run as
an unprivileged user (root cannot run postgres) in a temporary folder, on a free loopback port.

One cluster per test process (each xdist worker starts its own: nothing shared to lock or clean
up across processes), started on first use and stopped when the process ends. Each test gets a
fresh database copied from a template (``CREATE DATABASE … TEMPLATE``, ~0.1 s).

Where the server's programs are missing (a laptop without the package) the tests that need it
skip with one line saying why; in CI ``.ci/run`` installs them.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_BIN_GLOB = "/usr/lib/postgresql/*/bin"
_counter = itertools.count(1)


def _bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: $SAFET_PG_BIN, else Debian's newest, else on the PATH."""
    if os.environ.get("SAFET_PG_BIN"):
        candidates = [os.environ["SAFET_PG_BIN"]]
    else:
        candidates = sorted(glob.glob(_BIN_GLOB), reverse=True)
        if shutil.which("initdb"):
            candidates.append(str(Path(shutil.which("initdb") or "").parent))
    for found in candidates:
        path = Path(found)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    return None


def _run_as() -> str | None:
    """The user the server runs as: ourselves unless we are root (postgres refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def unavailable() -> str:
    """Why no cluster can be started here ('' when one can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if _bin_dir() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql, or set SAFET_PG_BIN)"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root without a postgres or nobody user to run the server as"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running server; ``url(name)`` for a database on it."""

    def __init__(self) -> None:
        bindir = _bin_dir()
        assert bindir is not None
        self.bindir = bindir
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="safet-pg-"))
        self.data = self.root / "data"
        os.chmod(self.root, 0o700)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.port = _free_port()
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                 "--locale", "C")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200")
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60",
                     "-l", str(self.root / "log"), "start")
        except subprocess.CalledProcessError:
            raise RuntimeError("PostgreSQL did not start: " + self.log()) from None
        atexit.register(self.stop)
        self._admin = None

    def _pg(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/", timeout=120)

    def log(self) -> str:
        try:
            return (self.root / "log").read_text()[-2000:]
        except OSError:
            return ""

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def admin(self):
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url("postgres"), autocommit=True)
        return self._admin

    def create(self, name: str, template: str | None = None) -> str:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        self.admin().execute(sql)
        return self.url(name)

    def fresh_name(self, prefix: str = "t") -> str:
        return f"{prefix}_{os.getpid()}_{next(_counter)}"

    def drop(self, name: str) -> None:
        self.admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.data.exists():
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except (subprocess.SubprocessError, OSError):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


_CLUSTER: Cluster | None = None


def cluster() -> Cluster:
    """This process's cluster, started on first use."""
    global _CLUSTER
    if _CLUSTER is None:
        _CLUSTER = Cluster()
    return _CLUSTER


# -- reading and writing a test database as another program would ----------------------------------

def is_server(target) -> bool:
    return str(target).startswith("postgresql://")


def query(target, sql: str, args=()) -> list[tuple]:
    """Rows read through the engine's own driver (sqlite3 or psycopg; ``?`` placeholders)."""
    if is_server(target):
        import psycopg

        with psycopg.connect(str(target)) as con:
            return con.execute(sql.replace("?", "%s"), args).fetchall()
    import sqlite3

    con = sqlite3.connect(str(target))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def write_elsewhere(target, sql: str, args=()) -> None:
    """Another terminal's write, committed. On PostgreSQL it notifies as every safet writer does
    (desks learn of other writers' changes through LISTEN, see safet_tui/postgres.py)."""
    if is_server(target):
        import psycopg

        from safet_tui.transactions import CHANGE_CHANNEL

        with psycopg.connect(str(target)) as con:
            con.execute(sql.replace("?", "%s"), args)
            con.execute("SELECT pg_notify(%s, 'another terminal')", (CHANGE_CHANNEL,))
        return
    import sqlite3

    with sqlite3.connect(str(target)) as con:
        con.execute(sql, args)
    con.close()


class WriteLock:
    """Another writer holding the write lock until released: a SQLite ``BEGIN IMMEDIATE``, or on
    PostgreSQL the advisory lock every safet writer takes."""

    def __init__(self, target) -> None:
        if is_server(target):
            import psycopg

            from safet_tui.transactions import WRITE_LOCK_KEY

            self.con = psycopg.connect(str(target), autocommit=True)
            self.con.execute("BEGIN")
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        else:
            import sqlite3

            self.con = sqlite3.connect(str(target), isolation_level=None, check_same_thread=False)
            self.con.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.con is not None:
            self.con.execute("ROLLBACK")
            self.con.close()
            self.con = None
