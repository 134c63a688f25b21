# Two commands: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/safet demo --if-missing --open

# pytest-xdist workers, two per core on a 2-core machine: a Pilot test spends part of its time
# waiting on the app, and a second worker per core fills that time (make test TEST_WORKERS=0 for
# one process). Snapshots compare fine in workers; to rewrite them, run in one process so syrupy
# also drops unused ones: $(PY) -m pytest -p no:xdist --snapshot-update
TEST_WORKERS ?= 4
test: lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

# the desk's figures (SQLite, 1k and 100k claims), then its main figures on PostgreSQL beside
# SQLite's at 100k (a throwaway cluster, as the tests start; skipped saying why without one)
bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.postgres

# The architecture is kept by import contracts (.importlinter), the code by ruff and mypy.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy safet_tui

clean:
	rm -rf $(VENV) build *.egg-info
