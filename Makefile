# The whole set-up is here: `make serve`, `make test` and `make validate` create .venv when it is
# missing, install the project into it, and run. Python 3.11+ is needed on the machine; npm (Node.js)
# brings the query page's editor, and the tests also use Debian's nginx, chromium and chromium-driver.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The SPARQL query editor (YASGUI), pinned in package-lock.json and served from our own origin.
YASGUI_BUILD := node_modules/@zazuko/yasgui/build
YASGUI_DIR   := publisher/static/vendor/yasgui
YASGUI_FILES := $(YASGUI_DIR)/yasgui.min.js $(YASGUI_DIR)/yasgui.min.css
# The interactive map of territory and cooperation pages (Leaflet), pinned and served the same way.
LEAFLET_BUILD := node_modules/leaflet/dist
LEAFLET_DIR   := publisher/static/vendor/leaflet
LEAFLET_FILES := $(LEAFLET_DIR)/leaflet.js $(LEAFLET_DIR)/leaflet.css

.PHONY: install serve test lint validate stats data lock vendor clean screenshots

# Exact versions come from requirements.lock (with hashes), so every machine runs what CI tested;
# the project itself is installed on top without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) vendor

# npm ci installs exactly the lock (no install scripts run), Comunica and ldes-client for the tests too; the two
# built files are all the editor loads at run time (no fonts, images or workers), and the page computes their
# integrity hashes from these copies.
# Without npm the query page keeps its plain form, so this only warns.
vendor: $(YASGUI_FILES) $(LEAFLET_FILES)

$(YASGUI_FILES) $(LEAFLET_FILES) &: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		rm -rf $(YASGUI_DIR) && mkdir -p $(YASGUI_DIR) && \
		cp $(YASGUI_BUILD)/yasgui.min.js $(YASGUI_BUILD)/yasgui.min.css $(YASGUI_DIR)/ && \
		echo "vendor: copied @zazuko/yasgui $$(node -p 'require("./node_modules/@zazuko/yasgui/package.json").version') into $(YASGUI_DIR)/" && \
		rm -rf $(LEAFLET_DIR) && mkdir -p $(LEAFLET_DIR) && \
		cp $(LEAFLET_BUILD)/leaflet.js $(LEAFLET_BUILD)/leaflet.css $(LEAFLET_DIR)/ && \
		echo "vendor: copied leaflet $$(node -p 'require("./node_modules/leaflet/package.json").version') into $(LEAFLET_DIR)/"; \
	else \
		echo "vendor: npm not found, the query page runs without its editor and maps without Leaflet (install Node.js and npm, then make vendor)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint vendor
	$(BIN)/pytest

# PNGs of the main pages at 390 and 1280 px (headless Chromium) in screenshots/, not committed; not part of test.
screenshots: $(STAMP) vendor
	$(BIN)/python bench/screenshots.py --out screenshots

serve: $(STAMP) vendor
	@echo "regiolod: serving the shipped dataset at http://$${REGIOLOD_HOST:-127.0.0.1}:$${REGIOLOD_PORT:-8000}/"
	$(BIN)/regiolod serve

# The shipped data that code generates from the reference files in $(SHARED) (never copied here): each generator
# is one target of DATA_TARGETS and writes its own files below data/; add a generator by appending its target.
SHARED ?= ../shared/data
DATA_TARGETS := data-leader data-metropolitan data-register data-boundaries

data: $(DATA_TARGETS)

# The LEADER regions of Lower Saxony 2023-2027 and the nine other metropolitan regions (data/*.ttl, committed).
.PHONY: data-leader data-metropolitan data-register data-boundaries
data-leader: $(STAMP)
	$(BIN)/python -m publisher.reference.leader $(SHARED)
data-metropolitan: $(STAMP)
	$(BIN)/python -m publisher.reference.metropolitan $(SHARED)

# Every Land and district, and each member of a cooperation in data/ with its parents (data/register/, committed):
# after the generators whose members it describes.
data-register: $(STAMP) data-leader data-metropolitan
	$(BIN)/regiolod import gv100ad $(SHARED)/destatis_GV100AD_2023-11-30.txt --select members --out data/register \
		--nuts $(SHARED)/landkreise_deutschland_2018-12-31.csv \
		--wikidata $(SHARED)/kreise_wikidata_qid_2020.tsv --wikidata $(SHARED)/ags_wikidata_kreisfreie_staedte.csv

# The BKG boundary of every territory data/ describes (data/boundaries.ttl, committed): after the register.
data-boundaries: $(STAMP) data-register
	$(BIN)/python -m publisher.gv100ad.shipped_boundaries $(SHARED)

validate: $(STAMP)
	$(BIN)/regiolod validate

stats: $(STAMP)
	$(BIN)/regiolod stats

# Regenerate requirements.lock from pyproject.toml (after changing a dependency); commit both.
# The lock names no index or local folder: every machine installs it from its own configured index.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info node_modules $(YASGUI_DIR) $(LEAFLET_DIR)
