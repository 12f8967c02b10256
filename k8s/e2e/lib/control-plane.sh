#!/usr/bin/env bash
# etcd and the control plane (API server, controller manager, scheduler), in the control plane's
# network namespace (a machine of its own that runs no pods, as kind's control-plane node is when
# tainted), with the cluster's PKI, and a kube-proxy for the API server's calls to Services. The API server's aggregation layer is on, as on kind
# (metrics-server serves the metrics API through it); it reaches an extension API server at its
# pods' addresses (--enable-aggregator-routing), which the workers route, not through a Service IP.
# The controller manager marks a silent node NotReady after 30 seconds instead of 50 (three
# missed lease renewals of the kubelet's 10): a real operator's choice on a fast, reliable
# network, short enough for the lost-node test, long enough that two busy cores do not make a
# node look lost.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

PKI=$E2E_STATE/pki
mkdir -p "$E2E_STATE/etcd"

start_component "$CONTROL_PLANE_NETNS" etcd "$(module_bin etcd)/etcd" \
  --name e2e --data-dir "$E2E_STATE/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --quota-backend-bytes 2147483648 --unsafe-no-fsync
wait_for etcd 30 in_netns "$CONTROL_PLANE_NETNS" curl -fs http://127.0.0.1:2381/health

start_component "$CONTROL_PLANE_NETNS" kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --advertise-address "$CONTROL_PLANE_IP" --bind-address "$CONTROL_PLANE_IP" --secure-port 6443 \
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

start_component "$CONTROL_PLANE_NETNS" kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig "$PKI/kube-controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$PKI/service-account.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false \
  --horizontal-pod-autoscaler-sync-period 15s --node-monitor-grace-period 30s

start_component "$CONTROL_PLANE_NETNS" kube-scheduler "$KUBE_BIN/kube-scheduler" \
  --kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig "$PKI/kube-scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false

start_kube_proxy "$CONTROL_PLANE_NETNS" e2e-control-plane "$CONTROL_PLANE_IP"
