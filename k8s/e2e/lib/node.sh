#!/usr/bin/env bash
# Worker node N (node.sh N): containerd with runc, the CNI bridge (with host ports), the kubelet,
# kube-proxy and kube-router's network policy controller, all in the node's network namespace,
# with state under $E2E_STATE/<node> and its pods' cgroups under /$E2E_CGROUP/<node>, so that one
# node can be stopped without the others.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

N=${1:?usage: node.sh N (a worker, 1 to $E2E_NODES)}
NAME=$(node_name "$N")
NETNS=$(node_netns "$N")
IP=$(node_ip "$N")
SOCKET=$(containerd_socket "$N")
PKI=$E2E_STATE/pki
STATE=$E2E_STATE/$NAME
RUN=$E2E_RUN/$NAME
CONF=$STATE/conf
mkdir -p "$CONF" "$STATE/cni" "$STATE/pod-logs" "$RUN/containerd" "$RUN/runc"

# The machine has no CAP_SYS_RESOURCE: containers may not lower their OOM score below
# containerd's own (restrict_oom_score_adj). Its init is not systemd: cgroupfs, not systemd cgroups.
# runc's state goes under the node's run folder: by default every node's runc would share one.
cat >"$CONF/containerd.toml" <<TOML
version = 2
root = "$STATE/containerd"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$SOCKET"
[ttrpc]
  address = "$SOCKET.ttrpc"
[debug]
  address = "$RUN/containerd/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$RUN/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni"
TOML

cat >"$STATE/cni/10-e2e.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$STATE/cni-ipam",
        "ranges": [[{ "subnet": "$(node_pod_cidr "$N")" }]], "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

# No resolver of the machine's reaches into the cluster: pods with dnsPolicy Default get none.
: >"$CONF/resolv.conf"

cat >"$CONF/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $PKI/kubelet-serving-$N.crt
tlsPrivateKeyFile: $PKI/kubelet-serving-$N.key
address: $IP
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix://$SOCKET
cgroupDriver: cgroupfs
cgroupRoot: /$E2E_CGROUP/$NAME
# This machine has a cgroup v1 hybrid hierarchy, which kubelet 1.35 refuses unless told.
failCgroupV1: false
# Without CAP_SYS_RESOURCE the kubelet cannot raise its own open-file limit past the machine's.
maxOpenFiles: 10000
failSwapOn: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $CONF/resolv.conf
podLogsDir: $STATE/pod-logs
serializeImagePulls: false
# Images are imported, never pulled: garbage collection would lose them for good.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
protectKernelDefaults: false
maxPods: 60
YAML

# The kubelet puts every pod under this cgroup, in each v1 hierarchy; teardown removes it.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -e $hierarchy/cgroup.procs ]] && mkdir -p "$hierarchy$E2E_CGROUP/$NAME"
done

start_component "$NETNS" "$NAME-containerd" containerd --config "$CONF/containerd.toml"
wait_for "containerd on $NAME" 30 node_ctr "$N" version

start_component "$NETNS" "$NAME-kubelet" "$KUBE_BIN/kubelet" --config "$CONF/kubelet.yaml" \
  --root-dir "$STATE/kubelet" --cert-dir "$STATE/kubelet/pki" \
  --kubeconfig "$PKI/kubelet-$N.kubeconfig" --hostname-override "$NAME" --node-ip "$IP"
start_kube_proxy "$NETNS" "$NAME" "$IP"

# NetworkPolicies are enforced by kube-router's firewall alone (iptables and ipsets in the node's
# namespace): no routing, no service proxy, no CNI of its own. It needs the node registered.
wait_for "$NAME to register" 60 "${KUBECTL[@]}" get node "$NAME"
"${KUBECTL[@]}" apply -f "$E2E_DIR/manifests/kube-router-rbac.yaml" >/dev/null
start_component "$NETNS" "$NAME-kube-router" "$(module_bin kube-router)/kube-router" --kubeconfig "$PKI/kube-router.kubeconfig" \
  --hostname-override "$NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
  --enable-cni=false --service-cluster-ip-range "$SERVICE_CIDR" --metrics-port 0 --health-port 20244
