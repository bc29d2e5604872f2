#!/usr/bin/env bash
# Runs the e2e suite (or the e2e files given) N times in a row against one cluster and reports, per test,
# how many runs it failed: flakes are measured, not guessed. Each run's full output (with the operator's
# debug log of every failed test) is kept in .e2e/repeat/run-K.log.
# Usage: npm run test:e2e:repeat -- N [vitest args, e.g. test/e2e/helmrelease.test.ts]
# The cluster is started once (and stopped at the end unless it was already up or E2E_KEEP_CLUSTER=1).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
shift || true
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || { echo "usage: $0 N [vitest args]" >&2; exit 2; }
out=.e2e/repeat
rm -rf "$out" && mkdir -p "$out"
npm run --silent build
was_up=0
bash hack/cluster.sh status >/dev/null 2>&1 && was_up=1
# Started here, the cluster is found running by the e2e global setup, which then reuses and keeps it.
bash hack/cluster.sh up >/dev/null
stop_cluster() { [ $was_up = 1 ] || [ "${E2E_KEEP_CLUSTER:-}" = 1 ] || bash hack/cluster.sh down >/dev/null 2>&1 || true; }
trap stop_cluster EXIT
failed_runs=0
for k in $(seq 1 "$n"); do
  t0=$SECONDS
  status=0
  npx vitest run --project e2e --reporter=default --reporter=json \
    --outputFile.json="$out/run-$k.json" "$@" >"$out/run-$k.log" 2>&1 || status=$?
  [ $status = 0 ] || failed_runs=$((failed_runs + 1))
  summary=$(tail -n 20 "$out/run-$k.log" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ *Tests +[0-9]' | sed 's/^ *//' || true)
  echo "[repeat] run $k/$n: exit $status in $((SECONDS - t0))s ($summary)"
done
npx tsx test/e2e/tally.ts "$out" "$n"
echo "[repeat] $failed_runs of $n runs failed; logs in $out/"
[ $failed_runs = 0 ]
