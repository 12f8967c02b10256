#!/usr/bin/env bash
# What a user sets up before `helm install` on this cluster: cluster DNS, the release namespace
# (restricted Pod Security, from k8s/namespace.yaml), the platform's certificates (the chart's
# `certificates.issuer: existingSecrets`, signed here by a platform CA made for this run) and one
# external PostgreSQL per service with its two roles.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

NAMESPACE=blog
DB_NAMESPACE=blog-e2e-db
RELEASE=blog-platform
CA=$E2E_STATE/platform-ca
mkdir -p "$CA" && chmod 700 "$CA"

# render FILE [COMPONENT]: the manifest with its three placeholders filled in, and nothing else.
render() {
  # shellcheck disable=SC2016 # the names of the placeholders, not their values
  COREDNS_VERSION=$COREDNS_VERSION DNS_SERVICE_IP=$DNS_SERVICE_IP COMPONENT=${2:-} \
    envsubst '${COREDNS_VERSION} ${DNS_SERVICE_IP} ${COMPONENT}' <"$1"
}

# tls_secret NAMESPACE NAME CN SANS EKU: a kubernetes.io/tls Secret with ca.crt, signed by the platform CA.
tls_secret() {
  local namespace=$1 name=$2 cn=$3 sans=$4 eku=$5 dir=$CA/$2
  mkdir -p "$dir"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/tls.key" 2>/dev/null
  openssl req -new -key "$dir/tls.key" -subj "/CN=$cn" -out "$dir/tls.csr"
  openssl x509 -req -in "$dir/tls.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -CAcreateserial -days 1 -out "$dir/tls.crt" \
    -extfile <(printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$eku" "$sans") 2>/dev/null
  cp "$CA/ca.crt" "$dir/ca.crt"
  "${KUBECTL[@]}" -n "$namespace" create secret generic "$name" --type kubernetes.io/tls \
    --from-file="$dir/tls.crt" --from-file="$dir/tls.key" --from-file="$dir/ca.crt" >/dev/null
}

# role_secret NAME ROLE: the credentials of one database role, in both namespaces.
role_secret() {
  local password; password=$(openssl rand -hex 24)
  for namespace in "$NAMESPACE" "$DB_NAMESPACE"; do
    "${KUBECTL[@]}" -n "$namespace" create secret generic "$1" --from-literal=username="$2" --from-literal=password="$password" >/dev/null
  done
}

render "$E2E_DIR/manifests/coredns.yaml" | "${KUBECTL[@]}" apply -f - >/dev/null
"${KUBECTL[@]}" apply -f "$REPO_DIR/k8s/namespace.yaml" >/dev/null
"${KUBECTL[@]}" create namespace "$DB_NAMESPACE" >/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out "$CA/ca.key" 2>/dev/null
openssl req -x509 -new -key "$CA/ca.key" -subj "/CN=blog-platform-e2e-platform-ca" -days 1 -out "$CA/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
# The Secrets the chart's NOTES.txt lists for this values file, as a user would make them.
for component in user blog; do
  name=$RELEASE-$component
  sans="DNS:$name,DNS:$name.$NAMESPACE,DNS:$name.$NAMESPACE.svc,DNS:$name.$NAMESPACE.svc.cluster.local,DNS:$RELEASE-backend.$NAMESPACE.svc"
  tls_secret "$NAMESPACE" "$name-tls" "$component" "$sans" serverAuth,clientAuth
  tls_secret "$DB_NAMESPACE" "$component-db-tls" "$component-db.$DB_NAMESPACE.svc" "DNS:$component-db.$DB_NAMESPACE.svc" serverAuth
  role_secret "$component-db-app" "${component}_app"
  role_secret "$component-db-migrator" "${component}_migrator"
  render "$E2E_DIR/manifests/database.yaml" "$component" | "${KUBECTL[@]}" apply -f - >/dev/null
done
tls_secret "$NAMESPACE" "$RELEASE-public-tls" blog.localtest.me DNS:blog.localtest.me serverAuth
"${KUBECTL[@]}" -n "$NAMESPACE" create secret generic database-ca --from-file="$CA/ca.crt" >/dev/null
cp "$CA/ca.crt" "$E2E_STATE/platform-ca.crt"

for target in "kube-system deployment/coredns" "$DB_NAMESPACE deployment/user-db" "$DB_NAMESPACE deployment/blog-db"; do
  read -r namespace resource <<<"$target"
  "${KUBECTL[@]}" -n "$namespace" rollout status "$resource" --timeout 300s >/dev/null
done
