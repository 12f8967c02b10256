#!/usr/bin/env bash
# The node's network: a namespace of its own, joined to the machine by one veth pair. Every
# iptables rule the cluster writes (kube-proxy, the CNI bridge) lives in that namespace, so
# deleting it removes them all; the machine's own tables are never touched.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

network_up() {
  ip netns add "$E2E_NETNS"
  ip link add "$HOST_VETH" type veth peer name eth0 netns "$E2E_NETNS"
  ip addr add "$HOST_IP/24" dev "$HOST_VETH"
  ip addr add "$SECOND_CLIENT_IP/24" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  in_node ip link set lo up
  in_node ip addr add "$NODE_IP/24" dev eth0
  in_node ip link set eth0 up
  # Components want a default route; this one drops, so nothing in the cluster reaches past it.
  in_node ip route add blackhole default
  # The node's own connections to Service addresses (the API server calling webhooks) need a
  # route to be looked up before kube-proxy rewrites them to a pod; what it does not rewrite ends
  # in a blackhole on the machine's side.
  in_node ip route add "$SERVICE_CIDR" via "$HOST_IP" dev eth0
  ip route add blackhole "$SERVICE_CIDR"
  # The machine reaches pods through the node (probes' answers from outside the cluster).
  ip route add "$POD_CIDR" via "$NODE_IP" dev "$HOST_VETH"
  in_node sysctl -qw net.ipv4.ip_forward=1
  in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1
  in_node sysctl -qw net.ipv4.conf.all.route_localnet=1
  # Machine-wide: the kubelet and containerd watch many files; raised for the run, restored after.
  sysctl -n fs.inotify.max_user_instances >"$E2E_RUN/inotify.saved"
  sysctl -qw fs.inotify.max_user_instances=8192
}

network_down() {
  if [[ -f $E2E_RUN/inotify.saved ]]; then
    sysctl -qw fs.inotify.max_user_instances="$(cat "$E2E_RUN/inotify.saved")"
    rm -f "$E2E_RUN/inotify.saved"
  fi
  # Deleting one end of the pair deletes the other and the routes through it.
  ip link del "$HOST_VETH" 2>/dev/null || true
  ip route del blackhole "$SERVICE_CIDR" 2>/dev/null || true
  ip netns del "$E2E_NETNS" 2>/dev/null || true
}

case ${1:-} in
  up) mkdir -p "$E2E_RUN"; network_up ;;
  down) network_down ;;
  *) die "usage: network.sh up|down" ;;
esac
