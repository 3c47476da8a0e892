# The two commands a newcomer needs: `make up` runs the stack, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | sha1sum | cut -c1-10)

.PHONY: up test lint bench clean static

static: $(STATIC)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when pyproject.toml changed (the stamp carries its hash).
$(VENV)/.installed-$(HASH): $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	rm -f $(VENV)/.installed-* && touch $@

$(VENV)/.installed-dev-$(HASH): $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@ $(VENV)/.installed-$(HASH)

# hls.js and our widget/dashboard modules, bundled from npm at build time (no CDN at run time).
STATIC := reelhouse/static/.built
$(STATIC): frontend/package.json frontend/package-lock.json frontend/build.mjs $(wildcard frontend/src/*.js frontend/src/lib/*.js)
	mkdir -p reelhouse/static
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	touch $@

up: $(VENV)/.installed-$(HASH) $(STATIC)
	$(BIN)/reelhouse up

test: $(VENV)/.installed-dev-$(HASH) $(STATIC)
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev-$(HASH)
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev-$(HASH)
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache artifacts reelhouse/static frontend/node_modules
