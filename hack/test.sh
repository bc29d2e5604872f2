#!/usr/bin/env bash
# The one test command (npm test, called by .ci/run): installs what is missing (npm packages,
# the pinned control-plane binaries), builds, checks types and lint, then runs unit and e2e tests
# in one vitest run and prints a plain "tests: N passed, N failed, N skipped" line at the end.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS

bash hack/deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm install, not npm ci: lockfiles here carry no download addresses (omit-lockfile-registry-resolved),
  # and npm then leaves other platforms' optional packages out of the lock, which npm ci rejects.
  # npm install still installs exactly the locked versions.
  echo "[test] installing npm packages"
  npm install --no-audit --no-fund
fi
bash hack/tools.sh ensure
echo "[test] build, typecheck, lint"
npm run --silent build
npm run --silent typecheck
npm run --silent lint

cluster_dir=${MAGLEV_CLUSTER_DIR:-${MAGLEV_CACHE:-$HOME/.cache/maglev-operator}/cluster}
was_up=0
bash hack/cluster.sh status >/dev/null 2>&1 && was_up=1

mkdir -p .e2e
report=.e2e/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);' "$report"
fi
# A cluster this run started is stopped by the e2e teardown: check that nothing of it is left running.
if [ $was_up = 0 ] && [ -z "${E2E_KUBECONFIG:-}" ] && [ "${E2E_KEEP_CLUSTER:-}" != 1 ]; then
  left=$(pgrep -f "$cluster_dir" | wc -l || true)
  if [ "$left" -gt 0 ]; then
    echo "[test] cluster down left $left processes running:"; pgrep -af "$cluster_dir"; status=1
  else
    echo "[test] cluster down left no process running"
  fi
fi
echo "[test] finished in $((SECONDS - t0))s with exit code $status"
exit $status
