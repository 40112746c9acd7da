# The two set-up commands of the README, and their parts.
#   make serve  - install, build the store from ontology/ and data/, serve it on http://localhost:8000/
#   make test   - install with the dev tools, then lint and run the whole test suite
#   make fuzz   - the long fuzzing run (over 10,000 generated requests) against a live server

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
YASGUI := server/static/vendor/yasgui
VIEWS := server/static/vendor/views

.PHONY: install build serve test lint browser bench-tools front-tools bench faults fuzz

$(BIN)/ftkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The query editor (YASGUI), from its npm package, pinned by web/package-lock.json and
# copied into the app's static files: nothing is fetched from a CDN at run time.
$(YASGUI)/yasgui.min.js: web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund
	mkdir -p $(YASGUI)
	cp web/node_modules/@zazuko/yasgui/build/yasgui.min.js web/node_modules/@zazuko/yasgui/build/yasgui.min.css $(YASGUI)/

# The editor's result views (web/src/) bundled by esbuild with the charting library they use,
# Observable Plot, both pinned there too (web/README.md says why Plot).
$(VIEWS)/views.js: $(YASGUI)/yasgui.min.js web/build.js $(wildcard web/src/*)
	node web/build.js $(VIEWS)

install: $(BIN)/ftkg $(YASGUI)/yasgui.min.js $(VIEWS)/views.js

build: install
	$(BIN)/ftkg build --if-changed

serve: build
	$(BIN)/ftkg serve

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium; install it when missing (needs root, as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium missing and not root: the browser tests will be skipped"; fi; }

# wrk drives the benchmark (and its smoke run in the tests); install it when missing.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; \
	  else echo "wrk missing and not root: the benchmark smoke test will be skipped"; fi; }

# nginx, the front of `ftkg serve --front nginx` (its tests, the benchmark's variant behind it);
# install Debian's smallest build when missing. The package's own service (port 80, where an
# init system starts it) is not what the front uses: it runs its own nginx, configured by us.
front-tools:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; \
	  else echo "nginx missing and not root: the front's tests will be skipped"; fi; }

# On both cores of the CI machine: a module's tests run in one worker process (--dist loadfile),
# so its servers and fixtures are started once; `.venv/bin/pytest tests/x.py` runs one file alone.
TEST_WORKERS ?= 2
test: lint browser bench-tools front-tools
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# Our server against Oxigraph server and Virtuoso on the same data (see bench/README.md).
bench: install bench-tools front-tools
	$(BIN)/python bench/compare.py

# Load with faults (see bench/README.md): 2 minutes of 32 clients, a query worker killed, a
# runaway query, a client leaving mid-stream.
faults: build
	$(BIN)/python bench/faults.py

# The fuzzing suite at length: the same tests as in `make test`, with 600 examples each
# instead of 20 (over 10,000 requests); prints the requests sent per family at the end.
FUZZ_EXAMPLES ?= 600
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_fuzz.py -q
