# The two commands a newcomer needs: `make up` runs the stack, `make test` runs the suite.
# Both need Python 3.11+ and Node 18+ (npm bundles the widget and dashboard JavaScript once,
# at build time); an installed wheel already carries the bundle and needs no Node.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml setup.py | sha1sum | cut -c1-10)
# hls.js and our widget/dashboard modules, bundled from npm at build time (no CDN at run time).
STATIC := reelhouse/static/.built

.PHONY: up test lint typecheck bench clean static wheel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when pyproject.toml or setup.py changed (the stamp carries their hash).
$(VENV)/.installed-$(HASH): $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[stack,notebook]'
	rm -f $(VENV)/.installed-* && touch $@

$(VENV)/.installed-dev-$(HASH): $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@ $(VENV)/.installed-$(HASH)

$(STATIC): frontend/package.json frontend/package-lock.json frontend/build.mjs $(wildcard frontend/src/*.js frontend/src/lib/*.js)
	mkdir -p reelhouse/static dashboard/static
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	touch $@

static: $(STATIC)

up: $(VENV)/.installed-$(HASH) $(STATIC)
	$(BIN)/reelhouse up

test: lint typecheck $(STATIC)
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev-$(HASH)
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev-$(HASH)
	$(BIN)/mypy reelhouse signing_api

# A wheel (and sdist) in dist/ with the JS bundle inside: `pip install 'dist/reelhouse-*.whl[stack]'`.
wheel: $(VENV)/.installed-dev-$(HASH)
	$(BIN)/python -m build --outdir dist .

bench: $(VENV)/.installed-dev-$(HASH)
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache artifacts reelhouse/static dashboard/static frontend/node_modules build dist
