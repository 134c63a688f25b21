"""The command line: version, help, one-line errors with the right exit codes, the demo command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from safet_tui import __version__
from safet_tui.cli.main import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Keep every run away from the real user directories."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SAFET_DB", raising=False)
    monkeypatch.delenv("SAFET_CONFIG", raising=False)
    return {**os.environ}


def safet(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "safet_tui", *args], capture_output=True, text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)


def one_line_error(proc: subprocess.CompletedProcess, code: int, starts: str) -> str:
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


def test_version(env):
    proc = safet(env, "--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"safet {__version__}\n", "")


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: safet")
    for word in ("--db", "--user", "--version", "demo", "open", "Without a command, safet opens the desk."):
        assert word in out


def test_demo_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: safet demo") and "--claims" in out and "--seed" in out


def test_usage_error_is_one_line_and_exits_2(env):
    line = one_line_error(safet(env, "frobnicate"), 2, "safet: error: argument COMMAND: invalid choice: 'frobnicate'")
    assert line.endswith("(see 'safet --help')")


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["demo", "--claims", "many"], "safet demo: error: argument --claims: invalid int value: 'many'"),
        (["--as", "god"], "safet: error: argument --as: invalid choice: 'god'"),
        (["demo", "--claims", "-1"], "safet: error: --claims must be 0 or more"),
        (["--bogus"], "safet: error: unrecognized arguments: --bogus"),
    ],
)
def test_more_usage_errors(args, starts, capsys):
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(starts), err


def test_data_error_is_one_line_and_exits_1(env):
    one_line_error(safet(env, "demo", "--db", "mysql://x/y"), 1,
                   "safet: error: unsupported database URL 'mysql://x/y'")


@pytest.mark.parametrize(
    ("make", "args", "starts"),
    [
        ("junk", ["open", "1"], "safet: error: {junk} is not a safet database"),
        ("dir", ["open", "1"], "safet: error: {dir} is a directory, not a database file"),
        ("none", ["--db", "sqlite://", "open", "1"], "safet: error: bad database URL 'sqlite://'"),
        ("none", ["--config", "{missing}", "open", "1"], "safet: error: {missing}: config file not found"),
        ("badconfig", ["--config", "{bad}", "open", "1"], "safet: error: {bad}: policy amazon.in: workweek"),
    ],
)
def test_more_data_errors(tmp_path, env, make, args, starts, capsys):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 200)
    bad = tmp_path / "bad.toml"
    bad.write_text('[policies."amazon.in"]\nworkweek = []\n')
    names = {"junk": junk, "dir": tmp_path, "missing": tmp_path / "missing.toml", "bad": bad}
    args = [a.format(**names) for a in args]
    if make in ("junk", "dir"):
        args = ["--db", str(names[make]), *args]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith(starts.format(**names)), captured.err


def test_demo_command(tmp_path, env, capsys):
    path = tmp_path / "X.db"
    assert main(["demo", "--db", str(path), "--claims", "50"]) == 0
    err = capsys.readouterr().err
    assert f"Creating a demo database with 50 claims at {path}" in err
    assert "Done in " in err and ": 50 claims, " in err
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM claim").fetchone() == (50,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT value FROM meta WHERE key = 'demo_seed'").fetchone() == ("7",)
    finally:
        conn.close()
    # A second run on the same file is a data error, not a traceback; --if-missing leaves it alone.
    assert main(["demo", "--db", str(path), "--claims", "5"]) == 1
    assert "already holds claims" in capsys.readouterr().err
    assert main(["demo", "--db", str(path), "--claims", "5", "--if-missing"]) == 0
    assert main(["demo", "--db", str(path), "--claims", "5", "--replace"]) == 0
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM claim").fetchone() == (5,)
    finally:
        conn.close()


def test_demo_via_subprocess_with_sqlite_url(tmp_path, env):
    proc = safet(env, "demo", "--db", f"sqlite:///{tmp_path}/url.db", "--claims", "10", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "url.db").exists()
