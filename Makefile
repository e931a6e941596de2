# phiward — two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= var
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432
APT_PACKAGES := chromium fonts-dejavu-core

export PHIWARD_DATA_DIR ?= $(CURDIR)/$(DATA_DIR)

.PHONY: help run test install install-dev browser postgres lint types unit-sqlite unit-sqlite-rest unit-postgres clean screenshot

help:
	@echo "make run   — install, prepare the SQLite database, load the demo clinic, serve on http://$(HOST):$(PORT)"
	@echo "make test  — install what the tests need and run lint, types, unit, integration (SQLite and PostgreSQL) and browser tests"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/phiward init
	$(BIN)/phiward demo
	@echo
	@echo "phiward is starting on http://$(HOST):$(PORT)/ — log in with one of the accounts above."
	@echo "The administrator's password is in $(PHIWARD_DATA_DIR)/admin-credentials.txt"
	@echo
	$(BIN)/phiward serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

# The machine's PostgreSQL, started if it is not running.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-dev
	$(BIN)/mypy

# Each pytest run gets a throw-away data directory; pytest's exit code 5 (no tests ran) fails.
# The SQLite suite in two halves: the route/operation matrices, hardening and browser tests;
# and everything else.
SQLITE_FIRST_HALF := tests/web tests/api tests/hardening tests/e2e

unit-sqlite: install-dev browser
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PHIWARD_DATA_DIR=$$tmp/data PHIWARD_DATABASE_URL= $(BIN)/pytest -p no:cacheprovider -q \
	  $(SQLITE_FIRST_HALF)

unit-sqlite-rest: install-dev
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PHIWARD_DATA_DIR=$$tmp/data PHIWARD_DATABASE_URL= $(BIN)/pytest -p no:cacheprovider -q \
	  $(addprefix --ignore=,$(SQLITE_FIRST_HALF))

# On PostgreSQL: everything that touches the database's behaviour. The route x role x tenant
# matrices, the schemathesis run, the HTTP hardening checks, PDF rendering, OSCAL validation and
# the pure breach engine do not depend on the database engine, nor do tests marked own_database
# (phiward in subprocesses with a database of their own, PostgreSQL included where it matters);
# they run once, on SQLite. The demo is loaded on PostgreSQL by tests/demo/test_program*.py; the
# loader's repeated runs and resets (test_loader.py) run on SQLite.
PG_ONLY_ON_SQLITE := --ignore=tests/web/test_access_matrix.py --ignore=tests/api/test_roles.py \
  --ignore=tests/hardening/test_api_fuzz.py --ignore=tests/hardening/test_http.py \
  --ignore=tests/reports --ignore=tests/oscal --ignore=tests/breach \
  --ignore=tests/demo/test_loader.py

unit-postgres: install-dev postgres
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PHIWARD_DATA_DIR=$$tmp/data PHIWARD_DATABASE_URL=$(PG_URL)/phiward_ci_$$$$ \
	  $(BIN)/pytest -p no:cacheprovider -q -m 'not e2e and not own_database' --create-db \
	  $(PG_ONLY_ON_SQLITE)

# The test runs are independent (own data directory, own database) and pytest uses one core:
# the SQLite suite in two halves and the PostgreSQL run go side by side, each one's output
# printed whole when it ends.
test: install-dev browser postgres
	@$(MAKE) --no-print-directory lint types
	@$(MAKE) --no-print-directory -j3 --output-sync=target unit-sqlite unit-sqlite-rest unit-postgres
	@echo "make test: all suites passed"

# Refresh docs/screenshot-dashboard.png from the browser journey.
screenshot: install-dev browser
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	PHIWARD_DATA_DIR=$$tmp/data PHIWARD_DATABASE_URL= PHIWARD_UPDATE_SCREENSHOTS=1 \
	  $(BIN)/pytest -p no:cacheprovider -q tests/e2e/test_inventory_journey.py -k reimport

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
