# Consuntivo: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

# Debian packages: WeasyPrint's Pango, pdftotext for PDF tests, chromium for
# browser tests. apt-get runs only for what is missing, as root or via sudo.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fontconfig
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils

.PHONY: run test install install-test system-deps system-deps-test translations \
	db demo fmt lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

system-deps:
	@./.ci/debian-packages $(RUN_DEBS)

system-deps-test:
	@./.ci/debian-packages $(TEST_DEBS)

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo --if-empty

run: system-deps demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: system-deps-test install
	$(BIN)/python -m pytest -p no:cacheprovider
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		CONSUNTIVO_TEST_DB=postgres $(BIN)/python -m pytest -p no:cacheprovider; \
	fi

fmt: install
	$(BIN)/ruff format portal tests bench migrations
	$(BIN)/ruff check --fix portal tests bench

lint: install
	$(BIN)/ruff check portal tests bench

bench: install
	$(BIN)/python bench/ticket_pages.py

clean:
	rm -rf $(VENV) instance/*.sqlite
