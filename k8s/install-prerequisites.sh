#!/usr/bin/env bash
# Installs what the blog platform needs in the kind or minikube cluster of `make cluster`, at the
# versions of k8s/versions.env, into that cluster's context only:
#   Gateway API CRDs - the standard channel, for the chart's HTTPRoute and BackendTLSPolicy
#   Traefik          - the edge: the chart's Ingress (class nginx) and its Gateway API route
#   cert-manager     - issues and rotates every certificate, from Vault
#   Vault            - the PKI (dev mode here; k8s/values/vault-ha.yaml for real clusters)
#   CloudNativePG    - the operator running each service's PostgreSQL cluster
#   Barman Cloud     - CloudNativePG's plugin for the chart's backups (backup.*) to an object store
#   metrics-server   - CPU metrics for the HorizontalPodAutoscalers
#   kube-prometheus-stack, Jaeger v2 - metrics, alerts, dashboards and traces
# Then configures Vault's PKI (vault-config/setup.sh), publishes the platform CA for the Gateway,
# and proves that the cluster enforces NetworkPolicies (policy-probe.sh). Safe to run again.
# shellcheck source=k8s/lib.sh
source "$(dirname "$0")/lib.sh"

require_common_tools
require_cluster

helm_repos() {
  local repo
  for repo in traefik=https://traefik.github.io/charts jetstack=https://charts.jetstack.io \
    hashicorp=https://helm.releases.hashicorp.com cnpg=https://cloudnative-pg.github.io/charts \
    metrics-server=https://kubernetes-sigs.github.io/metrics-server \
    prometheus-community=https://prometheus-community.github.io/helm-charts \
    jaegertracing=https://jaegertracing.github.io/helm-charts; do
    helm repo add "${repo%%=*}" "${repo#*=}" --force-update >/dev/null
  done
  helm repo update >/dev/null
}

# install RELEASE CHART VERSION NAMESPACE [HELM ARGUMENTS...]
install() {
  local release=$1 chart=$2 version=$3 namespace=$4
  shift 4
  log "installing $release $version into $namespace"
  cluster_helm upgrade --install "$release" "$chart" --version "$version" --namespace "$namespace" --create-namespace \
    --wait --timeout 10m "$@" >/dev/null
}

gateway_api_crds() {
  log "installing the Gateway API CRDs $GATEWAY_API_VERSION (standard channel)"
  cluster_kubectl apply --server-side --force-conflicts \
    -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/$GATEWAY_API_VERSION/standard-install.yaml" >/dev/null
  cluster_kubectl wait --for condition=Established --timeout 60s crd/gateways.gateway.networking.k8s.io \
    crd/httproutes.gateway.networking.k8s.io crd/backendtlspolicies.gateway.networking.k8s.io >/dev/null
}

# The Gateway the chart's HTTPRoute attaches to, the same manifest as the harness's.
gateway() {
  # shellcheck disable=SC2016 # the names of the placeholders, not their values
  PUBLIC_HOST=$PUBLIC_HOST SITE_HOST=$SITE_HOST RELEASE=$RELEASE NAMESPACE=$NAMESPACE \
    envsubst '${PUBLIC_HOST} ${SITE_HOST} ${RELEASE} ${NAMESPACE}' <"$K8S_DIR/manifests/gateway.yaml" |
    cluster_kubectl apply -f - >/dev/null
}

# The platform CA that the Gateway verifies the services with (the chart's BackendTLSPolicy names
# this ConfigMap): Vault's root.
platform_ca() {
  local ca
  ca=$(cluster_kubectl -n vault exec vault-0 -- env VAULT_TOKEN=root vault read -field=certificate pki/cert/ca)
  cluster_kubectl -n "$NAMESPACE" create configmap "$RELEASE-platform-ca" --from-literal=ca.crt="$ca" \
    --dry-run=client -o yaml | cluster_kubectl apply -f - >/dev/null
}

helm_repos
gateway_api_crds
install traefik traefik/traefik "$TRAEFIK_CHART" traefik -f "$K8S_DIR/values/traefik.yaml" --set image.tag="$TRAEFIK_VERSION"
# Two replicas of each part, each Certificate owning its Secret (values/cert-manager.yaml says why).
install cert-manager jetstack/cert-manager "$CERT_MANAGER_VERSION" cert-manager -f "$K8S_DIR/values/cert-manager.yaml"
install vault hashicorp/vault "$VAULT_CHART" vault -f "$K8S_DIR/values/vault-dev.yaml" --set server.image.tag="$VAULT_VERSION"
install cnpg cnpg/cloudnative-pg "$CNPG_CHART" cnpg-system --set image.tag="${CNPG_VERSION#v}"
# The Barman Cloud plugin from its release manifest (it has no chart); cert-manager, installed
# above, signs its gRPC certificates.
log "installing the Barman Cloud plugin $BARMAN_CLOUD_PLUGIN_VERSION into cnpg-system"
cluster_kubectl apply --server-side --force-conflicts \
  -f "https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/$BARMAN_CLOUD_PLUGIN_VERSION/manifest.yaml" >/dev/null
# The operator on two nodes (manifests/operator-replicas.yaml); both it and the plugin move off
# a lost node within seconds (manifests/operator-tolerations.yaml says why).
cluster_kubectl -n cnpg-system patch deployment cnpg-cloudnative-pg --patch-file "$K8S_DIR/manifests/operator-replicas.yaml" >/dev/null
for deployment in cnpg-cloudnative-pg barman-cloud; do
  cluster_kubectl -n cnpg-system patch deployment "$deployment" --patch-file "$K8S_DIR/manifests/operator-tolerations.yaml" >/dev/null
  cluster_kubectl -n cnpg-system rollout status "deployment/$deployment" --timeout 300s >/dev/null
done
install metrics-server metrics-server/metrics-server "$METRICS_SERVER_CHART" kube-system --set 'args={--kubelet-insecure-tls}' \
  --set image.tag="$METRICS_SERVER_VERSION"
install monitoring prometheus-community/kube-prometheus-stack "$KUBE_PROMETHEUS_STACK_CHART" monitoring \
  --set grafana.sidecar.dashboards.searchNamespace=ALL \
  --set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false \
  --set prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false
install jaeger jaegertracing/jaeger "$JAEGER_CHART" observability

cluster_kubectl apply -f "$K8S_DIR/namespace.yaml" >/dev/null
gateway
KUBE_CONTEXT=$KUBE_CONTEXT PLATFORM_NAMESPACE=$NAMESPACE RELEASE=$RELEASE PUBLIC_HOST=$PUBLIC_HOST SITE_HOST=$SITE_HOST \
  "$REPO_DIR/vault-config/setup.sh" >/dev/null
platform_ca
"$K8S_DIR/policy-probe.sh"
log "prerequisites ready in $KUBE_CONTEXT"
