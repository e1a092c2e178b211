# The two commands of the README: `make run` and `make test`. Everything they need is
# installed here, into .venv, so a fresh machine works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .venv/.installed

.PHONY: run test lint unit bench clean

.venv/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/fairscore migrate
	$(BIN)/fairscore demo
	$(BIN)/fairscore serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/scoring.py --observations 300000
	$(BIN)/python bench/scoring.py --observations 1000000
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
