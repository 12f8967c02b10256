# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are for the scripts that source this file
# Shared settings of the e2e harness: where things live, the node's addresses, and helpers.
# Sourced by every script under k8s/e2e; nothing here changes the machine.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
# shellcheck source=k8s/e2e/versions.env
source "$E2E_DIR/versions.env"

# Built binaries and images survive between runs here, keyed by version.
E2E_CACHE=${E2E_CACHE:-$HOME/.cache/blog-platform-e2e}
KUBE_BIN=$E2E_CACHE/kubernetes-$KUBERNETES_VERSION
# Everything a run creates on the machine is under these two folders, one network namespace,
# one veth pair and one cgroup subtree; teardown removes exactly those.
E2E_STATE=${E2E_STATE:-/var/lib/blog-platform-e2e}
E2E_RUN=/run/blog-platform-e2e
E2E_NETNS=blog-e2e
E2E_CGROUP=blog-e2e
HOST_VETH=be2e-host
# The node lives in its own network namespace, reached from the machine over a veth pair.
HOST_IP=10.213.0.1
NODE_IP=10.213.0.2
NODE_NAME=e2e-node
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CONTAINERD_SOCKET=$E2E_RUN/containerd/containerd.sock
KUBECONFIG_ADMIN=$E2E_STATE/pki/admin.kubeconfig
# Logs outlive the run (teardown removes the state), for a look after a failure.
LOG_DIR=$REPO_DIR/.local/e2e-logs
# containerd namespace that the kubelet's images live in.
CTR=(ctr --address "$CONTAINERD_SOCKET" --namespace k8s.io)
KUBECTL=("$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN")

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command inside the node's network namespace (and only that: mounts stay the machine's,
# so the kubelet, containerd and runc see one another's mounts).
in_node() { nsenter --net="/run/netns/$E2E_NETNS" -- "$@"; }

# Starts a long-running component in the node's namespace; its pid goes to $E2E_RUN/<name>.pid.
start_component() {
  local name=$1; shift
  mkdir -p "$LOG_DIR" "$E2E_RUN"
  # nsenter execs the component, so $! is the component itself (a function here would fork).
  nsenter --net="/run/netns/$E2E_NETNS" -- "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$E2E_RUN/$name.pid"
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
