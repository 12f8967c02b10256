#!/usr/bin/env bash
# The cluster's network: a namespace for each machine (the control plane and every worker), each
# joined by a veth pair to one bridge of the machine's, as machines on one switch. Every iptables
# rule the cluster writes (kube-proxy, the CNI bridge, kube-router) lives in those namespaces, so
# deleting them removes them all; the machine's own tables are never touched.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

# machine NETNS LINK IP: a namespace on the bridge at IP, with routes to every worker's pods (via
# that worker) and to the Service range.
machine() {
  local netns=$1 link=$2 ip=$3 n
  ip netns add "$netns"
  ip link add "$link" type veth peer name eth0 netns "$netns"
  ip link set "$link" master "$BRIDGE" up
  in_netns "$netns" ip link set lo up
  in_netns "$netns" ip addr add "$ip/24" dev eth0
  in_netns "$netns" ip link set eth0 up
  # Components want a default route; this one drops, so nothing in the cluster reaches past it.
  in_netns "$netns" ip route add blackhole default
  # A machine's own connections to Service addresses (the API server calling webhooks, pods on
  # the node network) need a route to be looked up before kube-proxy rewrites them to a pod; what
  # it does not rewrite ends in a blackhole on the machine's side.
  in_netns "$netns" ip route add "$SERVICE_CIDR" via "$HOST_IP" dev eth0
  for n in "${WORKERS[@]}"; do
    [[ $(node_ip "$n") == "$ip" ]] || in_netns "$netns" ip route add "$(node_pod_cidr "$n")" via "$(node_ip "$n")" dev eth0
  done
  in_netns "$netns" sysctl -qw net.ipv4.ip_forward=1
  in_netns "$netns" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  in_netns "$netns" sysctl -qw net.ipv4.conf.all.route_localnet=1
  # Replies from another node's pods arrive on eth0 while this node routes them elsewhere at times
  # (hairpin through the bridge): no reverse-path filter, as on cloud nodes with a pod network.
  in_netns "$netns" sysctl -qw net.ipv4.conf.all.rp_filter=0
  in_netns "$netns" sysctl -qw net.ipv4.conf.default.rp_filter=0
}

network_up() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$HOST_IP/24" dev "$BRIDGE"
  ip addr add "$SECOND_CLIENT_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  machine "$CONTROL_PLANE_NETNS" be2e-cp "$CONTROL_PLANE_IP"
  local n
  for n in "${WORKERS[@]}"; do
    machine "$(node_netns "$n")" "$(node_link "$n")" "$(node_ip "$n")"
    # The machine reaches pods through their node (probes' answers from outside the cluster).
    ip route add "$(node_pod_cidr "$n")" via "$(node_ip "$n")" dev "$BRIDGE"
  done
  ip route add blackhole "$SERVICE_CIDR"
  # Machine-wide: the kubelets and containerds watch many files; raised for the run, restored after.
  sysctl -n fs.inotify.max_user_instances >"$E2E_RUN/inotify.saved"
  sysctl -qw fs.inotify.max_user_instances=8192
}

network_down() {
  if [[ -f $E2E_RUN/inotify.saved ]]; then
    sysctl -qw fs.inotify.max_user_instances="$(cat "$E2E_RUN/inotify.saved")"
    rm -f "$E2E_RUN/inotify.saved"
  fi
  local netns
  # Deleting a namespace deletes its end of each pair, the other end, and the routes through it.
  for netns in $(ip netns list | awk '{print $1}' | grep -E "^$CONTROL_PLANE_NETNS(-[0-9]+)?$"); do
    ip netns del "$netns" 2>/dev/null || true
  done
  # A namespace that something still holds outlives `ip netns del`, and with it the machine's end
  # of its pair (the likely cause of a run's network setup failing with "File exists" right after
  # a lost-node test, seen once). Deleting that end deletes the pair.
  local link
  for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^be2e-'); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  ip route del blackhole "$SERVICE_CIDR" 2>/dev/null || true
}

case ${1:-} in
  up) mkdir -p "$E2E_RUN"; network_up ;;
  down) network_down ;;
  *) die "usage: network.sh up|down" ;;
esac
