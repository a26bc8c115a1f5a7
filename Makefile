# Two commands for a fresh machine:
#   make demo   sets everything up and runs the main job (caselink demo)
#   make test   sets everything up and runs the whole test suite (what .ci/run runs)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint services browser java

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/caselink compile
	touch $(STAMP)

setup: $(STAMP)

# The PostgreSQL server the tests use; started if this machine has it installed but stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start) || true

# Debian's chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@test -x /usr/bin/chromium || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	   (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null))

# Debian's Java runtime for Spark (`--engine spark` and its tests); pyspark brings Spark itself.
java:
	@command -v java >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/dev/null || \
	   (apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/dev/null))

demo: setup
	$(BIN)/caselink demo

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup services browser java lint
	$(BIN)/pytest -n 2 --dist loadfile
