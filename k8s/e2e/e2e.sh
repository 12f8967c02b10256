#!/usr/bin/env bash
# The e2e harness: a Kubernetes cluster of a control plane and three worker nodes (E2E_NODES=1
# for one), built from source on this machine (no Docker, no kind), each machine in a network
# namespace of its own, the platform's images built from the repository's Dockerfile, and the
# chart installed with `helm install` exactly as a user would; the tests in k8s/e2e/test then run
# against it.
#
#   k8s/e2e/e2e.sh run     build or reuse the cached binaries, bring the cluster up, run the tests,
#                          tear everything down (the default; `make e2e`)
#   k8s/e2e/e2e.sh up      bring the cluster up and leave it running (prints how to reach it)
#   k8s/e2e/e2e.sh test    run the tests against a cluster that is up
#   k8s/e2e/e2e.sh down    tear down whatever a run left
#   k8s/e2e/e2e.sh cached  exit 0 when the built binaries are cached (a run then takes minutes)
#   k8s/e2e/e2e.sh deps    install the Debian packages it needs (apt-get)
#   k8s/e2e/e2e.sh preflight  check root, network namespaces, packages, Go, Node.js and disk
#
# Needs root (it makes network namespaces, a bridge, mounts and cgroups), Go, Node.js, the Debian packages
# of `deps` (installed when missing) and free disk; `preflight` checks all of it first, in seconds.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
LIB=$E2E_DIR/lib
# The tag of the images the chart installs, and the one the upgrade test moves to.
E2E_TAG=0.1.0
E2E_UPGRADE_TAG=0.1.0-e2e.2

# Debian packages the harness runs; chromium drives the site's browser test at the entry point.
PACKAGES=(containerd runc containernetworking-plugins buildah podman debootstrap iptables ipset gettext-base curl openssl chromium)

