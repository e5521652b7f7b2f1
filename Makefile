# The whole set-up is here: `make serve`, `make test` and `make validate` create .venv when it is
# missing, install the project into it, and run. Only Python 3.11+ is needed on the machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install serve test lint validate stats lock clean

# Exact versions come from requirements.lock (with hashes), so every machine runs what CI tested;
# the project itself is installed on top without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
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

# Regenerate requirements.lock from pyproject.toml (after changing a dependency); commit both.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --strip-extras --allow-unsafe \
		-o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
