#!/usr/bin/env bash
# The README's first command: builds what is missing, starts the local control plane, installs the CRDs,
# packs the example distro (charts/demo) into two bundles, 1.0.0 and 1.1.0, puts them in ConfigMaps and in
# the local OCI registry (hack/demo-bundles.sh), applies the demo distro 1.0.0 (config/samples/demo-distro.yaml)
# and runs the operator, showing the distro come up; then the operator keeps running in the foreground for
# the tour it prints (Ctrl-C stops it; `npm run cluster:down` removes the cluster). Needs no internet: no
# chart repository is involved.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund   # not npm ci: see hack/test.sh
fi
kubeconfig=$(bash hack/cluster.sh up | tail -n 1)
export KUBECONFIG=$kubeconfig
kubectl=$(bash hack/tools.sh path)/kubectl
npm run --silent build
"$kubectl" apply --server-side -k config/crd >/dev/null
"$kubectl" wait --for=condition=Established crd/helmreleases.maglev.io crd/maglevdistros.maglev.io --timeout=60s >/dev/null
registry=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).registry ?? "")' "$(dirname "$kubeconfig")/cluster.json")
bash hack/demo-bundles.sh maglev-demo "$registry"
mkdir -p .demo
node dist/cli/main.js operator --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081 > .demo/operator.log 2>&1 &
operator=$!
trap 'kill $operator 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
# A demo distro left by an earlier run (perhaps upgraded) is removed first, so the tour starts at 1.0.0.
if "$kubectl" get distro demo -n maglev-demo >/dev/null 2>&1; then
  echo "removing the demo distro of an earlier run..."
  "$kubectl" delete distro demo -n maglev-demo --timeout=180s
fi
"$kubectl" apply -f config/samples/demo-distro.yaml
echo "waiting for the distro to be Ready (kubectl wait --for=condition=Ready distro/demo -n maglev-demo)..."
if ! "$kubectl" wait --for=condition=Ready distro/demo -n maglev-demo --timeout=180s; then
  echo "the demo distro did not become Ready; the operator's log is in .demo/operator.log" >&2
  "$kubectl" get maglev -n maglev-demo >&2 || true
  exit 1
fi
"$kubectl" get maglev -n maglev-demo
cat <<MSG

The demo distro 1.0.0 is Ready: four components from one bundle, each a HelmRelease the helm CLI also sees.
Try, in another terminal:
  cd $PWD && export KUBECONFIG=$kubeconfig
  alias kubectl=$kubectl maglev="node $PWD/dist/cli/main.js"
  kubectl get distro demo -n maglev-demo -o yaml                    # plan, components, history
  maglev distro inspect .demo/demo-1.1.0.tgz                         # the next version: levels, charts
  maglev distro diff .demo/demo-1.1.0.tgz -n maglev-demo demo        # what upgrading would do (postgres is Manual)
  kubectl apply -f config/samples/demo-distro-1.1.0.yaml             # upgrade: postgres (Manual) and web
  kubectl get distro demo -n maglev-demo -o jsonpath='{.status.conditions[?(@.type=="AwaitingApproval")].message}'
  kubectl patch distro demo -n maglev-demo --type merge \\
    -p "{\\"spec\\":{\\"approvedPlan\\":\\"\$(kubectl get distro demo -n maglev-demo -o jsonpath='{.status.plan.id}')\\"}}"
  kubectl wait --for=jsonpath='{.status.version}'=1.1.0 distro/demo -n maglev-demo
  kubectl apply -f config/samples/demo-distro.yaml                  # back to 1.0.0 (dependents first; approve again)
  kubectl delete distro demo -n maglev-demo                         # removes every component, in reverse order
The same bundles are in the local OCI registry: spec.bundle.url: oci://$registry/maglev/demo-distro:1.1.0
Metrics: http://127.0.0.1:8080/metrics   Probes: http://127.0.0.1:8081/readyz   Operator log: .demo/operator.log
The operator keeps running; Ctrl-C stops it.
MSG
wait $operator
