# The two front-door commands are `make demo` and `make test`; everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCES := classifier training serving tests benchmarks

.PHONY: demo test lint typecheck unit install lock clean

demo: $(STAMP)
	$(BIN)/ticket-priority demo

# worksteal: an idle worker takes queued tests from the other, so the long e2e and training
# tests do not pile up at the end of one worker's share (9 min 15 s -> 7 min 1 s here).
test: lint typecheck
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist worksteal --timeout 600

lint: $(STAMP)
	$(BIN)/ruff check --no-cache $(SOURCES)
	$(BIN)/ruff format --no-cache --check $(SOURCES)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist worksteal --timeout 600 tests/unit

install: $(STAMP)

# uv installs the locked-down dependency set in seconds; pip is the fallback if uv is unavailable.
# --compile-bytecode: uv writes no .pyc files by default, and with PYTHONDONTWRITEBYTECODE set
# (as on this machine) neither does Python, so every process (each server and CLI run in the tests)
# compiled mlflow, sklearn and pandas from source again: ~18 s of imports instead of ~5 s.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip setuptools uv || true
	@if [ -x $(BIN)/uv ]; then \
		$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev]'; \
	else \
		$(BIN)/python -m pip install -q -e '.[dev]'; \
	fi
	@touch $(STAMP)

# The Docker image installs exactly these versions, checked by hash; run after changing
# dependencies in pyproject.toml. One universal resolution (markers instead of one platform), so
# the image builds on x86_64 and aarch64 Linux (Graviton, Apple Silicon Docker); its Python is
# 3.11. pip and setuptools are pinned too: the image builds the project with the locked
# setuptools. pylock.toml (PEP 751) is the same resolution with each file's name beside its hash:
# tests/unit/test_lock.py reads it to check every package has a wheel for both machines.
LOCK_INPUT := printf 'pip\nsetuptools>=69\n'
LOCK_FLAGS := --quiet --universal --python-version 3.11 --custom-compile-command 'make lock'
lock: $(STAMP)
	$(LOCK_INPUT) | $(BIN)/uv pip compile pyproject.toml - $(LOCK_FLAGS) --generate-hashes \
		--output-file requirements.lock
	$(LOCK_INPUT) | $(BIN)/uv pip compile pyproject.toml - $(LOCK_FLAGS) --format pylock.toml \
		--output-file pylock.toml

clean:
	rm -rf $(VENV) mlruns mlartifacts mlflow.db models/*.joblib models/*.json .demo
