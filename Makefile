# Disclosure Gateway — the three commands the README promises.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEMO_HOME ?= .dgw-demo

.PHONY: install demo test check lint format typecheck clean

install: $(STAMP)

$(STAMP): requirements.lock requirements-build.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-build.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "installed: $(BIN)/dgw"

demo: install
	$(BIN)/dgw --home $(DEMO_HOME) demo --fresh

test: install
	$(BIN)/python -m pytest -q -n 2 tests

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: install
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint typecheck test

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache build *.egg-info src/*.egg-info
