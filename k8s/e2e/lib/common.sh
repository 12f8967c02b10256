# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are for the scripts that source this file
# Shared settings of the e2e harness: where things live, the node's addresses, and helpers.
# Sourced by every script under k8s/e2e; nothing here changes the machine.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
# The one list of versions, shared with the kind and minikube installers.
# shellcheck source=k8s/versions.env
source "$REPO_DIR/k8s/versions.env"

# Built binaries and images survive between runs here.
E2E_CACHE=${E2E_CACHE:-$HOME/.cache/blog-platform-e2e}

# Every Go program of the harness: the module under k8s/e2e/go that pins it, the binary's name
# and its package. Kubernetes and the operators are other people's software built from their
# published modules; cert-manager is a small launcher of ours around its library (see its
# go.mod), probe is ours.
GO_BINARIES=(
  "kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver"
  "kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager"
  "kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler"
  "kubernetes kubelet k8s.io/kubernetes/cmd/kubelet"
  "kubernetes kube-proxy k8s.io/kubernetes/cmd/kube-proxy"
  "kubernetes kubectl k8s.io/kubernetes/cmd/kubectl"
  "kube-router kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
  "cloudnative-pg manager github.com/cloudnative-pg/cloudnative-pg/cmd/manager"
  "cert-manager cert-manager ."
  "vault vault github.com/hashicorp/vault"
  "etcd etcd go.etcd.io/etcd/server/v3"
  "traefik traefik github.com/traefik/traefik/v3/cmd/traefik"
  "metrics-server metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server"
  "plugin-barman-cloud barman-cloud github.com/cloudnative-pg/plugin-barman-cloud/cmd/manager"
  "versitygw versitygw github.com/versity/versitygw/cmd/versitygw"
  "probe probe ."
)

# module_bin MODULE: where the binaries of k8s/e2e/go/MODULE are cached, keyed by the module's
# files, so that a changed pin (or a changed source) builds anew.
module_bin() { echo "$E2E_CACHE/go/$1-$(cat "$E2E_DIR/go/$1"/* | sha256sum | cut -c1-16)"; }

# module_version MODULE PATH: the version of PATH that k8s/e2e/go/MODULE requires.
module_version() {
  awk -v path="$2" '$1 == path { print $2; exit } $1 == "require" && $2 == path { print $3; exit }' "$E2E_DIR/go/$1/go.mod"
}

