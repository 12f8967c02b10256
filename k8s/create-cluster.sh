#!/usr/bin/env bash
# Creates the cluster of `make cluster` when it does not exist yet, at the Kubernetes version of
# k8s/versions.env: kind (PROVIDER=kind, the default) from the pinned node image, or minikube
# (PROVIDER=minikube) with Calico, which enforces NetworkPolicies. Safe to run again: an existing
# cluster is left as it is, after checking that it runs that version.
# shellcheck source=k8s/lib.sh
source "$(dirname "$0")/lib.sh"

require_provider_tool
require_common_tools

exists() {
  case $PROVIDER in
    kind) kind get clusters 2>/dev/null | grep -qxF "$CLUSTER_NAME" ;;
    minikube) minikube profile list -o json 2>/dev/null | grep -q "\"Name\":\"$CLUSTER_NAME\"" ;;
  esac
}

if exists; then
  log "$PROVIDER cluster $CLUSTER_NAME exists; leaving it as it is"
else
  case $PROVIDER in
    kind)
      kind create cluster --name "$CLUSTER_NAME" --config "$K8S_DIR/kind-config.yaml" --image "$KIND_NODE_IMAGE" --wait 120s
      ;;
    minikube)
      minikube start --profile "$CLUSTER_NAME" --kubernetes-version "$KUBERNETES_VERSION" --cni calico \
        --cpus "${MINIKUBE_CPUS:-4}" --memory "${MINIKUBE_MEMORY:-8g}" --wait all
      # The edge runs on the node labelled ingress-ready, as on kind.
      cluster_kubectl label node --all ingress-ready=true --overwrite >/dev/null
      ;;
  esac
fi

require_cluster
server=$(cluster_kubectl version -o json | sed -n 's/.*"gitVersion": *"\(v[^"]*\)".*/\1/p' | tail -n 1)
[[ $server == "$KUBERNETES_VERSION" ]] ||
  die "the $PROVIDER cluster $CLUSTER_NAME runs Kubernetes $server, not $KUBERNETES_VERSION (k8s/versions.env); delete it (make cluster-delete PROVIDER=$PROVIDER) and run make cluster again"
log "$PROVIDER cluster $CLUSTER_NAME: Kubernetes $server, context $KUBE_CONTEXT"
