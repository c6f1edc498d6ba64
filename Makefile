# Two commands from a fresh clone: `make demo` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install lint format test demo bench clean arena

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lnpilot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# LNbits (pydantic 1, SQLAlchemy 1.4) clashes with our dependencies: it gets its own venv, used
# only by tests/lnbits and tests/backends to run the real package on loopback.
LNBITS_VENV := .venv-lnbits
LNBITS_STAMP := $(LNBITS_VENV)/.installed

$(LNBITS_STAMP): requirements-lnbits.lock
	@test -x $(LNBITS_VENV)/bin/python || $(PYTHON) -m venv $(LNBITS_VENV)
	$(LNBITS_VENV)/bin/python -m pip install -q -r requirements-lnbits.lock
	@touch $(LNBITS_STAMP)

$(LNBITS_VENV): $(LNBITS_STAMP)

test: lint $(LNBITS_STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term --cov-fail-under=90 $(PYTEST_ARGS)

demo: install
	$(BIN)/lnpilot demo

# A small fee-strategy comparison on simnet (docs/arena.md): every reference and lnpilot profile,
# generated 300-node graph, 8 channels, 7 simulated days, 2 seeds, 2 worker processes.
arena: install
	$(BIN)/lnpilot arena --days 7 --seeds 2 --jobs 2 --out arena-results

bench: install
	@for script in $(wildcard benchmarks/*_bench.py); do echo "== $$script"; $(BIN)/python $$script --small || exit 1; done

clean:
	rm -rf $(VENV) $(LNBITS_VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
