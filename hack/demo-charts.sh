#!/usr/bin/env bash
# Packages the demo distro's charts (charts/demo) at every version the demo distros use, each into a
# ConfigMap `demo-chart-<name>-<version>` (key chart.tgz) in namespace NS, so the operator installs them
# with no chart repository and no internet. Usage: hack/demo-charts.sh NS (KUBECONFIG set).
set -euo pipefail
cd "$(dirname "$0")/.."
ns=${1:?usage: hack/demo-charts.sh NAMESPACE}
tools=$(bash hack/tools.sh path)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export HELM_CACHE_HOME=$out/hc HELM_CONFIG_HOME=$out/hf HELM_DATA_HOME=$out/hd
"$tools/kubectl" create namespace "$ns" --dry-run=client -o yaml | "$tools/kubectl" apply -f - >/dev/null
pack() {
  local name=$1 version=$2 app=$3
  "$tools/helm" package "charts/demo/$name" --version "$version" --app-version "$app" -d "$out" >/dev/null
  "$tools/kubectl" -n "$ns" create configmap "demo-chart-$name-$version" --from-file="chart.tgz=$out/$name-$version.tgz" \
    --dry-run=client -o yaml | "$tools/kubectl" apply --server-side --force-conflicts -f - >/dev/null
  echo "chart $name $version -> ConfigMap $ns/demo-chart-$name-$version"
}
pack pki 1.0.0 1.0
pack postgres 12.1.0 16.1
pack postgres 12.2.0 16.2
pack gateway 1.0.0 3.6
pack web 2.0.0 2.0
pack web 2.1.0 2.1