deps() {
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cached() {
  local entry module name
  for entry in "${GO_BINARIES[@]}"; do
    read -r module name _ <<<"$entry"
    [[ -x $(module_bin "$module")/$name ]] || return 1
  done
  [[ -x $E2E_CACHE/coredns-$COREDNS_VERSION/coredns ]]
}

# The Go release every module under go/ asks for (the toolchain cannot be downloaded here).
go_wanted() { sed -n 's/^go \([0-9.]*\)$/\1/p' "$E2E_DIR"/go/*/go.mod | sort -V | tail -n 1; }

# Free GiB on the filesystem of DIRECTORY (or its nearest existing parent).
free_gib() {
  local dir=$1
  until [[ -d $dir ]]; do dir=${dir%/*}; dir=${dir:-/}; done
  df -Pk "$dir" | awk 'NR == 2 { print int($4 / 1048576) }'
}

# Everything a run needs, checked before anything is built or changed; stops with what to do.
preflight() {
  [[ $(id -u) == 0 ]] || die "the harness needs root: it creates network namespaces, a bridge, mounts and cgroups (run: sudo make e2e)"
  command -v ip >/dev/null || die "ip (iproute2) is missing: apt-get install iproute2"
  { ip netns add blog-e2e-preflight 2>/dev/null && ip netns delete blog-e2e-preflight; } ||
    die "this machine does not let root create network namespaces (ip netns add); the harness needs them"
  deps || die "could not install the Debian packages ${PACKAGES[*]}: install them with apt-get, then run again"
  local wanted have
  wanted=$(go_wanted)
  command -v go >/dev/null || die "Go $wanted or later is needed (https://go.dev/dl/, or your distribution's golang package)"
  have=$(go env GOVERSION); have=${have#go}
  [[ $(printf '%s\n%s\n' "$wanted" "$have" | sort -V | head -n 1) == "$wanted" ]] ||
    die "Go $have is too old: the modules under k8s/e2e/go need Go $wanted or later"
  command -v node >/dev/null || die "Node.js 20.19 or later is needed"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old: 20.19 or later is needed"
  local need=12 free
  cached || need=40
  free=$(free_gib "$E2E_CACHE")
  ((free >= need)) || die "$E2E_CACHE has ${free} GiB free; a $(cached && echo cached || echo cold) run needs ${need} GiB"
  log "preflight: root, network namespaces, packages, Go $have, Node.js $(node --version), ${free} GiB free"
}

# The tests, helm and the images' build context come from the repository's npm dependencies.
node_modules() { [[ -d $REPO_DIR/node_modules ]] || (cd "$REPO_DIR" && npm ci --no-audit --no-fund); }

up() {
  preflight
  node_modules
  "$LIB/teardown.sh"
  mkdir -p "$E2E_STATE" "$E2E_RUN" "$LOG_DIR"
  find /run/netns -maxdepth 1 -name 'cni-*' >"$E2E_RUN/netns.before" 2>/dev/null || true
  # Two things outside the run's folders that the tools make on first use; teardown undoes them
  # only when this run made them: the kubelet's fixed device-plugin folder, and `ip netns`'s
  # mount of /run/netns.
  [[ -e /var/lib/kubelet ]] || touch "$E2E_RUN/made-var-lib-kubelet"
  mountpoint -q /run/netns || touch "$E2E_RUN/made-run-netns-mount"
  log "versions (k8s/versions.env): Kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION, CoreDNS $COREDNS_VERSION, CloudNativePG $CNPG_VERSION, cert-manager $CERT_MANAGER_VERSION, Vault $VAULT_VERSION, Traefik $TRAEFIK_VERSION, Gateway API $GATEWAY_API_VERSION, kube-router $KUBE_ROUTER_VERSION, metrics-server $METRICS_SERVER_VERSION, Barman Cloud plugin $BARMAN_CLOUD_PLUGIN_VERSION, versitygw $VERSITYGW_VERSION"
  timed "binaries" "$LIB/binaries.sh"
  "$LIB/network.sh" up
  "$LIB/pki.sh"
  timed "control plane" "$LIB/control-plane.sh"
  local n
  for n in "${WORKERS[@]}"; do timed "node $(node_name "$n")" "$LIB/node.sh" "$n"; done
  timed "images" "$LIB/images.sh" "$E2E_TAG" "$E2E_UPGRADE_TAG"
  for n in "${WORKERS[@]}"; do
    wait_for "$(node_name "$n") to be Ready" 120 "${KUBECTL[@]}" wait --for condition=Ready "node/$(node_name "$n")" --timeout 1s
  done
  timed "prerequisites" "$LIB/prerequisites.sh"
  cat >"$E2E_STATE/cluster.env" <<ENV
KUBECONFIG=$KUBECONFIG_ADMIN
E2E_KUBECTL=$KUBE_BIN/kubectl
E2E_PLATFORM_CA=$E2E_STATE/platform-ca.crt
E2E_VAULT_CA=$E2E_STATE/vault-ca.crt
E2E_NODES=$E2E_NODES
E2E_NODE_IP=$ENTRY_NODE_IP
E2E_NODE_IPS="$(for n in "${WORKERS[@]}"; do printf '%s=%s ' "$(node_name "$n")" "$(node_ip "$n")"; done)"
E2E_HOST_IP=$HOST_IP
E2E_SECOND_CLIENT_IP=$SECOND_CLIENT_IP
E2E_PUBLIC_HOST=$PUBLIC_HOST
E2E_SITE_HOST=$SITE_HOST
E2E_PROBE_IMAGE=$PROBE_IMAGE
E2E_TAG=$E2E_TAG
E2E_UPGRADE_TAG=$E2E_UPGRADE_TAG
E2E_VAULT_BINARY=$(module_bin vault)/vault
ENV
  log "cluster up; for kubectl and the tests: set -a; source $E2E_STATE/cluster.env; set +a"
}

# After a failure, before teardown: what the cluster looked like (the component logs stay in $LOG_DIR).
diagnose() {
  [[ -f $KUBECONFIG_ADMIN ]] || return 0
  log "cluster state at the failure (component logs: $LOG_DIR)"
  "${KUBECTL[@]}" get nodes,pods -A -o wide 2>&1 || true
  "${KUBECTL[@]}" get events -A --field-selector type=Warning 2>&1 | tail -20 || true
}

# The end of a run, however it ends: on a failure, show the cluster before it goes.
on_exit() {
  local status=$?
  ((status == 0)) || diagnose
  "$LIB/teardown.sh"
  exit "$status"
}

run_tests() {
  [[ -f $E2E_STATE/cluster.env ]] || die "no cluster is up (k8s/e2e/e2e.sh up)"
  node_modules
  (
    set -a
    # shellcheck source=/dev/null
    source "$E2E_STATE/cluster.env"
    cd "$REPO_DIR" && node scripts/test.mjs e2e
  )
}

case ${1:-run} in
  run)
    start=$SECONDS
    if cached; then kind=cached; else kind=cold; fi
    trap on_exit EXIT
    up
    log "cluster ready in $((SECONDS - start))s ($kind run)"
    run_tests
    log "e2e ($kind run): $((SECONDS - start))s"
    ;;
  up) up ;;
  test) run_tests ;;
  down) "$LIB/teardown.sh" ;;
  cached) cached ;;
  deps) deps ;;
  preflight) preflight ;;
  *) die "usage: e2e.sh [run|up|test|down|cached|deps|preflight]" ;;
esac
