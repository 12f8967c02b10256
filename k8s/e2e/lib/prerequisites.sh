#!/usr/bin/env bash
# What the chart's default topology expects of a cluster, installed as a user installs it
# (k8s/install-prerequisites.sh does the same on kind): cluster DNS, a default StorageClass, the
# release namespace (restricted Pod Security, from k8s/namespace.yaml), CloudNativePG, cert-manager,
# metrics-server, Vault (three servers on Raft over TLS, as k8s/values/vault-ha.yaml runs it,
# unsealed by lib/vault-unseal.sh) configured by vault-config/setup.sh, Traefik as the ingress
# controller and Gateway, CloudNativePG's Barman Cloud plugin, and an object store for the backups.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

VOLUMES=$E2E_STATE/volumes
HELM=("$(node "$REPO_DIR/scripts/helm.mjs" 3)" --kubeconfig "$KUBECONFIG_ADMIN")

# render FILE [VARIABLE=VALUE...]: the manifest with its ${...} placeholders filled in, and nothing else.
render() {
  local file=$1; shift
  local names=(COREDNS_IMAGE DNS_SERVICE_IP VAULT_IMAGE TRAEFIK_IMAGE VERSITYGW_IMAGE PUBLIC_HOST SITE_HOST RELEASE NAMESPACE NODE_NAME VOLUMES INDEX VAULT_REPLICAS)
  # shellcheck disable=SC2016 # the names of the placeholders, not their values
  env COREDNS_IMAGE="$COREDNS_IMAGE" DNS_SERVICE_IP="$DNS_SERVICE_IP" VAULT_IMAGE="$VAULT_IMAGE" \
    TRAEFIK_IMAGE="$TRAEFIK_IMAGE" VERSITYGW_IMAGE="$VERSITYGW_IMAGE" PUBLIC_HOST="$PUBLIC_HOST" SITE_HOST="$SITE_HOST" RELEASE="$RELEASE" NAMESPACE="$NAMESPACE" \
    VOLUMES="$VOLUMES" "$@" envsubst "$(printf '${%s} ' "${names[@]}")" <"$file"
}

apply() { "${KUBECTL[@]}" apply --server-side --force-conflicts -f - >/dev/null; }
rollout() { "${KUBECTL[@]}" -n "$1" rollout status "$2" --timeout 300s >/dev/null; }

dns() {
  render "$E2E_DIR/manifests/coredns.yaml" | apply
  rollout kube-system deployment/coredns
}

# Twelve local volumes on each worker behind the default StorageClass. A volume once released is
# not reused, and with three workers each run of the tests takes four on every worker: one per
# database (two), and one per recovery of the user database from its backups (two). Vault takes
# one on every worker and the object store one on one worker, once per cluster. A first run
# leaves at most six in use or spent on a worker, a second run of the tests on the cluster
# (which installs again) ten. With one worker, all thirty-six are on it: a run of the tests
# takes twelve, Vault's one server and the object store two, twenty-six after a second run.
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
  local index node
  for index in $(seq 0 35); do
    node=$(node_name $((index % E2E_NODES + 1)))
    mkdir -p "$VOLUMES/$node/$index"
    render "$E2E_DIR/manifests/storage.yaml" INDEX="$index" NODE_NAME="$node" | apply
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
  # The kind path's values (two replicas of each part, Secrets owned by their Certificates).
  local args=(-f "$REPO_DIR/k8s/values/cert-manager.yaml" --set startupapicheck.enabled=false)
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

# CloudNativePG's Barman Cloud plugin from its module's release manifest, as
# k8s/install-prerequisites.sh applies the published one: cert-manager signs its gRPC
# certificates; the images (its manager, and the sidecar it injects into every database pod) are
# the ones built here.
barman_cloud() {
  local source sidecar
  source=$(module_source plugin-barman-cloud "github.com/cloudnative-pg/plugin-barman-cloud@$BARMAN_CLOUD_PLUGIN_VERSION")
  sidecar=$(printf '%s' "$BARMAN_CLOUD_SIDECAR_IMAGE" | base64 -w0)
  sed -e "s#image: ghcr.io/cloudnative-pg/plugin-barman-cloud-testing:main#image: $BARMAN_CLOUD_PLUGIN_IMAGE\n        imagePullPolicy: Never#" \
    -e "/^  SIDECAR_IMAGE: |$/{N;N;s#.*#  SIDECAR_IMAGE: $sidecar#}" "$source/manifest.yaml" | apply
  rollout cnpg-system deployment/barman-cloud
  # The operator on two nodes, and both it and the plugin off a lost node within seconds, as on
  # kind (the patches say why).
  "${KUBECTL[@]}" -n cnpg-system patch deployment cnpg-controller-manager --patch-file "$REPO_DIR/k8s/manifests/operator-replicas.yaml" >/dev/null
  local deployment
  for deployment in cnpg-controller-manager barman-cloud; do
    "${KUBECTL[@]}" -n cnpg-system patch deployment "$deployment" --patch-file "$REPO_DIR/k8s/manifests/operator-tolerations.yaml" >/dev/null
    rollout cnpg-system "deployment/$deployment"
  done
}

