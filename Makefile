# Two commands: `make demo` and `make test`. Both create or update the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: demo test lint install benchmarks clean

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
	rm -rf $(VENV) build dist *.egg-info instance
