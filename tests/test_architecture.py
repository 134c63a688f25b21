"""Layering: the domain and the data layer never pull in Textual; the domain never pulls in peewee."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import safet_tui.domain

DOMAIN = sorted(f"safet_tui.domain.{m.name}" for m in pkgutil.iter_modules(safet_tui.domain.__path__))
DATA = ["safet_tui.db", "safet_tui.db_open", "safet_tui.transactions", "safet_tui.migrations", "safet_tui.service.queries",
        "safet_tui.service.desk", "safet_tui.service.views", "safet_tui.attachments", "safet_tui.config",
        "safet_tui.outbox", "safet_tui.notify.runner"]


def imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(proc.stdout))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_domain_has_every_module():
    assert DOMAIN == [f"safet_tui.domain.{n}" for n in (
        "clock", "deadlines", "eligibility", "figures", "lifecycle", "marketplaces", "money", "notices", "periods",
        "printable",
        "reasons", "reconcile", "records", "units")]


def test_domain_is_pure():
    loaded = top_level(imported_after(["safet_tui.domain", *DOMAIN]))
    assert "textual" not in loaded
    assert "peewee" not in loaded and "playhouse" not in loaded
    assert "rich" not in loaded


def test_data_layer_does_not_import_textual():
    loaded = imported_after(["safet_tui.domain", *DOMAIN, *DATA])
    assert "safet_tui.service.desk" in loaded and "peewee" in loaded  # the check really ran
    assert "textual" not in top_level(loaded)
    assert "plotext" not in top_level(loaded)
