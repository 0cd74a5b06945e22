# Two commands from a fresh clone: `make run` and `make test`. Both create .venv and
# install the project with its development dependencies first.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format fuzz sandbox worker scheduler migrate bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/meli serve

test: $(STAMP)
	$(BIN)/lint-imports importlinter.ini
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tests/parallel.py

# Schemathesis against the served OpenAPI document with more requests per operation
# than `make test` sends (docs/testing.md#schemathesis).
fuzz: $(STAMP)
	MELI_TEST_FUZZ_EXAMPLES=$${MELI_TEST_FUZZ_EXAMPLES:-200} $(BIN)/pytest tests/e2e/test_openapi_conformance.py

lint: $(STAMP)
	$(BIN)/lint-imports importlinter.ini
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sandbox: $(STAMP)
	$(BIN)/meli sandbox

worker: $(STAMP)
	$(BIN)/meli worker

scheduler: $(STAMP)
	$(BIN)/meli scheduler

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

migrate: $(STAMP)
	$(BIN)/meli db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
