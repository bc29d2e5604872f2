#!/usr/bin/env bash
# Builds the pinned control-plane and test binaries (hack/versions.env) from the Go module proxy, and
# maglev-render (hack/renderer: Helm's template engine for the operator) from this repository.
# Each binary is cached by version under $MAGLEV_CACHE/bin and rebuilt only when missing;
# $MAGLEV_CACHE/current/ holds links to the pinned versions (put it on PATH).
# Usage: hack/tools.sh [ensure|path|list]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/versions.env
. "$here/versions.env"
cache=${MAGLEV_CACHE:-$HOME/.cache/maglev-operator}
bin="$cache/bin"
current="$cache/current"
work="$cache/build"
mkdir -p "$bin" "$current" "$work"
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '[tools] %s\n' "$*" >&2; }

# k8s_binaries: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from one wrapper
# module whose replace lines point the staging modules at their published v0.x versions.
k8s_binaries() {
  local v=$KUBERNETES_VERSION staging=v0.${KUBERNETES_VERSION#v1.} dir="$work/kubernetes-$KUBERNETES_VERSION"
  local names=(kube-apiserver kube-controller-manager kube-scheduler kubectl) missing=0 n
  for n in "${names[@]}"; do [ -x "$bin/$n@$v" ] || missing=1; done
  [ $missing = 1 ] || return 0
  log "building Kubernetes $v (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); cold build takes a while"
  mkdir -p "$dir" && cd "$dir"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module maglev.local/k8s-tools"
    echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')"
    echo "require k8s.io/kubernetes $v"
    grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging/src/' "$gomod" |
      awk -v sv="$staging" '{print "replace " $1 " => " $1 " " sv}'
  } > go.mod
  local pkgs=()
  for n in "${names[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$n"); done
  local versioned=()
  for n in "${pkgs[@]}"; do versioned+=("$n@$v"); done
  go get "${versioned[@]}" >&2   # without @version, go get would move k8s.io/kubernetes to latest
  local major minor ld
  major=$(echo "$v" | cut -d. -f1 | tr -d v); minor=$(echo "$v" | cut -d. -f2)
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  mkdir -p out && go build -trimpath -ldflags "$ld" -o out/ "${pkgs[@]}" >&2
  for n in "${names[@]}"; do mv "out/$n" "$bin/$n@$v"; done
}

# etcd: the server module uses relative replace lines, so it is built from a wrapper module too.
etcd_binary() {
  local v=$ETCD_VERSION dir="$work/etcd-$ETCD_VERSION"
  [ -x "$bin/etcd@$v" ] && return 0
  log "building etcd $v"
  mkdir -p "$dir" && cd "$dir"
  printf 'module maglev.local/etcd-tools\ngo %s\nrequire go.etcd.io/etcd/server/v3 %s\n' \
    "$(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')" "$v" > go.mod
  go get "go.etcd.io/etcd/server/v3@$v" >&2
  go build -trimpath -ldflags "-s -w" -o "$bin/etcd@$v" go.etcd.io/etcd/server/v3
}

# go_install NAME PACKAGE VERSION: modules without replace lines install directly.
go_install() {
  local name=$1 pkg=$2 v=$3 tmp
  [ -x "$bin/$name@$v" ] && return 0
  log "building $name $v"
  tmp=$(mktemp -d "$work/gobin.XXXX")
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$pkg@$v" >&2
  mv "$tmp/$(basename "$pkg")" "$bin/$name@$v"
  rm -rf "$tmp"
}

# renderer_binary: maglev-render (hack/renderer), Helm's template engine at the pinned helm version, kept warm
# by the operator. Cached under a digest of its sources, so a change to them builds it again.
renderer_binary() {
  local src="$here/renderer" sum
  grep -q "helm.sh/helm/v3 $HELM_VERSION\$" "$src/go.mod" || { log "hack/renderer/go.mod must require helm.sh/helm/v3 $HELM_VERSION (hack/versions.env)"; return 1; }
  sum=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)
  if [ ! -x "$bin/maglev-render@$sum" ]; then
    log "building maglev-render ($sum)"
    ( cd "$src" && go build -trimpath -ldflags "-s -w" -o "$bin/maglev-render@$sum.tmp" . >&2 )
    mv "$bin/maglev-render@$sum.tmp" "$bin/maglev-render@$sum"
  fi
  ln -sfn "$bin/maglev-render@$sum" "$current/maglev-render"
}

link_current() {
  local n
  for n in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    ln -sfn "$bin/$n@$KUBERNETES_VERSION" "$current/$n"
  done
  ln -sfn "$bin/etcd@$ETCD_VERSION" "$current/etcd"
  ln -sfn "$bin/kwok@$KWOK_VERSION" "$current/kwok"
  ln -sfn "$bin/helm@$HELM_VERSION" "$current/helm"
  ln -sfn "$bin/registry@$REGISTRY_VERSION" "$current/registry"
}

ensure() {
  local start=$SECONDS
  ( etcd_binary )
  ( go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" )
  ( go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" )
  ( go_install registry github.com/distribution/distribution/v3/cmd/registry "$REGISTRY_VERSION" )
  ( k8s_binaries )
  link_current
  renderer_binary
  log "tools ready in $current ($((SECONDS - start))s)"
}

case "${1:-ensure}" in
  ensure) ensure ;;
  path) echo "$current" ;;
  list) ls -l "$current" ;;
  *) echo "usage: hack/tools.sh [ensure|path|list]" >&2; exit 2 ;;
esac