# module_source MODULE PATH: the folder of the module PATH's source (downloaded when missing),
# for the manifests and charts it ships.
module_source() { (cd "$E2E_DIR/go/$1" && go mod download -json "$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }

KUBE_BIN=$(module_bin kubernetes)
# What the harness runs: the list's version, or its *_HARNESS exception. The modules under go/ pin
# the same (check_versions, and test/delivery/versions-drift.test.ts without a cluster).
TRAEFIK_VERSION=$TRAEFIK_HARNESS
GATEWAY_API_VERSION=$GATEWAY_API_HARNESS
VAULT_VERSION=$VAULT_HARNESS
KUBE_ROUTER_VERSION=$KUBE_ROUTER_HARNESS
METRICS_SERVER_VERSION=$METRICS_SERVER_HARNESS
BARMAN_CLOUD_PLUGIN_VERSION=$BARMAN_CLOUD_PLUGIN_HARNESS

# check_versions: stops when a module under go/ pins another version than the list.
check_versions() {
  local pin module path expected actual
  for pin in "kubernetes k8s.io/kubernetes $KUBERNETES_VERSION" "etcd go.etcd.io/etcd/server/v3 $ETCD_VERSION" \
    "cloudnative-pg github.com/cloudnative-pg/cloudnative-pg $CNPG_VERSION" \
    "cert-manager github.com/cert-manager/cert-manager $CERT_MANAGER_VERSION" \
    "traefik github.com/traefik/traefik/v3 $TRAEFIK_VERSION" "traefik sigs.k8s.io/gateway-api $GATEWAY_API_VERSION" \
    "vault github.com/hashicorp/vault $VAULT_VERSION" "kube-router github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION" \
    "metrics-server sigs.k8s.io/metrics-server $METRICS_SERVER_VERSION" \
    "plugin-barman-cloud github.com/cloudnative-pg/plugin-barman-cloud $BARMAN_CLOUD_PLUGIN_VERSION" \
    "versitygw github.com/versity/versitygw $VERSITYGW_VERSION"; do
    read -r module path expected <<<"$pin"
    actual=$(module_version "$module" "$path")
    [[ $actual == "$expected" ]] || die "k8s/e2e/go/$module pins $path $actual, but k8s/versions.env says $expected"
  done
}

# The images of other people's software that the harness builds (lib/images.sh), under names
# that say so.
COREDNS_IMAGE=localhost/e2e/coredns:$COREDNS_VERSION
POSTGRES_IMAGE=localhost/e2e/postgresql:17-$POSTGRES_SUITE
VAULT_IMAGE=localhost/e2e/vault:$VAULT_VERSION
CNPG_IMAGE=localhost/e2e/cloudnative-pg:${CNPG_VERSION#v}
CERT_MANAGER_IMAGE=localhost/e2e/cert-manager
CERT_MANAGER_TAG=$CERT_MANAGER_VERSION
TRAEFIK_IMAGE=localhost/e2e/traefik:$TRAEFIK_VERSION
PROBE_IMAGE=localhost/e2e/probe:e2e
METRICS_SERVER_IMAGE=localhost/e2e/metrics-server:$METRICS_SERVER_VERSION
BARMAN_CLOUD_PLUGIN_IMAGE=localhost/e2e/plugin-barman-cloud:${BARMAN_CLOUD_PLUGIN_VERSION#v}
BARMAN_CLOUD_SIDECAR_IMAGE=localhost/e2e/plugin-barman-cloud-sidecar:${BARMAN_CLOUD_PLUGIN_VERSION#v}
VERSITYGW_IMAGE=localhost/e2e/versitygw:${VERSITYGW_VERSION#v}
# Everything a run creates on the machine is under these two folders, one network namespace per
# node, one bridge with a veth pair per node, and one cgroup subtree; teardown removes exactly those.
E2E_STATE=${E2E_STATE:-/var/lib/blog-platform-e2e}
E2E_RUN=/run/blog-platform-e2e
E2E_CGROUP=blog-e2e
# The cluster: a control plane (etcd, the API server, the controller manager, the scheduler) and
# E2E_NODES worker nodes, each machine in a network namespace of its own, all on one bridge of the
# machine's, as machines on one switch. Three workers by default, so that every database has an
# instance on each and a lost worker is survivable; one for a quicker, less faithful run.
E2E_NODES=${E2E_NODES:-3}
[[ $E2E_NODES =~ ^[1-9]$ ]] || { echo "E2E_NODES must be a number of worker nodes from 1 to 9, not '$E2E_NODES'" >&2; exit 1; }
BRIDGE=be2e-br
HOST_IP=10.213.0.1
# A second address of the machine on the same link, for tests that need two clients the edge tells
# apart (its limits are per client address).
SECOND_CLIENT_IP=10.213.0.11
CONTROL_PLANE_NETNS=blog-e2e
CONTROL_PLANE_IP=10.213.0.2
# Worker N (1..E2E_NODES): its name, namespace, address on the bridge, the machine's end of its
# link, and the pods' addresses it hands out.
mapfile -t WORKERS < <(seq 1 "$E2E_NODES")
node_name() { echo "e2e-node-$1"; }
node_netns() { echo "blog-e2e-$1"; }
node_ip() { echo "10.213.0.2$1"; }
node_link() { echo "be2e-n$1"; }
node_pod_cidr() { echo "10.244.$1.0/24"; }
# Every pod address of the cluster (kube-proxy's cluster CIDR: traffic from inside it is not masqueraded).
CLUSTER_CIDR=10.244.0.0/16
# The clients outside the cluster enter through worker 1's host ports (every worker has them).
ENTRY_NODE_IP=$(node_ip 1)
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
# The release the tests install, its namespace, and the hosts the entry point serves: the API's
# and the site's (the chart's web.host).
RELEASE=blog-platform
NAMESPACE=blog
PUBLIC_HOST=blog.localtest.me
SITE_HOST=www.$PUBLIC_HOST
KUBECONFIG_ADMIN=$E2E_STATE/pki/admin.kubeconfig
# Vault's unseal keys and root token, as `vault operator init` prints them (lib/vault-unseal.sh
# init writes it, mode 0600): the run's own, never in git, gone with the state at teardown.
VAULT_INIT=$E2E_STATE/vault-init.json
# Logs outlive the run (teardown removes the state), for a look after a failure.
LOG_DIR=$REPO_DIR/.local/e2e-logs
KUBECTL=("$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN")
# Worker N's containerd, and ctr on the namespace its kubelet's images live in.
containerd_socket() { echo "$E2E_RUN/$(node_name "$1")/containerd/containerd.sock"; }
node_ctr() { local n=$1; shift; ctr --address "$(containerd_socket "$n")" --namespace k8s.io "$@"; }

# Vault's root token, from $VAULT_INIT.
vault_root_token() { node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).root_token' "$VAULT_INIT"; }
# The active Vault server's pod, as its Kubernetes service registration labels it.
VAULT_ACTIVE_SELECTOR=app.kubernetes.io/name=vault,vault-active=true
vault_active_pod() { "${KUBECTL[@]}" -n vault get pods -l "$VAULT_ACTIVE_SELECTOR" -o jsonpath='{.items[0].metadata.name}'; }
# The vault CLI in Vault's active server, with the root token lib/vault-unseal.sh init kept.
vault_cli() { "${KUBECTL[@]}" -n vault exec "$(vault_active_pod)" -- env VAULT_TOKEN="$(vault_root_token)" vault "$@"; }

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# in_netns NETNS COMMAND...: runs COMMAND in one machine's network namespace (and only that: mounts
# stay the machine's, so each kubelet, its containerd and runc see one another's mounts).
in_netns() { local netns=$1; shift; nsenter --net="/run/netns/$netns" -- "$@"; }

# start_component NETNS NAME COMMAND...: starts a long-running component in a machine's network
# namespace; its pid goes to $E2E_RUN/NAME.pid, its output to $LOG_DIR/NAME.log.
start_component() {
  local netns=$1 name=$2; shift 2
  mkdir -p "$LOG_DIR" "$E2E_RUN"
  # nsenter execs the component, so $! is the component itself (a function here would fork).
  nsenter --net="/run/netns/$netns" -- "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$E2E_RUN/$name.pid"
}

# start_kube_proxy NETNS MACHINE IP: kube-proxy on a machine (each worker, and the control plane,
# whose API server calls webhooks at Service addresses), in iptables mode.
start_kube_proxy() {
  local netns=$1 machine=$2 ip=$3 config=$E2E_STATE/conf/kube-proxy-$2.yaml
  mkdir -p "${config%/*}"
  cat >"$config" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $E2E_STATE/pki/kube-proxy.kubeconfig }
mode: iptables
clusterCIDR: $CLUSTER_CIDR
hostnameOverride: $machine
bindAddress: $ip
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
nodePortAddresses: [$ip/32]
# The conntrack table is machine-wide: leave its size and timeouts alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
  start_component "$netns" "$machine-kube-proxy" "$KUBE_BIN/kube-proxy" --config "$config"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for $what"
    sleep 1
  done
}

# Prints how long a phase took, for the cold/cached timings the README reports.
timed() {
  local what=$1; shift
  local start=$SECONDS
  "$@"
  log "$what: $((SECONDS - start))s"
}
