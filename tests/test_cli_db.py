"""Which database a command opens (issue 11, point 6): a database that is not there is an error
in one line (exit 1, nothing created) unless --create asks for one, and after ``make run`` plain
``safet`` works on the demo database it made."""

from __future__ import annotations

import json
from pathlib import Path

import test_cli
from test_cli import safet

ROOT = Path(__file__).resolve().parent.parent
#: the fixture test_cli's commands run with (kept away from the real user folders)
env = test_cli.env


def test_a_mistyped_db_is_an_error_in_one_line_and_creates_nothing(env, tmp_path):
    typo = tmp_path / "claims" / "2026" / "safet.db"
    for command in (["report"], ["export"], ["import", "returns", str(tmp_path / "r.tsv")], []):
        proc = safet(env, "--db", str(typo), *command)
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert proc.stdout == ""
        (line,) = proc.stderr.splitlines()
        assert line.startswith(f"safet: error: no database at {typo} (--db): nothing was created"), line
        assert "--create" in line
    assert not (tmp_path / "claims").exists()


def test_a_mistyped_safet_db_variable_is_an_error_too(env, tmp_path):
    env["SAFET_DB"] = str(tmp_path / "typo.db")
    proc = safet(env, "report")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"safet: error: no database at {tmp_path / 'typo.db'} ($SAFET_DB)")
    assert not (tmp_path / "typo.db").exists()


def test_create_makes_an_empty_database_when_asked(env, tmp_path):
    target = tmp_path / "new" / "safet.db"
    proc = safet(env, "--db", str(target), "--create", "report", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert target.is_file()
    assert json.loads(proc.stdout)["headline"]["claims_filed"] == 0
    again = safet(env, "--db", str(target), "report")  # there now: no --create needed
    assert again.returncode == 0, again.stderr


def test_without_db_safet_opens_the_demo_that_make_run_made(env, tmp_path):
    data = tmp_path / "data" / "safet"
    none = safet(env, "report")
    assert none.returncode == 1
    (line,) = none.stderr.splitlines()
    assert line == (f"safet: error: no database yet at {data / 'safet.db'}: 'safet demo' makes one with sample "
                    "claims, 'safet --create' an empty one")
    assert not (data / "safet.db").exists()
    made = safet(env, "demo", "--claims", "40", "--if-missing")  # what `make run` runs, without --open
    assert made.returncode == 0, made.stderr
    report = safet(env, "report", "--period", "all", "--format", "json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["headline"]["claims_filed"] > 0, report.stdout
    assert not (data / "safet.db").exists()


def test_the_readme_says_where_the_command_is():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = readme.split("## What it looks like")[0]
    assert ".venv/bin/safet" in two_commands