# The backups' object store (manifests/object-store.yaml), with root keys made for this run and a
# certificate from the platform's CA; the release namespace gets the keys and the CA the chart's
# backup.s3 names (ci/e2e-harness-values.yaml).
object_store() {
  local issued access secret
  vault_cli write pki_int/roles/e2e-object-store allowed_domains=versitygw.object-store.svc \
    allow_bare_domains=true allow_subdomains=false max_ttl=72h key_type=ec key_bits=256 >/dev/null
  issued=$(vault_cli write -format=json pki_int/issue/e2e-object-store common_name=versitygw.object-store.svc ttl=48h)
  render "$E2E_DIR/manifests/object-store.yaml" NODE_NAME="$(node_name 1)" | apply
  local pem=$E2E_RUN/object-store-tls
  mkdir -p "$pem"
  node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")).data;
    require("fs").writeFileSync(process.argv[1] + "/tls.crt", [d.certificate, ...d.ca_chain].join("\n") + "\n");
    require("fs").writeFileSync(process.argv[1] + "/tls.key", d.private_key + "\n", { mode: 0o600 });' "$pem" <<<"$issued"
  "${KUBECTL[@]}" -n object-store create secret tls versitygw-tls --cert "$pem/tls.crt" --key "$pem/tls.key" >/dev/null
  rm -rf "$pem"
  access=$(openssl rand -hex 10); secret=$(openssl rand -hex 20)
  local keys=(--from-literal=ACCESS_KEY_ID="$access" --from-literal=ACCESS_SECRET_KEY="$secret")
  "${KUBECTL[@]}" -n object-store create secret generic versitygw-root "${keys[@]}" >/dev/null
  "${KUBECTL[@]}" -n "$NAMESPACE" create secret generic e2e-object-store-credentials "${keys[@]}" >/dev/null
  "${KUBECTL[@]}" -n "$NAMESPACE" create secret generic e2e-object-store-ca --from-file=ca.crt="$E2E_STATE/platform-ca.crt" >/dev/null
  rollout object-store deployment/versitygw
}

webhook_ca_injected() {
  [[ -n $("${KUBECTL[@]}" get validatingwebhookconfiguration cert-manager-webhook -o jsonpath='{.webhooks[0].clientConfig.caBundle}') ]]
}

# Vault installed as docs/deploying.md installs it on a real cluster: the namespace, its listener's
# certificate from cert-manager (k8s/manifests/vault-tls.yaml, unchanged), then the servers, one
# per worker up to three, initialised and unsealed by lib/vault-unseal.sh as an operator does.
# Then the PKI, policy and Kubernetes auth role the platform needs, by the project's own script
# as on kind, in the active server with the root token.
vault() {
  "${KUBECTL[@]}" create namespace vault --dry-run=client -o yaml | "${KUBECTL[@]}" apply -f - >/dev/null
  "${KUBECTL[@]}" -n vault apply -f "$REPO_DIR/k8s/manifests/vault-tls.yaml" >/dev/null
  "${KUBECTL[@]}" -n vault wait --for condition=Ready certificate.cert-manager.io/vault-tls --timeout 180s >/dev/null
  # The CA the platform's issuer verifies Vault with: the tests give it to the chart
  # (certificates.vault.caBundle; e2e.sh names the file in cluster.env).
  "${KUBECTL[@]}" -n vault get secret vault-tls -o jsonpath='{.data.ca\.crt}' | base64 -d >"$E2E_STATE/vault-ca.crt"
  render "$E2E_DIR/manifests/vault.yaml" VAULT_REPLICAS=$((E2E_NODES < 3 ? E2E_NODES : 3)) | apply
  "$E2E_DIR/lib/vault-unseal.sh" init
  "$E2E_DIR/lib/vault-unseal.sh" unseal
  PATH="$KUBE_BIN:$PATH" KUBECONFIG=$KUBECONFIG_ADMIN VAULT_NAMESPACE=vault VAULT_POD="$(vault_active_pod)" VAULT_TOKEN="$(vault_root_token)" \
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
  rollout traefik daemonset/traefik
}

# The platform CA that the Gateway verifies the services with (the chart's BackendTLSPolicy names
# the ConfigMap; trust-manager would keep it in sync on a real cluster): Vault's root.
platform_ca() {
  vault_cli read -field=certificate pki/cert/ca >"$E2E_STATE/platform-ca.crt"
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
((${#steps[@]})) || steps=(dns storage namespace cloudnative_pg cert_manager barman_cloud metrics_server vault ingress platform_ca object_store)
for step in "${steps[@]}"; do timed "$step" "$step"; done
