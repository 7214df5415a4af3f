# Consuntivo: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

# Debian packages: WeasyPrint's Pango, pdftotext for PDF tests, chromium for
# browser tests. WeasyPrint 70 also wants HarfBuzz-Subset to embed font subsets.
# apt-get runs only for what is missing, as root or via sudo.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils

.PHONY: run test install install-test system-deps system-deps-test translations \
	messages \
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
	$(BIN)/pybabel compile -d portal/translations

# Keywords beyond pybabel's defaults (_, gettext, ngettext, pgettext, ...).
# A bare "-k ngettext" would drop the plural argument, so each keeps its spec.
# tests/test_translations.py reads this line to extract the same way.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

# Extract the English source strings into messages.pot, then merge them into
# the it and en catalogues. New Italian entries arrive untranslated, or as fuzzy
# guesses copied from a similar msgid: translate them, then `make translations`.
# English is the source language, so its catalogue gets no guesses (-N).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-comments=TRANSLATORS: \
		--add-location=file --project=Consuntivo --version=0.1.0 \
		-o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations \
		-l it --ignore-obsolete --previous
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations \
		-l en --ignore-obsolete -N

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo --if-empty

# `make run PORT=5077` serves on another port.
PORT ?= 5000

run: system-deps demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

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
