#!/usr/bin/env bash
# The node: containerd with runc, the CNI bridge (with host ports), the kubelet, kube-proxy and
# kube-router's network policy controller, all in the node's network namespace, with state under
# $E2E_STATE and pods' cgroups under /$E2E_CGROUP.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

PKI=$E2E_STATE/pki
CONF=$E2E_STATE/conf
mkdir -p "$CONF" "$E2E_STATE/cni" "$E2E_STATE/pod-logs" "$E2E_RUN/containerd"

# The machine has no CAP_SYS_RESOURCE: containers may not lower their OOM score below
# containerd's own (restrict_oom_score_adj). Its init is not systemd: cgroupfs, not systemd cgroups.
cat >"$CONF/containerd.toml" <<TOML
version = 2
root = "$E2E_STATE/containerd"
state = "$E2E_RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCKET"
[ttrpc]
  address = "$CONTAINERD_SOCKET.ttrpc"
[debug]
  address = "$E2E_RUN/containerd/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$E2E_STATE/containerd-opt"
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
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$E2E_STATE/cni"
TOML

cat >"$E2E_STATE/cni/10-e2e.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$E2E_STATE/cni-ipam",
        "ranges": [[{ "subnet": "$POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }]
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
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
address: $NODE_IP
healthzBindAddress: 127.0.0.1
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
cgroupDriver: cgroupfs
cgroupRoot: /$E2E_CGROUP
# This machine has a cgroup v1 hybrid hierarchy, which kubelet 1.35 refuses unless told.
failCgroupV1: false
# Without CAP_SYS_RESOURCE the kubelet cannot raise its own open-file limit past the machine's.
maxOpenFiles: 10000
failSwapOn: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $CONF/resolv.conf
podLogsDir: $E2E_STATE/pod-logs
serializeImagePulls: false
# Images are imported, never pulled: garbage collection would lose them for good.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
protectKernelDefaults: false
maxPods: 60
YAML

cat >"$CONF/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $PKI/kube-proxy.kubeconfig }
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
nodePortAddresses: [$NODE_IP/32]
# The conntrack table is machine-wide: leave its size and timeouts alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML

# The kubelet puts every pod under this cgroup, in each v1 hierarchy; teardown removes it.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -e $hierarchy/cgroup.procs ]] && mkdir -p "$hierarchy$E2E_CGROUP"
done

start_component containerd containerd --config "$CONF/containerd.toml"
wait_for containerd 30 "${CTR[@]}" version

start_component kubelet "$KUBE_BIN/kubelet" --config "$CONF/kubelet.yaml" \
  --root-dir "$E2E_STATE/kubelet" --cert-dir "$E2E_STATE/kubelet/pki" \
  --kubeconfig "$PKI/kubelet.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
start_component kube-proxy "$KUBE_BIN/kube-proxy" --config "$CONF/kube-proxy.yaml"

# NetworkPolicies are enforced by kube-router's firewall alone (iptables and ipsets in the node's
# namespace): no routing, no service proxy, no CNI of its own. It needs the node registered.
wait_for "the node to register" 60 "${KUBECTL[@]}" get node "$NODE_NAME"
"${KUBECTL[@]}" apply -f "$E2E_DIR/manifests/kube-router-rbac.yaml" >/dev/null
start_component kube-router "$(module_bin kube-router)/kube-router" --kubeconfig "$PKI/kube-router.kubeconfig" \
  --hostname-override "$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
  --enable-cni=false --service-cluster-ip-range "$SERVICE_CIDR" --metrics-port 0 --health-port 20244
