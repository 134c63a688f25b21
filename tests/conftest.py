"""Shared fixtures: a frozen clock and small seeded demo databases.

Tests never read the real time: NOW is the clock of every desk they open.
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


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One seeded demo database per test session; tests get a copy."""
    from safet_tui.demo.generate import generate

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    generate(str(path), claims=DEMO_CLAIMS, seed=DEMO_SEED, now=NOW)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """A private copy of the seeded demo database (with its attachment store)."""
    dest = tmp_path / "demo.db"
    shutil.copy(demo_template, dest)
    store = demo_template.with_name(demo_template.name + ".attachments")
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
def empty_desk(tmp_path, clock):
    from safet_tui.service.desk import Desk

    d = Desk(str(tmp_path / "empty.db"), clock=clock, user="tester")
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
