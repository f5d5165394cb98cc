# Two commands matter: `make demo` (one offline call through the whole system) and `make test`.
# Each bootstraps .venv on its own the first time and whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck imports check up clean

$(STAMP): pyproject.toml offline_kit/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./offline_kit
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/camille demo

up: $(STAMP)
	$(BIN)/camille up

test: $(STAMP)
	@bash .ci/test-tools
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
