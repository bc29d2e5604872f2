#!/usr/bin/env bash
# A local Kubernetes control plane for development and e2e tests, built from the pinned binaries
# (hack/tools.sh): etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (one
# simulated Ready node), an OCI registry, and local-cloud (hack/local-cloud.mjs: a default StorageClass whose
# claims get bound volumes, and addresses for LoadBalancer Services), all on free 127.0.0.1 ports.
#
#   hack/cluster.sh up       start (or reuse a healthy running cluster); last line = kubeconfig path
#   hack/cluster.sh down     stop every process it started (by pid) and delete its data
#   hack/cluster.sh status   show each component; exit 0 only when the cluster is healthy
#   hack/cluster.sh restart C  restart one component (e.g. kube-apiserver) with the same arguments
#
# State lives in $MAGLEV_CLUSTER_DIR (default ~/.cache/maglev-operator/cluster); cluster.json there
# lists the ports (apiserver, registry) for tests. $MAGLEV_KCM_FLAGS (words split on spaces) adds flags to
# kube-controller-manager at `up`, e.g. "--kube-api-qps 500 --kube-api-burst 1000" to lift its client limit
# for a diagnostic; the tests and benchmarks run with its defaults.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MAGLEV_CACHE:-$HOME/.cache/maglev-operator}
state=${MAGLEV_CLUSTER_DIR:-$cache/cluster}
pki="$state/pki" logs="$state/logs" pids="$state/pids"
kubeconfig="$state/kubeconfig"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok registry local-cloud)

log() { printf '[cluster] %s\n' "$*" >&2; }
bin() { if [ "$1" = local-cloud ]; then echo "$here/local-cloud.mjs"; else echo "$cache/current/$1"; fi; }
kctl() { "$(bin kubectl)" --kubeconfig "$kubeconfig" "$@"; }

alive() { # alive NAME: its recorded pid is running
  local f="$pids/$1"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

healthy() {
  local c
  [ -f "$kubeconfig" ] || return 1
  for c in "${components[@]}"; do alive "$c" || return 1; done
  [ "$(kctl get --raw /readyz 2>/dev/null)" = ok ]
}

free_ports() { # free_ports N: N distinct free TCP ports on 127.0.0.1
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const servers = []; const ports = [];
    const next = () => {
      if (ports.length === n) { servers.forEach((s) => s.close()); console.log(ports.join(" ")); return; }
      const s = net.createServer(); servers.push(s);
      s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); next(); });
    };
    next();' "$1"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "timed out waiting for $what; logs in $logs"; return 1; fi
    sleep 0.3
  done
}

start() { # start NAME ARGS...: run in its own session, log to logs/NAME.log, record pid and arguments
  local name=$1; shift
  printf '%s\0' "$@" > "$state/args.$name"
  # Without the caller's other open files: a daemon that inherited, say, a flock(1) lock would hold it for good.
  ( close_inherited_fds; exec setsid "$(bin "$name")" "$@" >>"$logs/$name.log" 2>&1 < /dev/null ) &
  echo $! > "$pids/$name"
}

close_inherited_fds() { # closes every open file descriptor above 2 of this shell
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
  done
  return 0
}

stop_one() { # stop_one NAME: TERM its process group, KILL after 10 s
  local pid i
  [ -f "$pids/$1" ] || return 0
  pid=$(cat "$pids/$1")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pids/$1"
}

# How long kube-controller-manager and kube-scheduler keep leading without reaching kube-apiserver: their
# default --leader-elect-renew-deadline. On a real control plane they run with leader election, so an API
# server outage longer than this makes them exit, and their kubelet starts them again with fresh caches.
lease_renew_deadline=10

restart() { # restart NAME [DOWN_SECONDS]: stop one component, stay down that long, start it with the same arguments
  local name=$1 down_for=${2:-0} args=() c
  [ -f "$state/args.$name" ] || { log "no running cluster component named $name"; return 1; }
  mapfile -d '' args < "$state/args.$name"
  stop_one "$name"
  if [ "$down_for" -gt 0 ]; then log "$name stopped; down for ${down_for}s"; sleep "$down_for"; fi
  start "$name" "${args[@]}"
  if [ "$name" = kube-apiserver ]; then wait_for 60 "kube-apiserver /readyz" kctl get --raw /readyz; fi
  log "restarted $name (pid $(cat "$pids/$name"))"
  # Here they run with --leader-elect=false and would carry on with caches that lived through the outage (we
  # saw a ReplicaSet's readyReplicas stay 0 for minutes after its pods turned Ready during one), so do what
  # their lost lease would do on a real control plane.
  if [ "$name" = kube-apiserver ] && [ "$down_for" -gt "$lease_renew_deadline" ]; then
    for c in kube-controller-manager kube-scheduler; do
      log "kube-apiserver was down longer than the ${lease_renew_deadline}s lease renew deadline; restarting $c as its lost lease would"
      restart "$c" 0
    done
  fi
}

