#!/usr/bin/env bash
# Packs the example distro (charts/demo/1.0.0 and charts/demo/1.1.0) into bundles with `maglev distro pack`,
# stores each in a ConfigMap `demo-distro-<version>` (binaryData key bundle.tgz) in namespace NS, and, when
# REGISTRY (host:port) is given, pushes each to oci://REGISTRY/maglev/demo-distro:<version>. The bundle files
# stay in $DEMO_BUNDLE_DIR (default .demo). No chart repository and no internet are involved.
# Usage: hack/demo-bundles.sh NS [REGISTRY]   (KUBECONFIG set, dist/ built)
set -euo pipefail
cd "$(dirname "$0")/.."
ns=${1:?usage: hack/demo-bundles.sh NAMESPACE [REGISTRY]}
registry=${2:-}
kubectl=$(bash hack/tools.sh path)/kubectl
out=${DEMO_BUNDLE_DIR:-.demo}
mkdir -p "$out"
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
for version in 1.0.0 1.1.0; do
  file="$out/demo-$version.tgz"
  node dist/cli/main.js distro pack "charts/demo/$version" -o "$file" | head -n 1
  "$kubectl" -n "$ns" create configmap "demo-distro-$version" --from-file="bundle.tgz=$file" --dry-run=client -o yaml \
    | "$kubectl" apply --server-side --force-conflicts -f - >/dev/null
  echo "  -> ConfigMap $ns/demo-distro-$version"
  if [ -n "$registry" ]; then
    node dist/cli/main.js distro push "$file" "oci://$registry/maglev/demo-distro:$version" >/dev/null
    echo "  -> oci://$registry/maglev/demo-distro:$version"
  fi
done
