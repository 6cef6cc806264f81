# Two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test test-fast build lint format bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/python -m equity build --if-stale

# `streamlit run app.py`, importing the app's libraries while the browser loads (ui/launch.py)
# Two malloc arenas, as deploy/serve.py runs its workers (less memory held by threads).
run: build
	MALLOC_ARENA_MAX=2 $(BIN)/python -m ui.launch

# N workers behind nginx on 127.0.0.1:PORT (docs/DEPLOY.md); `make run` stays one process.
WORKERS ?= 2
PORT ?= 8501
serve: build
	scripts/install-proxy
	$(BIN)/python -m deploy.serve --workers $(WORKERS) --port $(PORT)

test: build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The developer's lane: no browser, no widget sweep or URL fuzz (markers in pyproject.toml).
test-fast: build
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: build
	$(BIN)/python -m bench

clean:
	rm -rf data/extracts $(VENV)
