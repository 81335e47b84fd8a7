# Tisser — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 4
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
export FLASK_APP := wsgi
# The demo collectivity of make run / make dev (flask demo load --preset). Each preset has its own
# SQLite file so that both can be tried side by side; Gironde keeps instance/tisser.sqlite3, the
# file existing installations already hold. A DATABASE_URL set by the caller always wins.
DEMO ?= gironde
ifeq ($(DEMO),gironde)
DEMO_ENV :=
else ifdef DATABASE_URL
DEMO_ENV :=
else
DEMO_ENV := DATABASE_URL=sqlite:///$(or $(TISSER_INSTANCE_DIR),$(CURDIR)/instance)/tisser-$(DEMO).sqlite3
endif

.PHONY: mutate help run dev test lint test-sqlite test-postgresql test-deps install install-dev db demo messages clean bench bench-sqlite bench-postgresql

help:
	@echo "make run    installe, migre, charge la démo (SQLite) et sert Tisser sur http://$(HOST):$(PORT)"
	@echo "            make run DEMO=lyon : une autre collectivité de démonstration, sur sa propre base"
	@echo "make test   installe ce qu'il faut et lance tous les tests (SQLite puis PostgreSQL, navigateur compris)"
	@echo "make dev    serveur de développement Flask (rechargement automatique)"
	@echo "make mutate mutations des modules de règles (mutmut) : les tests les attrapent-ils ? (long)"
	@echo "make bench  mesure Tisser face à une application Flask nue (gunicorn + wrk, SQLite puis PostgreSQL ;"
	@echo "            une seule base : make bench-sqlite, make bench-postgresql)"
	@echo "make bench-two-servers  deux serveurs sur un PostgreSQL avec Redis, face à un seul (docs/deploiement.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

# The compiled catalogues (.mo, not committed): built from the .po files on every install, so that
# make run and make test on a fresh clone speak both languages.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

install: $(VENV)/.installed $(COMPILED)
install-dev: $(VENV)/.installed-dev $(COMPILED)

db: install
	@mkdir -p $(or $(TISSER_INSTANCE_DIR),instance)
	$(DEMO_ENV) $(BIN)/flask db upgrade

demo: db
	$(DEMO_ENV) $(BIN)/flask demo load --preset $(DEMO)

run: demo
	@echo
	@echo "Tisser est servi sur http://$(HOST):$(PORT)  (Ctrl+C pour arrêter)"
	@echo
	$(DEMO_ENV) $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

dev: demo
	$(DEMO_ENV) $(BIN)/flask run --debug --host $(HOST) --port $(PORT)

test-deps:
	@bash scripts/ensure-test-deps.sh

# Lint gate, before any test: merge-conflict markers, then ruff (rules and format, pyproject.toml).
lint: install-dev
	@bash scripts/check-conflict-markers.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint test-deps
	@start=$$(date +%s); \
	echo "== Tests sur SQLite =="; \
	$(BIN)/pytest -n $(TEST_WORKERS) --db sqlite $(PYTEST_ARGS) || exit $$?; \
	echo "== Tests sur PostgreSQL (grappe jetable) =="; \
	$(BIN)/pytest -n $(TEST_WORKERS) --db postgresql $(PYTEST_ARGS) || exit $$?; \
	echo "make test : $$(( $$(date +%s) - start )) s"

test-sqlite: lint test-deps
	$(BIN)/pytest -n $(TEST_WORKERS) --db sqlite $(PYTEST_ARGS)

test-postgresql: lint test-deps
	$(BIN)/pytest -n $(TEST_WORKERS) --db postgresql $(PYTEST_ARGS)

# Benchmark against a bare Flask baseline (bench/README.md). Both databases in sequence, like
# make test; BENCH_ARGS go to each run (--data reuses the seed on SQLite only).
BENCH_ARGS ?=
bench: install-dev test-deps
	@bash scripts/ensure-bench-deps.sh
	@start=$$(date +%s); \
	echo "== Mesures sur SQLite =="; \
	$(BIN)/python bench/run.py --db sqlite $(BENCH_ARGS) || exit $$?; \
	echo; \
	echo "== Mesures sur PostgreSQL (grappe jetable) =="; \
	$(BIN)/python bench/run.py --db postgresql $(BENCH_ARGS) || exit $$?; \
	echo "make bench : $$(( $$(date +%s) - start )) s"

bench-sqlite: install-dev
	@bash scripts/ensure-bench-deps.sh
	$(BIN)/python bench/run.py --db sqlite $(BENCH_ARGS)

bench-postgresql: install-dev test-deps
	@bash scripts/ensure-bench-deps.sh
	$(BIN)/python bench/run.py --db postgresql $(BENCH_ARGS)

# Two Tisser servers (half the workers each) on one PostgreSQL with Redis, against one server:
# what sharing the database and the stores costs (docs/deploiement.md, "Plusieurs serveurs").
.PHONY: bench-two-servers
bench-two-servers: install-dev test-deps
	@bash scripts/ensure-bench-deps.sh
	$(BIN)/python bench/run.py --two-servers $(BENCH_ARGS)

# Mutation testing of the rule modules ([tool.mutmut] in pyproject.toml, docs/mutation.md); not
# part of make test. MUTATE_ARGS narrows it, e.g. make mutate MUTATE_ARGS='"app.permissions*"'.
MUTATE_ARGS ?=
mutate: install-dev
	$(BIN)/mutmut run $(MUTATE_ARGS)
	$(BIN)/mutmut results

# The user-facing strings (French is the source language): extracted into the template, merged into
# each catalogue (translate the new English entries in translations/en/LC_MESSAGES/messages.po; the
# French one fills itself from the msgids), compiled. tests/test_translations.py checks the result.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --project Tisser --copyright-holder "Tisser" \
		-o translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/python scripts/french_catalogue.py translations/fr/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d translations

clean:
	rm -rf $(VENV) .pytest_cache
