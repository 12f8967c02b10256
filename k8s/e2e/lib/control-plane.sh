#!/usr/bin/env bash
# etcd and the control plane (API server, controller manager, scheduler), in the node's
# network namespace, with the cluster's PKI. The API server's aggregation layer is on, as on kind
# (metrics-server serves the metrics API through it); it reaches an extension API server at its
# pods' addresses (--enable-aggregator-routing), which the node routes, not through a Service IP.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

PKI=$E2E_STATE/pki
mkdir -p "$E2E_STATE/etcd"

start_component etcd "$(module_bin etcd)/etcd" \
  --name e2e --data-dir "$E2E_STATE/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --quota-backend-bytes 2147483648 --unsafe-no-fsync
wait_for etcd 30 in_node curl -fs http://127.0.0.1:2381/health

start_component kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port 6443 \
  --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767 \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/service-account.pub" --service-account-signing-key-file "$PKI/service-account.key" \
  --api-audiences https://kubernetes.default.svc.cluster.local \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --allow-privileged=true --anonymous-auth=false --profiling=false \
  --storage-backend etcd3 --event-ttl 30m \
  --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
  --enable-aggregator-routing=true
wait_for "the API server" 120 "${KUBECTL[@]}" get --raw /readyz

start_component kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false \
  --horizontal-pod-autoscaler-sync-period 15s

start_component kube-scheduler "$KUBE_BIN/kube-scheduler" \
  --kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false
