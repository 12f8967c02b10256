#!/usr/bin/env bash
# Builds (or finds in the cache) every binary the cluster runs: the Go programs of GO_BINARIES
# from their modules under go/, CoreDNS from its module, and the pause program.
# shellcheck source=k8s/e2e/lib/common.sh
source "$(dirname "$0")/common.sh"
check_versions

# ldflags MODULE: what each build stamps in. Without its version Kubernetes reports v0.0.0 and
# the chart's kubeVersion check refuses it.
ldflags() {
  local flags="-s -w"
  case $1 in
    kubernetes)
      local pkg=k8s.io/component-base/version minor=${KUBERNETES_VERSION#v1.}
      flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
      flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
      ;;
    cert-manager) flags+=" -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION" ;;
    traefik) flags+=" -X github.com/traefik/traefik/v3/pkg/version.Version=$(module_version traefik github.com/traefik/traefik/v3)" ;;
  esac
  echo "$flags"
}

build_go() {
  local module name package dir built=0
  for entry in "${GO_BINARIES[@]}"; do
    read -r module name package <<<"$entry"
    dir=$(module_bin "$module")
    [[ -x $dir/$name ]] && continue
    log "building $name from go/$module (a cold build of everything measured 31 minutes on 2 cores, 2026-12-04)"
    mkdir -p "$dir"
    (cd "$E2E_DIR/go/$module" && CGO_ENABLED=0 go build -trimpath -ldflags "$(ldflags "$module")" -o "$dir/$name.partial" "$package")
    mv "$dir/$name.partial" "$dir/$name"
    built=$((built + 1))
  done
  ((built)) || log "go binaries: all cached under $E2E_CACHE/go"
}

build_coredns() {
  local dir=$E2E_CACHE/coredns-$COREDNS_VERSION
  [[ -x $dir/coredns ]] && { log "coredns: cached"; return; }
  log "building coredns $COREDNS_VERSION"
  GOBIN=$dir CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_pause() {
  local out=$E2E_CACHE/pause/pause
  [[ -x $out && $out -nt $E2E_DIR/images/pause.c ]] && return
  mkdir -p "${out%/*}"
  gcc -Os -static -o "$out" "$E2E_DIR/images/pause.c" && strip "$out"
}

timed "go binaries" build_go
timed "coredns" build_coredns
build_pause
