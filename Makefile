PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint serve bench clean stack stack-stop

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/helpdesk serve --demo $(ARGS)

test: $(STAMP)
	-bash scripts/ensure-browser
	$(BIN)/pytest -q $(ARGS)

# The production topology as local processes (migrate, 2 API replicas on 8001/8002, a
# projector, a dispatcher, 2 workers) on the local PostgreSQL and Redis; Ctrl-C stops it.
stack: $(STAMP)
	scripts/stack

stack-stop:
	scripts/stack stop

# Benchmarks (not tests): PostgreSQL on 127.0.0.1:5432 (database test) and Redis; prints a
# table and writes bench/results/latest.json. ARGS="--full" for the large sizes; see
# docs/performance.md. py-spy (for the HTTP server's profile) is installed if it can be.
bench: $(STAMP)
	@$(BIN)/python -c "import shutil, sys; sys.exit(0 if shutil.which('py-spy', path='$(BIN)') else 1)" \
		|| $(BIN)/pip install --quiet py-spy \
		|| echo "py-spy could not be installed: the HTTP profiles are skipped"
	$(BIN)/python -m bench $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy domain application

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
