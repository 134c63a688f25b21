"""Shared fixtures: a frozen clock and small seeded demo databases.

Tests never read the real time: NOW is the clock of every desk they open.

A module (or test) marked ``@pytest.mark.backends("sqlite", "postgresql")`` runs each test that
uses a database fixture (``demo_db``, ``desk``, ``empty_desk``, ``fresh_db``) once per backend: a
SQLite file, or a fresh database on a throwaway PostgreSQL cluster (tests/pg_support.py); where
PostgreSQL cannot run, its half skips saying why. Unmarked tests stay on SQLite.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safet_tui.domain.clock import FixedClock

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
DEMO_CLAIMS = 300
DEMO_SEED = 7


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "backends(*names): run on each database backend named (sqlite, postgresql)")


def pytest_generate_tests(metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", marker.args, indirect=True)


def _cannot_run(reason: str) -> None:
    """PostgreSQL cannot run here: the test skips saying why (a laptop without the server), or
    fails where it must run (CI sets SAFET_REQUIRE_POSTGRES)."""
    if os.environ.get("SAFET_REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL is required here (SAFET_REQUIRE_POSTGRES): {reason}")
    pytest.skip(reason)


@pytest.fixture
def backend(request) -> str:
    """The database engine under test: "sqlite" unless the test is marked to run on several."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        from pg_support import unavailable

        if reason := unavailable():
            _cannot_run(reason)
    return name


@pytest.fixture
def pg():
    """This test process's PostgreSQL cluster (skips where it cannot run)."""
    from pg_support import cluster, unavailable

    if reason := unavailable():
        _cannot_run(reason)
    return cluster()


@pytest.fixture(scope="session")
def pg_demo_template(demo_template) -> str:
    """The seeded demo copied once into a PostgreSQL template database (db copy)."""
    from pg_support import cluster, unavailable

    if reason := unavailable():
        _cannot_run(reason)
    from safet_tui.db_copy import copy_database

    c = cluster()
    name = c.fresh_name("demo_template")
    url = c.create(name)
    store = demo_template.with_name("pg-attachments")
    old = os.environ.get("SAFET_ATTACHMENTS")
    os.environ["SAFET_ATTACHMENTS"] = str(store)
    try:
        copy_database(str(demo_template), url)
    finally:
        if old is None:
            del os.environ["SAFET_ATTACHMENTS"]
        else:
            os.environ["SAFET_ATTACHMENTS"] = old
    return name


@pytest.fixture(scope="session")
def pg_empty_template() -> str:
    """An empty database at the current schema, made once: a fresh one is a copy (~0.1 s, where
    creating the schema takes a second)."""
    from pg_support import cluster, unavailable

    if reason := unavailable():
        _cannot_run(reason)
    from safet_tui.db_open import open_database
    from safet_tui.transactions import close_database

    c = cluster()
    name = c.fresh_name("empty_template")
    close_database(open_database(c.create(name)))
    return name


def _pg_database(request, monkeypatch, tmp_path, template: str | None):
    from pg_support import cluster

    c = cluster()
    name = c.fresh_name()
    url = c.create(name, template=template)
    # a server database keeps its attachment files where SAFET_ATTACHMENTS says: this test's own
    monkeypatch.setenv("SAFET_ATTACHMENTS", str(tmp_path / "pg-attachments"))
    request.addfinalizer(lambda: c.drop(name))
    return url


@pytest.fixture
def fresh_db(backend, request, monkeypatch, tmp_path) -> str:
    """Where an empty database can be created: a file path, or an empty PostgreSQL database's URL."""
    if backend == "postgresql":
        return _pg_database(request, monkeypatch, tmp_path, request.getfixturevalue("pg_empty_template"))
    return str(tmp_path / "fresh.db")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One seeded demo database per test session; tests get a copy."""
    from safet_tui.demo.generate import generate

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    generate(str(path), claims=DEMO_CLAIMS, seed=DEMO_SEED, now=NOW)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path, backend, request, monkeypatch) -> Path | str:
    """A private copy of the seeded demo database (with its attachment store): a file path, or
    on PostgreSQL the URL of a database made from the demo template."""
    store = demo_template.with_name(demo_template.name + ".attachments")
    if backend == "postgresql":
        url = _pg_database(request, monkeypatch, tmp_path, request.getfixturevalue("pg_demo_template"))
        if store.exists():
            shutil.copytree(store, tmp_path / "pg-attachments", dirs_exist_ok=True)
        return url
    dest = tmp_path / "demo.db"
    shutil.copy(demo_template, dest)
    if store.exists():
        shutil.copytree(store, dest.with_name(dest.name + ".attachments"))
    return dest


@pytest.fixture
def desk(demo_db, clock):
    from safet_tui.service.desk import Desk

    d = Desk(str(demo_db), clock=clock, user="tester")
    yield d
    d.close()


@pytest.fixture
def empty_desk(tmp_path, clock, backend, request, monkeypatch):
    from safet_tui.service.desk import Desk

    target = (_pg_database(request, monkeypatch, tmp_path, request.getfixturevalue("pg_empty_template"))
              if backend == "postgresql" else str(tmp_path / "empty.db"))
    d = Desk(target, clock=clock, user="tester")
    yield d
    d.close()


# -- hypothesis: a bounded run in `make test`, a long one with SAFET_FUZZ=N (N >= 1) -------------
# Profile "bounded" (the default: few examples, the same ones every run) or "thorough" (1,000 x N
# random examples per test). A test may still set its own max_examples.
from hypothesis import HealthCheck, settings  # noqa: E402

_FUZZ = os.environ.get("SAFET_FUZZ", "0").strip()
_FUZZ_N = int(_FUZZ) if _FUZZ.isdigit() else 1
_RELAXED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("bounded", max_examples=25, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=_RELAXED)
settings.register_profile("thorough", max_examples=1000 * max(_FUZZ_N, 1), deadline=None, print_blob=True,
                          suppress_health_check=_RELAXED)
settings.load_profile("bounded" if _FUZZ in ("", "0") else "thorough")
