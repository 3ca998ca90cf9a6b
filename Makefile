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
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip setuptools uv || true
	@if [ -x $(BIN)/uv ]; then \
		$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'; \
	else \
		$(BIN)/python -m pip install -q -e '.[dev]'; \
	fi
	@touch $(STAMP)

# The Docker image installs exactly these versions, checked by hash (its Python is 3.11 on
# Linux); run after changing dependencies in pyproject.toml. pip and setuptools are pinned too:
# the image builds the project with the locked setuptools.
lock: $(STAMP)
	printf 'pip\nsetuptools>=69\n' | $(BIN)/uv pip compile pyproject.toml - --quiet \
		--python-version 3.11 --python-platform linux --generate-hashes \
		--custom-compile-command 'make lock' --output-file requirements.lock

clean:
	rm -rf $(VENV) mlruns mlartifacts mlflow.db models/*.joblib models/*.json .demo
