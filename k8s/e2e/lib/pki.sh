#!/usr/bin/env bash
# The cluster's certificates and kubeconfigs, made fresh for every run (nothing is kept or
# committed): one CA, the API server's and each kubelet's serving certificates, a client
# certificate per component (and per kubelet: the Node authorizer knows a node by its own), the service-account signing key, and the aggregation layer's front-proxy CA with
# the client certificate the API server presents to extension API servers (metrics-server).
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

PKI=$E2E_STATE/pki

# cert NAME SUBJECT EXTENSIONS: an ECDSA key and a certificate signed by the cluster CA.
cert() {
  local name=$1 subject=$2 extensions=$3
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -out "$PKI/$name.crt" -extfile <(printf '%s\n' "$extensions") 2>/dev/null
  rm "$PKI/$name.csr"
}

client() { cert "$1" "$2" "keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"; }

kubeconfig() {
  local name=$1 file=$PKI/$1.kubeconfig
  local kc=("$KUBE_BIN/kubectl" config --kubeconfig "$file")
  "${kc[@]}" set-cluster e2e --server "https://$CONTROL_PLANE_IP:6443" --certificate-authority "$PKI/ca.crt" --embed-certs >/dev/null
  "${kc[@]}" set-credentials "$name" --client-certificate "$PKI/$name.crt" --client-key "$PKI/$name.key" --embed-certs >/dev/null
  "${kc[@]}" set-context e2e --cluster e2e --user "$name" >/dev/null
  "${kc[@]}" use-context e2e >/dev/null
}

mkdir -p "$PKI" && chmod 700 "$PKI"
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=blog-platform-e2e-ca" -days 2 -out "$PKI/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

server_ext="keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"
cert apiserver "/CN=kube-apiserver" "$server_ext
subjectAltName=IP:$CONTROL_PLANE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
for n in "${WORKERS[@]}"; do
  cert "kubelet-serving-$n" "/CN=$(node_name "$n")" "$server_ext
subjectAltName=IP:$(node_ip "$n"),DNS:$(node_name "$n")"
done

client admin "/O=system:masters/CN=e2e-admin"
client apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
client kube-controller-manager "/CN=system:kube-controller-manager"
client kube-scheduler "/CN=system:kube-scheduler"
client kube-proxy "/CN=system:kube-proxy"
client kube-router "/CN=system:kube-router"
for n in "${WORKERS[@]}"; do
  client "kubelet-$n" "/O=system:nodes/CN=system:node:$(node_name "$n")"
  kubeconfig "kubelet-$n"
done
for name in admin kube-controller-manager kube-scheduler kube-proxy kube-router; do kubeconfig "$name"; done

# The front proxy has a CA of its own, as kubeadm sets it up: an extension API server believes the
# user named in a request's headers only from a client certificate of this CA.
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/front-proxy-ca.key" 2>/dev/null
openssl req -x509 -new -key "$PKI/front-proxy-ca.key" -subj "/CN=blog-platform-e2e-front-proxy-ca" -days 2 \
  -out "$PKI/front-proxy-ca.crt" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/front-proxy-client.key" 2>/dev/null
openssl req -new -key "$PKI/front-proxy-client.key" -subj "/CN=front-proxy-client" -out "$PKI/front-proxy-client.csr"
openssl x509 -req -in "$PKI/front-proxy-client.csr" -CA "$PKI/front-proxy-ca.crt" -CAkey "$PKI/front-proxy-ca.key" \
  -CAcreateserial -days 2 -out "$PKI/front-proxy-client.crt" \
  -extfile <(printf '%s\n' "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth") 2>/dev/null
rm "$PKI/front-proxy-client.csr"

openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/service-account.key" 2>/dev/null
openssl ec -in "$PKI/service-account.key" -pubout -out "$PKI/service-account.pub" 2>/dev/null
chmod 600 "$PKI"/*.key
