# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench screenshots check clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) main.py $(ARGS)

# Exactly what CI checks: cheap lint, types and import contracts first (seconds), then the whole
# suite. pytest exits 5 when no test ran: that fails too.
test: lint
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

check: $(STAMP)
	$(PY) -m kiosk check

bench: $(STAMP)
	$(PY) benchmarks/run.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m ui.preview --all --out docs/screenshots
	QT_QPA_PLATFORM=offscreen $(PY) -m ui.preview --all --large --contrast --sizes 1280x800 \
		--out docs/screenshots
	PYTHONPATH=. $(PY) scripts/summary_screenshots.py --out docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
