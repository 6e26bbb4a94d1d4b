# `make run` and `make test` bootstrap .venv by themselves on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
IDE_STAMP := ide/node_modules/.installed-stamp
# The browser the IDE's test drives (tests/ide/test_ide_browser.py); another path may be given.
export CHROMIUM ?= /usr/bin/chromium
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: run test lint ide bench bench-import bench-reports bench-export bench-observability schema clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# GraphiQL, React and ReactDOM at the versions ide/package-lock.json pins; npm checks each
# package's sha512 integrity. Without npm the API still runs, and its IDE page says what is missing.
$(IDE_STAMP): ide/package.json ide/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix ide --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is not installed: GraphiQL's files are missing (the API works without them)" >&2; fi

ide: $(IDE_STAMP)  ## install GraphiQL's files (npm ci) for the IDE on GET /graphql

# Debian's Chromium, for the IDE's browser test (no browser is downloaded by Playwright).
$(CHROMIUM):
	$(APT) install -y -q chromium || ($(APT) update -q && $(APT) install -y -q chromium)

run: $(STAMP) $(IDE_STAMP)  ## serve http://127.0.0.1:8000/graphql (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/crm run

test: $(STAMP) $(IDE_STAMP) $(CHROMIUM)  ## the whole suite against DATABASE_URL, or the embedded PostgreSQL
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schema: $(STAMP)  ## rewrite schema/schema.graphql from the code
	$(BIN)/crm schema > schema/schema.graphql

bench: $(STAMP)
	$(BIN)/python -m bench.customers_page

bench-import: $(STAMP)  ## 100,000 rows imported end to end vs COPY; then a 1,000,000-row dry run's worker memory
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.imports --memory

bench-reports: $(STAMP)  ## report previews (two dimensions) at 1,000,000 customers, as admin and as seller
	$(BIN)/python -m bench.reports

bench-export: $(STAMP)  ## 1,000,000 customers exported as CSV and xlsx: rows/s and the writer's peak RSS
	$(BIN)/python -m bench.exports

bench-observability: $(STAMP)  ## CPU per request with and without the request id, log line and metrics
	$(BIN)/python -m bench.observability

clean:
	rm -rf $(VENV) .data ide/node_modules
