#!/usr/bin/env bash
# What the chart's default topology expects of a cluster, installed as a user installs it
# (k8s/install-prerequisites.sh does the same on kind): cluster DNS, a default StorageClass, the
# release namespace (restricted Pod Security, from k8s/namespace.yaml), CloudNativePG, cert-manager,
# metrics-server, Vault configured by vault-config/setup.sh, and Traefik as the ingress controller
# and Gateway.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

VOLUMES=$E2E_STATE/volumes
HELM=("$(node "$REPO_DIR/scripts/helm.mjs" 3)" --kubeconfig "$KUBECONFIG_ADMIN")

# render FILE [VARIABLE=VALUE...]: the manifest with its ${...} placeholders filled in, and nothing else.
render() {
  local file=$1; shift
  local names=(COREDNS_IMAGE DNS_SERVICE_IP VAULT_IMAGE TRAEFIK_IMAGE PUBLIC_HOST SITE_HOST RELEASE NAMESPACE NODE_NAME VOLUMES INDEX)
  # shellcheck disable=SC2016 # the names of the placeholders, not their values
  env "$@" COREDNS_IMAGE="$COREDNS_IMAGE" DNS_SERVICE_IP="$DNS_SERVICE_IP" VAULT_IMAGE="$VAULT_IMAGE" \
    TRAEFIK_IMAGE="$TRAEFIK_IMAGE" PUBLIC_HOST="$PUBLIC_HOST" SITE_HOST="$SITE_HOST" RELEASE="$RELEASE" NAMESPACE="$NAMESPACE" \
    NODE_NAME="$NODE_NAME" VOLUMES="$VOLUMES" envsubst "$(printf '${%s} ' "${names[@]}")" <"$file"
}

apply() { "${KUBECTL[@]}" apply --server-side --force-conflicts -f - >/dev/null; }
rollout() { "${KUBECTL[@]}" -n "$1" rollout status "$2" --timeout 300s >/dev/null; }

dns() {
  render "$E2E_DIR/manifests/coredns.yaml" | apply
  rollout kube-system deployment/coredns
}

# Sixteen local volumes behind the default StorageClass: the bundled databases take six per
# install, and a volume once released is not reused (a rerun of the tests on a cluster that is up
# installs again).
storage() {
  "${KUBECTL[@]}" apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: e2e-local
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
YAML
  for index in $(seq 0 15); do
    mkdir -p "$VOLUMES/$index"
    render "$E2E_DIR/manifests/storage.yaml" INDEX="$index" | apply
  done
}

cloudnative_pg() {
  local source; source=$(module_source cloudnative-pg "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION")
  # The release manifest as published, but for the image built here (and never pulled).
  sed -e "s#ghcr.io/cloudnative-pg/cloudnative-pg:${CNPG_VERSION#v}#$CNPG_IMAGE#g" -e 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' \
    "$source/releases/cnpg-${CNPG_VERSION#v}.yaml" | apply
  rollout cnpg-system deployment/cnpg-controller-manager
}

# cert-manager's own chart, from its module, with the images built here.
cert_manager() {
  local source; source=$(module_source cert-manager "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")
  # Secrets owned by their Certificates, so that `helm uninstall` leaves none behind.
  local args=(--set crds.enabled=true --set enableCertificateOwnerRef=true --set startupapicheck.enabled=false)
  for component in controller webhook cainjector; do
    local prefix=${component/controller/}; prefix=${prefix:+$prefix.}
    args+=(--set "${prefix}image.repository=$CERT_MANAGER_IMAGE-$component" --set "${prefix}image.tag=$CERT_MANAGER_TAG"
      --set "${prefix}image.pullPolicy=Never")
  done
  "${HELM[@]}" install cert-manager "$source/deploy/charts/cert-manager" -n cert-manager --create-namespace \
    "${args[@]}" --wait --timeout 5m >/dev/null
  # Its webhook answers once cainjector has put the webhook's CA into the configuration.
  wait_for "cert-manager's webhook CA" 180 webhook_ca_injected
}

webhook_ca_injected() {
  [[ -n $("${KUBECTL[@]}" get validatingwebhookconfiguration cert-manager-webhook -o jsonpath='{.webhooks[0].clientConfig.caBundle}') ]]
}

# Vault, then the PKI, policy and Kubernetes auth role the platform needs, by the project's own
# script, exactly as on kind.
vault() {
  render "$E2E_DIR/manifests/vault.yaml" | apply
  rollout vault statefulset/vault
  PATH="$KUBE_BIN:$PATH" KUBECONFIG=$KUBECONFIG_ADMIN VAULT_NAMESPACE=vault VAULT_POD=vault-0 VAULT_TOKEN=root \
    PLATFORM_NAMESPACE=$NAMESPACE RELEASE=$RELEASE PUBLIC_HOST=$PUBLIC_HOST SITE_HOST=$SITE_HOST "$REPO_DIR/vault-config/setup.sh" >/dev/null
}

# The Gateway API's CRDs (the release Traefik is built with), Traefik, and the Gateway.
ingress() {
  local source; source=$(module_source traefik "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  "${KUBECTL[@]}" apply --server-side -f "$source/config/crd/standard/" >/dev/null
  local crds
  mapfile -t crds < <(sed -n 's/^  name: \(.*gateway.networking.k8s.io\)$/crd\/\1/p' "$source"/config/crd/standard/*.yaml)
  "${KUBECTL[@]}" wait --for condition=Established --timeout 60s "${crds[@]}" >/dev/null
  render "$E2E_DIR/manifests/traefik.yaml" | apply
  render "$REPO_DIR/k8s/manifests/gateway.yaml" | apply
  rollout traefik deployment/traefik
}

# The platform CA that the Gateway verifies the services with (the chart's BackendTLSPolicy names
# the ConfigMap; trust-manager would keep it in sync on a real cluster): Vault's root.
platform_ca() {
  "${KUBECTL[@]}" -n vault exec vault-0 -- env VAULT_TOKEN=root vault read -field=certificate pki/cert/ca >"$E2E_STATE/platform-ca.crt"
  "${KUBECTL[@]}" -n "$NAMESPACE" create configmap "$RELEASE-platform-ca" --from-file=ca.crt="$E2E_STATE/platform-ca.crt" >/dev/null
}

# metrics-server's own chart, from its module, with the image built here: the CPU metric of the
# chart's HorizontalPodAutoscalers. Unlike kind's (--kubelet-insecure-tls), it verifies the
# kubelet's serving certificate against the cluster CA, which every pod's service-account volume
# carries.
metrics_server() {
  local source; source=$(module_source metrics-server "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION")
  "${HELM[@]}" install metrics-server "$source/charts/metrics-server" -n kube-system \
    --set image.repository="${METRICS_SERVER_IMAGE%:*}" --set image.tag="${METRICS_SERVER_IMAGE##*:}" --set image.pullPolicy=Never \
    --set 'args={--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}' \
    --wait --timeout 5m >/dev/null
  wait_for "the metrics API" 180 "${KUBECTL[@]}" get --raw /apis/metrics.k8s.io/v1beta1/nodes
}

namespace() { "${KUBECTL[@]}" apply -f "$REPO_DIR/k8s/namespace.yaml" >/dev/null; }

# Every step in order, or only the ones named (prerequisites.sh ingress platform_ca), to redo one
# on a cluster that is up.
steps=("$@")
((${#steps[@]})) || steps=(dns storage namespace cloudnative_pg cert_manager metrics_server vault ingress platform_ca)
for step in "${steps[@]}"; do timed "$step" "$step"; done
