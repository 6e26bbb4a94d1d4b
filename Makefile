# `make run` and `make test` bootstrap .venv by themselves on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-import bench-reports bench-export bench-observability schema clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## serve http://127.0.0.1:8000/graphql (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/crm run

test: $(STAMP)  ## the whole suite against DATABASE_URL, or the embedded PostgreSQL
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
	rm -rf $(VENV) .data
