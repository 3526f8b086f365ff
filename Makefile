PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= auto

.PHONY: setup demo test test-fast lint bench bench-goods serve browser docs clean

## setup: create .venv from the lock file and install the sarap command
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

## demo: simulate a year of declarations, train, rank the new month, write demo/report.html
demo: setup
	$(BIN)/sarap demo --dir demo

## test: the whole suite, real-data and browser checks included
test: setup browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

## test-fast: the suite without the slow (real-data, large) tests
test-fast: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q -m "not slow"

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

## bench: throughput, latency and memory figures for the README
bench: setup
	$(BIN)/python benchmarks/bench_declarations.py
	$(BIN)/python benchmarks/bench_network.py
	$(BIN)/python benchmarks/bench_typologies.py
	$(BIN)/python benchmarks/bench_taxpayers.py --seed 2
	$(BIN)/python benchmarks/bench_taxpayers.py --seed 3
	$(BIN)/python benchmarks/bench_run_scale.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_web.py

## bench-goods: goods agent, 5-fold CV on ../shared/data/hs beside a TF-IDF + SVM baseline, speed, size (about 30 minutes)
bench-goods: setup
	OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE $(BIN)/python benchmarks/bench_goods.py

## serve: the web application on the demo workspace (make demo first)
serve: setup
	@test -f demo/sarap.duckdb || $(MAKE) demo
	$(BIN)/sarap serve --workspace demo/sarap.duckdb

## browser: Debian's Chromium for the end-to-end tests (needs root or sudo)
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

docs: setup
	$(BIN)/python -m sarap.store.docs > docs/data-model.md

clean:
	rm -rf $(VENV) demo build
