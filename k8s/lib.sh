# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are for the scripts that source this file
# Shared by the kind and minikube scripts (create-cluster.sh, install-prerequisites.sh,
# policy-probe.sh, deploy.sh): the versions, the provider's cluster and kube-context, and kubectl
# and helm pinned to that context, so that no call reaches whatever cluster happens to be current.
set -euo pipefail

K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$K8S_DIR/.." && pwd)
# shellcheck source=k8s/versions.env
source "$K8S_DIR/versions.env"

log() { printf '[%s] %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

PROVIDER=${PROVIDER:-kind}
CLUSTER_NAME=${CLUSTER_NAME:-blog-platform}
case $PROVIDER in
  kind) KUBE_CONTEXT=kind-$CLUSTER_NAME ;;
  minikube) KUBE_CONTEXT=$CLUSTER_NAME ;;
  *) die "PROVIDER must be kind or minikube, not '$PROVIDER'" ;;
esac
# The release the platform is installed as (skaffold.yaml), its namespace, its public host (the
# API) and the site's host (the chart's web.host).
RELEASE=blog-platform
NAMESPACE=blog
PUBLIC_HOST=${PUBLIC_HOST:-blog.localtest.me}
SITE_HOST=${SITE_HOST:-www.$PUBLIC_HOST}

cluster_kubectl() { kubectl --context "$KUBE_CONTEXT" "$@"; }
cluster_helm() { helm --kube-context "$KUBE_CONTEXT" "$@"; }

# version_at_least HAVE WANT: true when the dotted version HAVE (a leading v is ignored) is WANT or newer.
version_at_least() {
  local have=${1#v} want=${2#v}
  [[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1) == "$want" ]]
}

# require_tool NAME MINIMUM COMMAND...: NAME is on PATH and COMMAND prints a version of at least MINIMUM.
require_tool() {
  local name=$1 minimum=$2; shift 2
  command -v "$name" >/dev/null || die "$name is not installed (version $minimum or later is needed)"
  local version
  version=$("$@" 2>/dev/null | grep -oE 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -n 1) || true
  [[ -n $version ]] || die "could not read the version of $name (\`$*\`)"
  version_at_least "$version" "$minimum" || die "$name $version is too old: $minimum or later is needed"
}

require_common_tools() {
  require_tool kubectl "$KUBECTL_MIN_VERSION" kubectl version --client
  require_tool helm "$HELM_MIN_VERSION" helm version --short
}

require_provider_tool() {
  case $PROVIDER in
    kind) require_tool kind "$KIND_MIN_VERSION" kind version ;;
    minikube) require_tool minikube "$MINIKUBE_MIN_VERSION" minikube version --short ;;
  esac
}

# require_cluster: the provider's cluster answers under its context.
require_cluster() {
  kubectl config get-contexts -o name | grep -qxF "$KUBE_CONTEXT" ||
    die "no kube-context $KUBE_CONTEXT: create the cluster first (make cluster PROVIDER=$PROVIDER)"
  cluster_kubectl get --raw /readyz >/dev/null || die "the cluster behind $KUBE_CONTEXT does not answer"
}
