# make run  — set everything up, then run the main job on the embedded default (SQLite, bundled model)
# make test — set everything up, then run the test suite
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tongzhou-installed

.PHONY: run test setup lint bench clean

setup: $(STAMP)

# Four phases, each announced: the first call takes about 5 minutes on 2 cores (most of it compiling
# llama.cpp once); later calls find everything done and start at once.
$(STAMP): pyproject.toml system-packages.txt scripts/install-system-packages.sh scripts/build-model-runtime.sh
	@echo "[setup 1/4] Debian packages (system-packages.txt)"
	@bash scripts/install-system-packages.sh
	@echo "[setup 2/4] Python virtual environment ($(VENV))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[setup 3/4] llama.cpp model runtime, portable build (scripts/build-model-runtime.sh)"
	@bash scripts/build-model-runtime.sh $(VENV)
	@echo "[setup 4/4] Python packages (pip install -e '.[dev]')"
	@$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | { grep -v '^WARNING: Location' || true; }
	@$(BIN)/python -m tongzhou.model_runtime.isa
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/tongzhou demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache
