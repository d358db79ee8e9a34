# AutoScale Studio. `make run` and `make test` set everything up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM := /usr/bin/chromium

.PHONY: install run test test-fast lint format chromium gettext messages migrate clean chaos
# The compiled French catalogs (committed; compiled again when their .po changed).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian's chromium for the browser test; never a browser downloaded by Playwright.
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Debian's GNU gettext: msgfmt compiles the catalogs, xgettext and msgmerge find new strings.
gettext:
	@command -v msgfmt >/dev/null && command -v xgettext >/dev/null || { \
	  echo "Installing Debian's gettext (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

%.mo: %.po | gettext
	msgfmt --check-format --output-file $@ $<

# After adding or changing a user-facing string: add the new strings to the catalogs,
# translate them in locale/fr/LC_MESSAGES/*.po, run it again (it compiles the .mo files).
messages: install gettext
	$(PY) manage.py translations update

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	@$(PY) manage.py ensure_demo_user
	@echo "Open http://127.0.0.1:8000  (Ctrl-C stops the web server, the worker and the sandbox)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} \
	  KIE_CALLBACK_URL=$${KIE_CALLBACK_URL:-$$( [ -n "$$KIE_API_KEY" ] || echo http://127.0.0.1:8000/kie/callback/)} \
	  $(BIN)/honcho start -f Procfile

test: install chromium
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not browser"

# A short chaos run: real workers, a faulty sandbox, workers killed; fails on a broken
# invariant. Bigger: `.venv/bin/python manage.py kie chaos --tasks 300 --workers 3 --kill-every 30`.
chaos: install
	$(PY) manage.py kie chaos --tasks $${CHAOS_TASKS:-40} --workers 2 --kill-every 15 --json

lint: install gettext
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py translations check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
