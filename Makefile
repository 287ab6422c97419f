# syncmodel: every target builds .venv on first use and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FIGDIR ?= figures
PORT   ?= 8888

.PHONY: all figures test test-fast lint unit notebooks browser-test lab voila bench browser servers validate clean

all: figures

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[lab,dask,dev,testbed]'
	@touch $(STAMP)

# Debian's chromium for kaleido (figure export) and Playwright (browser tests).
browser:
	@sh scripts/ensure_browser.sh

# Debian's etcd, Redis + Sentinel, Memcached and ZooKeeper for the testbed (syncmodel.testbed).
servers:
	@sh scripts/ensure_servers.sh

figures: $(STAMP) browser
	$(BIN)/syncmodel figures --out $(FIGDIR)

lint: $(STAMP)
	$(BIN)/ruff check syncmodel tests benchmarks
	$(BIN)/mypy

test: $(STAMP) browser servers lint
	$(BIN)/python -m pytest

# the edit-test loop: unit + property tests and doctests, no slow/notebook/browser test (< 60 s)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not notebook and not browser"

# the real systems measured against the models: writes data/measured/*.csv (about 10 min here:
# the experiments run as concurrent tasks). nice -n -10 (root only; others get a warning and normal
# priority) keeps other jobs on the machine from delaying the servers' timers as much
validate: $(STAMP) servers
	nice -n -10 $(BIN)/python -m syncmodel.testbed.validate

# root (a container, Binder-like machines) needs --allow-root; the token is printed in the log
lab: $(STAMP)
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ServerApp.root_dir=notebooks

# the notebooks as dashboards (voila.json: progressive rendering, kernel culling); the
# syncmodel template (share/jupyter) drops the lab template's CDN stylesheets
VOILA_PORT ?= 8866
voila: $(STAMP)
	JUPYTER_PATH=$(CURDIR)/share/jupyter $(BIN)/voila notebooks --no-browser --Voila.ip=127.0.0.1 \
		--port=$(VOILA_PORT) --template=syncmodel

# every benchmark runs; the target fails at the end if any benchmark reported a missed target
bench: $(STAMP)
	@status=0; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || status=1; done; exit $$status

clean:
	rm -rf $(VENV) $(FIGDIR) .pytest_cache .mypy_cache .ruff_cache
