# Two commands set everything up on a fresh machine:  make run   and   make test
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test bench install install-test chromium postgresql snapshot clean help faults

help:
	@echo "make run    - install into $(VENV) and open the dashboard on the embedded data (http://$(ADDRESS):$(PORT))"
	@echo "make test   - install with test extras, make sure Chromium is present, run the whole test suite"
	@echo "make test also installs PostgreSQL (Debian package) for the history store tests"
	@echo "make bench  - run the benchmarks in bench/ (after make test), print a table, write bench/results.json"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes (stamp files).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# $(call apt_install,FOUND,PACKAGE,NEEDED-FOR,HOW-TO): nothing when the shell test FOUND succeeds; as root
# on Debian/Ubuntu, install Debian's PACKAGE; otherwise print HOW-TO (quoted lines) on stderr and fail.
define apt_install
	@if $(1); then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's $(2) package (needed for $(3))"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	else \
	  printf '%s\n' $(4) >&2; \
	  exit 1; \
	fi
endef

# A Chrome/Chromium is needed for image export (kaleido) and the browser tests.
CHROMIUM_FOUND = command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	|| command -v google-chrome >/dev/null 2>&1 || [ -n "$$BROWSER_PATH" ]
CHROMIUM_HOWTO = "No Chrome/Chromium found. Install one (Debian/Ubuntu: 'sudo apt-get install chromium'," \
	"macOS: install Google Chrome) or set BROWSER_PATH to its executable, then run make again."
chromium:
	$(call apt_install,$(CHROMIUM_FOUND),chromium,image export and browser tests,$(CHROMIUM_HOWTO))

# PostgreSQL for the history store tests (the tests start and stop a throw-away cluster themselves).
POSTGRESQL_FOUND = command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
POSTGRESQL_HOWTO = "No PostgreSQL found. Install it (Debian/Ubuntu: 'sudo apt-get install postgresql', macOS:" \
	"'brew install postgresql') or run with BORDERWATCH_TEST_PG=skip to leave those tests out."
postgresql:
	$(call apt_install,$(POSTGRESQL_FOUND),postgresql,the history store tests,$(POSTGRESQL_HOWTO))

run: install
	$(BIN)/borderwatch run --port $(PORT) --address $(ADDRESS)

test: install-test chromium postgresql
	$(BIN)/python -m pytest

bench: install-test chromium
	$(BIN)/python -m bench

# Rebuild the embedded snapshot in data/ from ../shared/data (maintainers only).
snapshot: install
	$(BIN)/python tools/build_snapshot.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

# The fault suite alone (also part of make test): broken servers and files, kill -9, concurrency.
faults: install-test
	$(BIN)/python -m pytest tests/faults
