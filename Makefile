# Two commands do all the set-up on a fresh machine:
#   make demo   — bootstrap .venv, migrate data/torihiki.db, ingest corpus/documents/, print the deals
#   make test   — bootstrap .venv, then ruff, mypy and the whole test suite (PostgreSQL included)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= sqlite:///data/torihiki.db

.PHONY: install demo test lint typecheck pytest fast clean lock

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/torihiki db upgrade --db $(DB)
	$(BIN)/torihiki ingest corpus/documents/ --db $(DB) --published-map corpus/documents/published.json
	$(BIN)/torihiki deals --db $(DB)

lint: install
	$(BIN)/ruff check torihiki extractors models db pipelines tests

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# The quick loop: no ja_ginza, no Prefect server.
fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# Refresh the pinned set after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^torihiki' > requirements.lock

clean:
	rm -rf $(VENV) data/torihiki.db*
