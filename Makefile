# The whole set-up is here: `make serve`, `make test` and `make validate` create .venv when it is
# missing, install the project into it, and run. Only Python 3.11+ is needed on the machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install serve test lint validate stats clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

serve: $(STAMP)
	@echo "regiolod: serving the shipped dataset at http://$${REGIOLOD_HOST:-127.0.0.1}:$${REGIOLOD_PORT:-8000}/"
	$(BIN)/regiolod serve

validate: $(STAMP)
	$(BIN)/regiolod validate

stats: $(STAMP)
	$(BIN)/regiolod stats

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
