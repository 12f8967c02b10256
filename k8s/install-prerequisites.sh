#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs what the blog platform needs in a cluster, at pinned versions (k8s/versions.env):
#   ingress-nginx  - the ingress controller (TLS for the public host, routing, rate limits)
#   cert-manager   - issues and rotates every certificate, from Vault
#   Vault          - the PKI (dev mode on kind; see k8s/values/vault-ha.yaml for real clusters)
#   CloudNativePG  - the operator running each service's PostgreSQL cluster
#   metrics-server - CPU metrics for the HorizontalPodAutoscalers
#   kube-prometheus-stack, Jaeger - metrics, alerts, dashboards and traces
# Then configures Vault's PKI (vault-config/setup.sh). Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "${here}/versions.env"

helm repo add ingress-nginx https://kubernetes.github.io/ingress-nginx --force-update >/dev/null
helm repo add jetstack https://charts.jetstack.io --force-update >/dev/null
helm repo add hashicorp https://helm.releases.hashicorp.com --force-update >/dev/null
helm repo add cnpg https://cloudnative-pg.github.io/charts --force-update >/dev/null
helm repo add metrics-server https://kubernetes-sigs.github.io/metrics-server --force-update >/dev/null
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update >/dev/null
helm repo add jaegertracing https://jaegertracing.github.io/helm-charts --force-update >/dev/null
helm repo update >/dev/null

install() {
  local release="$1" chart="$2" version="$3" namespace="$4"
  shift 4
  echo "installing ${release} ${version} into ${namespace}"
  helm upgrade --install "${release}" "${chart}" --version "${version}" --namespace "${namespace}" --create-namespace --wait --timeout 10m "$@"
}

install ingress-nginx ingress-nginx/ingress-nginx "${INGRESS_NGINX_CHART}" ingress-nginx \
  --set controller.hostPort.enabled=true \
  --set controller.service.type=NodePort \
  --set-string controller.nodeSelector.ingress-ready=true \
  --set controller.config.hsts=true \
  --set controller.config.hsts-max-age=63072000
# Each Certificate owns its Secret, so that uninstalling the platform leaves no key behind.
install cert-manager jetstack/cert-manager "${CERT_MANAGER_CHART}" cert-manager --set crds.enabled=true --set enableCertificateOwnerRef=true
install vault hashicorp/vault "${VAULT_CHART}" vault -f "${here}/values/vault-dev.yaml"
install cnpg cnpg/cloudnative-pg "${CNPG_CHART}" cnpg-system
install metrics-server metrics-server/metrics-server "${METRICS_SERVER_CHART}" kube-system --set 'args={--kubelet-insecure-tls}'
install monitoring prometheus-community/kube-prometheus-stack "${KUBE_PROMETHEUS_STACK_CHART}" monitoring \
  --set grafana.sidecar.dashboards.searchNamespace=ALL \
  --set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false \
  --set prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false
install jaeger jaegertracing/jaeger "${JAEGER_CHART}" observability \
  --set allInOne.enabled=true --set provisionDataStore.cassandra=false --set storage.type=memory \
  --set agent.enabled=false --set collector.enabled=false --set query.enabled=false

kubectl apply -f "${here}/namespace.yaml"
"${here}/../vault-config/setup.sh"
echo "prerequisites ready"
