#!/usr/bin/env bash
# A worker losing its power, and getting it back: what the lost-node test does to a node.
#
#   node-power.sh off N   worker N stops without warning: its link to the bridge is cut first
#                         (nothing it sends from now on reaches anyone, as when a machine's power
#                         fails), then its kubelet, containerd, kube-proxy, kube-router and every
#                         process of its pods are killed (SIGKILL: no shutdown, no goodbye to the
#                         API server); its disks (the local volumes) stay, as a powered-off
#                         machine's do
#   node-power.sh on N    worker N boots again: its link back, then its components started anew
#                         by node.sh, which find the state they left, as after a reboot
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

N=${2:?usage: node-power.sh off|on N}
NAME=$(node_name "$N")

kill_node() {
  local component pid pids
  ip link set "$(node_link "$N")" down
  for component in kubelet containerd kube-proxy kube-router; do
    pid=$(cat "$E2E_RUN/$NAME-$component.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
    rm -f "$E2E_RUN/$NAME-$component.pid"
  done
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $(containerd_socket "$N")( |$)"
  # Twice: a process forked while the first list was read is caught by the second.
  for _ in 1 2; do
    mapfile -t pids < <(find /sys/fs/cgroup/*/"$E2E_CGROUP/$NAME" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
    ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
    sleep 0.2
  done
  return 0
}

boot_node() {
  ip link set "$(node_link "$N")" up
  "$(dirname "$0")/node.sh" "$N"
}

case ${1:-} in
  off) kill_node ;;
  on) boot_node ;;
  *) die "usage: node-power.sh off|on N" ;;
esac
