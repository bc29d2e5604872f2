#!/usr/bin/env bash
# The README's first command: builds what is missing, starts the local control plane, installs the
# CRDs and the sample distro, and runs the operator in the foreground against it (Ctrl-C stops it;
# `npm run cluster:down` removes the cluster).
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
"$kubectl" apply --server-side -k config/crd
"$kubectl" wait --for=condition=Established crd/helmreleases.maglev.io crd/maglevdistros.maglev.io --timeout=60s
"$kubectl" create namespace maglev-system --dry-run=client -o yaml | "$kubectl" apply -f -
"$kubectl" apply -n maglev-system -f config/samples/maglevdistro.yaml
cat <<MSG

The local cluster is up and the sample distro is applied. In another terminal:
  export KUBECONFIG=$kubeconfig
  $kubectl get maglev -A           # HelmReleases and MaglevDistros with READY and STATUS
  $kubectl describe distro -n maglev-system
Metrics: http://127.0.0.1:8080/metrics   Probes: http://127.0.0.1:8081/readyz
Starting the operator (Ctrl-C to stop)...
MSG
exec node dist/cli/main.js operator --metrics-bind-address 127.0.0.1:8080 --health-probe-bind-address 127.0.0.1:8081
