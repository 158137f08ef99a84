# Two commands: `make demo` and `make test`. Both create or update the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The tests of the plugin's rq jobs, run on every supported rq (see test-rq-lowest).
RQ_JOBS_TESTS ?= tests/test_worker.py tests/test_outbox.py tests/test_relay.py \
	tests/test_notifications.py tests/test_job_faults.py tests/test_sweep_orphans.py

.PHONY: demo test test-lowest test-rq-lowest lint install benchmarks clean translations browser vendor-js screenshots

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

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; install it
# from Debian's packages when missing (never a browser download of Playwright's own).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: lint browser
	$(BIN)/pytest
	$(MAKE) test-rq-lowest

# The jobs tests again on the lowest rq the plugin supports (rq 2.0), in a venv of their own.
RQ_LOWEST_VENV ?= .venv-rq-lowest
$(RQ_LOWEST_VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(RQ_LOWEST_VENV)
	$(RQ_LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RQ_LOWEST_VENV)/bin/python -m pip install --quiet -e ".[dev]" "rq==2.0.*"
	touch $@

test-rq-lowest: $(RQ_LOWEST_VENV)/.installed
	$(RQ_LOWEST_VENV)/bin/python -c "import rq; assert rq.__version__.startswith('2.0'), rq.__version__"
	$(RQ_LOWEST_VENV)/bin/pytest -q -p no:cacheprovider $(RQ_JOBS_TESTS)

# The suite again with every direct dependency at its lowest allowed version (setup.cfg's
# lower bounds, pinned in constraints-lowest.txt), in a second virtualenv. The slow tests
# (wheel builds, servers), the schemathesis fuzzing and the browser tests are left to
# `make test`, which runs at the newest versions, to keep CI's total time reasonable.
LOWEST_VENV ?= .venv-lowest
$(LOWEST_VENV)/.installed: setup.cfg pyproject.toml constraints-lowest.txt
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install --quiet -c constraints-lowest.txt -e ".[dev]"
	touch $@

test-lowest: $(LOWEST_VENV)/.installed
	$(LOWEST_VENV)/bin/python -m pip check
	$(LOWEST_VENV)/bin/pytest -m "not slow" -p no:cacheprovider --ignore=tests/test_schemathesis.py \
		--ignore=tests/browser

demo: install
	$(BIN)/python -m examples.center_app.demo --port $(PORT)

# Every benchmark script in turn (the HTTP and memory ones need PostgreSQL on 127.0.0.1:5432).
benchmarks: install
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/transitions.py
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/transitions_memory.py
	$(BIN)/python benchmarks/relay.py
	$(BIN)/python benchmarks/sweep.py
	$(BIN)/python benchmarks/chaos.py
	$(BIN)/python benchmarks/placement.py
	$(BIN)/python benchmarks/intake.py
	$(BIN)/python benchmarks/pages.py

# Re-vendor htmx (served by the pages) and axe-core (used by the browser tests) from the npm
# registry at the versions pinned in the script.
vendor-js:
	scripts/vendor_js.sh

# docs/screenshots/<role>.png of each role's main page, taken from the running demo.
screenshots: install browser
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) $(LOWEST_VENV) $(RQ_LOWEST_VENV) build dist *.egg-info instance

# Extract every string of the pages and messages into the plugin's catalog template, update
# the English and Spanish catalogs from it and compile them. Translators edit
# tpm_plugin/translations/<lang>/LC_MESSAGES/tpm.po, then run this again.
TRANSLATIONS := tpm_plugin/translations
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k lazy_gettext \
		--no-location --sort-output --project tpm_plugin -o $(TRANSLATIONS)/tpm.pot .
	for lang in en es; do \
		if [ -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/tpm.po ]; then \
			$(BIN)/pybabel -q update --no-fuzzy-matching -D tpm -l $$lang -i $(TRANSLATIONS)/tpm.pot -d $(TRANSLATIONS); \
		else \
			$(BIN)/pybabel -q init -D tpm -l $$lang -i $(TRANSLATIONS)/tpm.pot -d $(TRANSLATIONS); \
		fi; \
	done
	$(BIN)/pybabel -q compile -D tpm -d $(TRANSLATIONS)
