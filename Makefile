# collectif: `make run` to try it on a laptop, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: setup setup-dev check-system run worker test lint format messages clean contact-sheets

# What the site needs to run. Idempotent and quick when nothing changed: the
# venv is updated only when a requirements file is newer than the last install.
setup: $(VENV)/.installed check-system locale/fr/LC_MESSAGES/django.mo

# The site, plus the test and lint tools (requirements-dev.txt, package.json).
setup-dev: setup $(VENV)/.installed-dev node_modules/.installed
	@command -v pdftoppm >/dev/null || echo "pdftoppm not found: make contact-sheets needs it. Run 'sudo apt-get install poppler-utils' (Debian/Ubuntu)"

# Every print file of the demo tracts, in every layout, as PNG contact sheets
# in var/contact-sheets/ (and the pictures of docs/print.md in docs/print/).
contact-sheets: setup
	$(BIN)/python benchmarks/contact_sheets.py --samples docs/print

$(VENV)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# axe-core (injected into pages by the browser tests' accessibility checks)
# and stylelint. Without npm the setup goes on: those checks are skipped.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: stylelint and the accessibility checks of the browser tests will be skipped"; fi

# WeasyPrint needs Pango (and HarfBuzz's subsetter for fast font subsetting);
# compiling the interface translations needs gettext's msgfmt.
check-system: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { \
	  echo "msgfmt not found: the interface translations cannot be compiled. Run 'sudo apt-get install gettext' (Debian/Ubuntu)"; \
	  exit 1; }
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { \
	  echo "WeasyPrint cannot find its system libraries: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0' (Debian/Ubuntu) or see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"; \
	  exit 1; }

locale/fr/LC_MESSAGES/django.mo: $(wildcard locale/*/LC_MESSAGES/*.po) | $(VENV)/.installed check-system
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

# The dev server and, beside it, the worker that renders PDFs in the
# background; Ctrl-C stops both, quietly (the worker finishes or drops its
# render, the shell waits for it, and says nothing).
run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo_tracts
	$(BIN)/python manage.py load_demo_articles
	$(BIN)/python manage.py load_demo_pages
	$(BIN)/python manage.py load_demo_events
	$(BIN)/python manage.py create_dev_admin --port $(PORT)
	$(BIN)/python manage.py requeue_interrupted_tasks
	$(BIN)/python manage.py purge_login_records
	@$(MAKE) --no-print-directory -s worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null; exit 0' INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT); \
	kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null; exit 0

# The PDF worker, started again whenever it stops on an error (`make run`
# runs it; production has systemd's Restart=). Ctrl-C or TERM stops it.
worker:
	@trap 'kill -TERM $$pid 2>/dev/null; wait $$pid; exit 0' INT TERM; \
	while :; do \
	  $(BIN)/python manage.py db_worker & pid=$$!; \
	  wait $$pid; status=$$?; \
	  [ $$status -eq 0 ] && exit 0; \
	  echo "The PDF worker stopped (exit status $$status): starting it again in 2 seconds." >&2; \
	  sleep 2; \
	done

test: setup-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same checks as .pre-commit-config.yaml, without changing any file.
PYTHON_FILES = $(shell git ls-files '*.py' ':!:*/migrations/*')
TEMPLATES = $(shell git ls-files '*.html')
STYLESHEETS = 'static/css/**/*.css' 'static/print/**/*.css' 'static/collectif/**/*.css'

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "django-upgrade --check (Python files)" && $(BIN)/django-upgrade --target-version 5.2 --check $(PYTHON_FILES)
	@echo "djhtml --check (templates)" && $(BIN)/djhtml --check $(TEMPLATES)
	@if [ -x node_modules/.bin/stylelint ]; then node_modules/.bin/stylelint $(STYLESHEETS); \
	else echo "npm not found: stylelint skipped"; fi
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_imports.py
	$(BIN)/python scripts/check_catalogues.py
	$(BIN)/mypy publishing tracts moving events newsletter

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	@$(BIN)/django-upgrade --target-version 5.2 --exit-zero-even-if-changed $(PYTHON_FILES)
	@$(BIN)/djhtml $(TEMPLATES)
	@if [ -x node_modules/.bin/stylelint ]; then node_modules/.bin/stylelint --fix $(STYLESHEETS); fi

# Refresh the catalogues after changing interface strings.
messages: setup
	$(BIN)/python manage.py makemessages --ignore=.venv --ignore=node_modules --ignore=tests --ignore=benchmarks -l fr -l en -l es -l ar
	$(BIN)/python scripts/check_catalogues.py --fix-french

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache test-artifacts
