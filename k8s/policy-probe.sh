#!/usr/bin/env bash
# Proves that the cluster enforces NetworkPolicies, which every claim of the chart's default-deny
# rests on: in a namespace of its own, a client reaches a server, then a policy that denies the
# server's ingress is applied and the same request must fail. A CNI that ignores policies (or
# fails open) stops `make cluster` here, loudly. Leaves nothing behind.
# shellcheck source=k8s/lib.sh
source "$(dirname "$0")/lib.sh"

PROBE_NAMESPACE=blog-policy-probe
require_cluster

# shellcheck disable=SC2317 # run by the trap
cleanup() { cluster_kubectl delete namespace "$PROBE_NAMESPACE" --ignore-not-found --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

# probe_pod NAME: a pod of busybox (httpd and wget), restricted like the platform's own.
probe_pod() {
  cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: { name: $1, namespace: $PROBE_NAMESPACE, labels: { probe: $1 } }
spec:
  automountServiceAccountToken: false
  securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: RuntimeDefault } }
  containers:
    - name: probe
      image: $PROBE_IMAGE
      command: [sh, -c, "mkdir -p /tmp/www && echo reached > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
      volumeMounts: [{ name: tmp, mountPath: /tmp }]
  volumes: [{ name: tmp, emptyDir: {} }]
YAML
}

{
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels: { pod-security.kubernetes.io/enforce: restricted }\n' "$PROBE_NAMESPACE"
  probe_pod server
  probe_pod client
} | cluster_kubectl apply -f - >/dev/null
cluster_kubectl -n "$PROBE_NAMESPACE" wait --for condition=Ready pod/server pod/client --timeout 180s >/dev/null
server_ip=$(cluster_kubectl -n "$PROBE_NAMESPACE" get pod server -o jsonpath='{.status.podIP}')

reaches() { cluster_kubectl -n "$PROBE_NAMESPACE" exec client -- wget -q -T 2 -O - "http://$server_ip:8080/" 2>/dev/null | grep -q reached; }

reaches || die "the probe's client cannot reach its server even without a policy: the pod network is broken"
cluster_kubectl apply -f - >/dev/null <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-ingress, namespace: $PROBE_NAMESPACE }
spec:
  podSelector: { matchLabels: { probe: server } }
  policyTypes: [Ingress]
YAML
# Enforcement follows the policy within seconds; give the CNI 30.
for _ in $(seq 1 15); do
  if ! reaches; then
    log "NetworkPolicies are enforced: a denied connection is refused in $KUBE_CONTEXT"
    exit 0
  fi
  sleep 2
done
die "NetworkPolicies are NOT enforced in $KUBE_CONTEXT: a pod still reaches another past a policy that denies it. The chart's default-deny would not hold; use a CNI that enforces policies (kind's kindnet v0.24+, minikube --cni=calico)"
