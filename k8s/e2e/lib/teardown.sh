#!/usr/bin/env bash
# Removes everything a run created: processes, containers, mounts, pod network namespaces, the
# cgroup subtree, the machines' network namespaces and their bridge (and with them every iptables
# rule of the cluster) and the state folders. Safe to run when nothing, or only part, is up. The cache stays.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"
set +e

stop_pid() {
  local file=$E2E_RUN/$1.pid
  [[ -f $file ]] || return 0
  local pid; pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$file"
}

# Every process left in the pods' cgroups: the containers.
kill_cgroup_processes() {
  local pids
  mapfile -t pids < <(find /sys/fs/cgroup/*/"$E2E_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
  ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
}

remove_cgroups() {
  for root in /sys/fs/cgroup/*/"$E2E_CGROUP"; do
    [[ -d $root ]] || continue
    find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

# Anything of ours whose pid file is gone (a run killed half-way): matched by the paths only a
# run uses.
stop_strays() {
  local pattern="^($E2E_CACHE/go/|containerd --config $E2E_STATE/)"
  pkill -TERM -f "$pattern" && sleep 3
  pkill -KILL -f "$pattern"
}

# The kubelets stop first so that they restart nothing; containerd's shims outlive containerd.
# Every worker a run may have had (E2E_NODES may differ from the run's), by its pid files.
nodes=()
for file in "$E2E_RUN"/e2e-node-*-kubelet.pid; do
  [[ -f $file ]] && { file=${file##*/e2e-node-}; nodes+=("${file%-kubelet.pid}"); }
done
for n in "${nodes[@]}"; do stop_pid "$(node_name "$n")-kubelet"; done
for n in "${nodes[@]}"; do stop_pid "$(node_name "$n")-kube-router"; stop_pid "$(node_name "$n")-kube-proxy"; done
for component in e2e-control-plane-kube-proxy kube-scheduler kube-controller-manager kube-apiserver; do stop_pid "$component"; done
kill_cgroup_processes
pkill -KILL -f "containerd-shim-runc-v2 .*-address $E2E_RUN/" 2>/dev/null
for n in "${nodes[@]}"; do stop_pid "$(node_name "$n")-containerd"; done
stop_pid etcd
stop_strays
for _ in 1 2 3; do kill_cgroup_processes; sleep 0.5; done

# Pod network namespaces are bind mounts under /run/netns named by containerd (cni-…); only
# those that did not exist before the run are ours.
if [[ -f $E2E_RUN/netns.before ]]; then
  for netns in /run/netns/cni-*; do
    [[ -e $netns ]] || continue
    grep -qxF "$netns" "$E2E_RUN/netns.before" && continue
    umount "$netns" 2>/dev/null; rm -f "$netns"
  done
fi
# Overlay, tmpfs and bind mounts of containers and volumes, deepest first.
findmnt -rn -o TARGET | grep -E "^($E2E_STATE|$E2E_RUN)(/|$)" | sort -r | while read -r target; do
  umount "$target" 2>/dev/null || umount -l "$target"
done
remove_cgroups
# The kubelet links each container's log into this fixed folder.
find /var/log/containers -maxdepth 1 -type l -lname "$E2E_STATE/*" -delete 2>/dev/null

"$(dirname "$0")/network.sh" down
[[ -f $E2E_RUN/made-var-lib-kubelet ]] && rm -rf /var/lib/kubelet
if [[ -f $E2E_RUN/made-run-netns-mount ]] && [[ -z $(ls -A /run/netns 2>/dev/null) ]]; then umount /run/netns; fi
rm -rf "$E2E_STATE" "$E2E_RUN"
leftovers=$(pgrep -f "$E2E_STATE/|$E2E_RUN/|^$E2E_CACHE/go/" | tr '\n' ' ')
[[ -z $leftovers ]] || { log "processes still running after teardown: $leftovers"; exit 1; }
log "teardown complete"
