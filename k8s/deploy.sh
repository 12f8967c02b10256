#!/usr/bin/env bash
# `make deploy` and `make dev`: skaffold run (or dev) against the cluster of `make cluster` and
# nothing else (its kube-context is pinned), with the values only the cluster knows: where its
# API server listens, which CloudNativePG's instances must reach through the NetworkPolicies
# (kind's node address and 6443, minikube's and 8443). ROUTE=gateway-api serves the API through
# the Gateway API route instead of the Ingress.
#   k8s/deploy.sh run|dev|delete
# shellcheck source=k8s/lib.sh
source "$(dirname "$0")/lib.sh"

ROUTE=${ROUTE:-ingress}
command=${1:-run}
require_provider_tool
require_common_tools
require_tool skaffold "$SKAFFOLD_MIN_VERSION" skaffold version
require_cluster

# cluster_values: the API server's Service address and every address and port behind it.
cluster_values() {
  local service_ip port addresses address
  service_ip=$(cluster_kubectl -n default get service kubernetes -o jsonpath='{.spec.clusterIP}')
  port=$(cluster_kubectl -n default get endpointslice -l kubernetes.io/service-name=kubernetes -o jsonpath='{.items[0].ports[0].port}')
  addresses=$(cluster_kubectl -n default get endpointslice -l kubernetes.io/service-name=kubernetes -o jsonpath='{.items[*].endpoints[*].addresses[*]}')
  [[ -n $service_ip && -n $port && -n $addresses ]] || die "could not read the API server's addresses from $KUBE_CONTEXT"
  printf '# Written by k8s/deploy.sh from %s; not to be edited.\nnetworkPolicy:\n  kubeApiServerPort: %s\n  kubeApiServerCidrs:\n    - %s/32\n' \
    "$KUBE_CONTEXT" "$port" "$service_ip"
  for address in $addresses; do printf '    - %s/32\n' "$address"; done
  case $ROUTE in
    ingress) ;;
    gateway-api) cat "$REPO_DIR/charts/blog-platform/ci/kind-gateway-api-values.yaml" ;;
    *) die "ROUTE must be ingress or gateway-api, not '$ROUTE'" ;;
  esac
}

values=$REPO_DIR/.local/cluster-values-$PROVIDER.yaml
mkdir -p "${values%/*}"
cluster_values >"$values"
log "cluster values ($values): API server port $(sed -n 's/^  kubeApiServerPort: //p' "$values"), route $ROUTE"
cluster_kubectl apply -f "$K8S_DIR/namespace.yaml" >/dev/null
cd "$REPO_DIR"
CLUSTER_VALUES_FILE=$values exec skaffold "$command" --profile "$PROVIDER" --kube-context "$KUBE_CONTEXT"
