# Cashback Guard: one entry point for a fresh machine. `make help` lists every target.
#   make run    set up and start the companion with the bundled catalog
#   make test   set up and run every check: linters, unit tests, the extension's tests, real browsers
SHELL := /bin/bash
# Installing the browsers needs root: sudo for anyone else.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
PYTHON ?= python3
VENV := .venv
# Where the compiled host table's build looks for Python's headers (python3-dev on Debian).
PYTHON_H := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h
BIN := $(VENV)/bin
PORT ?= 47615
DIST ?= dist
# The one place the version is written; extension/manifest.json and package.json must say the
# same (tests/packaging/test_versions.py fails when they drift).
VERSION = $(shell $(PYTHON) -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')

# Installing is driven by stamps, so a second `make test` does not reinstall anything.
$(VENV)/.installed: pyproject.toml setup.py companion/tracking/_hostwalk.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

# The compiled host table (setup.py): optional for `make run`, which falls back to the Python
# one without a compiler, but what `make test` checks and `make bench` measures.
$(VENV)/.compiled: $(VENV)/.installed | /usr/bin/gcc $(PYTHON_H)
	$(BIN)/python -c 'import companion.tracking._hostwalk' 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -c 'import companion.tracking._hostwalk' \
		|| { echo "companion/tracking/_hostwalk.c did not build: are gcc and Python.h installed?"; exit 1; }
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium: Playwright drives it; its own browser download is never used.
/usr/bin/chromium:
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# A C compiler and Python's headers for the compiled host table; either may be there alone
# (build-essential without python3-dev).
/usr/bin/gcc:
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc

$(PYTHON_H):
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dev

# Debian's Firefox ESR: the tests drive it over WebDriver BiDi, which it serves itself.
/usr/bin/firefox-esr:
	$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr

.PHONY: help setup run test lint unit js e2e clean package bench soak
help:
	@echo "make run      set up and start the companion with the bundled catalog (PORT=$(PORT))"
	@echo "make test     everything CI runs: lint, unit, js, e2e (installs what is missing)"
	@echo "make lint     ruff, mypy, eslint, web-ext lint"
	@echo "make unit     the companion's tests: unit, packaging, faults, fuzzing, attacks (no browser)"
	@echo "make js       the extension's pure modules under node --test"
	@echo "make e2e      real Chromium and Firefox ESR with the extension and a real companion"
	@echo "make bench    the benchmarks of docs/reliability.md (minutes)"
	@echo "make soak     the fault tests over a minute long"
	@echo "make package  the extension's zip and xpi and the companion's wheel and sdist, in $(DIST)/"
	@echo "make setup    install the .venv, node_modules and the browsers, nothing else"
	@echo "make clean    remove everything installed or built here"

setup: $(VENV)/.compiled node_modules/.installed /usr/bin/chromium /usr/bin/firefox-esr

run: $(VENV)/.installed
	@echo "Starting the companion on http://127.0.0.1:$(PORT) (Ctrl-C stops it)."
	@echo "Load the extension: chrome://extensions > Developer mode > Load unpacked > $(CURDIR)/extension"
	@echo "  (Firefox: about:debugging#/runtime/this-firefox > Load Temporary Add-on > $(CURDIR)/extension/manifest.json)"
	@echo "Then pair it: run '$(BIN)/cashback-companion pair' and type the code into the extension's options page."
	$(BIN)/cashback-companion serve --port $(PORT)

lint: $(VENV)/.compiled node_modules/.installed
	$(BIN)/ruff check companion tests benchmarks setup.py
	$(BIN)/ruff format --check companion tests benchmarks setup.py
	$(BIN)/mypy
	@# The compiled host table: every warning is an error here (pip's build only shows them).
	gcc -fsyntax-only -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror \
		-I"$(dir $(PYTHON_H))" \
		companion/tracking/_hostwalk.c
	npx eslint extension tests/js
	npx web-ext lint --source-dir extension --self-hosted

# Two workers, each taking the next test as it finishes one: a third off on two cores. Not the
# end-to-end tests, whose browsers' timing two at once made flaky (docs/reliability.md).
unit: $(VENV)/.compiled
	$(BIN)/pytest -q -n 2 --dist worksteal -m "not e2e" tests

js: node_modules/.installed
	node --test tests/js/

e2e: setup
	$(BIN)/pytest -q -m e2e tests

test: lint unit js e2e

# What a shopper installs: the extension for Chromium (zip) and Firefox (xpi), the companion's
# wheel and sdist. tests/packaging/test_packages.py builds these with DIST=<temp dir> and installs
# the wheel in a fresh venv.
package: $(VENV)/.installed node_modules/.installed
	$(BIN)/pytest -q tests/packaging/test_versions.py
	@# An egg-info left by an earlier build lists files the package data may no longer declare.
	rm -rf $(DIST) *.egg-info && mkdir -p $(DIST)
	npx web-ext build --source-dir extension --artifacts-dir $(DIST) \
		--filename cashback-guard-$(VERSION)-chromium.zip
	npx web-ext build --source-dir extension --artifacts-dir $(DIST) \
		--filename cashback-guard-$(VERSION)-firefox.xpi
	$(BIN)/python -m build --quiet --outdir $(DIST) .
	@ls -1 $(DIST)

clean:
	rm -rf $(VENV) node_modules artifacts .pytest_cache .mypy_cache .ruff_cache *.egg-info $(DIST) \
		companion/tracking/*.so

# Benchmarks (docs/reliability.md): a few minutes; not part of `make test`.
bench: setup
	$(BIN)/python -m benchmarks

# Fault tests over a minute long (kill -9 rounds for two minutes); not part of `make test`.
soak: setup
	$(BIN)/pytest -q -m soak tests
