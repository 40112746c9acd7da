# The two set-up commands of the README, and their parts.
#   make serve  - install, build the store from ontology/ and data/, serve it on http://localhost:8000/
#   make test   - install with the dev tools, then lint and run the whole test suite

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install build serve test lint

$(BIN)/ftkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/ftkg

build: install
	$(BIN)/ftkg build --if-changed

serve: build
	$(BIN)/ftkg serve

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest
