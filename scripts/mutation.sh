#!/usr/bin/env bash
# Mutation testing (mutmut 2, in place) of the security- and verdict-critical modules, each against
# its own test files only: a mutant the tests do not kill is a change to the code that no test
# notices. Not part of `make test` (minutes per module). See docs/testing.md.
#
#   scripts/mutation.sh                       every module below
#   scripts/mutation.sh threats/paging        one module (path under src/tongzhou, no .py)
#
# mutmut 2 rewrites the module in place and restores it after each mutant; results are kept in
# .mutmut-cache (git-ignored): `mutmut results`, `mutmut show ID`. Bytecode is not written, so a
# mutant of the same size in the same second is never served from a stale .pyc.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
MUTMUT=${MUTMUT:-$(dirname "$PYTHON")/mutmut}

declare -A TESTS=(
  [attest/dsse]="tests/attest/test_dsse.py tests/attest/test_verify_mutations.py tests/attest/test_interop.py"
  [attest/verify]="tests/attest/test_verify_mutations.py tests/attest/test_interop.py"
  [labels/binding]="tests/labels/test_binding.py tests/labels/test_text.py"
  [threats/paging]="tests/threats/test_paging.py"
  [threats/auth]="tests/threats/test_auth_cache.py tests/threats/test_auth_accounts.py"
  [threats/taxii_access]="tests/threats/test_taxii_access.py"
  [threats/stix_patterns]="tests/threats/test_stix_patterns.py"
  [gateway/halt_order]="tests/gateway/test_halt_order.py tests/gateway/test_halt_book.py"
  [gateway/halt_book]="tests/gateway/test_halt_book.py tests/gateway/test_halt_book_rules.py tests/gateway/test_halt_order.py"
  [classify/engine]="tests/classify/test_engine.py tests/classify/test_engine_dates.py tests/classify/test_golden.py"
  [classify/ruleset]="tests/classify/test_golden.py tests/classify/test_rules_data.py"
  [evaluate/stats]="tests/evaluate/test_stats.py"
  [evaluate/scorers/refusal]="tests/evaluate/test_refusal.py"
)
# Smallest first. The brief's seven, then the rest of issue 20's list.
ORDER=(threats/paging attest/dsse labels/binding gateway/halt_order evaluate/stats classify/engine attest/verify
       threats/auth gateway/halt_book classify/ruleset evaluate/scorers/refusal
       threats/stix_patterns threats/taxii_access)
modules=("$@")
[ ${#modules[@]} -eq 0 ] && modules=("${ORDER[@]}")

status=0
for module in "${modules[@]}"; do
  tests=${TESTS[$module]:-}
  if [ -z "$tests" ]; then
    echo "mutation: no test files listed for '$module' (known: ${ORDER[*]})" >&2
    exit 2
  fi
  source="src/tongzhou/$module.py"
  find src -name __pycache__ -type d -prune -exec rm -rf {} +
  echo "== $source  (tests: $tests)"
  # mutmut 2 caches the baseline test time under the hash of every file in tests/, not of the test
  # command, so a module inherits the previous module's baseline and its timeout (10 times it):
  # classify/engine run after evaluate/scorers/refusal had its first mutants timed out, not killed.
  # Each module measures its own baseline.
  [ -f .mutmut-cache ] && "$PYTHON" -c 'import sqlite3; db = sqlite3.connect(".mutmut-cache"); db.execute("DELETE FROM MiscData WHERE key IN (\"baseline_time_elapsed\", \"hash_of_tests\")"); db.commit()'
  # Each mutant's pytest run is forked from a server that has imported the third-party libraries
  # once (scripts/pytest_forkserver.py: about 1.2 s of CPU per start instead of 4.6 s);
  # MUTATION_FORKSERVER=0 starts a fresh interpreter per mutant instead.
  pytest_cmd="$PYTHON -m pytest"
  server=
  if [ "${MUTATION_FORKSERVER:-1}" != 0 ]; then
    socket=$(mktemp -u "${TMPDIR:-/tmp}/tongzhou-mutation.XXXXXX")
    PYTHONPATH=src PYTHONDONTWRITEBYTECODE=1 "$PYTHON" scripts/pytest_forkserver.py serve "$socket" &
    server=$!
    for _ in $(seq 600); do [ -S "$socket" ] || ! kill -0 "$server" 2>/dev/null && break; sleep 0.2; done
    [ -S "$socket" ] || { echo "mutation: the pytest fork server did not start" >&2; exit 2; }
    pytest_cmd="$PYTHON scripts/pytest_forkserver.py run $socket --"
  fi
  # mutmut 2 counts a mutant as killed only when the runner exits 1: pytest's 2 (a collection
  # error) and 4 (a conftest that cannot import the mutant) would read as "survived". Any failure is
  # a kill, so the runner maps every non-zero exit to 1.
  PYTHONPATH=src PYTHONDONTWRITEBYTECODE=1 "$MUTMUT" run --paths-to-mutate "$source" --tests-dir tests \
    --runner "sh -c 'env PYTHONPATH=src PYTHONDONTWRITEBYTECODE=1 $pytest_cmd -x -q -p no:cacheprovider $tests || exit 1'" \
    --no-progress --simple-output || status=$?
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$socket"; }
  git diff --quiet -- "$source" || { echo "mutation: $source was left mutated; restoring" >&2; git checkout -- "$source"; }
done
"$MUTMUT" results || true
exit $status
