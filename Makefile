# The two front-door commands are `make demo` and `make test`; everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit install clean

demo: $(STAMP)
	$(BIN)/ticket-priority demo

test: $(STAMP)
	$(BIN)/ruff check --no-cache classifier training serving tests benchmarks
	$(BIN)/ruff format --no-cache --check classifier training serving tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --timeout 600

install: $(STAMP)

# uv installs the locked-down dependency set in seconds; pip is the fallback if uv is unavailable.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q uv || true
	@if [ -x $(BIN)/uv ]; then \
		$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'; \
	else \
		$(BIN)/python -m pip install -q -e '.[dev]'; \
	fi
	@touch $(STAMP)

clean:
	rm -rf $(VENV) mlruns mlartifacts mlflow.db models/*.joblib models/*.json .demo
