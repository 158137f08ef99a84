# Two commands: `make demo` and `make test`. Both create or update the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: demo test test-lowest lint install benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the declared dependencies change.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# The suite again with every direct dependency at its lowest allowed version (setup.cfg's
# lower bounds, pinned in constraints-lowest.txt), in a second virtualenv. The slow tests
# (wheel builds, servers) and the schemathesis fuzzing are left to `make test`, which runs at
# the newest versions, to keep CI's total time reasonable.
LOWEST_VENV ?= .venv-lowest
$(LOWEST_VENV)/.installed: setup.cfg pyproject.toml constraints-lowest.txt
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install --quiet -c constraints-lowest.txt -e ".[dev]"
	touch $@

test-lowest: $(LOWEST_VENV)/.installed
	$(LOWEST_VENV)/bin/python -m pip check
	$(LOWEST_VENV)/bin/pytest -m "not slow" -p no:cacheprovider --ignore=tests/test_schemathesis.py

demo: install
	$(BIN)/python -m examples.center_app.demo --port $(PORT)

# Every benchmark script in turn (the HTTP and memory ones need PostgreSQL on 127.0.0.1:5432).
benchmarks: install
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/transitions.py
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/transitions_memory.py
	$(BIN)/python benchmarks/intake.py

clean:
	rm -rf $(VENV) $(LOWEST_VENV) build dist *.egg-info instance