make_pki() {
  mkdir -p "$pki" && cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=maglev-local-ca" 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 -extfile server.ext 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > client.ext
  openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=maglev-admin" 2>/dev/null
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 -extfile client.ext 2>/dev/null
  cd - >/dev/null
}

write_kubeconfig() { # write_kubeconfig APISERVER_PORT
  local b64
  b64() { base64 -w0 < "$1"; }
  cat > "$kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: maglev-local
  cluster:
    server: https://127.0.0.1:$1
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: maglev-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: maglev-local
  context: { cluster: maglev-local, user: maglev-admin, namespace: default }
current-context: maglev-local
KC
  chmod 600 "$kubeconfig"
}

up() {
  local t0=$SECONDS
  if healthy; then log "already running"; echo "$kubeconfig"; return 0; fi
  [ -d "$state" ] && { log "found a stale cluster; cleaning it up first"; down >/dev/null; }
  bash "$here/tools.sh" ensure
  mkdir -p "$state" "$logs" "$pids" "$state/registry"
  local p etcd_client etcd_peer api cm sched kwok_port registry
  read -r etcd_client etcd_peer api cm sched kwok_port registry <<< "$(free_ports 7)"
  make_pki
  write_kubeconfig "$api"

  start etcd --name maglev --data-dir "$state/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_client" --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "maglev=http://127.0.0.1:$etcd_peer" --log-level warn
  wait_for 30 etcd curl -fsS "http://127.0.0.1:$etcd_client/health"

  start kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_client" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api" \
    --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC --allow-privileged=true \
    --enable-priority-and-fairness=false --profiling=false --cert-dir "$pki/generated"
  wait_for 60 "kube-apiserver /readyz" kctl get --raw /readyz

  local kcm_flags=()
  read -r -a kcm_flags <<< "${MAGLEV_KCM_FLAGS:-}"
  local auth=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" --bind-address 127.0.0.1 --leader-elect=false)
  start kube-controller-manager "${auth[@]}" --secure-port "$cm" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials=false \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" --profiling=false \
    ${kcm_flags[@]+"${kcm_flags[@]}"}
  start kube-scheduler "${auth[@]}" --secure-port "$sched" --profiling=false
  start kwok --kubeconfig "$kubeconfig" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --config "$here/kwok-stages.yaml" \
    --cidr 10.244.0.0/16 --node-ip 10.0.0.1 --server-address "127.0.0.1:$kwok_port" --node-lease-duration-seconds 40
  cat > "$state/registry.yaml" <<RY
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $state/registry }
  delete: { enabled: true }
http: { addr: "127.0.0.1:$registry" }
RY
  start registry serve "$state/registry.yaml"
  start local-cloud "$kubeconfig"

  kctl apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels: { type: kwok, kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64 }
NODE
  wait_for 60 "a Ready node" kctl wait --for=condition=Ready node/kwok-node-0 --timeout=1s
  wait_for 60 "the default ServiceAccount" kctl get serviceaccount default -n default
  wait_for 30 "the registry" curl -fsS "http://127.0.0.1:$registry/v2/"
  for p in "${components[@]}"; do alive "$p" || { log "$p exited; see $logs/$p.log"; return 1; }; done
  printf '{"kubeconfig":"%s","apiserver":"https://127.0.0.1:%s","registry":"127.0.0.1:%s","kubernetesVersion":"%s"}\n' \
    "$kubeconfig" "$api" "$registry" "$(. "$here/versions.env"; echo "$KUBERNETES_VERSION")" > "$state/cluster.json"
  log "ready in $((SECONDS - t0))s: apiserver https://127.0.0.1:$api, registry 127.0.0.1:$registry"
  echo "$kubeconfig"
}

down() {
  local c pid
  for c in "${components[@]}"; do # TERM all first so they stop together, then wait for each
    [ -f "$pids/$c" ] || continue
    pid=$(cat "$pids/$c")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for c in "${components[@]}"; do stop_one "$c"; done
  rm -rf "$state"
  log "stopped and removed $state"
}

status() {
  local c ok=0
  for c in "${components[@]}"; do
    if alive "$c"; then printf '%-24s running (pid %s)\n' "$c" "$(cat "$pids/$c")"; else printf '%-24s not running\n' "$c"; ok=1; fi
  done
  if [ -f "$kubeconfig" ] && [ "$(kctl get --raw /readyz 2>/dev/null)" = ok ]; then
    echo "apiserver /readyz        ok"; kctl get nodes --no-headers 2>/dev/null | sed 's/^/node                     /'
  else
    echo "apiserver /readyz        unreachable"; ok=1
  fi
  echo "$kubeconfig"
  return $ok
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  restart) restart "${2:?usage: hack/cluster.sh restart COMPONENT [DOWN_SECONDS]}" "${3:-0}" ;;
  *) echo "usage: hack/cluster.sh up|down|status|restart COMPONENT [DOWN_SECONDS]" >&2; exit 2 ;;
esac
