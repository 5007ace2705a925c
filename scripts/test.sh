#!/usr/bin/env bash
# The project's test command (`npm test`): tools, type check, lint, then the jest projects unit -> workflow ->
# integration -> cluster (each only when it has test files), stopping at the first failure.
#
# Last line, always: `N passed, N failed` -- jest's numPassedTests / numFailedTests summed over the projects
# that ran. A failure that has no failing test behind it (install-tools, tsc or eslint failing, a test file
# that could not run, jest failing before it reports) adds 1 to "failed", so the line never says 0 failed
# when the run failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/osgp-test-results.XXXXXX")
EXTRA_FAILED=0
FAILED_STEP=""

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '\n[test] %s\n' "$*"; }

summary() {
  local rc=$?
  local counts
  counts=$(node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    let passed = 0, failed = Number(process.argv[2]);
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json"))) {
      try {
        const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
        passed += r.numPassedTests || 0;
        failed += (r.numFailedTests || 0) + (r.numRuntimeErrorTestSuites || 0);
      } catch (e) {
        failed += 1; // unreadable report
      }
    }
    console.log(`${passed} passed, ${failed} failed`);
  ' "$RESULTS" "$EXTRA_FAILED" 2>/dev/null) || counts="0 passed, $((EXTRA_FAILED + 1)) failed"
  rm -rf "$RESULTS"
  if [[ -n "$FAILED_STEP" ]]; then
    say "FAILED: $FAILED_STEP (after $(secs "$START"))"
  elif [[ $rc -ne 0 ]]; then
    say "FAILED (exit $rc, after $(secs "$START"))"
    [[ "$counts" == *" 0 failed" ]] && counts="${counts% 0 failed} 1 failed"
  else
    say "all steps passed in $(secs "$START")"
  fi
  echo "$counts"
  exit "$rc"
}
START=$(now)
trap summary EXIT

# PGlite (the embedded database) loads its WASM with a dynamic import, which jest's VM allows only with this.
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --disable-warning=ExperimentalWarning"

# step <name> <command...>: runs it, times it, stops the script on failure.
step() {
  local name="$1" t
  shift
  say "$name: $*"
  t=$(now)
  if "$@"; then
    say "$name: ok ($(secs "$t"))"
  else
    local rc=$?
    say "$name: failed with exit code $rc ($(secs "$t"))"
    EXTRA_FAILED=$((EXTRA_FAILED + 1))
    FAILED_STEP="$name"
    exit "$rc"
  fi
}

# jest_project <project>: runs one jest project, with its results in $RESULTS/<project>.json.
jest_project() {
  local project="$1" out="$RESULTS/$1.json"
  if ! find "test/$project" -name '*.test.ts' -print -quit 2>/dev/null | grep -q .; then
    say "jest $project: no test files in test/$project, skipped"
    return 0
  fi
  local t rc=0
  say "jest $project"
  t=$(now)
  local band=()
  # Integration tests share one Temporal namespace and its fixed task queues: one file at a time.
  [[ "$project" == integration || "$project" == browser || "$project" == cluster ]] && band=(--runInBand)
  npx jest --selectProjects "$project" "${band[@]}" --passWithNoTests --json --outputFile "$out" || rc=$?
  if [[ $rc -ne 0 ]]; then
    # A run that failed without any failing test (e.g. globalSetup threw, or no report at all) counts as 1.
    if ! [[ -s "$out" ]] || node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      process.exit((r.numFailedTests || 0) + (r.numRuntimeErrorTestSuites || 0) > 0 ? 1 : 0);
    ' "$out" 2>/dev/null; then
      EXTRA_FAILED=$((EXTRA_FAILED + 1))
    fi
    say "jest $project: failed with exit code $rc ($(secs "$t"))"
    FAILED_STEP="jest $project"
    exit "$rc"
  fi
  say "jest $project: ok ($(secs "$t"))"
}

step install-tools bash scripts/install-tools.sh
step typecheck npx tsc --noEmit -p tsconfig.json
step typecheck-console npx tsc --noEmit -p console/tsconfig.json
# The operator console as `npm start` serves it (npm install built it too; this picks up changed sources).
step build-console npm run --silent build:console
if compgen -G 'eslint.config.*' >/dev/null; then
  step lint npx eslint .
else
  say "lint: no eslint.config.* file, skipped"
fi
jest_project unit
jest_project workflow
jest_project integration
jest_project browser
jest_project cluster
